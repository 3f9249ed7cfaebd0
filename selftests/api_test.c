// SPDX-License-Identifier: GPL-2.0-only
/* System ioctls on /dev/hvx: versions, capabilities, sizes, bad input. */
#include <stdlib.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "hvx_test.h"

static void api_version(void)
{
	int fd = hvx_open();

	ASSERT_EQ(ioctl(fd, KVM_GET_API_VERSION, 0), 12);
	ASSERT_ERRNO(ioctl(fd, KVM_GET_API_VERSION, 1), EINVAL);
}

static void check_extension_table(void)
{
	int fd = hvx_open();
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	struct hvx_info info = hvx_info_get();

	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_NR_VCPUS), online < 1024 ? online : 1024);
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_MAX_VCPUS), 1024);
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_MAX_VCPUS), info.max_vcpus);
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_MAX_VCPU_ID), 4096);
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_CHECK_EXTENSION_VM), 1);
	ASSERT_EQ(hvx_check_cap(fd, HVX_CAP_INFO), HVX_ABI_VERSION);
	/* What both backends implement (Documentation/api.md). */
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_USER_MEMORY), 1);
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_READONLY_MEM), 1);
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_NR_MEMSLOTS), 32);
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_IMMEDIATE_EXIT), 1);
	/* The in-kernel irqchip and event injection (issue 6). */
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_IRQCHIP), 1);
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_USER_NMI), 1);
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_INTR_SHADOW), 1);
	/* KVM conformance (issue 17): MSRs, stats, sync regs. */
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_GET_MSR_FEATURES), 1);
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_MCE), 32);
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_X86_USER_SPACE_MSR), 1);
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_X86_MSR_FILTER), 1);
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_BINARY_STATS_FD), 1);
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_SYNC_REGS), KVM_SYNC_X86_VALID_FIELDS);
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_ENABLE_CAP), 1);
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_ENABLE_CAP_VM), 1);
	/* What Linux 6.12's KVM selftests need of every hypervisor. */
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_GET_TSC_KHZ), 1);
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_COALESCED_MMIO), 2);
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_COALESCED_PIO), 1);
	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_EXIT_ON_EMULATION_FAILURE), 1);
}

/* Only what works may be advertised: none of these exist in hvx yet. */
static void check_extension_unimplemented(void)
{
	static const long caps[] = {
		KVM_CAP_NOP_IO_DELAY, KVM_CAP_MULTI_ADDRESS_SPACE,
		KVM_CAP_X86_SMM, KVM_CAP_NESTED_STATE,
		-1, 0x7fffffff, HVX_CAP_INFO + 1, HVX_CAP_BASE - 1,
	};
	int fd = hvx_open();
	unsigned int i;

	for (i = 0; i < KTEST_COUNT(caps); i++)
		if (hvx_check_cap(fd, caps[i]) != 0)
			FAIL("capability %ld is advertised but not implemented", caps[i]);
}

static void vcpu_mmap_size(void)
{
	int fd = hvx_open();

	ASSERT_EQ(ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0), 3 * getpagesize());
	ASSERT_ERRNO(ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 1), EINVAL);
}

static void create_vm_bad_type(void)
{
	static const unsigned long types[] = { 1, 2, 0xffffffffUL, ~0UL, 1UL << 32 };
	int fd = hvx_open();
	unsigned int before = hvx_info_get().active_vms;
	unsigned int i;

	for (i = 0; i < KTEST_COUNT(types); i++)
		ASSERT_ERRNO(ioctl(fd, KVM_CREATE_VM, types[i]), EINVAL);
	ASSERT_EQ(hvx_info_get().active_vms, before);
	ASSERT_EQ(hvx_info_get().enabled_cpus, 0);
}

static void get_info_bad_pointer(void)
{
	int fd = hvx_open();
	void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_TRUE(ro != MAP_FAILED);
	ASSERT_ERRNO(ioctl(fd, HVX_GET_INFO, NULL), EFAULT);
	ASSERT_ERRNO(ioctl(fd, HVX_GET_INFO, (void *)1), EFAULT);
	ASSERT_ERRNO(ioctl(fd, HVX_GET_INFO, ro), EFAULT);
	ASSERT_ERRNO(ioctl(fd, HVX_GET_INFO, (void *)0xffff800000000000UL), EFAULT);
}

/* KVM_X86_XCOMP_GUEST_SUPP: the XCR0 bits a guest may set, x87 and SSE at least. */
static void sys_device_attr(void)
{
	int fd = hvx_open();
	uint64_t xcr0 = 0;
	struct kvm_device_attr attr = { .attr = KVM_X86_XCOMP_GUEST_SUPP,
					.addr = (uint64_t)(unsigned long)&xcr0 };

	ASSERT_EQ(hvx_check_cap(fd, KVM_CAP_SYS_ATTRIBUTES), 1);
	CHECK_OK(ioctl(fd, KVM_HAS_DEVICE_ATTR, &attr));
	CHECK_OK(ioctl(fd, KVM_GET_DEVICE_ATTR, &attr));
	ASSERT_EQ(xcr0 & 3, 3);
	ASSERT_EQ(xcr0 & ~7ULL, 0);	/* x87, SSE, AVX: what hvx switches */
	attr.addr = 8;
	ASSERT_ERRNO(ioctl(fd, KVM_GET_DEVICE_ATTR, &attr), EFAULT);
	attr.attr = 1;
	ASSERT_ERRNO(ioctl(fd, KVM_HAS_DEVICE_ATTR, &attr), ENXIO);
	attr.attr = KVM_X86_XCOMP_GUEST_SUPP;
	attr.group = 1;
	ASSERT_ERRNO(ioctl(fd, KVM_GET_DEVICE_ATTR, &attr), ENXIO);
}

static void unknown_ioctls(void)
{
	static const unsigned long cmds[] = {
		KVM_CREATE_VCPU, KVM_RUN, KVM_SET_USER_MEMORY_REGION, KVM_GET_REGS, _IO(KVMIO, 0xff), _IO(HVXIO, 0x01),
		_IOR(HVXIO, 0x00, int), _IOR(HVXIO, 0x7f, struct hvx_info), 0, ~0U,
	};
	int fd = hvx_open();
	unsigned int i;

	for (i = 0; i < KTEST_COUNT(cmds); i++)
		ASSERT_ERRNO(ioctl(fd, cmds[i], 0), ENOTTY);
}

/* Random command numbers with random arguments: errors, never a crash. */
static void random_ioctls(void)
{
	static const unsigned int known[] = {
		KVM_GET_API_VERSION, KVM_CREATE_VM, KVM_CHECK_EXTENSION,
		KVM_GET_VCPU_MMAP_SIZE, HVX_GET_INFO,
	};
	int fd = hvx_open();
	unsigned int i, j, tried = 0;

	srandom(1234);
	for (i = 0; i < 20000; i++) {
		unsigned int cmd = (unsigned int)random() ^ ((unsigned int)random() << 16);
		unsigned long arg = ((unsigned long)random() << 32) | random();
		int is_known = 0;

		if (i & 1)	/* half of them in KVM's and hvx's own types */
			cmd = (cmd & ~0xff00U) | ((i & 2 ? KVMIO : HVXIO) << 8);
		for (j = 0; j < KTEST_COUNT(known); j++)
			is_known |= (cmd == known[j]);
		if (is_known)
			continue;
		tried++;
		ASSERT_ERRNO(ioctl(fd, cmd, arg), ENOTTY);
	}
	ktap_print("%u random ioctls rejected with ENOTTY", tried);
}

static void dev_read_write_mmap(void)
{
	int fd = hvx_open();
	char buf[8];

	ASSERT_ERRNO(read(fd, buf, sizeof(buf)), EINVAL);
	ASSERT_ERRNO(write(fd, buf, sizeof(buf)), EINVAL);
	ASSERT_TRUE(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
	ASSERT_EQ(errno, ENODEV);
}

static const struct ktest tests[] = {
	KTEST(api_version),
	KTEST(check_extension_table),
	KTEST(check_extension_unimplemented),
	KTEST(vcpu_mmap_size),
	KTEST(create_vm_bad_type),
	KTEST(get_info_bad_pointer),
	KTEST(sys_device_attr),
	KTEST(unknown_ioctls),
	KTEST(random_ioctls),
	KTEST(dev_read_write_mmap),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
