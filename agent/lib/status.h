/*
 * status.h — rendering relevod's status and history documents.
 *
 * The daemon builds the JSON (schema RV_STATUS_SCHEMA); the tools render it
 * through one emitter per output format, chosen from a table (as crm_mon's
 * --output-as does), so text, JSON and Prometheus never drift apart.
 */
#ifndef RELEVO_STATUS_H
#define RELEVO_STATUS_H

#include <stdio.h>

#include <json-c/json.h>

/* Verdicts, which are also the exit codes of `relevo status` (as a
 * monitoring check: 0 OK, 1 degraded/warning, 2 critical). */
enum rv_verdict {
	RV_VERDICT_OK = 0,
	RV_VERDICT_DEGRADED = 1,
	RV_VERDICT_CRITICAL = 2,
};

/* Judge a status document; reasons (if not NULL) receives a short
 * "; "-separated text of what is wrong (empty when OK). */
enum rv_verdict rv_status_verdict(json_object *status, char *reasons, size_t len);

/* Print a status document in format ("text", "json", "prometheus").
 * Returns 0, or -EINVAL for an unknown format. */
int rv_status_print(FILE *f, json_object *status, const char *format);

/* Print a history document ("text" or "json"). */
int rv_history_print(FILE *f, json_object *history, const char *format);

/* Is format one of the known formats? */
int rv_status_format_ok(const char *format);

#endif
