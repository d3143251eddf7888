#include "conslive.h"

#include <string.h>

int
conslive_read(const uint8_t *file, size_t len, uint64_t from, struct conslive *out)
{
	struct rec_reader rd;
	struct rec rec;
	enum rec_status st;

	memset(out, 0, sizeof(*out));
	if (len < RECFILE_MAGIC_LEN || memcmp(file, RECFILE_MAGIC, RECFILE_MAGIC_LEN) != 0)
		return -1;
	out->next = from > RECFILE_MAGIC_LEN ? from : RECFILE_MAGIC_LEN;
	rec_reader_init(&rd, file + RECFILE_MAGIC_LEN, len - RECFILE_MAGIC_LEN, RECFILE_MAGIC_LEN);
	while ((st = rec_reader_next(&rd, &rec)) == REC_NEXT_OK) {
		uint64_t end = rd.base + rd.pos;

		if (rec.type == REC_SEAL)
			out->sealed = 1;
		if (rec.offset < from)
			continue;
		if ((rec.type == REC_OUTPUT || rec.type == REC_STDERR) && rec.len > 0) {
			if (out->out.len > 0 && out->out.len + rec.len > CONSLIVE_MAX_CHUNK)
				return 0;	/* the rest on the next read */
			if (recbuf_put(&out->out, rec.data, rec.len) != 0) {
				recbuf_free(&out->out);
				return -1;
			}
		}
		out->next = end;
	}
	out->damaged = st != REC_NEXT_END && st != REC_NEXT_TRUNCATED;
	return 0;
}
