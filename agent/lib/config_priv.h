/*
 * config_priv.h — what the configuration parser and the model share and
 * nobody else needs.
 */
#ifndef RELEVO_CONFIG_PRIV_H
#define RELEVO_CONFIG_PRIV_H

#include "config.h"

/* Fill cfg->digest: SHA-256 over a canonical, length-prefixed form of the
 * model (nodes sorted by id, resources in order, params sorted by name).
 * Returns 0 or -ENOMEM. */
int rv_config_digest_model(struct rv_config *cfg);

#endif
