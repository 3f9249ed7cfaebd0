// SPDX-License-Identifier: GPL-2.0-only
/* KVM_CREATE_VM, VM fds, and VMX/SVM being on exactly while a VM exists. */
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "hvx_test.h"

static void create_vm_fd(void)
{
	int dev = hvx_open();
	unsigned int before = hvx_info_get().active_vms;
	int vm = hvx_vm_create(dev);

	ASSERT_TRUE(fd_cloexec(vm), "VM fds are close-on-exec, as KVM's");
	ASSERT_TRUE(fd_is_anon_inode(vm, "hvx-vm"));
	ASSERT_EQ(hvx_info_get().active_vms, before + 1);
	close(vm);
	ASSERT_EQ(hvx_info_get().active_vms, before);
}

static void virt_on_while_vm_exists(void)
{
	int dev = hvx_open();
	struct hvx_info info = hvx_info_get();
	int vm1, vm2;

	ASSERT_EQ(info.active_vms, 0);
	ASSERT_EQ(info.enabled_cpus, 0);
	vm1 = hvx_vm_create(dev);
	info = hvx_info_get();
	ASSERT_EQ(info.enabled_cpus, info.online_cpus);
	vm2 = hvx_vm_create(dev);
	close(vm1);
	info = hvx_info_get();
	ASSERT_EQ(info.enabled_cpus, info.online_cpus);
	close(vm2);
	ASSERT_EQ(hvx_info_get().enabled_cpus, 0);
}

static void many_vms(void)
{
	enum { N = 48 };
	int dev = hvx_open(), vms[N], i;

	for (i = 0; i < N; i++)
		vms[i] = hvx_vm_create(dev);
	ASSERT_EQ(hvx_info_get().active_vms, N);
	for (i = 0; i < N; i += 2)
		close(vms[i]);
	ASSERT_EQ(hvx_info_get().active_vms, N / 2);
	for (i = 1; i < N; i += 2)
		close(vms[i]);
	ASSERT_EQ(hvx_info_get().active_vms, 0);
	ASSERT_EQ(hvx_info_get().enabled_cpus, 0);
}

static void vm_check_extension(void)
{
	int dev = hvx_open(), vm = hvx_vm_create(dev);

	ASSERT_EQ(hvx_check_cap(vm, KVM_CAP_MAX_VCPUS), hvx_check_cap(dev, KVM_CAP_MAX_VCPUS));
	ASSERT_EQ(hvx_check_cap(vm, KVM_CAP_NR_VCPUS), hvx_check_cap(dev, KVM_CAP_NR_VCPUS));
	ASSERT_EQ(hvx_check_cap(vm, HVX_CAP_INFO), HVX_ABI_VERSION);
	ASSERT_EQ(hvx_check_cap(vm, KVM_CAP_USER_MEMORY), 1);
	ASSERT_EQ(hvx_check_cap(vm, KVM_CAP_IRQCHIP), 1);
}

static void vm_unknown_ioctls(void)
{
	static const unsigned long cmds[] = {
		KVM_GET_API_VERSION, KVM_CREATE_VM, KVM_GET_VCPU_MMAP_SIZE,
		HVX_GET_INFO, KVM_RUN, KVM_GET_REGS,
		_IO(KVMIO, 0xff), 0,
	};
	int dev = hvx_open(), vm = hvx_vm_create(dev);
	unsigned int i;

	for (i = 0; i < KTEST_COUNT(cmds); i++)
		ASSERT_ERRNO(ioctl(vm, cmds[i], 0), ENOTTY);
}

/* A VM belongs to its creator's address space; a child gets -EIO. */
static void vm_other_process(void)
{
	int dev = hvx_open(), vm = hvx_vm_create(dev), status;
	pid_t pid = fork();

	if (pid == 0) {
		ASSERT_ERRNO(ioctl(vm, KVM_CREATE_VCPU, 0), EIO);
		ASSERT_ERRNO(ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS), EIO);
		_exit(0);
	}
	ASSERT_TRUE(waitpid(pid, &status, 0) == pid);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child checks failed");
	/* The parent still owns it. */
	close(hvx_vcpu_create(vm, 0));
}

static void vm_outlives_dev_fd(void)
{
	int dev = hvx_open(), vm = hvx_vm_create(dev);

	close(dev);
	ASSERT_EQ(hvx_check_cap(vm, KVM_CAP_MAX_VCPUS), 1024);
	close(hvx_vcpu_create(vm, 1));
	close(vm);
	ASSERT_EQ(hvx_info_get().active_vms, 0);
}

/* KVM_SET_IDENTITY_MAP_ADDR: KVM's rules (QEMU calls it at start-up). */
static void identity_map_addr(void)
{
	int vm = hvx_vm_create(hvx_open());
	uint64_t addr = 0xfeffc000;

	ASSERT_EQ(hvx_check_cap(vm, KVM_CAP_SET_IDENTITY_MAP_ADDR), 1);
	CHECK_OK(ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &addr));
	ASSERT_ERRNO(ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, (void *)8), EFAULT);
	hvx_vcpu_create(vm, 0);
	/* Once a vCPU exists, EINVAL before the pointer is even read. */
	ASSERT_ERRNO(ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &addr), EINVAL);
	ASSERT_ERRNO(ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, (void *)8), EINVAL);
	close(vm);
}

static const struct ktest tests[] = {
	KTEST(create_vm_fd),
	KTEST(virt_on_while_vm_exists),
	KTEST(many_vms),
	KTEST(vm_check_extension),
	KTEST(vm_unknown_ioctls),
	KTEST(vm_other_process),
	KTEST(vm_outlives_dev_fd),
	KTEST(identity_map_addr),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
