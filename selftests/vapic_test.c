// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_CAP_VAPIC: KVM_TPR_ACCESS_REPORTING and KVM_SET_VAPIC_ADDR, which
 * QEMU calls at every APIC reset (and aborts if they fail).
 *   args            KVM's errors: flags, no in-kernel LAPIC, an address in
 *                   no slot or in a read-only one, bad pointers
 *   tpr_reporting   with reporting on, a guest TPR write and read each end
 *                   the run with KVM_EXIT_TPR_ACCESS, at the instruction's
 *                   RIP, after it completed; with it off, none do
 *   vapic_mirror    the guest's dword holds TPR, in-service class and
 *                   highest requested vector at each entry; a TPR the guest
 *                   writes there is the LAPIC's after the next exit, and
 *                   lets the held-back interrupt in
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "apic.h"
#include "guest.h"
#include "irq_vm.h"

#define VAPIC_SLOT	1
#define VAPIC_GPA	0x40000000ULL	/* mapped by the guest's tables */
#define RO_SLOT		2
#define RO_GPA		0x40200000ULL
#define SLOT_SIZE	0x200000ULL
#define VAPIC_OFFSET	0x80		/* anywhere in the page */
#define HELD_VECTOR	0x25		/* class 2: held back by TPR 0x30 */

static int tpr_reporting(struct vcpu *vcpu, uint32_t enabled, uint32_t flags)
{
	struct kvm_tpr_access_ctl tac = { .enabled = enabled, .flags = flags };

	return ioctl(vcpu->fd, KVM_TPR_ACCESS_REPORTING, &tac);
}

static int set_vapic(struct vcpu *vcpu, uint64_t gpa)
{
	struct kvm_vapic_addr va = { .vapic_addr = gpa };

	return ioctl(vcpu->fd, KVM_SET_VAPIC_ADDR, &va);
}

static void *slot_memory(void)
{
	void *p = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		FAIL("mmap: %s", strerror(errno));
	return p;
}

static void guest_idle(void)
{
	GUEST_DONE();
}

static void args(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_idle);
	struct vm *vm2;
	struct vcpu *vcpu2;
	struct ucall uc;

	ASSERT_EQ(hvx_check_cap(vm->fd, KVM_CAP_VAPIC), 1);
	/* No in-kernel LAPIC: reporting is the vCPU's, the VAPIC is EINVAL. */
	CHECK_OK(tpr_reporting(vcpu, 1, 0));
	ASSERT_ERRNO(tpr_reporting(vcpu, 1, 1), EINVAL);
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_TPR_ACCESS_REPORTING, (void *)8), EFAULT);
	ASSERT_ERRNO(set_vapic(vcpu, VAPIC_GPA), EINVAL);
	ASSERT_ERRNO(set_vapic(vcpu, 0), EINVAL);
	vm_destroy(vm);

	vm2 = vm_create(VM_MEM_DEFAULT);
	vm_create_irqchip(vm2);
	vcpu2 = vm_vcpu_add(vm2, 0, guest_idle);
	vm_set_slot(vm2, VAPIC_SLOT, 0, VAPIC_GPA, SLOT_SIZE, slot_memory());
	vm_set_slot(vm2, RO_SLOT, KVM_MEM_READONLY, RO_GPA, SLOT_SIZE, slot_memory());
	ASSERT_ERRNO(ioctl(vcpu2->fd, KVM_SET_VAPIC_ADDR, (void *)8), EFAULT);
	ASSERT_ERRNO(set_vapic(vcpu2, 0xd0000000ULL), EINVAL);	/* no slot */
	ASSERT_ERRNO(set_vapic(vcpu2, RO_GPA + 0x100), EINVAL);	/* read-only */
	/* The dword's last byte in the read-only slot after it. */
	ASSERT_ERRNO(set_vapic(vcpu2, RO_GPA - 2), EINVAL);
	CHECK_OK(set_vapic(vcpu2, VAPIC_GPA + SLOT_SIZE - 4));
	CHECK_OK(set_vapic(vcpu2, 0));
	vcpu_run_ucall(vcpu2, UCALL_DONE, &uc);	/* runs as before */
	vm_destroy(vm2);
}

/* The two TPR accesses, labelled so the host knows their RIPs. */
extern const char tpr_write_insn[], tpr_read_insn[];

static void guest_tpr_access(void)
{
	uint32_t v;

	apic_enable(false);
	GUEST_SYNC(0);
	asm volatile("tpr_write_insn: movl %0, (%1)"
		     : : "r"(0x20), "r"(APIC_DEFAULT_GPA + APIC_TPR) : "memory");
	asm volatile("tpr_read_insn: movl (%1), %0"
		     : "=r"(v) : "r"(APIC_DEFAULT_GPA + APIC_TPR) : "memory");
	GUEST_ASSERT_EQ(v, 0x20);
	GUEST_SYNC(1);
	/* Reporting off now: the same accesses run through. */
	xapic_write(APIC_TPR, 0x10);
	GUEST_ASSERT_EQ(xapic_read(APIC_TPR), 0x10);
	GUEST_DONE();
}

static uint32_t lapic_tpr(struct vcpu *vcpu)
{
	struct kvm_lapic_state s;

	CHECK_OK(ioctl(vcpu->fd, KVM_GET_LAPIC, &s));
	return *(uint32_t *)&s.regs[APIC_TPR];
}

static void tpr_reporting_exits(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct kvm_run *run;
	struct vcpu *vcpu;
	struct ucall uc;

	vm_create_irqchip(vm);
	vcpu = vm_vcpu_add(vm, 0, guest_tpr_access);
	run = vcpu->run;
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	CHECK_OK(tpr_reporting(vcpu, 1, 0));

	vcpu_run_expect(vcpu, KVM_EXIT_TPR_ACCESS);
	ASSERT_EQ(run->tpr_access.rip, (uint64_t)tpr_write_insn);
	ASSERT_EQ(run->tpr_access.is_write, 1);
	ASSERT_EQ(lapic_tpr(vcpu), 0x20);	/* the write completed first */
	vcpu_run_expect(vcpu, KVM_EXIT_TPR_ACCESS);
	ASSERT_EQ(run->tpr_access.rip, (uint64_t)tpr_read_insn);
	ASSERT_EQ(run->tpr_access.is_write, 0);

	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	CHECK_OK(tpr_reporting(vcpu, 0, 0));
	vcpu_run_ucall(vcpu, UCALL_DONE, &uc);
	vm_destroy(vm);
}

static volatile uint64_t held_irqs;

static void held_irq_handler(struct guest_frame *f)
{
	(void)f;
	held_irqs++;
	apic_eoi();
}

static void guest_vapic(void)
{
	volatile uint32_t *vapic = (void *)(VAPIC_GPA + VAPIC_OFFSET);

	apic_enable(false);
	GUEST_SYNC(0);
	/* The host set TPR 0x30: the low byte; nothing requested or in service. */
	GUEST_ASSERT_EQ(*vapic, 0x30);
	GUEST_SYNC(1);
	/* The host sent HELD_VECTOR: requested, held back by the TPR. */
	GUEST_ASSERT_EQ(*vapic, 0x30 | (HELD_VECTOR << 24));
	GUEST_ASSERT_EQ(held_irqs, 0);
	/* Lower the TPR through the dword alone. */
	*vapic = 0;
	GUEST_SYNC(2);
	guest_sti_nop_cli();
	GUEST_ASSERT_EQ(held_irqs, 1);
	GUEST_DONE();
}

/*
 * The TPR comes from KVM_SET_LAPIC, not from the guest: KVM rewrites the
 * dword only when it re-evaluates interrupts, so on KVM a TPR written
 * through MMIO while no interrupt is pending is lost to the dword at the
 * next exit (hvx keeps it: Documentation/api.md). This test holds on both.
 */
static void set_lapic_tpr(struct vcpu *vcpu, uint32_t tpr)
{
	struct kvm_lapic_state s;

	CHECK_OK(ioctl(vcpu->fd, KVM_GET_LAPIC, &s));
	*(uint32_t *)&s.regs[APIC_TPR] = tpr;
	CHECK_OK(ioctl(vcpu->fd, KVM_SET_LAPIC, &s));
}

static void vapic_mirror(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu;
	struct ucall uc;

	vm_create_irqchip(vm);
	vcpu = vm_vcpu_add(vm, 0, guest_vapic);
	vm_set_handler(vm, HELD_VECTOR, held_irq_handler);
	vm_set_slot(vm, VAPIC_SLOT, 0, VAPIC_GPA, SLOT_SIZE, slot_memory());

	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	CHECK_OK(set_vapic(vcpu, VAPIC_GPA + VAPIC_OFFSET));
	set_lapic_tpr(vcpu, 0x30);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(lapic_tpr(vcpu), 0x30);	/* the dword kept it */
	vm_signal_msi(vm, 0, HELD_VECTOR);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 2);
	ASSERT_EQ(lapic_tpr(vcpu), 0);		/* taken from the dword */
	vcpu_run_ucall(vcpu, UCALL_DONE, &uc);
	vm_destroy(vm);
}

static const struct ktest tests[] = {
	KTEST(args),
	KTEST(tpr_reporting_exits),
	KTEST(vapic_mirror),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
