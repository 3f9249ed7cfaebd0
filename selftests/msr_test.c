// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_GET_MSR_INDEX_LIST, KVM_GET_MSRS and KVM_SET_MSRS (round trips, the
 * count of processed entries when one is unknown, too many entries), and
 * the guest's RDMSR/WRMSR of the same MSRs and of an unknown one (#GP).
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include "guest.h"
#include "guest_vm.h"

#define MSR_IA32_SYSENTER_CS	0x174
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_UCODE_SIGNATURE	0x8b	/* IA32_BIOS_SIGN_ID */
#define MSR_UNKNOWN		0xdeadbeef	/* in no architectural range */
#define MAX_IO_MSRS		256		/* KVM's limit per call */

struct msrs {
	struct kvm_msrs hdr;
	struct kvm_msr_entry e[8];
};

static void msr_index_list(void)
{
	int dev = hvx_open();
	struct kvm_msr_list probe = { .nmsrs = 0 }, *list;
	bool star = false, lstar = false;
	unsigned int i;

	ASSERT_ERRNO(ioctl(dev, KVM_GET_MSR_INDEX_LIST, &probe), E2BIG);
	ASSERT_TRUE(probe.nmsrs > 0, "the count comes back with E2BIG");
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(list->indices[0]));
	list->nmsrs = probe.nmsrs;
	CHECK_OK(ioctl(dev, KVM_GET_MSR_INDEX_LIST, list));
	ASSERT_EQ(list->nmsrs, probe.nmsrs);
	for (i = 0; i < list->nmsrs; i++) {
		star |= list->indices[i] == MSR_STAR;
		lstar |= list->indices[i] == MSR_LSTAR;
		ASSERT_TRUE(list->indices[i] != MSR_UNKNOWN);
	}
	ktap_print("%u MSRs in KVM_GET_MSR_INDEX_LIST", list->nmsrs);
	ASSERT_TRUE(star && lstar, "STAR and LSTAR are listed");
	ASSERT_ERRNO(ioctl(dev, KVM_GET_MSR_INDEX_LIST, (void *)8), EFAULT);
	/* A VM fd does not answer this system ioctl. */
	ASSERT_ERRNO(ioctl(hvx_vm_create(dev), KVM_GET_MSR_INDEX_LIST, list), ENOTTY);
}

static void guest_msrs(void)
{
	GUEST_SYNC(rdmsr(MSR_STAR), rdmsr(MSR_LSTAR), rdmsr(MSR_IA32_SYSENTER_CS));
	wrmsr(MSR_KERNEL_GS_BASE, 0xffff888812345000ULL);
	GUEST_DONE();
}

static void get_set_msrs(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_msrs);
	struct msrs m = { .hdr.nmsrs = 3 };
	struct ucall uc;

	m.e[0] = (struct kvm_msr_entry){ .index = MSR_STAR, .data = 0x0023001000000000ULL };
	m.e[1] = (struct kvm_msr_entry){ .index = MSR_LSTAR, .data = 0xffffffff81000000ULL };
	m.e[2] = (struct kvm_msr_entry){ .index = MSR_IA32_SYSENTER_CS, .data = 0x10 };
	ASSERT_EQ(CHECK_OK(ioctl(vcpu->fd, KVM_SET_MSRS, &m)), 3);
	m.e[0].data = m.e[1].data = m.e[2].data = 0;
	ASSERT_EQ(CHECK_OK(ioctl(vcpu->fd, KVM_GET_MSRS, &m)), 3);
	ASSERT_EQ(m.e[0].data, 0x0023001000000000ULL);
	ASSERT_EQ(m.e[1].data, 0xffffffff81000000ULL);
	ASSERT_EQ(m.e[2].data, 0x10);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 0x0023001000000000ULL);
	ASSERT_EQ(uc.args[1], 0xffffffff81000000ULL);
	ASSERT_EQ(uc.args[2], 0x10);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
	ASSERT_EQ(vcpu_get_msr(vcpu, MSR_KERNEL_GS_BASE), 0xffff888812345000ULL);
	/* Non-canonical LSTAR is refused (the count stops before it). */
	m.hdr.nmsrs = 1;
	m.e[0] = (struct kvm_msr_entry){ .index = MSR_LSTAR, .data = 0x8000000000000000ULL };
	ASSERT_EQ(CHECK_OK(ioctl(vcpu->fd, KVM_SET_MSRS, &m)), 0);
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_GET_MSRS, (void *)8), EFAULT);
}

static void msr_unknown(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_msrs);
	struct msrs m = { .hdr.nmsrs = 3 };
	struct kvm_msrs *big;

	/* Processing stops at the unknown MSR: the count says how far it got. */
	m.e[0] = (struct kvm_msr_entry){ .index = MSR_STAR, .data = 0x0023001000000000ULL };
	m.e[1] = (struct kvm_msr_entry){ .index = MSR_UNKNOWN, .data = 1 };
	m.e[2] = (struct kvm_msr_entry){ .index = MSR_LSTAR, .data = 0xffffffff81000000ULL };
	ASSERT_EQ(CHECK_OK(ioctl(vcpu->fd, KVM_SET_MSRS, &m)), 1);
	ASSERT_EQ(vcpu_get_msr(vcpu, MSR_LSTAR), 0);
	ASSERT_EQ(CHECK_OK(ioctl(vcpu->fd, KVM_GET_MSRS, &m)), 1);
	ASSERT_EQ(m.e[0].data, 0x0023001000000000ULL);
	m.e[0].index = MSR_UNKNOWN;
	ASSERT_EQ(CHECK_OK(ioctl(vcpu->fd, KVM_GET_MSRS, &m)), 0);
	/* More entries than one call takes. */
	big = calloc(1, sizeof(*big) + (MAX_IO_MSRS + 1) * sizeof(big->entries[0]));
	big->nmsrs = MAX_IO_MSRS + 1;
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_GET_MSRS, big), E2BIG);
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_MSRS, big), E2BIG);
	big->nmsrs = 0;
	ASSERT_EQ(CHECK_OK(ioctl(vcpu->fd, KVM_GET_MSRS, big)), 0);
}

static void guest_unknown_msr(void)
{
	uint64_t val;

	GUEST_ASSERT_EQ(rdmsr_safe(MSR_UNKNOWN, &val), GP_VECTOR);
	GUEST_ASSERT_EQ(guest_exception.error_code, 0);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_UNKNOWN, 0), GP_VECTOR);
	/* A known one still works through the same path. */
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_STAR, &val), GUEST_NO_EXCEPTION);
	/* A reserved EFER bit: #GP, EFER unchanged. */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_EFER, rdmsr(MSR_EFER) | (1ULL << 63)), GP_VECTOR);
	GUEST_ASSERT(rdmsr(MSR_EFER) & EFER_LMA);
	GUEST_DONE();
}

static void guest_rdmsr_unknown_gp(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_unknown_msr);

	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
}

/*
 * The microcode signature, read the way Linux's early_init_intel() does:
 * write 0 to IA32_BIOS_SIGN_ID (0x8b), CPUID(1), read it. The write must
 * not #GP (an "unchecked MSR access" splat in every Linux guest on VMX).
 */
static void guest_ucode_signature(void)
{
	uint32_t eax = 1, ebx, ecx = 0, edx;
	uint64_t val;

	GUEST_ASSERT_EQ(wrmsr_safe(MSR_UCODE_SIGNATURE, 0), GUEST_NO_EXCEPTION);
	asm volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
	/* The value is the hypervisor's choice (hvx: 1 << 32; KVM on AMD: 0). */
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_UCODE_SIGNATURE, &val), GUEST_NO_EXCEPTION);
	GUEST_DONE();
}

static void guest_ucode_signature_read(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_ucode_signature);

	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
}

static const struct ktest tests[] = {
	KTEST(msr_index_list),
	KTEST(get_set_msrs),
	KTEST(msr_unknown),
	KTEST(guest_rdmsr_unknown_gp),
	KTEST(guest_ucode_signature_read),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
