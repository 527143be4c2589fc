/*
 * site-observer.c — the live observer of the namespace tier's fault tests
 * (tests/integration/lib/site.sh, site_observe_start): it samples, every
 * 100 ms and from outside the nodes, which nodes of a harness site hold the
 * floating IP. Not a test itself.
 *
 *   site-observer -a VIP -c CLIENT-NETNS -f FLAG -o OUT [-i MS] [-n MAX]
 *                 [-m MOUNTPOINT] NODE=NETNS:INIT-PID-FILE...
 *
 * Per sample, for each node:
 *   ip     the node's network namespace has VIP configured on an interface
 *          (getifaddrs(3) inside the namespace);
 *   arp    the node answered the ARP request for VIP that the observer sent
 *          from the client's eth0 this sample (an ARP reply to the client
 *          whose sender is VIP and whose sender MAC is one of the node's);
 *   spool  the node's mount namespace (that of its PID 1, as recorded by
 *          the harness in INIT-PID-FILE as "PID STARTTIME") has something
 *          mounted on MOUNTPOINT (default /var/spool/relevo);
 *   mta    a process named "master" (Postfix's) runs in the node's PID
 *          namespace.
 * A node powered off (its PID 1 gone) holds nothing but what its network
 * namespace still says (nothing: the harness flushes it).
 *
 * One line per sample is appended to OUT and flushed:
 *   MS ip=LIST arp=LIST spool=LIST mta=LIST
 * MS the wall clock in milliseconds (as the harness's h_now_ms), LIST the
 * nodes, comma-separated, or "-"; "?" in arp for a reply from a MAC that is
 * no node's. It stops when FLAG is removed, after MAX samples (default
 * 36000, one hour), or on SIGTERM/SIGINT. The ARP requests go only out of
 * the client's eth0, on the site's own bridge.
 *
 * Exit: 0 stopped as asked, 1 a failure (said on stderr), 64 usage.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

enum { EXIT_STOPPED = 0, EXIT_FAIL = 1, EXIT_USAGE = 64 };

#define MAX_NODES 8
#define MAX_MACS 8
#define ARP_WAIT_MS 40

/* what a node may hold, in the order of the output line */
enum what { W_IP, W_ARP, W_SPOOL, W_MTA, N_WHAT };
static const char *const what_name[N_WHAT] = { "ip", "arp", "spool", "mta" };

struct node {
	const char *name;
	char netns[PATH_MAX];
	const char *pidfile;
	unsigned char mac[MAX_MACS][ETH_ALEN];
	int n_mac;
	bool held[N_WHAT];	/* this sample */
	ino_t pidns;		/* the PID namespace of its PID 1, 0 when off */
};

struct observer {
	struct in_addr vip;
	const char *flag;
	const char *mountpoint;
	FILE *out;
	long interval_ms;
	long max;
	int self_ns;		/* the observer's own network namespace */
	int arp_fd;		/* AF_PACKET on the client's eth0 */
	int arp_ifindex;
	unsigned char client_mac[ETH_ALEN];
	struct in_addr client_ip;
	struct node node[MAX_NODES];
	int n_node;
	bool arp_other;		/* a reply from a MAC that is no node's */
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: site-observer -a VIP -c CLIENT-NETNS -f FLAG -o OUT "
		"[-i MS] [-n MAX] [-m MOUNTPOINT]\n"
		"       NODE=NETNS:INIT-PID-FILE...\n");
	exit(EXIT_USAGE);
}

static void __attribute__((noreturn))
fail(const char *what)
{
	fprintf(stderr, "site-observer: %s: %s\n", what, strerror(errno));
	exit(EXIT_FAIL);
}

static long
number(const char *s, long min, long max)
{
	uint64_t v;

	if (rv_parse_uint(s, (uint64_t)max, &v) < 0 || v < (uint64_t)min)
		usage();
	return (long)v;
}

static long long
now_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Enter the named network namespace; -1 when it is not there. */
static int
enter_netns(const char *name)
{
	char path[PATH_MAX];
	int fd, rc;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = setns(fd, CLONE_NEWNET);
	close(fd);
	return rc;
}

static void
leave_netns(const struct observer *o)
{
	if (setns(o->self_ns, CLONE_NEWNET) < 0)
		fail("setns back to the observer's own network namespace");
}

/* The ARP socket, made inside the client's namespace: it stays bound there. */
static void
arp_open(struct observer *o, const char *client_ns)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_ll sll = { 0 };
	int fd;

	if (enter_netns(client_ns) < 0)
		fail(client_ns);
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ARP));
	if (fd < 0)
		fail("socket(AF_PACKET)");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "eth0");
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
		fail("the client's eth0");
	o->arp_ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		fail("the client's MAC");
	memcpy(o->client_mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	ifr.ifr_addr.sa_family = AF_INET;
	if (ioctl(fd, SIOCGIFADDR, &ifr) < 0)
		fail("the client's IPv4 address");
	o->client_ip = ((struct sockaddr_in *)(void *)&ifr.ifr_addr)->sin_addr;
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = o->arp_ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		fail("bind on the client's eth0");
	o->arp_fd = fd;
	leave_netns(o);
}

/* What the node's network namespace holds: VIP or not, its MACs. */
static void
sample_netns(const struct observer *o, struct node *n)
{
	struct ifaddrs *ifa, *i;

	n->n_mac = 0;
	if (enter_netns(n->netns) < 0)
		return;
	if (getifaddrs(&ifa) == 0) {
		for (i = ifa; i != NULL; i = i->ifa_next) {
			if (i->ifa_addr == NULL)
				continue;
			if (i->ifa_addr->sa_family == AF_INET) {
				const struct sockaddr_in *sin = (const void *)i->ifa_addr;

				if (sin->sin_addr.s_addr == o->vip.s_addr)
					n->held[W_IP] = true;
			} else if (i->ifa_addr->sa_family == AF_PACKET && n->n_mac < MAX_MACS) {
				const struct sockaddr_ll *sll = (const void *)i->ifa_addr;

				if (sll->sll_halen == ETH_ALEN)
					memcpy(n->mac[n->n_mac++], sll->sll_addr, ETH_ALEN);
			}
		}
		freeifaddrs(ifa);
	}
	leave_netns(o);
}

/* The node's PID 1 as the harness recorded it, if it still is that process. */
static long
node_pid1(const struct node *n)
{
	char path[64], buf[1024], *p;
	unsigned long long start, now;
	long pid;
	FILE *f;
	int field;

	f = fopen(n->pidfile, "re");
	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld %llu", &pid, &start) != 2 || pid <= 0) {
		fclose(f);
		return -1;
	}
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), f) == NULL) {
		fclose(f);
		return -1;
	}
	fclose(f);
	p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	/* after "comm) ", the start time is the 20th field */
	for (field = 1, p += 2; field < 20 && p != NULL; field++) {
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	if (p == NULL || sscanf(p, "%llu", &now) != 1 || now != start)
		return -1;
	return pid;
}

static void
sample_pid1(const struct observer *o, struct node *n)
{
	char path[64], line[4096];
	struct stat st;
	long pid = node_pid1(n);
	FILE *f;

	n->pidns = 0;
	if (pid < 0)
		return;
	snprintf(path, sizeof(path), "/proc/%ld/ns/pid", pid);
	if (stat(path, &st) == 0)
		n->pidns = st.st_ino;
	snprintf(path, sizeof(path), "/proc/%ld/mountinfo", pid);
	f = fopen(path, "re");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char mp[PATH_MAX];

		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... (no spaces: escaped) */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 &&
		    strcmp(mp, o->mountpoint) == 0) {
			n->held[W_SPOOL] = true;
			break;
		}
	}
	fclose(f);
}

/* Postfix's master in a node's PID namespace: one pass over /proc. */
static void
sample_mta(struct observer *o)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (d == NULL)
		fail("/proc");
	while ((e = readdir(d)) != NULL) {
		char path[300], comm[32];
		struct stat st;
		FILE *f;
		int k;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		f = fopen(path, "re");
		if (f == NULL)
			continue;
		if (fgets(comm, sizeof(comm), f) == NULL)
			comm[0] = '\0';
		fclose(f);
		if (strcmp(comm, "master\n") != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/pid", e->d_name);
		if (stat(path, &st) < 0)
			continue;
		for (k = 0; k < o->n_node; k++)
			if (o->node[k].pidns != 0 && o->node[k].pidns == st.st_ino)
				o->node[k].held[W_MTA] = true;
	}
	closedir(d);
}

struct arp_packet {
	struct arphdr h;
	unsigned char sha[ETH_ALEN];
	unsigned char spa[4];
	unsigned char tha[ETH_ALEN];
	unsigned char tpa[4];
} __attribute__((packed));

static void
arp_mark(struct observer *o, const struct arp_packet *p)
{
	int k, m;

	for (k = 0; k < o->n_node; k++)
		for (m = 0; m < o->node[k].n_mac; m++)
			if (memcmp(o->node[k].mac[m], p->sha, ETH_ALEN) == 0) {
				o->node[k].held[W_ARP] = true;
				return;
			}
	o->arp_other = true;
}

/* One request for VIP from the client; the answers that come within
 * ARP_WAIT_MS. Only replies to the client's own request count (a
 * gratuitous ARP names VIP as its target, not the client). */
static void
sample_arp(struct observer *o)
{
	struct arp_packet req = { 0 }, rep;
	struct sockaddr_ll to = { 0 };
	long long deadline;

	while (recv(o->arp_fd, &rep, sizeof(rep), 0) > 0)
		;		/* what came after the last sample's wait */
	req.h.ar_hrd = htons(ARPHRD_ETHER);
	req.h.ar_pro = htons(ETH_P_IP);
	req.h.ar_hln = ETH_ALEN;
	req.h.ar_pln = 4;
	req.h.ar_op = htons(ARPOP_REQUEST);
	memcpy(req.sha, o->client_mac, ETH_ALEN);
	memcpy(req.spa, &o->client_ip, 4);
	memcpy(req.tpa, &o->vip, 4);
	to.sll_family = AF_PACKET;
	to.sll_protocol = htons(ETH_P_ARP);
	to.sll_ifindex = o->arp_ifindex;
	to.sll_halen = ETH_ALEN;
	memset(to.sll_addr, 0xff, ETH_ALEN);
	if (sendto(o->arp_fd, &req, sizeof(req), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return;		/* the client's port may be down: no answer */
	deadline = now_ms(CLOCK_MONOTONIC) + ARP_WAIT_MS;
	for (;;) {
		long long left = deadline - now_ms(CLOCK_MONOTONIC);
		struct pollfd pfd = { .fd = o->arp_fd, .events = POLLIN };
		ssize_t len;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		while ((len = recv(o->arp_fd, &rep, sizeof(rep), 0)) > 0) {
			if ((size_t)len < sizeof(rep) || ntohs(rep.h.ar_op) != ARPOP_REPLY ||
			    rep.h.ar_hln != ETH_ALEN || rep.h.ar_pln != 4 ||
			    memcmp(rep.spa, &o->vip, 4) != 0 ||
			    memcmp(rep.tpa, &o->client_ip, 4) != 0 ||
			    memcmp(rep.tha, o->client_mac, ETH_ALEN) != 0)
				continue;
			arp_mark(o, &rep);
		}
	}
}

static void
print_list(const struct observer *o, enum what w)
{
	bool any = false;
	int k;

	fprintf(o->out, " %s=", what_name[w]);
	for (k = 0; k < o->n_node; k++) {
		if (o->node[k].held[w]) {
			fprintf(o->out, "%s%s", any ? "," : "", o->node[k].name);
			any = true;
		}
	}
	if (w == W_ARP && o->arp_other) {
		fprintf(o->out, "%s?", any ? "," : "");
		any = true;
	}
	if (!any)
		fputc('-', o->out);
}

static void
sample(struct observer *o)
{
	long long t = now_ms(CLOCK_REALTIME);
	enum what w;
	int k;

	o->arp_other = false;
	for (k = 0; k < o->n_node; k++) {
		struct node *n = &o->node[k];

		memset(n->held, 0, sizeof(n->held));
		sample_netns(o, n);
		sample_pid1(o, n);
	}
	sample_mta(o);
	sample_arp(o);
	fprintf(o->out, "%lld", t);
	for (w = 0; w < N_WHAT; w++)
		print_list(o, w);
	fputc('\n', o->out);
	fflush(o->out);
}

static void
add_node(struct observer *o, char *arg)
{
	char *eq = strchr(arg, '='), *colon;
	struct node *n;

	if (o->n_node == MAX_NODES || eq == NULL || eq == arg)
		usage();
	colon = strchr(eq + 1, ':');
	if (colon == NULL || colon == eq + 1 || colon[1] == '\0' ||
	    (size_t)(colon - eq - 1) >= sizeof(n->netns))
		usage();
	n = &o->node[o->n_node++];
	*eq = '\0';
	n->name = arg;
	memcpy(n->netns, eq + 1, (size_t)(colon - eq - 1));
	n->pidfile = colon + 1;
}

int
main(int argc, char **argv)
{
	struct observer o = { .interval_ms = 100, .max = 36000,
			      .mountpoint = "/var/spool/relevo", .arp_fd = -1 };
	const char *client = NULL, *out = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	struct timespec next;
	long i;
	int opt;

	while ((opt = getopt(argc, argv, "a:c:f:o:i:n:m:")) != -1) {
		switch (opt) {
		case 'a':
			if (inet_pton(AF_INET, optarg, &o.vip) != 1)
				usage();
			break;
		case 'c': client = optarg; break;
		case 'f': o.flag = optarg; break;
		case 'o': out = optarg; break;
		case 'i': o.interval_ms = number(optarg, 10, 10000); break;
		case 'n': o.max = number(optarg, 1, 10000000); break;
		case 'm': o.mountpoint = optarg; break;
		default: usage();
		}
	}
	if (o.vip.s_addr == 0 || client == NULL || o.flag == NULL || out == NULL ||
	    optind == argc)
		usage();
	for (; optind < argc; optind++)
		add_node(&o, argv[optind]);
	o.out = fopen(out, "ae");
	if (o.out == NULL)
		fail(out);
	o.self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (o.self_ns < 0)
		fail("/proc/self/ns/net");
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	arp_open(&o, client);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (i = 0; i < o.max && !stop && access(o.flag, F_OK) == 0; i++) {
		sample(&o);
		next.tv_nsec += o.interval_ms * 1000000L;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		/* behind (a stalled machine): no burst to catch up */
		if (now_ms(CLOCK_MONOTONIC) > (long long)next.tv_sec * 1000 + next.tv_nsec / 1000000)
			clock_gettime(CLOCK_MONOTONIC, &next);
		else
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	fclose(o.out);
	close(o.arp_fd);
	close(o.self_ns);
	return EXIT_STOPPED;
}
