// SPDX-License-Identifier: GPL-2.0-only
/*
 * Port-I/O exits (KVM_EXIT_IO): IN and OUT of 1, 2 and 4 bytes, and the
 * string forms (REP INS/OUTS) with kvm_run.io.count and data_offset.
 */
#include <sys/ioctl.h>
#include "guest.h"
#include "guest_vm.h"

#define PORT_OUT	0x500
#define PORT_IN		0x501
#define STR_BYTES	100
#define STR_WORDS	70

static uint8_t *io_data(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	ASSERT_TRUE(run->io.data_offset >= sizeof(*run));
	ASSERT_TRUE(run->io.data_offset + run->io.size * run->io.count <= hvx_vcpu_mmap_size());
	return (uint8_t *)run + run->io.data_offset;
}

static void expect_io(struct vcpu *vcpu, uint8_t dir, uint16_t port, uint8_t size)
{
	vcpu_run_expect(vcpu, KVM_EXIT_IO);
	if (vcpu->run->io.port != port || vcpu->run->io.direction != dir ||
	    vcpu->run->io.size != size)
		vcpu_fail_exit(vcpu, "wrong port, direction or size");
}

static void guest_out(void)
{
	outb(PORT_OUT, 0x12);
	outw(PORT_OUT, 0x3456);
	outl(PORT_OUT, 0x789abcde);
	asm volatile("outb %%al, $0x80" :: "a"(0x55));	/* imm8 port form */
	GUEST_DONE();
}

static void out_sizes(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_out);
	uint32_t v = 0;

	expect_io(vcpu, KVM_EXIT_IO_OUT, PORT_OUT, 1);
	ASSERT_EQ(vcpu->run->io.count, 1);
	ASSERT_EQ(*io_data(vcpu), 0x12);
	expect_io(vcpu, KVM_EXIT_IO_OUT, PORT_OUT, 2);
	memcpy(&v, io_data(vcpu), 2);
	ASSERT_EQ(v, 0x3456);
	expect_io(vcpu, KVM_EXIT_IO_OUT, PORT_OUT, 4);
	memcpy(&v, io_data(vcpu), 4);
	ASSERT_EQ(v, 0x789abcde);
	expect_io(vcpu, KVM_EXIT_IO_OUT, 0x80, 1);
	ASSERT_EQ(*io_data(vcpu), 0x55);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
}

static void guest_in(void)
{
	uint64_t rax_hi = 0xdeadbeef00000000ULL, rax;

	GUEST_SYNC(inb(PORT_IN), inw(PORT_IN), inl(PORT_IN));
	/* IN AL leaves the rest of RAX alone; IN EAX zero-extends. */
	asm volatile("inb %%dx, %%al" : "=a"(rax) : "a"(rax_hi | 0x1111), "d"(PORT_IN));
	GUEST_SYNC(rax);
	asm volatile("inl %%dx, %%eax" : "=a"(rax) : "a"(rax_hi), "d"(PORT_IN));
	GUEST_SYNC(rax);
	GUEST_DONE();
}

static void in_sizes(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_in);
	struct ucall uc;

	expect_io(vcpu, KVM_EXIT_IO_IN, PORT_IN, 1);
	ASSERT_EQ(vcpu->run->io.count, 1);
	memcpy(io_data(vcpu), "\xa1", 1);
	expect_io(vcpu, KVM_EXIT_IO_IN, PORT_IN, 2);
	memcpy(io_data(vcpu), "\xb1\xb2", 2);
	expect_io(vcpu, KVM_EXIT_IO_IN, PORT_IN, 4);
	memcpy(io_data(vcpu), "\xc1\xc2\xc3\xc4", 4);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 0xa1);
	ASSERT_EQ(uc.args[1], 0xb2b1);
	ASSERT_EQ(uc.args[2], 0xc4c3c2c1);
	expect_io(vcpu, KVM_EXIT_IO_IN, PORT_IN, 1);
	memcpy(io_data(vcpu), "\x77", 1);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 0xdeadbeef00001177ULL);
	expect_io(vcpu, KVM_EXIT_IO_IN, PORT_IN, 4);
	memcpy(io_data(vcpu), "\x01\x02\x03\x04", 4);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 0x04030201);
}

static uint8_t guest_buf[STR_BYTES];
static uint16_t guest_words[STR_WORDS];

static void guest_outs(void)
{
	uint64_t rcx = STR_BYTES, i;
	const uint8_t *rsi = guest_buf;

	for (i = 0; i < STR_BYTES; i++)
		guest_buf[i] = i * 7 + 3;
	asm volatile("cld; rep outsb" : "+c"(rcx), "+S"(rsi) : "d"(PORT_OUT) : "memory");
	GUEST_SYNC(rcx, (uint64_t)rsi - (uint64_t)guest_buf);
	GUEST_DONE();
}

static void outs_rep(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_outs);
	uint8_t got[STR_BYTES];
	unsigned int n = 0, exits = 0, i;
	struct ucall uc;

	/* KVM may split the string over several exits; the bytes must add up. */
	while (n < STR_BYTES) {
		expect_io(vcpu, KVM_EXIT_IO_OUT, PORT_OUT, 1);
		ASSERT_TRUE(vcpu->run->io.count >= 1 && n + vcpu->run->io.count <= STR_BYTES,
			    "count %u after %u bytes", vcpu->run->io.count, n);
		memcpy(got + n, io_data(vcpu), vcpu->run->io.count);
		n += vcpu->run->io.count;
		exits++;
	}
	ktap_print("REP OUTSB of %d bytes: %u exit(s)", STR_BYTES, exits);
	for (i = 0; i < STR_BYTES; i++)
		ASSERT_EQ(got[i], (uint8_t)(i * 7 + 3));
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 0);		/* RCX counted down */
	ASSERT_EQ(uc.args[1], STR_BYTES);	/* RSI advanced */
}

static void guest_ins(void)
{
	uint64_t rcx = STR_WORDS, i;
	uint16_t *rdi = guest_words;

	asm volatile("cld; rep insw" : "+c"(rcx), "+D"(rdi) : "d"(PORT_IN) : "memory");
	GUEST_ASSERT_EQ(rcx, 0);
	GUEST_ASSERT_EQ((uint64_t)rdi - (uint64_t)guest_words, 2 * STR_WORDS);
	for (i = 0; i < STR_WORDS; i++)
		GUEST_ASSERT_EQ(guest_words[i], 0x100 + i);
	/* Backwards (DF=1), one word. */
	rcx = 1;
	rdi = &guest_words[0];
	asm volatile("std; rep insw; cld" : "+c"(rcx), "+D"(rdi) : "d"(PORT_IN) : "memory");
	GUEST_ASSERT_EQ((uint64_t)rdi, (uint64_t)&guest_words[0] - 2);
	GUEST_ASSERT_EQ(guest_words[0], 0xbeef);
	GUEST_DONE();
}

static void ins_rep(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_ins);
	unsigned int n = 0, exits = 0, i;

	while (n < STR_WORDS) {
		expect_io(vcpu, KVM_EXIT_IO_IN, PORT_IN, 2);
		ASSERT_TRUE(vcpu->run->io.count >= 1 && n + vcpu->run->io.count <= STR_WORDS,
			    "count %u after %u words", vcpu->run->io.count, n);
		for (i = 0; i < vcpu->run->io.count; i++) {
			uint16_t w = 0x100 + n + i;

			memcpy(io_data(vcpu) + 2 * i, &w, 2);
		}
		n += vcpu->run->io.count;
		exits++;
	}
	ktap_print("REP INSW of %d words: %u exit(s)", STR_WORDS, exits);
	expect_io(vcpu, KVM_EXIT_IO_IN, PORT_IN, 2);
	ASSERT_EQ(vcpu->run->io.count, 1);
	memcpy(io_data(vcpu), "\xef\xbe", 2);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
}

static const struct ktest tests[] = {
	KTEST(out_sizes),
	KTEST(in_sizes),
	KTEST(outs_rep),
	KTEST(ins_rep),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
