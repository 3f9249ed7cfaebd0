// SPDX-License-Identifier: GPL-2.0-only
/*
 * Module refcounting: rmmod fails while any hvx fd or mapping is open, and
 * succeeds once all are gone (which also proves nothing leaked a module
 * reference). Reloads the module from $HVX_KO afterwards. Needs root.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "hvx_test.h"

static long delete_hvx(void)
{
	return syscall(SYS_delete_module, "hvx", O_NONBLOCK);
}

static void expect_busy(const char *what)
{
	errno = 0;
	if (delete_hvx() == 0)
		FAIL("hvx was unloaded while %s was open", what);
	/* The kernel's answer for a module that still has users. */
	if (errno != EWOULDBLOCK)
		FAIL("delete_module with %s open: %s, expected EWOULDBLOCK",
		     what, strerror(errno));
}

static void rmmod_busy_dev_fd(void)
{
	hvx_open();
	expect_busy("/dev/hvx");
}

static void rmmod_busy_vm_fd(void)
{
	int dev = hvx_open();

	hvx_vm_create(dev);
	close(dev);
	expect_busy("a VM fd");
}

static void rmmod_busy_vcpu_fd(void)
{
	int dev = hvx_open(), vm = hvx_vm_create(dev);

	hvx_vcpu_create(vm, 0);
	close(vm);
	close(dev);
	expect_busy("a vCPU fd");
}

static void rmmod_busy_mapping(void)
{
	int dev = hvx_open(), vm = hvx_vm_create(dev), vcpu = hvx_vcpu_create(vm, 0);

	hvx_vcpu_map(vcpu);
	close(vcpu);
	close(vm);
	close(dev);
	expect_busy("a kvm_run mapping");
}

static void rmmod_then_reload(void)
{
	const char *ko = getenv("HVX_KO");
	struct stat st;
	int fd;

	if (!ko)
		SKIP("HVX_KO (path of hvx.ko to reload) is not set");
	fd = CHECK_OK(open(ko, O_RDONLY | O_CLOEXEC));
	CHECK_OK(delete_hvx());
	ASSERT_ERRNO(stat(hvx_dev_path(), &st), ENOENT);
	CHECK_OK(syscall(SYS_finit_module, fd, "", 0));
	close(fd);
	ASSERT_EQ(ioctl(hvx_open(), KVM_GET_API_VERSION, 0), 12);
	ASSERT_EQ(hvx_info_get().active_vms, 0);
}

static const struct ktest tests[] = {
	KTEST(rmmod_busy_dev_fd),
	KTEST(rmmod_busy_vm_fd),
	KTEST(rmmod_busy_vcpu_fd),
	KTEST(rmmod_busy_mapping),
	KTEST(rmmod_then_reload),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
