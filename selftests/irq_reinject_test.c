// SPDX-License-Identifier: GPL-2.0-only
/*
 * Events re-injected after an exit during their own delivery arrive
 * exactly once. The guest's IDT (or the page an exception handler's frame
 * goes to) lives in a memory slot backed by a shared memfd; before each
 * round the host drops that page from its page tables with
 * madvise(MADV_DONTNEED) (the memfd keeps the data), so delivering the
 * event reads an unmapped guest-physical page: a nested page fault in the
 * middle of delivery, after which the hypervisor must inject the same event
 * again (VMX IDT-vectoring info, SVM EXITINTINFO).
 *   external_irq   a fixed interrupt (KVM_SIGNAL_MSI, pending while the
 *                  guest has interrupts off) delivered through the zapped IDT;
 *   exception      a #BP (INT3) delivered through the zapped IDT;
 *   nmi            an NMI (KVM_NMI) delivered through the zapped IDT.
 * Each round the guest checks its handler ran once, no more, no less.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "apic.h"
#include "guest.h"
#include "irq_vm.h"

#define IDT_SLOT	1
#define IDT_SLOT_GPA	0x10000000ULL	/* 256 MiB, identity-mapped */
#define IDT_SLOT_SIZE	GUEST_LARGE_PAGE_SIZE
#define REINJECT_VECTOR	0x70
#define ROUNDS		50

enum { EV_IRQ, EV_BP, EV_NMI };

static volatile uint64_t hits;

static void count_handler(struct guest_frame *f)
{
	(void)f;
	hits++;
	if (f->vector == REINJECT_VECTOR)
		apic_eoi();
}

static void guest_reinject(uint64_t event)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr;
	uint64_t i;

	apic_enable(false);
	/* Move the IDT into the memfd slot. */
	asm volatile("sidt %0" : "=m"(idtr));
	for (i = 0; i < GUEST_PAGE_SIZE / 8; i++)
		((volatile uint64_t *)IDT_SLOT_GPA)[i] = ((uint64_t *)idtr.base)[i];
	idtr.base = IDT_SLOT_GPA;
	asm volatile("lidt %0" :: "m"(idtr) : "memory");

	for (i = 1; i <= ROUNDS; i++) {
		GUEST_SYNC(i);		/* the host zaps the IDT page here */
		switch (event) {
		case EV_IRQ:		/* pending since the SYNC */
			guest_sti_nop_cli();
			break;
		case EV_BP:
			asm volatile("int3" ::: "memory");
			break;
		case EV_NMI:		/* taken at the entry after the SYNC */
			break;
		}
		GUEST_ASSERT_EQ(hits, i);
	}
	GUEST_DONE();
}

static void run_reinject(uint64_t event)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	int memfd = CHECK_OK(memfd_create("hvx-idt", MFD_CLOEXEC));
	struct vcpu *vcpu;
	struct ucall uc;
	void *mem;
	int i;

	CHECK_OK(ftruncate(memfd, IDT_SLOT_SIZE));
	mem = mmap(NULL, IDT_SLOT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (mem == MAP_FAILED)
		FAIL("mmap memfd: %s", strerror(errno));
	vm_set_slot(vm, IDT_SLOT, 0, IDT_SLOT_GPA, IDT_SLOT_SIZE, mem);
	vm_create_irqchip(vm);
	vcpu = vm_vcpu_add(vm, 0, (void (*)(void))guest_reinject);
	vm_set_handler(vm, REINJECT_VECTOR, count_handler);
	vm_set_handler(vm, BP_VECTOR, count_handler);
	vm_set_handler(vm, NMI_VECTOR, count_handler);
	vcpu_set_arg(vcpu, event, 0);
	for (i = 1; i <= ROUNDS; i++) {
		vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
		ASSERT_EQ(uc.args[0], i);
		if (event == EV_IRQ)
			vm_signal_msi(vm, 0, REINJECT_VECTOR);
		else if (event == EV_NMI)
			CHECK_OK(ioctl(vcpu->fd, KVM_NMI));
		/* Shared memory: the data stays, the mapping goes. */
		CHECK_OK(madvise(mem, GUEST_PAGE_SIZE, MADV_DONTNEED));
	}
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
	ASSERT_EQ(*guest_var(vm, &hits), ROUNDS);
	ktap_print("%d events delivered through a zapped IDT page, each once", ROUNDS);
}

static void external_irq(void) { run_reinject(EV_IRQ); }
static void exception(void) { run_reinject(EV_BP); }
static void nmi(void) { run_reinject(EV_NMI); }

static const struct ktest tests[] = {
	KTEST(external_irq),
	KTEST(exception),
	KTEST(nmi),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
