/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host side of the guest library: a VM with one RAM slot at GPA 0 holding
 * a copy of the test binary (so a C function of the test is guest code),
 * identity page tables, GDT/IDT/TSS and a stack per vCPU; vCPUs set up in
 * 64-bit mode (vm_vcpu_add) or left in the architectural reset state for
 * raw 16-bit code (vm_vcpu_add_raw). Every helper fails the current test
 * case (ktap) rather than returning an error, unless its name starts with _.
 *
 *	struct vm *vm = vm_create(VM_MEM_DEFAULT);
 *	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_code);
 *	struct ucall uc;
 *
 *	vcpu_run(vcpu);
 *	ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_SYNC);
 */
#ifndef HVX_GUEST_VM_H
#define HVX_GUEST_VM_H

#include <stdbool.h>
#include <stdint.h>
#include "hvx_test.h"
#include "guest_layout.h"
#include "ucall.h"

#define VM_MEM_DEFAULT		(32ULL << 20)
#define VM_MAX_SLOTS		8

struct vm_slot {
	bool used;
	uint32_t slot, flags;
	uint64_t gpa, size;
	void *hva;
};

struct vm {
	int dev, fd;
	void *mem;		/* slot 0: GPA 0 .. mem_size */
	uint64_t mem_size;
	uint64_t free_gpa;	/* first GPA after the binary, 2 MiB aligned */
	struct vm_slot slots[VM_MAX_SLOTS];	/* what gpa2hva knows about */
};

struct vcpu {
	struct vm *vm;
	int fd;
	unsigned int id;
	struct kvm_run *run;
};

/* VM with slot 0 of mem_size bytes (rounded up to 2 MiB), image loaded. */
struct vm *vm_create(uint64_t mem_size);
/* Same on an already open device fd (two VMs, other devices). */
struct vm *vm_create_on(int dev, uint64_t mem_size);
void vm_destroy(struct vm *vm);
/* KVM_SET_USER_MEMORY_REGION, and remember it for gpa2hva (size 0 deletes). */
void vm_set_slot(struct vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
		 uint64_t size, void *hva);
int _vm_set_slot(struct vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
		 uint64_t size, void *hva);
void *gpa2hva(struct vm *vm, uint64_t gpa);
/* A guest global's copy in guest memory: *guest_var(vm, &counter) = 1. */
#define guest_var(vm, p)	((__typeof__(p))gpa2hva(vm, (uint64_t)(p)))
/* Copies [start, end) of the test binary (a blob) to gpa. */
void vm_load_blob(struct vm *vm, uint64_t gpa, const void *start, const void *end);

/* vCPU in 64-bit mode, RIP = entry, RSP = its stack, RDI = arg. */
struct vcpu *vm_vcpu_add(struct vm *vm, unsigned int id, void (*entry)(void));
/* vCPU in the reset state KVM_CREATE_VCPU gives (CPUID set, nothing else). */
struct vcpu *vm_vcpu_add_raw(struct vm *vm, unsigned int id);
void vcpu_set_arg(struct vcpu *vcpu, uint64_t rdi, uint64_t rsi);
/* guest_handlers[vector] = handler in guest memory (see guest.h). */
void vm_set_handler(struct vm *vm, unsigned int vector, void *handler);

int _vcpu_run(struct vcpu *vcpu);		/* the ioctl's result, errno kept */
void vcpu_run(struct vcpu *vcpu);		/* fails the test on an error */
/* Runs and fails the test unless the exit reason is want (names printed). */
void vcpu_run_expect(struct vcpu *vcpu, uint32_t want);
/* The ucall behind the last exit; fails the test on a guest assert, an
 * unexpected exception, or an exit that is not a ucall. */
uint64_t get_ucall(struct vcpu *vcpu, struct ucall *uc);
/* vcpu_run + get_ucall + check the command. */
void vcpu_run_ucall(struct vcpu *vcpu, uint64_t want, struct ucall *uc);
/* Fails the test describing the last exit (with why). */
void vcpu_fail_exit(struct vcpu *vcpu, const char *why) __attribute__((noreturn));

const char *exit_reason_str(uint32_t reason);
const char *exception_str(uint64_t vector);

/* State ioctls that must succeed. */
void vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs);
void vcpu_set_regs(struct vcpu *vcpu, const struct kvm_regs *regs);
void vcpu_get_sregs(struct vcpu *vcpu, struct kvm_sregs *sregs);
void vcpu_set_sregs(struct vcpu *vcpu, const struct kvm_sregs *sregs);
uint64_t vcpu_get_msr(struct vcpu *vcpu, uint32_t index);
void vcpu_set_msr(struct vcpu *vcpu, uint32_t index, uint64_t value);

/* KVM_GET_SUPPORTED_CPUID of the device (cached; do not free). */
const struct kvm_cpuid2 *supported_cpuid(void);
const struct kvm_cpuid_entry2 *cpuid_find(const struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx);
struct kvm_cpuid2 *cpuid_alloc(uint32_t nent);	/* free() it */
void vcpu_set_cpuid(struct vcpu *vcpu, const struct kvm_cpuid2 *cpuid);

/* Is the device under test hvx (HVX_CAP_INFO answered), not KVM? */
bool dev_is_hvx(void);

#endif /* HVX_GUEST_VM_H */
