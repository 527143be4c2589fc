/*
 * log.c — qb_log targets and the blackbox.
 *
 * The blackbox file name is kept in a static buffer because a fatal signal
 * handler can reach nothing else; it is the only mutable file-scope state in
 * the library and is written once at start-up.
 */
#include "autoconf.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <qb/qblog.h>

#include "log.h"

static char blackbox_path[512];

void
rv_log_init(const char *name, int to_stderr, int to_syslog, int debug)
{
	int prio = debug ? LOG_DEBUG : LOG_INFO;

	qb_log_init(name, LOG_DAEMON, prio);
	qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, to_syslog ? QB_TRUE : QB_FALSE);
	qb_log_filter_ctl(QB_LOG_SYSLOG, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", prio);
	if (to_stderr) {
		qb_log_filter_ctl(QB_LOG_STDERR, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", prio);
		qb_log_format_set(QB_LOG_STDERR, "%T %N[%P] %p: %b");
		qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED, QB_TRUE);
	}
}

static void
fatal_signal(int sig)
{
	/* not async-signal-safe, as in Pacemaker: we are dying anyway and the
	 * ring is the best account of why */
	if (blackbox_path[0] != '\0')
		qb_log_blackbox_write_to_file(blackbox_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

void
rv_log_blackbox(const char *dir, const char *name)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	size_t i;

	qb_log_ctl(QB_LOG_BLACKBOX, QB_LOG_CONF_SIZE, 1024 * 1024);
	qb_log_filter_ctl(QB_LOG_BLACKBOX, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", LOG_DEBUG);
	qb_log_ctl(QB_LOG_BLACKBOX, QB_LOG_CONF_ENABLED, QB_TRUE);
	snprintf(blackbox_path, sizeof(blackbox_path), "%s/blackbox-%s-%ld", dir, name,
		 (long)getpid());
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], fatal_signal);
}

int
rv_log_blackbox_dump(void)
{
	ssize_t n;

	if (blackbox_path[0] == '\0')
		return -ENOENT;
	n = qb_log_blackbox_write_to_file(blackbox_path);
	return n < 0 ? (int)n : 0;
}

void
rv_log_fini(void)
{
	qb_log_fini();
}
