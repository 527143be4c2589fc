/*
 * main.c — relevod: options, configuration, logging, the loop, signals.
 *
 * Thin on purpose: everything else is in the modules core.c wires together.
 */
#include "autoconf.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <qb/qblog.h>
#include <qb/qbloop.h>

#include "config_text.h"
#include "ctx.h"
#include "log.h"

/* Exit codes of relevod (sysexits-like, named as drbd-utils does). */
enum relevod_exit {
	RELEVOD_OK = 0,
	RELEVOD_ERROR = 1,       /* runtime failure */
	RELEVOD_USAGE = 2,       /* bad command line */
	RELEVOD_CONFIG = 3,      /* configuration invalid or unreadable */
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: relevod [-f] [-d] [-c FILE]\n"
		"       relevod -t [-c FILE]\n"
		"\n"
		"High-availability agent for a two-node mail relay site.\n"
		"\n"
		"  -c, --config FILE   configuration file (default %s)\n"
		"  -t, --test          check the configuration and exit\n"
		"  -f, --foreground    stay in the foreground and log to stderr too\n"
		"                      (not when stderr is the journal: syslog goes there)\n"
		"  -d, --debug         log debug messages\n"
		"  -V, --version       print the version and exit\n"
		"  -h, --help          this help\n",
		RV_CONFIG_DEFAULT_PATH);
}

static int32_t
on_term(int32_t sig, void *data)
{
	qb_log(LOG_NOTICE, "signal %d: shutting down", sig);
	rv_core_shutdown(data);
	return 0;
}

static int32_t
on_hup(int32_t sig, void *data)
{
	qb_log(LOG_WARNING, "SIGHUP: reloading the configuration is not supported; "
	       "restart relevod to apply changes");
	return 0;
}

static int32_t
on_usr1(int32_t sig, void *data)
{
	int rc = rv_log_blackbox_dump();

	qb_log(LOG_NOTICE, "SIGUSR1: blackbox %s", rc == 0 ? "written" : strerror(-rc));
	return 0;
}

/*
 * Whether stderr is systemd's journal stream (JOURNAL_STREAM names its device
 * and inode): then syslog reaches the journal already and logging to stderr
 * too would write every line twice.
 */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static int
check_config(const char *path, struct rv_config **cfgp, int verbose)
{
	char *errs = NULL, digest[2 * RV_DIGEST_LEN + 1];
	int rc = rv_config_load(path, cfgp, &errs);

	if (rc < 0) {
		fputs(errs != NULL ? errs : "relevod: cannot load the configuration\n", stderr);
		free(errs);
		return RELEVOD_CONFIG;
	}
	if (verbose) {
		char *fencing = rv_config_fencing_brief(*cfgp);

		rv_config_digest_hex(*cfgp, digest);
		printf("%s: configuration is valid: site %s, nodes %s (%u) and %s (%u), "
		       "%zu resource(s), fencing %s, digest %.16s\n", path, (*cfgp)->site,
		       (*cfgp)->nodes[0].name, (*cfgp)->nodes[0].id, (*cfgp)->nodes[1].name,
		       (*cfgp)->nodes[1].id, (*cfgp)->n_resources,
		       fencing != NULL ? fencing : "?", digest);
		free(fencing);
	}
	return RELEVOD_OK;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "test", no_argument, NULL, 't' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rv_ctx ctx;
	const char *path = RV_CONFIG_DEFAULT_PATH;
	int test = 0, fg = 0, debug = 0, opt, rc = RELEVOD_OK;

	while ((opt = getopt_long(argc, argv, "c:tfdVh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 't': test = 1; break;
		case 'f': fg = 1; break;
		case 'd': debug = 1; break;
		case 'V': printf("relevod %s\n", PACKAGE_VERSION); return RELEVOD_OK;
		case 'h': usage(stdout); return RELEVOD_OK;
		default: usage(stderr); return RELEVOD_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return RELEVOD_USAGE;
	}

	memset(&ctx, 0, sizeof(ctx));
	ctx.config_path = path;
	rc = check_config(path, &ctx.cfg, test);
	if (rc != RELEVOD_OK || test)
		goto done;

	if (!fg && daemon(0, 0) < 0) {
		fprintf(stderr, "relevod: cannot become a daemon: %s\n", strerror(errno));
		rc = RELEVOD_ERROR;
		goto done;
	}
	rv_log_init("relevod", fg && !stderr_is_journal(), 1, debug);
	rv_log_blackbox(ctx.cfg->state_dir, "relevod");
	qb_log(LOG_NOTICE, "relevod %s starting: site %s, configuration %s", PACKAGE_VERSION,
	       ctx.cfg->site, path);
	if (ctx.cfg->fencing_off)
		qb_log(LOG_WARNING, "fencing is OFF: this site is UNSAFE (a node will take over "
		       "from a peer it cannot see)");

	ctx.loop = qb_loop_create();
	if (ctx.loop == NULL) {
		qb_log(LOG_CRIT, "cannot create the event loop");
		rc = RELEVOD_ERROR;
		goto done;
	}
	signal(SIGPIPE, SIG_IGN);
	qb_loop_signal_add(ctx.loop, QB_LOOP_HIGH, SIGTERM, &ctx, on_term, NULL);
	qb_loop_signal_add(ctx.loop, QB_LOOP_HIGH, SIGINT, &ctx, on_term, NULL);
	qb_loop_signal_add(ctx.loop, QB_LOOP_LOW, SIGHUP, &ctx, on_hup, NULL);
	qb_loop_signal_add(ctx.loop, QB_LOOP_LOW, SIGUSR1, &ctx, on_usr1, NULL);

	if (rv_core_start(&ctx) < 0) {
		qb_log(LOG_CRIT, "cannot start; exiting");
		rc = RELEVOD_ERROR;
		goto done;
	}
	qb_loop_run(ctx.loop);
	qb_log(LOG_NOTICE, "relevod stopped");
done:
	if (ctx.loop != NULL) {
		rv_core_stop(&ctx);
		qb_loop_destroy(ctx.loop);
	}
	rv_config_free(ctx.cfg);
	rv_log_fini();
	return rc;
}
