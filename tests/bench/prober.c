/*
 * prober.c — the benchmark's client: what a sending MTA sees of a floating IP.
 *
 *   prober [-p PORT] [-i INTERVAL_MS] [-c CONNECT_MS] [-b BANNER_MS]
 *          [-d MAX_SECONDS] [-o FILE.csv] ADDRESS
 *   prober clock
 *
 * Every INTERVAL_MS (50) it opens a new TCP connection to ADDRESS:PORT (25),
 * waits at most CONNECT_MS (3000) for the handshake and BANNER_MS (2000) for
 * the first line, says QUIT and closes. Attempts overlap: one whose SYN went
 * to a dead node does not delay the next, so the first banner from the
 * survivor is seen within one interval of the moment it could be. Each
 * attempt is one CSV line, written as it ends:
 *
 *   start_ms,end_ms,result,host,detail
 *
 * times in ms of CLOCK_MONOTONIC (one clock for every namespace of the host,
 * so the harness can put the power-off on the same axis), result one of
 *   ok           a 220 banner; host is the banner's host name
 *   refused      the connection was refused (RST to the SYN: no listener)
 *   reset        reset after the handshake, before or during the banner
 *   timeout      no handshake within CONNECT_MS, or no banner within BANNER_MS
 *   unreachable  no route or no ARP answer (EHOSTUNREACH, ENETUNREACH)
 *   other        anything else: another reply code (detail has it), the
 *                connection closed without a banner, a local error
 *
 * It stops on SIGTERM or SIGINT, or after MAX_SECONDS (600): no new
 * attempts, the ones in flight end (each bounded by its timeouts), exit 0.
 * `prober clock` prints "MONOTONIC_MS REALTIME_MS", read back to back, so
 * wall-clock logs (corosync's, the harness's) can be put on the same axis.
 *
 * It must never send anything but QUIT, nor connect anywhere but ADDRESS.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
	EXIT_USAGE = 2,
	EXIT_IO = 3,
	MAX_INFLIGHT = 512,
	BANNER_MAX = 512,
	HOST_MAX = 64,
};

enum phase { CONNECTING, BANNER };

struct attempt {
	int fd;
	enum phase phase;
	double start_ms;
	double deadline_ms;
	char buf[BANNER_MAX];
	size_t len;
};

struct prober {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	double interval_ms, connect_ms, banner_ms, max_ms;
	FILE *out;
	struct attempt inflight[MAX_INFLIGHT];
	size_t n_inflight;
	unsigned long counts[6];
};

enum result { RES_OK, RES_REFUSED, RES_RESET, RES_TIMEOUT, RES_UNREACHABLE, RES_OTHER };
static const char *const result_names[] = {
	"ok", "refused", "reset", "timeout", "unreachable", "other",
};

/* Set by the signal handler only; read by the loop between polls. */
static volatile sig_atomic_t stop_requested;

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static double
clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static double
now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

/* The errors a client can meet, by what they mean to it. */
static enum result
classify_errno(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return RES_REFUSED;
	case ECONNRESET:
	case EPIPE:
		return RES_RESET;
	case ETIMEDOUT:
		return RES_TIMEOUT;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
		return RES_UNREACHABLE;
	default:
		return RES_OTHER;
	}
}

static const char *
errno_word(int err)
{
	switch (err) {
	case ECONNREFUSED: return "ECONNREFUSED";
	case ECONNRESET: return "ECONNRESET";
	case EPIPE: return "EPIPE";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case ENETUNREACH: return "ENETUNREACH";
	case EHOSTDOWN: return "EHOSTDOWN";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case EMFILE: return "EMFILE";
	default: return "errno";
	}
}

/* Only [A-Za-z0-9._-] reach the CSV: a banner is outside input. */
static void
copy_clean(char *dst, size_t size, const char *src, size_t n)
{
	size_t i;

	if (size == 0)
		return;
	for (i = 0; i < n && i + 1 < size; i++) {
		char c = src[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')
			dst[i] = c;
		else
			dst[i] = '?';
	}
	dst[i] = '\0';
}

static void
record(struct prober *p, double start, enum result r, const char *host, const char *detail)
{
	p->counts[r]++;
	fprintf(p->out, "%.3f,%.3f,%s,%s,%s\n", start, now_ms(), result_names[r],
		host ? host : "", detail ? detail : "");
}

/* The first line of the reply: "220 host ..." or "220-host ..." is ok. */
static void
record_banner(struct prober *p, const struct attempt *a, size_t line_len)
{
	char host[HOST_MAX], code[8];
	const char *h;
	size_t n;

	while (line_len > 0 && (a->buf[line_len - 1] == '\r' || a->buf[line_len - 1] == '\n'))
		line_len--;
	copy_clean(code, sizeof(code), a->buf, line_len < 3 ? line_len : 3);
	if (line_len < 4 || strncmp(a->buf, "220", 3) != 0 ||
	    (a->buf[3] != ' ' && a->buf[3] != '-')) {
		record(p, a->start_ms, RES_OTHER, NULL, code[0] ? code : "empty-line");
		return;
	}
	h = a->buf + 4;
	for (n = 0; h + n < a->buf + line_len && h[n] != ' '; n++)
		;
	if (n == 0) {
		record(p, a->start_ms, RES_OTHER, NULL, "220-without-host");
		return;
	}
	copy_clean(host, sizeof(host), h, n);
	record(p, a->start_ms, RES_OK, host, NULL);
}

static void
finish(struct prober *p, size_t idx)
{
	struct attempt *a = &p->inflight[idx];

	if (a->phase == BANNER) {
		/* a polite client; a peer already gone only fails this */
		(void)send(a->fd, "QUIT\r\n", 6, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	close(a->fd);
	p->inflight[idx] = p->inflight[--p->n_inflight];
}

static void
start_attempt(struct prober *p)
{
	struct attempt *a;
	double t = now_ms();
	int fd, err;

	if (p->n_inflight == MAX_INFLIGHT) {
		record(p, t, RES_OTHER, NULL, "too-many-in-flight");
		return;
	}
	fd = socket(p->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		record(p, t, RES_OTHER, NULL, errno_word(errno));
		return;
	}
	a = &p->inflight[p->n_inflight];
	memset(a, 0, sizeof(*a));
	a->fd = fd;
	a->start_ms = t;
	if (connect(fd, (struct sockaddr *)&p->addr, p->addrlen) == 0) {
		a->phase = BANNER;
		a->deadline_ms = t + p->banner_ms;
	} else if (errno == EINPROGRESS) {
		a->phase = CONNECTING;
		a->deadline_ms = t + p->connect_ms;
	} else {
		err = errno;
		close(fd);
		record(p, t, classify_errno(err), NULL, errno_word(err));
		return;
	}
	p->n_inflight++;
}

/* Progress on attempt IDX; returns 1 when it ended (and was removed). */
static int
service(struct prober *p, size_t idx, short revents)
{
	struct attempt *a = &p->inflight[idx];
	socklen_t len = sizeof(int);
	int err = 0;
	ssize_t n;
	char *nl;

	if (a->phase == CONNECTING) {
		if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
			return 0;
		if (getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err != 0) {
			record(p, a->start_ms, classify_errno(err), NULL, errno_word(err));
			finish(p, idx);
			return 1;
		}
		a->phase = BANNER;
		a->deadline_ms = now_ms() + p->banner_ms;
		return 0;
	}
	if (!(revents & (POLLIN | POLLERR | POLLHUP)))
		return 0;
	n = read(a->fd, a->buf + a->len, sizeof(a->buf) - 1 - a->len);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		err = errno;
		record(p, a->start_ms, classify_errno(err), NULL, errno_word(err));
		finish(p, idx);
		return 1;
	}
	if (n == 0) {
		record(p, a->start_ms, RES_OTHER, NULL, a->len ? "eof-mid-line" : "eof");
		finish(p, idx);
		return 1;
	}
	a->len += (size_t)n;
	a->buf[a->len] = '\0';
	nl = memchr(a->buf, '\n', a->len);
	if (nl != NULL || a->len == sizeof(a->buf) - 1) {
		record_banner(p, a, nl ? (size_t)(nl - a->buf) + 1 : a->len);
		finish(p, idx);
		return 1;
	}
	return 0;
}

static void
expire(struct prober *p, double now)
{
	size_t i = 0;

	while (i < p->n_inflight) {
		struct attempt *a = &p->inflight[i];

		if (now < a->deadline_ms) {
			i++;
			continue;
		}
		record(p, a->start_ms, RES_TIMEOUT, NULL,
		       a->phase == CONNECTING ? "connect" : "banner");
		finish(p, i); /* the last one moved to i: look at i again */
	}
}

static int
run(struct prober *p)
{
	static struct pollfd pfd[MAX_INFLIGHT];
	double t0 = now_ms(), next = t0, now;
	int stopping = 0;

	for (;;) {
		size_t i, n;
		double wait;

		now = now_ms();
		if (!stopping && (stop_requested || now - t0 >= p->max_ms))
			stopping = 1;
		if (!stopping && now >= next) {
			start_attempt(p);
			/* keep the grid; slots missed while late are skipped */
			while (next <= now)
				next += p->interval_ms;
		}
		expire(p, now);
		if (stopping && p->n_inflight == 0)
			return 0;

		wait = stopping ? 1000.0 : next - now;
		for (i = 0; i < p->n_inflight; i++) {
			pfd[i].fd = p->inflight[i].fd;
			pfd[i].events = p->inflight[i].phase == CONNECTING ? POLLOUT : POLLIN;
			pfd[i].revents = 0;
			if (p->inflight[i].deadline_ms - now < wait)
				wait = p->inflight[i].deadline_ms - now;
		}
		n = p->n_inflight;
		if (poll(pfd, n, wait > 0 ? (int)(wait + 0.999) : 0) < 0) {
			if (errno == EINTR)
				continue;
			perror("prober: poll");
			return -errno;
		}
		/* back to front: finish() moves the last attempt into the slot */
		for (i = n; i-- > 0;) {
			if (pfd[i].revents != 0)
				service(p, i, pfd[i].revents);
		}
	}
}

static int
parse_ms(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int
parse_address(struct prober *p, const char *addr, const char *port_s)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&p->addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&p->addr;
	char *end;
	long port;

	errno = 0;
	port = strtol(port_s, &end, 10);
	if (errno != 0 || *end != '\0' || port < 1 || port > 65535)
		return -EINVAL;
	memset(&p->addr, 0, sizeof(p->addr));
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		p->addrlen = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		p->addrlen = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: prober [-p PORT] [-i INTERVAL_MS] [-c CONNECT_MS] [-b BANNER_MS]\n"
		"              [-d MAX_SECONDS] [-o FILE.csv] ADDRESS\n"
		"       prober clock\n");
}

int
main(int argc, char **argv)
{
	static struct prober p;
	const char *port = "25", *outpath = NULL;
	struct sigaction sa;
	double max_s = 600;
	int c, rc;

	if (argc == 2 && strcmp(argv[1], "clock") == 0) {
		double mono = now_ms(), real = clock_ms(CLOCK_REALTIME);

		printf("%.3f %.3f\n", mono, real);
		return 0;
	}
	p.interval_ms = 50;
	p.connect_ms = 3000;
	p.banner_ms = 2000;
	while ((c = getopt(argc, argv, "p:i:c:b:d:o:h")) != -1) {
		switch (c) {
		case 'p': port = optarg; break;
		case 'i':
			if (parse_ms(optarg, 1, 60000, &p.interval_ms) < 0)
				goto bad;
			break;
		case 'c':
			if (parse_ms(optarg, 1, 60000, &p.connect_ms) < 0)
				goto bad;
			break;
		case 'b':
			if (parse_ms(optarg, 1, 60000, &p.banner_ms) < 0)
				goto bad;
			break;
		case 'd':
			if (parse_ms(optarg, 1, 86400, &max_s) < 0)
				goto bad;
			break;
		case 'o': outpath = optarg; break;
		case 'h': usage(); return 0;
		default: usage(); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || parse_address(&p, argv[optind], port) < 0) {
		fprintf(stderr, "prober: need one numeric IPv4 or IPv6 address and a port 1..65535\n");
		usage();
		return EXIT_USAGE;
	}
	/* in flight at once: bounded by the timeouts over the interval */
	if ((p.connect_ms + p.banner_ms) / p.interval_ms > MAX_INFLIGHT - 8) {
		fprintf(stderr, "prober: (CONNECT_MS + BANNER_MS) / INTERVAL_MS must stay below %d\n",
			MAX_INFLIGHT - 8);
		return EXIT_USAGE;
	}
	p.max_ms = max_s * 1000.0;
	p.out = outpath ? fopen(outpath, "w") : stdout;
	if (p.out == NULL) {
		fprintf(stderr, "prober: %s: %s\n", outpath, strerror(errno));
		return EXIT_IO;
	}
	/* a line per attempt as it ends: the harness watches the file */
	setvbuf(p.out, NULL, _IOLBF, 0);
	fprintf(p.out, "start_ms,end_ms,result,host,detail\n");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = run(&p);
	fprintf(stderr, "prober: ok %lu, refused %lu, reset %lu, timeout %lu, unreachable %lu, other %lu\n",
		p.counts[RES_OK], p.counts[RES_REFUSED], p.counts[RES_RESET], p.counts[RES_TIMEOUT],
		p.counts[RES_UNREACHABLE], p.counts[RES_OTHER]);
	if (fclose(p.out) != 0 && outpath != NULL) {
		fprintf(stderr, "prober: %s: %s\n", outpath, strerror(errno));
		return EXIT_IO;
	}
	return rc < 0 ? 1 : 0;
bad:
	fprintf(stderr, "prober: -%c %s: not a number in range\n", c, optarg);
	return EXIT_USAGE;
}
