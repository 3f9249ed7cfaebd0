/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the generic core (exit handlers, emulator glue, MSRs, ioctls)
 * calls in kmod/irqchip/, besides the hvx_irq.h contract.
 */
#ifndef HVX_IRQCHIP_HOOKS_H
#define HVX_IRQCHIP_HOOKS_H

#include <linux/types.h>

struct hvx_vm;
struct hvx_vcpu;

/*
 * Offer a guest access to the in-kernel devices (LAPIC, IOAPIC, PIC, PIT,
 * ioeventfds) before it goes to userspace. 0 if one handled it (a read
 * filled @val), -EOPNOTSUPP if none claims it.
 */
int hvx_io_bus_pio(struct hvx_vcpu *vcpu, u16 port, unsigned int len, bool in, void *val);
int hvx_io_bus_mmio(struct hvx_vcpu *vcpu, u64 gpa, unsigned int len, bool write, void *val);

/*
 * x2APIC MSRs (0x800-0x8ff), IA32_TSC_DEADLINE and IA32_APIC_BASE with an
 * in-kernel LAPIC: 0 done, 1 the guest gets #GP, -ENOENT no LAPIC.
 */
int hvx_lapic_get_msr(struct hvx_vcpu *vcpu, u32 msr, u64 *val);
int hvx_lapic_set_msr(struct hvx_vcpu *vcpu, u32 msr, u64 val, bool host);
int hvx_lapic_set_base(struct hvx_vcpu *vcpu, u64 val, bool host);
bool hvx_apic_base_valid(struct hvx_vcpu *vcpu, u64 val, bool host);

/* KVM_GET_LAPIC / KVM_SET_LAPIC. */
long hvx_lapic_get_state_ioctl(struct hvx_vcpu *vcpu, void __user *argp);
long hvx_lapic_set_state_ioctl(struct hvx_vcpu *vcpu, void __user *argp);

#endif /* HVX_IRQCHIP_HOOKS_H */
