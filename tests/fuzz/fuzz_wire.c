/*
 * fuzz_wire.c — libFuzzer target: the input is a CPG message as a peer would
 * send it. What rv_wire_decode() accepts must encode back to exactly the
 * same bytes (the layout has no slack: a message is accepted whole or
 * refused); what it refuses must leave the caller's struct alone.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char out[RV_WIRE_MAX_LEN];
	struct rv_msg m, untouched;
	ssize_t n;

	memset(&m, 0xa5, sizeof(m));
	memcpy(&untouched, &m, sizeof(m));
	if (rv_wire_decode(data, size, &m) < 0) {
		if (memcmp(&m, &untouched, sizeof(m)) != 0)
			abort();
		return 0;
	}
	n = rv_wire_encode(&m, out, sizeof(out));
	if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
		abort();
	(void)rv_msg_type_name(m.type);
	return 0;
}
