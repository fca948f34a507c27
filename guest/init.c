// SPDX-License-Identifier: GPL-2.0
/*
 * /init of the boot-test initramfs.  It mounts what the tests need, turns
 * the second virtio disk into swap (the khugepaged swap-in tests need
 * some), prints the THP settings, runs every test listed in /tests with a
 * timeout, reports each result in KTAP on the console, and powers off.
 *
 * A line of /tests is "NAME [TIMEOUT-SECONDS] PROGRAM [ARG...]"; without a
 * timeout a test gets DEFAULT_TIMEOUT.  Each test runs in its own session
 * (process group); at its deadline the group is SIGKILLed, the test is
 * reported as "not ok N NAME # TIMEOUT after Ns", and init goes on with the
 * next test, waiting at most KILL_WAIT seconds for the killed test to die
 * (a task stuck in uninterruptible sleep may never die).
 *
 * A test's stdout and stderr come through two pipes and are passed through
 * line by line as KTAP diagnostics ("# ..."), each pipe on its own lines; a
 * partial last line is ended at the end of its test.  Exit status 0 is a
 * pass and 4 (kselftest's skip) a skip; anything else fails.
 *
 * Run as any PID but 1 (to test the runner on a host), it only runs the
 * plan named by its first argument: nothing is mounted, no power-off.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>

#define MAX_TESTS	64
#define MAX_ARGS	16
#define KSFT_SKIP	4
#define DEFAULT_TIMEOUT	900	/* s, for a line of /tests that gives none */
#define KILL_WAIT	10	/* s a killed test gets to die and close its pipes */
#define LINE_LEN	960	/* longer output lines are cut in pieces */

struct test {
	char *name;
	int timeout;
	char *argv[MAX_ARGS + 1];
};

static struct test tests[MAX_TESTS];
static int nr_tests;
/* The last line a test printed: a skip's reason. */
static char last_line[256];

/*
 * One write() per line keeps our lines whole between kernel messages.
 * Every caller prints whole lines: a cut one keeps its newline.
 */
static void out(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	ssize_t w;
	int n, done;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(buf)) {
		n = sizeof(buf) - 1;
		buf[n - 1] = '\n';
	}
	for (done = 0; done < n; done += w) {
		w = write(STDOUT_FILENO, buf + done, n - done);
		if (w < 0 && errno == EINTR)
			w = 0;
		else if (w <= 0)
			return;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool do_mount(const char *src, const char *dir, const char *type,
		     const char *opts)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, 0, opts) == 0)
		return true;
	out("# setup: mount %s on %s (%s): %s\n", src, dir, type, strerror(errno));
	return false;
}

/*
 * Swap on a whole disk needs only a header: version 1, the last usable
 * page, and "SWAPSPACE2" at the end of the first page (see
 * include/linux/swap.h, union swap_header).
 */
static bool make_swap(const char *dev)
{
	long page = sysconf(_SC_PAGESIZE);
	char *hdr = calloc(1, page);
	uint32_t *info;
	off_t size;
	bool ok = false;
	int fd;

	fd = open(dev, O_RDWR);
	if (fd < 0 || !hdr) {
		out("# setup: open %s: %s\n", dev, strerror(errno));
		goto out;
	}
	size = lseek(fd, 0, SEEK_END);
	if (size < 16 * page) {
		out("# setup: %s is too small for swap\n", dev);
		goto out;
	}
	info = (uint32_t *)(hdr + 1024);
	info[0] = 1;
	info[1] = size / page - 1;
	memcpy(hdr + page - 10, "SWAPSPACE2", 10);
	if (pwrite(fd, hdr, page, 0) != page || fsync(fd)) {
		out("# setup: writing the swap header to %s: %s\n", dev, strerror(errno));
		goto out;
	}
	if (swapon(dev, 0)) {
		out("# setup: swapon %s: %s\n", dev, strerror(errno));
		goto out;
	}
	ok = true;
out:
	if (fd >= 0)
		close(fd);
	free(hdr);
	return ok;
}

/* Read a small file into buf, NUL-terminated; false if empty or missing. */
static bool read_small(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return true;
}

static void print_file(const char *prefix, const char *path)
{
	char buf[512];

	if (!read_small(path, buf, sizeof(buf)))
		return;
	buf[strcspn(buf, "\n")] = '\0';
	out("# %s%s: %s\n", prefix, path, buf);
}

static void print_dir(const char *prefix, const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d) {
		out("# %s%s: missing\n", prefix, dir);
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_type != DT_REG)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		print_file(prefix, path);
	}
	closedir(d);
}

static void print_meminfo(const char *what)
{
	char line[256];
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "PageTables:", 11) || !strncmp(line, "MemFree:", 8))
			out("# meminfo %s: %s", what, line);
	fclose(f);
}

/*
 * The collapse counters after each test, on one line: whether khugepaged
 * collapsed anything, and what got PMD-mapped, when a selftest says no.
 */
static void print_collapses(const char *name)
{
	static const char *const keys[] = {
		"thp_collapse_alloc ", "thp_collapse_alloc_failed ", "thp_file_alloc ",
		"thp_file_mapped ", "thp_fault_alloc ",
	};
	char line[256], all[1024] = "";
	FILE *f = fopen("/proc/vmstat", "r");
	size_t i, n = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (strncmp(line, keys[i], strlen(keys[i])))
				continue;
			line[strcspn(line, "\n")] = '\0';
			if (n < sizeof(all))
				n += snprintf(all + n, sizeof(all) - n, " %s", line);
		}
	}
	fclose(f);
	out("# vmstat after %s:%s\n", name, all);
}

static void read_plan(const char *path)
{
	static char buf[8192];
	char *line, *save, *tok, *s;
	int i;

	if (!read_small(path, buf, sizeof(buf)))
		return;
	for (line = strtok_r(buf, "\n", &save); line && nr_tests < MAX_TESTS;
	     line = strtok_r(NULL, "\n", &save)) {
		struct test *t = &tests[nr_tests];

		line += strspn(line, " \t");
		if (!*line || *line == '#')
			continue;
		t->name = strtok_r(line, " \t", &s);
		tok = strtok_r(NULL, " \t", &s);
		/* The timeout is optional: a number there, else the program. */
		t->timeout = DEFAULT_TIMEOUT;
		if (tok && !tok[strspn(tok, "0123456789")]) {
			t->timeout = atoi(tok);
			tok = strtok_r(NULL, " \t", &s);
		}
		for (i = 0; i < MAX_ARGS && tok; i++) {
			t->argv[i] = tok;
			tok = strtok_r(NULL, " \t", &s);
		}
		if (t->timeout > 0 && i > 0)
			nr_tests++;
		else
			out("# plan: bad line for %s\n", t->name);
	}
}

/* One of a test's output pipes (stdout or stderr), cut into lines. */
struct stream {
	int fd;			/* -1 once at its end */
	bool escape;		/* inside an escape sequence */
	size_t len;
	char line[LINE_LEN];
};

static void emit(struct stream *st)
{
	size_t keep = st->len < sizeof(last_line) ? st->len : sizeof(last_line) - 1;

	st->line[st->len] = '\0';
	out("# %s\n", st->line);
	if (st->len) {
		memcpy(last_line, st->line, keep);
		last_line[keep] = '\0';
	}
	st->len = 0;
}

/* Add output to the current line, without the colours some tests print. */
static void feed(struct stream *st, const char *buf, ssize_t n)
{
	ssize_t i;

	for (i = 0; i < n; i++) {
		char c = buf[i];

		if (c == '\033') {
			st->escape = true;
		} else if (st->escape) {
			/* A CSI sequence ends with a byte in 0x40..0x7e. */
			st->escape = !(c >= '@' && c <= '~' && c != '[');
		} else if (c == '\r' || c == '\n') {
			emit(st);
		} else {
			st->line[st->len++] = c;
			if (st->len == sizeof(st->line) - 1)
				emit(st);
		}
	}
}

/* End the partial lines: nothing may run into what is printed next. */
static void flush(struct stream *st, int n)
{
	for (int i = 0; i < n; i++) {
		if (st[i].len)
			emit(&st[i]);
		st[i].escape = false;
	}
}

/* Read what the pipe holds (poll said it is ready); close it at its end. */
static void drain(struct stream *st)
{
	char buf[4096];
	ssize_t n = read(st->fd, buf, sizeof(buf));

	if (n > 0) {
		feed(st, buf, n);
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		close(st->fd);
		st->fd = -1;
	}
}

/* Reap every child that has exited: the test's, and orphans (we are PID 1). */
static void reap(pid_t pid, int *status, bool *done)
{
	pid_t w;
	int st;

	while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
		if (w == pid) {
			*status = st;
			*done = true;
		}
	}
}

/* The state letter of a task ("D": uninterruptible sleep), or '?'. */
static char task_state(pid_t pid, pid_t *pgrp)
{
	char path[64], buf[512], state = '?', *p;
	int ppid, pg;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (!read_small(path, buf, sizeof(buf)))
		return '?';
	/* The command name in parentheses may hold spaces. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c %d %d", &state, &ppid, &pg) != 3)
		return '?';
	if (pgrp)
		*pgrp = pg;
	return state;
}

/*
 * Say where the processes of a test's group are (state, and the kernel
 * stack with stacks): at its deadline, or when some outlive the SIGKILL.
 * Returns how many there are.
 */
static int show_group(const char *name, pid_t pgid, const char *when,
		      bool stacks)
{
	char path[64], buf[2048], *line, *save;
	struct dirent *de;
	int shown = 0;
	pid_t pid, pg;
	DIR *d = opendir("/proc");
	char state;

	if (!d)
		return 0;
	while ((de = readdir(d)) && shown < 8) {
		pid = atoi(de->d_name);
		if (pid <= 0)
			continue;
		pg = 0;
		state = task_state(pid, &pg);
		if (pg != pgid)
			continue;
		shown++;
		out("# %s: pid %d state %c %s\n", name, pid, state, when);
		snprintf(path, sizeof(path), "/proc/%d/stack", pid);
		if (!stacks || !read_small(path, buf, sizeof(buf)))
			continue;
		for (line = strtok_r(buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			out("# %s: pid %d   %s\n", name, pid, line);
	}
	closedir(d);
	return shown;
}

static void run_test(int num, struct test *t)
{
	double start = now(), deadline = start + t->timeout, kill_time = 0;
	struct stream st[2] = { { .fd = -1 }, { .fd = -1 } };
	bool done = false, timed_out = false, killed = false;
	int outp[2], errp[2], status = 0, i, n, ms, len;
	struct pollfd p[2];
	int which[2];
	char cmd[512] = "";
	pid_t pid;

	if (pipe2(outp, O_CLOEXEC)) {
		out("not ok %d %s # pipe: %s\n", num, t->name, strerror(errno));
		return;
	}
	if (pipe2(errp, O_CLOEXEC)) {
		out("not ok %d %s # pipe: %s\n", num, t->name, strerror(errno));
		close(outp[0]);
		close(outp[1]);
		return;
	}
	len = 0;
	for (char **a = t->argv; *a && len < (int)sizeof(cmd); a++)
		len += snprintf(cmd + len, sizeof(cmd) - len, " %s", *a);
	out("# run: %s:%s\n", t->name, cmd);
	pid = fork();
	if (pid == 0) {
		/* A group of its own, for the kill at the deadline. */
		setsid();
		dup2(outp[1], STDOUT_FILENO);
		dup2(errp[1], STDERR_FILENO);
		if (chdir("/tmp"))
			_exit(126);
		execv(t->argv[0], t->argv);
		fprintf(stderr, "exec %s: %s\n", t->argv[0], strerror(errno));
		_exit(127);
	}
	close(outp[1]);
	close(errp[1]);
	if (pid < 0) {
		close(outp[0]);
		close(errp[0]);
		out("not ok %d %s # fork: %s\n", num, t->name, strerror(errno));
		return;
	}
	st[0].fd = outp[0];
	st[1].fd = errp[0];
	last_line[0] = '\0';
	for (;;) {
		double tnow, until;

		reap(pid, &status, &done);
		if (done && st[0].fd < 0 && st[1].fd < 0)
			break;
		tnow = now();
		if (!killed && !done && tnow >= deadline) {
			timed_out = true;
			flush(st, 2);
			show_group(t->name, pid, "at the deadline", true);
			/* The pid too, should it not have reached setsid(). */
			kill(pid, SIGKILL);
			kill(-pid, SIGKILL);
			killed = true;
			kill_time = tnow;
		} else if (!killed && done) {
			/* What the test left behind would hold the pipes open. */
			kill(-pid, SIGKILL);
			killed = true;
			kill_time = tnow;
		}
		if (killed && tnow >= kill_time + KILL_WAIT)
			break;
		n = 0;
		for (i = 0; i < 2; i++) {
			if (st[i].fd < 0)
				continue;
			p[n].fd = st[i].fd;
			p[n].events = POLLIN;
			p[n].revents = 0;
			which[n++] = i;
		}
		/* Short steps: the test's exit is not a pipe event. */
		until = killed ? kill_time + KILL_WAIT : deadline;
		ms = (int)((until - tnow) * 1000) + 1;
		if (ms > (n ? 100 : 10))
			ms = n ? 100 : 10;
		if (poll(p, n, ms) <= 0)
			continue;
		for (i = 0; i < n; i++)
			if (p[i].revents)
				drain(&st[which[i]]);
	}
	flush(st, 2);
	out("# %s: %.1f s\n", t->name, now() - start);
	if (!done || st[0].fd >= 0 || st[1].fd >= 0) {
		/* Something outlived the SIGKILL (stuck in the kernel?): go on. */
		snprintf(cmd, sizeof(cmd), "still there %d s after SIGKILL", KILL_WAIT);
		if (!show_group(t->name, pid, cmd, false))
			out("# %s: its output still open %d s after SIGKILL\n",
			    t->name, KILL_WAIT);
	}
	for (i = 0; i < 2; i++)
		if (st[i].fd >= 0)
			close(st[i].fd);
	if (timed_out && !done) {
		out("not ok %d %s # TIMEOUT after %ds, not dead %ds after SIGKILL (state %c)\n",
		    num, t->name, t->timeout, KILL_WAIT, task_state(pid, NULL));
	} else if (timed_out) {
		out("not ok %d %s # TIMEOUT after %ds\n", num, t->name, t->timeout);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		out("ok %d %s\n", num, t->name);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == KSFT_SKIP) {
		out("ok %d %s # SKIP %s\n", num, t->name, last_line);
	} else if (WIFEXITED(status)) {
		out("not ok %d %s # exit status %d\n", num, t->name, WEXITSTATUS(status));
	} else {
		const char *sig = sigabbrev_np(WTERMSIG(status));

		out("not ok %d %s # killed by signal %d (SIG%s)\n", num, t->name,
		    WTERMSIG(status), sig ? sig : "?");
	}
}

static void run_plan(const char *path, bool setup)
{
	int i;

	read_plan(path);
	out("KTAP version 1\n");
	out("1..%d\n", nr_tests + 1);
	print_file("", "/proc/cmdline");
	print_dir("thp: ", "/sys/kernel/mm/transparent_hugepage");
	print_dir("thp: ", "/sys/kernel/mm/transparent_hugepage/khugepaged");
	print_meminfo("at start");
	out("%s 1 setup\n", setup ? "ok" : "not ok");
	for (i = 0; i < nr_tests; i++) {
		run_test(i + 2, &tests[i]);
		print_collapses(tests[i].name);
	}
	print_meminfo("at end");
	print_dir("thp at end: ", "/sys/kernel/mm/transparent_hugepage/khugepaged");
}

int main(int argc, char **argv)
{
	bool setup = true;

	if (getpid() != 1) {
		/* Not the guest's init: leave the host's mounts and power alone. */
		run_plan(argc > 1 ? argv[1] : "tests", true);
		out("# init: done, not PID 1: no power-off\n");
		return 0;
	}
	setup &= do_mount("proc", "/proc", "proc", NULL);
	setup &= do_mount("sysfs", "/sys", "sysfs", NULL);
	setup &= do_mount("devtmpfs", "/dev", "devtmpfs", NULL);
	setup &= do_mount("tmpfs", "/tmp", "tmpfs", NULL);
	/* The file-backed collapse tests need a real file system. */
	setup &= do_mount("/dev/vda", "/mnt", "ext4", NULL);
	setup &= make_swap("/dev/vdb");

	run_plan("/tests", setup);

	sync();
	swapoff("/dev/vdb");
	if (umount("/mnt"))
		out("# umount /mnt: %s\n", strerror(errno));
	out("# init: done, powering off\n");
	reboot(RB_POWER_OFF);
	return 0;
}
