// SPDX-License-Identifier: GPL-2.0-only
/* See vmm_run.h. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "vmm_run.h"

static int ktap_count, ktap_failed;

void vmm_ktap_plan(int n)
{
	printf("TAP version 13\n1..%d\n", n);
	fflush(stdout);
}

void vmm_ktap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void vmm_ktap_result(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (!ok && fmt && *fmt) {
		printf("# %s: ", name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
	printf("%sok %d %s\n", ok ? "" : "not ", ++ktap_count, name);
	fflush(stdout);
	if (!ok)
		ktap_failed++;
}

int vmm_ktap_exit(void)
{
	printf("# Totals: pass:%d fail:%d\n", ktap_count - ktap_failed, ktap_failed);
	return ktap_failed ? 1 : 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int vmm_run_start(struct vmm_run *r, char *const argv[])
{
	const char *bin = getenv("HVX_BIN");
	int in[2], out[2];

	memset(r, 0, sizeof(*r));
	r->status = -1;
	r->pid = -1;
	r->in_fd = r->out_fd = -1;
	r->cap = 1 << 16;
	r->out = calloc(1, r->cap);
	if (!bin || !r->out || pipe(in) || pipe(out))
		return -1;
	r->pid = fork();
	if (r->pid < 0)
		return -1;
	if (r->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		close(in[1]);
		close(out[0]);
		execv(bin, argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	r->in_fd = in[1];
	r->out_fd = out[0];
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static void vmm_run_echo(struct vmm_run *r, bool flush)
{
	while (r->echo && r->printed < r->len) {
		char *nl = memchr(r->out + r->printed, '\n', r->len - r->printed);
		size_t end = nl ? (size_t)(nl - r->out) : r->len, i;

		if (!nl && !flush)
			break;
		printf("# | ");
		for (i = r->printed; i < end; i++)
			if (r->out[i] != '\r')
				putchar(r->out[i]);
		printf("\n");
		r->printed = nl ? end + 1 : end;
	}
	fflush(stdout);
}

/* Read what is there within @timeout_ms; false on EOF or timeout with nothing. */
static bool vmm_run_read(struct vmm_run *r, int timeout_ms)
{
	struct pollfd p = { .fd = r->out_fd, .events = POLLIN };
	ssize_t n;

	if (r->out_fd < 0 || poll(&p, 1, timeout_ms) <= 0)
		return false;
	if (r->len + 4096 + 1 > r->cap) {
		char *o = realloc(r->out, r->cap * 2);

		if (!o)
			return false;
		r->out = o;
		r->cap *= 2;
	}
	n = read(r->out_fd, r->out + r->len, 4096);
	if (n <= 0) {
		close(r->out_fd);
		r->out_fd = -1;
		return false;
	}
	r->len += n;
	r->out[r->len] = '\0';
	vmm_run_echo(r, false);
	return true;
}

bool vmm_run_wait_for(struct vmm_run *r, const char *text, int timeout_s)
{
	double end = now_s() + timeout_s;

	for (;;) {
		char *hit = strstr(r->out + r->seen, text);

		if (hit) {
			r->seen = hit - r->out + strlen(text);
			return true;
		}
		if (now_s() >= end || (r->out_fd < 0))
			return false;
		vmm_run_read(r, 200);
	}
}

int vmm_run_command(struct vmm_run *r, const char *cmd, int timeout_s, char **output)
{
	double end = now_s() + timeout_s;
	size_t start = r->seen;
	char line[512];
	int n;

	/* "@@E" then the status: the echoed command shows "@@E$?", never a digit. */
	n = snprintf(line, sizeof(line), "%s; echo @@E$?\n", cmd);
	if (n <= 0 || (size_t)n >= sizeof(line) || write(r->in_fd, line, n) != n)
		return -1;
	for (;;) {
		char *p = r->out + start;

		while ((p = strstr(p, "@@E"))) {
			if (p[3] >= '0' && p[3] <= '9') {
				int status = atoi(p + 3);

				if (output) {
					*output = strndup(r->out + start, p - (r->out + start));
				}
				r->seen = p - r->out + 3;
				return status;
			}
			p += 3;
		}
		if (now_s() >= end || r->out_fd < 0)
			return -1;
		vmm_run_read(r, 200);
	}
}

int vmm_run_wait_exit(struct vmm_run *r, int timeout_s)
{
	double end = now_s() + timeout_s;
	int status;

	while (r->status < 0) {
		pid_t p = waitpid(r->pid, &status, WNOHANG);

		if (p == r->pid) {
			r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			break;
		}
		if (now_s() >= end)
			return -1;
		if (!vmm_run_read(r, 100) && r->out_fd < 0)
			usleep(50 * 1000);
	}
	/* Whatever is left in the pipe. */
	while (vmm_run_read(r, 100))
		;
	vmm_run_echo(r, true);
	return r->status;
}

int vmm_run_once(struct vmm_run *r, char *const argv[], int timeout_s)
{
	int status;

	if (vmm_run_start(r, argv))
		return -1;
	close(r->in_fd);
	r->in_fd = -1;
	status = vmm_run_wait_exit(r, timeout_s);
	if (status < 0)
		vmm_run_kill(r);
	return status;
}

void vmm_run_kill(struct vmm_run *r)
{
	if (r->pid > 0 && r->status < 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
		r->status = 137;
	}
}

void vmm_run_free(struct vmm_run *r)
{
	vmm_run_kill(r);
	if (r->in_fd >= 0)
		close(r->in_fd);
	if (r->out_fd >= 0)
		close(r->out_fd);
	free(r->out);
	r->out = NULL;
}

int vmm_env_int(const char *name, int def)
{
	const char *v = getenv(name);

	return v && atoi(v) > 0 ? atoi(v) : def;
}

/*
 * Bochs: 7 to 30 minutes for one nested boot; make check runs
 * vmm_boot_test there in a stage of its own, vmmboot-vmx-6.12
 * (Documentation/testbed.md).
 */
bool vmm_boot_skipped(const char *test)
{
	const char *where = getenv("HVX_VMM_BOOT_SKIP");

	if (!where)
		return false;
	printf("TAP version 13\n1..0 # SKIP nested Linux boot not run in full %s testbed runs"
	       " (time; make check's vmmboot-vmx-6.12 and vmmboot-vmxshadow-6.12 stages run vmm_boot_test on Bochs);"
	       " run it by name: hvx_tests=%s\n", where, test);
	return true;
}
