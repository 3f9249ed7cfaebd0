/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The contract between the two halves of interrupt virtualization:
 *
 *  - the interrupt controllers (kmod/irqchip/: LAPIC, IOAPIC, PIC, PIT,
 *    GSI routing, irqfd/ioeventfd, the in-kernel I/O bus), which decide
 *    WHICH event a vCPU has pending;
 *  - the CPU side (kmod/hvx_event.c, the run loop, the backends), which
 *    decides WHEN the guest can take it and injects it: interrupt and NMI
 *    windows, re-injection after an exit during delivery, HLT blocking,
 *    INIT/SIPI and the MP state.
 *
 * Neither half reaches into the other's structures; everything crosses
 * through the functions below.
 */
#ifndef HVX_IRQ_H
#define HVX_IRQ_H

#include <linux/types.h>

struct hvx_vm;
struct hvx_vcpu;

/* ---- Provided by the interrupt controllers (kmod/irqchip/) ---------- */

/* Was KVM_CREATE_IRQCHIP called on this VM? (Stable once true.) */
bool hvx_irqchip_in_kernel(struct hvx_vm *vm);

/* Per-vCPU LAPIC, created with the vCPU when the VM has an irqchip. */
int hvx_lapic_create(struct hvx_vcpu *vcpu);
void hvx_lapic_free(struct hvx_vcpu *vcpu);
/* RESET and INIT of the LAPIC (INIT keeps the APIC ID and base). */
void hvx_lapic_reset(struct hvx_vcpu *vcpu, bool init);

/*
 * The vector the vCPU's interrupt controllers would deliver now (LAPIC
 * IRR above PPR, or the PIC's through LINT0 in ExtINT mode), or -1.
 * Ignores RFLAGS.IF and interrupt shadows: those are the CPU side's.
 * This and hvx_irqchip_ack_vector() are called with interrupts off right
 * before a guest entry, and while a halted vCPU is about to sleep (task
 * state not running): they must not sleep.
 */
int hvx_irqchip_pending_vector(struct hvx_vcpu *vcpu);
/*
 * The CPU takes that interrupt: IRR to ISR (or the PIC's INTA cycle).
 * Returns the vector to inject, or -1 if it went away in between.
 */
int hvx_irqchip_ack_vector(struct hvx_vcpu *vcpu);

/* CR8 <-> TPR (bits 7:4 of the TPR are CR8[3:0]). */
u64 hvx_lapic_get_cr8(struct hvx_vcpu *vcpu);
void hvx_lapic_set_cr8(struct hvx_vcpu *vcpu, u64 cr8);
void hvx_lapic_set_tpr(struct hvx_vcpu *vcpu, u32 tpr);
/* KVM's VAPIC dword: TPR, highest ISR class << 8, highest IRR << 24. */
u32 hvx_lapic_vapic_word(struct hvx_vcpu *vcpu);

/* ---- KVM_CAP_VAPIC (irqchip/vapic.c) -------------------------------- */
long hvx_vcpu_tpr_access_reporting(struct hvx_vcpu *vcpu, void __user *argp);
long hvx_vcpu_set_vapic_addr(struct hvx_vcpu *vcpu, void __user *argp);
void hvx_vapic_sync_to_guest(struct hvx_vcpu *vcpu);
void hvx_vapic_sync_from_guest(struct hvx_vcpu *vcpu);
void hvx_vapic_report_tpr(struct hvx_vcpu *vcpu, bool write);

/* ---- Provided by the CPU side (kmod/hvx_event.c) -------------------- */

/*
 * Something may now be deliverable to @vcpu (an IRR bit, a PIC line):
 * make it re-evaluate before its next entry, kick it out of guest mode,
 * and wake it if it is blocked in HLT. Any context, including hrtimer
 * callbacks and with spinlocks held; never sleeps.
 */
void hvx_vcpu_wake(struct hvx_vcpu *vcpu);
/* An NMI for @vcpu (LAPIC NMI IPI, LVT with NMI delivery, KVM_NMI). */
void hvx_vcpu_queue_nmi(struct hvx_vcpu *vcpu);
/* INIT and SIPI (delivery modes 101 and 110 of an IPI). */
void hvx_vcpu_deliver_init(struct hvx_vcpu *vcpu);
void hvx_vcpu_deliver_sipi(struct hvx_vcpu *vcpu, u8 vector);

#endif /* HVX_IRQ_H */
