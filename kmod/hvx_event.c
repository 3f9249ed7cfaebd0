// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CPU side of events: which exception, NMI or interrupt the guest
 * takes at the next entry and when it can take it; HLT, the MP state and
 * INIT/SIPI; KVM_INTERRUPT, KVM_NMI and the kvm_vcpu_events view of it all.
 * The interrupt controllers (kmod/irqchip/) say *which* interrupt is
 * pending; see hvx_irq.h for the contract.
 *
 * The model is KVM's. An event cut short by an exit (EXITINTINFO, IDT-
 * vectoring information) comes back as *injected* and goes in again first,
 * exactly once. An exception an exit handler raises is *pending*: the
 * double-fault rules apply to it against an injected one. NMIs are counted
 * (one in flight, one latched) and wait for NMI blocking to end at IRET;
 * interrupts wait for RFLAGS.IF=1 and no STI/MOV SS shadow. What cannot go
 * in now arms a window exit (interrupt window, NMI window).
 *
 * hvx_event_inject() decides, with interrupts off, after the vCPU has
 * announced guest mode and right before the entry, so an event another
 * thread raises after the decision (hvx_vcpu_wake: HVX_REQ_EVENT + kick)
 * finds the vCPU in guest mode and its IPI makes it exit at once.
 * Everything else (blocking in HLT, INIT, SIPI) happens in the run loop
 * with interrupts on, before the entry (hvx_event_before_run).
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include "hvx_exit.h"
#include "hvx_irq.h"

/* Faults, as opposed to traps (#DB, #BP, #OF) and aborts (#DF, #MC); KVM's rule. */
static bool hvx_exception_is_fault(u8 vector)
{
	switch (vector) {
	case HVX_EXC_DB:
	case HVX_EXC_NMI:
	case HVX_EXC_BP:
	case HVX_EXC_OF:
	case HVX_EXC_DF:
	case HVX_EXC_MC:
		return false;
	default:
		return true;
	}
}

/* One NMI may be in delivery or blocked and one more latched (as KVM). */
#define HVX_MAX_NMI_PENDING	2

void hvx_event_vcpu_init(struct hvx_vcpu *vcpu)
{
	init_waitqueue_head(&vcpu->wq);
	atomic_set(&vcpu->nmi_queued, 0);
	vcpu->apic_events = 0;
	/* APs wait for INIT/SIPI when the in-kernel LAPIC can send them. */
	vcpu->x86.mp_state = hvx_irqchip_in_kernel(vcpu->vm) && vcpu->id != 0 ?
			     KVM_MP_STATE_UNINITIALIZED : KVM_MP_STATE_RUNNABLE;
}

/* ---- Exceptions: the double-fault rules (SDM vol. 3 table 6-5) ---- */

enum hvx_exc_class { HVX_EXC_BENIGN, HVX_EXC_CONTRIBUTORY, HVX_EXC_PAGE_FAULT };

static enum hvx_exc_class hvx_exception_class(u8 vector)
{
	switch (vector) {
	case HVX_EXC_DE: case HVX_EXC_TS: case HVX_EXC_NP: case HVX_EXC_SS:
	case HVX_EXC_GP:
		return HVX_EXC_CONTRIBUTORY;
	case HVX_EXC_PF:
		return HVX_EXC_PAGE_FAULT;
	default:
		return HVX_EXC_BENIGN;
	}
}

void hvx_queue_exception(struct hvx_vcpu *vcpu, u8 vector, bool has_error,
			 u32 error_code)
{
	struct hvx_exception *ex = &vcpu->x86.exception;

	if (ex->pending || ex->injected) {
		enum hvx_exc_class first = hvx_exception_class(ex->vector);
		enum hvx_exc_class second = hvx_exception_class(vector);

		if (ex->vector == HVX_EXC_DF) {
			/* A fault while delivering #DF: the CPU shuts down. */
			ex->pending = ex->injected = false;
			set_bit(HVX_REQ_TRIPLE_FAULT, &vcpu->requests);
			return;
		}
		if ((first == HVX_EXC_CONTRIBUTORY && second == HVX_EXC_CONTRIBUTORY) ||
		    (first == HVX_EXC_PAGE_FAULT && second != HVX_EXC_BENIGN)) {
			vector = HVX_EXC_DF;
			has_error = true;
			error_code = 0;
		}
		/*
		 * Otherwise the two are handled serially: the second goes in,
		 * and a fault among them comes back when its instruction runs
		 * again.
		 */
	}
	ex->pending = true;
	ex->injected = false;
	ex->soft = false;
	ex->vector = vector;
	ex->has_error_code = has_error;
	ex->error_code = error_code;
}

/* ---- Other threads: hvx_irq.h's CPU half ---- */

void hvx_vcpu_wake(struct hvx_vcpu *vcpu)
{
	hvx_vcpu_request(vcpu, HVX_REQ_EVENT);
	wake_up_interruptible(&vcpu->wq);
}

void hvx_vcpu_queue_nmi(struct hvx_vcpu *vcpu)
{
	atomic_inc(&vcpu->nmi_queued);
	hvx_vcpu_wake(vcpu);
}

void hvx_vcpu_deliver_init(struct hvx_vcpu *vcpu)
{
	set_bit(HVX_APIC_INIT, &vcpu->apic_events);
	hvx_vcpu_request(vcpu, HVX_REQ_INIT_SIPI);
	wake_up_interruptible(&vcpu->wq);
}

void hvx_vcpu_deliver_sipi(struct hvx_vcpu *vcpu, u8 vector)
{
	WRITE_ONCE(vcpu->sipi_vector, vector);
	smp_wmb();	/* the vector before the bit: hvx_accept_apic_events() */
	set_bit(HVX_APIC_SIPI, &vcpu->apic_events);
	hvx_vcpu_request(vcpu, HVX_REQ_INIT_SIPI);
	wake_up_interruptible(&vcpu->wq);
}

/* ---- When the guest can take what ---- */

bool hvx_interrupt_allowed(struct hvx_vcpu *vcpu)
{
	hvx_x86_get(vcpu, HVX_REG_EVENTS);
	return (vcpu->x86.rflags & X86_EFLAGS_IF) && !vcpu->x86.interrupt_shadow &&
	       !hvx_debug_blocks_irqs(vcpu);
}

static bool hvx_nmi_allowed(struct hvx_vcpu *vcpu)
{
	hvx_x86_get(vcpu, HVX_REG_EVENTS);
	return !vcpu->x86.nmi_masked && !vcpu->x86.interrupt_shadow;
}

/* NMIs from other threads into the vCPU's own count, collapsing extras. */
static void hvx_process_nmi(struct hvx_vcpu *vcpu)
{
	struct hvx_x86 *x = &vcpu->x86;
	unsigned int limit = HVX_MAX_NMI_PENDING, n;

	hvx_x86_get(vcpu, HVX_REG_EVENTS);
	/* One blocked or in delivery already: only one more can latch. */
	if (x->nmi_masked || x->nmi_injected)
		limit--;
	n = x->nmi_pending + atomic_xchg(&vcpu->nmi_queued, 0);
	x->nmi_pending = min(n, limit);
}

/* An event half-delivered or a pending exception: not an instruction boundary. */
static bool hvx_event_in_flight(struct hvx_vcpu *vcpu)
{
	struct hvx_x86 *x = &vcpu->x86;

	return x->exception.pending || x->exception.injected ||
	       x->nmi_injected || x->interrupt.injected;
}

/* kvm_run.ready_for_interrupt_injection without an in-kernel irqchip. */
static bool hvx_ready_for_interrupt(struct hvx_vcpu *vcpu)
{
	return hvx_interrupt_allowed(vcpu) && !hvx_event_in_flight(vcpu);
}

static void hvx_event_set(struct hvx_event *ev, u8 type, u8 vector,
			  bool has_error_code, u32 error_code, u8 insn_len)
{
	ev->type = type;
	ev->vector = vector;
	ev->has_error_code = has_error_code;
	ev->error_code = error_code;
	ev->insn_len = insn_len;
}

/*
 * Right before an entry, interrupts off, the vCPU in guest mode: hand the
 * backend the one event that goes in now and arm the windows for what
 * waits. What is handed over leaves the queue; if the entry or the
 * delivery does not complete, the backend gives it back through
 * hvx_event_complete().
 */
void hvx_event_inject(struct hvx_vcpu *vcpu)
{
	struct hvx_x86 *x = &vcpu->x86;
	struct hvx_exception *ex = &x->exception;
	bool in_kernel = hvx_irqchip_in_kernel(vcpu->vm);
	struct hvx_event ev = { .type = HVX_EVENT_NONE };
	bool held_irq, irq_window;
	int vector;

	clear_bit(HVX_REQ_EVENT, &vcpu->requests);
	hvx_process_nmi(vcpu);
	/* KVM_INTERRUPT while the guest cannot take it: wait for the window. */
	held_irq = x->interrupt.injected && !x->interrupt.soft &&
		   !hvx_interrupt_allowed(vcpu);

	if (ex->injected) {
		hvx_event_set(&ev, ex->soft ? HVX_EVENT_SOFT_EXCEPTION : HVX_EVENT_EXCEPTION,
			      ex->vector, ex->has_error_code, ex->error_code,
			      x->event_insn_len);
		ex->injected = false;
	} else if (x->nmi_injected) {
		hvx_event_set(&ev, HVX_EVENT_NMI, HVX_EXC_NMI, false, 0, 0);
		x->nmi_injected = false;
	} else if (x->interrupt.injected && !held_irq) {
		hvx_event_set(&ev, x->interrupt.soft ? HVX_EVENT_SOFT_INTR : HVX_EVENT_INTR,
			      x->interrupt.nr, false, 0, x->event_insn_len);
		x->interrupt.injected = false;
	} else if (ex->pending) {
		hvx_event_set(&ev, HVX_EVENT_EXCEPTION, ex->vector,
			      ex->has_error_code, ex->error_code, 0);
		ex->pending = false;
		/*
		 * A fault's frame carries RFLAGS.RF = 1, so that IRET back to
		 * the faulting instruction does not hit its instruction
		 * breakpoint again (SDM vol. 3 17.3.1.1); the CPU sets it when
		 * it raises the fault itself, and so does KVM.
		 */
		if (hvx_exception_is_fault(ex->vector))
			x->rflags |= X86_EFLAGS_RF;
	} else if (x->nmi_pending && hvx_nmi_allowed(vcpu)) {
		hvx_event_set(&ev, HVX_EVENT_NMI, HVX_EXC_NMI, false, 0, 0);
		x->nmi_pending--;
	} else if (in_kernel && hvx_interrupt_allowed(vcpu) &&
		   hvx_irqchip_pending_vector(vcpu) >= 0) {
		vector = hvx_irqchip_ack_vector(vcpu);
		if (vector >= 0)
			hvx_event_set(&ev, HVX_EVENT_INTR, vector, false, 0, 0);
	}
	if (ev.type == HVX_EVENT_INTR)
		hvx_vcpu_stat_inc(vcpu, HVX_STAT_IRQ_INJECTIONS);
	else if (ev.type == HVX_EVENT_NMI)
		hvx_vcpu_stat_inc(vcpu, HVX_STAT_NMI_INJECTIONS);
	if (ev.type != HVX_EVENT_NONE)
		hvx_arch->inject_event(vcpu, &ev);

	if (in_kernel)
		irq_window = hvx_irqchip_pending_vector(vcpu) >= 0;
	else
		irq_window = held_irq ||
			     READ_ONCE(hvx_vcpu_run_page(vcpu)->request_interrupt_window);
	hvx_arch->set_event_windows(vcpu, irq_window, x->nmi_pending > 0);
}

/* After an exit (or an abandoned entry): the event that did not get through. */
void hvx_event_complete(struct hvx_vcpu *vcpu, const struct hvx_event *ev)
{
	struct hvx_x86 *x = &vcpu->x86;

	switch (ev->type) {
	case HVX_EVENT_EXCEPTION:
	case HVX_EVENT_SOFT_EXCEPTION:
		x->exception.injected = true;
		x->exception.pending = false;
		x->exception.soft = ev->type == HVX_EVENT_SOFT_EXCEPTION;
		x->exception.vector = ev->vector;
		x->exception.has_error_code = ev->has_error_code;
		x->exception.error_code = ev->error_code;
		x->event_insn_len = ev->insn_len;
		break;
	case HVX_EVENT_NMI:
		x->nmi_injected = true;
		break;
	case HVX_EVENT_INTR:
	case HVX_EVENT_SOFT_INTR:
		x->interrupt.injected = true;
		x->interrupt.soft = ev->type == HVX_EVENT_SOFT_INTR;
		x->interrupt.nr = ev->vector;
		x->event_insn_len = ev->insn_len;
		break;
	default:
		break;
	}
}

/* ---- INIT, SIPI, HLT: the run loop, interrupts on ---- */

/* INIT: the INIT state of SDM vol. 3 table 10-1 (MSRs and caches survive). */
static int hvx_vcpu_do_init(struct hvx_vcpu *vcpu)
{
	struct hvx_x86 *x = &vcpu->x86;
	struct hvx_x86 *old;

	hvx_x86_get(vcpu, HVX_REG_ALL);
	old = kmemdup(x, sizeof(*x), GFP_KERNEL_ACCOUNT);
	if (!old)
		return -ENOMEM;
	hvx_arch->vcpu_reset(vcpu);	/* RESET state, everything dirty */
	/* INIT keeps CR0.CD/NW and every MSR; EFER is cleared (as KVM). */
	x->cr0 = (x->cr0 & ~(X86_CR0_CD | X86_CR0_NW)) |
		 (old->cr0 & (X86_CR0_CD | X86_CR0_NW));
	x->star = old->star;
	x->lstar = old->lstar;
	x->cstar = old->cstar;
	x->sfmask = old->sfmask;
	x->kernel_gs_base = old->kernel_gs_base;
	x->sysenter_cs = old->sysenter_cs;
	x->sysenter_esp = old->sysenter_esp;
	x->sysenter_eip = old->sysenter_eip;
	x->pat = old->pat;
	x->apic_base = old->apic_base;
	x->tsc_aux = old->tsc_aux;
	x->spec_ctrl = old->spec_ctrl;
	x->misc_enable = old->misc_enable;
	x->mtrr_def_type = old->mtrr_def_type;
	memcpy(x->mtrr_fixed, old->mtrr_fixed, sizeof(x->mtrr_fixed));
	memcpy(x->mtrr_var, old->mtrr_var, sizeof(x->mtrr_var));
	x->xcr0 = old->xcr0;
	hvx_x86_put(vcpu, HVX_REG_ALL);
	kfree(old);
	atomic_set(&vcpu->nmi_queued, 0);
	hvx_lapic_reset(vcpu, true);
	return 0;
}

/* SIPI: start in real mode at vector << 12 (CS = vector << 8, IP = 0). */
static void hvx_vcpu_do_sipi(struct hvx_vcpu *vcpu, u8 vector)
{
	struct kvm_segment *cs = &vcpu->x86.seg[HVX_X86_CS];

	hvx_x86_get(vcpu, HVX_REG_SEGS);
	cs->selector = vector << 8;
	cs->base = (u64)vector << 12;
	vcpu->x86.rip = 0;
	hvx_x86_put(vcpu, HVX_REG_SEGS);
}

static bool hvx_vcpu_is_bsp(struct hvx_vcpu *vcpu)
{
	return vcpu->x86.apic_base & MSR_IA32_APICBASE_BSP;
}

/* INIT and SIPI that other threads latched. */
static int hvx_accept_apic_events(struct hvx_vcpu *vcpu)
{
	struct hvx_x86 *x = &vcpu->x86;
	int r;

	clear_bit(HVX_REQ_INIT_SIPI, &vcpu->requests);
	if (!READ_ONCE(vcpu->apic_events))
		return 0;
	if (test_and_clear_bit(HVX_APIC_INIT, &vcpu->apic_events)) {
		r = hvx_vcpu_do_init(vcpu);
		if (r)
			return r;
		x->mp_state = hvx_vcpu_is_bsp(vcpu) ? KVM_MP_STATE_RUNNABLE :
						      KVM_MP_STATE_INIT_RECEIVED;
	}
	if (test_and_clear_bit(HVX_APIC_SIPI, &vcpu->apic_events)) {
		smp_rmb();	/* pairs with hvx_vcpu_deliver_sipi() */
		/* A SIPI outside wait-for-SIPI is dropped, as on hardware. */
		if (x->mp_state == KVM_MP_STATE_INIT_RECEIVED) {
			hvx_vcpu_do_sipi(vcpu, READ_ONCE(vcpu->sipi_vector));
			x->mp_state = KVM_MP_STATE_RUNNABLE;
		}
	}
	return 0;
}

/* Does something end HLT (or, in wait-for-SIPI, is INIT/SIPI here)? */
static bool hvx_vcpu_has_events(struct hvx_vcpu *vcpu)
{
	struct hvx_x86 *x = &vcpu->x86;

	if (READ_ONCE(vcpu->apic_events))
		return true;
	if (x->mp_state != KVM_MP_STATE_HALTED)
		return false;
	if (x->exception.pending || atomic_read(&vcpu->nmi_queued) ||
	    (x->nmi_pending && !x->nmi_masked))
		return true;
	/* HLT with IF=0 sleeps through maskable interrupts, as on hardware. */
	return (x->rflags & X86_EFLAGS_IF) && hvx_irqchip_in_kernel(vcpu->vm) &&
	       hvx_irqchip_pending_vector(vcpu) >= 0;
}

/*
 * Sleep until an event for a halted or waiting vCPU (hvx_vcpu_wake and
 * friends wake us). 1 to go on, or -EINTR with KVM_EXIT_INTR on a signal.
 */
static int hvx_vcpu_block(struct hvx_vcpu *vcpu)
{
	hvx_x86_get(vcpu, HVX_REG_EVENTS);	/* nmi_masked, read while we sleep */
	if (wait_event_interruptible(vcpu->wq, hvx_vcpu_has_events(vcpu))) {
		hvx_vcpu_run_page(vcpu)->exit_reason = KVM_EXIT_INTR;
		return -EINTR;
	}
	return 1;
}

/*
 * Before each entry: a triple fault ends the run; INIT/SIPI are taken; a
 * halted or waiting vCPU sleeps until it is runnable. 1 to enter the
 * guest, or what KVM_RUN returns.
 */
int hvx_event_before_run(struct hvx_vcpu *vcpu)
{
	struct hvx_x86 *x = &vcpu->x86;
	int r;

	for (;;) {
		if (test_and_clear_bit(HVX_REQ_TRIPLE_FAULT, &vcpu->requests)) {
			hvx_vcpu_run_page(vcpu)->exit_reason = KVM_EXIT_SHUTDOWN;
			return 0;
		}
		r = hvx_accept_apic_events(vcpu);
		if (r)
			return r;
		if (x->mp_state == KVM_MP_STATE_HALTED && hvx_vcpu_has_events(vcpu))
			x->mp_state = KVM_MP_STATE_RUNNABLE;
		if (x->mp_state == KVM_MP_STATE_RUNNABLE)
			return 1;
		r = hvx_vcpu_block(vcpu);
		if (r <= 0)
			return r;
	}
}

/* After an exit the guest re-enters from: the interrupt window userspace asked for. */
int hvx_event_after_exit(struct hvx_vcpu *vcpu)
{
	struct kvm_run *run = hvx_vcpu_run_page(vcpu);

	if (!hvx_irqchip_in_kernel(vcpu->vm) &&
	    READ_ONCE(run->request_interrupt_window) && hvx_ready_for_interrupt(vcpu)) {
		run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
		return 0;
	}
	return 1;
}

/* The kvm_run fields KVM fills in at every return from KVM_RUN. */
void hvx_event_fill_run(struct hvx_vcpu *vcpu)
{
	struct kvm_run *run = hvx_vcpu_run_page(vcpu);

	run->if_flag = !!(vcpu->x86.rflags & X86_EFLAGS_IF);
	run->cr8 = hvx_get_cr8(vcpu);
	run->apic_base = vcpu->x86.apic_base;
	run->ready_for_interrupt_injection = hvx_irqchip_in_kernel(vcpu->vm) ||
					     hvx_ready_for_interrupt(vcpu);
}

/* ---- CR8: the LAPIC's TPR with an in-kernel irqchip ---- */

u64 hvx_get_cr8(struct hvx_vcpu *vcpu)
{
	if (hvx_irqchip_in_kernel(vcpu->vm))
		return hvx_lapic_get_cr8(vcpu);
	return vcpu->x86.cr8;
}

void hvx_set_cr8(struct hvx_vcpu *vcpu, u64 cr8)
{
	if (hvx_irqchip_in_kernel(vcpu->vm))
		hvx_lapic_set_cr8(vcpu, cr8);
	else
		vcpu->x86.cr8 = cr8;
}

/* ---- ioctls ---- */

/* KVM_INTERRUPT: the userspace PIC's interrupt, taken when the guest can. */
long hvx_vcpu_interrupt(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_interrupt irq;

	if (copy_from_user(&irq, argp, sizeof(irq)))
		return -EFAULT;
	if (irq.irq >= 256)
		return -EINVAL;
	/* The in-kernel PIC delivers its own interrupts. */
	if (hvx_irqchip_in_kernel(vcpu->vm))
		return -ENXIO;
	vcpu->x86.interrupt.injected = true;
	vcpu->x86.interrupt.soft = false;
	vcpu->x86.interrupt.nr = irq.irq;
	return 0;
}

long hvx_vcpu_nmi(struct hvx_vcpu *vcpu, void __user *argp)
{
	hvx_vcpu_queue_nmi(vcpu);
	return 0;
}

int hvx_get_mp_state(struct hvx_vcpu *vcpu, u32 *mp_state)
{
	int r = hvx_accept_apic_events(vcpu);

	*mp_state = vcpu->x86.mp_state;
	return r;
}

int hvx_set_mp_state(struct hvx_vcpu *vcpu, u32 mp_state)
{
	switch (mp_state) {
	case KVM_MP_STATE_RUNNABLE:
		break;
	case KVM_MP_STATE_UNINITIALIZED:
	case KVM_MP_STATE_INIT_RECEIVED:
	case KVM_MP_STATE_HALTED:
	case KVM_MP_STATE_SIPI_RECEIVED:
		/* Only an in-kernel LAPIC can take the vCPU out of these. */
		if (!hvx_irqchip_in_kernel(vcpu->vm))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (mp_state == KVM_MP_STATE_SIPI_RECEIVED) {
		/* As KVM: wait-for-SIPI with the SIPI (sipi_vector of SET_VCPU_EVENTS) latched. */
		vcpu->x86.mp_state = KVM_MP_STATE_INIT_RECEIVED;
		set_bit(HVX_APIC_SIPI, &vcpu->apic_events);
	} else {
		vcpu->x86.mp_state = mp_state;
	}
	return 0;
}

/*
 * KVM_GET_VCPU_EVENTS. Without KVM_CAP_EXCEPTION_PAYLOAD a pending
 * exception reads as injected; INT3/INTO/INTn in delivery are left out,
 * as KVM does: RIP is still at the instruction, which raises them again.
 */
void hvx_events_get(struct hvx_vcpu *vcpu, struct kvm_vcpu_events *e)
{
	struct hvx_x86 *x = &vcpu->x86;
	const struct hvx_exception *ex = &x->exception;

	memset(e, 0, sizeof(*e));
	hvx_process_nmi(vcpu);
	e->exception.injected = (ex->pending || ex->injected) && !ex->soft;
	e->exception.nr = ex->vector;
	e->exception.has_error_code = ex->has_error_code;
	e->exception.error_code = ex->error_code;
	e->interrupt.injected = x->interrupt.injected && !x->interrupt.soft;
	e->interrupt.nr = x->interrupt.nr;
	if (x->interrupt_shadow)
		e->interrupt.shadow = (x->rflags & X86_EFLAGS_IF) ? KVM_X86_SHADOW_INT_STI :
								    KVM_X86_SHADOW_INT_MOV_SS;
	e->nmi.injected = x->nmi_injected;
	e->nmi.pending = x->nmi_pending;
	e->nmi.masked = x->nmi_masked;
	e->flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW |
		   KVM_VCPUEVENT_VALID_SMM;
}

int hvx_events_set(struct hvx_vcpu *vcpu, const struct kvm_vcpu_events *e)
{
	/* No KVM_CAP_EXCEPTION_PAYLOAD or triple-fault event capability. */
	const u32 known = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR |
			  KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM;
	struct hvx_x86 *x = &vcpu->x86;
	struct hvx_exception *ex = &x->exception;
	unsigned int len;

	if (e->flags & ~known)
		return -EINVAL;
	/* Without the payload capability, exception.pending is ignored (as KVM). */
	if (e->exception.injected && (e->exception.nr > 31 || e->exception.nr == HVX_EXC_NMI))
		return -EINVAL;
	/* No SMM in hvx. */
	if ((e->flags & KVM_VCPUEVENT_VALID_SMM) && (e->smi.smm || e->smi.pending))
		return -EINVAL;

	hvx_x86_get(vcpu, HVX_REG_EVENTS);
	ex->pending = false;
	ex->injected = e->exception.injected;
	ex->soft = false;
	ex->vector = e->exception.nr;
	ex->has_error_code = e->exception.has_error_code;
	ex->error_code = e->exception.error_code;

	x->interrupt.injected = e->interrupt.injected;
	x->interrupt.nr = e->interrupt.nr;
	x->interrupt.soft = e->interrupt.soft;
	if (x->interrupt.injected && x->interrupt.soft)
		x->event_insn_len = hvx_emulate_insn_len(vcpu, &len) ? 2 : len;
	if (e->flags & KVM_VCPUEVENT_VALID_SHADOW)
		x->interrupt_shadow = !!e->interrupt.shadow;

	x->nmi_injected = e->nmi.injected;
	if (e->flags & KVM_VCPUEVENT_VALID_NMI_PENDING) {
		x->nmi_pending = 0;
		atomic_set(&vcpu->nmi_queued, e->nmi.pending);
	}
	x->nmi_masked = e->nmi.masked;
	hvx_x86_put(vcpu, HVX_REG_EVENTS);

	if ((e->flags & KVM_VCPUEVENT_VALID_SIPI_VECTOR) && hvx_irqchip_in_kernel(vcpu->vm))
		vcpu->sipi_vector = e->sipi_vector;
	return 0;
}
