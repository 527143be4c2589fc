/*
 * util.h — small helpers shared by relevod and the tools: strict number and
 * duration parsing for configuration and wire input, monotonic time.
 *
 * Every parser here rejects trailing garbage, signs, overflow and empty input;
 * none of them ever accepts a partial value. Return convention: 0 or -errno.
 */
#ifndef RELEVO_UTIL_H
#define RELEVO_UTIL_H

#include <stdint.h>

/* Parse a decimal unsigned integer no larger than max into *out.
 * Returns 0, -EINVAL (not a number, trailing text) or -ERANGE (> max). */
int rv_parse_uint(const char *s, uint64_t max, uint64_t *out);

/* Parse a duration into milliseconds: "250ms", "2s", "1.5s", "3m", "1h";
 * a bare number means seconds, as in Pacemaker's operation timeouts.
 * Returns 0, -EINVAL or -ERANGE (beyond max_ms). */
int rv_parse_duration_ms(const char *s, uint64_t max_ms, uint64_t *out_ms);

/* Parse a boolean as INI files spell it: yes/no, true/false, on/off, 1/0.
 * Returns 0 or -EINVAL. */
int rv_parse_bool(const char *s, int *out);

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t rv_now_ms(void);

#endif
