/*
 * util.c — strict parsers and clocks shared by the daemon and the tools.
 *
 * Input here comes from configuration files and the command line; a value is
 * accepted whole or refused, never truncated or wrapped.
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util.h"

int
rv_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -ERANGE;
	}
	*out = v;
	return 0;
}

static const struct {
	const char *suffix;
	uint64_t ms;
} duration_units[] = {
	/* longest suffix first so "ms" is not read as "m" + "s" */
	{ "ms", 1 },
	{ "s", 1000 },
	{ "m", 60 * 1000 },
	{ "h", 60 * 60 * 1000 },
	{ "", 1000 },
};

int
rv_parse_duration_ms(const char *s, uint64_t max_ms, uint64_t *out_ms)
{
	uint64_t whole = 0, frac = 0, frac_scale = 1, unit = 0, v;
	const char *p = s;
	size_t i;

	if (s == NULL || !isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (whole > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		/* three decimals are enough below the second; more is refused
		 * rather than silently rounded */
		for (; isdigit((unsigned char)*p); p++) {
			if (frac_scale == 1000)
				return -EINVAL;
			frac = frac * 10 + (uint64_t)(*p - '0');
			frac_scale *= 10;
		}
	}
	for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
		if (strcmp(p, duration_units[i].suffix) == 0) {
			unit = duration_units[i].ms;
			break;
		}
	}
	if (unit == 0)
		return -EINVAL;
	if (whole > UINT64_MAX / unit)
		return -ERANGE;
	v = whole * unit;
	if (frac != 0) {
		if (unit * frac % frac_scale != 0)
			return -EINVAL; /* e.g. "1.5ms": below the resolution */
		v += unit * frac / frac_scale;
	}
	if (v > max_ms)
		return -ERANGE;
	*out_ms = v;
	return 0;
}

int
rv_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	if (s == NULL)
		return -EINVAL;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -EINVAL;
}

uint64_t
rv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
