/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Driving `hvx run` from a test: start it with its console on pipes, wait
 * for text on the console, type commands, collect the exit status. Also a
 * minimal KTAP writer for tests whose cases share one running VM (the
 * ktap.h harness runs each case in its own process, which cannot wait for
 * a VM another case started).
 */
#ifndef HVX_VMM_RUN_H
#define HVX_VMM_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct vmm_run {
	pid_t pid;
	int in_fd;			/* the guest's console input */
	int out_fd;			/* hvx's stdout and stderr */
	char *out;			/* everything read so far, NUL-terminated */
	size_t len, cap;
	size_t seen;			/* what wait_for has consumed */
	size_t printed;			/* what has been echoed as "# " lines */
	bool echo;			/* echo the console as KTAP diagnostics */
	int status;			/* exit status once reaped, -1 before */
};

/* argv[0] is ignored ($HVX_BIN is used); NULL-terminated. */
int vmm_run_start(struct vmm_run *r, char *const argv[]);
/* Wait up to @timeout_s for @text after what was consumed; true if seen. */
bool vmm_run_wait_for(struct vmm_run *r, const char *text, int timeout_s);
/* Type @cmd; wait for "@@E<status>"; returns the status or -1 on timeout. */
int vmm_run_command(struct vmm_run *r, const char *cmd, int timeout_s, char **output);
/* Wait for hvx to end (reading its output); its exit status, -1 on timeout. */
int vmm_run_wait_exit(struct vmm_run *r, int timeout_s);
/* Start, wait for the end (no input), collect the status and output. */
int vmm_run_once(struct vmm_run *r, char *const argv[], int timeout_s);
void vmm_run_kill(struct vmm_run *r);
void vmm_run_free(struct vmm_run *r);

/* A positive integer from the environment, else @def (the tests' time limits). */
int vmm_env_int(const char *name, int def);
/*
 * True (after printing the program's KTAP skip line) when run-suite.sh set
 * HVX_VMM_BOOT_SKIP: a full run of a testbed with no time for a nested
 * Linux boot. @test names the program, for the line's how-to.
 */
bool vmm_boot_skipped(const char *test);

/* KTAP for a fixed number of cases. */
void vmm_ktap_plan(int n);
void vmm_ktap_result(bool ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vmm_ktap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vmm_ktap_exit(void);		/* KSFT_PASS or KSFT_FAIL */

#endif /* HVX_VMM_RUN_H */
