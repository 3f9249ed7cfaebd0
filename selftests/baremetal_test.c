// SPDX-License-Identifier: GPL-2.0-only
/*
 * What an unmodified bare-metal OS does at start-up, as KVM answers it
 * (issue 17: test kernels died at their first MSR write under hvx):
 * - MSRs a CPU has without a CPUID bit: the legacy AMD/Intel performance
 *   counters, the machine-check banks, model-specific MSRs (SYSCFG,
 *   NB_CFG, ...), PLATFORM_INFO and CPUID faulting;
 * - KVM_X86_GET_MCE_CAP_SUPPORTED, KVM_X86_SETUP_MCE, KVM_X86_SET_MCE;
 * - every MSR of KVM_GET_MSR_INDEX_LIST round-trips, and the feature MSRs;
 * - RFLAGS.RF in the frame of a fault hvx injects after an intercept;
 * - the single-step #DB after an instruction hvx retires (CPUID, port I/O
 *   through the VMM, RDMSR), with DR6.BS;
 * - IA32_APIC_BASE mode changes (x2APIC rules) and CPUID.1:EDX.APIC.
 * A guest-ABI test: the kvmref testbed runs it against KVM too.
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include "guest.h"
#include "guest_vm.h"
#include "irq_vm.h"
#include "apic.h"

#define MSR_P6_PERFCTR0		0xc1
#define MSR_P6_PERFCTR1		0xc2
#define MSR_P6_EVNTSEL0		0x186
#define MSR_P6_EVNTSEL1		0x187
#define MSR_K7_EVNTSEL0		0xc0010000	/* EVNTSEL0-3, then PERFCTR0-3 */
#define MSR_IA32_P5_MC_ADDR	0x0
#define MSR_IA32_MCG_CAP	0x179
#define MSR_IA32_MCG_STATUS	0x17a
#define MSR_IA32_MCG_CTL	0x17b
#define MSR_IA32_MC0_CTL	0x400		/* then STATUS, ADDR, MISC; 4 per bank */
#define MSR_PLATFORM_INFO	0xce
#define MSR_MISC_FEATURES	0x140
#define MSR_AMD64_SYSCFG	0xc0010010
#define MSR_AMD64_NB_CFG	0xc001001f
#define MSR_K7_HWCR		0xc0010015
#define MSR_K7_CLK_CTL		0xc001001b
#define MCG_CTL_P		(1ULL << 8)
#define MCG_SER_P		(1ULL << 24)
#define MCI_STATUS_VAL		(1ULL << 63)
#define MCI_STATUS_UC		(1ULL << 61)
#define MCI_STATUS_PCC		(1ULL << 57)
#define HWCR_MCSTATUSWREN	(1ULL << 18)
#define PLATFORM_INFO_CPUID_FAULT (1ULL << 31)
#define CR4_MCE			(1ULL << 6)
#define RFLAGS_TF		(1ULL << 8)
#define RFLAGS_RF		(1ULL << 16)
#define DR6_BS			(1ULL << 14)
#define MC_VECTOR		18
#define CPUID1_EDX_APIC		(1U << 9)
#define TEST_PORT		0x80

/* An OS zeroes both vendors' legacy counters; with no PMU they read 0. */
static void guest_perf_counters(void)
{
	static const uint32_t msrs[] = {
		MSR_P6_EVNTSEL0, MSR_P6_EVNTSEL1, MSR_P6_PERFCTR0, MSR_P6_PERFCTR1,
	};
	uint64_t val;
	unsigned int i;

	for (i = 0; i < 8; i++) {
		GUEST_ASSERT_EQ(wrmsr_safe(MSR_K7_EVNTSEL0 + i, 0), GUEST_NO_EXCEPTION);
		GUEST_ASSERT_EQ(rdmsr_safe(MSR_K7_EVNTSEL0 + i, &val), GUEST_NO_EXCEPTION);
		GUEST_ASSERT_EQ(val, 0);
	}
	for (i = 0; i < 4; i++) {
		GUEST_ASSERT_EQ(wrmsr_safe(msrs[i], 0), GUEST_NO_EXCEPTION);
		GUEST_ASSERT_EQ(rdmsr_safe(msrs[i], &val), GUEST_NO_EXCEPTION);
		GUEST_ASSERT_EQ(val, 0);
	}
	GUEST_DONE();
}

static void legacy_perf_counters(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);

	vcpu_run_ucall(vm_vcpu_add(vm, 0, guest_perf_counters), UCALL_DONE, NULL);
}

/* The banks as a new vCPU has them: 32, no MCG_CTL (KVM's default). */
static void guest_mce_default(void)
{
	uint64_t val, cap = rdmsr(MSR_IA32_MCG_CAP);

	GUEST_ASSERT_EQ(cap & 0xff, 32);
	GUEST_ASSERT_EQ(cap & MCG_CTL_P, 0);
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_IA32_P5_MC_ADDR, &val), GUEST_NO_EXCEPTION);
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_IA32_MCG_CTL, &val), GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_MCG_STATUS, 0), GUEST_NO_EXCEPTION);
	/* MCi_CTL: 0 or all ones; MCi_STATUS: 0 (clearing) always. */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_MC0_CTL, ~0ULL), GUEST_NO_EXCEPTION);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_MC0_CTL), ~0ULL);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_MC0_CTL, 0), GUEST_NO_EXCEPTION);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_MC0_CTL, 0x5), GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_MC0_CTL + 1, 0), GUEST_NO_EXCEPTION);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_MC0_CTL + 31 * 4 + 2, 0x1234), GUEST_NO_EXCEPTION);
	/* Past the last bank. */
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_IA32_MC0_CTL + 32 * 4, &val), GP_VECTOR);
	GUEST_DONE();
}

static void guest_mce_status_write(void)
{
	/* Without HWCR.McStatusWrEn a non-zero MCi_STATUS write is #GP (AMD rule). */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_MC0_CTL + 1, MCI_STATUS_VAL), GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_K7_HWCR, HWCR_MCSTATUSWREN), GUEST_NO_EXCEPTION);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_MC0_CTL + 1, MCI_STATUS_VAL), GUEST_NO_EXCEPTION);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_MC0_CTL + 1), MCI_STATUS_VAL);
	GUEST_DONE();
}

static void machine_check_msrs(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	const struct kvm_cpuid_entry2 *e = cpuid_find(supported_cpuid(), 0, 0);

	vcpu_run_ucall(vm_vcpu_add(vm, 0, guest_mce_default), UCALL_DONE, NULL);
	/* HWCR.McStatusWrEn is AMD's; KVM honours it for an AMD guest. */
	if (e && e->ebx == 0x68747541) {	/* "Auth"enticAMD */
		vcpu_run_ucall(vm_vcpu_add(vm, 1, guest_mce_status_write), UCALL_DONE, NULL);
	} else {
		ktap_print("not an AMD CPUID: McStatusWrEn not checked");
	}
}

static volatile uint64_t mc_status_seen, mc_count;

static void guest_mc_handler(struct guest_frame *f)
{
	(void)f;
	mc_status_seen = rdmsr(MSR_IA32_MC0_CTL + 4 + 1);	/* bank 1 status */
	mc_count++;
	wrmsr(MSR_IA32_MCG_STATUS, 0);
}

static void guest_mce_inject(void)
{
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_MCG_CAP), MCG_CTL_P | 10);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_MCG_CTL), ~0ULL);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_MC0_CTL + 4 * 9), ~0ULL);
	set_cr4(get_cr4() | CR4_MCE);
	GUEST_SYNC(0);			/* the host reports a corrected error */
	GUEST_ASSERT_EQ(mc_count, 0);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_MC0_CTL + 4 + 1), MCI_STATUS_VAL | 0x11);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_MC0_CTL + 4 + 2), 0x1000);
	GUEST_SYNC(1);			/* then an uncorrected one: #MC */
	GUEST_ASSERT_EQ(mc_count, 1);
	GUEST_ASSERT(mc_status_seen & MCI_STATUS_UC);
	/* It overwrote a valid corrected error: the overflow bit. */
	GUEST_ASSERT(mc_status_seen & (1ULL << 62));
	GUEST_DONE();
}

static void mce_ioctls(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_mce_inject);
	struct kvm_x86_mce mce = { 0 };
	uint64_t cap = 0;

	ASSERT_EQ(ioctl(vm->dev, KVM_CHECK_EXTENSION, KVM_CAP_MCE), 32);
	CHECK_OK(ioctl(vm->dev, KVM_X86_GET_MCE_CAP_SUPPORTED, &cap));
	ASSERT_EQ(cap & (MCG_CTL_P | MCG_SER_P), MCG_CTL_P | MCG_SER_P);
	ASSERT_ERRNO(ioctl(vm->dev, KVM_X86_GET_MCE_CAP_SUPPORTED, (void *)8), EFAULT);
	/* 0 banks, 33 banks, a bit nobody supports: EINVAL. */
	cap = 0;
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap), EINVAL);
	cap = 33;
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap), EINVAL);
	cap = 10 | (1ULL << 40);
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap), EINVAL);
	cap = MCG_CTL_P | 10;
	CHECK_OK(ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap));

	vm_set_handler(vm, MC_VECTOR, guest_mc_handler);
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	/* Bank 10 does not exist, a status without VAL is no error. */
	mce.bank = 10;
	mce.status = MCI_STATUS_VAL;
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_X86_SET_MCE, &mce), EINVAL);
	mce.bank = 1;
	mce.status = 0x11;
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_X86_SET_MCE, &mce), EINVAL);
	mce.status = MCI_STATUS_VAL | 0x11;
	mce.addr = 0x1000;
	CHECK_OK(ioctl(vcpu->fd, KVM_X86_SET_MCE, &mce));
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	mce.status = MCI_STATUS_VAL | MCI_STATUS_UC | MCI_STATUS_PCC | 0x22;
	mce.mcg_status = 1 << 2;	/* MCIP */
	CHECK_OK(ioctl(vcpu->fd, KVM_X86_SET_MCE, &mce));
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
}

/* Model-specific MSRs Linux and test kernels touch on AMD and Intel. */
static void guest_model_msrs(void)
{
	uint64_t val;

	GUEST_ASSERT_EQ(rdmsr_safe(MSR_AMD64_SYSCFG, &val), GUEST_NO_EXCEPTION);
	GUEST_ASSERT_EQ(val, 0);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_AMD64_SYSCFG, 0), GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_AMD64_NB_CFG, 0x1234), GUEST_NO_EXCEPTION);
	GUEST_ASSERT_EQ(rdmsr(MSR_AMD64_NB_CFG), 0);
	GUEST_ASSERT_EQ(rdmsr(MSR_K7_CLK_CTL), 0x20000000);
	/* PLATFORM_INFO: readable by default; #GP once the VMM says no. */
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_PLATFORM_INFO, &val), GUEST_NO_EXCEPTION);
	GUEST_ASSERT(val & PLATFORM_INFO_CPUID_FAULT);
	GUEST_SYNC(0);
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_PLATFORM_INFO, &val), GP_VECTOR);
	/* CPUID faulting: only bit 0 exists; CPL 0 still runs CPUID. */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_MISC_FEATURES, 2), GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_MISC_FEATURES, 1), GUEST_NO_EXCEPTION);
	GUEST_ASSERT_EQ(guest_asm_safe("cpuid", :: "a"(0), "c"(0) : "rbx", "rdx", "memory"),
			GUEST_NO_EXCEPTION);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_MISC_FEATURES, 0), GUEST_NO_EXCEPTION);
	GUEST_SYNC(1);
	/* The VMM cleared PLATFORM_INFO's CPUID-fault bit: enabling it is #GP. */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_MISC_FEATURES, 1), GP_VECTOR);
	GUEST_DONE();
}

static void model_msrs(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_model_msrs);
	struct kvm_enable_cap cap = { .cap = KVM_CAP_MSR_PLATFORM_INFO, .args = { 0 } };

	ASSERT_EQ(ioctl(vm->dev, KVM_CHECK_EXTENSION, KVM_CAP_MSR_PLATFORM_INFO), 1);
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	CHECK_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	vcpu_set_msr(vcpu, MSR_PLATFORM_INFO,
		     vcpu_get_msr(vcpu, MSR_PLATFORM_INFO) & ~PLATFORM_INFO_CPUID_FAULT);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
}

/* KVM_GET_MSR_INDEX_LIST's MSRs all read back and write back (KVM's state_test). */
static void msr_round_trip(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_perf_counters);
	struct kvm_msr_list probe = { 0 }, *list;
	struct kvm_msrs *m;
	unsigned int i;
	int r;

	ASSERT_ERRNO(ioctl(vm->dev, KVM_GET_MSR_INDEX_LIST, &probe), E2BIG);
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(list->indices[0]));
	list->nmsrs = probe.nmsrs;
	CHECK_OK(ioctl(vm->dev, KVM_GET_MSR_INDEX_LIST, list));
	m = calloc(1, sizeof(*m) + list->nmsrs * sizeof(m->entries[0]));
	m->nmsrs = list->nmsrs;
	for (i = 0; i < list->nmsrs; i++)
		m->entries[i].index = list->indices[i];
	r = CHECK_OK(ioctl(vcpu->fd, KVM_GET_MSRS, m));
	ASSERT_TRUE(r == (int)list->nmsrs, "KVM_GET_MSRS stopped at %d of %u, MSR %#x", r,
		    list->nmsrs, r < (int)list->nmsrs ? m->entries[r].index : 0);
	r = CHECK_OK(ioctl(vcpu->fd, KVM_SET_MSRS, m));
	ASSERT_TRUE(r == (int)list->nmsrs, "KVM_SET_MSRS stopped at %d of %u, MSR %#x = %#llx", r,
		    list->nmsrs, r < (int)list->nmsrs ? m->entries[r].index : 0,
		    r < (int)list->nmsrs ? (unsigned long long)m->entries[r].data : 0);
	ktap_print("%u MSRs read and written back", list->nmsrs);
	free(m);
	free(list);
}

/* KVM_GET_MSR_FEATURE_INDEX_LIST, each one read through /dev/kvm. */
static void feature_msrs(void)
{
	int dev = hvx_open();
	struct kvm_msr_list probe = { 0 }, *list;
	struct { struct kvm_msrs hdr; struct kvm_msr_entry e; } one = { .hdr.nmsrs = 1 };
	unsigned int i;

	ASSERT_EQ(ioctl(dev, KVM_CHECK_EXTENSION, KVM_CAP_GET_MSR_FEATURES), 1);
	ASSERT_ERRNO(ioctl(dev, KVM_GET_MSR_FEATURE_INDEX_LIST, &probe), E2BIG);
	ASSERT_TRUE(probe.nmsrs > 0);
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(list->indices[0]));
	list->nmsrs = probe.nmsrs;
	CHECK_OK(ioctl(dev, KVM_GET_MSR_FEATURE_INDEX_LIST, list));
	for (i = 0; i < list->nmsrs; i++) {
		one.e.index = list->indices[i];
		ASSERT_EQ(CHECK_OK(ioctl(dev, KVM_GET_MSRS, &one)), 1);
	}
	/* An MSR nobody has stops the list. */
	one.e.index = 0xdeadbeef;
	ASSERT_EQ(CHECK_OK(ioctl(dev, KVM_GET_MSRS, &one)), 0);
	free(list);
}

static volatile uint64_t gp_frame_rflags;
static volatile uint64_t db_rip[4], db_dr6[4], db_count;

static void guest_gp_rf_handler(struct guest_frame *f)
{
	gp_frame_rflags = f->rflags;
	f->rip += 2;		/* past the RDMSR */
}

static void guest_fault_rf(void)
{
	/* RDMSR of an MSR nobody has: hvx intercepts it and injects #GP. */
	asm volatile("rdmsr" :: "c"(0xdeadbeef) : "rax", "rdx", "memory");
	GUEST_ASSERT(gp_frame_rflags & RFLAGS_RF);
	GUEST_DONE();
}

static void fault_frame_rf(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_fault_rf);

	vm_set_handler(vm, GP_VECTOR, guest_gp_rf_handler);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
}

/* #DB: record where and DR6, and single-step no further. */
static void guest_db_handler(struct guest_frame *f)
{
	uint64_t dr6;

	asm volatile("mov %%dr6, %0" : "=r"(dr6));
	if (db_count < 4) {
		db_rip[db_count] = f->rip;
		db_dr6[db_count] = dr6;
	}
	db_count++;
	f->rflags &= ~RFLAGS_TF;
	asm volatile("mov %0, %%dr6" :: "r"(0xffff0ff0ULL));
}

/*
 * @setup, then TF on (POPF), then @insn, which hvx intercepts: the #DB
 * comes after @insn, at the label ss_after_<name>.
 */
#define SINGLESTEP(name, setup, insn)					\
	asm volatile(setup "\n\tpushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\t"	\
		     insn "\n\t.globl ss_after_" #name "\n"		\
		     "ss_after_" #name ":" ::: "rax", "rbx", "rcx", "rdx", "memory")

extern char ss_after_cpuid[], ss_after_out[], ss_after_rdmsr[];

static void guest_singlestep(void)
{
	SINGLESTEP(cpuid, "xor %%eax, %%eax; xor %%ecx, %%ecx", "cpuid");
	SINGLESTEP(out, "mov $0x5a, %%al", "outb %%al, $0x80");
	SINGLESTEP(rdmsr, "mov $0xc0000081, %%ecx", "rdmsr");
	GUEST_ASSERT_EQ(db_count, 3);
	GUEST_ASSERT_EQ(db_rip[0], (uint64_t)ss_after_cpuid);
	GUEST_ASSERT_EQ(db_rip[1], (uint64_t)ss_after_out);
	GUEST_ASSERT_EQ(db_rip[2], (uint64_t)ss_after_rdmsr);
	GUEST_ASSERT(db_dr6[0] & DR6_BS);
	GUEST_ASSERT(db_dr6[1] & DR6_BS);
	GUEST_ASSERT(db_dr6[2] & DR6_BS);
	GUEST_DONE();
}

static void singlestep_after_exits(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_singlestep);

	vm_set_handler(vm, DB_VECTOR, guest_db_handler);
	/* The OUT goes to this VMM, the #DB follows on the next KVM_RUN. */
	vcpu_run_expect(vcpu, KVM_EXIT_IO);
	ASSERT_EQ(vcpu->run->io.port, TEST_PORT);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
}

static void guest_apic_modes(void)
{
	uint64_t base = rdmsr(MSR_IA32_APICBASE) & ~(APICBASE_X2APIC | APICBASE_ENABLE);
	uint32_t a, b, c, d;

	cpuid_count(1, 0, &a, &b, &c, &d);
	GUEST_ASSERT(d & CPUID1_EDX_APIC);
	/* x2APIC without EN is no mode at all. */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_APICBASE, base | APICBASE_X2APIC), GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_APICBASE, base | APICBASE_ENABLE | APICBASE_X2APIC),
			GUEST_NO_EXCEPTION);
	/* x2APIC -> xAPIC only through disabled. */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_APICBASE, base | APICBASE_ENABLE), GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_APICBASE, base), GUEST_NO_EXCEPTION);
	cpuid_count(1, 0, &a, &b, &c, &d);
	GUEST_ASSERT_EQ(d & CPUID1_EDX_APIC, 0);
	/* disabled -> x2APIC only through xAPIC. */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_APICBASE, base | APICBASE_ENABLE | APICBASE_X2APIC),
			GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_APICBASE, base | APICBASE_ENABLE), GUEST_NO_EXCEPTION);
	cpuid_count(1, 0, &a, &b, &c, &d);
	GUEST_ASSERT(d & CPUID1_EDX_APIC);
	GUEST_DONE();
}

static void apic_mode_changes(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu;
	struct kvm_cpuid2 *cpuid;

	vm_create_irqchip(vm);
	vcpu = vm_vcpu_add(vm, 0, guest_apic_modes);
	cpuid = cpuid_with_leaf1_ecx(CPUID1_ECX_X2APIC);
	vcpu_set_cpuid(vcpu, cpuid);
	free(cpuid);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
}

static const struct ktest tests[] = {
	KTEST(legacy_perf_counters),
	KTEST(machine_check_msrs),
	KTEST(mce_ioctls),
	KTEST(model_msrs),
	KTEST(msr_round_trip),
	KTEST(feature_msrs),
	KTEST(fault_frame_rf),
	KTEST(singlestep_after_exits),
	KTEST(apic_mode_changes),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
