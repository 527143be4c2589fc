/*
 * fuzz_config.c — libFuzzer target: the input is a site's configuration
 * file, loaded with rv_config_load() and freed.
 *
 * The file lives in memory (memfd), reached through /proc/self/fd, so that a
 * run leaves nothing on disk. A model that loads must hold what config.h
 * promises (two nodes, a resource, an OCF agent; with fencing on, a method
 * or a watchdog, each method's agent an absolute path, options the fence
 * runner accepts, a watchdog fed more than twice per timeout), and its
 * protection text must be written; an error text must name the file.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "config_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int file_fd = -1;
static char file_path[64];

/* What relevod's fencing and the fence runner take for granted. */
static void
check_fencing(const struct rv_config *cfg)
{
	const struct rv_fence_cfg *out[16];
	size_t i, j;

	if (cfg->fencing_off && (cfg->n_fences > 0 || cfg->watchdog.enabled))
		abort();
	if (!cfg->fencing_off && cfg->n_fences == 0 && !cfg->watchdog.enabled)
		abort();
	if (cfg->watchdog.enabled &&
	    (cfg->watchdog.device == NULL || cfg->watchdog.device[0] != '/' ||
	     cfg->watchdog.timeout_ms % 1000 != 0 ||
	     2 * cfg->watchdog.interval_ms >= cfg->watchdog.timeout_ms))
		abort();
	for (i = 0; i < cfg->n_fences; i++) {
		const struct rv_fence_cfg *f = &cfg->fences[i];

		if (f->name == NULL || f->agent == NULL || f->agent[0] != '/' ||
		    f->timeout_ms == 0 || strlen(f->name) > 63 ||
		    (f->target != NULL && rv_config_node_by_name(cfg, f->target) == NULL))
			abort();
		for (j = 0; j < f->n_options; j++) {
			const struct rv_param *o = &f->options[j];

			if (o->name[0] == '\0' || strpbrk(o->name, "= \t\r\n#") != NULL ||
			    strpbrk(o->value, "\r\n") != NULL || o->value[0] == '\0' ||
			    strcmp(o->name, "action") == 0 || strcmp(o->name, "option") == 0)
				abort();
		}
	}
	for (i = 0; i < 2; i++)
		if (rv_config_fences_for(cfg, cfg->nodes[i].name, out, 16) > 16)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rv_config *cfg = NULL;
	char hex[2 * RV_DIGEST_LEN + 1];
	char *errs = NULL, *text, *brief;
	size_t i;
	int rc;

	if (file_fd < 0) {
		file_fd = memfd_create("relevo.conf", 0);
		if (file_fd < 0)
			abort();
		snprintf(file_path, sizeof(file_path), "/proc/self/fd/%d", file_fd);
	}
	if (ftruncate(file_fd, 0) < 0 ||
	    (size > 0 && pwrite(file_fd, data, size, 0) != (ssize_t)size))
		abort();

	rc = rv_config_load(file_path, &cfg, &errs);
	if (rc == 0) {
		if (cfg == NULL || errs != NULL || cfg->n_nodes != 2 || cfg->n_resources < 1 ||
		    cfg->site == NULL)
			abort();
		for (i = 0; i < cfg->n_resources; i++)
			if (cfg->resources[i].provider == NULL || cfg->resources[i].type == NULL)
				abort();
		if (rv_config_peer_of(cfg, cfg->nodes[0].id) != &cfg->nodes[1])
			abort();
		check_fencing(cfg);
		rv_config_digest_hex(cfg, hex);
		text = rv_config_protection_text(cfg);
		brief = rv_config_fencing_brief(cfg);
		if (text == NULL || brief == NULL || strchr(brief, '\n') != NULL)
			abort();
		free(text);
		free(brief);
	} else {
		if (cfg != NULL)
			abort();
		/* -ENOMEM may come without a text; every other error has one */
		if (errs != NULL && strncmp(errs, file_path, strlen(file_path)) != 0)
			abort();
	}
	rv_config_free(cfg);
	free(errs);
	return 0;
}
