// SPDX-License-Identifier: GPL-2.0-only
/*
 * Real mode as the architecture defines it, whatever runs it underneath
 * (SVM natively; VMX with unrestricted guest; VMX without it, under shadow
 * paging, in virtual-8086 mode with hvx delivering events itself): INT n
 * through the real-mode vector table, a fault and a trap with the return
 * addresses they push, #UD, an external interrupt from KVM_INTERRUPT after
 * STI, and MOV from CR0, LIDT/SIDT and HLT (realmode_test_guest.S).
 */
#include <sys/ioctl.h>
#include "guest.h"
#include "guest_vm.h"

#define EXT_VECTOR	0x40
#define FLAGS_IF	0x200

extern const char realmode_blob_start[], realmode_blob_end[];
extern const char after_int21[], div_insn[], after_int3[], ud_insn[];

/* Where a blob label lands in guest memory. */
static uint16_t blob_ip(const char *label)
{
	return GUEST_BLOB_GPA + (label - realmode_blob_start);
}

/* The next step report: its number must be @step; returns its value. */
static uint16_t next_report(struct vcpu *vcpu, unsigned int step)
{
	uint32_t v;

	vcpu_run_expect(vcpu, KVM_EXIT_IO);
	if (vcpu->run->io.port != GUEST_REPORT_PORT || vcpu->run->io.size != 4 ||
	    vcpu->run->io.direction != KVM_EXIT_IO_OUT)
		vcpu_fail_exit(vcpu, "expected a step report");
	memcpy(&v, (char *)vcpu->run + vcpu->run->io.data_offset, 4);
	ASSERT_EQ(v >> 16, step);
	return v & 0xffff;
}

static struct vcpu *realmode_vcpu(struct vm *vm)
{
	struct vcpu *vcpu = vm_vcpu_add_raw(vm, 0);
	struct kvm_sregs s;
	struct kvm_regs r;

	vm_load_blob(vm, GUEST_BLOB_GPA, realmode_blob_start, realmode_blob_end);
	vcpu_get_sregs(vcpu, &s);
	s.cs.selector = 0;
	s.cs.base = 0;
	vcpu_set_sregs(vcpu, &s);
	vcpu_get_regs(vcpu, &r);
	r.rip = GUEST_BLOB_GPA;
	vcpu_set_regs(vcpu, &r);
	return vcpu;
}

static void interrupts_and_exceptions(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = realmode_vcpu(vm);
	struct kvm_interrupt irq = { .irq = EXT_VECTOR };
	struct kvm_sregs s;
	uint16_t v;

	ASSERT_EQ(next_report(vcpu, 1), blob_ip(after_int21));
	ASSERT_EQ(next_report(vcpu, 2), 0x5678);
	ASSERT_EQ(next_report(vcpu, 3), blob_ip(div_insn));	/* a fault: at the DIV */
	ASSERT_EQ(next_report(vcpu, 4), 0x44);
	ASSERT_EQ(next_report(vcpu, 5), blob_ip(after_int3));	/* a trap: past INT3 */
	ASSERT_EQ(next_report(vcpu, 6), 0x66);
	ASSERT_EQ(next_report(vcpu, 7), blob_ip(ud_insn));
	ASSERT_EQ(next_report(vcpu, 8), 0x88);
	v = next_report(vcpu, 9);
	ktap_print("CR0 low word in real mode: %#x", v);
	ASSERT_EQ(v & X86_CR0_PE, 0);
	ASSERT_EQ(next_report(vcpu, 10), 0x3ff);
	vcpu_get_sregs(vcpu, &s);
	ASSERT_EQ(s.idt.limit, 0x3ff);
	ASSERT_EQ(s.idt.base, 0);
	ASSERT_EQ(s.cr0 & X86_CR0_PE, 0);
	ASSERT_EQ(s.cs.selector, 0);
	ASSERT_EQ(s.cs.dpl, 0);
	ASSERT_EQ(s.ss.dpl, 0);

	ASSERT_EQ(next_report(vcpu, 11), 0xbb);
	ASSERT_EQ(ioctl(vcpu->fd, KVM_INTERRUPT, &irq), 0);
	v = next_report(vcpu, 12);
	ktap_print("FLAGS the interrupt pushed: %#x", v);
	ASSERT_TRUE(v & FLAGS_IF);
	ASSERT_EQ(next_report(vcpu, 13), 0xd1);
	vcpu_run_expect(vcpu, KVM_EXIT_HLT);
	vcpu_get_sregs(vcpu, &s);
	ASSERT_EQ(s.cr0 & X86_CR0_PE, 0);
	vm_destroy(vm);
}

static const struct ktest tests[] = {
	KTEST(interrupts_and_exceptions),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
