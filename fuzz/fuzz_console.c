/*
 * libFuzzer target: what a browser sends the console that the console
 * parses itself. The first byte picks the parser: a form body
 * (console/consform.c: every field found has a name, decoded values hold
 * no NUL and fit the input), or the live reader over a recording
 * (console/conslive.c, from an offset the rest of the input names: never
 * more than one chunk, next never past the end).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "consform.h"
#include "conslive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		struct consform f;

		if (consform_parse((const char *)data + 1, size - 1, &f) == 0) {
			if (f.n > CONSFORM_MAX)
				abort();
			for (int i = 0; i < f.n; i++)
				if (f.name[i][0] == '\0' || strlen(f.name[i]) + strlen(f.value[i]) > size - 1 ||
				    consform_get(&f, f.name[i]) != f.value[i])
					abort();
			consform_free(&f);
		}
	} else if (size >= 9) {
		struct conslive lv;
		uint64_t from = 0;

		for (int i = 1; i < 9; i++)
			from = from << 8 | data[i];
		from %= size + 64;
		if (conslive_read(data + 9, size - 9, from, &lv) == 0) {
			uint64_t most = size - 9 > from ? size - 9 : from;

			/* Output comes from the input, one chunk at most; the next offset is never invented. */
			if (lv.out.len > CONSLIVE_MAX_CHUNK || lv.out.len > size - 9 || lv.next > most)
				abort();
			recbuf_free(&lv.out);
		}
	}
	return 0;
}
