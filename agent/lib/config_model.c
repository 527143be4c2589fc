/*
 * config_model.c — the loaded configuration model: its digest, lookups and
 * release (option values, which may be passwords, wiped first). The parser (config.c) builds the model; this file only reads it
 * (and hashes it). It must never parse text.
 */
#include "autoconf.h"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "config_priv.h"

struct hasher {
	EVP_MD_CTX *md;
	int ok;
};

static void
put_bytes(struct hasher *h, const void *p, size_t n)
{
	if (h->ok && EVP_DigestUpdate(h->md, p, n) != 1)
		h->ok = 0;
}

static void
put_u64(struct hasher *h, uint64_t v)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (56 - 8 * i));
	put_bytes(h, b, sizeof(b));
}

/* Length-prefixed, so no two sequences of strings hash the same bytes. */
static void
put_str(struct hasher *h, const char *s)
{
	size_t n = strlen(s);

	put_u64(h, n);
	put_bytes(h, s, n);
}

static int
cmp_param(const void *a, const void *b)
{
	const struct rv_param *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* An option's value enters the digest as its own SHA-256: the digest is
 * shown and sent to the peer, and some values are passwords. */
static void
put_value_hash(struct hasher *h, const char *v)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (h->ok && EVP_Digest(v, strlen(v), md, &len, EVP_sha256(), NULL) != 1)
		h->ok = 0;
	if (h->ok)
		put_bytes(h, md, len);
	OPENSSL_cleanse(md, sizeof(md));
}

/* params sorted by name into *sortedp (grown to n); -ENOMEM */
static int
sort_params(const struct rv_param *params, size_t n, const struct rv_param ***sortedp)
{
	const struct rv_param **sorted;
	size_t j;

	free(*sortedp);
	*sortedp = NULL;
	sorted = calloc(n + 1, sizeof(*sorted));
	if (sorted == NULL)
		return -ENOMEM;
	for (j = 0; j < n; j++)
		sorted[j] = &params[j];
	qsort(sorted, n, sizeof(*sorted), cmp_param);
	*sortedp = sorted;
	return 0;
}

/*
 * SHA-256 over the model in a fixed order: version tag, site, preferred node
 * (presence flag first), fencing settings, nodes by id, daemon settings,
 * resources in start order with their parameters by name, fence methods in
 * order with their options by name (values hashed, see put_value_hash), the
 * watchdog (presence flag first), the witness, the inner link (only when
 * configured). Every count and number is 8
 * bytes big-endian; every string is length-prefixed. Paths of files that
 * only carry values (the secrets file) are left out: their content counts.
 */
int
rv_config_digest_model(struct rv_config *cfg)
{
	const struct rv_param **sorted = NULL;
	struct hasher h = { NULL, 1 };
	const struct rv_node_cfg *n;
	unsigned int len = 0;
	size_t i, j;
	int rc = 0;

	h.md = EVP_MD_CTX_new();
	if (h.md == NULL) {
		rc = -ENOMEM;
		goto done;
	}
	if (EVP_DigestInit_ex(h.md, EVP_sha256(), NULL) != 1) {
		rc = -EIO;
		goto done;
	}
	put_str(&h, "relevo-config-2");
	put_str(&h, cfg->site);
	put_u64(&h, cfg->preferred_node != NULL);
	if (cfg->preferred_node != NULL)
		put_str(&h, cfg->preferred_node);
	put_u64(&h, (uint64_t)cfg->fencing_off);
	put_u64(&h, cfg->fence_delay_ms);
	put_u64(&h, cfg->agent_lost_grace_ms);
	put_u64(&h, cfg->n_nodes);
	for (i = 0; i < cfg->n_nodes; i++) {
		n = &cfg->nodes[cfg->nodes[0].id > cfg->nodes[1].id ? 1 - i : i];
		put_str(&h, n->name);
		put_u64(&h, n->id);
	}
	put_u64(&h, cfg->state_interval_ms);
	put_u64(&h, cfg->peer_wait_ms);
	put_str(&h, cfg->ocf_root);
	put_str(&h, cfg->state_dir);
	put_u64(&h, cfg->n_resources);
	for (i = 0; i < cfg->n_resources; i++) {
		const struct rv_resource_cfg *r = &cfg->resources[i];

		put_str(&h, r->name);
		put_str(&h, r->provider);
		put_str(&h, r->type);
		put_u64(&h, r->start_timeout_ms);
		put_u64(&h, r->stop_timeout_ms);
		put_u64(&h, r->monitor_interval_ms);
		put_u64(&h, r->monitor_timeout_ms);
		put_u64(&h, r->monitor_level);
		put_u64(&h, r->migration_threshold);
		/* only when set: configurations without it keep their digest */
		if (r->drain_timeout_ms != 0) {
			put_str(&h, "drain-timeout");
			put_u64(&h, r->drain_timeout_ms);
		}
		put_u64(&h, r->n_params);
		rc = sort_params(r->params, r->n_params, &sorted);
		if (rc < 0)
			goto done;
		for (j = 0; j < r->n_params; j++) {
			put_str(&h, sorted[j]->name);
			put_str(&h, sorted[j]->value);
		}
	}
	put_u64(&h, cfg->n_fences);
	for (i = 0; i < cfg->n_fences; i++) {
		const struct rv_fence_cfg *f = &cfg->fences[i];

		put_str(&h, f->name);
		put_str(&h, f->agent);
		put_u64(&h, f->target != NULL);
		if (f->target != NULL)
			put_str(&h, f->target);
		put_u64(&h, (uint64_t)f->reboot);
		put_u64(&h, (uint64_t)f->no_status);
		put_u64(&h, f->timeout_ms);
		put_u64(&h, f->n_options);
		rc = sort_params(f->options, f->n_options, &sorted);
		if (rc < 0)
			goto done;
		for (j = 0; j < f->n_options; j++) {
			put_str(&h, sorted[j]->name);
			put_value_hash(&h, sorted[j]->value);
		}
	}
	put_u64(&h, (uint64_t)cfg->watchdog.enabled);
	if (cfg->watchdog.enabled) {
		put_str(&h, cfg->watchdog.device);
		put_u64(&h, cfg->watchdog.timeout_ms);
		put_u64(&h, cfg->watchdog.interval_ms);
	}
	put_u64(&h, (uint64_t)cfg->witness);
	/* last and only when present, so that the digests of files without
	 * the section stay what they were */
	if (cfg->inner_link.enabled) {
		const struct rv_inner_link_cfg *il = &cfg->inner_link;

		put_str(&h, "inner-link");
		put_u64(&h, il->host != NULL);
		if (il->host != NULL) {
			put_str(&h, il->host);
			put_str(&h, il->port);
		}
		put_u64(&h, il->argc);
		for (i = 0; i < il->argc; i++)
			put_str(&h, il->argv[i]);
		put_u64(&h, (uint64_t)il->ehlo);
		put_u64(&h, il->interval_ms);
		put_u64(&h, il->timeout_ms);
		put_u64(&h, il->rise);
		put_u64(&h, il->fall);
		put_u64(&h, (uint64_t)il->flush);
	}
	if (cfg->pool.enabled) {
		const struct rv_pool_cfg *pl = &cfg->pool;

		put_str(&h, "pool");
		put_str(&h, pl->zone);
		put_str(&h, pl->server);
		put_str(&h, pl->key_file);
		put_str(&h, pl->key_name != NULL ? pl->key_name : "");
		put_str(&h, pl->relay_name);
		put_str(&h, pl->addresses != NULL ? pl->addresses : "");
		put_str(&h, pl->mx_name != NULL ? pl->mx_name : "");
		put_u64(&h, pl->mx_priority);
		put_u64(&h, pl->down_votes);
		put_u64(&h, pl->probe_interval_ms);
		put_u64(&h, pl->probe_timeout_ms);
		put_u64(&h, pl->down_after);
		put_u64(&h, pl->up_after);
		put_str(&h, pl->probe != NULL ? pl->probe : "");
		put_str(&h, pl->helper != NULL ? pl->helper : "");
		put_u64(&h, pl->n_peers);
		for (i = 0; i < pl->n_peers; i++) {
			put_str(&h, pl->peers[i].name);
			put_str(&h, pl->peers[i].address);
			put_str(&h, pl->peers[i].relay_name);
			put_str(&h, pl->peers[i].addresses != NULL ? pl->peers[i].addresses : "");
		}
	}
	if (!h.ok || EVP_DigestFinal_ex(h.md, cfg->digest, &len) != 1 || len != RV_DIGEST_LEN)
		rc = -EIO;
done:
	free(sorted);
	sorted = NULL;
	EVP_MD_CTX_free(h.md);
	h.md = NULL;
	return rc;
}

/* Option values may be passwords from a secrets file: gone before free. */
static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void
rv_config_free(struct rv_config *cfg)
{
	size_t i, j;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->n_resources; i++) {
		struct rv_resource_cfg *r = &cfg->resources[i];

		for (j = 0; r->params != NULL && j < r->n_params; j++) {
			free(r->params[j].name);
			free(r->params[j].value);
		}
		free(r->params);
		free(r->name);
		free(r->agent);
		free(r->provider);
		free(r->type);
	}
	free(cfg->resources);
	for (i = 0; cfg->fences != NULL && i < cfg->n_fences; i++) {
		struct rv_fence_cfg *f = &cfg->fences[i];

		for (j = 0; f->options != NULL && j < f->n_options; j++) {
			free(f->options[j].name);
			wipe_free(f->options[j].value);
		}
		free(f->options);
		free(f->name);
		free(f->agent);
		free(f->target);
		free(f->secrets_file);
	}
	free(cfg->fences);
	free(cfg->watchdog.device);
	for (i = 0; cfg->inner_link.argv != NULL && cfg->inner_link.argv[i] != NULL; i++)
		free(cfg->inner_link.argv[i]);
	free(cfg->inner_link.argv);
	free(cfg->inner_link.target);
	free(cfg->inner_link.host);
	free(cfg->inner_link.port);
	for (i = 0; cfg->pool.peers != NULL && i < cfg->pool.n_peers; i++) {
		struct rv_peer_site_cfg *p = &cfg->pool.peers[i];

		free(p->name);
		free(p->address);
		free(p->host);
		free(p->relay_name);
		free(p->addresses);
	}
	free(cfg->pool.peers);
	free(cfg->pool.zone);
	free(cfg->pool.server);
	free(cfg->pool.server_host);
	free(cfg->pool.key_file);
	free(cfg->pool.key_name);
	free(cfg->pool.relay_name);
	free(cfg->pool.addresses);
	free(cfg->pool.mx_name);
	free(cfg->pool.kind);
	free(cfg->pool.probe);
	free(cfg->pool.helper);
	for (i = 0; i < 2; i++)
		free(cfg->nodes[i].name);
	free(cfg->path);
	free(cfg->site);
	free(cfg->preferred_node);
	free(cfg->ocf_root);
	free(cfg->state_dir);
	free(cfg);
}

const struct rv_node_cfg *
rv_config_node_by_id(const struct rv_config *cfg, uint32_t id)
{
	size_t i;

	if (cfg == NULL)
		return NULL;
	for (i = 0; i < cfg->n_nodes && i < 2; i++)
		if (cfg->nodes[i].id == id)
			return &cfg->nodes[i];
	return NULL;
}

const struct rv_node_cfg *
rv_config_node_by_name(const struct rv_config *cfg, const char *name)
{
	size_t i;

	if (cfg == NULL || name == NULL)
		return NULL;
	for (i = 0; i < cfg->n_nodes && i < 2; i++)
		if (cfg->nodes[i].name != NULL && strcmp(cfg->nodes[i].name, name) == 0)
			return &cfg->nodes[i];
	return NULL;
}

const struct rv_node_cfg *
rv_config_peer_of(const struct rv_config *cfg, uint32_t id)
{
	if (cfg == NULL || cfg->n_nodes != 2)
		return NULL;
	if (cfg->nodes[0].id == id)
		return &cfg->nodes[1];
	if (cfg->nodes[1].id == id)
		return &cfg->nodes[0];
	return NULL;
}

size_t
rv_config_fences_for(const struct rv_config *cfg, const char *target,
		     const struct rv_fence_cfg **out, size_t max)
{
	size_t i, n = 0;

	if (cfg == NULL || target == NULL)
		return 0;
	for (i = 0; i < cfg->n_fences; i++) {
		const struct rv_fence_cfg *f = &cfg->fences[i];

		if (f->target != NULL && strcmp(f->target, target) != 0)
			continue;
		if (n < max && out != NULL)
			out[n] = f;
		n++;
	}
	return n < max ? n : max;
}

void
rv_config_digest_hex(const struct rv_config *cfg, char out[2 * RV_DIGEST_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; cfg != NULL && i < RV_DIGEST_LEN; i++) {
		out[2 * i] = hex[cfg->digest[i] >> 4];
		out[2 * i + 1] = hex[cfg->digest[i] & 0xf];
	}
	out[cfg != NULL ? 2 * RV_DIGEST_LEN : 0] = '\0';
}
