/*
 * libFuzzer target: the guard's gate on terminal input (gateway/linegate.c),
 * which reads every byte an engineer types. The input is the typed stream
 * followed by a stream of control bytes that says, step by step, how many
 * bytes arrive, whether the held item is let go or dropped, and whether
 * the device answers. No crash, no read past the buffer, never more bytes
 * let out than arrived, and a held Enter is never let out by a scan.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linegate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct linegate g;
	size_t half = size / 2, off = 0, arrived = 0;
	uint64_t now = 1;

	linegate_init(&g);
	for (size_t i = half; i < size && off < half; i++) {
		uint8_t c = data[i];
		size_t n;

		now += (uint64_t)(c & 0x0f) * 40000;
		arrived += (size_t)(c >> 4) + 1;
		if (arrived > half)
			arrived = half;
		n = (c & 1) ? linegate_scan_unjudged(&g, data + off, arrived - off, now) :
		    linegate_scan(&g, data + off, arrived - off, now);
		if (n > arrived - off)
			abort();
		if ((memchr(data + off, '\r', n) != NULL || memchr(data + off, '\n', n) != NULL))
			abort();	/* an Enter let out before it was judged */
		off += n;
		if (g.state == LG_HELD) {
			(void)linegate_settled(&g, "echo", now);
			(void)linegate_typed(&g);
			(void)linegate_interrupt_at(&g, data + off, arrived - off);
			if (c & 2) {
				size_t held = g.held_len <= arrived - off ? g.held_len : arrived - off;

				linegate_release(&g, now);
				off += held;
			} else if (c & 4) {
				size_t held = g.held_len <= arrived - off ? g.held_len : arrived - off;

				linegate_dropped(&g, (enum linegate_after)((c >> 3) % 3), now);
				off += held;
			}
		}
		if (c & 8)
			linegate_output(&g, now);
		linegate_echo_seen(&g, c & 0x20, now);
	}
	return 0;
}
