// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupts from the host through the in-kernel irqchip, and ioeventfd:
 *   irqfd_ioapic   KVM_IRQFD on a GSI routed to an IOAPIC pin (edge): each
 *                  eventfd write is one interrupt at the pin's vector;
 *   irqfd_msi      KVM_IRQFD on a GSI routed (KVM_SET_GSI_ROUTING) to an MSI;
 *   signal_msi     KVM_SIGNAL_MSI;
 *   irqfd_resample a resampling irqfd on a level-triggered pin: one
 *                  interrupt per assertion, the resamplefd fires at the
 *                  guest's EOI and not before, and the line drops then (no
 *                  second interrupt);
 *   ioeventfd      guest writes to an ioeventfd port or GPA complete in the
 *                  kernel (the eventfd counts them, no exit reaches us); a
 *                  datamatch ioeventfd lets other values exit as usual.
 */
#include <sys/ioctl.h>
#include "apic.h"
#include "guest.h"
#include "irq_vm.h"

#define IOAPIC_PIN	20		/* above 15: no PIC input shares it */
#define LEVEL_PIN	21
#define MSI_GSI		30
#define VEC_IOAPIC	0x60
#define VEC_MSI		0x62
#define VEC_SIGNAL_MSI	0x63
#define VEC_LEVEL	0x64
#define ROUNDS		5

#define IOEVENT_PORT	0x600
#define MATCH_PORT	0x604
#define MATCH_VALUE	0x1234
#define IOEVENT_GPA	0xd0000000ULL	/* no memory slot there */
#define IOEVENT_WRITES	1000

static volatile uint64_t irq_count[GUEST_VECTORS];
static volatile bool defer_eoi;

static void irq_handler(struct guest_frame *f)
{
	irq_count[f->vector]++;
	if (!defer_eoi)
		apic_eoi();
}

/* Interrupts on until irq_count[vector] reaches n, then a window more:
 * the count must stay n (one interrupt per event). */
static void wait_count(uint8_t vector, uint64_t n)
{
	guest_wait_count(&irq_count[vector], n);
	guest_sti_nop_cli();
	GUEST_ASSERT_EQ(irq_count[vector], n);
}

/* ROUNDS times: tell the host we are ready, get one interrupt at vector. */
static void guest_rounds(uint64_t vector, uint64_t pin)
{
	uint64_t i;

	apic_enable(false);
	if (pin) {
		uint64_t entry = vector | IOAPIC_DEST(0);

		ioapic_write_redir(pin, entry);
		GUEST_ASSERT_EQ(ioapic_read_redir(pin), entry);
	}
	for (i = 1; i <= ROUNDS; i++) {
		GUEST_SYNC(i);
		wait_count(vector, i);
	}
	GUEST_DONE();
}

static struct vm *irq_vm(struct vcpu **vcpu, void (*guest)(void))
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);

	vm_create_irqchip(vm);
	*vcpu = vm_vcpu_add(vm, 0, guest);
	vm_set_handler(vm, VEC_IOAPIC, irq_handler);
	vm_set_handler(vm, VEC_MSI, irq_handler);
	vm_set_handler(vm, VEC_SIGNAL_MSI, irq_handler);
	vm_set_handler(vm, VEC_LEVEL, irq_handler);
	return vm;
}

/* Runs guest_rounds, calling raise() at each of its SYNCs. */
static void run_rounds(struct vm *vm, struct vcpu *vcpu, void (*raise)(struct vm *, int),
		       int fd)
{
	struct ucall uc;
	int i;

	for (i = 1; i <= ROUNDS; i++) {
		vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
		ASSERT_EQ(uc.args[0], i);
		raise(vm, fd);
	}
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
	ktap_print("%d interrupts, each arrived once", ROUNDS);
}

static void raise_eventfd(struct vm *vm, int fd)
{
	(void)vm;
	eventfd_signal(fd);
}

static void raise_signal_msi(struct vm *vm, int fd)
{
	(void)fd;
	vm_signal_msi(vm, 0, VEC_SIGNAL_MSI);
}

static void irqfd_ioapic(void)
{
	struct vcpu *vcpu;
	struct vm *vm = irq_vm(&vcpu, (void (*)(void))guest_rounds);
	int fd = test_eventfd();

	vm_irqfd(vm, fd, IOAPIC_PIN, -1);
	vcpu_set_arg(vcpu, VEC_IOAPIC, IOAPIC_PIN);
	run_rounds(vm, vcpu, raise_eventfd, fd);
	vm_irqfd_deassign(vm, fd, IOAPIC_PIN);
}

static void irqfd_msi(void)
{
	struct vcpu *vcpu;
	struct vm *vm = irq_vm(&vcpu, (void (*)(void))guest_rounds);
	int fd = test_eventfd();

	vm_route_msi(vm, MSI_GSI, 0, VEC_MSI);
	vm_irqfd(vm, fd, MSI_GSI, -1);
	vcpu_set_arg(vcpu, VEC_MSI, 0);
	run_rounds(vm, vcpu, raise_eventfd, fd);
}

static void signal_msi(void)
{
	struct vcpu *vcpu;
	struct vm *vm = irq_vm(&vcpu, (void (*)(void))guest_rounds);

	vcpu_set_arg(vcpu, VEC_SIGNAL_MSI, 0);
	run_rounds(vm, vcpu, raise_signal_msi, -1);
}

/*
 * Level: the handler defers the EOI; the guest stops (SYNC 1) with the
 * interrupt in service, where the resamplefd must still be quiet and the
 * IOAPIC's Remote IRR set; after the EOI (SYNC 2) Remote IRR is clear and
 * no second interrupt came although the irqfd was written once only.
 */
static void guest_level(void)
{
	uint64_t entry = VEC_LEVEL | IOAPIC_LEVEL | IOAPIC_DEST(0), i;

	apic_enable(false);
	defer_eoi = true;
	ioapic_write_redir(LEVEL_PIN, entry);
	for (i = 1; i <= ROUNDS; i++) {
		GUEST_SYNC(0, i);
		guest_wait_count(&irq_count[VEC_LEVEL], i);
		guest_cli();
		GUEST_ASSERT(apic_vector_bit(APIC_ISR, VEC_LEVEL));
		GUEST_ASSERT(apic_vector_bit(APIC_TMR, VEC_LEVEL));
		GUEST_ASSERT(ioapic_read_redir(LEVEL_PIN) & IOAPIC_REMOTE_IRR);
		GUEST_SYNC(1, i);
		apic_eoi();
		GUEST_ASSERT(!(ioapic_read_redir(LEVEL_PIN) & IOAPIC_REMOTE_IRR));
		guest_sti_nop_cli();
		GUEST_ASSERT_EQ(irq_count[VEC_LEVEL], i);
		GUEST_SYNC(2, i);
	}
	GUEST_DONE();
}

static void irqfd_resample(void)
{
	struct vcpu *vcpu;
	struct vm *vm = irq_vm(&vcpu, guest_level);
	int fd = test_eventfd(), resample = test_eventfd();
	struct ucall uc;
	int i;

	vm_irqfd(vm, fd, LEVEL_PIN, resample);
	for (i = 1; i <= ROUNDS; i++) {
		vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
		ASSERT_EQ(uc.args[0], 0);
		eventfd_signal(fd);
		vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
		ASSERT_EQ(uc.args[0], 1);
		ASSERT_EQ(eventfd_take(resample), 0);	/* not before the EOI */
		vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
		ASSERT_EQ(uc.args[0], 2);
		ASSERT_EQ(eventfd_take(resample), 1);
	}
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
	ktap_print("%d level interrupts, each resampled once at its EOI", ROUNDS);
}

static void guest_ioeventfd(void)
{
	uint32_t i;

	for (i = 0; i < IOEVENT_WRITES; i++) {
		outl(IOEVENT_PORT, i);
		*(volatile uint32_t *)IOEVENT_GPA = i;
		outl(MATCH_PORT, MATCH_VALUE);
	}
	outl(MATCH_PORT, MATCH_VALUE + 1);	/* no match: to userspace */
	GUEST_DONE();
}

static void ioeventfd(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_ioeventfd);
	int pio = test_eventfd(), mmio = test_eventfd(), match = test_eventfd();
	uint32_t data;

	vm_ioeventfd(vm, pio, IOEVENT_PORT, 4, true);
	vm_ioeventfd(vm, mmio, IOEVENT_GPA, 4, false);
	vm_ioeventfd_match(vm, match, MATCH_PORT, 4, true, MATCH_VALUE);
	/* The only exits: the unmatched write, then the ucall. */
	vcpu_run_expect(vcpu, KVM_EXIT_IO);
	if (vcpu->run->io.port != MATCH_PORT || vcpu->run->io.direction != KVM_EXIT_IO_OUT)
		vcpu_fail_exit(vcpu, "expected the unmatched OUT");
	memcpy(&data, (char *)vcpu->run + vcpu->run->io.data_offset, 4);
	ASSERT_EQ(data, MATCH_VALUE + 1);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
	ASSERT_EQ(eventfd_take(pio), IOEVENT_WRITES);
	ASSERT_EQ(eventfd_take(mmio), IOEVENT_WRITES);
	ASSERT_EQ(eventfd_take(match), IOEVENT_WRITES);
}

static const struct ktest tests[] = {
	KTEST(irqfd_ioapic),
	KTEST(irqfd_msi),
	KTEST(signal_msi),
	KTEST(irqfd_resample),
	KTEST(ioeventfd),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
