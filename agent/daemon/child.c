/*
 * child.c — children of relevod, spawned and watched from the qb_loop.
 *
 * A child's exit is noticed through a pidfd, its output through non-blocking
 * pipes, its deadline and kill grace through loop timers; this file must
 * never block the loop: no sleep(), no blocking read or write, no wait
 * without WNOHANG (but in spawn_undo, for a child the loop refused to
 * watch). Where pidfd_open() is missing (kernels before 5.3, valgrind before
 * 3.20) the zombie is looked for on a short timer instead.
 * It logs nothing: the result goes to the caller, who knows what the child
 * was for.
 *
 * The only global is the counter of children not yet reaped, read by
 * rv_child_count(). The loop must outlive the children it watches.
 *
 * Life of a child:
 *
 *   spawn ──> RUNNING ──exit (pidfd)──> reaped, pipes drained ──> done(), free
 *               │  ^                      │
 *       timeout │  │ exit after TERM:     └─ a pipe a grandchild still holds
 *               v  │ SIGKILL to group,       open (IPaddr2's send_arp) is
 *           SIGTERM to group                 kept open, unread, for
 *               │                            CHILD_LINGER_MS so its writer
 *        grace  └──> SIGKILL to group        gets no SIGPIPE, then closed
 *
 * rv_child_cancel() at any point: SIGKILL to the group, pipes closed, done
 * forgotten; the struct lingers, invisible to the caller, only until the
 * zombie is reaped from the loop.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <qb/qbdefs.h>
#include <qb/qbloop.h>

#include "child.h"
#include "util.h"

#define CHILD_INPUT_MAX (64 * 1024)  /* stdin must fit in one pipe buffer */
#define CHILD_KILL_GRACE_MS 2000     /* default SIGTERM -> SIGKILL delay */
#define CHILD_LINGER_MS 30000        /* a grandchild's pipe kept open, unread */
#define CHILD_READ_BUDGET (256 * 1024) /* bytes read per dispatch, then yield */
#define CHILD_REAP_POLL_MS 20        /* without a pidfd: how often to look */

struct child_stream {
	int fd;       /* read end, non-blocking; -1 once closed */
	char *buf;    /* NUL-terminated once allocated; NULL: nothing yet */
	size_t len;
	size_t size;
};

struct rv_child {
	qb_loop_t *loop;
	rv_child_done_fn done;        /* NULL once cancelled */
	void *data;
	pid_t pid;
	int pidfd;                    /* -1 once reaped, or when there is none */
	int execfd;                   /* read end of the exec errno pipe */
	struct child_stream out;
	struct child_stream err;
	size_t dropped;
	uint64_t start_ms;
	uint64_t duration_ms;
	uint64_t kill_grace_ms;
	qb_loop_timer_handle timeout_timer; /* 0: not armed */
	qb_loop_timer_handle kill_timer;
	qb_loop_timer_handle reap_timer;  /* only without a pidfd */
	int timed_out;
	int reaped;
	int in_done;                  /* done() running: cancel is refused */
	siginfo_t info;               /* from waitid() */
	int exec_errno;               /* 0: the exec succeeded */
};

static unsigned running_children;

static void
timer_stop(qb_loop_t *loop, qb_loop_timer_handle *th)
{
	if (*th != 0) {
		(void)qb_loop_timer_del(loop, *th);
		*th = 0;
	}
}

static int
timer_start(struct rv_child *c, uint64_t ms, qb_loop_timer_dispatch_fn fn,
	    qb_loop_timer_handle *th)
{
	uint64_t ns;

	/* libqb adds the duration to the clock: keep clear of the wrap */
	ns = ms > INT64_MAX / QB_TIME_NS_IN_MSEC ? INT64_MAX : ms * QB_TIME_NS_IN_MSEC;
	return qb_loop_timer_add(c->loop, QB_LOOP_MED, ns, c, fn, th);
}

/* Signal the child's process group, or the child alone if it has not made
 * its group yet. Never after the reap: the pid may belong to someone else. */
static void
child_kill(struct rv_child *c, int signo)
{
	if (c->reaped)
		return;
	if (kill(-c->pid, signo) < 0)
		(void)kill(c->pid, signo);
}

static void
stream_close(struct rv_child *c, struct child_stream *s)
{
	if (s->fd < 0)
		return;
	(void)qb_loop_poll_del(c->loop, s->fd);
	close(s->fd);
	s->fd = -1;
}

static void
stream_append(struct rv_child *c, struct child_stream *s, const char *p, size_t n)
{
	size_t room = RV_CHILD_OUTPUT_MAX - s->len;
	size_t keep = n < room ? n : room;
	size_t want;

	c->dropped += n - keep;
	if (keep == 0)
		return;
	if (s->len + keep + 1 > s->size) {
		want = s->size == 0 ? 4096 : s->size * 2;
		while (want < s->len + keep + 1)
			want *= 2;
		if (want > RV_CHILD_OUTPUT_MAX + 1)
			want = RV_CHILD_OUTPUT_MAX + 1;
		s->buf = realloc(s->buf, want);
		if (s->buf == NULL)
			abort();
		s->size = want;
	}
	memcpy(s->buf + s->len, p, keep);
	s->len += keep;
	s->buf[s->len] = '\0';
}

/* Read what the pipe holds. Returns 1 at EOF (or a read error: the stream is
 * as finished as it will get), 0 when the pipe is merely empty for now. A
 * child writing without pause cannot hold the loop: after CHILD_READ_BUDGET
 * bytes the loop gets back control and calls again (level-triggered). */
static int
stream_drain(struct rv_child *c, struct child_stream *s)
{
	char tmp[16384];
	size_t total = 0;
	ssize_t n;

	while (total < CHILD_READ_BUDGET) {
		n = read(s->fd, tmp, sizeof(tmp));
		if (n > 0) {
			stream_append(c, s, tmp, (size_t)n);
			total += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return 1;
	}
	return 0;
}

static void
child_free(struct rv_child *c)
{
	timer_stop(c->loop, &c->timeout_timer);
	timer_stop(c->loop, &c->kill_timer);
	timer_stop(c->loop, &c->reap_timer);
	stream_close(c, &c->out);
	stream_close(c, &c->err);
	if (c->pidfd >= 0) {
		(void)qb_loop_poll_del(c->loop, c->pidfd);
		close(c->pidfd);
		c->pidfd = -1;
	}
	if (c->execfd >= 0) {
		close(c->execfd);
		c->execfd = -1;
	}
	free(c->out.buf);
	c->out.buf = NULL;
	free(c->err.buf);
	c->err.buf = NULL;
	free(c);
}

/* Call done once the child is reaped and both pipes are closed, then free. */
static void
child_finish_if_complete(struct rv_child *c)
{
	struct rv_child_result res;

	if (!c->reaped || c->out.fd >= 0 || c->err.fd >= 0)
		return;
	memset(&res, 0, sizeof(res));
	res.pid = c->pid;
	res.duration_ms = c->duration_ms;
	if (c->exec_errno != 0) {
		res.status = RV_CHILD_EXEC_FAILED;
		res.exit_code = c->exec_errno;
	} else if (c->timed_out) {
		res.status = RV_CHILD_TIMEOUT;
		res.exit_code = -1;
	} else if (c->info.si_code == CLD_EXITED) {
		res.status = RV_CHILD_EXITED;
		res.exit_code = c->info.si_status;
	} else if (c->info.si_code == CLD_KILLED || c->info.si_code == CLD_DUMPED) {
		res.status = RV_CHILD_SIGNALED;
		res.exit_code = -1;
		res.signo = c->info.si_status;
	} else {
		/* the zombie was taken from us (SIGCHLD ignored?): nothing is
		 * known of how it ended */
		res.status = RV_CHILD_EXITED;
		res.exit_code = -1;
	}
	res.out = c->out.buf != NULL ? c->out.buf : "";
	res.out_len = c->out.len;
	res.err = c->err.buf != NULL ? c->err.buf : "";
	res.err_len = c->err.len;
	res.dropped = c->dropped;
	if (c->done != NULL) {
		c->in_done = 1;
		c->done(c->data, &res);
	}
	child_free(c);
}

/* The lingering descriptor travels in the timer's data pointer: nothing is
 * allocated that a loop destroyed before the timer fires would lose. */
static void
linger_expired(void *data)
{
	close((int)(intptr_t)data);
}

/* After the exit: read what the pipe holds; at EOF close it, else keep it
 * open (out of the loop, unread) for a while for whoever still writes. */
static void
stream_linger(struct rv_child *c, struct child_stream *s)
{
	qb_loop_timer_handle th;
	void *fd;

	if (s->fd < 0)
		return;
	if (stream_drain(c, s)) {
		stream_close(c, s);
		return;
	}
	(void)qb_loop_poll_del(c->loop, s->fd);
	fd = (void *)(intptr_t)s->fd;
	s->fd = -1;
	if (qb_loop_timer_add(c->loop, QB_LOOP_LOW, CHILD_LINGER_MS * QB_TIME_NS_IN_MSEC, fd,
			      linger_expired, &th) != 0)
		linger_expired(fd);
}

/* waitid() without waiting. Returns 1 when the child has exited and fills
 * *info; ECHILD (reaped behind our back, SIGCHLD ignored) counts as exited
 * with nothing known. */
static int
child_waitid(struct rv_child *c, siginfo_t *info, int flags)
{
	memset(info, 0, sizeof(*info));
	while (waitid(P_PID, (id_t)c->pid, info, WEXITED | WNOHANG | flags) < 0) {
		if (errno == EINTR)
			continue;
		memset(info, 0, sizeof(*info));
		info->si_pid = c->pid;
		break;
	}
	return info->si_pid != 0;
}

/* Reap the child if it has exited. Returns 1 when reaped. */
static int
child_reap(struct rv_child *c)
{
	siginfo_t info;
	int e = 0;
	ssize_t n;

	if (!child_waitid(c, &info, WNOWAIT))
		return 0;
	if (c->timed_out) {
		/* the action is over: whatever is left of the group goes,
		 * while the zombie still holds the group's id */
		child_kill(c, SIGKILL);
	}
	(void)child_waitid(c, &info, 0);
	c->info = info;
	c->reaped = 1;
	c->duration_ms = rv_now_ms() - c->start_ms;
	running_children--;
	timer_stop(c->loop, &c->timeout_timer);
	timer_stop(c->loop, &c->kill_timer);
	timer_stop(c->loop, &c->reap_timer);
	if (c->pidfd >= 0) {
		(void)qb_loop_poll_del(c->loop, c->pidfd);
		close(c->pidfd);
		c->pidfd = -1;
	}
	/* every write end is gone with the child: this read cannot wait */
	do {
		n = read(c->execfd, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(e) && e != 0)
		c->exec_errno = e;
	close(c->execfd);
	c->execfd = -1;
	return 1;
}

/* The child may have exited: reap it and go on. Returns 1 when it was
 * reaped, and then c may be freed already. */
static int
child_exit_check(struct rv_child *c)
{
	if (!child_reap(c))
		return 0;
	if (c->done == NULL) {
		/* cancelled: this was the last thing to wait for */
		child_free(c);
		return 1;
	}
	/* everything the child wrote is in the pipes now: take it and report
	 * at once, whoever else still holds them */
	stream_linger(c, &c->out);
	stream_linger(c, &c->err);
	child_finish_if_complete(c);
	return 1;
}

static int
child_pidfd_ready(int32_t fd, int32_t revents, void *data)
{
	(void)child_exit_check(data);
	return 0;
}

static void
child_reap_poll(void *data)
{
	struct rv_child *c = data;

	c->reap_timer = 0;
	if (child_exit_check(c))
		return;
	/* an unwatched child would be a leak and a hang: rather die */
	if (timer_start(c, CHILD_REAP_POLL_MS, child_reap_poll, &c->reap_timer) != 0)
		abort();
}

/* Watch the child's exit: its pidfd on the loop, or failing that a timer. */
static int
child_watch(struct rv_child *c)
{
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	if (c->pidfd >= 0) {
		if (qb_loop_poll_add(c->loop, QB_LOOP_MED, c->pidfd, POLLIN, c,
				     child_pidfd_ready) == 0)
			return 0;
		close(c->pidfd);
		c->pidfd = -1;
	}
	return timer_start(c, CHILD_REAP_POLL_MS, child_reap_poll, &c->reap_timer);
}

static int
child_output_ready(int32_t fd, int32_t revents, void *data)
{
	struct rv_child *c = data;
	struct child_stream *s = fd == c->out.fd ? &c->out : &c->err;

	if (stream_drain(c, s)) {
		stream_close(c, s);
		child_finish_if_complete(c);
	}
	return 0;
}

static void
child_kill_expired(void *data)
{
	struct rv_child *c = data;

	c->kill_timer = 0;
	child_kill(c, SIGKILL);
}

static void
child_timeout_expired(void *data)
{
	struct rv_child *c = data;

	c->timeout_timer = 0;
	c->timed_out = 1;
	child_kill(c, SIGTERM);
	if (timer_start(c, c->kill_grace_ms, child_kill_expired, &c->kill_timer) != 0)
		child_kill(c, SIGKILL);
}

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static void __attribute__((noreturn))
child_exec(const struct rv_child_spec *spec, int in_fd, int out_fd, int err_fd,
	   int exec_fd, long max_fd)
{
	struct sigaction sa;
	sigset_t none;
	int src[3] = { in_fd, out_fd, err_fd };
	int i, e;

	(void)setpgid(0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (i = 1; i < NSIG; i++)
		(void)sigaction(i, &sa, NULL); /* fails harmlessly for KILL, STOP */
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);

	/* move everything above 2 first, so that no dup2() below can land
	 * on a descriptor still to be copied (the daemon may run with 0-2
	 * closed, and then the pipes are there) */
	exec_fd = fcntl(exec_fd, F_DUPFD_CLOEXEC, 3);
	for (i = 0; i < 3; i++) {
		src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 3);
		if (src[i] < 0 || exec_fd < 0)
			goto fail;
	}
	for (i = 0; i < 3; i++)
		if (dup2(src[i], i) < 0)
			goto fail;
	/* nothing but 0-2 and the exec errno pipe (close-on-exec) survives */
	if (exec_fd > 3)
		(void)close_range(3, (unsigned)exec_fd - 1, 0);
	if (close_range((unsigned)exec_fd + 1, ~0U, 0) < 0) {
		for (i = exec_fd + 1; i < max_fd; i++)
			(void)close(i);
	}
	execve(spec->path, spec->argv, spec->envp);
fail:
	e = errno != 0 ? errno : EINVAL;
	if (exec_fd >= 0) {
		(void)!write(exec_fd, &e, sizeof(e));
		close(exec_fd);
	}
	_exit(127);
}

/* The child exists but cannot be watched (the loop refused even a timer):
 * kill it and wait for it here. It is a fresh fork (or a fresh exec) of
 * ours, so SIGKILL ends it at once; this is the one wait of the module that
 * blocks, on a path that should never run. */
static void
spawn_undo(pid_t pid)
{
	(void)kill(-pid, SIGKILL);
	(void)kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Put the input in the stdin pipe before the fork: the parent holds the read
 * end then, so the write can neither block nor raise SIGPIPE. */
static int
input_pipe(const struct rv_child_spec *spec, int fds[2])
{
	size_t off = 0;
	ssize_t n;
	int cap, rc = 0;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	if (fcntl(fds[1], F_SETFL, O_NONBLOCK) < 0) {
		rc = -errno;
		goto done;
	}
	cap = fcntl(fds[1], F_GETPIPE_SZ);
	if (cap >= 0 && (size_t)cap < spec->input_len &&
	    fcntl(fds[1], F_SETPIPE_SZ, (int)spec->input_len) < 0) {
		rc = -errno;
		goto done;
	}
	while (off < spec->input_len) {
		n = write(fds[1], spec->input + off, spec->input_len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = errno == EAGAIN ? -E2BIG : -errno;
			goto done;
		}
		off += (size_t)n;
	}
done:
	close(fds[1]);
	fds[1] = -1;
	if (rc != 0) {
		close(fds[0]);
		fds[0] = -1;
	}
	return rc;
}

static int
output_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0) {
		int e = errno;

		close(fds[0]);
		close(fds[1]);
		fds[0] = fds[1] = -1;
		return -e;
	}
	return 0;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

int
rv_child_spawn(qb_loop_t *loop, const struct rv_child_spec *spec,
	       rv_child_done_fn done, void *data, struct rv_child **childp)
{
	struct rv_child *c = NULL;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int ex[2] = { -1, -1 };
	sigset_t all, saved;
	long max_fd;
	pid_t pid;
	int rc;

	if (childp != NULL)
		*childp = NULL;
	if (loop == NULL || spec == NULL || done == NULL || spec->path == NULL ||
	    spec->argv == NULL || spec->argv[0] == NULL || spec->envp == NULL ||
	    (spec->input == NULL && spec->input_len != 0))
		return -EINVAL;
	if (spec->input_len > CHILD_INPUT_MAX)
		return -E2BIG;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		abort();
	c->loop = loop;
	c->done = done;
	c->data = data;
	c->pidfd = -1;
	c->execfd = -1;
	c->out.fd = -1;
	c->err.fd = -1;
	c->kill_grace_ms = spec->kill_grace_ms != 0 ? spec->kill_grace_ms : CHILD_KILL_GRACE_MS;

	if (spec->input != NULL)
		rc = input_pipe(spec, in);
	else if ((in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		rc = -errno;
	else
		rc = 0;
	if (rc != 0)
		goto done;
	if ((rc = output_pipe(out)) != 0 || (rc = output_pipe(err)) != 0)
		goto done;
	if (pipe2(ex, O_CLOEXEC) < 0 || fcntl(ex[0], F_SETFL, O_NONBLOCK) < 0) {
		rc = -errno;
		goto done;
	}
	/* registered before the fork, so that after it only the watch of the
	 * exit can fail; nothing is dispatched before we return to the loop */
	c->out.fd = out[0];
	out[0] = -1;
	c->err.fd = err[0];
	err[0] = -1;
	if ((rc = qb_loop_poll_add(loop, QB_LOOP_MED, c->out.fd, POLLIN, c,
				   child_output_ready)) != 0) {
		close_fd(&c->out.fd);
		goto done;
	}
	if ((rc = qb_loop_poll_add(loop, QB_LOOP_MED, c->err.fd, POLLIN, c,
				   child_output_ready)) != 0) {
		close_fd(&c->err.fd);
		goto done;
	}
	if (spec->timeout_ms != 0 &&
	    (rc = timer_start(c, spec->timeout_ms, child_timeout_expired,
			      &c->timeout_timer)) != 0)
		goto done;

	max_fd = sysconf(_SC_OPEN_MAX);
	if (max_fd < 0 || max_fd > 65536)
		max_fd = 65536;
	/* no signal handler of ours may run in the child before it resets
	 * them all */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &saved);
	c->start_ms = rv_now_ms();
	pid = fork();
	if (pid == 0)
		child_exec(spec, in[0], out[1], err[1], ex[1], max_fd);
	rc = pid < 0 ? -errno : 0;
	sigprocmask(SIG_SETMASK, &saved, NULL);
	if (rc != 0)
		goto done;

	/* the child does the same; whichever runs first makes the group, so
	 * that a timeout right now still reaches it (EACCES once it has
	 * exec'd: it has made the group itself then) */
	(void)setpgid(pid, pid);
	c->pid = pid;
	if ((rc = child_watch(c)) != 0) {
		spawn_undo(pid);
		goto done;
	}
	c->execfd = ex[0];
	ex[0] = -1;
	running_children++;
	if (childp != NULL)
		*childp = c;
	c = NULL;
done:
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&err[0]);
	close_fd(&err[1]);
	close_fd(&ex[0]);
	close_fd(&ex[1]);
	if (c != NULL)
		child_free(c);
	return rc;
}

void
rv_child_cancel(struct rv_child *c)
{
	if (c == NULL || c->in_done)
		return;
	c->done = NULL;
	child_kill(c, SIGKILL);
	timer_stop(c->loop, &c->timeout_timer);
	timer_stop(c->loop, &c->kill_timer);
	stream_close(c, &c->out);
	stream_close(c, &c->err);
	/* SIGKILL is not instant (a child in uninterruptible sleep may take
	 * long): if the zombie is not there yet, the loop reaps it later and
	 * child_exit_check() frees what is left */
	if (c->reaped || child_reap(c))
		child_free(c);
}

unsigned
rv_child_count(void)
{
	return running_children;
}
