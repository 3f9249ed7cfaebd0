// SPDX-License-Identifier: GPL-2.0-only
/*
 * One SVM guest entry and the dispatch of its #VMEXIT.
 *
 * The switch runs with preemption and interrupts off from the last check
 * of vcpu->requests to the #VMEXIT, so per-CPU state (the ASID, the host
 * save areas) cannot change under it and a vCPU that migrated simply
 * takes a fresh ASID on its new CPU. GIF is cleared before the host state
 * is saved and set again only after it is restored, so not even an NMI
 * sees the guest's FS/GS/TR; host interrupts and NMIs that arrive while
 * the guest runs force an exit and are taken right after it.
 */
#define pr_fmt(fmt) "hvx: " fmt

#include <linux/kernel.h>
#include <linux/sched.h>
#include <asm/asm.h>
#include <asm/debugreg.h>
#include <asm/io.h>
#include <asm/nospec-branch.h>
#include <trace/events/ipi.h>	/* smp_send_reschedule() traces the IPI on newer kernels */
#include <asm/processor-flags.h>
#include "svm.h"
#include "hvx_exit.h"
#include "tdp.h"
#include "hvx_irq.h"
#include "shadow.h"

/*
 * CLGI and STGI raise #UD once EFER.SVME is clear: a reboot, kexec or
 * crash may have turned SVM off on this CPU (hvx_virt_insn_fault() says
 * whether that was expected). The fixup skips the instruction; the VMRUN
 * that follows faults the same way and the entry ends with -EIO.
 */
static inline void svm_clgi(void)
{
	asm goto("1: clgi\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : : "memory" : fault);
	return;
fault:
	hvx_virt_insn_fault("CLGI");
}

static inline void svm_stgi(void)
{
	asm goto("1: stgi\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : : "memory" : fault);
	return;
fault:
	hvx_virt_insn_fault("STGI");
}

/*
 * ASIDs are handed out per CPU. When they run out, a new generation
 * starts and the first VMRUN of it flushes every ASID's TLB entries; a
 * vCPU holding an ASID of an older generation (or of another CPU) gets a
 * new one. A TLB-flush request also just takes a new ASID.
 */
static void svm_new_asid(struct svm_vcpu *svm, int cpu)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpu);

	if (sc->next_asid > svm_max_asid) {
		sc->asid_generation++;
		sc->next_asid = 1;
		svm->vmcb->control.tlb_ctl = SVM_TLB_CTL_FLUSH_ALL;
	}
	svm->vmcb->control.asid = sc->next_asid++;
	svm->asid_generation = sc->asid_generation;
	svm->asid_cpu = cpu;
}

/* Exception vectors the backend itself deals with. */
#define SVM_VEC_DB	1
#define SVM_VEC_BP	3
#define SVM_VEC_OF	4

/* hvx_arch_ops.inject_event: the event into EVENTINJ. Interrupts off. */
void svm_inject_event(struct hvx_vcpu *vcpu, const struct hvx_event *ev)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_control *c = &svm->vmcb->control;
	u32 type;

	switch (ev->type) {
	case HVX_EVENT_NMI:
		type = SVM_EVT_TYPE_NMI;
		/* Blocks further NMIs until the handler's IRET. */
		svm->nmi_masked = true;
		svm->awaiting_iret = false;
		break;
	case HVX_EVENT_INTR:
		type = SVM_EVT_TYPE_INTR;
		break;
	case HVX_EVENT_SOFT_INTR:
	case HVX_EVENT_SOFT_EXCEPTION:
		type = ev->type == HVX_EVENT_SOFT_INTR ? SVM_EVT_TYPE_SOFT : SVM_EVT_TYPE_EXCEPTION;
		/* The return address the handler sees: past the instruction (NRIPS). */
		c->next_rip = vcpu->x86.rip + ev->insn_len;
		break;
	default:
		type = SVM_EVT_TYPE_EXCEPTION;
		break;
	}
	c->event_inj = SVM_EVT_VALID | type | ev->vector |
		       (ev->has_error_code ? SVM_EVT_ERROR_VALID : 0);
	c->event_inj_err = ev->error_code;
	svm->injected = *ev;
}

/*
 * hvx_arch_ops.set_event_windows. Interrupt window: a virtual interrupt
 * (V_IRQ, ignoring V_TPR) the guest takes as soon as RFLAGS.IF and its
 * shadow allow, whose VINTR intercept exits first. NMI window: the IRET
 * intercept while NMIs are blocked; an exit right after this entry's
 * delivery when an event goes in now; else one instruction single-stepped
 * past the shadow or the IRET that has yet to retire.
 */
void svm_set_event_windows(struct hvx_vcpu *vcpu, bool irq, bool nmi)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_control *c = &svm->vmcb->control;
	bool iret_exits = svm->nmi_masked && !svm->awaiting_iret;

	c->int_ctl &= ~(SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_INTR_PRIO_MASK |
			SVM_INT_CTL_V_IGN_TPR);
	c->intercept_misc1 &= ~(SVM_INTERCEPT_VINTR | SVM_INTERCEPT_IRET);
	c->intercept_exceptions &= ~(BIT(SVM_VEC_DB) | BIT(SVM_VEC_BP));
	/* KVM_SET_GUEST_DEBUG: the debugger's #DB and #BP. */
	if (hvx_debug_singlestep(vcpu))
		c->intercept_exceptions |= BIT(SVM_VEC_DB);
	if (hvx_debug_intercept_bp(vcpu))
		c->intercept_exceptions |= BIT(SVM_VEC_BP);
	if (irq) {
		c->int_ctl |= SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_INTR_PRIO_MASK |
			      SVM_INT_CTL_V_IGN_TPR;
		c->intercept_misc1 |= SVM_INTERCEPT_VINTR;
	}
	if (iret_exits)
		c->intercept_misc1 |= SVM_INTERCEPT_IRET;

	svm->nmi_singlestep = false;
	if (!nmi || iret_exits)
		return;
	if (c->event_inj & SVM_EVT_VALID) {
		/* A self-IPI, held until VMRUN, exits once the delivery is done. */
		smp_send_reschedule(smp_processor_id());
	} else {
		svm->nmi_singlestep = true;
		svm->singlestep_rflags = vcpu->x86.rflags;
		c->intercept_exceptions |= BIT(SVM_VEC_DB);
	}
}

/*
 * Long mode is active exactly when EFER.LME and CR0.PG are both set; the
 * CPU keeps EFER.LMA so, and VMRUN does not check it. A VMCB that says
 * otherwise (LMA without paging) is a state no CPU enters, so every entry
 * under nested paging derives LMA as the CPU would, as KVM keeps it in
 * svm_set_efer()/svm_set_cr0(); legitimate states are unchanged. (Shadow
 * paging computes the whole hardware state itself.)
 */
static void svm_derive_lma(struct vmcb *vmcb)
{
	u64 efer = vmcb->save.efer & ~EFER_LMA;

	if ((efer & EFER_LME) && (vmcb->save.cr0 & X86_CR0_PG))
		efer |= EFER_LMA;
	vmcb->save.efer = efer;
}

/* State the generic code may have changed goes into the VMCB. */
static void svm_prepare_entry(struct hvx_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb *vmcb = svm->vmcb;

	svm_flush_regs(vcpu);
	if (hvx_shadow_enabled()) {
		struct hvx_shadow_hw hw;

		hvx_shadow_load(vcpu, &hw);
		vmcb->save.cr0 = hw.cr0;
		vmcb->save.cr3 = hw.cr3;
		vmcb->save.cr4 = hw.cr4;
		vmcb->save.efer = hw.efer | EFER_SVME;
	} else {
		svm_derive_lma(vmcb);
	}
	vmcb->control.tsc_offset = vcpu->pv.tsc_offset;
	vmcb->control.int_ctl = (vmcb->control.int_ctl & ~SVM_INT_CTL_V_TPR_MASK) |
				(hvx_get_cr8(vcpu) & SVM_INT_CTL_V_TPR_MASK);
}

/* The always-valid registers, once the events are decided. Interrupts off. */
static void svm_load_regs(struct hvx_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_save *save = &svm->vmcb->save;
	struct hvx_x86 *x = &vcpu->x86;

	save->rax = x->gprs[HVX_RAX];
	save->rsp = x->gprs[HVX_RSP];
	save->rip = x->rip;
	x->entry_rflags = x->rflags;
	save->rflags = hvx_debug_entry_rflags(vcpu, x->rflags);
	if (svm->nmi_singlestep)
		save->rflags |= X86_EFLAGS_TF | X86_EFLAGS_RF;
}

/*
 * An event in EXITINTINFO format back into the generic queue. INTn, INT3
 * and INTO are not: RIP is still at the instruction, which raises them
 * again when it runs again (re-injecting them needs NextRIP, which not
 * every CPU or emulator honours for EVENTINJ). A #BP or #OF that hvx
 * itself injected as an exception (KVM_GUESTDBG_INJECT_BP, KVM_SET_VCPU_EVENTS)
 * has no instruction behind it, so it is queued again like any exception.
 */
static void svm_requeue_event(struct hvx_vcpu *vcpu, u32 info, u32 err,
			      const struct hvx_event *injected)
{
	struct hvx_event ev = {};
	u8 vector = info & SVM_EVT_VECTOR_MASK;

	if (!(info & SVM_EVT_VALID))
		return;
	switch (info & SVM_EVT_TYPE_MASK) {
	case SVM_EVT_TYPE_EXCEPTION:
		if ((vector == SVM_VEC_BP || vector == SVM_VEC_OF) &&
		    (injected->type != HVX_EVENT_EXCEPTION || injected->vector != vector))
			return;
		ev.type = HVX_EVENT_EXCEPTION;
		break;
	case SVM_EVT_TYPE_NMI:
		ev.type = HVX_EVENT_NMI;
		break;
	case SVM_EVT_TYPE_SOFT:
		return;
	default:
		ev.type = HVX_EVENT_INTR;
		break;
	}
	ev.vector = vector;
	ev.has_error_code = info & SVM_EVT_ERROR_VALID;
	ev.error_code = err;
	hvx_event_complete(vcpu, &ev);
}

/* Nothing ran: the event handed to this entry goes back as it was. */
static void svm_unwind_injection(struct hvx_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	if (svm->vmcb->control.event_inj & SVM_EVT_VALID)
		hvx_event_complete(vcpu, &svm->injected);
	svm->vmcb->control.event_inj = 0;
	svm->injected.type = HVX_EVENT_NONE;
	/* An NMI handed over but not delivered left svm->nmi_masked set. */
	vcpu->x86.avail &= ~HVX_REG_EVENTS;
}

/* Entry abandoned before VMRUN: an event set up for injection stays queued. */
static void svm_cancel_entry(struct hvx_vcpu *vcpu)
{
	svm_unwind_injection(vcpu);
}

/* After #VMEXIT: the always-valid registers, and an event cut short. */
static void svm_after_exit(struct hvx_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb *vmcb = svm->vmcb;
	struct hvx_x86 *x = &vcpu->x86;
	struct hvx_event injected = svm->injected;

	x->next_rip = 0;
	/*
	 * A refused VMRUN ran nothing: what we handed it is still the
	 * state, whatever the CPU wrote back to the save area. Keep the cache
	 * and write it again at the next entry.
	 */
	if ((u32)vmcb->control.exit_code == (u32)SVM_EXIT_INVALID) {
		x->dirty |= x->avail;
		svm_unwind_injection(vcpu);
		return;
	}
	x->gprs[HVX_RAX] = vmcb->save.rax;
	x->gprs[HVX_RSP] = vmcb->save.rsp;
	x->rip = vmcb->save.rip;
	x->rflags = hvx_debug_exit_rflags(vcpu, x->entry_rflags, vmcb->save.rflags);
	if (svm->nmi_singlestep) {
		/* Our TF/RF are not the guest's. */
		x->rflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_RF);
		x->rflags |= svm->singlestep_rflags & (X86_EFLAGS_TF | X86_EFLAGS_RF);
	}
	/* The IRET that the intercept stopped has run: NMIs are unblocked. */
	if (svm->awaiting_iret && x->rip != svm->iret_rip) {
		svm->awaiting_iret = false;
		svm->nmi_masked = false;
	}
	if (!hvx_irqchip_in_kernel(vcpu->vm))
		x->cr8 = vmcb->control.int_ctl & SVM_INT_CTL_V_TPR_MASK;
	x->avail = 0;
	vmcb->control.tlb_ctl = 0;
	vmcb->control.event_inj = 0;
	svm->injected.type = HVX_EVENT_NONE;
	/* An event whose delivery the exit interrupted is delivered again. */
	svm_requeue_event(vcpu, vmcb->control.exit_int_info,
			  vmcb->control.exit_int_info_err, &injected);
}

/*
 * The world switch proper. Returns false if the requests or a pending
 * reschedule/signal made us back out before entering.
 */
static bool svm_enter(struct hvx_vcpu *vcpu, int *fault)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct hvx_x86 *x = &vcpu->x86;
	struct hvx_host_regs host;
	int cpu;

	preempt_disable();
	if (!hvx_enter_guest_mode(vcpu)) {
		preempt_enable();
		return false;
	}
	cpu = smp_processor_id();
	if (test_and_clear_bit(HVX_REQ_TLB_FLUSH, &vcpu->requests) ||
	    svm->asid_cpu != cpu ||
	    svm->asid_generation != this_cpu_read(svm_cpu.asid_generation))
		svm_new_asid(svm, cpu);

	/* Decided last, with interrupts off: see hvx_event_inject(). */
	hvx_event_inject(vcpu);
	svm_load_regs(vcpu);

	hvx_switch_to_guest(vcpu, &host);

	svm_clgi();
	/*
	 * IF=1 at VMRUN: with V_INTR_MASKING the host's IF decides whether
	 * physical interrupts exit the guest. GIF=0 holds them until VMRUN.
	 */
	local_irq_enable();
	*fault = hvx_svm_vmrun(svm->vmcb_pa, x->gprs,
			       page_to_phys(this_cpu_read(svm_cpu.host_save)));
	local_irq_disable();

	hvx_switch_to_host(vcpu, &host);
	svm_stgi();		/* a held NMI is taken here */

	hvx_leave_guest_mode(vcpu);	/* and held interrupts here */
	preempt_enable();
	return true;
}

static int svm_handle_npf(struct hvx_vcpu *vcpu)
{
	struct vmcb_control *c = &to_svm(vcpu)->vmcb->control;
	bool write = c->exit_info_1 & SVM_NPF_WRITE;
	bool fetch = c->exit_info_1 & SVM_NPF_FETCH;

	return hvx_handle_tdp_fault(vcpu, c->exit_info_2, write, fetch);
}

static int svm_handle_ioio(struct hvx_vcpu *vcpu)
{
	struct vmcb_control *c = &to_svm(vcpu)->vmcb->control;
	u32 info = c->exit_info_1;
	unsigned int size = (info & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT;

	/* SZ8/SZ16/SZ32 are one-hot: 1, 2, 4 -> bytes 1, 2, 4. */
	if (size != 1 && size != 2 && size != 4)
		return hvx_exit_unexpected(vcpu, SVM_EXIT_IOIO);
	/* EXITINFO2 holds the next RIP for IOIO even without NRIP save. */
	vcpu->x86.next_rip = c->exit_info_2;
	return hvx_handle_io(vcpu, info >> SVM_IOIO_PORT_SHIFT, size,
			     info & SVM_IOIO_TYPE_IN, info & SVM_IOIO_STR);
}

static int svm_fail_entry(struct hvx_vcpu *vcpu)
{
	struct hvx_x86 *x = &vcpu->x86;
	int r = hvx_exit_fail_entry(vcpu, SVM_EXIT_INVALID);

	pr_info_ratelimited("vCPU %u: VMRUN refused the guest state (%s: %s); rip %#llx cr0 %#llx cr3 %#llx cr4 %#llx efer %#llx\n",
			    vcpu->id, x->state_error.field, x->state_error.rule,
			    x->rip, x->cr0, x->cr3, x->cr4, x->efer);
	return r;
}

/* The IRET that ends NMI blocking is about to run (see svm_after_exit). */
static int svm_handle_iret(struct hvx_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	svm->awaiting_iret = true;
	svm->iret_rip = vcpu->x86.rip;
	return 1;
}

/* #DB intercepted while we single-step for the NMI window. */
static int svm_handle_db(struct hvx_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	/* The VMM's debugger steps the guest: its exit, whatever else stepped. */
	if (hvx_debug_singlestep(vcpu)) {
		u64 dr6 = svm->vmcb->save.dr6;

		svm->vmcb->save.dr6 &= ~DR_STEP;
		return hvx_debug_exit(vcpu, HVX_EXC_DB, hvx_debug_linear_rip(vcpu), dr6);
	}
	if (svm->nmi_singlestep && !(svm->singlestep_rflags & X86_EFLAGS_TF)) {
		/* Ours alone: the guest never sees it. */
		svm->vmcb->save.dr6 &= ~DR_STEP;
		return 1;
	}
	hvx_queue_exception(vcpu, SVM_VEC_DB, false, 0);
	return 1;
}

static int svm_handle_cr8_write(struct hvx_vcpu *vcpu)
{
	struct vmcb_control *c = &to_svm(vcpu)->vmcb->control;

	if ((hvx_caps.features & HVX_FEATURE_SVM_DECODE_ASSISTS) &&
	    (c->exit_info_1 & SVM_CR_INFO_VALID))
		return hvx_handle_mov_to_cr8(vcpu, c->exit_info_1 & SVM_CR_INFO_GPR_MASK);
	return hvx_handle_mov_to_cr8(vcpu, -1);
}

static int svm_handle_shutdown(struct hvx_vcpu *vcpu)
{
	/* The VMCB is undefined after a shutdown intercept (APM 15.10). */
	svm_init_vmcb(vcpu);
	return hvx_exit_shutdown(vcpu);
}

/* Instruction intercepts whose next RIP the CPU saves (with NRIPS). */
static bool svm_exit_has_next_rip(u64 code)
{
	switch (code) {
	case SVM_EXIT_CPUID: case SVM_EXIT_HLT: case SVM_EXIT_MSR:
	case SVM_EXIT_INVD: case SVM_EXIT_WBINVD: case SVM_EXIT_XSETBV:
	case SVM_EXIT_RDTSCP: case SVM_EXIT_VMMCALL: case SVM_EXIT_WRITE_CR4:
	case SVM_EXIT_WRITE_CR8:
		return true;
	default:
		return false;
	}
}

/* #UD in the guest: Intel's VMCALL is a hypercall to patch; anything else goes back. */
static int svm_handle_ud(struct hvx_vcpu *vcpu)
{
	struct hvx_insn insn;
	int r;

	r = hvx_decode_at_rip(vcpu, &insn);
	vcpu->x86.next_rip = 0;
	if (r == -EFAULT)
		return 1;	/* the fetch fault is queued instead */
	if (!r && hvx_pv_is_foreign_hypercall(&insn))
		return hvx_pv_fix_hypercall(vcpu);
	return hvx_handle_ud(vcpu);
}

static int svm_handle_exit(struct hvx_vcpu *vcpu)
{
	struct vmcb_control *c = &to_svm(vcpu)->vmcb->control;
	u64 code = c->exit_code;

	hvx_vcpu_stat_exit(vcpu, code);
	if ((hvx_caps.features & HVX_FEATURE_SVM_NRIPS) && svm_exit_has_next_rip(code))
		vcpu->x86.next_rip = c->next_rip;

	switch (code) {
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
	case SVM_EXIT_INIT:
		return 1;	/* the host took it after the exit */
	case SVM_EXIT_VINTR:	/* the interrupt window: decided at the next entry */
		hvx_vcpu_stat_inc(vcpu, HVX_STAT_IRQ_WINDOW_EXITS);
		return 1;
	case SVM_EXIT_IRET:	/* SVM's NMI window */
		hvx_vcpu_stat_inc(vcpu, HVX_STAT_NMI_WINDOW_EXITS);
		return svm_handle_iret(vcpu);
	case SVM_EXIT_EXCP_DB:	return svm_handle_db(vcpu);
	case SVM_EXIT_EXCP_UD:	return svm_handle_ud(vcpu);
	case SVM_EXIT_EXCP_BP:	/* intercepted only for KVM_GUESTDBG_USE_SW_BP */
		return hvx_debug_exit(vcpu, HVX_EXC_BP, hvx_debug_linear_rip(vcpu), 0);
	case SVM_EXIT_WRITE_CR8: return svm_handle_cr8_write(vcpu);
	case SVM_EXIT_PAUSE:
		schedule();	/* the guest spins: let someone else run */
		return 1;
	case SVM_EXIT_NPF:	return svm_handle_npf(vcpu);
	case SVM_EXIT_PF:
		return hvx_shadow_page_fault(vcpu, c->exit_info_2, c->exit_info_1);
	case SVM_EXIT_READ_CR0:
	case SVM_EXIT_READ_CR3:
	case SVM_EXIT_READ_CR4:
	case SVM_EXIT_WRITE_CR0:
	case SVM_EXIT_WRITE_CR3:
		return hvx_handle_cr_access(vcpu);
	case SVM_EXIT_INVLPG:	return hvx_handle_invlpg(vcpu);
	case SVM_EXIT_INVPCID:	return hvx_handle_invpcid(vcpu);
	case SVM_EXIT_WRITE_CR4:
		if ((hvx_caps.features & HVX_FEATURE_SVM_DECODE_ASSISTS) &&
		    (c->exit_info_1 & SVM_CR_INFO_VALID))
			return hvx_handle_mov_to_cr4(vcpu, c->exit_info_1 & SVM_CR_INFO_GPR_MASK);
		return hvx_handle_mov_to_cr4(vcpu, -1);
	case SVM_EXIT_IOIO:	return svm_handle_ioio(vcpu);
	case SVM_EXIT_CPUID:	return hvx_handle_cpuid(vcpu);
	case SVM_EXIT_MSR:
		return c->exit_info_1 ? hvx_handle_wrmsr(vcpu) : hvx_handle_rdmsr(vcpu);
	case SVM_EXIT_HLT:	return hvx_handle_hlt(vcpu);
	case SVM_EXIT_XSETBV:	return hvx_handle_xsetbv(vcpu);
	case SVM_EXIT_RDTSCP:	return hvx_handle_rdtscp(vcpu);
	case SVM_EXIT_VMMCALL:	return hvx_handle_hypercall(vcpu);
	case SVM_EXIT_INVD:	/* never drop dirty host lines: INVD acts as WBINVD */
	case SVM_EXIT_WBINVD:	return hvx_handle_nop(vcpu);
	case SVM_EXIT_RDPMC:	/* no virtual PMU: host counters stay private */
		hvx_inject_gp(vcpu, 0);
		return 1;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_COND:
		return hvx_handle_ud(vcpu);	/* SVM and MONITOR are hidden */
	case SVM_EXIT_SHUTDOWN:	return svm_handle_shutdown(vcpu);
	default:
		break;
	}
	/* VMEXIT_INVALID is -1; some implementations store only 32 bits of it. */
	if (code == SVM_EXIT_INVALID || code == (u32)SVM_EXIT_INVALID)
		return svm_fail_entry(vcpu);
	return hvx_exit_unexpected(vcpu, code);
}

int svm_vcpu_run(struct hvx_vcpu *vcpu)
{
	int fault = 0;

	/*
	 * Under shadow paging the CPU checks the CRs and EFER hvx derived,
	 * not the guest's: apply VMRUN's rules to the guest's ourselves,
	 * with the same result (KVM_EXIT_FAIL_ENTRY, the rule named).
	 */
	if (hvx_shadow_enabled() && (vcpu->x86.dirty & (HVX_REG_CRS | HVX_REG_SEGS)) &&
	    hvx_x86_check_state(vcpu))
		return svm_fail_entry(vcpu);
	svm_prepare_entry(vcpu);
	if (!svm_enter(vcpu, &fault)) {
		/* Not entered: nothing changed; the caller's loop checks why. */
		svm_cancel_entry(vcpu);
		return 1;
	}
	if (fault) {
		/* SVM was switched off under the vCPU (see svm_vmrun.S). */
		hvx_virt_insn_fault("VMLOAD/VMRUN/VMSAVE");
		return -EIO;
	}
	svm_after_exit(vcpu);
	/* As KVM, before the exit is handled (a TPR write there wins). */
	hvx_vapic_sync_from_guest(vcpu);
	return svm_handle_exit(vcpu);
}
