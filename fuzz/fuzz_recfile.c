/*
 * libFuzzer target: the recording checker (gateway/recfile.c) and the
 * renderers that read recordings (gateway/recexport.c), on arbitrary file
 * contents.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "recexport.h"
#include "recfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t pub[32] = { 1 };
	struct rec_check chk;
	FILE *null = fopen("/dev/null", "w");

	recfile_check(data, size, NULL, &chk);
	recfile_check(data, size, pub, &chk);
	if (null != NULL) {
		recexport_text(data, size, null);
		recexport_asciicast(data, size, null);
		fclose(null);
	}
	return 0;
}
