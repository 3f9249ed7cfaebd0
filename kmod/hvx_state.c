// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vCPU state ioctls of KVM's ABI: REGS, SREGS, FPU, XSAVE, XCRS,
 * DEBUGREGS, VCPU_EVENTS, MP_STATE, INTERRUPT, NMI (the event ones in
 * hvx_event.c), plus hvx's HVX_GET_STATE_ERROR.
 * They work on the vendor-neutral cache in vcpu->x86 and validate as KVM
 * does, so that bad state is an EINVAL here, never a failed entry later.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/xcr.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include "hvx_exit.h"
#include "hvx_irq.h"
#include "tdp.h"
#include "irqchip/hooks.h"

/* kvm_regs order -> enum hvx_gpr */
static const u8 hvx_kvm_regs_order[16] = {
	HVX_RAX, HVX_RBX, HVX_RCX, HVX_RDX, HVX_RSI, HVX_RDI, HVX_RSP, HVX_RBP,
	HVX_R8, HVX_R9, HVX_R10, HVX_R11, HVX_R12, HVX_R13, HVX_R14, HVX_R15,
};

static void hvx_state_get_regs(struct hvx_vcpu *vcpu, struct kvm_regs *regs)
{
	u64 *out = &regs->rax;
	int i;

	for (i = 0; i < 16; i++)
		out[i] = vcpu->x86.gprs[hvx_kvm_regs_order[i]];
	regs->rip = vcpu->x86.rip;
	regs->rflags = vcpu->x86.rflags;
}

static void hvx_state_set_regs(struct hvx_vcpu *vcpu, const struct kvm_regs *regs)
{
	const u64 *in = &regs->rax;
	int i;

	for (i = 0; i < 16; i++)
		vcpu->x86.gprs[hvx_kvm_regs_order[i]] = in[i];
	vcpu->x86.rip = regs->rip;
	vcpu->x86.rflags = regs->rflags | X86_EFLAGS_FIXED;
}

static long hvx_get_regs(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_regs regs;

	hvx_state_get_regs(vcpu, &regs);
	return copy_to_user(argp, &regs, sizeof(regs)) ? -EFAULT : 0;
}

static long hvx_set_regs(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_regs regs;

	if (copy_from_user(&regs, argp, sizeof(regs)))
		return -EFAULT;
	hvx_state_set_regs(vcpu, &regs);
	return 0;
}

/* kvm_sregs order (cs ds es fs gs ss tr ldt) -> enum hvx_x86_seg */
static const u8 hvx_kvm_sregs_order[8] = {
	HVX_X86_CS, HVX_X86_DS, HVX_X86_ES, HVX_X86_FS, HVX_X86_GS, HVX_X86_SS,
	HVX_X86_TR, HVX_X86_LDTR,
};

static void hvx_state_get_sregs(struct hvx_vcpu *vcpu, struct kvm_sregs *sregs)
{
	struct hvx_x86 *x = &vcpu->x86;
	struct kvm_segment *out = &sregs->cs;
	int i;

	memset(sregs, 0, sizeof(*sregs));
	hvx_x86_get(vcpu, HVX_REG_SEGS | HVX_REG_CRS);
	for (i = 0; i < 8; i++)
		out[i] = x->seg[hvx_kvm_sregs_order[i]];
	sregs->gdt = x->gdt;
	sregs->idt = x->idt;
	sregs->cr0 = x->cr0;
	sregs->cr2 = x->cr2;
	sregs->cr3 = x->cr3;
	sregs->cr4 = x->cr4;
	sregs->cr8 = hvx_get_cr8(vcpu);
	sregs->efer = x->efer;
	sregs->apic_base = x->apic_base;
	/* As KVM: an external interrupt not yet delivered shows in the bitmap. */
	if (x->interrupt.injected && !x->interrupt.soft)
		__set_bit(x->interrupt.nr, (unsigned long *)sregs->interrupt_bitmap);
}

static long hvx_get_sregs(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_sregs sregs;

	hvx_state_get_sregs(vcpu, &sregs);
	return copy_to_user(argp, &sregs, sizeof(sregs)) ? -EFAULT : 0;
}

/* KVM_SET_SREGS on a kernel copy: all of it, or nothing and -EINVAL. */
static int hvx_state_set_sregs(struct hvx_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	struct hvx_x86 *x = &vcpu->x86;
	const struct kvm_segment *in;
	struct hvx_x86 *saved;
	int i, vector;
	long r = 0;

	saved = kmalloc(sizeof(*saved), GFP_KERNEL);
	if (!saved)
		return -ENOMEM;
	hvx_x86_get(vcpu, HVX_REG_ALL);
	*saved = *x;

	in = &sregs->cs;
	for (i = 0; i < 8; i++)
		x->seg[hvx_kvm_sregs_order[i]] = in[i];
	x->cpl = x->seg[HVX_X86_CS].present ? x->seg[HVX_X86_SS].dpl : 0;
	if (!(sregs->cr0 & X86_CR0_PE))
		x->cpl = 0;
	x->gdt = sregs->gdt;
	x->idt = sregs->idt;
	x->cr0 = sregs->cr0;
	x->cr2 = sregs->cr2;
	x->cr3 = sregs->cr3;
	x->cr4 = sregs->cr4;
	x->efer = sregs->efer;

	memset(&x->state_error, 0, sizeof(x->state_error));
	r = hvx_x86_check_state(vcpu);
	if (!r && (sregs->cr8 >> 4)) {
		strscpy(x->state_error.field, "cr8", sizeof(x->state_error.field));
		strscpy(x->state_error.rule, "bits 63:4 are reserved", sizeof(x->state_error.rule));
		r = -EINVAL;
	}
	/* Checked against the state before this call, as KVM does. */
	if (!r && !hvx_apic_base_valid(vcpu, sregs->apic_base, true)) {
		strscpy(x->state_error.field, "apic_base", sizeof(x->state_error.field));
		strscpy(x->state_error.rule, "reserved bits, or x2APIC (bit 10) without enable (bit 11) or x2APIC in CPUID",
			sizeof(x->state_error.rule));
		r = -EINVAL;
	}
	if (r) {
		struct hvx_state_error err = x->state_error;

		*x = *saved;
		x->state_error = err;
		x->state_error.source = HVX_STATE_ERR_SET_SREGS;
		goto out;
	}
	/* Checked above, so this cannot fail; it moves the LAPIC along. */
	hvx_lapic_set_base(vcpu, sregs->apic_base, true);
	hvx_set_cr8(vcpu, sregs->cr8);
	/* An interrupt the VMM had pending in interrupt_bitmap: inject it. */
	vector = find_first_bit((unsigned long *)sregs->interrupt_bitmap, 256);
	if (vector < 256) {
		x->interrupt.injected = true;
		x->interrupt.soft = false;
		x->interrupt.nr = vector;
	}
	hvx_x86_put(vcpu, HVX_REG_SEGS | HVX_REG_CRS);
out:
	kfree(saved);
	return r;
}

static long hvx_set_sregs(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_sregs *sregs;
	long r;

	sregs = memdup_user(argp, sizeof(*sregs));
	if (IS_ERR(sregs))
		return PTR_ERR(sregs);
	r = hvx_state_set_sregs(vcpu, sregs);
	kfree(sregs);
	return r;
}

/*
 * KVM_CAP_SYNC_REGS: kvm_run.s.regs carries the registers each way.
 * Before the run: what kvm_dirty_regs names is set from it (copied out
 * of the shared page first, which userspace may still be writing), each
 * bit cleared once done; -EINVAL for an unknown bit or refused state.
 */
int hvx_sync_regs_in(struct hvx_vcpu *vcpu)
{
	struct kvm_run *run = hvx_vcpu_run_page(vcpu);
	u64 dirty = READ_ONCE(run->kvm_dirty_regs);

	if ((READ_ONCE(run->kvm_valid_regs) | dirty) & ~(u64)KVM_SYNC_X86_VALID_FIELDS)
		return -EINVAL;
	if (dirty & KVM_SYNC_X86_REGS) {
		struct kvm_regs regs = run->s.regs.regs;

		hvx_state_set_regs(vcpu, &regs);
		run->kvm_dirty_regs &= ~KVM_SYNC_X86_REGS;
	}
	if (dirty & KVM_SYNC_X86_SREGS) {
		struct kvm_sregs *sregs = kmemdup(&run->s.regs.sregs, sizeof(*sregs), GFP_KERNEL);
		int r;

		if (!sregs)
			return -ENOMEM;
		r = hvx_state_set_sregs(vcpu, sregs);
		kfree(sregs);
		if (r)
			return -EINVAL;
		run->kvm_dirty_regs &= ~KVM_SYNC_X86_SREGS;
	}
	if (dirty & KVM_SYNC_X86_EVENTS) {
		struct kvm_vcpu_events events = run->s.regs.events;

		if (hvx_events_set(vcpu, &events))
			return -EINVAL;
		run->kvm_dirty_regs &= ~KVM_SYNC_X86_EVENTS;
	}
	return 0;
}

/* After the run: what kvm_valid_regs names, into kvm_run.s.regs. */
void hvx_sync_regs_out(struct hvx_vcpu *vcpu)
{
	struct kvm_run *run = hvx_vcpu_run_page(vcpu);
	u64 valid = READ_ONCE(run->kvm_valid_regs);

	if (valid & KVM_SYNC_X86_REGS)
		hvx_state_get_regs(vcpu, &run->s.regs.regs);
	if (valid & KVM_SYNC_X86_SREGS)
		hvx_state_get_sregs(vcpu, &run->s.regs.sregs);
	if (valid & KVM_SYNC_X86_EVENTS)
		hvx_events_get(vcpu, &run->s.regs.events);
}

static long hvx_get_fpu(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct fxregs_state *fx = &vcpu->fpu.fpstate->regs.fxsave;
	struct kvm_fpu fpu;

	memset(&fpu, 0, sizeof(fpu));
	memcpy(fpu.fpr, fx->st_space, sizeof(fpu.fpr));
	fpu.fcw = fx->cwd;
	fpu.fsw = fx->swd;
	fpu.ftwx = fx->twd;
	fpu.last_opcode = fx->fop;
	fpu.last_ip = fx->rip;
	fpu.last_dp = fx->rdp;
	memcpy(fpu.xmm, fx->xmm_space, sizeof(fpu.xmm));
	fpu.mxcsr = fx->mxcsr;
	return copy_to_user(argp, &fpu, sizeof(fpu)) ? -EFAULT : 0;
}

static long hvx_set_fpu(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct fxregs_state *fx = &vcpu->fpu.fpstate->regs.fxsave;
	struct kvm_fpu fpu;

	if (copy_from_user(&fpu, argp, sizeof(fpu)))
		return -EFAULT;
	/* A reserved MXCSR bit would make the next FXRSTOR/XRSTOR fault. */
	if (fpu.mxcsr & ~0xffffu)
		return -EINVAL;
	memcpy(fx->st_space, fpu.fpr, sizeof(fpu.fpr));
	fx->cwd = fpu.fcw;
	fx->swd = fpu.fsw;
	fx->twd = fpu.ftwx;
	fx->fop = fpu.last_opcode;
	fx->rip = fpu.last_ip;
	fx->rdp = fpu.last_dp;
	memcpy(fx->xmm_space, fpu.xmm, sizeof(fpu.xmm));
	fx->mxcsr = fpu.mxcsr;
	/* XRSTOR takes x87/SSE from memory only if the header says so. */
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		vcpu->fpu.fpstate->regs.xsave.header.xfeatures |= XFEATURE_MASK_FPSSE;
	return 0;
}

static long hvx_get_xsave(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_xsave *xsave;
	long r = 0;

	xsave = kzalloc(sizeof(*xsave), GFP_KERNEL);
	if (!xsave)
		return -ENOMEM;
	fpu_copy_guest_fpstate_to_uabi(&vcpu->fpu, xsave->region, sizeof(xsave->region),
				       hvx_supported_xcr0(), 0);
	if (copy_to_user(argp, xsave, sizeof(*xsave)))
		r = -EFAULT;
	kfree(xsave);
	return r;
}

static long hvx_set_xsave(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_xsave *xsave;
	u32 pkru = 0;
	long r;

	xsave = memdup_user(argp, sizeof(*xsave));
	if (IS_ERR(xsave))
		return PTR_ERR(xsave);
	r = fpu_copy_uabi_to_guest_fpstate(&vcpu->fpu, xsave->region,
					   hvx_supported_xcr0(), &pkru);
	kfree(xsave);
	return r;
}

static long hvx_get_xcrs(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_xcrs xcrs;

	memset(&xcrs, 0, sizeof(xcrs));
	if (boot_cpu_has(X86_FEATURE_XSAVE)) {
		xcrs.nr_xcrs = 1;
		xcrs.xcrs[0].xcr = XCR_XFEATURE_ENABLED_MASK;
		xcrs.xcrs[0].value = vcpu->x86.xcr0;
	}
	return copy_to_user(argp, &xcrs, sizeof(xcrs)) ? -EFAULT : 0;
}

static long hvx_set_xcrs(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_xcrs xcrs;
	unsigned int i;

	if (copy_from_user(&xcrs, argp, sizeof(xcrs)))
		return -EFAULT;
	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		return -EINVAL;
	if (xcrs.nr_xcrs > KVM_MAX_XCRS || xcrs.flags)
		return -EINVAL;
	/* KVM's rule: only XCR0 exists; other indices are ignored. */
	for (i = 0; i < xcrs.nr_xcrs; i++)
		if (xcrs.xcrs[i].xcr == XCR_XFEATURE_ENABLED_MASK)
			return hvx_set_xcr(vcpu, 0, xcrs.xcrs[i].value) ? -EINVAL : 0;
	return 0;
}

static long hvx_get_debugregs(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_debugregs dbg;

	memset(&dbg, 0, sizeof(dbg));
	hvx_x86_get(vcpu, HVX_REG_DRS);
	memcpy(dbg.db, vcpu->x86.db, sizeof(dbg.db));
	dbg.dr6 = vcpu->x86.dr6;
	dbg.dr7 = vcpu->x86.dr7;
	return copy_to_user(argp, &dbg, sizeof(dbg)) ? -EFAULT : 0;
}

static long hvx_set_debugregs(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_debugregs dbg;

	if (copy_from_user(&dbg, argp, sizeof(dbg)))
		return -EFAULT;
	if (dbg.flags || (dbg.dr6 >> 32) || (dbg.dr7 >> 32))
		return -EINVAL;
	hvx_x86_get(vcpu, HVX_REG_DRS);
	memcpy(vcpu->x86.db, dbg.db, sizeof(dbg.db));
	vcpu->x86.dr6 = dbg.dr6;
	vcpu->x86.dr7 = dbg.dr7;
	hvx_x86_put(vcpu, HVX_REG_DRS);
	return 0;
}

static long hvx_get_vcpu_events(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_vcpu_events e;

	hvx_events_get(vcpu, &e);
	return copy_to_user(argp, &e, sizeof(e)) ? -EFAULT : 0;
}

static long hvx_set_vcpu_events(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_vcpu_events e;

	if (copy_from_user(&e, argp, sizeof(e)))
		return -EFAULT;
	return hvx_events_set(vcpu, &e);
}

/* KVM's rules: see hvx_get_mp_state() and hvx_set_mp_state() in hvx_event.c. */
static long hvx_vcpu_get_mp_state(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_mp_state mp = {};
	int r;

	r = hvx_get_mp_state(vcpu, &mp.mp_state);
	if (r)
		return r;
	return copy_to_user(argp, &mp, sizeof(mp)) ? -EFAULT : 0;
}

static long hvx_vcpu_set_mp_state(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_mp_state mp;

	if (copy_from_user(&mp, argp, sizeof(mp)))
		return -EFAULT;
	return hvx_set_mp_state(vcpu, mp.mp_state);
}

static long hvx_get_state_error(struct hvx_vcpu *vcpu, void __user *argp)
{
	return copy_to_user(argp, &vcpu->x86.state_error,
			    sizeof(vcpu->x86.state_error)) ? -EFAULT : 0;
}

/*
 * KVM_GET_TSC_KHZ: the guest's TSC runs at the host's rate (hvx offsets the
 * TSC, it does not scale it), so that is the host's calibrated frequency.
 * KVM's selftests need it to calibrate udelay() in their guests.
 */
static long hvx_vcpu_get_tsc_khz(struct hvx_vcpu *vcpu, void __user *argp)
{
	return tsc_khz ? tsc_khz : -EIO;
}

static long hvx_vcpu_get_msrs(struct hvx_vcpu *vcpu, void __user *argp)
{
	return hvx_vcpu_msrs_ioctl(vcpu, argp, false);
}

static long hvx_vcpu_set_msrs(struct hvx_vcpu *vcpu, void __user *argp)
{
	return hvx_vcpu_msrs_ioctl(vcpu, argp, true);
}

static const struct {
	unsigned int ioctl;
	hvx_vcpu_ioctl_fn fn;
} hvx_vcpu_state_ioctls[] = {
	{ KVM_GET_REGS,		hvx_get_regs },
	{ KVM_SET_REGS,		hvx_set_regs },
	{ KVM_GET_SREGS,	hvx_get_sregs },
	{ KVM_SET_SREGS,	hvx_set_sregs },
	{ KVM_GET_FPU,		hvx_get_fpu },
	{ KVM_SET_FPU,		hvx_set_fpu },
	{ KVM_GET_XSAVE,	hvx_get_xsave },
	{ KVM_SET_XSAVE,	hvx_set_xsave },
	{ KVM_GET_XCRS,		hvx_get_xcrs },
	{ KVM_SET_XCRS,		hvx_set_xcrs },
	{ KVM_GET_DEBUGREGS,	hvx_get_debugregs },
	{ KVM_SET_DEBUGREGS,	hvx_set_debugregs },
	{ KVM_GET_VCPU_EVENTS,	hvx_get_vcpu_events },
	{ KVM_SET_VCPU_EVENTS,	hvx_set_vcpu_events },
	{ KVM_GET_MP_STATE,	hvx_vcpu_get_mp_state },
	{ KVM_SET_MP_STATE,	hvx_vcpu_set_mp_state },
	{ KVM_INTERRUPT,	hvx_vcpu_interrupt },
	{ KVM_NMI,		hvx_vcpu_nmi },
	{ KVM_GET_MSRS,		hvx_vcpu_get_msrs },
	{ KVM_X86_SETUP_MCE,	hvx_vcpu_setup_mce },
	{ KVM_SET_GUEST_DEBUG,	hvx_vcpu_set_guest_debug },
	{ KVM_X86_SET_MCE,	hvx_vcpu_set_mce },
	{ KVM_SET_MSRS,		hvx_vcpu_set_msrs },
	{ KVM_GET_LAPIC,	hvx_lapic_get_state_ioctl },
	{ KVM_SET_LAPIC,	hvx_lapic_set_state_ioctl },
	{ KVM_SET_CPUID2,	hvx_set_cpuid2 },
	{ KVM_GET_CPUID2,	hvx_get_cpuid2 },
	{ HVX_GET_STATE_ERROR,	hvx_get_state_error },
	{ KVM_PRE_FAULT_MEMORY,	hvx_vcpu_pre_fault_memory },
	{ KVM_GET_TSC_KHZ,	hvx_vcpu_get_tsc_khz },
	{ KVM_TPR_ACCESS_REPORTING, hvx_vcpu_tpr_access_reporting },
	{ KVM_SET_VAPIC_ADDR,	hvx_vcpu_set_vapic_addr },
};

/* The handler of a vCPU state ioctl, or NULL if @ioctl is not one. */
hvx_vcpu_ioctl_fn hvx_vcpu_state_ioctl(unsigned int ioctl)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hvx_vcpu_state_ioctls); i++)
		if (hvx_vcpu_state_ioctls[i].ioctl == ioctl)
			return hvx_vcpu_state_ioctls[i].fn;
	return NULL;
}
