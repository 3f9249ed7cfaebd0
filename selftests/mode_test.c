// SPDX-License-Identifier: GPL-2.0-only
/*
 * Processor modes: a new vCPU is in the architectural RESET state (checked
 * through KVM_GET_REGS/SREGS), runs raw code from the reset vector, and
 * goes real -> protected -> long mode and back to real mode, stopping after
 * each step so the host can check the mode (mode_test_guest.S).
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "guest.h"
#include "guest_vm.h"

#define RESET_SLOT		1
#define RESET_SLOT_GPA		0xffff0000ULL
#define RESET_SLOT_SIZE		0x10000ULL
#define RESET_VECTOR_OFFSET	0xfff0
#define CR0_RESET		(X86_CR0_CD | X86_CR0_NW | X86_CR0_ET)

extern const char reset_blob_start[], reset_blob_end[];
extern const char mode_blob_start[], mode_blob_end[];

static void check_real_seg(const struct kvm_segment *s, const char *name, uint16_t sel,
			   uint64_t base)
{
	if (s->selector != sel || s->base != base || s->limit != 0xffff || !s->present ||
	    !s->s || s->dpl || s->db || s->l || s->g)
		FAIL("%s: selector %#x base %#llx limit %#x present %u s %u dpl %u db %u l %u g %u",
		     name, s->selector, (unsigned long long)s->base, s->limit, s->present, s->s,
		     s->dpl, s->db, s->l, s->g);
}

static void reset_state(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add_raw(vm, 0);
	struct kvm_regs r;
	struct kvm_sregs s;
	struct kvm_mp_state mp;

	vcpu_get_regs(vcpu, &r);
	ASSERT_EQ(r.rip, 0xfff0);
	ASSERT_EQ(r.rflags, 0x2);
	ASSERT_EQ(r.rax | r.rbx | r.rcx | r.rsi | r.rdi | r.rsp | r.rbp, 0);
	ASSERT_EQ(r.r8 | r.r9 | r.r10 | r.r11 | r.r12 | r.r13 | r.r14 | r.r15, 0);
	/* RDX holds the CPU signature at RESET; which one is the VMM's choice. */
	ktap_print("RDX at RESET: %#llx", (unsigned long long)r.rdx);

	vcpu_get_sregs(vcpu, &s);
	check_real_seg(&s.cs, "CS", 0xf000, 0xffff0000);
	/* Code, execute/read. Accessed: set per the SDM (VMX), not named by
	 * the APM; KVM's SVM side leaves it clear. */
	ASSERT_EQ(s.cs.type & ~1, 10);
	check_real_seg(&s.ds, "DS", 0, 0);
	check_real_seg(&s.es, "ES", 0, 0);
	check_real_seg(&s.ss, "SS", 0, 0);
	check_real_seg(&s.fs, "FS", 0, 0);
	check_real_seg(&s.gs, "GS", 0, 0);
	ASSERT_EQ(s.ds.type, 3);		/* data, read/write, accessed */
	ASSERT_EQ(s.cr0, CR0_RESET);
	ASSERT_EQ(s.cr2 | s.cr3 | s.cr4 | s.efer, 0);
	ASSERT_EQ(s.gdt.base, 0);
	ASSERT_EQ(s.gdt.limit, 0xffff);
	ASSERT_EQ(s.idt.base, 0);
	ASSERT_EQ(s.idt.limit, 0xffff);
	ASSERT_EQ(s.tr.selector, 0);
	ASSERT_EQ(s.tr.limit, 0xffff);
	/* A busy TSS: KVM's VMX side says 32-bit (11), its SVM side 16-bit (3). */
	ASSERT_EQ(s.tr.type & ~8, 3);
	ASSERT_EQ(s.ldt.limit, 0xffff);
	ASSERT_EQ(s.ldt.type, 2);
	CHECK_OK(ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp));
	ASSERT_EQ(mp.mp_state, KVM_MP_STATE_RUNNABLE);	/* the BSP */
}

struct step {
	const char *name;
	uint64_t cr0_set, cr0_clear;
	bool lma, cs_l, cs_db;
};

static const struct step steps[] = {
	[1] = { "real mode", 0, X86_CR0_PE | X86_CR0_PG, false, false, false },
	[2] = { "32-bit protected mode", X86_CR0_PE, X86_CR0_PG, false, false, true },
	[3] = { "64-bit mode", X86_CR0_PE | X86_CR0_PG, 0, true, true, false },
	[4] = { "compatibility mode", X86_CR0_PE | X86_CR0_PG, 0, true, false, true },
	[5] = { "protected mode without paging", X86_CR0_PE, X86_CR0_PG, false, false, true },
	[6] = { "real mode again", 0, X86_CR0_PE | X86_CR0_PG, false, false, false },
};

static void mode_transitions(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add_raw(vm, 0);
	void *high = mmap(NULL, RESET_SLOT_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned int i;

	ASSERT_TRUE(mode_blob_end - mode_blob_start <= GUEST_BLOB_END - GUEST_BLOB_GPA - 0x100);
	vm_set_slot(vm, RESET_SLOT, 0, RESET_SLOT_GPA, RESET_SLOT_SIZE, high);
	vm_load_blob(vm, RESET_SLOT_GPA + RESET_VECTOR_OFFSET, reset_blob_start, reset_blob_end);
	vm_load_blob(vm, GUEST_BLOB_GPA, mode_blob_start, mode_blob_end);

	for (i = 1; i < KTEST_COUNT(steps); i++) {
		const struct step *st = &steps[i];
		struct kvm_sregs s;
		uint32_t step;

		vcpu_run_expect(vcpu, KVM_EXIT_IO);
		if (vcpu->run->io.port != GUEST_REPORT_PORT || vcpu->run->io.size != 4)
			vcpu_fail_exit(vcpu, "expected a step report");
		memcpy(&step, (char *)vcpu->run + vcpu->run->io.data_offset, 4);
		ASSERT_EQ(step, i);
		vcpu_get_sregs(vcpu, &s);
		ktap_print("step %u (%s): CR0 %#llx CR4 %#llx EFER %#llx CS %#x l %u db %u",
			   i, st->name, (unsigned long long)s.cr0, (unsigned long long)s.cr4,
			   (unsigned long long)s.efer, s.cs.selector, s.cs.l, s.cs.db);
		if ((s.cr0 & st->cr0_set) != st->cr0_set || (s.cr0 & st->cr0_clear) ||
		    !!(s.efer & EFER_LMA) != st->lma || s.cs.l != st->cs_l || s.cs.db != st->cs_db)
			FAIL("step %u: not in %s", i, st->name);
	}
	/* Back in real mode: CS is a real-mode segment again. */
	{
		struct kvm_sregs s;

		vcpu_get_sregs(vcpu, &s);
		ASSERT_EQ(s.cs.selector, 0);
		ASSERT_EQ(s.cs.base, 0);
		ASSERT_EQ(s.efer & EFER_LME, 0);
	}
	vcpu_run_expect(vcpu, KVM_EXIT_HLT);
}

static const struct ktest tests[] = {
	KTEST(reset_state),
	KTEST(mode_transitions),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
