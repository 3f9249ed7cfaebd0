// SPDX-License-Identifier: GPL-2.0-only
/*
 * Model-specific MSRs that a CPU has without a CPUID bit, which operating
 * systems read or write at start-up whatever the CPUID table says, taken
 * the way KVM takes them (arch/x86/kvm/x86.c kvm_get/set_msr_common, and
 * svm.c/vmx.c for the vendor-only ones). Most read as a constant and
 * ignore or refuse writes; a few keep a value for the VMM to save and
 * restore. Also the feature MSRs that /dev/hvx reports
 * (KVM_GET_MSR_FEATURE_INDEX_LIST, KVM_GET_MSRS on the system fd), and
 * CPUID faulting (PLATFORM_INFO / MISC_FEATURES_ENABLES).
 */
#define pr_fmt(fmt) "hvx: " fmt

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include "hvx_exit.h"
#include "msr.h"

/* How the MSRs of the table below behave. */
enum hvx_model_kind {
	HVX_MODEL_CONST_IGNORE,	/* reads the value, writes ignored */
	HVX_MODEL_CONST_RO,	/* reads the value, writes #GP */
	HVX_MODEL_WRITE_ONLY,	/* reads #GP, writes ignored */
	HVX_MODEL_ZERO_ONLY,	/* reads 0, only 0 may be written */
};

struct hvx_model_msr {
	u32 msr;
	u8 kind;		/* enum hvx_model_kind */
	bool svm_only;		/* AMD-only in KVM (svm.c); #GP on VMX */
	u64 value;
};

/* L2 cache control 3: 64 GiB range, 256 KiB, enabled, latency 1 (KVM's). */
#define HVX_BBL_CR_CTL3		0xbe702111ULL
/* K7 clock control: the ramp-up count KVM reports. */
#define HVX_K7_CLK_CTL		0x20000000ULL
/* FSB frequency MSR 0xcd: 3, KVM's conservative answer. */
#define HVX_MSR_FSB_FREQ	0xcd
#define HVX_FSB_FREQ		3ULL
/* Core-to-bus clock ratio 1, bus 100 MHz. */
#define HVX_EBC_FREQUENCY_ID	(1ULL << 24)
/* TSC increment per tick and CPU multiplier 4. */
#define HVX_PERF_STATUS		(1000ULL | (4ULL << 40))

static const struct hvx_model_msr hvx_model_msrs[] = {
	{ MSR_IA32_PLATFORM_ID,		HVX_MODEL_CONST_RO },
	{ MSR_IA32_EBL_CR_POWERON,	HVX_MODEL_CONST_RO },
	{ MSR_IA32_LASTBRANCHFROMIP,	HVX_MODEL_CONST_RO },
	{ MSR_IA32_LASTBRANCHTOIP,	HVX_MODEL_CONST_RO },
	{ MSR_IA32_LASTINTFROMIP,	HVX_MODEL_CONST_RO },
	{ MSR_IA32_LASTINTTOIP,		HVX_MODEL_CONST_RO },
	{ MSR_AMD64_SYSCFG,		HVX_MODEL_CONST_RO },
	{ MSR_K8_TSEG_ADDR,		HVX_MODEL_CONST_RO },
	{ MSR_K8_TSEG_MASK,		HVX_MODEL_CONST_RO },
	{ MSR_K8_INT_PENDING_MSG,	HVX_MODEL_CONST_RO },
	{ MSR_IA32_PERF_CTL,		HVX_MODEL_CONST_RO },
	{ MSR_RAPL_POWER_UNIT,		HVX_MODEL_CONST_RO },
	{ MSR_PP0_ENERGY_STATUS,	HVX_MODEL_CONST_RO },
	{ MSR_PP1_ENERGY_STATUS,	HVX_MODEL_CONST_RO },
	{ MSR_PKG_ENERGY_STATUS,	HVX_MODEL_CONST_RO },
	{ MSR_DRAM_ENERGY_STATUS,	HVX_MODEL_CONST_RO },
	{ HVX_MSR_FSB_FREQ,		HVX_MODEL_CONST_RO, false, HVX_FSB_FREQ },
	{ MSR_EBC_FREQUENCY_ID,		HVX_MODEL_CONST_RO, false, HVX_EBC_FREQUENCY_ID },
	{ MSR_IA32_PERF_STATUS,		HVX_MODEL_CONST_RO, false, HVX_PERF_STATUS },
	{ MSR_AMD64_NB_CFG,		HVX_MODEL_CONST_IGNORE },
	{ MSR_AMD64_BU_CFG2,		HVX_MODEL_CONST_IGNORE },
	{ MSR_AMD64_DC_CFG,		HVX_MODEL_CONST_IGNORE },
	{ MSR_AMD64_TW_CFG,		HVX_MODEL_CONST_IGNORE },
	{ MSR_F15H_EX_CFG,		HVX_MODEL_CONST_IGNORE },
	{ MSR_K7_CLK_CTL,		HVX_MODEL_CONST_IGNORE, false, HVX_K7_CLK_CTL },
	{ MSR_IA32_BBL_CR_CTL3,		HVX_MODEL_CONST_IGNORE, false, HVX_BBL_CR_CTL3 },
	/*
	 * The legacy performance counters exist on every AMD (K7) and Intel
	 * (P6) CPU. hvx has no virtual PMU: they count nothing, read 0 and
	 * take any write (an OS zeroes them at start-up), as KVM's do
	 * without a vPMU.
	 */
	{ MSR_K7_EVNTSEL0,		HVX_MODEL_CONST_IGNORE },
	{ MSR_K7_EVNTSEL1,		HVX_MODEL_CONST_IGNORE },
	{ MSR_K7_EVNTSEL2,		HVX_MODEL_CONST_IGNORE },
	{ MSR_K7_EVNTSEL3,		HVX_MODEL_CONST_IGNORE },
	{ MSR_K7_PERFCTR0,		HVX_MODEL_CONST_IGNORE },
	{ MSR_K7_PERFCTR1,		HVX_MODEL_CONST_IGNORE },
	{ MSR_K7_PERFCTR2,		HVX_MODEL_CONST_IGNORE },
	{ MSR_K7_PERFCTR3,		HVX_MODEL_CONST_IGNORE },
	{ MSR_P6_EVNTSEL0,		HVX_MODEL_CONST_IGNORE },
	{ MSR_P6_EVNTSEL1,		HVX_MODEL_CONST_IGNORE },
	{ MSR_P6_PERFCTR0,		HVX_MODEL_CONST_IGNORE },
	{ MSR_P6_PERFCTR1,		HVX_MODEL_CONST_IGNORE },
	{ MSR_IA32_UCODE_WRITE,		HVX_MODEL_WRITE_ONLY },
	{ MSR_AMD64_PATCH_LOADER,	HVX_MODEL_WRITE_ONLY },
	{ MSR_FAM10H_MMIO_CONF_BASE,	HVX_MODEL_ZERO_ONLY },
	{ MSR_F15H_IC_CFG,		HVX_MODEL_CONST_RO, true },
};

/* HWCR bits KVM drops on write: flush filter, IGNNE emulation, TLB cache. */
#define HVX_HWCR_IGNORED	(BIT_ULL(3) | BIT_ULL(6) | BIT_ULL(8))
#define HVX_HWCR_MCSTATUSWREN	BIT_ULL(18)
/* TscFreqSel: Linux guests complain when it is clear (KVM 6.6+ keeps it). */
#define HVX_HWCR_TSCFREQSEL	BIT_ULL(24)
#define HVX_HWCR_VALID		(HVX_HWCR_MCSTATUSWREN | HVX_HWCR_TSCFREQSEL)
/* VM_CR: DPD, R_INIT, DIS_A20M, LOCK, SVMDIS (APM 15.30.1). */
#define HVX_VM_CR_VALID		0x1fULL
/* VMX DEBUGCTL: LBR and BTF are accepted and ignored (no LBR, no BTF). */
#define HVX_DEBUGCTL_IGNORED	(DEBUGCTLMSR_LBR | DEBUGCTLMSR_BTF)

/* The default KVM gives IA32_ARCH_CAPABILITIES: what this host is immune to. */
static u64 hvx_arch_capabilities(void)
{
	u64 data = ARCH_CAP_PSCHANGE_MC_NO;

	if (!boot_cpu_has_bug(X86_BUG_CPU_MELTDOWN))
		data |= ARCH_CAP_RDCL_NO;
	if (!boot_cpu_has_bug(X86_BUG_SPEC_STORE_BYPASS))
		data |= ARCH_CAP_SSB_NO;
	if (!boot_cpu_has_bug(X86_BUG_MDS))
		data |= ARCH_CAP_MDS_NO;
	if (!boot_cpu_has_bug(X86_BUG_RFDS))
		data |= ARCH_CAP_RFDS_NO;
	if (!boot_cpu_has_bug(X86_BUG_ITS))
		data |= ARCH_CAP_ITS_NO;
	if (boot_cpu_has(X86_FEATURE_RTM) && !boot_cpu_has_bug(X86_BUG_TAA))
		data |= ARCH_CAP_TAA_NO;
	if (!boot_cpu_has_bug(X86_BUG_GDS))
		data |= ARCH_CAP_GDS_NO;
	return data;
}

/* AMD's DE_CFG feature value: LFENCE is dispatch-serializing where the host's is. */
static u64 hvx_de_cfg_feature(void)
{
	return boot_cpu_has(X86_FEATURE_LFENCE_RDTSC) ? MSR_AMD64_DE_CFG_LFENCE_SERIALIZE : 0;
}

static bool hvx_is_svm(void)
{
	return hvx_caps.backend == HVX_BACKEND_SVM;
}

void hvx_msr_model_vcpu_init(struct hvx_vcpu *vcpu)
{
	struct hvx_msr_model *m = &vcpu->x86.model;

	m->ucode_rev = 0x100000000ULL;	/* a microcode revision, as KVM reports */
	m->arch_capabilities = hvx_arch_capabilities();
	m->platform_info = MSR_PLATFORM_INFO_CPUID_FAULT;
}

bool hvx_cpuid_faulting(struct hvx_vcpu *vcpu)
{
	return vcpu->x86.model.misc_features_enables & MSR_MISC_FEATURES_ENABLES_CPUID_FAULT;
}

static const struct hvx_model_msr *hvx_model_msr_find(u32 msr)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hvx_model_msrs); i++)
		if (hvx_model_msrs[i].msr == msr)
			return hvx_model_msrs[i].svm_only && !hvx_is_svm() ? NULL : &hvx_model_msrs[i];
	return NULL;
}

static bool hvx_guest_has_arch_capabilities(struct hvx_vcpu *vcpu)
{
	u32 eax, ebx, ecx, edx;

	hvx_guest_cpuid(vcpu, 7, 0, &eax, &ebx, &ecx, &edx);
	return edx & BIT(X86_FEATURE_ARCH_CAPABILITIES & 31);
}

int hvx_msr_model_get(struct hvx_vcpu *vcpu, u32 msr, u64 *val, bool host)
{
	const struct hvx_model_msr *t = hvx_model_msr_find(msr);
	struct hvx_msr_model *m = &vcpu->x86.model;

	if (t) {
		if (t->kind == HVX_MODEL_WRITE_ONLY)
			return 1;
		*val = t->value;
		return 0;
	}
	switch (msr) {
	case MSR_K7_HWCR:
		*val = m->hwcr;
		return 0;
	case MSR_IA32_UCODE_REV:
		*val = m->ucode_rev;
		return 0;
	case MSR_IA32_ARCH_CAPABILITIES:
		if (!host && !hvx_guest_has_arch_capabilities(vcpu))
			return 1;
		*val = m->arch_capabilities;
		return 0;
	case MSR_IA32_PERF_CAPABILITIES:
		if (!host)		/* no PDCM in the guest's CPUID */
			return 1;
		*val = m->perf_capabilities;
		return 0;
	case MSR_PLATFORM_INFO:
		if (!host && !vcpu->vm->guest_reads_platform_info)
			return 1;
		*val = m->platform_info;
		return 0;
	case MSR_MISC_FEATURES_ENABLES:
		*val = m->misc_features_enables;
		return 0;
	case MSR_IA32_POWER_CTL:
		*val = m->power_ctl;
		return 0;
	case MSR_SMI_COUNT:
		*val = m->smi_count;
		return 0;
	case MSR_IA32_DEBUGCTLMSR:
		*val = 0;
		return 0;
	case MSR_VM_HSAVE_PA:
		*val = hvx_is_svm() ? m->vm_hsave_pa : 0;
		return 0;
	}
	if (hvx_is_svm()) {
		switch (msr) {
		case MSR_AMD64_DE_CFG:
			*val = m->de_cfg;
			return 0;
		case MSR_VM_CR:
			*val = 0;	/* nothing settable sticks: no nested SVM */
			return 0;
		}
	} else if (msr == MSR_IA32_FEAT_CTL) {
		*val = m->feature_control;
		return 0;
	}
	return -ENOENT;
}

static int hvx_set_misc_features(struct hvx_vcpu *vcpu, u64 val)
{
	struct hvx_msr_model *m = &vcpu->x86.model;

	if (val & ~MSR_MISC_FEATURES_ENABLES_CPUID_FAULT)
		return 1;
	if ((val & MSR_MISC_FEATURES_ENABLES_CPUID_FAULT) &&
	    !(m->platform_info & MSR_PLATFORM_INFO_CPUID_FAULT))
		return 1;
	m->misc_features_enables = val;
	return 0;
}

int hvx_msr_model_set(struct hvx_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	const struct hvx_model_msr *t = hvx_model_msr_find(msr);
	struct hvx_msr_model *m = &vcpu->x86.model;

	if (t) {
		switch (t->kind) {
		case HVX_MODEL_CONST_IGNORE:
		case HVX_MODEL_WRITE_ONLY:
			return 0;
		case HVX_MODEL_ZERO_ONLY:
			return val != 0;
		default:
			return 1;
		}
	}
	switch (msr) {
	case MSR_K7_HWCR:
		val &= ~HVX_HWCR_IGNORED;
		if (val & ~HVX_HWCR_VALID)
			return 1;
		m->hwcr = val;
		return 0;
	case MSR_IA32_UCODE_REV:
		/* The guest writes 0 to ask for the signature: ignored. */
		if (host)
			m->ucode_rev = val;
		return 0;
	case MSR_IA32_ARCH_CAPABILITIES:
		if (!host)
			return 1;
		m->arch_capabilities = val;
		return 0;
	case MSR_IA32_PERF_CAPABILITIES:
		/* No vPMU: the supported set is empty. */
		if (!host || val)
			return 1;
		m->perf_capabilities = val;
		return 0;
	case MSR_PLATFORM_INFO:
		if (!host || (!(val & MSR_PLATFORM_INFO_CPUID_FAULT) && hvx_cpuid_faulting(vcpu)))
			return 1;
		m->platform_info = val;
		return 0;
	case MSR_MISC_FEATURES_ENABLES:
		return hvx_set_misc_features(vcpu, val);
	case MSR_IA32_POWER_CTL:
		m->power_ctl = val;
		return 0;
	case MSR_SMI_COUNT:
		if (!host)
			return 1;
		m->smi_count = val;
		return 0;
	case MSR_IA32_DEBUGCTLMSR:
		/*
		 * Reads stay 0. KVM's SVM without LBR virtualization takes
		 * any value; its VMX drops LBR and BTF and refuses the rest.
		 */
		return !hvx_is_svm() && (val & ~HVX_DEBUGCTL_IGNORED);
	case MSR_VM_HSAVE_PA:
		if (!hvx_is_svm())
			return 0;
		/* A guest must name a page-aligned address; the VMM anything. */
		if (!host && (val & ~PAGE_MASK))
			return 1;
		m->vm_hsave_pa = val & PAGE_MASK;
		return 0;
	}
	if (hvx_is_svm()) {
		switch (msr) {
		case MSR_AMD64_DE_CFG:
			if (val & ~hvx_de_cfg_feature())
				return 1;
			m->de_cfg = val;
			return 0;
		case MSR_VM_CR:
			return (val & ~HVX_VM_CR_VALID) != 0;
		}
	} else if (msr == MSR_IA32_FEAT_CTL) {
		/* Only the lock bit (no nested VMX, no LMCE); locked means read-only. */
		if (val & ~FEAT_CTL_LOCKED)
			return 1;
		if (!host && (m->feature_control & FEAT_CTL_LOCKED))
			return 1;
		m->feature_control = val;
		return 0;
	}
	return -ENOENT;
}

/* The feature MSRs and their values on this host. */
static const u32 hvx_feature_msrs[] = {
	MSR_IA32_UCODE_REV, MSR_IA32_ARCH_CAPABILITIES, MSR_IA32_PERF_CAPABILITIES,
	MSR_AMD64_DE_CFG,	/* last: SVM only, see hvx_nr_feature_msrs() */
};

static u32 hvx_nr_feature_msrs(void)
{
	return ARRAY_SIZE(hvx_feature_msrs) - (hvx_is_svm() ? 0 : 1);
}

static int hvx_feature_msr(u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_IA32_UCODE_REV:
		/* The host's revision, as KVM reports it (0 if unreadable). */
		*val = 0;
		rdmsrl_safe(MSR_IA32_UCODE_REV, val);
		return 0;
	case MSR_IA32_ARCH_CAPABILITIES:
		*val = hvx_arch_capabilities();
		return 0;
	case MSR_IA32_PERF_CAPABILITIES:
		*val = 0;
		return 0;
	case MSR_AMD64_DE_CFG:
		if (!hvx_is_svm())
			return 1;
		*val = hvx_de_cfg_feature();
		return 0;
	}
	return 1;
}

long hvx_get_msr_feature_index_list(void __user *argp)
{
	struct kvm_msr_list __user *ul = argp;
	u32 n = hvx_nr_feature_msrs(), asked;

	if (get_user(asked, &ul->nmsrs))
		return -EFAULT;
	if (put_user(n, &ul->nmsrs))
		return -EFAULT;
	if (asked < n)
		return -E2BIG;
	if (copy_to_user(ul->indices, hvx_feature_msrs, n * sizeof(hvx_feature_msrs[0])))
		return -EFAULT;
	return 0;
}

/* KVM_GET_MSRS on /dev/hvx: the feature MSRs; returns how many were read. */
long hvx_get_feature_msrs(void __user *argp)
{
	struct kvm_msrs __user *um = argp;
	struct kvm_msr_entry *entries;
	struct kvm_msrs m;
	long r;
	u32 i;

	if (copy_from_user(&m, um, sizeof(m)))
		return -EFAULT;
	if (m.nmsrs >= HVX_MAX_IO_MSRS)
		return -E2BIG;
	entries = memdup_user(um->entries, m.nmsrs * sizeof(*entries));
	if (IS_ERR(entries))
		return PTR_ERR(entries);
	for (i = 0; i < m.nmsrs; i++)
		if (hvx_feature_msr(entries[i].index, &entries[i].data))
			break;
	r = i;
	if (copy_to_user(um->entries, entries, m.nmsrs * sizeof(*entries)))
		r = -EFAULT;
	kfree(entries);
	return r;
}
