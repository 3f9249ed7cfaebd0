// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vCPU state ioctls, one case each: KVM_GET/SET_REGS, SREGS (and the
 * inconsistent states it must refuse), FPU, XSAVE, XCRS, DEBUGREGS,
 * VCPU_EVENTS, MP_STATE. Each checks a round trip, that the guest sees
 * what the host set (and the host what the guest did), and bad arguments.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include "guest.h"
#include "guest_vm.h"

#define BAD_PTR		((void *)8)	/* unmapped: EFAULT */

/* Loads known values into registers, then stops with a raw OUT. */
static void guest_set_regs(void)
{
	asm volatile("mov $0x1111111111111111, %%rbx\n\t"
		     "mov $0x2222222222222222, %%rbp\n\t"
		     "mov $0x1515151515151515, %%r15\n\t"
		     "mov $0x0808080808080808, %%r8\n\t"
		     "mov $0xabcd, %%eax\n\t"
		     "outl %%eax, %%dx\n\t"
		     :: "d"(GUEST_REPORT_PORT) : "rax", "rbx", "rbp", "r8", "r15", "memory");
	GUEST_DONE();
}

static void guest_check_args(uint64_t rdi, uint64_t rsi)
{
	uint64_t r12;

	asm volatile("mov %%r12, %0" : "=r"(r12));
	GUEST_SYNC(rdi, rsi, r12);
	GUEST_DONE();
}

static void regs(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_set_regs);
	struct kvm_regs r, r2;
	struct ucall uc;

	vcpu_get_regs(vcpu, &r);
	ASSERT_EQ(r.rip, (uint64_t)guest_set_regs);
	ASSERT_EQ(r.rflags, 0x2);
	vcpu_run_expect(vcpu, KVM_EXIT_IO);
	ASSERT_EQ(vcpu->run->io.port, GUEST_REPORT_PORT);
	vcpu_get_regs(vcpu, &r);
	ASSERT_EQ(r.rbx, 0x1111111111111111ULL);
	ASSERT_EQ(r.rbp, 0x2222222222222222ULL);
	ASSERT_EQ(r.r15, 0x1515151515151515ULL);
	ASSERT_EQ(r.r8, 0x0808080808080808ULL);
	ASSERT_EQ(r.rax & 0xffffffff, 0xabcd);
	/* KVM reports a port-I/O exit with RIP still at the OUT (0xef) and
	 * skips it on the next KVM_RUN; userspace may rely on that. */
	ASSERT_EQ(((uint8_t *)gpa2hva(vm, r.rip))[0], 0xef);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);

	/* Host to guest: every GPR round-trips, the guest sees RDI/RSI/R12. */
	vcpu = vm_vcpu_add(vm, 1, (void (*)(void))guest_check_args);
	vcpu_get_regs(vcpu, &r);
	r.rax = 0xa; r.rbx = 0xb; r.rcx = 0xc; r.rdx = 0xd; r.rsi = 0x5151;
	r.rdi = 0xd1d1; r.r8 = 8; r.r9 = 9; r.r10 = 10; r.r11 = 11;
	r.r12 = 0x1212121212121212ULL; r.r13 = 13; r.r14 = 14; r.r15 = 15;
	r.rflags = 0x2 | (1 << 6);	/* ZF */
	vcpu_set_regs(vcpu, &r);
	vcpu_get_regs(vcpu, &r2);
	ASSERT_TRUE(!memcmp(&r, &r2, sizeof(r)), "KVM_GET_REGS differs from what was set");
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 0xd1d1);
	ASSERT_EQ(uc.args[1], 0x5151);
	ASSERT_EQ(uc.args[2], 0x1212121212121212ULL);

	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_GET_REGS, BAD_PTR), EFAULT);
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_REGS, BAD_PTR), EFAULT);
}

static void guest_report_cr(void)
{
	GUEST_SYNC(get_cr0(), get_cr3(), get_cr4(), rdmsr(MSR_EFER));
	GUEST_DONE();
}

/* KVM_SET_SREGS must refuse each of these, leaving the state as it was. */
static void sregs_expect_einval(struct vcpu *vcpu, const struct kvm_sregs *good,
				const struct kvm_sregs *bad, const char *what)
{
	struct kvm_sregs now;
	int r = ioctl(vcpu->fd, KVM_SET_SREGS, bad);

	if (r != -1 || errno != EINVAL)
		FAIL("KVM_SET_SREGS with %s: %d (%s), expected EINVAL", what, r,
		     r ? strerror(errno) : "accepted");
	vcpu_get_sregs(vcpu, &now);
	ASSERT_TRUE(now.cr0 == good->cr0 && now.cr4 == good->cr4 && now.efer == good->efer &&
		    now.cs.l == good->cs.l, "state changed by a refused KVM_SET_SREGS (%s)", what);
}

static void sregs(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_report_cr);
	struct kvm_sregs s, bad;
	struct ucall uc;

	vcpu_get_sregs(vcpu, &s);
	ASSERT_EQ(s.cs.selector, GUEST_SEL_CODE64);
	ASSERT_EQ(s.cs.l, 1);
	ASSERT_EQ(s.tr.base, GUEST_TSS_GPA);
	ASSERT_EQ(s.gdt.base, GUEST_GDT_GPA);
	ASSERT_EQ(s.idt.base, GUEST_IDT_GPA);
	ASSERT_EQ(s.cr3, GUEST_PML4_GPA);
	ASSERT_EQ(s.efer & (EFER_LME | EFER_LMA), EFER_LME | EFER_LMA);

	/* The guest reads back what KVM_SET_SREGS put in. */
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], s.cr0);
	ASSERT_EQ(uc.args[1], s.cr3);
	ASSERT_EQ(uc.args[2], s.cr4);
	ASSERT_EQ(uc.args[3] & ~EFER_SVME, s.efer & ~EFER_SVME);

	bad = s; bad.cr0 &= ~X86_CR0_PG;		/* LMA without paging */
	sregs_expect_einval(vcpu, &s, &bad, "EFER.LMA without CR0.PG");
	bad = s; bad.cr4 &= ~X86_CR4_PAE;		/* long mode without PAE */
	sregs_expect_einval(vcpu, &s, &bad, "long mode without CR4.PAE");
	bad = s; bad.efer &= ~EFER_LMA;			/* LME+PG but not LMA */
	sregs_expect_einval(vcpu, &s, &bad, "EFER.LME and CR0.PG without EFER.LMA");
	bad = s; bad.cr0 &= ~(X86_CR0_PG | X86_CR0_PE);
	bad.efer &= ~EFER_LMA;				/* a 64-bit CS outside long mode */
	sregs_expect_einval(vcpu, &s, &bad, "CS.L outside long mode");
	bad = s; bad.cr0 &= ~X86_CR0_PE;		/* PG without PE */
	sregs_expect_einval(vcpu, &s, &bad, "CR0.PG without CR0.PE");
	bad = s; bad.cr0 |= 1ULL << 32;			/* reserved CR0 bits */
	sregs_expect_einval(vcpu, &s, &bad, "CR0 bit 32");
	bad = s; bad.cr0 |= X86_CR0_NW; bad.cr0 &= ~X86_CR0_CD;
	sregs_expect_einval(vcpu, &s, &bad, "CR0.NW without CR0.CD");
	bad = s; bad.cr4 |= 1ULL << 63;			/* reserved CR4 bit */
	sregs_expect_einval(vcpu, &s, &bad, "CR4 bit 63");

	/* Real mode, consistently: accepted and read back. */
	bad = s;
	bad.cr0 = X86_CR0_ET | X86_CR0_NE;
	bad.efer = 0;
	bad.cs.l = 0;
	bad.cs.db = 0;
	CHECK_OK(ioctl(vcpu->fd, KVM_SET_SREGS, &bad));
	vcpu_get_sregs(vcpu, &s);
	ASSERT_EQ(s.cr0, X86_CR0_ET | X86_CR0_NE);
	ASSERT_EQ(s.efer & (EFER_LME | EFER_LMA), 0);

	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_GET_SREGS, BAD_PTR), EFAULT);
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_SREGS, BAD_PTR), EFAULT);
}

/* FXSAVE layout offsets (Intel SDM vol. 1, table 10-2). */
#define FXSAVE_FCW	0
#define FXSAVE_MXCSR	24
#define FXSAVE_XMM0	160
#define MXCSR_DEFAULT	0x1f80
#define MXCSR_FZ	(1 << 15)
#define FCW_DEFAULT	0x37f

static uint32_t region_u32(const struct kvm_xsave *x, unsigned int off)
{
	uint32_t v;

	memcpy(&v, (const char *)x->region + off, sizeof(v));
	return v;
}

static uint64_t xmm_u64(const struct kvm_fpu *f, unsigned int reg, unsigned int half)
{
	uint64_t v;

	memcpy(&v, &f->xmm[reg][8 * half], sizeof(v));
	return v;
}

static void guest_fpu(void)
{
	uint64_t lo, hi;
	uint32_t mxcsr;

	uint64_t x[2] __attribute__((aligned(16)));

	/* SSE2 only: the testbed CPU (qemu64) has no SSE4.1. */
	asm volatile("movdqu %%xmm0, %0" : "=m"(x));
	lo = x[0];
	hi = x[1];
	asm volatile("stmxcsr %0" : "=m"(mxcsr));
	GUEST_SYNC(lo, hi, mxcsr);
	x[0] = 0x1111222233334444ULL;
	x[1] = 0x5555666677778888ULL;
	asm volatile("movdqu %0, %%xmm1" :: "m"(x) : "xmm1");
	GUEST_SYNC(0);
	GUEST_DONE();
}

static void fpu(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_fpu);
	struct kvm_fpu f, f2;
	struct ucall uc;

	CHECK_OK(ioctl(vcpu->fd, KVM_GET_FPU, &f));
	ASSERT_EQ(f.fcw, FCW_DEFAULT);
	/* Architecturally 0x1f80 after RESET; KVM reports 0 until the vCPU has
	 * run (its FPU buffer starts zeroed), so that is not checked. */
	ktap_print("MXCSR of a new vCPU per KVM_GET_FPU: %#x", f.mxcsr);
	memcpy(f.xmm[0], "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16);
	/* KVM_SET_FPU ignores kvm_fpu.mxcsr on KVM (KVM_SET_XSAVE carries it,
	 * see the xsave case): hand it the reset value, whoever honours it. */
	f.mxcsr = MXCSR_DEFAULT;
	CHECK_OK(ioctl(vcpu->fd, KVM_SET_FPU, &f));
	CHECK_OK(ioctl(vcpu->fd, KVM_GET_FPU, &f2));
	ASSERT_TRUE(!memcmp(f.xmm[0], f2.xmm[0], 16));
	/* KVM copies no MXCSR in KVM_GET_FPU either. */
	ktap_print("KVM_GET_FPU mxcsr after KVM_SET_FPU(%#x): %#x", f.mxcsr, f2.mxcsr);

	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 0x0807060504030201ULL);
	ASSERT_EQ(uc.args[1], 0x100f0e0d0c0b0a09ULL);
	ASSERT_EQ(uc.args[2], MXCSR_DEFAULT);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	CHECK_OK(ioctl(vcpu->fd, KVM_GET_FPU, &f2));
	ASSERT_EQ(xmm_u64(&f2, 1, 0), 0x1111222233334444ULL);
	ASSERT_EQ(xmm_u64(&f2, 1, 1), 0x5555666677778888ULL);
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_GET_FPU, BAD_PTR), EFAULT);
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_FPU, BAD_PTR), EFAULT);
}

#define XSAVE_XSTATE_BV		512
#define XFEATURE_FP			1
#define XFEATURE_SSE			2

static void xsave(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_fpu);
	struct kvm_xsave x, x2;
	struct ucall uc;

	if (hvx_check_cap(vm->fd, KVM_CAP_XSAVE) <= 0)
		SKIP("KVM_CAP_XSAVE not offered");
	CHECK_OK(ioctl(vcpu->fd, KVM_GET_XSAVE, &x));
	ASSERT_EQ(region_u32(&x, FXSAVE_FCW) & 0xffff, FCW_DEFAULT);
	memcpy((char *)x.region + FXSAVE_MXCSR, &(uint32_t){ MXCSR_DEFAULT | MXCSR_FZ }, 4);
	memcpy((char *)x.region + FXSAVE_XMM0,
	       "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16);
	/*
	 * XSTATE_BV (the header's first word, at byte 512) says which parts
	 * of the image are real: a component left clear there loads as its
	 * init state (SDM vol. 1 13.8), so say that x87 and SSE are given.
	 */
	x.region[XSAVE_XSTATE_BV / 4] |= XFEATURE_FP | XFEATURE_SSE;
	CHECK_OK(ioctl(vcpu->fd, KVM_SET_XSAVE, &x));
	CHECK_OK(ioctl(vcpu->fd, KVM_GET_XSAVE, &x2));
	ASSERT_TRUE(!memcmp((char *)x.region + FXSAVE_XMM0, (char *)x2.region + FXSAVE_XMM0, 16));
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 0x0807060504030201ULL);
	ASSERT_EQ(uc.args[2], MXCSR_DEFAULT | MXCSR_FZ);
	/* Reserved MXCSR bits: the CPU would #GP on loading them. */
	memset((char *)x.region + FXSAVE_MXCSR, 0xff, 4);
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_XSAVE, &x), EINVAL);
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_GET_XSAVE, BAD_PTR), EFAULT);
}

#define XCR_XFEATURE_ENABLED_MASK	0

static void xcrs(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_fpu);
	const struct kvm_cpuid_entry2 *leaf1 = cpuid_find(supported_cpuid(), 1, 0);
	struct kvm_xcrs x = { 0 };

	if (hvx_check_cap(vm->fd, KVM_CAP_XCRS) <= 0)
		SKIP("KVM_CAP_XCRS not offered");
	CHECK_OK(ioctl(vcpu->fd, KVM_GET_XCRS, &x));
	if (!leaf1 || !(leaf1->ecx & (1u << 26))) {
		/* No XSAVE for guests: no XCRs, and none can be set. */
		ASSERT_EQ(x.nr_xcrs, 0);
		x.nr_xcrs = 1;
		x.xcrs[0].xcr = XCR_XFEATURE_ENABLED_MASK;
		x.xcrs[0].value = XFEATURE_FP;
		ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_XCRS, &x), EINVAL);
		SKIP("the CPU has no XSAVE: only the no-XCR behaviour checked");
	}
	ASSERT_EQ(x.nr_xcrs, 1);
	ASSERT_EQ(x.xcrs[0].xcr, XCR_XFEATURE_ENABLED_MASK);
	ASSERT_EQ(x.xcrs[0].value, XFEATURE_FP);	/* reset value */
	x.xcrs[0].value = XFEATURE_FP | XFEATURE_SSE;
	CHECK_OK(ioctl(vcpu->fd, KVM_SET_XCRS, &x));
	memset(&x, 0, sizeof(x));
	CHECK_OK(ioctl(vcpu->fd, KVM_GET_XCRS, &x));
	ASSERT_EQ(x.xcrs[0].value, XFEATURE_FP | XFEATURE_SSE);
	x.xcrs[0].value = XFEATURE_SSE;		/* x87 must stay set */
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_XCRS, &x), EINVAL);
	x.xcrs[0].value = XFEATURE_FP | XFEATURE_SSE;
	x.flags = 1;				/* no flags defined */
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_XCRS, &x), EINVAL);
}

static void guest_debugregs(void)
{
	uint64_t dr0, dr3, dr7;

	asm volatile("mov %%dr0, %0; mov %%dr3, %1; mov %%dr7, %2"
		     : "=r"(dr0), "=r"(dr3), "=r"(dr7));
	GUEST_SYNC(dr0, dr3, dr7);
	asm volatile("mov %0, %%dr1" :: "r"(0x123456ULL));
	GUEST_DONE();
}

#define DR6_FIXED_1	0xffff0ff0ULL	/* DR6 after RESET */
#define DR7_FIXED_1	0x400ULL

static void debugregs(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_debugregs);
	struct kvm_debugregs d, d2;
	struct ucall uc;

	CHECK_OK(ioctl(vcpu->fd, KVM_GET_DEBUGREGS, &d));
	ASSERT_EQ(d.dr6, DR6_FIXED_1);
	ASSERT_EQ(d.dr7, DR7_FIXED_1);
	d.db[0] = 0x1000;
	d.db[3] = 0xdead0000ULL;
	d.dr7 = DR7_FIXED_1 | (1 << 9);	/* GE: no breakpoint enabled */
	CHECK_OK(ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &d));
	CHECK_OK(ioctl(vcpu->fd, KVM_GET_DEBUGREGS, &d2));
	ASSERT_EQ(d2.db[0], 0x1000);
	ASSERT_EQ(d2.db[3], 0xdead0000ULL);
	ASSERT_EQ(d2.dr7, d.dr7);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 0x1000);
	ASSERT_EQ(uc.args[1], 0xdead0000ULL);
	ASSERT_EQ(uc.args[2], d.dr7);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
	CHECK_OK(ioctl(vcpu->fd, KVM_GET_DEBUGREGS, &d2));
	ASSERT_EQ(d2.db[1], 0x123456);

	d2 = d; d2.dr6 |= 1ULL << 32;		/* DR6/DR7 bits 63:32 are reserved */
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &d2), EINVAL);
	d2 = d; d2.dr7 |= 1ULL << 40;
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &d2), EINVAL);
	d2 = d; d2.flags = 1;
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &d2), EINVAL);
}

/* Stops with a raw OUT; an exception injected then is taken right after it. */
static void guest_events(void)
{
	uint64_t after_out;

	guest_exception.vector = GUEST_NO_EXCEPTION;
	asm volatile("movq $1f, %0\n\t"
		     "movq $1f, guest_fixup_rip\n\t"
		     "outl %%eax, %%dx\n"
		     "1:\tmovq $0, guest_fixup_rip"
		     : "=&r"(after_out) : "a"(0), "d"(GUEST_REPORT_PORT) : "memory");
	GUEST_SYNC(guest_exception.vector, guest_exception.error_code, guest_exception.rip,
		   after_out);
	GUEST_DONE();
}

static void vcpu_events(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_events);
	struct kvm_vcpu_events ev, ev2;
	struct ucall uc;

	CHECK_OK(ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	ASSERT_EQ(ev.exception.injected, 0);
	ASSERT_EQ(ev.exception.pending, 0);
	ASSERT_EQ(ev.interrupt.injected, 0);
	ASSERT_EQ(ev.nmi.injected, 0);
	ASSERT_EQ(ev.nmi.pending, 0);

	vcpu_run_expect(vcpu, KVM_EXIT_IO);
	ASSERT_EQ(vcpu->run->io.port, GUEST_REPORT_PORT);
	/* Inject #GP(0x18) at the instruction after the OUT. */
	CHECK_OK(ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	ev.exception.injected = 1;
	ev.exception.nr = GP_VECTOR;
	ev.exception.has_error_code = 1;
	ev.exception.error_code = 0x18;
	ev.flags = 0;
	CHECK_OK(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	CHECK_OK(ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev2));
	ASSERT_EQ(ev2.exception.injected, 1);
	ASSERT_EQ(ev2.exception.nr, GP_VECTOR);
	ASSERT_EQ(ev2.exception.error_code, 0x18);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], GP_VECTOR);
	ASSERT_EQ(uc.args[1], 0x18);
	ASSERT_EQ(uc.args[2], uc.args[3]);	/* delivered once the OUT completed */
	CHECK_OK(ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev2));
	ASSERT_EQ(ev2.exception.injected, 0);

	ev = ev2;
	ev.flags = 1u << 31;			/* no such flag */
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev), EINVAL);
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, BAD_PTR), EFAULT);
}

static void mp_state(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_report_cr);
	struct kvm_mp_state mp;

	CHECK_OK(ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp));
	ASSERT_EQ(mp.mp_state, KVM_MP_STATE_RUNNABLE);
	mp.mp_state = KVM_MP_STATE_RUNNABLE;
	CHECK_OK(ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp));
	/* Without an in-kernel local APIC only RUNNABLE exists. */
	mp.mp_state = KVM_MP_STATE_HALTED;
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp), EINVAL);
	mp.mp_state = KVM_MP_STATE_INIT_RECEIVED;
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp), EINVAL);
	mp.mp_state = 1000;
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp), EINVAL);
	CHECK_OK(ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp));
	ASSERT_EQ(mp.mp_state, KVM_MP_STATE_RUNNABLE);
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_GET_MP_STATE, BAD_PTR), EFAULT);
}

/*
 * The guest's SSE registers survive the vCPU thread being preempted inside
 * KVM_RUN. The guest loads XMM5, then executes CPUID (an exit handled in
 * the kernel, so KVM_RUN does not return) many times and checks XMM5
 * after each. A second thread on the same CPU keeps other values in its
 * own XMM5, so a guest entered without its FPU state reloaded sees them.
 */
#define FPU_PREEMPT_LOOPS	30000

static void guest_fpu_preempt(void)
{
	static const uint64_t want[2] __attribute__((aligned(16))) = {
		0x0123456789abcdefULL, 0xfedcba9876543210ULL,
	};
	uint64_t got[2] __attribute__((aligned(16)));
	uint32_t left = FPU_PREEMPT_LOOPS;

	asm volatile("movdqa (%[want]), %%xmm5\n"
		     "1:\tmov %[leaf], %%eax\n\t"
		     "cpuid\n\t"
		     "movdqa %%xmm5, (%[got])\n\t"
		     "mov (%[got]), %%rax\n\t"
		     "cmp (%[want]), %%rax\n\t"
		     "jne 2f\n\t"
		     "mov 8(%[got]), %%rax\n\t"
		     "cmp 8(%[want]), %%rax\n\t"
		     "jne 2f\n\t"
		     "dec %[left]\n\t"
		     "jnz 1b\n"
		     "2:"
		     : [left] "+r"(left)
		     : [want] "r"(want), [got] "r"(got), [leaf] "i"(0)
		     : "rax", "rbx", "rcx", "rdx", "xmm5", "memory");
	GUEST_SYNC(left, got[0], got[1]);
	GUEST_DONE();
}

static volatile int fpu_noise_stop;

static void pin_to_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	ASSERT_EQ(sched_setaffinity(0, sizeof(set), &set), 0);
}

static void *fpu_noise(void *arg)
{
	static const uint64_t noise[2] __attribute__((aligned(16))) = { ~0ULL, 0x5a5a5a5a5a5a5a5aULL };

	(void)arg;
	pin_to_cpu0();
	while (!fpu_noise_stop)
		asm volatile("movdqa (%0), %%xmm5" :: "r"(noise) : "xmm5");
	return NULL;
}

static void fpu_survives_preemption(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_fpu_preempt);
	pthread_t noise;
	struct ucall uc;

	pin_to_cpu0();
	ASSERT_EQ(pthread_create(&noise, NULL, fpu_noise, NULL), 0);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	fpu_noise_stop = 1;
	pthread_join(noise, NULL);
	ktap_print("%llu of %u CPUID exits left; XMM5 %#llx:%#llx",
		   (unsigned long long)uc.args[0], FPU_PREEMPT_LOOPS,
		   (unsigned long long)uc.args[2], (unsigned long long)uc.args[1]);
	ASSERT_EQ(uc.args[0], 0);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
}

static const struct ktest tests[] = {
	KTEST(regs),
	KTEST(sregs),
	KTEST(fpu),
	KTEST(fpu_survives_preemption),
	KTEST(xsave),
	KTEST(xcrs),
	KTEST(debugregs),
	KTEST(vcpu_events),
	KTEST(mp_state),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
