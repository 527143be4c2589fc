/*
 * config.h — the configuration model of a site and its parser.
 *
 * One INI file (/etc/relevo/relevo.conf), the same on both nodes:
 *
 *   [site]
 *   name = relay-a                ; required; CPG group is relevo.<name>
 *   preferred-node = n1           ; optional; must name a [node]
 *   fencing = on                  ; required; "on" (needs a [fence NAME] or a
 *                                 ;   [watchdog]) or "off" (lab only: UNSAFE)
 *   fence-delay = 5s              ; the standby delays fencing the node that
 *                                 ;   holds the site by this (0..60s), so the
 *                                 ;   holder wins a fence race
 *   agent-lost-grace = 10s        ; a peer whose relevod is gone while its
 *                                 ;   node stays a member and may hold the
 *                                 ;   site is fenced after this (1s..600s)
 *   witness = none                ; "none" or "qdevice": corosync-qdevice gives
 *                                 ;   the third vote (checked against cmap)
 *
 *   [node n1]                     ; exactly two [node NAME] sections
 *   id = 1                        ; corosync nodeid, 1..UINT32_MAX, distinct
 *
 *   [daemon]                      ; optional, every key has a default
 *   state-interval = 1s           ; STATE broadcast period (100ms..60s)
 *   peer-wait = 3s                ; at start, how long to wait for the peer's STATE
 *   ocf-root = /usr/lib/ocf       ; OCF_ROOT for resource agents
 *   state-dir = /var/lib/relevo   ; journal and history
 *
 *   [resource vip]                ; one per resource, in start order
 *   agent = ocf:heartbeat:IPaddr2 ; required; ocf:PROVIDER:TYPE
 *   param.ip = 192.0.2.10         ; OCF_RESKEY_ip; any number of param.NAME
 *   start-timeout = 20s           ; defaults: start 20s, stop 20s,
 *   stop-timeout = 20s            ;   monitor-timeout 20s,
 *   monitor-interval = 10s        ;   monitor-interval 10s (0 = no monitor),
 *   monitor-timeout = 20s         ;   monitor-level 0,
 *   monitor-level = 0             ;   migration-threshold 3
 *   migration-threshold = 3       ; failures restarted in place before the
 *                                 ;   site moves to the peer (0 = move at once)
 *   drain-timeout = 30s           ; before the group stops to hand the site
 *                                 ;   to the peer, run the agent's "drain"
 *                                 ;   action for at most this long (0, the
 *                                 ;   default: no drain; 1s..10m)
 *
 *   [fence NAME]                  ; a fencing method (a level); tried in file
 *                                 ;   order until one confirms the peer off
 *   agent = fence_ipmilan         ; required; absolute path, or a name looked
 *                                 ;   up in /usr/sbin
 *   target = n2                   ; optional: used only to fence that node
 *                                 ;   (a device per node); default: both
 *   action = off                  ; "off" (then status must say off) or "reboot"
 *   no-status = no                ; yes: the agent cannot report status,
 *                                 ;   trust off's exit code
 *   timeout = 20s                 ; per agent run (1s..300s)
 *   option.ip = 192.0.2.1         ; written to the agent's stdin as ip=...;
 *                                 ;   any number of option.NAME
 *   secrets-file = /etc/relevo/ipmi-n2.secret
 *                                 ; optional: more "name=value" lines
 *                                 ;   (passwords); refused if group- or
 *                                 ;   world-accessible or not a regular file
 *
 *   [watchdog]                    ; optional: self-fencing
 *   device = /dev/watchdog        ; default /dev/watchdog
 *   timeout = 10s                 ; the device's timeout (2s..120s)
 *   interval = 2s                 ; feed period, < timeout / 2
 *
 *   [inner-link]                  ; optional: the link to the final server
 *   target = 10.0.0.25:25         ; SMTP probe: connect, 220 banner (HOST,
 *                                 ;   HOST:PORT or [IPv6]:PORT; port 25)
 *   command = /usr/local/bin/chk  ; or a command run without a shell, its
 *                                 ;   words split at blanks: exit 0 = up
 *   ehlo = no                     ; yes: the SMTP probe also says EHLO
 *   interval = 5s                 ; between probes (1s..1h)
 *   timeout = 3s                  ; of each probe phase, or of the command
 *                                 ;   (100ms..60s, less than interval)
 *   rise = 2                      ; successes in a row before "up" (1..100)
 *   fall = 3                      ; failures in a row before "down" (1..100)
 *   flush = yes                   ; the ACTIVE node runs postqueue -f when the
 *                                 ;   link comes back (needs ocf:relevo:mta)
 *
 *   [pool]                        ; optional: the DNS relay pool across sites
 *   zone = pool.example.org       ; required; the pool zone
 *   server = 192.0.2.53:53        ; required; the zone's primary (IP[:PORT],
 *                                 ;   [IPv6]:PORT)
 *   key-file = /etc/relevo/pool.key ; required; TSIG key, mode 0600 or stricter
 *   key-name = site-key           ; the key of the file, when it has several
 *   relay-name = relay-a.pool.example.org ; required; this site's relay name
 *   addresses = 192.0.2.10 2001:db8::10   ; this site's floating IPs
 *   pool = mx                     ; "mx": the MX RRset of mx-name, or
 *                                 ;   "address": the A/AAAA of relay-name
 *   mx-name = @                   ; (default: the zone's apex)
 *   mx-priority = 10              ; the sites' MX priority (0..65535)
 *   down-votes = 2                ; sites (this one included) that must see a
 *                                 ;   site down before it is withdrawn
 *                                 ;   (1..sites; default: a majority)
 *   probe-interval = 5s           ; between probes of each peer site (1s..1h)
 *   probe-timeout = 3s            ; of each probe phase (100ms..60s, < interval)
 *   down-after = 3                ; failed probes in a row before "down"
 *   up-after = 2                  ; good probes in a row before "up"
 *   probe = /usr/sbin/relevo-probe          ; the programs relevod runs
 *   helper = /usr/sbin/relevo-dnsupdate
 *
 *   [peer-site relay-b]           ; another site of the pool (its [site] name)
 *   address = 198.51.100.10:25    ; what is probed: its floating IP's SMTP
 *   relay-name = relay-b.pool.example.org ; its records, as it publishes them
 *   addresses = 198.51.100.10     ;   (what a withdrawal deletes)
 *
 * Comments: a line starting with ';' or '#', or ' ;' after a value. Lines
 * are at most 197 characters; names at most 63 ([A-Za-z0-9_.-]); at most 16
 * resources of at most 64 parameters. Every error is reported as
 * "FILE:LINE: message"; unknown sections and keys, duplicate keys and
 * sections, and out-of-range values are errors, never ignored.
 *
 * Ownership: rv_config_load() returns a model the caller owns and releases
 * with rv_config_free(); every string in it is owned by the model.
 */
#ifndef RELEVO_CONFIG_H
#define RELEVO_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define RV_CONFIG_DEFAULT_PATH "/etc/relevo/relevo.conf"
#define RV_DIGEST_LEN 32 /* SHA-256 */

struct rv_param {
	char *name;  /* without the "param." prefix */
	char *value;
};

struct rv_resource_cfg {
	char *name;     /* from [resource NAME]; OCF_RESOURCE_INSTANCE */
	char *agent;    /* as written: "ocf:heartbeat:IPaddr2" */
	char *provider; /* "heartbeat" */
	char *type;     /* "IPaddr2" */
	struct rv_param *params;
	size_t n_params;
	uint64_t start_timeout_ms;
	uint64_t stop_timeout_ms;
	uint64_t monitor_interval_ms; /* 0: no recurring monitor */
	uint64_t monitor_timeout_ms;
	unsigned monitor_level;       /* OCF_CHECK_LEVEL */
	unsigned migration_threshold;
	uint64_t drain_timeout_ms;    /* 0: no drain before a handover */
	int line;                     /* line of the section header */
};

/* One fencing method, [fence NAME]. */
struct rv_fence_cfg {
	char *name;
	char *agent;                  /* absolute path after lookup */
	char *target;                 /* node name, or NULL: either node */
	int reboot;                   /* action = reboot */
	int no_status;
	uint64_t timeout_ms;
	struct rv_param *options;     /* option.NAME in file order, then the
				       * secrets file's lines in its order */
	size_t n_options;
	char *secrets_file;           /* NULL: none */
	int line;
};

struct rv_watchdog_cfg {
	int enabled;                  /* a [watchdog] section exists */
	char *device;
	uint64_t timeout_ms;
	uint64_t interval_ms;
};

/* [inner-link]: reachability of the final delivery server. Exactly one of
 * host (with port) or argv is set in a loaded model that has the section. */
struct rv_inner_link_cfg {
	int enabled;                  /* an [inner-link] section exists */
	char *target;                 /* as written, for status: "host:port" */
	char *host;                   /* brackets of [v6] removed; NULL: command */
	char *port;                   /* decimal 1..65535 */
	char **argv;                  /* NULL-terminated; NULL: SMTP target */
	size_t argc;
	int ehlo;
	uint64_t interval_ms;
	uint64_t timeout_ms;
	unsigned rise;
	unsigned fall;
	int flush;
	int line;                     /* of the section header */
};

/* [peer-site NAME]: another site of the DNS relay pool. */
struct rv_peer_site_cfg {
	char *name;
	char *address;                /* as written */
	char *host;                   /* the IP, brackets removed */
	unsigned port;
	char *relay_name;
	char *addresses;              /* as written: blanks or commas between */
	int line;
};

#define RV_MAX_PEER_SITES 15

/* [pool]: the site's membership of the DNS relay pool and its peer sites. */
struct rv_pool_cfg {
	int enabled;                  /* a [pool] section exists */
	char *zone;
	char *server;                 /* as written */
	char *server_host;            /* the IP */
	unsigned server_port;
	char *key_file;
	char *key_name;               /* NULL: the file's only key */
	char *relay_name;
	char *addresses;              /* NULL: none */
	char *kind;                   /* as written: "mx" or "address"; NULL: mx */
	char *mx_name;                /* NULL: an address pool; "@" by default */
	unsigned mx_priority;
	unsigned down_votes;          /* resolved: never 0 in a loaded model */
	uint64_t probe_interval_ms;
	uint64_t probe_timeout_ms;
	unsigned down_after;
	unsigned up_after;
	char *probe;                  /* relevo-probe */
	char *helper;                 /* relevo-dnsupdate */
	struct rv_peer_site_cfg *peers;
	size_t n_peers;
	int line;
};

enum rv_witness {
	RV_WITNESS_NONE = 0,
	RV_WITNESS_QDEVICE,
};

struct rv_node_cfg {
	char *name;
	uint32_t id;
	int line;
};

struct rv_config {
	char *path;
	char *site;
	struct rv_node_cfg nodes[2];
	size_t n_nodes;                /* always 2 in a loaded model */
	char *preferred_node;          /* NULL: none */
	int fencing_off;               /* "fencing = off" */
	uint64_t fence_delay_ms;
	uint64_t agent_lost_grace_ms;
	int witness;                   /* enum rv_witness */
	struct rv_fence_cfg *fences;   /* methods in file order */
	size_t n_fences;
	struct rv_watchdog_cfg watchdog;
	struct rv_inner_link_cfg inner_link;
	struct rv_pool_cfg pool;
	uint64_t state_interval_ms;
	uint64_t peer_wait_ms;
	char *ocf_root;
	char *state_dir;
	struct rv_resource_cfg *resources; /* in start order */
	size_t n_resources;                /* >= 1 */
	/* SHA-256 over a canonical form of the model (not the file's bytes):
	 * two files that configure the same site have the same digest. */
	unsigned char digest[RV_DIGEST_LEN];
};

/*
 * Load and check the file at path. On success returns 0 and *cfgp owns a new
 * model. On failure returns -EINVAL (the file has errors) or -errno (cannot
 * read it), and *errs, if errs is not NULL, receives a malloc'd text of one
 * "path:line: message\n" per error (or "path: message\n" when there is no
 * line), which the caller frees. All errors of the file are reported, not only
 * the first. *errs may be NULL after -ENOMEM.
 */
int rv_config_load(const char *path, struct rv_config **cfgp, char **errs);

/* Release a model; NULL is fine. */
void rv_config_free(struct rv_config *cfg);

/* Lookups; NULL when absent. */
const struct rv_node_cfg *rv_config_node_by_id(const struct rv_config *cfg, uint32_t id);
const struct rv_node_cfg *rv_config_node_by_name(const struct rv_config *cfg, const char *name);

/* The other node of the site, given one node's id; NULL if id is not a node. */
const struct rv_node_cfg *rv_config_peer_of(const struct rv_config *cfg, uint32_t id);

/* The fencing methods that apply to the node named target, in order:
 * fills out[] (up to max) and returns how many apply. */
size_t rv_config_fences_for(const struct rv_config *cfg, const char *target,
			    const struct rv_fence_cfg **out, size_t max);

/* digest as 64 lower-case hex digits plus NUL. */
void rv_config_digest_hex(const struct rv_config *cfg, char out[2 * RV_DIGEST_LEN + 1]);

#endif
