// SPDX-License-Identifier: GPL-2.0-only
/*
 * MMIO exits (KVM_EXIT_MMIO): guest reads and writes of 1, 2, 4 and 8 bytes
 * to a GPA no slot covers, a read-modify-write instruction (a read exit,
 * then a write exit), a write to a READONLY slot, and (hvx) an MMIO
 * access by an instruction the emulator does not handle.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "guest.h"
#include "guest_vm.h"

#define MMIO_GPA	0xc0000000ULL	/* below 4 GiB: mapped by the guest tables */
#define RO_GPA		0x10000000ULL

static void expect_mmio(struct vcpu *vcpu, uint64_t gpa, uint32_t len, bool write)
{
	vcpu_run_expect(vcpu, KVM_EXIT_MMIO);
	if (vcpu->run->mmio.phys_addr != gpa || vcpu->run->mmio.len != len ||
	    vcpu->run->mmio.is_write != write)
		vcpu_fail_exit(vcpu, "wrong address, length or direction");
}

static uint64_t mmio_value(struct vcpu *vcpu)
{
	uint64_t v = 0;

	memcpy(&v, vcpu->run->mmio.data, vcpu->run->mmio.len);
	return v;
}

static void guest_mmio_write(void)
{
	*(volatile uint8_t *)MMIO_GPA = 0x11;
	*(volatile uint16_t *)(MMIO_GPA + 2) = 0x2233;
	*(volatile uint32_t *)(MMIO_GPA + 4) = 0x44556677;
	*(volatile uint64_t *)(MMIO_GPA + 8) = 0x8899aabbccddeeffULL;
	GUEST_DONE();
}

static void mmio_write(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_mmio_write);

	expect_mmio(vcpu, MMIO_GPA, 1, true);
	ASSERT_EQ(mmio_value(vcpu), 0x11);
	expect_mmio(vcpu, MMIO_GPA + 2, 2, true);
	ASSERT_EQ(mmio_value(vcpu), 0x2233);
	expect_mmio(vcpu, MMIO_GPA + 4, 4, true);
	ASSERT_EQ(mmio_value(vcpu), 0x44556677);
	expect_mmio(vcpu, MMIO_GPA + 8, 8, true);
	ASSERT_EQ(mmio_value(vcpu), 0x8899aabbccddeeffULL);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
}

static void guest_mmio_read(void)
{
	GUEST_SYNC(*(volatile uint8_t *)MMIO_GPA, *(volatile uint16_t *)(MMIO_GPA + 2),
		   *(volatile uint32_t *)(MMIO_GPA + 4), *(volatile uint64_t *)(MMIO_GPA + 8));
	GUEST_DONE();
}

static void mmio_read(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_mmio_read);
	struct ucall uc;

	expect_mmio(vcpu, MMIO_GPA, 1, false);
	memcpy(vcpu->run->mmio.data, "\xa1", 1);
	expect_mmio(vcpu, MMIO_GPA + 2, 2, false);
	memcpy(vcpu->run->mmio.data, "\xb1\xb2", 2);
	expect_mmio(vcpu, MMIO_GPA + 4, 4, false);
	memcpy(vcpu->run->mmio.data, "\xc1\xc2\xc3\xc4", 4);
	expect_mmio(vcpu, MMIO_GPA + 8, 8, false);
	memcpy(vcpu->run->mmio.data, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 0xa1);
	ASSERT_EQ(uc.args[1], 0xb2b1);
	ASSERT_EQ(uc.args[2], 0xc4c3c2c1);
	ASSERT_EQ(uc.args[3], 0x0807060504030201ULL);
}

static void guest_mmio_rmw(void)
{
	uint32_t v;

	asm volatile("incl (%0)" :: "r"(MMIO_GPA + 0x10) : "memory");
	/* A read into a high register (r9): the emulator must decode REX. */
	asm volatile("movl (%1), %%r9d; movl %%r9d, %0" : "=r"(v) : "r"(MMIO_GPA + 0x20) : "r9");
	GUEST_SYNC(v);
	GUEST_DONE();
}

static void mmio_read_modify_write(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_mmio_rmw);
	struct ucall uc;

	expect_mmio(vcpu, MMIO_GPA + 0x10, 4, false);
	memcpy(vcpu->run->mmio.data, "\x29\x00\x00\x00", 4);	/* 41 */
	expect_mmio(vcpu, MMIO_GPA + 0x10, 4, true);
	ASSERT_EQ(mmio_value(vcpu), 42);
	expect_mmio(vcpu, MMIO_GPA + 0x20, 4, false);
	memcpy(vcpu->run->mmio.data, "\x0d\xf0\xad\xba", 4);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 0xbaadf00d);
}

static void guest_ro_write(void)
{
	volatile uint32_t *p = (volatile uint32_t *)(RO_GPA + 0x100);

	GUEST_SYNC(*p);
	*p = 0xfeedface;
	GUEST_SYNC(*p);
	GUEST_DONE();
}

static void mmio_readonly_slot_write(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_ro_write);
	uint32_t *mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct ucall uc;

	if (hvx_check_cap(vm->fd, KVM_CAP_READONLY_MEM) <= 0)
		SKIP("KVM_CAP_READONLY_MEM not offered");
	mem[0x40] = 7;
	vm_set_slot(vm, 1, KVM_MEM_READONLY, RO_GPA, 4096, mem);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 7);
	expect_mmio(vcpu, RO_GPA + 0x100, 4, true);
	ASSERT_EQ(mmio_value(vcpu), 0xfeedface);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 7);
	ASSERT_EQ(mem[0x40], 7);
}

/* IMUL with a memory operand: outside hvx's emulator (arch-x86/emulate/README.md). */
static void guest_mmio_imul(void)
{
	uint64_t v = 3;

	asm volatile("imul (%1), %0" : "+r"(v) : "r"(MMIO_GPA) : "memory");
	GUEST_DONE();
}

/*
 * hvx reports what it cannot emulate as KVM does: KVM_EXIT_INTERNAL_ERROR,
 * KVM_INTERNAL_ERROR_EMULATION, with the instruction's bytes. (KVM's own
 * emulator handles IMUL, so this is hvx-only.)
 */
static void mmio_unemulated_insn(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_mmio_imul);
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;
	uint8_t *code;

	if (!dev_is_hvx())
		SKIP("KVM's emulator handles IMUL");
	vcpu_run_expect(vcpu, KVM_EXIT_INTERNAL_ERROR);
	ASSERT_EQ(run->emulation_failure.suberror, KVM_INTERNAL_ERROR_EMULATION);
	ASSERT_EQ(run->emulation_failure.ndata, 3);
	ASSERT_TRUE(run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES);
	CHECK_OK(ioctl(vcpu->fd, KVM_GET_REGS, &regs));
	code = gpa2hva(vm, regs.rip);	/* identity-mapped guest code */
	ktap_print("RIP %#llx, %u instruction bytes reported, first %02x %02x %02x",
		   (unsigned long long)regs.rip, run->emulation_failure.insn_size,
		   run->emulation_failure.insn_bytes[0], run->emulation_failure.insn_bytes[1],
		   run->emulation_failure.insn_bytes[2]);
	ASSERT_TRUE(run->emulation_failure.insn_size >= 3 &&
		    run->emulation_failure.insn_size <= 15);
	ASSERT_TRUE(!memcmp(run->emulation_failure.insn_bytes, code,
			    run->emulation_failure.insn_size));
	ASSERT_EQ(code[run->emulation_failure.insn_size - 2], 0xaf);	/* 0F AF: IMUL r, r/m */
}

static const struct ktest tests[] = {
	KTEST(mmio_write),
	KTEST(mmio_read),
	KTEST(mmio_read_modify_write),
	KTEST(mmio_readonly_slot_write),
	KTEST(mmio_unemulated_insn),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
