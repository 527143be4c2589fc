/*
 * relevo-fence-peer.c — DRBD's fence-peer and unfence-peer handler: asks the
 * local relevod to fence the peer (or takes note of the unfence) and tells
 * DRBD the outcome in the exit code DRBD expects (drbd_handler.h).
 *
 *   relevo-fence-peer   [--timeout SECONDS]    (DRBD's fence-peer handler)
 *   relevo-unfence-peer [--timeout SECONDS]    (unfence-peer, DRBD 9; the
 *                                               after-resync-target of 8.4)
 *   relevo-fence-peer fence-peer|unfence-peer [--timeout SECONDS]
 *
 * One program, installed under both names; the mode is the first argument
 * when it names one, else the name it was run as. drbdadm runs a handler as
 * /bin/sh -c '<string>', with DRBD_RESOURCE, DRBD_PEER(S), DRBD_MINOR...
 * in the environment:
 *
 *   handlers {
 *       fence-peer   "/usr/libexec/relevo/relevo-fence-peer";
 *       unfence-peer "/usr/libexec/relevo/relevo-unfence-peer";   # DRBD 9
 *   }
 *
 * (the packages' path: $(pkglibexecdir) of the build; fence/Makefile.am).
 *
 * It never decides anything itself and never fences anything itself: the
 * fence methods are relevod's. Whatever goes wrong on the way (relevod not
 * running, not root, silent past the timeout, a malformed answer) ends in
 * exit 1, which keeps DRBD's I/O frozen (resource-and-stonith) until someone
 * knows better. The timeout (default 90 s for fence-peer, longer than the
 * methods' timeouts together with the fence delay; 10 s for unfence-peer;
 * --timeout or RELEVO_FENCE_TIMEOUT) bounds the whole run, connecting
 * included. What it did goes to syslog (daemon facility) and stderr.
 */
#include "autoconf.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

#include <json-c/json.h>
#include <qb/qbipcc.h>

#include "drbd_handler.h"
#include "ipc_proto.h"
#include "util.h"

#define FENCE_TIMEOUT_S 90
#define UNFENCE_TIMEOUT_S 10
#define MAX_TIMEOUT_S 3600
#define RECV_SLICE_MS 1000

extern char **environ;

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: relevo-fence-peer [fence-peer|unfence-peer] [--timeout SECONDS]\n"
		"       relevo-unfence-peer [--timeout SECONDS]\n"
		"\n"
		"DRBD's fence-peer / unfence-peer handler: asks the local relevod, exits\n"
		"with DRBD's code (fence-peer: 3 peer Inconsistent, 4 peer Outdated,\n"
		"6 peer Primary or fencing off, 7 peer fenced, 1 not fenced: I/O stays\n"
		"frozen). Timeout default %d s (unfence-peer %d s), or RELEVO_FENCE_TIMEOUT.\n",
		FENCE_TIMEOUT_S, UNFENCE_TIMEOUT_S);
}

/* The whole run is bounded: libqb's connect has no timeout of its own, and
 * a relevod that is stopped (SIGSTOP, a hung host) would hold DRBD's handler
 * for ever. Only async-signal-safe calls here. */
static void
on_alarm(int sig)
{
	static const char msg[] = "relevo-fence-peer: no answer from relevod in time; "
				  "not fenced (exit 1)\n";
	ssize_t n;

	(void)sig;
	n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)n;
	_exit(RV_DRBD_EXIT_NOT_FENCED);
}

/* Send req (a JSON text) and wait for the answer until deadline_ms; the
 * answer's bytes go to buf. Returns their number, or -errno with *why. */
static ssize_t
ask(const char *req, char *buf, size_t cap, uint64_t deadline_ms, const char **why)
{
	struct qb_ipc_request_header h = { .id = RV_IPC_REQUEST };
	size_t len = strlen(req) + 1;
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)(uintptr_t)req, .iov_len = len },
	};
	qb_ipcc_connection_t *c;
	ssize_t n;
	uint64_t now;
	pid_t pid;
	uid_t uid;
	gid_t gid;

	h.size = (int32_t)(sizeof(h) + len);
	c = qb_ipcc_connect(RV_IPC_SERVICE, RV_IPC_MAX_MSG);
	if (c == NULL) {
		n = -errno;
		*why = "cannot reach relevod (is it running on this node?)";
		return n < 0 ? n : -ECONNREFUSED;
	}
	/* what answers must be relevod itself, which runs as root */
	if (qb_ipcc_auth_get(c, &pid, &uid, &gid) != 0 || uid != 0) {
		*why = "the relevod answering does not run as root";
		n = -EPERM;
		goto done;
	}
	n = qb_ipcc_sendv(c, iov, 2);
	if (n < 0) {
		*why = "cannot send the request to relevod";
		goto done;
	}
	for (;;) {
		now = rv_now_ms();
		if (now >= deadline_ms) {
			*why = "no answer from relevod in time";
			n = -ETIMEDOUT;
			break;
		}
		n = qb_ipcc_recv(c, buf, cap,
				 (int32_t)(deadline_ms - now < RECV_SLICE_MS ? deadline_ms - now
									     : RECV_SLICE_MS));
		if (n >= 0)
			break;
		if (n != -ETIMEDOUT && n != -EAGAIN) {
			*why = "relevod went away without answering";
			break;
		}
		if (!qb_ipcc_is_connected(c)) {
			*why = "relevod went away without answering";
			n = -ENOTCONN;
			break;
		}
	}
done:
	qb_ipcc_disconnect(c);
	return n;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	enum rv_drbd_mode mode;
	struct rv_drbd_answer ans;
	char resource[64], peer[64], reason[160], *buf;
	const char *tenv = getenv("RELEVO_FENCE_TIMEOUT"), *why = "", *name;
	json_object *req;
	uint64_t timeout_s = 0;
	int used_arg, opt, code, have = 0;
	ssize_t n;

	if (rv_drbd_mode_of(argv[0], argc > 1 ? argv[1] : NULL, &mode, &used_arg) < 0) {
		/* never guess between fencing and unfencing */
		fprintf(stderr, "relevo-fence-peer: run as '%s', which names no mode: give "
			"fence-peer or unfence-peer as the first argument\n", argv[0]);
		usage(stderr);
		return RV_DRBD_EXIT_NOT_FENCED;
	}
	name = mode == RV_DRBD_UNFENCE_PEER ? "relevo-unfence-peer" : "relevo-fence-peer";
	optind = 1 + used_arg;
	while ((opt = getopt_long(argc, argv, "t:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			if (rv_parse_uint(optarg, MAX_TIMEOUT_S, &timeout_s) < 0 || timeout_s == 0) {
				fprintf(stderr, "%s: --timeout takes seconds (1..%d)\n", name,
					MAX_TIMEOUT_S);
				return RV_DRBD_EXIT_NOT_FENCED;
			}
			break;
		case 'h': usage(stdout); return RV_DRBD_EXIT_OK;
		case 'V': printf("%s %s\n", name, PACKAGE_VERSION); return RV_DRBD_EXIT_OK;
		default: usage(stderr); return RV_DRBD_EXIT_NOT_FENCED;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return RV_DRBD_EXIT_NOT_FENCED;
	}
	if (timeout_s == 0 && tenv != NULL && *tenv != '\0' &&
	    (rv_parse_uint(tenv, MAX_TIMEOUT_S, &timeout_s) < 0 || timeout_s == 0)) {
		fprintf(stderr, "%s: RELEVO_FENCE_TIMEOUT takes seconds (1..%d)\n", name,
			MAX_TIMEOUT_S);
		return RV_DRBD_EXIT_NOT_FENCED;
	}
	if (timeout_s == 0)
		timeout_s = mode == RV_DRBD_FENCE_PEER ? FENCE_TIMEOUT_S : UNFENCE_TIMEOUT_S;

	openlog(name, LOG_PID | LOG_PERROR, LOG_DAEMON);
	signal(SIGALRM, on_alarm);
	alarm((unsigned)timeout_s + 1);

	rv_drbd_env((const char *const *)environ, resource, sizeof(resource), peer, sizeof(peer));
	req = json_object_new_object();
	json_object_object_add(req, "command", json_object_new_string(rv_drbd_mode_name(mode)));
	if (mode == RV_DRBD_FENCE_PEER) {
		rv_drbd_reason(reason, sizeof(reason), resource, peer);
		json_object_object_add(req, "reason", json_object_new_string(reason));
		syslog(LOG_NOTICE, "resource %s, peer %s: asking relevod to fence the peer "
		       "(waiting up to %llu s)", resource, peer, (unsigned long long)timeout_s);
	}
	buf = calloc(1, RV_IPC_MAX_MSG + 1);
	if (buf == NULL)
		abort();
	n = ask(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN), buf, RV_IPC_MAX_MSG,
		rv_now_ms() + timeout_s * 1000, &why);
	json_object_put(req);
	if (n < 0) {
		syslog(LOG_ERR, "resource %s: %s: %s", resource, why, strerror((int)-n));
	} else if (rv_drbd_parse_answer(buf, (size_t)n, &ans) < 0) {
		syslog(LOG_ERR, "resource %s: relevod's answer is malformed: %s", resource,
		       ans.text);
	} else {
		have = 1;
	}
	free(buf);
	code = rv_drbd_exit_code(mode, have ? &ans : NULL);
	if (mode == RV_DRBD_UNFENCE_PEER) {
		if (code == RV_DRBD_EXIT_OK)
			syslog(LOG_NOTICE, "resource %s: relevod took note: %s", resource, ans.text);
		else if (have)
			syslog(LOG_ERR, "resource %s: relevod refused: %s", resource, ans.text);
	} else if (have && ans.ok) {
		syslog(code == RV_DRBD_EXIT_NOT_FENCED ? LOG_ERR : LOG_NOTICE,
		       "resource %s, peer %s: %s (%s): exit %d%s", resource, peer, ans.outcome,
		       ans.text, code,
		       code == RV_DRBD_EXIT_NOT_FENCED ? ", DRBD keeps I/O frozen" : "");
	} else {
		syslog(LOG_ERR, "resource %s, peer %s: not fenced%s%s: exit %d, DRBD keeps I/O "
		       "frozen until an operator resumes it", resource, peer,
		       have ? ": " : "", have ? ans.text : "", code);
	}
	closelog();
	return code;
}
