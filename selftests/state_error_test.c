// SPDX-License-Identifier: GPL-2.0-only
/*
 * hvx's HVX_GET_STATE_ERROR: bad guest state from the VMM is refused by
 * KVM_SET_SREGS with EINVAL and a named rule; state that only the entry
 * itself can refuse ends KVM_RUN with KVM_EXIT_FAIL_ENTRY, and the same
 * ioctl names the field and the rule. hvx-only: KVM has no such ioctl.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include "hvx_test.h"
#include "guest_vm.h"

#define CR0_PE		(1ULL << 0)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define CR4_PCIDE	(1ULL << 17)

static int vcpu_fd(int *vm_out)
{
	int dev = hvx_open();
	int vm = hvx_vm_create(dev);
	int vcpu = hvx_vcpu_create(vm, 0);

	if (!dev_is_hvx())
		SKIP("HVX_GET_STATE_ERROR is hvx's own");
	if (vm_out)
		*vm_out = vm;
	return vcpu;
}

static struct hvx_state_error state_error(int vcpu)
{
	struct hvx_state_error e;

	memset(&e, 0xa5, sizeof(e));
	CHECK_OK(ioctl(vcpu, HVX_GET_STATE_ERROR, &e));
	ASSERT_TRUE(memchr(e.field, 0, sizeof(e.field)) != NULL);
	ASSERT_TRUE(memchr(e.rule, 0, sizeof(e.rule)) != NULL);
	return e;
}

static void none_before_any_error(void)
{
	int vcpu = vcpu_fd(NULL);
	struct hvx_state_error e = state_error(vcpu);

	ASSERT_EQ(e.source, HVX_STATE_ERR_NONE);
	ASSERT_ERRNO(ioctl(vcpu, HVX_GET_STATE_ERROR, NULL), EFAULT);
}

/* Each bad state names the field; the vCPU's state is left unchanged. */
static void set_sregs_names_the_rule(void)
{
	static const struct {
		const char *field;
		unsigned long long cr0_set, cr4_set, efer;
	} cases[] = {
		{ "efer", CR0_PE, 0, EFER_LMA },		/* LMA without paging */
		{ "cr0", CR0_PG, 0, 0 },			/* PG without PE */
		{ "cr4", CR0_PE | CR0_PG, 0, EFER_LME | EFER_LMA },	/* long mode without PAE */
		{ "efer", CR0_PE, 0, 1ULL << 12 },		/* SVME: hidden from guests */
	};
	int vcpu = vcpu_fd(NULL);
	struct kvm_sregs good, bad, now;
	unsigned int i;

	CHECK_OK(ioctl(vcpu, KVM_GET_SREGS, &good));
	for (i = 0; i < KTEST_COUNT(cases); i++) {
		struct hvx_state_error e;

		bad = good;
		bad.cr0 |= cases[i].cr0_set;
		bad.cr4 |= cases[i].cr4_set;
		bad.efer = cases[i].efer;
		ASSERT_ERRNO(ioctl(vcpu, KVM_SET_SREGS, &bad), EINVAL);
		e = state_error(vcpu);
		ktap_print("case %u: %s: %s", i, e.field, e.rule);
		ASSERT_EQ(e.source, HVX_STATE_ERR_SET_SREGS);
		if (strcmp(e.field, cases[i].field))
			FAIL("case %u: field '%s', expected '%s'", i, e.field, cases[i].field);
		ASSERT_TRUE(e.rule[0] != 0);
		CHECK_OK(ioctl(vcpu, KVM_GET_SREGS, &now));
		ASSERT_EQ(now.cr0, good.cr0);
		ASSERT_EQ(now.efer, good.efer);
	}
}

/*
 * KVM_SET_MSRS may set EFER.LME on a vCPU that already pages in 32-bit
 * mode (the VMM's writes are not the guest's WRMSR), which leaves state
 * only the entry checks: long mode active without CR4.PAE. VMRUN refuses
 * it (APM vol. 2 15.5.1): KVM_EXIT_FAIL_ENTRY, with the rule named.
 */
static void fail_entry_names_the_rule(void)
{
	int vm, vcpu = vcpu_fd(&vm);
	struct kvm_run *run = hvx_vcpu_map(vcpu);
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} msrs = { .hdr.nmsrs = 1, .e = { .index = MSR_EFER, .data = EFER_LME } };
	struct kvm_sregs sregs;
	struct hvx_state_error e;

	CHECK_OK(ioctl(vcpu, KVM_GET_SREGS, &sregs));
	sregs.cr0 = CR0_PE | CR0_PG;	/* 32-bit paging */
	sregs.cr3 = 0x1000;
	sregs.cs.db = 1;
	CHECK_OK(ioctl(vcpu, KVM_SET_SREGS, &sregs));
	ASSERT_EQ(ioctl(vcpu, KVM_SET_MSRS, &msrs), 1);

	ASSERT_EQ(ioctl(vcpu, KVM_RUN, 0), 0);
	ktap_print("exit_reason %u, hardware_entry_failure_reason %#llx",
		   run->exit_reason,
		   (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
	ASSERT_EQ(run->exit_reason, KVM_EXIT_FAIL_ENTRY);
	e = state_error(vcpu);
	ktap_print("%s: %s", e.field, e.rule);
	ASSERT_EQ(e.source, HVX_STATE_ERR_FAIL_ENTRY);
	ASSERT_EQ(e.hardware_reason, run->fail_entry.hardware_entry_failure_reason);
	ASSERT_TRUE(strcmp(e.field, "cr4") == 0);

	/* The VMM can repair it and run on: here by turning paging off. */
	sregs.cr0 = CR0_PE;
	CHECK_OK(ioctl(vcpu, KVM_SET_SREGS, &sregs));
	msrs.e.data = 0;
	ASSERT_EQ(ioctl(vcpu, KVM_SET_MSRS, &msrs), 1);
	run->immediate_exit = 1;
	ASSERT_ERRNO(ioctl(vcpu, KVM_RUN, 0), EINTR);
}

/*
 * VMX checks segments at entry (SDM vol. 3 27.3.1.2), SVM does not: an
 * unusable TR from the VMM passes KVM_SET_SREGS and VM entry refuses it,
 * exit reason 33 (invalid guest state), which hvx's own check of those
 * rules turns into the field and the rule.
 */
static void vmx_invalid_guest_state_named(void)
{
	int vm, vcpu = vcpu_fd(&vm);
	struct kvm_run *run = hvx_vcpu_map(vcpu);
	struct kvm_sregs sregs;
	struct hvx_state_error e;

	if (hvx_info_get().backend != HVX_BACKEND_VMX)
		SKIP("VMX only: SVM's VMRUN does not check segment attributes");
	CHECK_OK(ioctl(vcpu, KVM_GET_SREGS, &sregs));
	sregs.tr.present = 0;
	sregs.tr.unusable = 1;
	CHECK_OK(ioctl(vcpu, KVM_SET_SREGS, &sregs));
	ASSERT_EQ(ioctl(vcpu, KVM_RUN, 0), 0);
	ktap_print("exit_reason %u, hardware_entry_failure_reason %#llx",
		   run->exit_reason,
		   (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
	ASSERT_EQ(run->exit_reason, KVM_EXIT_FAIL_ENTRY);
	/* The exit reason with bit 31 (VM-entry failure) set: 0x80000021. */
	ASSERT_EQ(run->fail_entry.hardware_entry_failure_reason, 0x80000021);
	e = state_error(vcpu);
	ktap_print("%s: %s", e.field, e.rule);
	ASSERT_EQ(e.source, HVX_STATE_ERR_FAIL_ENTRY);
	ASSERT_TRUE(strcmp(e.field, "tr.attrib") == 0);
}

/*
 * CR4.PCIDE outside long mode: KVM_SET_SREGS takes it, as KVM does (KVM's
 * set_sregs_test sets every supported CR4 bit on a vCPU in real mode);
 * VMX's entry refuses it (SDM vol. 3 27.3.1.1), and hvx names the rule.
 * Where hvx offers PCIDE: hosts with PCID, and always under shadow paging.
 */
static void pcide_without_long_mode(void)
{
	int vm, vcpu = vcpu_fd(&vm);
	struct kvm_run *run = hvx_vcpu_map(vcpu);
	struct kvm_sregs sregs, now;
	struct hvx_state_error e;

	CHECK_OK(ioctl(vcpu, KVM_GET_SREGS, &sregs));
	sregs.cr4 |= CR4_PCIDE;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs)) {
		e = state_error(vcpu);
		if (errno == EINVAL && strstr(e.rule, "does not support"))
			SKIP("no CR4.PCIDE here: %s", e.rule);
		FAIL("KVM_SET_SREGS with CR4.PCIDE in real mode: %s (%s: %s)",
		     strerror(errno), e.field, e.rule);
	}
	CHECK_OK(ioctl(vcpu, KVM_GET_SREGS, &now));
	ASSERT_EQ(now.cr4, sregs.cr4);
	if (hvx_info_get().backend != HVX_BACKEND_VMX)
		return;	/* VMRUN has no such check */
	ASSERT_EQ(ioctl(vcpu, KVM_RUN, 0), 0);
	ASSERT_EQ(run->exit_reason, KVM_EXIT_FAIL_ENTRY);
	e = state_error(vcpu);
	ktap_print("%s: %s", e.field, e.rule);
	ASSERT_TRUE(strcmp(e.field, "cr4") == 0);
}

static const struct ktest tests[] = {
	KTEST(none_before_any_error),
	KTEST(set_sregs_names_the_rule),
	KTEST(fail_entry_names_the_rule),
	KTEST(vmx_invalid_guest_state_named),
	KTEST(pcide_without_long_mode),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
