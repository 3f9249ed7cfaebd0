/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host side of the interrupt tests: the in-kernel irqchip, GSI routes,
 * irqfd/ioeventfd and MSIs, and vCPUs run by threads of their own so that
 * several run guest code at once (SMP). Like guest_vm.h, every helper fails
 * the current test rather than returning an error. Guest side: apic.h.
 *
 *	struct vm *vm = vm_create(VM_MEM_DEFAULT);
 *	vm_create_irqchip(vm);		(before the vCPUs)
 *	struct vcpu *ap = vm_vcpu_add_ap(vm, 1, guest_ap);
 *	struct vcpu_thread t;
 *	vcpu_thread_start(&t, ap);	(runs it until its GUEST_DONE)
 *	...
 *	vcpu_thread_join(&t);
 */
#ifndef HVX_IRQ_VM_H
#define HVX_IRQ_VM_H

#include <pthread.h>
#include <stdint.h>
#include "guest_vm.h"

#define IOAPIC_PINS		24

/* KVM_CREATE_IRQCHIP: PIC, IOAPIC, a LAPIC per vCPU; default GSI routes. */
void vm_create_irqchip(struct vm *vm);

/* Non-blocking eventfds: make one, add to its counter, read and reset it
 * (0 when nothing was signalled). */
int test_eventfd(void);
void eventfd_signal(int fd);
uint64_t eventfd_take(int fd);

/* KVM_IRQFD: fd raises gsi; resamplefd >= 0 makes it a resampling irqfd
 * (level: the line drops and resamplefd fires at the guest's EOI). */
void vm_irqfd(struct vm *vm, int fd, uint32_t gsi, int resamplefd);
void vm_irqfd_deassign(struct vm *vm, int fd, uint32_t gsi);

/* An MSI to a physical APIC ID, fixed delivery, edge. */
uint32_t msi_address_lo(uint32_t dest_apic_id);
void vm_signal_msi(struct vm *vm, uint32_t dest_apic_id, uint8_t vector);
/* KVM_SET_GSI_ROUTING replaces the whole table: GSI 0-23 to the IOAPIC's
 * pins, and gsi (>= 24) to an MSI for (dest_apic_id, vector). */
void vm_route_msi(struct vm *vm, uint32_t gsi, uint32_t dest_apic_id, uint8_t vector);

/* KVM_IOEVENTFD for a port (pio) or a GPA, len bytes, any data. */
void vm_ioeventfd(struct vm *vm, int fd, uint64_t addr, uint32_t len, bool pio);
void vm_ioeventfd_match(struct vm *vm, int fd, uint64_t addr, uint32_t len, bool pio,
			uint64_t datamatch);

/* A copy of the device's supported CPUID with CPUID.1:ECX bits added. */
struct kvm_cpuid2 *cpuid_with_leaf1_ecx(uint32_t bits);

/* A vCPU run by a thread until the guest's GUEST_DONE; any other exit or
 * ucall fails the test (the whole process, as a failed test does). */
struct vcpu_thread {
	pthread_t tid;
	struct vcpu *vcpu;
};

void vcpu_thread_start(struct vcpu_thread *t, struct vcpu *vcpu);
void vcpu_thread_join(struct vcpu_thread *t);

uint64_t vcpu_get_mp_state(struct vcpu *vcpu);
void vcpu_set_mp_state(struct vcpu *vcpu, uint32_t state);
/* vm_vcpu_add for an AP: with the irqchip, KVM creates vCPUs other than the
 * BSP waiting for INIT/SIPI; this one is made runnable, in 64-bit mode. */
struct vcpu *vm_vcpu_add_ap(struct vm *vm, unsigned int id, void (*entry)(void));

#endif /* HVX_IRQ_VM_H */
