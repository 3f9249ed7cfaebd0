// SPDX-License-Identifier: GPL-2.0-only
/* KTAP harness: one child process per test, a timeout, totals at the end. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ktap.h"

/* Shared with the test child so it can hand back a skip reason. */
struct ktap_shared {
	char skip_reason[256];
};
static struct ktap_shared *ktap_shared;

void ktap_print(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

void ktap_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("# FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	_exit(KSFT_FAIL);
}

void ktap_fail_cond(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	printf("# FAIL %s:%d: %s", file, line, cond);
	if (*fmt) {
		fputs(": ", stdout);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	putchar('\n');
	fflush(stdout);
	_exit(KSFT_FAIL);
}

void ktap_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ktap_shared->skip_reason, sizeof(ktap_shared->skip_reason), fmt, ap);
	va_end(ap);
	fflush(stdout);
	_exit(KSFT_SKIP);
}

static unsigned int ktap_timeout(void)
{
	const char *env = getenv("HVX_TEST_CASE_TIMEOUT");
	int s = env ? atoi(env) : 0;

	return s > 0 ? s : KTEST_TIMEOUT_S;
}

static int ktap_run_one(const struct ktest *t)
{
	int status;
	pid_t pid;

	ktap_shared->skip_reason[0] = '\0';
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("# fork: %s\n", strerror(errno));
		return KSFT_FAIL;
	}
	if (pid == 0) {
		alarm(ktap_timeout());
		t->fn();
		fflush(stdout);
		_exit(KSFT_PASS);
	}
	if (waitpid(pid, &status, 0) < 0) {
		printf("# waitpid: %s\n", strerror(errno));
		return KSFT_FAIL;
	}
	if (WIFSIGNALED(status)) {
		printf("# %s: killed by signal %d (%s)%s\n", t->name, WTERMSIG(status),
		       strsignal(WTERMSIG(status)),
		       WTERMSIG(status) == SIGALRM ? ": timed out" : "");
		return KSFT_FAIL;
	}
	return WEXITSTATUS(status);
}

int ktap_main(const struct ktest *tests, unsigned int n)
{
	unsigned int i, pass = 0, fail = 0, skip = 0;

	ktap_shared = mmap(NULL, sizeof(*ktap_shared), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ktap_shared == MAP_FAILED) {
		perror("mmap");
		return KSFT_FAIL;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%u\n", n);
	for (i = 0; i < n; i++) {
		int r = ktap_run_one(&tests[i]);

		if (r == KSFT_PASS) {
			printf("ok %u %s\n", i + 1, tests[i].name);
			pass++;
		} else if (r == KSFT_SKIP) {
			printf("ok %u %s # SKIP %s\n", i + 1, tests[i].name,
			       ktap_shared->skip_reason);
			skip++;
		} else {
			printf("not ok %u %s\n", i + 1, tests[i].name);
			fail++;
		}
	}
	printf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n",
	       pass, fail, skip);
	if (fail)
		return KSFT_FAIL;
	return (skip == n) ? KSFT_SKIP : KSFT_PASS;
}
