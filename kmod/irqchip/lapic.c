// SPDX-License-Identifier: GPL-2.0-only
/*
 * The local APIC of one vCPU: the xAPIC page and the x2APIC MSRs, IRR/ISR/
 * TMR, TPR/PPR, EOI, the LVTs, the timer (one-shot, periodic, TSC
 * deadline, on an hrtimer) and IPIs.
 *
 * The registers live in a 1 KiB array laid out as the xAPIC page, which is
 * also what KVM_GET/SET_LAPIC carry. Only the owning vCPU's thread writes
 * registers other than IRR/TMR/ESR; other vCPUs (IPIs), the IOAPIC, MSIs
 * and the timer set IRR bits under lapic->lock from any context. The
 * owner cancels the hrtimer only with the lock dropped, since the
 * callback takes it.
 */
#include <linux/math64.h>
#include <linux/slab.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>
#include "irqchip.h"
#include "hooks.h"
#include "hvx_exit.h"

/* Version 0x14 (integrated), six LVTs (max LVT index 5), as KVM. */
#define HVX_LAPIC_VERSION	(0x14 | ((6 - 1) << 16))
/* The VM's bus clock: ns per APIC timer tick before the divider. */
static u64 lapic_bus_cycle_ns(struct hvx_lapic *l)
{
	return READ_ONCE(l->vcpu->vm->apic_bus_cycle_ns);
}
/* KVM's floor for periodic timers, so a guest cannot storm the host. */
#define HVX_MIN_TIMER_PERIOD_NS	(200 * NSEC_PER_USEC)

#define HVX_LVT_MASK		(APIC_LVT_MASKED | APIC_SEND_PENDING | APIC_VECTOR_MASK)
#define HVX_LINT_MASK		(HVX_LVT_MASK | APIC_MODE_MASK | APIC_INPUT_POLARITY | \
				 APIC_LVT_REMOTE_IRR | APIC_LVT_LEVEL_TRIGGER)
#define HVX_LVT_TIMER_MODE_MASK	(3 << 17)
#define HVX_NR_VECTOR_WORDS	8

static const u32 hvx_lvt_regs[] = {
	APIC_LVTT, APIC_LVTTHMR, APIC_LVTPC, APIC_LVT0, APIC_LVT1, APIC_LVTERR,
};

static u32 reg_get(struct hvx_lapic *l, u32 off)
{
	return *(u32 *)(l->regs + off);
}

static void reg_set(struct hvx_lapic *l, u32 off, u32 val)
{
	*(u32 *)(l->regs + off) = val;
}

/* IRR, ISR and TMR: 256 bits in eight 32-bit registers 16 bytes apart. */
static u32 *vec_word(struct hvx_lapic *l, u32 base, u8 vec)
{
	return (u32 *)(l->regs + base + (vec / 32) * 0x10);
}

static bool vec_test(struct hvx_lapic *l, u32 base, u8 vec)
{
	return *vec_word(l, base, vec) & BIT(vec % 32);
}

static void vec_set(struct hvx_lapic *l, u32 base, u8 vec)
{
	*vec_word(l, base, vec) |= BIT(vec % 32);
}

static void vec_clear(struct hvx_lapic *l, u32 base, u8 vec)
{
	*vec_word(l, base, vec) &= ~BIT(vec % 32);
}

static int vec_highest(struct hvx_lapic *l, u32 base)
{
	int i;

	for (i = HVX_NR_VECTOR_WORDS - 1; i >= 0; i--) {
		u32 w = reg_get(l, base + i * 0x10);

		if (w)
			return i * 32 + __fls(w);
	}
	return -1;
}

static bool lapic_x2apic_mode(struct hvx_lapic *l)
{
	return l->vcpu->x86.apic_base & X2APIC_ENABLE;
}

static bool lapic_hw_enabled(struct hvx_lapic *l)
{
	return l->vcpu->x86.apic_base & MSR_IA32_APICBASE_ENABLE;
}

static bool lapic_sw_enabled(struct hvx_lapic *l)
{
	return reg_get(l, APIC_SPIV) & APIC_SPIV_APIC_ENABLED;
}

static u32 lapic_x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | (1 << (id & 0xf));
}

/* PPR = TPR if its class is at least that of the highest in-service vector. */
static void lapic_update_ppr(struct hvx_lapic *l)
{
	u32 tpr = reg_get(l, APIC_TASKPRI);
	int isrv = vec_highest(l, APIC_ISR);
	u32 isr_class = isrv < 0 ? 0 : isrv & 0xf0;

	reg_set(l, APIC_PROCPRI, (tpr & 0xf0) >= isr_class ? tpr & 0xff : isr_class);
}

/* Lock held: the vector the LAPIC would deliver now, or -1. */
static int lapic_pending_locked(struct hvx_lapic *l)
{
	int v;

	if (!lapic_hw_enabled(l))
		return -1;
	v = vec_highest(l, APIC_IRR);
	if (v < 0 || (v & 0xf0) <= (reg_get(l, APIC_PROCPRI) & 0xf0))
		return -1;
	return v;
}

/* ---- Accepting interrupts ----------------------------------------------- */

/*
 * A fixed or lowest-priority vector into IRR: 1 taken, 0 refused (the
 * LAPIC is disabled, the vector illegal). As in KVM, an IRR bit already
 * set still counts as taken.
 */
static int lapic_accept_vector(struct hvx_vcpu *vcpu, u8 vector, bool level_trig)
{
	struct hvx_lapic *l = vcpu->lapic;
	unsigned long flags;
	int r = 0;

	spin_lock_irqsave(&l->lock, flags);
	if (!lapic_hw_enabled(l) || !lapic_sw_enabled(l)) {
		/* dropped */
	} else if (vector < 16) {
		reg_set(l, APIC_ESR, reg_get(l, APIC_ESR) | APIC_ESR_RECVILL);
	} else {
		r = 1;
		vec_set(l, APIC_IRR, vector);
		if (level_trig)
			vec_set(l, APIC_TMR, vector);
		else
			vec_clear(l, APIC_TMR, vector);
	}
	spin_unlock_irqrestore(&l->lock, flags);
	if (r)
		hvx_vcpu_wake(vcpu);
	return r;
}

static int lapic_accept(struct hvx_vcpu *vcpu, const struct hvx_irq_msg *msg)
{
	switch (msg->delivery_mode) {
	case APIC_DM_FIXED >> 8:
	case APIC_DM_LOWEST >> 8:
		return lapic_accept_vector(vcpu, msg->vector, msg->level_trig);
	case APIC_DM_NMI >> 8:
		hvx_vcpu_queue_nmi(vcpu);
		return 1;
	case APIC_DM_INIT >> 8:
		/* A level-triggered de-assert INIT is the old "INIT level de-assert": ignored. */
		if (msg->level_trig && !msg->assert)
			return 0;
		hvx_vcpu_deliver_init(vcpu);
		return 1;
	case APIC_DM_STARTUP >> 8:
		hvx_vcpu_deliver_sipi(vcpu, msg->vector);
		return 1;
	default:	/* SMI, remote read, ExtINT: not modelled */
		return 0;
	}
}

/*
 * An 8-bit 0xff from an IOAPIC or MSI is a broadcast even to x2APIC-mode
 * LAPICs, KVM's quirk, unless the VMM turned the quirk off
 * (KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK): then it is ID 0xff there.
 */
static bool lapic_is_broadcast(struct hvx_vcpu *vcpu, const struct hvx_irq_msg *msg, bool x2)
{
	if (msg->x2apic_dest)
		return msg->dest == 0xffffffff;
	if (msg->dest != 0xff)
		return false;
	return msg->ipi || !x2 || !READ_ONCE(vcpu->vm->x2apic_broadcast_quirk_disabled);
}

static bool lapic_match_dest(struct hvx_vcpu *vcpu, const struct hvx_irq_msg *msg)
{
	struct hvx_lapic *l = vcpu->lapic;
	bool x2 = lapic_x2apic_mode(l);
	u32 dest = msg->dest;

	if (lapic_is_broadcast(vcpu, msg, x2))
		return true;
	if (!msg->logical)
		return dest == (x2 ? vcpu->id : reg_get(l, APIC_ID) >> 24);
	if (x2) {
		u32 ldr = reg_get(l, APIC_LDR);

		if (!msg->x2apic_dest)	/* an 8-bit flat destination */
			return dest & ldr & 0xff;
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	} else {
		u32 ldr = reg_get(l, APIC_LDR) >> 24;

		if ((reg_get(l, APIC_DFR) >> 28) == (APIC_DFR_FLAT >> 28))
			return ldr & dest;
		/* Cluster model: cluster in the high nibble, a bitmap below. */
		return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf);
	}
}

static bool lapic_targets(struct hvx_vcpu *vcpu, struct hvx_vcpu *src,
			  const struct hvx_irq_msg *msg)
{
	switch (msg->shorthand) {
	case APIC_DEST_SELF >> 18:
		return vcpu == src;
	case APIC_DEST_ALLINC >> 18:
		return true;
	case APIC_DEST_ALLBUT >> 18:
		return vcpu != src;
	default:
		return lapic_match_dest(vcpu, msg);
	}
}

int hvx_lapic_deliver(struct hvx_vm *vm, struct hvx_vcpu *src,
		      const struct hvx_irq_msg *msg)
{
	unsigned int i, nr = hvx_vm_nr_vcpus(vm);
	struct hvx_vcpu *lowest = NULL;
	int r = -1;

	for (i = 0; i < nr; i++) {
		struct hvx_vcpu *v = vm->vcpus[i];

		if (!v->lapic || !lapic_targets(v, src, msg))
			continue;
		if (msg->delivery_mode == APIC_DM_LOWEST >> 8) {
			/* The lowest processor priority wins; ties go to the first. */
			if (!lowest || reg_get(v->lapic, APIC_PROCPRI) <
				       reg_get(lowest->lapic, APIC_PROCPRI))
				lowest = v;
			continue;
		}
		r = (r < 0 ? 0 : r) + lapic_accept(v, msg);
	}
	if (lowest)
		r = lapic_accept(lowest, msg);
	return r;
}

bool hvx_lapic_accepts_pic(struct hvx_vcpu *vcpu)
{
	struct hvx_lapic *l = vcpu->lapic;
	u32 lvt0;

	if (!l)
		return false;
	if (!lapic_hw_enabled(l))
		return true;
	lvt0 = READ_ONCE(*(u32 *)(l->regs + APIC_LVT0));
	return !(lvt0 & APIC_LVT_MASKED) &&
	       ((lvt0 & APIC_MODE_MASK) >> 8) == APIC_MODE_EXTINT;
}

int hvx_lapic_pending(struct hvx_vcpu *vcpu)
{
	struct hvx_lapic *l = vcpu->lapic;
	unsigned long flags;
	int v;

	spin_lock_irqsave(&l->lock, flags);
	v = lapic_pending_locked(l);
	spin_unlock_irqrestore(&l->lock, flags);
	return v;
}

int hvx_lapic_ack(struct hvx_vcpu *vcpu)
{
	struct hvx_lapic *l = vcpu->lapic;
	unsigned long flags;
	int v;

	spin_lock_irqsave(&l->lock, flags);
	v = lapic_pending_locked(l);
	if (v >= 0) {
		vec_clear(l, APIC_IRR, v);
		vec_set(l, APIC_ISR, v);
		lapic_update_ppr(l);
	}
	spin_unlock_irqrestore(&l->lock, flags);
	return v;
}

/* ---- EOI, TPR ------------------------------------------------------------ */

static void lapic_eoi(struct hvx_vcpu *vcpu)
{
	struct hvx_lapic *l = vcpu->lapic;
	unsigned long flags;
	bool level = false, more;
	int v;

	spin_lock_irqsave(&l->lock, flags);
	v = vec_highest(l, APIC_ISR);
	if (v >= 0) {
		vec_clear(l, APIC_ISR, v);
		level = vec_test(l, APIC_TMR, v);
		lapic_update_ppr(l);
	}
	more = lapic_pending_locked(l) >= 0;
	spin_unlock_irqrestore(&l->lock, flags);
	/* A level-triggered vector came from the IOAPIC: broadcast the EOI. */
	if (level)
		hvx_ioapic_eoi(vcpu->vm, v);
	if (more)
		hvx_vcpu_wake(vcpu);
}

void hvx_lapic_set_tpr(struct hvx_vcpu *vcpu, u32 tpr)
{
	struct hvx_lapic *l = vcpu->lapic;
	unsigned long flags;
	bool more;

	spin_lock_irqsave(&l->lock, flags);
	reg_set(l, APIC_TASKPRI, tpr & 0xff);
	lapic_update_ppr(l);
	more = lapic_pending_locked(l) >= 0;
	spin_unlock_irqrestore(&l->lock, flags);
	if (more)
		hvx_vcpu_wake(vcpu);
}

u64 hvx_lapic_get_cr8(struct hvx_vcpu *vcpu)
{
	if (!vcpu->lapic)
		return 0;
	return (reg_get(vcpu->lapic, APIC_TASKPRI) >> 4) & 0xf;
}

void hvx_lapic_set_cr8(struct hvx_vcpu *vcpu, u64 cr8)
{
	if (vcpu->lapic)
		hvx_lapic_set_tpr(vcpu, (cr8 & 0xf) << 4);
}

u32 hvx_lapic_vapic_word(struct hvx_vcpu *vcpu)
{
	struct hvx_lapic *l = vcpu->lapic;
	unsigned long flags;
	int irr, isr;
	u32 tpr;

	spin_lock_irqsave(&l->lock, flags);
	tpr = reg_get(l, APIC_TASKPRI) & 0xff;
	irr = max(vec_highest(l, APIC_IRR), 0);
	isr = max(vec_highest(l, APIC_ISR), 0);
	spin_unlock_irqrestore(&l->lock, flags);
	return tpr | ((isr & 0xf0) << 8) | ((u32)irr << 24);
}

/* ---- The timer ----------------------------------------------------------- */

static u32 lapic_timer_mode(struct hvx_lapic *l)
{
	return reg_get(l, APIC_LVTT) & HVX_LVT_TIMER_MODE_MASK;
}

static u32 lapic_divide(struct hvx_lapic *l)
{
	u32 tdcr = reg_get(l, APIC_TDCR);
	u32 v = (tdcr & 3) | ((tdcr & 8) >> 1);

	return 1 << ((v + 1) & 7);
}

/* Lock held: the timer's vector into IRR, unless its LVT is masked. */
static void lapic_timer_fire(struct hvx_lapic *l)
{
	u32 lvtt = reg_get(l, APIC_LVTT);
	u8 vec = lvtt & APIC_VECTOR_MASK;

	if ((lvtt & APIC_LVT_MASKED) || !lapic_hw_enabled(l) || vec < 16)
		return;
	vec_set(l, APIC_IRR, vec);
	vec_clear(l, APIC_TMR, vec);
	hvx_vcpu_wake(l->vcpu);
}

static enum hrtimer_restart lapic_timer_expired(struct hrtimer *t)
{
	struct hvx_lapic *l = container_of(t, struct hvx_lapic, timer);
	enum hrtimer_restart r = HRTIMER_NORESTART;
	unsigned long flags;

	spin_lock_irqsave(&l->lock, flags);
	lapic_timer_fire(l);
	if (lapic_timer_mode(l) == APIC_LVT_TIMER_TSCDEADLINE) {
		l->tsc_deadline = 0;	/* the deadline disarms itself */
	} else if (l->timer_period) {
		hrtimer_forward_now(t, l->timer_period);
		l->timer_target = hrtimer_get_expires(t);
		r = HRTIMER_RESTART;
	}
	spin_unlock_irqrestore(&l->lock, flags);
	return r;
}

/* Owner thread, lock NOT held: the callback may be waiting for it. */
static void lapic_timer_stop(struct hvx_lapic *l)
{
	hrtimer_cancel(&l->timer);
}

/* Lock held, timer stopped: start a count from TMICT. */
static void lapic_timer_start_count(struct hvx_lapic *l)
{
	u32 mode = lapic_timer_mode(l);
	u64 ns = (u64)reg_get(l, APIC_TMICT) * lapic_divide(l) * lapic_bus_cycle_ns(l);

	l->timer_period = 0;
	if (!ns || mode == APIC_LVT_TIMER_TSCDEADLINE)
		return;
	if (mode == APIC_LVT_TIMER_PERIODIC) {
		ns = max_t(u64, ns, HVX_MIN_TIMER_PERIOD_NS);
		l->timer_period = ns_to_ktime(ns);
	}
	l->timer_target = ktime_add_ns(ktime_get(), ns);
	hrtimer_start(&l->timer, l->timer_target, HRTIMER_MODE_ABS_HARD);
}

static u64 lapic_guest_tsc(struct hvx_lapic *l)
{
	return hvx_tsc_read(l->vcpu);
}

/* Lock held, timer stopped: arm the TSC deadline. */
static void lapic_timer_start_deadline(struct hvx_lapic *l)
{
	u64 now = lapic_guest_tsc(l), ns;

	if (!l->tsc_deadline || lapic_timer_mode(l) != APIC_LVT_TIMER_TSCDEADLINE)
		return;
	if (l->tsc_deadline <= now || !tsc_khz) {
		l->tsc_deadline = 0;
		lapic_timer_fire(l);
		return;
	}
	ns = mul_u64_u32_div(l->tsc_deadline - now, NSEC_PER_MSEC, tsc_khz);
	l->timer_target = ktime_add_ns(ktime_get(), ns);
	hrtimer_start(&l->timer, l->timer_target, HRTIMER_MODE_ABS_HARD);
}

/* Lock held: the current count register. */
static u32 lapic_current_count(struct hvx_lapic *l)
{
	s64 left;

	if (lapic_timer_mode(l) == APIC_LVT_TIMER_TSCDEADLINE || !reg_get(l, APIC_TMICT) ||
	    !hrtimer_active(&l->timer))
		return 0;
	left = ktime_to_ns(ktime_sub(l->timer_target, ktime_get()));
	if (left < 0)
		left = l->timer_period ? ktime_to_ns(l->timer_period) + left % ktime_to_ns(l->timer_period) : 0;
	if (left <= 0)
		return 0;
	return div64_u64(left, lapic_divide(l) * lapic_bus_cycle_ns(l));
}

/* ---- Register access ----------------------------------------------------- */

static u32 lapic_read_reg(struct hvx_lapic *l, u32 off)
{
	unsigned long flags;
	u32 val;

	spin_lock_irqsave(&l->lock, flags);
	val = off == APIC_TMCCT ? lapic_current_count(l) : reg_get(l, off);
	spin_unlock_irqrestore(&l->lock, flags);
	return val;
}

static void lapic_send_ipi(struct hvx_vcpu *vcpu, u32 icr, u32 dest, bool x2)
{
	struct hvx_irq_msg msg = {
		.dest = dest,
		.vector = icr & APIC_VECTOR_MASK,
		.delivery_mode = (icr & APIC_MODE_MASK) >> 8,
		.logical = icr & APIC_DEST_LOGICAL,
		.level_trig = icr & APIC_INT_LEVELTRIG,
		.assert = icr & APIC_INT_ASSERT,
		.x2apic_dest = x2,
		.ipi = true,
		.shorthand = (icr >> 18) & 3,
	};

	hvx_lapic_deliver(vcpu->vm, vcpu, &msg);
}

static void lapic_set_lvt(struct hvx_lapic *l, u32 off, u32 val, u32 mask)
{
	if (!lapic_sw_enabled(l))
		val |= APIC_LVT_MASKED;
	reg_set(l, off, val & mask);
}

/* A write of the timer registers: stop, update, restart. */
static void lapic_write_timer_reg(struct hvx_lapic *l, u32 off, u32 val)
{
	unsigned long flags;
	u32 old_mode;

	lapic_timer_stop(l);
	spin_lock_irqsave(&l->lock, flags);
	old_mode = lapic_timer_mode(l);
	switch (off) {
	case APIC_LVTT:
		lapic_set_lvt(l, off, val, HVX_LVT_MASK | HVX_LVT_TIMER_MODE_MASK);
		if (old_mode != lapic_timer_mode(l)) {
			/* Switching to or from TSC deadline stops the timer (KVM). */
			reg_set(l, APIC_TMICT, 0);
			l->tsc_deadline = 0;
		}
		break;
	case APIC_TMICT:
		if (old_mode == APIC_LVT_TIMER_TSCDEADLINE)
			break;	/* ignored in TSC-deadline mode */
		reg_set(l, APIC_TMICT, val);
		break;
	case APIC_TDCR:
		reg_set(l, APIC_TDCR, val & 0xb);
		break;
	}
	/*
	 * A deadline stays armed; TMICT starts a new count; a running
	 * periodic count restarts (with the new divider); a running one-shot
	 * count keeps its expiry.
	 */
	if (lapic_timer_mode(l) == APIC_LVT_TIMER_TSCDEADLINE)
		lapic_timer_start_deadline(l);
	else if (off == APIC_TMICT || l->timer_period)
		lapic_timer_start_count(l);
	else if (reg_get(l, APIC_TMICT) && ktime_after(l->timer_target, ktime_get()))
		hrtimer_start(&l->timer, l->timer_target, HRTIMER_MODE_ABS_HARD);
	spin_unlock_irqrestore(&l->lock, flags);
}

static void lapic_write_spiv(struct hvx_lapic *l, u32 val)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&l->lock, flags);
	reg_set(l, APIC_SPIV, val & 0x3ff);
	/* Software disable masks every LVT. */
	if (!(val & APIC_SPIV_APIC_ENABLED))
		for (i = 0; i < ARRAY_SIZE(hvx_lvt_regs); i++)
			reg_set(l, hvx_lvt_regs[i], reg_get(l, hvx_lvt_regs[i]) | APIC_LVT_MASKED);
	spin_unlock_irqrestore(&l->lock, flags);
}

/* A register write by the guest: 0, or 1 where an x2APIC MSR write #GPs. */
static int lapic_write_reg(struct hvx_vcpu *vcpu, u32 off, u32 val)
{
	struct hvx_lapic *l = vcpu->lapic;
	bool x2 = lapic_x2apic_mode(l);
	unsigned long flags;

	switch (off) {
	case APIC_ID:
		if (x2)
			return 1;
		spin_lock_irqsave(&l->lock, flags);
		reg_set(l, APIC_ID, val & 0xff000000);
		spin_unlock_irqrestore(&l->lock, flags);
		return 0;
	case APIC_TASKPRI:
		hvx_vapic_report_tpr(vcpu, true);
		hvx_lapic_set_tpr(vcpu, val);
		return 0;
	case APIC_EOI:
		lapic_eoi(vcpu);
		return 0;
	case APIC_LDR:
		if (x2)
			return 1;
		spin_lock_irqsave(&l->lock, flags);
		reg_set(l, APIC_LDR, val & APIC_LDR_MASK);
		spin_unlock_irqrestore(&l->lock, flags);
		return 0;
	case APIC_DFR:
		if (x2)
			return 1;
		spin_lock_irqsave(&l->lock, flags);
		reg_set(l, APIC_DFR, val | 0x0fffffff);
		spin_unlock_irqrestore(&l->lock, flags);
		return 0;
	case APIC_SPIV:
		lapic_write_spiv(l, val);
		return 0;
	case APIC_ESR:
		if (x2 && val)
			return 1;
		spin_lock_irqsave(&l->lock, flags);
		reg_set(l, APIC_ESR, 0);
		spin_unlock_irqrestore(&l->lock, flags);
		return 0;
	case APIC_ICR:
		reg_set(l, APIC_ICR, val & ~APIC_ICR_BUSY);
		lapic_send_ipi(vcpu, val, reg_get(l, APIC_ICR2) >> 24, false);
		return 0;
	case APIC_ICR2:
		if (x2)
			return 1;
		reg_set(l, APIC_ICR2, val & 0xff000000);
		return 0;
	case APIC_LVT0:
	case APIC_LVT1:
		spin_lock_irqsave(&l->lock, flags);
		lapic_set_lvt(l, off, val, HVX_LINT_MASK);
		spin_unlock_irqrestore(&l->lock, flags);
		if (off == APIC_LVT0)	/* the PIC may now reach this vCPU */
			hvx_vcpu_wake(vcpu);
		return 0;
	case APIC_LVTTHMR:
	case APIC_LVTPC:
	case APIC_LVTERR:
		spin_lock_irqsave(&l->lock, flags);
		lapic_set_lvt(l, off, val, off == APIC_LVTERR ? HVX_LVT_MASK :
			      HVX_LVT_MASK | APIC_MODE_MASK);
		spin_unlock_irqrestore(&l->lock, flags);
		return 0;
	case APIC_LVTT:
	case APIC_TMICT:
	case APIC_TDCR:
		lapic_write_timer_reg(l, off, val);
		return 0;
	case APIC_SELF_IPI:
		if (!x2)
			return 0;
		lapic_send_ipi(vcpu, (val & APIC_VECTOR_MASK) | APIC_DEST_SELF, 0, true);
		return 0;
	default:
		/* Read-only or reserved: the xAPIC ignores it, x2APIC #GPs. */
		return x2 ? 1 : 0;
	}
}

static bool lapic_mmio_in_range(struct hvx_vcpu *vcpu, u64 gpa)
{
	u64 base = vcpu->x86.apic_base & ~0xfffULL & ~(-1ULL << boot_cpu_data.x86_phys_bits);

	return gpa >= base && gpa < base + HVX_LAPIC_MMIO_SIZE;
}

int hvx_lapic_mmio_read(struct hvx_vcpu *vcpu, u64 gpa, unsigned int len, void *val)
{
	struct hvx_lapic *l = vcpu->lapic;
	u32 off = gpa & 0xfff, align = off & 0xf, reg;

	if (!lapic_mmio_in_range(vcpu, gpa))
		return -EOPNOTSUPP;
	/* Disabled or x2APIC: KVM's "MMIO hole", reads all-ones. */
	if (!lapic_hw_enabled(l) || lapic_x2apic_mode(l)) {
		memset(val, 0xff, len);
		return 0;
	}
	memset(val, 0, len);
	if (off >= HVX_LAPIC_REGS_SIZE || align + len > 4)
		return 0;
	if ((off & ~0xf) == APIC_TASKPRI)
		hvx_vapic_report_tpr(vcpu, false);
	reg = lapic_read_reg(l, off & ~0xf);
	memcpy(val, (u8 *)&reg + align, len);
	return 0;
}

int hvx_lapic_mmio_write(struct hvx_vcpu *vcpu, u64 gpa, unsigned int len, const void *val)
{
	struct hvx_lapic *l = vcpu->lapic;
	u32 off = gpa & 0xfff, v;

	if (!lapic_mmio_in_range(vcpu, gpa))
		return -EOPNOTSUPP;
	/* Only aligned 32-bit writes reach a register; others are dropped. */
	if (!lapic_hw_enabled(l) || lapic_x2apic_mode(l) || len != 4 || (off & 0xf) ||
	    off >= HVX_LAPIC_REGS_SIZE)
		return 0;
	memcpy(&v, val, 4);
	lapic_write_reg(vcpu, off, v);
	return 0;
}

/* ---- MSRs ------------------------------------------------------------------ */

#define HVX_X2APIC_MSR_FIRST	APIC_BASE_MSR
#define HVX_X2APIC_MSR_LAST	(APIC_BASE_MSR + 0xff)

static bool x2apic_readable(u32 off)
{
	switch (off) {
	case APIC_ID: case APIC_LVR: case APIC_TASKPRI: case APIC_PROCPRI:
	case APIC_LDR: case APIC_SPIV: case APIC_ESR: case APIC_ICR:
	case APIC_LVTT: case APIC_LVTTHMR: case APIC_LVTPC: case APIC_LVT0:
	case APIC_LVT1: case APIC_LVTERR: case APIC_TMICT: case APIC_TMCCT:
	case APIC_TDCR:
		return true;
	default:
		return (off >= APIC_ISR && off < APIC_ISR + 0x80) ||
		       (off >= APIC_TMR && off < APIC_TMR + 0x80) ||
		       (off >= APIC_IRR && off < APIC_IRR + 0x80);
	}
}

int hvx_lapic_get_msr(struct hvx_vcpu *vcpu, u32 msr, u64 *val)
{
	struct hvx_lapic *l = vcpu->lapic;
	u32 off;

	if (!l)
		return -ENOENT;
	if (msr == MSR_IA32_TSC_DEADLINE) {
		*val = lapic_timer_mode(l) == APIC_LVT_TIMER_TSCDEADLINE ? l->tsc_deadline : 0;
		return 0;
	}
	if (msr < HVX_X2APIC_MSR_FIRST || msr > HVX_X2APIC_MSR_LAST)
		return -ENOENT;
	off = (msr - APIC_BASE_MSR) << 4;
	if (!lapic_x2apic_mode(l) || !x2apic_readable(off))
		return 1;
	/* As KVM, also for the VMM's KVM_GET_MSRS. */
	if (off == APIC_TASKPRI)
		hvx_vapic_report_tpr(vcpu, false);
	*val = lapic_read_reg(l, off);
	if (off == APIC_ICR)
		*val |= (u64)reg_get(l, APIC_ICR2) << 32;
	return 0;
}

int hvx_lapic_set_msr(struct hvx_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	struct hvx_lapic *l = vcpu->lapic;
	unsigned long flags;
	u32 off;

	if (!l)
		return -ENOENT;
	if (msr == MSR_IA32_TSC_DEADLINE) {
		if (lapic_timer_mode(l) != APIC_LVT_TIMER_TSCDEADLINE)
			return 0;	/* ignored outside TSC-deadline mode */
		lapic_timer_stop(l);
		spin_lock_irqsave(&l->lock, flags);
		l->tsc_deadline = val;
		lapic_timer_start_deadline(l);
		spin_unlock_irqrestore(&l->lock, flags);
		return 0;
	}
	if (msr < HVX_X2APIC_MSR_FIRST || msr > HVX_X2APIC_MSR_LAST)
		return -ENOENT;
	off = (msr - APIC_BASE_MSR) << 4;
	if (!lapic_x2apic_mode(l))
		return 1;
	if (off == APIC_ICR) {
		/* KVM: #GP for bits 31:20, 17:16 and 13 (reserved in x2APIC mode). */
		if (val & (GENMASK_ULL(31, 20) | GENMASK_ULL(17, 16) | BIT_ULL(13)))
			return 1;
		reg_set(l, APIC_ICR2, val >> 32);
		reg_set(l, APIC_ICR, (u32)val & ~APIC_ICR_BUSY);
		lapic_send_ipi(vcpu, val, val >> 32, true);
		return 0;
	}
	/* Upper halves are reserved; EOI takes only zero. */
	if (val >> 32 || (off == APIC_EOI && val))
		return 1;
	return lapic_write_reg(vcpu, off, val);
}

/* IA32_APIC_BASE: enable, x2APIC mode (bit 10), base address. */
/*
 * KVM's rules for a new IA32_APIC_BASE (SDM vol. 3 10.12.5): no reserved
 * bit (above MAXPHYADDR, 7:0 and 9, EXTD without x2APIC in the guest's
 * CPUID), never x2APIC without EN; and for the guest, x2APIC -> xAPIC and
 * disabled -> x2APIC only through the other path.
 */
bool hvx_apic_base_valid(struct hvx_vcpu *vcpu, u64 val, bool host)
{
	u64 old = vcpu->x86.apic_base;
	u64 reserved = 0x2ffULL;
	bool was_x2 = old & X2APIC_ENABLE, x2 = val & X2APIC_ENABLE;
	bool was_en = old & MSR_IA32_APICBASE_ENABLE, en = val & MSR_IA32_APICBASE_ENABLE;
	u32 eax, ebx, ecx, edx;

	hvx_guest_cpuid(vcpu, 1, 0, &eax, &ebx, &ecx, &edx);
	if (!(ecx & BIT(X86_FEATURE_X2APIC & 31)))
		reserved |= X2APIC_ENABLE;
	if ((val & reserved) || val >> boot_cpu_data.x86_phys_bits)
		return false;
	if (x2 && !en)
		return false;
	if (!host && was_x2 && en && !x2)
		return false;
	if (!host && !was_en && x2)
		return false;
	return true;
}

int hvx_lapic_set_base(struct hvx_vcpu *vcpu, u64 val, bool host)
{
	struct hvx_lapic *l = vcpu->lapic;
	u64 old = vcpu->x86.apic_base;
	bool was_x2 = old & X2APIC_ENABLE, x2 = val & X2APIC_ENABLE;
	unsigned long flags;

	if (!hvx_apic_base_valid(vcpu, val, host))
		return 1;
	vcpu->x86.apic_base = val;
	if (!l)
		return 0;
	spin_lock_irqsave(&l->lock, flags);
	if (x2 && !was_x2) {
		reg_set(l, APIC_ID, vcpu->id);
		reg_set(l, APIC_LDR, lapic_x2apic_ldr(vcpu->id));
	} else if (!x2 && was_x2) {
		reg_set(l, APIC_ID, vcpu->id << 24);
		reg_set(l, APIC_LDR, 0);
	}
	spin_unlock_irqrestore(&l->lock, flags);
	hvx_vcpu_wake(vcpu);
	return 0;
}

/* ---- Life cycle and KVM_GET/SET_LAPIC -------------------------------------- */

void hvx_lapic_reset(struct hvx_vcpu *vcpu, bool init)
{
	struct hvx_lapic *l = vcpu->lapic;
	unsigned long flags;
	unsigned int i;
	u32 id;

	if (!l)
		return;
	lapic_timer_stop(l);
	spin_lock_irqsave(&l->lock, flags);
	/* INIT keeps the APIC ID (and IA32_APIC_BASE, which is not here). */
	id = init ? reg_get(l, APIC_ID) : vcpu->id << 24;
	memset(l->regs, 0, sizeof(l->regs));
	if (lapic_x2apic_mode(l)) {
		reg_set(l, APIC_ID, vcpu->id);
		reg_set(l, APIC_LDR, lapic_x2apic_ldr(vcpu->id));
	} else {
		reg_set(l, APIC_ID, id);
	}
	reg_set(l, APIC_LVR, HVX_LAPIC_VERSION);
	reg_set(l, APIC_DFR, APIC_DFR_FLAT);
	reg_set(l, APIC_SPIV, 0xff);
	for (i = 0; i < ARRAY_SIZE(hvx_lvt_regs); i++)
		reg_set(l, hvx_lvt_regs[i], APIC_LVT_MASKED);
	/* The BSP takes the PIC through LINT0 (KVM's reset value). */
	if (vcpu->id == vcpu->vm->bsp_vcpu_id && !init)
		reg_set(l, APIC_LVT0, APIC_MODE_EXTINT << 8);
	l->tsc_deadline = 0;
	l->timer_period = 0;
	spin_unlock_irqrestore(&l->lock, flags);
}

int hvx_lapic_create(struct hvx_vcpu *vcpu)
{
	struct hvx_lapic *l;

	if (vcpu->lapic || !hvx_irqchip_in_kernel(vcpu->vm))
		return 0;
	l = kzalloc(sizeof(*l), GFP_KERNEL_ACCOUNT);
	if (!l)
		return -ENOMEM;
	spin_lock_init(&l->lock);
	l->vcpu = vcpu;
	hrtimer_init(&l->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	l->timer.function = lapic_timer_expired;
	vcpu->lapic = l;
	hvx_lapic_reset(vcpu, false);
	return 0;
}

void hvx_lapic_free(struct hvx_vcpu *vcpu)
{
	struct hvx_lapic *l = vcpu->lapic;

	if (!l)
		return;
	hrtimer_cancel(&l->timer);
	vcpu->lapic = NULL;
	kfree(l);
}

long hvx_lapic_get_state_ioctl(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct hvx_lapic *l = vcpu->lapic;
	struct kvm_lapic_state *s;
	unsigned long flags;
	long r = 0;

	if (!l)
		return -EINVAL;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	spin_lock_irqsave(&l->lock, flags);
	memcpy(s->regs, l->regs, sizeof(s->regs));
	*(u32 *)(s->regs + APIC_TMCCT) = lapic_current_count(l);
	spin_unlock_irqrestore(&l->lock, flags);
	/*
	 * An x2APIC ID is reported xAPIC-style (ID << 24) unless the VMM took
	 * KVM_X2APIC_API_USE_32BIT_IDS.
	 */
	if (lapic_x2apic_mode(l) && !READ_ONCE(vcpu->vm->x2apic_format))
		*(u32 *)(s->regs + APIC_ID) <<= 24;
	if (copy_to_user(argp, s, sizeof(*s)))
		r = -EFAULT;
	kfree(s);
	return r;
}

long hvx_lapic_set_state_ioctl(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct hvx_lapic *l = vcpu->lapic;
	struct kvm_lapic_state *s;
	unsigned long flags;
	bool more;

	if (!l)
		return -EINVAL;
	s = memdup_user(argp, sizeof(*s));
	if (IS_ERR(s))
		return PTR_ERR(s);
	/*
	 * The x2APIC ID is read-only: with 32-bit ids the VMM must give the
	 * vCPU's own (EINVAL otherwise, as KVM); without, whatever it gives is
	 * replaced below.
	 */
	if (lapic_x2apic_mode(l) && READ_ONCE(vcpu->vm->x2apic_format) &&
	    *(u32 *)(s->regs + APIC_ID) != vcpu->id) {
		kfree(s);
		return -EINVAL;
	}
	lapic_timer_stop(l);
	spin_lock_irqsave(&l->lock, flags);
	memcpy(l->regs, s->regs, sizeof(l->regs));
	if (lapic_x2apic_mode(l)) {
		reg_set(l, APIC_ID, vcpu->id);
		reg_set(l, APIC_LDR, lapic_x2apic_ldr(vcpu->id));
	}
	reg_set(l, APIC_LVR, HVX_LAPIC_VERSION);
	reg_set(l, APIC_TMCCT, 0);
	lapic_update_ppr(l);
	l->tsc_deadline = 0;
	lapic_timer_start_count(l);
	more = lapic_pending_locked(l) >= 0;
	spin_unlock_irqrestore(&l->lock, flags);
	kfree(s);
	if (more)
		hvx_vcpu_wake(vcpu);
	return 0;
}
