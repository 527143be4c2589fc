/*
 * ipc-hostile.c — a broken or hostile local client of relevod's IPC, for
 * tests/integration/hostile.test (not a test itself).
 *
 *   ipc-hostile [-b BYTES] [-t MS] request      stdin is the body: a correct
 *                                               header, then the bytes as sent
 *   ipc-hostile [-b BYTES] [-t MS] raw          stdin is the whole message,
 *                                               header included (or not)
 *   ipc-hostile [-b BYTES] [-t MS] lie SIZE     like request, but the header
 *                                               claims SIZE bytes
 *   ipc-hostile [-b BYTES] flood SECONDS        send status requests as fast as
 *                                               they are taken, read no answer
 *   ipc-hostile [-b BYTES] idle SECONDS         connect, then do nothing
 *   ipc-hostile [-b BYTES] many N SECONDS       hold N connections at once
 *   ipc-hostile [-b BYTES] shm truncate         spoil this connection's ring for
 *   ipc-hostile [-b BYTES] shm wild-ring        answers (shrink its files to
 *                                               nothing, or send its write
 *                                               pointer far outside it),
 *                                               send a status request, wait 1 s
 *
 *   ipc-hostile [-b BYTES] shm all              truncate every shared file of
 *                                               the connection
 *   ipc-hostile [-b BYTES] [-t MS] big SIZE     connect, then send one
 *                                               datagram of SIZE bytes (a
 *                                               status request padded with
 *                                               spaces, its header saying
 *                                               SIZE) past the library,
 *                                               straight on the request socket
 *
 * big is what libqb's socket transport lets any connected client do: it
 * receives a request with recv(2) of as many bytes as the request's header
 * claims, into a buffer of the connection's buffer size, so a datagram
 * longer than the buffer is written past its end. A client may make its
 * socket's send buffer (and so its datagrams) up to twice
 * net.core.wmem_max without privilege. relevod makes every connection's
 * buffer larger than that (see ipc.c).
 *
 * The shm modes show what libqb's shared-memory transport cannot keep out:
 * a client may write its own rings, and the server trusts them. relevod
 * uses the socket transport for that reason (see ipc.c); hostile.test runs
 * the modes to show a client has nothing left to spoil that hurts it.
 *
 * -b is the buffer size asked for at connect (default RV_IPC_MAX_MSG, as the
 * CLI asks); -t the time to wait for an answer (default 5000 ms).
 *
 * It prints one line saying what happened: "answer in N ms: JSON" (N from
 * sending to the answer), "no answer: why", "refused: why" (connecting
 * failed), "sent N requests", "held N connections". Exit: 0 an answer or
 * the mode's work done, 2 not connected, 3 connected but no answer, 64
 * usage.
 *
 * It must never be more than the client it says it is: every mode ends by
 * itself (bounded by its SECONDS and at most 10000 connections) and talks
 * only to the local relevod.
 */
#include "autoconf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <qb/qbipcc.h>

#include "ipc_proto.h"
#include "util.h"

enum { EXIT_ANSWER = 0, EXIT_NOCONN = 2, EXIT_NOANSWER = 3, EXIT_USAGE = 64 };

#define MAX_SECONDS 600
#define MAX_CONNS 10000

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: ipc-hostile [-b BYTES] [-t MS] request | raw | lie SIZE |\n"
		"       flood SECONDS | idle SECONDS | many N SECONDS | big SIZE |\n"
		"       shm truncate|wild-ring|all\n");
	exit(EXIT_USAGE);
}

static long
number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > max)
		usage();
	return v;
}

static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static qb_ipcc_connection_t *
connect_or_say(size_t bufsize)
{
	qb_ipcc_connection_t *c = qb_ipcc_connect(RV_IPC_SERVICE, bufsize);

	if (c == NULL)
		printf("refused: %s\n", strerror(errno));
	return c;
}

/* All of stdin, at most max bytes (more is an error: the caller's bug). */
static char *
read_stdin(size_t max, size_t *len)
{
	char *buf = malloc(max + 1);
	size_t n = 0;
	ssize_t r;

	if (buf == NULL)
		abort();
	while (n <= max && (r = read(0, buf + n, max + 1 - n)) > 0)
		n += (size_t)r;
	if (n > max) {
		fprintf(stderr, "ipc-hostile: more than %zu bytes on stdin\n", max);
		exit(EXIT_USAGE);
	}
	*len = n;
	return buf;
}

/* Send iov, wait for one answer and print it. */
static int
send_and_print(qb_ipcc_connection_t *c, struct iovec *iov, size_t n_iov, size_t bufsize,
	       int timeout_ms)
{
	struct qb_ipc_response_header h;
	char *buf = calloc(1, bufsize + 1);
	uint64_t t0 = rv_now_ms();
	ssize_t rc;

	if (buf == NULL)
		abort();
	rc = qb_ipcc_sendv(c, iov, n_iov);
	if (rc < 0) {
		printf("not sent: %s\n", strerror((int)-rc));
		free(buf);
		return EXIT_NOANSWER;
	}
	rc = qb_ipcc_recv(c, buf, bufsize, timeout_ms);
	if (rc < 0) {
		printf("no answer: %s\n", strerror((int)-rc));
		free(buf);
		return EXIT_NOANSWER;
	}
	if ((size_t)rc < sizeof(h)) {
		printf("no answer: %zd bytes\n", rc);
		free(buf);
		return EXIT_NOANSWER;
	}
	memcpy(&h, buf, sizeof(h));
	printf("answer in %llu ms: %.*s\n", (unsigned long long)(rv_now_ms() - t0),
	       (int)strnlen(buf + sizeof(h), (size_t)rc - sizeof(h)), buf + sizeof(h));
	free(buf);
	return EXIT_ANSWER;
}

/* request / raw / lie: one message made of stdin. */
static int
one_message(size_t bufsize, int timeout_ms, int header, int lie, long claim)
{
	struct qb_ipc_request_header h = { .id = RV_IPC_REQUEST };
	struct iovec iov[2];
	qb_ipcc_connection_t *c;
	size_t len;
	char *body;
	int rc;

	/* room for more than the connection takes: the library says no */
	body = read_stdin(4 * bufsize, &len);
	c = connect_or_say(bufsize);
	if (c == NULL) {
		free(body);
		return EXIT_NOCONN;
	}
	h.size = lie ? (int32_t)claim : (int32_t)(sizeof(h) + len);
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = body;
	iov[1].iov_len = len;
	if (header)
		rc = send_and_print(c, iov, 2, bufsize, timeout_ms);
	else
		rc = send_and_print(c, iov + 1, 1, bufsize, timeout_ms);
	qb_ipcc_disconnect(c);
	free(body);
	return rc;
}

/* The connection's request socket: the datagram socket of this process
 * connected to the server's "...-request" address (libqb's socket transport
 * names them so; the address is abstract on Linux). */
static int
request_socket(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int found = -1;

	if (d == NULL)
		return -1;
	while (found < 0 && (e = readdir(d)) != NULL) {
		struct sockaddr_un sa;
		socklen_t sl = sizeof(sa);
		int fd = atoi(e->d_name), type = 0;
		socklen_t tl = sizeof(type);
		size_t n;

		if (fd <= 2 || fd == dirfd(d))
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_DGRAM)
			continue;
		memset(&sa, 0, sizeof(sa));
		if (getpeername(fd, (struct sockaddr *)&sa, &sl) < 0 || sa.sun_family != AF_UNIX ||
		    sl <= offsetof(struct sockaddr_un, sun_path) + 1)
			continue;
		n = sl - offsetof(struct sockaddr_un, sun_path);
		/* abstract: a leading NUL, and libqb binds the whole sun_path,
		 * padded with NULs */
		while (n > 1 && sa.sun_path[n - 1] == '\0')
			n--;
		if (n > 8 && memcmp(sa.sun_path + n - 8, "-request", 8) == 0)
			found = fd;
	}
	closedir(d);
	return found;
}

/* big: one datagram of size bytes, past libqb's size checks. */
static int
big_datagram(size_t bufsize, int timeout_ms, long size)
{
	static char req[] = "{\"command\":\"status\"}";
	struct qb_ipc_request_header h = { .id = RV_IPC_REQUEST, .size = (int32_t)size };
	qb_ipcc_connection_t *c;
	char *msg, *buf;
	int fd, sndbuf = (int)size + 4096, rc = EXIT_NOANSWER;
	ssize_t n;

	if ((size_t)size < sizeof(h) + sizeof(req))
		usage();
	c = connect_or_say(bufsize);
	if (c == NULL)
		return EXIT_NOCONN;
	fd = request_socket();
	if (fd < 0) {
		printf("no answer: no request socket found\n");
		qb_ipcc_disconnect(c);
		return EXIT_NOANSWER;
	}
	msg = malloc((size_t)size);
	buf = calloc(1, bufsize + 1);
	if (msg == NULL || buf == NULL)
		abort();
	memset(msg, ' ', (size_t)size);
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), req, sizeof(req) - 1);
	/* as large as the kernel lets an unprivileged process have it */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	n = send(fd, msg, (size_t)size, MSG_NOSIGNAL);
	if (n != (ssize_t)size) {
		printf("not sent: %s\n", n < 0 ? strerror(errno) : "short send");
	} else {
		/* libqb's client counts what it sent in the shared control block
		 * and wakes the server on the setup socket; this datagram went
		 * past both, so a proper request follows it to make relevod read:
		 * the first answer is the big datagram's (the sockets are FIFO) */
		struct qb_ipc_request_header h2 = { .id = RV_IPC_REQUEST,
						    .size = (int32_t)(sizeof(h2) + sizeof(req) - 1) };
		struct iovec iov[2] = { { &h2, sizeof(h2) }, { req, sizeof(req) - 1 } };

		if (qb_ipcc_sendv(c, iov, 2) < 0)
			printf("no answer: the request after it was not sent\n");
		n = qb_ipcc_recv(c, buf, bufsize, timeout_ms);
		if (n < (ssize_t)sizeof(struct qb_ipc_response_header)) {
			printf("no answer: %s\n", n < 0 ? strerror((int)-n) : "short");
		} else {
			printf("answer: %.*s\n", (int)strnlen(buf + sizeof(struct qb_ipc_response_header),
				(size_t)n - sizeof(struct qb_ipc_response_header)),
			       buf + sizeof(struct qb_ipc_response_header));
			rc = EXIT_ANSWER;
		}
	}
	free(buf);
	free(msg);
	qb_ipcc_disconnect(c);
	return rc;
}

/* Status requests, never an answer read, for seconds. */
static int
flood(size_t bufsize, long seconds)
{
	static const char text[] = "{\"command\":\"status\"}";
	struct qb_ipc_request_header h = { .id = RV_IPC_REQUEST,
					   .size = (int32_t)(sizeof(h) + sizeof(text)) };
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)(uintptr_t)text, .iov_len = sizeof(text) },
	};
	uint64_t end = rv_now_ms() + (uint64_t)seconds * 1000;
	unsigned long sent = 0, full = 0;
	qb_ipcc_connection_t *c;
	ssize_t rc;

	c = connect_or_say(bufsize);
	if (c == NULL)
		return EXIT_NOCONN;
	while (rv_now_ms() < end) {
		rc = qb_ipcc_sendv(c, iov, 2);
		if (rc == -EAGAIN) {
			full++;
			pause_ms(1);
		} else if (rc < 0) {
			printf("sent %lu requests, then: %s\n", sent, strerror((int)-rc));
			qb_ipcc_disconnect(c);
			return EXIT_NOANSWER;
		} else {
			sent++;
		}
	}
	printf("sent %lu requests (the queue was full %lu times), read no answer\n", sent, full);
	qb_ipcc_disconnect(c);
	return EXIT_ANSWER;
}

static int
idle(size_t bufsize, long seconds)
{
	qb_ipcc_connection_t *c = connect_or_say(bufsize);

	if (c == NULL)
		return EXIT_NOCONN;
	pause_ms(seconds * 1000);
	printf("held 1 connection idle for %ld s\n", seconds);
	qb_ipcc_disconnect(c);
	return EXIT_ANSWER;
}

static int
many(size_t bufsize, long n, long seconds)
{
	qb_ipcc_connection_t **c = calloc((size_t)n, sizeof(*c));
	long i, made = 0;
	int err = 0;

	if (c == NULL)
		abort();
	for (i = 0; i < n; i++) {
		c[i] = qb_ipcc_connect(RV_IPC_SERVICE, bufsize);
		if (c[i] == NULL) {
			err = errno;
			break;
		}
		made++;
	}
	if (made < n)
		printf("connected %ld of %ld, then: %s\n", made, n, strerror(err));
	fflush(stdout);
	pause_ms(seconds * 1000);
	for (i = 0; i < made; i++)
		qb_ipcc_disconnect(c[i]);
	printf("held %ld connections for %ld s\n", made, seconds);
	free(c);
	return made == n ? EXIT_ANSWER : EXIT_NOCONN;
}

/*
 * Spoil the shared-memory files of this process's connections whose name
 * has want in it (libqb makes them in
 * /dev/shm/qb-SERVERPID-CLIENTPID-FD-XXXXXX/, owned by the client, who may
 * write them): truncate them (a server touching the pages gets SIGBUS), or
 * point the ring's write pointer far outside it (the first word of libqb's
 * qb_ringbuffer_shared_s, which qb_rb_chunk_alloc() uses as an index
 * unchecked: the server writes wherever it points).
 */
static int
spoil_shm(const char *want, int truncate)
{
	static const uint32_t wild = 0x40000000;
	char mine[32], path[600];
	struct dirent *d, *f;
	DIR *dir, *sub;
	int n = 0, fd;

	snprintf(mine, sizeof(mine), "-%ld-", (long)getpid());
	dir = opendir("/dev/shm");
	if (dir == NULL)
		return 0;
	while ((d = readdir(dir)) != NULL) {
		if (strncmp(d->d_name, "qb-", 3) != 0 || strstr(d->d_name + 2, mine) == NULL)
			continue;
		snprintf(path, sizeof(path), "/dev/shm/%s", d->d_name);
		sub = opendir(path);
		if (sub == NULL)
			continue;
		while ((f = readdir(sub)) != NULL) {
			if (f->d_name[0] == '.' || strstr(f->d_name, want) == NULL ||
			    (!truncate && strstr(f->d_name, "-header") == NULL))
				continue;
			snprintf(path, sizeof(path), "/dev/shm/%s/%s", d->d_name, f->d_name);
			fd = open(path, O_RDWR);
			if (fd < 0)
				continue;
			if (truncate ? ftruncate(fd, 0) == 0
				     : pwrite(fd, &wild, sizeof(wild), 0) == (ssize_t)sizeof(wild))
				n++;
			close(fd);
		}
		closedir(sub);
	}
	closedir(dir);
	return n;
}

static int
shm_mode(size_t bufsize, const char *how)
{
	static const char text[] = "{\"command\":\"status\"}";
	struct qb_ipc_request_header h = { .id = RV_IPC_REQUEST,
					   .size = (int32_t)(sizeof(h) + sizeof(text)) };
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)(uintptr_t)text, .iov_len = sizeof(text) },
	};
	int all = strcmp(how, "all") == 0;
	int truncate = all || strcmp(how, "truncate") == 0;
	qb_ipcc_connection_t *c;
	ssize_t rc;
	int n;

	if (!truncate && strcmp(how, "wild-ring") != 0)
		usage();
	c = connect_or_say(bufsize);
	if (c == NULL)
		return EXIT_NOCONN;
	/* the answers' ring only (the request still goes through ours, and
	 * we never read the answer), or every shared file of the connection
	 * (with the socket transport: its control block) */
	n = spoil_shm(all ? "" : "response", truncate);
	rc = qb_ipcc_sendv(c, iov, 2);
	pause_ms(1000);
	printf("spoiled %d shared memory files (%s), sent a request: %s\n", n, how,
	       rc < 0 ? strerror((int)-rc) : "ok");
	/* no qb_ipcc_disconnect: it would touch the spoiled ring */
	return rc < 0 ? EXIT_NOANSWER : EXIT_ANSWER;
}

int
main(int argc, char **argv)
{
	size_t bufsize = RV_IPC_MAX_MSG;
	int timeout_ms = 5000, opt;
	const char *mode;

	while ((opt = getopt(argc, argv, "+b:t:")) != -1) {
		switch (opt) {
		case 'b':
			bufsize = (size_t)number(optarg, 1024, 1L << 30);
			break;
		case 't':
			timeout_ms = (int)number(optarg, 0, 600000);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	mode = argv[0];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(mode, "request") == 0 && argc == 1)
		return one_message(bufsize, timeout_ms, 1, 0, 0);
	if (strcmp(mode, "raw") == 0 && argc == 1)
		return one_message(bufsize, timeout_ms, 0, 0, 0);
	if (strcmp(mode, "lie") == 0 && argc == 2)
		return one_message(bufsize, timeout_ms, 1, 1,
				   number(argv[1], INT32_MIN, INT32_MAX));
	if (strcmp(mode, "flood") == 0 && argc == 2)
		return flood(bufsize, number(argv[1], 1, MAX_SECONDS));
	if (strcmp(mode, "idle") == 0 && argc == 2)
		return idle(bufsize, number(argv[1], 0, MAX_SECONDS));
	if (strcmp(mode, "many") == 0 && argc == 3)
		return many(bufsize, number(argv[1], 1, MAX_CONNS), number(argv[2], 0, MAX_SECONDS));
	if (strcmp(mode, "big") == 0 && argc == 2)
		return big_datagram(bufsize, timeout_ms, number(argv[1], 64, 1L << 30));
	if (strcmp(mode, "shm") == 0 && argc == 2)
		return shm_mode(bufsize, argv[1]);
	usage();
}
