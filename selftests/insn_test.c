// SPDX-License-Identifier: GPL-2.0-only
/*
 * Instructions the hypervisor handles without going to userspace, checked
 * by the guest itself: RDTSC, XSETBV/XGETBV, WBINVD/INVD, PAUSE, the SVM
 * instructions (#UD for a guest without SVM enabled), and VMMCALL (KVM's
 * hypercall: an unknown number answers -KVM_ENOSYS). The CPUID exit has its own test (cpuid_test).
 */
#include <sys/ioctl.h>
#include "guest.h"
#include "guest_vm.h"

#define TSC_READS	2000

static void guest_rdtsc(void)
{
	uint64_t prev = rdtsc(), now, i;

	for (i = 0; i < TSC_READS; i++) {
		now = rdtsc();
		GUEST_ASSERT_V(now >= prev, prev, now, i);
		prev = now;
		if (i % 500 == 0)
			GUEST_SYNC(now);	/* across exits, too */
	}
	GUEST_DONE();
}

static void rdtsc_monotonic(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_rdtsc);
	uint64_t last = 0, syncs = 0;
	struct ucall uc;

	for (;;) {
		vcpu_run(vcpu);
		if (get_ucall(vcpu, &uc) == UCALL_DONE)
			break;
		ASSERT_TRUE(uc.args[0] > last, "TSC %#llx after %#llx",
			    (unsigned long long)uc.args[0], (unsigned long long)last);
		last = uc.args[0];
		syncs++;
	}
	ASSERT_EQ(syncs, TSC_READS / 500);
}

#define XCR0_X87	1
#define XCR0_SSE	2
#define CPUID_1_ECX_XSAVE	(1u << 26)

static uint8_t xsetbv_safe(uint32_t xcr, uint64_t val)
{
	return guest_asm_safe(".byte 0x0f, 0x01, 0xd1",	/* xsetbv */
			      :: "c"(xcr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
			      : "memory");
}

static uint64_t xgetbv(uint32_t xcr)
{
	uint32_t lo, hi;

	asm volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(xcr));
	return lo | (uint64_t)hi << 32;
}

static void guest_xsetbv(void)
{
	uint32_t a, b, c, d;

	cpuid_count(1, 0, &a, &b, &c, &d);
	if (!(c & CPUID_1_ECX_XSAVE)) {
		/* No XSAVE: XSETBV is undefined, CR4.OSXSAVE reserved. */
		GUEST_ASSERT_EQ(xsetbv_safe(0, XCR0_X87), UD_VECTOR);
		GUEST_ASSERT_EQ(guest_asm_safe("mov %0, %%cr4", :: "r"(get_cr4() | X86_CR4_OSXSAVE)
					       : "memory"), GP_VECTOR);
		GUEST_SYNC(0);
		GUEST_DONE();
	}
	/* XSETBV needs CR4.OSXSAVE. */
	GUEST_ASSERT_EQ(xsetbv_safe(0, XCR0_X87 | XCR0_SSE), UD_VECTOR);
	set_cr4(get_cr4() | X86_CR4_OSXSAVE);
	cpuid_count(1, 0, &a, &b, &c, &d);
	GUEST_ASSERT(c & (1u << 27));		/* OSXSAVE now reads 1 */
	GUEST_ASSERT_EQ(xgetbv(0), XCR0_X87);
	GUEST_ASSERT_EQ(xsetbv_safe(0, XCR0_X87 | XCR0_SSE), GUEST_NO_EXCEPTION);
	GUEST_ASSERT_EQ(xgetbv(0), XCR0_X87 | XCR0_SSE);
	/* x87 must stay enabled; unknown XCRs and bits are refused. */
	GUEST_ASSERT_EQ(xsetbv_safe(0, XCR0_SSE), GP_VECTOR);
	GUEST_ASSERT_EQ(xsetbv_safe(0, 0), GP_VECTOR);
	GUEST_ASSERT_EQ(xsetbv_safe(1, XCR0_X87), GP_VECTOR);
	GUEST_ASSERT_EQ(xsetbv_safe(0, XCR0_X87 | XCR0_SSE | (1ULL << 62)), GP_VECTOR);
	GUEST_ASSERT_EQ(xgetbv(0), XCR0_X87 | XCR0_SSE);
	GUEST_SYNC(1);
	GUEST_DONE();
}

static void xsetbv(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_xsetbv);
	struct kvm_xcrs x;
	struct ucall uc;

	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	if (!uc.args[0]) {
		vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
		SKIP("no XSAVE for guests: only the #UD/#GP behaviour checked");
	}
	CHECK_OK(ioctl(vcpu->fd, KVM_GET_XCRS, &x));
	ASSERT_EQ(x.xcrs[0].value, XCR0_X87 | XCR0_SSE);	/* the host sees it */
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
}

static void guest_cache_and_pause(void)
{
	int i;

	asm volatile("wbinvd" ::: "memory");
	asm volatile("invd" ::: "memory");
	for (i = 0; i < 1000; i++)
		asm volatile("pause");
	GUEST_SYNC(1);
	asm volatile("wbinvd" ::: "memory");
	GUEST_DONE();
}

static void wbinvd_invd_pause(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_cache_and_pause);

	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
}

/* The SVM instructions, encoded by hand (opcode 0f 01 d8..df). */
#define SVM_INSN(name, modrm)	{ name, modrm }
static const struct { const char *name; uint8_t modrm; } svm_insns[] = {
	SVM_INSN("VMRUN", 0xd8), SVM_INSN("VMLOAD", 0xda), SVM_INSN("VMSAVE", 0xdb),
	SVM_INSN("STGI", 0xdc), SVM_INSN("CLGI", 0xdd), SVM_INSN("SKINIT", 0xde),
	SVM_INSN("INVLPGA", 0xdf),
};

static uint8_t svm_insn_safe(uint8_t modrm)
{
	/* Each runs with RAX pointing at harmless, page-aligned memory. */
	switch (modrm) {
#define CASE(m) case m: return guest_asm_safe(".byte 0x0f, 0x01, " #m, \
					      :: "a"(GUEST_BLOB_GPA), "c"(0) : "memory")
	CASE(0xd8); CASE(0xda); CASE(0xdb); CASE(0xdc); CASE(0xdd); CASE(0xde); CASE(0xdf);
#undef CASE
	}
	return GUEST_NO_EXCEPTION;
}

static void guest_svm_insns(uint64_t is_hvx)
{
	unsigned int i;

	/* With EFER.SVME clear, every one of them is #UD (APM vol. 2, 15.4). */
	for (i = 0; i < KTEST_COUNT(svm_insns); i++) {
		uint8_t v = svm_insn_safe(svm_insns[i].modrm);

		__GUEST_ASSERT(v == UD_VECTOR, "SVM instruction gives #UD", svm_insns[i].modrm, v);
	}
	/* hvx offers no nested SVM: EFER.SVME is reserved for its guests. */
	if (is_hvx)
		GUEST_ASSERT_EQ(wrmsr_safe(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME), GP_VECTOR);
	GUEST_DONE();
}

static void svm_insns_ud(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, (void (*)(void))guest_svm_insns);

	vcpu_set_arg(vcpu, dev_is_hvx(), 0);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
}

static void guest_vmmcall(void)
{
	uint64_t rax = 0x1234;

	asm volatile(".byte 0x0f, 0x01, 0xd9"	/* vmmcall */
		     : "+a"(rax) : "b"(0xb0b0), "c"(0xc0c0), "d"(0xd0d0), "S"(0x5151)
		     : "memory");
	GUEST_SYNC(rax);
	GUEST_DONE();
}

/*
 * An unknown hypercall number: -KVM_ENOSYS in RAX, no exit, as on KVM (on
 * VMX the VMMCALL is patched to VMCALL first). pv_test has the rest.
 */
static void vmmcall_unknown_hypercall(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_vmmcall);
	struct ucall uc;

	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], (uint64_t)-1000);	/* -KVM_ENOSYS */
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
	vm_destroy(vm);
}

static const struct ktest tests[] = {
	KTEST(rdtsc_monotonic),
	KTEST(xsetbv),
	KTEST(wbinvd_invd_pause),
	KTEST(svm_insns_ud),
	KTEST(vmmcall_unknown_hypercall),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
