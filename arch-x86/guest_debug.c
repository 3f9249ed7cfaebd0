// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_SET_GUEST_DEBUG: a debugger in the VMM (QEMU's gdbstub) steps the
 * guest and catches its breakpoints, with KVM's ABI:
 * - KVM_GUESTDBG_SINGLESTEP: RFLAGS.TF is set behind the guest's back (its
 *   own TF is kept and shown in KVM_GET_REGS), #DB is intercepted, and every
 *   instruction, those hvx emulates or skips included, ends KVM_RUN with
 *   KVM_EXIT_DEBUG (exception 1, DR6 with BS, pc the next linear RIP);
 * - KVM_GUESTDBG_USE_SW_BP: #BP is intercepted: INT3 ends KVM_RUN with
 *   KVM_EXIT_DEBUG (exception 3, pc the INT3's linear address);
 * - KVM_GUESTDBG_INJECT_DB / INJECT_BP: #DB / #BP for the guest itself
 *   (EBUSY while an exception is pending);
 * - KVM_GUESTDBG_BLOCKIRQ: no interrupt is delivered while stepping.
 * Hardware breakpoints (KVM_GUESTDBG_USE_HW_BP) are not offered: the guest's
 * own MOV to/from DR would see and change the debugger's registers, since
 * hvx does not intercept them (Documentation/api.md).
 */
#include <linux/uaccess.h>
#include <asm/debugreg.h>
#include "hvx_exit.h"

#define HVX_GUESTDBG_VALID	(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP | \
				 KVM_GUESTDBG_USE_SW_BP | KVM_GUESTDBG_INJECT_DB | \
				 KVM_GUESTDBG_INJECT_BP | KVM_GUESTDBG_BLOCKIRQ)

long hvx_guest_debug_valid_mask(void)
{
	return HVX_GUESTDBG_VALID;
}

long hvx_vcpu_set_guest_debug(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_guest_debug dbg;
	struct hvx_x86 *x = &vcpu->x86;

	if (copy_from_user(&dbg, argp, sizeof(dbg)))
		return -EFAULT;
	if (dbg.control & ~HVX_GUESTDBG_VALID)
		return -EINVAL;
	if (dbg.control & (KVM_GUESTDBG_INJECT_DB | KVM_GUESTDBG_INJECT_BP)) {
		if (x->exception.pending || x->exception.injected)
			return -EBUSY;
		hvx_queue_exception(vcpu, (dbg.control & KVM_GUESTDBG_INJECT_DB) ?
				    HVX_EXC_DB : HVX_EXC_BP, false, 0);
	}
	x->guest_debug = (dbg.control & KVM_GUESTDBG_ENABLE) ? dbg.control : 0;
	return 0;
}

bool hvx_debug_singlestep(struct hvx_vcpu *vcpu)
{
	return vcpu->x86.guest_debug & KVM_GUESTDBG_SINGLESTEP;
}

bool hvx_debug_intercept_bp(struct hvx_vcpu *vcpu)
{
	return vcpu->x86.guest_debug & KVM_GUESTDBG_USE_SW_BP;
}

bool hvx_debug_blocks_irqs(struct hvx_vcpu *vcpu)
{
	return (vcpu->x86.guest_debug & (KVM_GUESTDBG_SINGLESTEP | KVM_GUESTDBG_BLOCKIRQ)) ==
	       (KVM_GUESTDBG_SINGLESTEP | KVM_GUESTDBG_BLOCKIRQ);
}

/* RFLAGS to enter with: the guest's, plus the debugger's TF when stepping. */
u64 hvx_debug_entry_rflags(struct hvx_vcpu *vcpu, u64 rflags)
{
	return hvx_debug_singlestep(vcpu) ? rflags | X86_EFLAGS_TF : rflags;
}

/* The guest's RFLAGS after an exit: the debugger's TF taken out again. */
u64 hvx_debug_exit_rflags(struct hvx_vcpu *vcpu, u64 guest_before, u64 hw)
{
	if (!hvx_debug_singlestep(vcpu))
		return hw;
	return (hw & ~X86_EFLAGS_TF) | (guest_before & X86_EFLAGS_TF);
}

/* KVM_EXIT_DEBUG: @vector 1 or 3, at linear address @pc. Returns 0. */
int hvx_debug_exit(struct hvx_vcpu *vcpu, u8 vector, u64 pc, u64 dr6)
{
	struct kvm_run *run = hvx_vcpu_run_page(vcpu);

	hvx_x86_get(vcpu, HVX_REG_DRS);
	run->exit_reason = KVM_EXIT_DEBUG;
	memset(&run->debug, 0, sizeof(run->debug));
	run->debug.arch.exception = vector;
	run->debug.arch.pc = pc;
	run->debug.arch.dr6 = dr6;
	run->debug.arch.dr7 = vcpu->x86.dr7;
	return 0;
}

/* The linear address of RIP (CS base + RIP), KVM's kvm_get_linear_rip(). */
u64 hvx_debug_linear_rip(struct hvx_vcpu *vcpu)
{
	struct hvx_x86 *x = &vcpu->x86;

	hvx_x86_get(vcpu, HVX_REG_SEGS);
	if (hvx_x86_cpu_mode(vcpu) == HVX_MODE_LONG64)
		return x->rip;
	return (u32)(x->seg[HVX_X86_CS].base + x->rip);
}

/* After an instruction hvx retired while the debugger steps: KVM_EXIT_DEBUG. */
int hvx_debug_step_exit(struct hvx_vcpu *vcpu)
{
	return hvx_debug_exit(vcpu, HVX_EXC_DB, hvx_debug_linear_rip(vcpu),
			      DR6_RESERVED | DR_STEP);
}
