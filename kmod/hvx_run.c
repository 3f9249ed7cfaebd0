// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_RUN: finish what the last exit left to userspace, then enter the
 * guest until an exit needs userspace, a signal arrives or an error ends
 * the run. The guest's FPU state is loaded for the whole call through the
 * kernel's guest-fpstate API, so preemption and migration save and restore
 * it like any task's FPU state.
 */
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include "hvx_exit.h"
#include "hvx_irq.h"

static bool hvx_immediate_exit(struct kvm_run *run)
{
#ifdef HINT_UNSAFE_IN_KVM
	return READ_ONCE(run->immediate_exit__unsafe);
#else
	return READ_ONCE(run->immediate_exit);
#endif
}

long hvx_vcpu_run(struct hvx_vcpu *vcpu)
{
	struct kvm_run *run = hvx_vcpu_run_page(vcpu);
	int r;

	fpu_swap_kvm_fpstate(&vcpu->fpu, true);

	/* State the VMM handed over in kvm_run (KVM_CAP_SYNC_REGS) comes first. */
	r = hvx_sync_regs_in(vcpu);
	if (r)
		goto out;
	/* As in KVM, a pending I/O completes even with immediate_exit set. */
	r = hvx_complete_userspace_exit(vcpu);
	if (r <= 0) {
		vcpu->x86.pending_rip = vcpu->x86.rip;
		goto out;
	}
	/* KVM fails with EINTR and leaves exit_reason as the last exit set it. */
	if (hvx_immediate_exit(run)) {
		r = -EINTR;
		goto out;
	}
	/* The vCPU thread may have waited for a CPU; the clock moved on. */
	hvx_pv_vcpu_load(vcpu);
	for (;;) {
		/* A debugger's step over an instruction hvx retired ends here. */
		if (test_and_clear_bit(HVX_REQ_DEBUG_STEP, &vcpu->requests)) {
			r = hvx_debug_step_exit(vcpu);
			break;
		}
		/* The TPR access of the last instruction (irqchip/vapic.c). */
		if (test_and_clear_bit(HVX_REQ_REPORT_TPR, &vcpu->requests)) {
			run->exit_reason = KVM_EXIT_TPR_ACCESS;
			r = 0;
			break;
		}
		if (signal_pending(current)) {
			hvx_vcpu_stat_inc(vcpu, HVX_STAT_SIGNAL_EXITS);
			run->exit_reason = KVM_EXIT_INTR;
			r = -EINTR;
			break;
		}
		/* VMX/SVM is (being) turned off for a reboot, kexec or crash. */
		if (hvx_virt_rebooting()) {
			r = -EIO;
			break;
		}
		/* INIT/SIPI, a halted vCPU's sleep, a triple fault. */
		r = hvx_event_before_run(vcpu);
		if (r <= 0)
			break;
		/* Long guest runs must not starve the host's other tasks. */
		cond_resched();
		/* kvmclock and steal time records, while guest memory may be touched. */
		hvx_pv_before_entry(vcpu);
		vcpu->x86.has_run = true;
		hvx_vapic_sync_to_guest(vcpu);
		r = hvx_arch->vcpu_run(vcpu);
		if (r <= 0)
			break;
		/* The interrupt window userspace asked for. */
		r = hvx_event_after_exit(vcpu);
		if (r <= 0)
			break;
	}
	vcpu->x86.pending_rip = vcpu->x86.rip;
out:
	hvx_sync_regs_out(vcpu);
	hvx_event_fill_run(vcpu);
	fpu_swap_kvm_fpstate(&vcpu->fpu, false);
	return r;
}
