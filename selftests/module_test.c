// SPDX-License-Identifier: GPL-2.0-only
/*
 * Module refcounting: rmmod fails while any hvx fd or mapping is open, and
 * succeeds once all are gone (which also proves nothing leaked a module
 * reference). Reloads the module from $HVX_KO afterwards. Needs root.
 * Also hvx standing in for KVM (kvm_dev=1): /dev/kvm and KVM's module
 * parameters in sysfs, there while loaded that way and gone after.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
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

static int open_ko(void)
{
	const char *ko = getenv("HVX_KO");

	if (!ko)
		SKIP("HVX_KO (path of hvx.ko to reload) is not set");
	return CHECK_OK(open(ko, O_RDONLY | O_CLOEXEC));
}

/* The first line of a sysfs file, without its newline; "" if unreadable. */
static const char *read_param(const char *path)
{
	static char buf[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

#define KVM_PARAMS	"/sys/module/kvm/parameters/"
#define ASSERT_PARAM(path, want) do {					\
	const char *_got = read_param(path);				\
	if (strcmp(_got, want))						\
		FAIL("%s: \"%s\", expected \"%s\"", path, _got, want);	\
} while (0)

static void kvm_dev_stand_in(void)
{
	struct hvx_info info;
	const char *vendor;
	struct stat st;
	int fd, kvm;

	if (stat("/sys/module/kvm", &st) == 0)
		SKIP("kvm.ko is loaded: /dev/kvm and its parameters are KVM's");
	fd = open_ko();
	CHECK_OK(delete_hvx());
	CHECK_OK(syscall(SYS_finit_module, fd, "kvm_dev=1", 0));
	info = hvx_info_get();
	/* The node devtmpfs makes: misc major 10, KVM's minor 232. */
	CHECK_OK(stat("/dev/kvm", &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode) && major(st.st_rdev) == 10 && minor(st.st_rdev) == 232);
	kvm = CHECK_OK(open("/dev/kvm", O_RDWR | O_CLOEXEC));
	ASSERT_EQ(ioctl(kvm, KVM_GET_API_VERSION, 0), 12);
	ASSERT_EQ(ioctl(kvm, KVM_CHECK_EXTENSION, HVX_CAP_INFO), HVX_ABI_VERSION);
	/* hvx described in KVM's terms: what KVM's selftests read first. */
	ASSERT_PARAM((KVM_PARAMS "force_emulation_prefix"), "0");
	ASSERT_PARAM((KVM_PARAMS "enable_pmu"), "N");
	if (info.backend == HVX_BACKEND_SVM) {
		vendor = "/sys/module/kvm_amd/parameters/npt";
		ASSERT_PARAM((vendor), info.paging == HVX_PAGING_NPT ? "Y" : "N");
		ASSERT_ERRNO(stat("/sys/module/kvm_intel", &st), ENOENT);
	} else {
		vendor = "/sys/module/kvm_intel/parameters/ept";
		ASSERT_PARAM((vendor), info.paging == HVX_PAGING_EPT ? "Y" : "N");
		ASSERT_ERRNO(stat("/sys/module/kvm_amd", &st), ENOENT);
	}
	/* Read-only: they describe hvx, they do not configure it. */
	ASSERT_ERRNO(open(KVM_PARAMS "enable_pmu", O_WRONLY), EACCES);
	close(kvm);
	CHECK_OK(delete_hvx());
	ASSERT_ERRNO(stat("/dev/kvm", &st), ENOENT);
	ASSERT_ERRNO(stat("/sys/module/kvm", &st), ENOENT);
	CHECK_OK(syscall(SYS_finit_module, fd, "", 0));
	close(fd);
	ASSERT_EQ(ioctl(hvx_open(), KVM_GET_API_VERSION, 0), 12);
}

static const struct ktest tests[] = {
	KTEST(rmmod_busy_dev_fd),
	KTEST(rmmod_busy_vm_fd),
	KTEST(rmmod_busy_vcpu_fd),
	KTEST(rmmod_busy_mapping),
	KTEST(rmmod_then_reload),
	KTEST(kvm_dev_stand_in),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
