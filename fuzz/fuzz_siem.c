/*
 * libFuzzer target: a SIEM destination's URL (gateway/siemurl.c), and an
 * event whose client-supplied fields are the input, written in each export
 * format (gateway/evexport.c): no crash, and every event is exactly one
 * line with no control byte in it, whatever its fields hold.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "evexport.h"
#include "siemurl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1), err[200];
	struct siem_url u;
	struct audit_event ev = { .seq = 7, .ts = 1796000000, .kind = "session_refused", .hash = "00" };

	if (in == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (siem_url_parse(in, &u, err, sizeof(err)) == 0) {
		if (u.transport == SIEM_FILE ? u.path[0] != '/' : (u.port < 1 || u.port > 65535 || u.host[0] == '\0'))
			abort();
	}
	ev.engineer = in;
	ev.detail = in;
	ev.client_addr = in;
	ev.reason = in;
	ev.actor = size % 2 ? in : NULL;
	for (int f = EVEXPORT_JSONL; f <= EVEXPORT_CEF; f++) {
		char *out = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&out, &len);

		if (m == NULL)
			break;
		evexport_write(m, (enum evexport_format)f, "gw", &ev);
		fclose(m);
		if (len == 0 || out[len - 1] != '\n')
			abort();
		for (size_t i = 0; i + 1 < len; i++)
			if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
				abort();
		free(out);
	}
	free(in);
	return 0;
}
