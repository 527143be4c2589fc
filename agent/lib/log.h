/*
 * log.h — logging setup shared by relevod and the tools, on libqb's qb_log.
 *
 * Targets: syslog (facility daemon) always for the daemon, stderr when in the
 * foreground or for tools, and the blackbox (an in-memory ring of recent
 * messages at debug level) which is written to a file on a fatal signal, as
 * Pacemaker's daemons do.
 */
#ifndef RELEVO_LOG_H
#define RELEVO_LOG_H

/* Set up qb_log for program name. to_stderr: also log to stderr; debug:
 * include debug messages; to_syslog: log to syslog. */
void rv_log_init(const char *name, int to_stderr, int to_syslog, int debug);

/* Keep a blackbox and dump it into dir (blackbox-NAME-PID) on SIGSEGV,
 * SIGBUS, SIGILL, SIGFPE and SIGABRT, then die of the signal. */
void rv_log_blackbox(const char *dir, const char *name);

/* Write the blackbox now (e.g. on SIGUSR1); returns 0 or -errno. */
int rv_log_blackbox_dump(void);

void rv_log_fini(void);

#endif
