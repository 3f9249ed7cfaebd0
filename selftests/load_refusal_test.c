// SPDX-License-Identifier: GPL-2.0-only
/*
 * Run on a CPU without VMX and SVM (the "nohv" testbed): loading hvx.ko
 * must fail with ENODEV and say why in the kernel log.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "hvx_test.h"

#define SYSLOG_ACTION_READ_ALL	3
#define REFUSAL_MESSAGE "hvx: this CPU has neither VMX (Intel VT-x) nor SVM (AMD-V)"

static void refused_without_vmx_or_svm(void)
{
	static char log[1 << 20];
	const char *ko = getenv("HVX_KO");
	struct stat st;
	int fd, n;

	if (!ko)
		SKIP("HVX_KO (path of hvx.ko) is not set");
	fd = CHECK_OK(open(ko, O_RDONLY | O_CLOEXEC));
	ASSERT_ERRNO(syscall(SYS_finit_module, fd, "", 0), ENODEV);
	ASSERT_ERRNO(stat(hvx_dev_path(), &st), ENOENT);
	n = CHECK_OK(klogctl(SYSLOG_ACTION_READ_ALL, log, sizeof(log) - 1));
	log[n] = '\0';
	ASSERT_TRUE(strstr(log, REFUSAL_MESSAGE), "the kernel log says why");
}

static const struct ktest tests[] = {
	KTEST(refused_without_vmx_or_svm),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
