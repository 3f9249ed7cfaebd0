// SPDX-License-Identifier: GPL-2.0-only
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "hvx_test.h"

const char *hvx_dev_path(void)
{
	const char *p = getenv("HVX_DEV");

	return p && *p ? p : HVX_DEVICE_PATH;
}

int hvx_open(void)
{
	int fd = open(hvx_dev_path(), O_RDWR | O_CLOEXEC);

	if (fd < 0)
		FAIL("open %s: %s", hvx_dev_path(), strerror(errno));
	return fd;
}

int hvx_vm_create(int devfd)
{
	return CHECK_OK(ioctl(devfd, KVM_CREATE_VM, 0));
}

int hvx_vcpu_create(int vmfd, unsigned long id)
{
	int fd = ioctl(vmfd, KVM_CREATE_VCPU, id);

	if (fd < 0)
		FAIL("KVM_CREATE_VCPU %lu: %s", id, strerror(errno));
	return fd;
}

size_t hvx_vcpu_mmap_size(void)
{
	int fd = hvx_open();
	long size = CHECK_OK(ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0));

	close(fd);
	return size;
}

struct kvm_run *hvx_vcpu_map(int vcpufd)
{
	void *p = mmap(NULL, hvx_vcpu_mmap_size(), PROT_READ | PROT_WRITE,
		       MAP_SHARED, vcpufd, 0);

	if (p == MAP_FAILED)
		FAIL("mmap vcpu: %s", strerror(errno));
	return p;
}

struct hvx_info hvx_info_get(void)
{
	struct hvx_info info;
	int fd = hvx_open();

	memset(&info, 0xa5, sizeof(info));	/* so a field the kernel skips shows */
	CHECK_OK(ioctl(fd, HVX_GET_INFO, &info));
	close(fd);
	return info;
}

long hvx_check_cap(int fd, long cap)
{
	return CHECK_OK(ioctl(fd, KVM_CHECK_EXTENSION, cap));
}

int fd_cloexec(int fd)
{
	int flags = CHECK_OK(fcntl(fd, F_GETFD));

	return !!(flags & FD_CLOEXEC);
}

int fd_is_anon_inode(int fd, const char *name)
{
	char path[64], target[128], want[128];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		FAIL("readlink %s: %s", path, strerror(errno));
	target[n] = '\0';
	snprintf(want, sizeof(want), "anon_inode:%s", name);
	if (strcmp(target, want))
		ktap_print("%s is '%s', expected '%s'", path, target, want);
	return !strcmp(target, want);
}
