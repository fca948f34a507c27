// SPDX-License-Identifier: GPL-2.0
/*
 * collapse_bench: what a storm of page table retractions costs.
 *
 * P processes (separate mms) each map N PMD-sized ranges of their own
 * memfd, fault them in with small pages (one PTE table per range), and
 * then, all at once, collapse every range with MADV_COLLAPSE: each
 * successful collapse retracts one page table.  Around the storm the
 * parent reads
 *   - /proc/interrupts: the IPIs (rows named "IPI") taken by all CPUs,
 *     during the storm and during an idle interval of the same length
 *     before it, so the background rate can be subtracted;
 *   - the storm's wall time and the time spent inside MADV_COLLAPSE;
 *   - PageTables in /proc/meminfo (counters folded through
 *     /proc/sys/vm/stat_refresh): at the end of the storm, and every few
 *     milliseconds after it until it stops falling.  With deferred
 *     freeing, the difference is page-table memory that was waiting for a
 *     grace period; PageTables counts whole pages, so tables that share a
 *     page show up only once the page is free.
 * Results are printed as one "bench:" line of key=value pairs.
 *
 * Every wait is bounded (-t, 600 s by default, for the children to get
 * ready and to finish the storm).  A child that dies, by a signal above
 * all (a page table freed early shows up as a SIGSEGV or SIGBUS), or
 * that is late is a failure: the parent says so in "# collapse_bench:
 * FAIL:" lines, kills the other children, prints no "bench:" line and
 * exits with status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

#define MAX_PROCS 16
#define KILL_WAIT 10	/* s for SIGKILLed children to be reaped */
#define END_WAIT 60	/* s for the children to exit once measured */

struct shared {
	volatile int go;
	volatile int ready;
	volatile int finished;
	volatile long collapsed[MAX_PROCS];
	volatile long failed[MAX_PROCS];
	volatile double busy_s[MAX_PROCS];
};

static struct kid {
	pid_t pid;
	bool gone;		/* reaped */
	bool killed;		/* SIGKILLed by us, after a failure */
} kids[MAX_PROCS];
static int nr_kids, bad_kids;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reap the children that have ended, saying how; returns how many run. */
static int reap_kids(void)
{
	int status, i, running = 0;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < nr_kids; i++) {
			struct kid *k = &kids[i];

			if (k->pid != pid)
				continue;
			k->gone = true;
			if (WIFSIGNALED(status) && !(k->killed && WTERMSIG(status) == SIGKILL)) {
				const char *sig = sigabbrev_np(WTERMSIG(status));

				printf("# collapse_bench: FAIL: child %d (pid %d) killed by signal %d (SIG%s)\n",
				       i, pid, WTERMSIG(status), sig ? sig : "?");
				bad_kids++;
			} else if (WIFEXITED(status) && WEXITSTATUS(status)) {
				printf("# collapse_bench: FAIL: child %d (pid %d) exited with status %d\n",
				       i, pid, WEXITSTATUS(status));
				bad_kids++;
			}
		}
	}
	for (i = 0; i < nr_kids; i++)
		running += !kids[i].gone;
	return running;
}

/* Wait for the children to end, until the deadline; returns how many run. */
static int wait_kids(double deadline)
{
	int running;

	while ((running = reap_kids()) && now() < deadline)
		usleep(10000);
	return running;
}

/* Say why the run failed, kill the children left and reap them: exit 1. */
static int fail(const char *fmt, ...)
{
	char why[256];
	va_list ap;
	int i, left;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printf("# collapse_bench: FAIL: %s\n", why);
	for (i = 0; i < nr_kids; i++) {
		if (kids[i].gone)
			continue;
		kids[i].killed = true;
		kill(kids[i].pid, SIGKILL);
	}
	left = wait_kids(now() + KILL_WAIT);
	if (left)
		printf("# collapse_bench: %d children still there %d s after SIGKILL\n",
		       left, KILL_WAIT);
	return 1;
}

/*
 * Wait for *count to reach procs, while all children live and the
 * deadline is ahead; 0, or fail()'s 1.
 */
static int wait_count(volatile int *count, int procs, double deadline,
		      int step_us, const char *what)
{
	while (__atomic_load_n(count, __ATOMIC_SEQ_CST) < procs) {
		if (reap_kids() < procs)
			return fail("a child ended before all were %s", what);
		if (now() >= deadline)
			return fail("%d of %d children %s at the deadline (-t)",
				    __atomic_load_n(count, __ATOMIC_SEQ_CST), procs, what);
		usleep(step_us);
	}
	return 0;
}

static long read_long(const char *path)
{
	char buf[64];
	long v = -1;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fgets(buf, sizeof(buf), f))
			v = strtol(buf, NULL, 0);
		fclose(f);
	}
	return v;
}

/* Sum of every CPU's count on the rows of /proc/interrupts named IPI. */
static long long ipis(void)
{
	char line[4096], *tok, *save;
	long long sum = 0, row;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "IPI"))
			continue;
		row = 0;
		tok = strtok_r(line, " \t\n", &save);
		while ((tok = strtok_r(NULL, " \t\n", &save))) {
			char *end;
			long long v = strtoll(tok, &end, 10);

			if (*end)
				break;
			row += v;
		}
		sum += row;
	}
	fclose(f);
	return sum;
}

static long page_tables_kb(void)
{
	char line[256];
	long kb = -1;
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
	FILE *f;

	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			perror("stat_refresh");
		close(fd);
	}
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "PageTables: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void child(struct shared *sh, int id, int ranges, size_t pmd,
		  pid_t parent)
{
	size_t len = ranges * pmd, off;
	char *raw, *p;
	double t;
	int fd, i;

	/* Die with the parent, rather than wait for its "go" for ever. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(1);
	fd = memfd_create("collapse_bench", 0);
	if (fd < 0 || ftruncate(fd, len)) {
		perror("memfd");
		_exit(1);
	}
	/* PMD-aligned, so that every range can become one huge page. */
	raw = mmap(NULL, len + pmd, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED) {
		perror("mmap");
		_exit(1);
	}
	p = (char *)(((unsigned long)raw + pmd - 1) & ~(pmd - 1));
	if (mmap(p, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) {
		perror("mmap memfd");
		_exit(1);
	}
	for (off = 0; off < len; off += 4096)
		p[off] = (char)(off >> 12);
	__atomic_add_fetch(&sh->ready, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&sh->go, __ATOMIC_SEQ_CST))
		usleep(1000);
	t = now();
	for (i = 0; i < ranges; i++) {
		if (madvise(p + i * pmd, pmd, MADV_COLLAPSE))
			sh->failed[id]++;
		else
			sh->collapsed[id]++;
	}
	sh->busy_s[id] = now() - t;
	__atomic_add_fetch(&sh->finished, 1, __ATOMIC_SEQ_CST);
	/* Keep the mm, and its untouched tables, until the parent has measured. */
	while (__atomic_load_n(&sh->go, __ATOMIC_SEQ_CST) != 2)
		usleep(1000);
	_exit(0);
}

int main(int argc, char **argv)
{
	long pmd = read_long("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size");
	int procs = 2, budget_mb = 512, timeout = 600, ranges, i, c;
	long long ipi0, ipi1, ipi_idle, retracted = 0, failed = 0;
	long pt_end, pt, pt_settled, pt_start;
	double t0, storm, busy = 0, idle_s, settle_s, t_end, t_last, deadline;
	pid_t pid, self = getpid();
	struct shared *sh;

	while ((c = getopt(argc, argv, "p:m:t:")) != -1) {
		if (c == 'p') {
			procs = atoi(optarg);
		} else if (c == 'm') {
			budget_mb = atoi(optarg);
		} else if (c == 't') {
			timeout = atoi(optarg);
		} else {
			fprintf(stderr, "usage: %s [-p PROCS] [-m MB] [-t SECONDS]\n", argv[0]);
			return 1;
		}
	}
	if (pmd <= 0) {
		printf("# collapse_bench: no THP (hpage_pmd_size unreadable)\n");
		return 4;
	}
	if (procs < 1 || procs > MAX_PROCS)
		procs = 2;
	if (timeout < 1)
		timeout = 600;
	/* Memory per process: enough ranges to fill whole page-table pages. */
	ranges = (long)budget_mb * 1024 * 1024 / pmd;
	if (ranges < 1)
		ranges = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (ipis() < 0 || page_tables_kb() < 0) {
		printf("# collapse_bench: FAIL: cannot read /proc/interrupts or PageTables in /proc/meminfo\n");
		return 1;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		printf("# collapse_bench: FAIL: mmap of the shared page: %s\n", strerror(errno));
		return 1;
	}
	memset((void *)sh, 0, sizeof(*sh));
	printf("# collapse_bench: %d processes x %d ranges of %ld kB\n",
	       procs, ranges, pmd / 1024);

	deadline = now() + timeout;
	for (i = 0; i < procs; i++) {
		pid = fork();
		if (pid < 0)
			return fail("fork of child %d: %s", i, strerror(errno));
		if (pid == 0)
			child(sh, i, ranges, pmd, self);
		kids[nr_kids++].pid = pid;
	}
	if (wait_count(&sh->ready, procs, deadline, 10000, "ready"))
		return 1;
	pt_start = page_tables_kb();

	/* Background: IPIs over an idle second. */
	ipi0 = ipis();
	t0 = now();
	sleep(1);
	idle_s = now() - t0;
	ipi_idle = ipis() - ipi0;
	if (reap_kids() < procs)
		return fail("a child ended before the storm");

	ipi0 = ipis();
	t0 = now();
	__atomic_store_n(&sh->go, 1, __ATOMIC_SEQ_CST);
	if (wait_count(&sh->finished, procs, deadline, 200, "finished"))
		return 1;
	t_end = now();
	storm = t_end - t0;
	ipi1 = ipis();
	pt_end = page_tables_kb();

	/* Settled: PageTables unchanged for 1 s (or 30 s have passed). */
	pt_settled = pt_end;
	t_last = t_end;
	while (now() - t_last < 1.0 && now() - t_end < 30.0) {
		usleep(5000);
		if (reap_kids() < procs)
			return fail("a child ended before PageTables settled");
		pt = page_tables_kb();
		if (pt != pt_settled) {
			pt_settled = pt;
			t_last = now();
		}
	}
	settle_s = t_last - t_end;
	for (i = 0; i < procs; i++) {
		retracted += sh->collapsed[i];
		failed += sh->failed[i];
		busy += sh->busy_s[i];
	}
	__atomic_store_n(&sh->go, 2, __ATOMIC_SEQ_CST);
	if (wait_kids(now() + END_WAIT))
		return fail("children still running %d s after the end", END_WAIT);
	/* reap_kids() has said which, and how. */
	if (bad_kids)
		return fail("%d of %d children failed", bad_kids, procs);
	printf("bench: procs=%d ranges=%d pmd_kb=%ld retracted=%lld failed=%lld "
	       "storm_s=%.3f collapse_ms_per_table=%.3f ipis=%lld idle_ipis_per_s=%.1f "
	       "ipis_per_table=%.3f ipis_per_table_net=%.3f "
	       "pt_start_kb=%ld pt_storm_end_kb=%ld pt_settled_kb=%ld "
	       "pt_awaiting_gp_kb=%ld settle_ms=%.0f\n",
	       procs, ranges, pmd / 1024, retracted, failed, storm,
	       retracted ? busy * 1000 / retracted : 0.0, ipi1 - ipi0,
	       ipi_idle / idle_s,
	       retracted ? (double)(ipi1 - ipi0) / retracted : 0.0,
	       retracted ? ((ipi1 - ipi0) - ipi_idle / idle_s * storm) / retracted : 0.0,
	       pt_start, pt_end, pt_settled, pt_end - pt_settled, settle_s * 1000);
	return retracted ? 0 : 1;
}
