// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM's "VAPIC" interface (KVM_CAP_VAPIC), which QEMU uses for its TPR
 * patching option ROM (kvmvapic.bin) and calls at every APIC reset:
 *
 * - KVM_TPR_ACCESS_REPORTING: with it on, a guest access to the LAPIC's
 *   TPR (MMIO, or an x2APIC MSR) ends the next KVM_RUN with
 *   KVM_EXIT_TPR_ACCESS, giving the instruction's RIP and the direction,
 *   once the instruction has completed.
 * - KVM_SET_VAPIC_ADDR: a guest-physical dword that mirrors the TPR.
 *   Before each entry hvx writes TPR | (highest in-service class << 8) |
 *   (highest requested vector << 24) there; after each exit the TPR takes
 *   the low byte back, so a guest that the option ROM patched to use the
 *   dword changes its TPR without an exit. Address 0 turns it off.
 *
 * Both follow arch/x86/kvm (lapic.c and x86.c) of Linux 6.1: the same
 * layout, errors and timing.
 */
#include "irqchip.h"

/* KVM_TPR_ACCESS_REPORTING: struct kvm_tpr_access_ctl, flags must be 0. */
long hvx_vcpu_tpr_access_reporting(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_tpr_access_ctl tac;

	if (copy_from_user(&tac, argp, sizeof(tac)))
		return -EFAULT;
	if (tac.flags)
		return -EINVAL;
	vcpu->tpr_access_reporting = !!tac.enabled;
	/* KVM copies the struct back unchanged. */
	if (copy_to_user(argp, &tac, sizeof(tac)))
		return -EFAULT;
	return 0;
}

/*
 * True if the four bytes at @gpa lie in writable memslots (KVM: a gfn-to-hva
 * cache for them, which refuses MMIO and KVM_MEM_READONLY slots).
 */
static bool vapic_gpa_writable(struct hvx_vm *vm, u64 gpa)
{
	struct hvx_memslot slot;
	u64 gfns[2] = { gpa >> PAGE_SHIFT, (gpa + 3) >> PAGE_SHIFT };
	int i;

	for (i = 0; i < 2; i++)
		if (!hvx_memslot_lookup(vm, gfns[i], &slot) ||
		    (slot.flags & KVM_MEM_READONLY))
			return false;
	return true;
}

/* KVM_SET_VAPIC_ADDR: EINVAL without an in-kernel LAPIC or a writable slot. */
long hvx_vcpu_set_vapic_addr(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_vapic_addr va;

	if (!vcpu->lapic)
		return -EINVAL;
	if (copy_from_user(&va, argp, sizeof(va)))
		return -EFAULT;
	if (va.vapic_addr && !vapic_gpa_writable(vcpu->vm, va.vapic_addr))
		return -EINVAL;
	WRITE_ONCE(vcpu->lapic->vapic_addr, va.vapic_addr);
	return 0;
}

/* Before an entry: the LAPIC's state into the guest's dword. */
void hvx_vapic_sync_to_guest(struct hvx_vcpu *vcpu)
{
	u32 data;

	if (!vcpu->lapic || !vcpu->lapic->vapic_addr)
		return;
	data = hvx_lapic_vapic_word(vcpu);
	/* As KVM: a slot that went away since only loses the mirror. */
	hvx_write_guest(vcpu->vm, vcpu->lapic->vapic_addr, &data, sizeof(data));
}

/* After an exit: the guest's TPR from its dword. */
void hvx_vapic_sync_from_guest(struct hvx_vcpu *vcpu)
{
	u32 data;

	if (!vcpu->lapic || !vcpu->lapic->vapic_addr)
		return;
	if (hvx_read_guest(vcpu->vm, vcpu->lapic->vapic_addr, &data, sizeof(data)))
		return;
	hvx_lapic_set_tpr(vcpu, data & 0xff);
}

/*
 * The guest read (@write false) or wrote its TPR: with reporting on, the
 * run ends with KVM_EXIT_TPR_ACCESS before the next entry (hvx_run.c).
 */
void hvx_vapic_report_tpr(struct hvx_vcpu *vcpu, bool write)
{
	struct kvm_run *run;

	if (!vcpu->tpr_access_reporting)
		return;
	run = hvx_vcpu_run_page(vcpu);
	run->tpr_access.rip = vcpu->x86.rip;
	run->tpr_access.is_write = write;
	set_bit(HVX_REQ_REPORT_TPR, &vcpu->requests);
}
