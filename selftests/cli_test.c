// SPDX-License-Identifier: GPL-2.0-only
/* The hvx command line ($HVX_BIN): exit codes and what it prints. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "hvx_test.h"

struct result {
	int status;		/* exit code, or -1 if killed */
	char out[8192];		/* stdout and stderr together */
};

static void run_hvx(struct result *res, char *const args[])
{
	const char *bin = getenv("HVX_BIN");
	char *argv[8] = { (char *)bin };
	int pipefd[2], status, i;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (!bin)
		SKIP("HVX_BIN (path of the hvx program) is not set");
	for (i = 0; args[i] && i < 6; i++)
		argv[i + 1] = args[i];
	CHECK_OK(pipe(pipefd));
	pid = CHECK_OK(fork());
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		execv(bin, argv);
		_exit(127);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], res->out + len, sizeof(res->out) - 1 - len)) > 0)
		len += n;
	res->out[len] = '\0';
	close(pipefd[0]);
	CHECK_OK(waitpid(pid, &status, 0));
	res->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	ktap_print("hvx %s%s -> %d", args[0] ? args[0] : "", args[0] && args[1] ? " ..." : "",
		   res->status);
}

#define ASSERT_OUTPUT(res, text) \
	ASSERT_TRUE(strstr((res)->out, (text)), "output lacks '%s':\n%s", (text), (res)->out)

static void info_reports_backend(void)
{
	struct hvx_info info = hvx_info_get();
	struct result res;

	run_hvx(&res, (char *[]){ "info", NULL });
	ASSERT_EQ(res.status, 0);
	ASSERT_OUTPUT(&res, "KVM API version:  12");
	ASSERT_OUTPUT(&res, info.backend == HVX_BACKEND_SVM ? "backend:          svm" :
							      "backend:          vmx");
	ASSERT_OUTPUT(&res, "KVM_CAP_MAX_VCPUS");
}

static void info_bad_device(void)
{
	struct result res;

	run_hvx(&res, (char *[]){ "info", "--dev", "/nonexistent/hvx", NULL });
	ASSERT_EQ(res.status, 1);
	ASSERT_OUTPUT(&res, "/nonexistent/hvx");
	ASSERT_OUTPUT(&res, "No such file or directory");
}

static void info_not_a_vm_device(void)
{
	struct result res;

	run_hvx(&res, (char *[]){ "info", "--dev", "/dev/null", NULL });
	ASSERT_EQ(res.status, 1);
	ASSERT_OUTPUT(&res, "/dev/null");
}

static void help_and_usage(void)
{
	struct result res;

	run_hvx(&res, (char *[]){ "--help", NULL });
	ASSERT_EQ(res.status, 0);
	ASSERT_OUTPUT(&res, "Usage: hvx");
	ASSERT_OUTPUT(&res, "info");
	run_hvx(&res, (char *[]){ "info", "--help", NULL });
	ASSERT_EQ(res.status, 0);
	ASSERT_OUTPUT(&res, "--dev");
	run_hvx(&res, (char *[]){ "frobnicate", NULL });
	ASSERT_EQ(res.status, 2);
	ASSERT_OUTPUT(&res, "unknown command 'frobnicate'");
	run_hvx(&res, (char *[]){ "info", "--bogus", NULL });
	ASSERT_EQ(res.status, 2);
	run_hvx(&res, (char *[]){ NULL });
	ASSERT_EQ(res.status, 2);
}

static const struct ktest tests[] = {
	KTEST(info_reports_backend),
	KTEST(info_bad_device),
	KTEST(info_not_a_vm_device),
	KTEST(help_and_usage),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
