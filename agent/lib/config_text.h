/*
 * config_text.h — a loaded configuration's fencing in words: what protects
 * the site when a node is lost, for `relevo check-config` and `relevod -t`.
 *
 * The text follows the rules relevod applies (fencing.c, site.c): the
 * standby delays fencing the holder by fence-delay and the holder fences at
 * once; a failed fence leaves the node BLOCKED and retried; with a watchdog,
 * a holder that lost its peer, has no witness vote and has not fenced it
 * within the watchdog timeout stops feeding, and the survivor waits twice
 * the timeout. It never shows an option's value (they may be passwords).
 *
 * Ownership: every text returned is malloc'd and the caller frees it; NULL
 * means out of memory.
 */
#ifndef RELEVO_CONFIG_TEXT_H
#define RELEVO_CONFIG_TEXT_H

#include "config.h"

/* One line, no line break: "on (2 methods, watchdog 10s, witness qdevice)"
 * or "OFF (UNSAFE)". */
char *rv_config_fencing_brief(const struct rv_config *cfg);

/* Lines, each ending in '\n', wrapped at 78 columns: "fencing: ..." (the
 * methods, the watchdog, the witness), "protection: ..." (what happens when
 * the peer is lost), then "warning: ..." lines for weak spots. */
char *rv_config_protection_text(const struct rv_config *cfg);

#endif
