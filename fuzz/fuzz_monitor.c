/*
 * libFuzzer target: the monitor's decoder (monitor.c), the only code in the
 * privileged process that reads the network child's bytes. The input is a
 * stream of frames as the child would send them; each whole frame goes
 * through the same split and typed decoding the dispatcher uses, for every
 * request type (the frame's own type and, to reach every decoder, each
 * other type with the same payload). No crash, no leak, no read past a
 * field.
 */
#include <stdint.h>
#include <stddef.h>

#include "monitor.h"
#include "monwire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		uint8_t type;
		const uint8_t *payload;
		size_t plen, used;
		int r = mon_frame_split(data + off, size - off, &type, &payload, &plen, &used);

		if (r <= 0) {
			/* A tail that is not a frame: its bytes as one payload of each type. */
			for (int t = MON_PUBKEY; t <= MON_LAST_REQUEST; t++)
				(void)monitor_decode(t, data + off, size - off);
			break;
		}
		(void)monitor_decode(type, payload, plen);
		for (int t = MON_PUBKEY; t <= MON_LAST_REQUEST; t++)
			(void)monitor_decode(t, payload, plen);
		off += used;
	}
	return 0;
}
