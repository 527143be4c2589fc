/*
 * fuzz_queue.c — libFuzzer target: the input is the output of
 * `postqueue -j` (one JSON object per message and line), counted by
 * rv_mta_count_queue() as relevod counts it. relevod hands it the child's
 * output NUL-terminated; so does this.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned counts[RV_QUEUE_COUNT], sum = 0, n;
	int64_t oldest;
	char *text;
	size_t q;

	text = malloc(size + 1);
	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	n = rv_mta_count_queue(text, counts, 1700000000, &oldest);
	for (q = 0; q < RV_QUEUE_COUNT; q++)
		sum += counts[q];
	if (sum != n || oldest < -1 || (oldest >= 0 && counts[RV_QUEUE_DEFERRED] == 0))
		abort();
	free(text);
	return 0;
}
