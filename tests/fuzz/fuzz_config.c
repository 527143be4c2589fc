/*
 * fuzz_config.c — libFuzzer target: the input is a site's configuration
 * file, loaded with rv_config_load() and freed.
 *
 * The file lives in memory (memfd), reached through /proc/self/fd, so that a
 * run leaves nothing on disk. A model that loads must hold what config.h
 * promises (two nodes, a resource, an OCF agent); an error text must name
 * the file.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int file_fd = -1;
static char file_path[64];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rv_config *cfg = NULL;
	char hex[2 * RV_DIGEST_LEN + 1];
	char *errs = NULL;
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
		    cfg->site == NULL || !cfg->fencing_off)
			abort();
		for (i = 0; i < cfg->n_resources; i++)
			if (cfg->resources[i].provider == NULL || cfg->resources[i].type == NULL)
				abort();
		if (rv_config_peer_of(cfg, cfg->nodes[0].id) != &cfg->nodes[1])
			abort();
		rv_config_digest_hex(cfg, hex);
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
