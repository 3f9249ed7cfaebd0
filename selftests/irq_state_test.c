// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_GET/SET_LAPIC and KVM_GET/SET_IRQCHIP with a guest-visible effect:
 *   lapic_tpr      what the guest wrote (TPR, an LVT) shows in GET_LAPIC;
 *                  a TPR set through SET_LAPIC is what the guest reads, in
 *                  CR8 too, and it holds back interrupts of its class and
 *                  below while higher ones arrive;
 *   ioapic_redir   a redirection entry set through SET_IRQCHIP is what the
 *                  guest reads, and KVM_IRQ_LINE on its pin delivers at its
 *                  vector; one the guest wrote shows in GET_IRQCHIP.
 */
#include <sys/ioctl.h>
#include "apic.h"
#include "guest.h"
#include "irq_vm.h"

#define LOW_VECTOR	0x35		/* class 3: blocked by TPR 0x30 */
#define HIGH_VECTOR	0x45		/* class 4: above it */
#define LVTT_VALUE	(APIC_LVT_MASKED | 0x9a)
#define GUEST_TPR	0x20
#define HOST_TPR	0x30
#define HOST_PIN	20
#define HOST_VECTOR	0x66
#define GUEST_PIN	22
#define GUEST_ENTRY	(0x77 | IOAPIC_LEVEL | IOAPIC_MASKED | IOAPIC_DEST(0))

static volatile uint64_t irq_count[GUEST_VECTORS];

static void irq_handler(struct guest_frame *f)
{
	irq_count[f->vector]++;
	apic_eoi();
}

static uint64_t get_cr8(void)
{
	uint64_t v;

	asm volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

static void self_ipi(uint8_t vector)
{
	apic_send_ipi(0, APIC_DEST_SELF | APIC_DM_FIXED | vector);
}

static void guest_lapic(void)
{
	apic_enable(false);
	apic_write(APIC_TPR, GUEST_TPR);
	apic_write(APIC_LVTT, LVTT_VALUE);
	GUEST_SYNC(0);
	/* The host set the TPR. */
	GUEST_ASSERT_EQ(apic_read(APIC_TPR), HOST_TPR);
	GUEST_ASSERT_EQ(get_cr8(), HOST_TPR >> 4);
	GUEST_ASSERT_EQ(apic_read(APIC_LVTT), LVTT_VALUE);
	self_ipi(LOW_VECTOR);
	self_ipi(HIGH_VECTOR);
	guest_sti_nop_cli();
	GUEST_ASSERT_EQ(irq_count[HIGH_VECTOR], 1);
	GUEST_ASSERT_EQ(irq_count[LOW_VECTOR], 0);	/* held back */
	GUEST_ASSERT(apic_vector_bit(APIC_IRR, LOW_VECTOR));
	apic_write(APIC_TPR, 0);
	guest_sti_nop_cli();
	GUEST_ASSERT_EQ(irq_count[LOW_VECTOR], 1);
	GUEST_DONE();
}

static void lapic_tpr(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct kvm_lapic_state lapic;
	struct vcpu *vcpu;
	uint32_t v;

	vm_create_irqchip(vm);
	vcpu = vm_vcpu_add(vm, 0, guest_lapic);
	vm_set_handler(vm, LOW_VECTOR, irq_handler);
	vm_set_handler(vm, HIGH_VECTOR, irq_handler);
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	CHECK_OK(ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic));
	memcpy(&v, &lapic.regs[APIC_TPR], 4);
	ASSERT_EQ(v, GUEST_TPR);
	memcpy(&v, &lapic.regs[APIC_LVTT], 4);
	ASSERT_EQ(v, LVTT_VALUE);
	memcpy(&v, &lapic.regs[APIC_SPIV], 4);
	ASSERT_EQ(v & APIC_SPIV_ENABLE, APIC_SPIV_ENABLE);
	v = HOST_TPR;
	memcpy(&lapic.regs[APIC_TPR], &v, 4);
	CHECK_OK(ioctl(vcpu->fd, KVM_SET_LAPIC, &lapic));
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
}

static void guest_ioapic(void)
{
	apic_enable(false);
	ioapic_write_redir(GUEST_PIN, GUEST_ENTRY);
	GUEST_SYNC(0);
	/* The host programmed HOST_PIN; it raises the line at the next SYNC. */
	GUEST_ASSERT_EQ(ioapic_read_redir(HOST_PIN), HOST_VECTOR | IOAPIC_DEST(0));
	GUEST_SYNC(1);
	guest_wait_count(&irq_count[HOST_VECTOR], 1);
	guest_sti_nop_cli();
	GUEST_ASSERT_EQ(irq_count[HOST_VECTOR], 1);
	GUEST_DONE();
}

static void ioapic_redir(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct kvm_irq_level line = { .irq = HOST_PIN };
	struct vcpu *vcpu;

	vm_create_irqchip(vm);
	vcpu = vm_vcpu_add(vm, 0, guest_ioapic);
	vm_set_handler(vm, HOST_VECTOR, irq_handler);
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	CHECK_OK(ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
	ASSERT_EQ(chip.chip.ioapic.base_address, IOAPIC_DEFAULT_GPA);
	ASSERT_EQ(chip.chip.ioapic.redirtbl[GUEST_PIN].bits, GUEST_ENTRY);
	/* Out of reset every entry is masked. */
	ASSERT_EQ(chip.chip.ioapic.redirtbl[HOST_PIN].bits, IOAPIC_MASKED);
	chip.chip.ioapic.redirtbl[HOST_PIN].bits = HOST_VECTOR | IOAPIC_DEST(0);
	CHECK_OK(ioctl(vm->fd, KVM_SET_IRQCHIP, &chip));
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	line.level = 1;
	CHECK_OK(ioctl(vm->fd, KVM_IRQ_LINE, &line));
	line.level = 0;
	CHECK_OK(ioctl(vm->fd, KVM_IRQ_LINE, &line));
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
}

static const struct ktest tests[] = {
	KTEST(lapic_tpr),
	KTEST(ioapic_redir),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
