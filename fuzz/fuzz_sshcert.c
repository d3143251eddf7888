/*
 * libFuzzer target: approval certificates as a client presents them
 * (gateway/sshcert.c), the blob and the "TYPE BASE64" line. No crash, no
 * read past the input; what parses has its fields inside their bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sshcert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sshcert c;
	char err[200], type[64], *line;
	uint8_t *blob;
	size_t len;

	if (sshcert_parse(data, size, &c, err, sizeof(err)) == 0) {
		if (c.key_len > sizeof(c.key) || c.nprincipals > SSHCERT_MAX_PRINCIPALS)
			abort();
		for (size_t i = 0; i < c.nprincipals; i++)
			if (strlen(c.principals[i]) >= sizeof(c.principals[i]))
				abort();
	}
	if ((line = malloc(size + 1)) == NULL)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (sshcert_parse_line(line, type, sizeof(type), &blob, &len) == 0) {
		if (len > SSHCERT_MAX_BLOB)
			abort();
		(void)sshcert_parse(blob, len, &c, err, sizeof(err));
		free(blob);
	}
	free(line);
	return 0;
}
