// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSR policy: every guest RDMSR/WRMSR exits and lands here. The MSRs below
 * are virtualized; any other index is #GP for the guest and ends
 * KVM_GET_MSRS/KVM_SET_MSRS at that entry (KVM's "number processed" rule).
 * @host is true for the VMM's ioctls, which may set what the guest may not
 * (EFER.LME with paging on). The TSC, IA32_TSC_ADJUST and KVM's PV MSRs are
 * arch-x86/pv/'s (per-vCPU TSC offset, kvmclock, steal time).
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include "hvx_exit.h"
#include "irqchip/hooks.h"

#define HVX_MTRR_CAP		(0x500 | 8)	/* WC, fixed ranges, 8 variable */
/* IA32_MISC_ENABLE bits a guest cannot change: BTS and PEBS unavailable. */
#define HVX_MISC_ENABLE_PMU_RO	(MSR_IA32_MISC_ENABLE_BTS_UNAVAIL | \
				 MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL)

/*
 * KVM_GET_MSR_INDEX_LIST: what a VMM saves and restores. Every entry
 * round-trips (the value read back is accepted by KVM_SET_MSRS), as
 * KVM's own state_test checks; so MTRRcap, read-only, is not here.
 */
static const u32 hvx_msrs[] = {
	MSR_IA32_TSC, MSR_IA32_APICBASE, MSR_IA32_UCODE_REV,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_IA32_MISC_ENABLE, MSR_IA32_CR_PAT, MSR_MTRRdefType,
	MSR_MTRRfix64K_00000, MSR_MTRRfix16K_80000, MSR_MTRRfix16K_A0000,
	MSR_MTRRfix4K_C0000, MSR_MTRRfix4K_C8000, MSR_MTRRfix4K_D0000,
	MSR_MTRRfix4K_D8000, MSR_MTRRfix4K_E0000, MSR_MTRRfix4K_E8000,
	MSR_MTRRfix4K_F0000, MSR_MTRRfix4K_F8000,
	0x200, 0x201, 0x202, 0x203, 0x204, 0x205, 0x206, 0x207,
	0x208, 0x209, 0x20a, 0x20b, 0x20c, 0x20d, 0x20e, 0x20f,
	MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_TSC_AUX, MSR_K7_HWCR,
	MSR_IA32_MCG_STATUS, MSR_IA32_MCG_CTL, MSR_IA32_ARCH_CAPABILITIES,
	MSR_IA32_PERF_CAPABILITIES, MSR_PLATFORM_INFO, MSR_MISC_FEATURES_ENABLES,
	MSR_IA32_POWER_CTL, MSR_SMI_COUNT,
	MSR_IA32_TSC_ADJUST, MSR_KVM_SYSTEM_TIME, MSR_KVM_WALL_CLOCK,
	MSR_KVM_SYSTEM_TIME_NEW, MSR_KVM_WALL_CLOCK_NEW,
	/* Vendor-only, then host-only: see hvx_msr_listed(). */
	MSR_KVM_STEAL_TIME, MSR_VM_HSAVE_PA, MSR_IA32_FEAT_CTL, MSR_IA32_SPEC_CTRL,
};

static int hvx_mtrr_fixed_index(u32 msr)
{
	switch (msr) {
	case MSR_MTRRfix64K_00000: return 0;
	case MSR_MTRRfix16K_80000: return 1;
	case MSR_MTRRfix16K_A0000: return 2;
	case MSR_MTRRfix4K_C0000 ... MSR_MTRRfix4K_F8000:
		return 3 + msr - MSR_MTRRfix4K_C0000;
	default: return -1;
	}
}

/* PAT and MTRR memory types: UC, WC, WT, WP, WB, UC- (2 and 3 reserved). */
static bool hvx_pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (i * 8);

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

static bool hvx_canonical(u64 addr)
{
	return (s64)(addr << 16) >> 16 == (s64)addr;
}

static bool hvx_host_has_spec_ctrl(void)
{
	return boot_cpu_has(X86_FEATURE_MSR_SPEC_CTRL);
}

int hvx_get_msr(struct hvx_vcpu *vcpu, u32 msr, u64 *val, bool host)
{
	struct hvx_x86 *x = &vcpu->x86;
	int i;

	/* x2APIC registers and IA32_TSC_DEADLINE, with an in-kernel LAPIC. */
	i = hvx_lapic_get_msr(vcpu, msr, val);
	if (i != -ENOENT)
		return i;
	i = hvx_mce_get_msr(vcpu, msr, val, host);
	if (i != -ENOENT)
		return i;
	i = hvx_msr_model_get(vcpu, msr, val, host);
	if (i != -ENOENT)
		return i;
	i = hvx_pv_get_msr(vcpu, msr, val, host);
	if (i != -ENOENT)
		return i;
	switch (msr) {
	case MSR_IA32_APICBASE:
		*val = x->apic_base;
		return 0;
	case MSR_MTRRcap:
		*val = HVX_MTRR_CAP;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*val = x->misc_enable;
		return 0;
	case MSR_MTRRdefType:
		*val = x->mtrr_def_type;
		return 0;
	case 0x200 ... 0x20f:
		*val = x->mtrr_var[msr - 0x200];
		return 0;
	case MSR_TSC_AUX:
		*val = x->tsc_aux;
		return 0;
	case MSR_IA32_SPEC_CTRL:
		if (!hvx_host_has_spec_ctrl())
			return 1;
		*val = x->spec_ctrl;
		return 0;
	}
	i = hvx_mtrr_fixed_index(msr);
	if (i >= 0) {
		*val = x->mtrr_fixed[i];
		return 0;
	}

	hvx_x86_get(vcpu, HVX_REG_MSRS | HVX_REG_CRS | HVX_REG_SEGS);
	switch (msr) {
	case MSR_IA32_SYSENTER_CS:	*val = x->sysenter_cs; return 0;
	case MSR_IA32_SYSENTER_ESP:	*val = x->sysenter_esp; return 0;
	case MSR_IA32_SYSENTER_EIP:	*val = x->sysenter_eip; return 0;
	case MSR_IA32_CR_PAT:		*val = x->pat; return 0;
	case MSR_EFER:			*val = x->efer; return 0;
	case MSR_STAR:			*val = x->star; return 0;
	case MSR_LSTAR:			*val = x->lstar; return 0;
	case MSR_CSTAR:			*val = x->cstar; return 0;
	case MSR_SYSCALL_MASK:		*val = x->sfmask; return 0;
	case MSR_KERNEL_GS_BASE:	*val = x->kernel_gs_base; return 0;
	case MSR_FS_BASE:		*val = x->seg[HVX_X86_FS].base; return 0;
	case MSR_GS_BASE:		*val = x->seg[HVX_X86_GS].base; return 0;
	}
	return HVX_MSR_UNKNOWN;
}

static int hvx_set_efer(struct hvx_vcpu *vcpu, u64 efer, bool host)
{
	struct hvx_x86 *x = &vcpu->x86;

	if (!hvx_x86_efer_valid(efer))
		return 1;
	if ((efer & EFER_NX) && !boot_cpu_has(X86_FEATURE_NX))
		return 1;
	/* LME may not change while the guest pages. */
	if (!host && (x->cr0 & X86_CR0_PG) && ((efer ^ x->efer) & EFER_LME))
		return 1;
	/*
	 * LMA is the CPU's to set, from LME and CR0.PG: no MSR write changes
	 * it, the VMM's neither (KVM's set_efer). KVM_SET_SREGS sets it, with
	 * the consistency rules. An LMA the VMM could set without paging was
	 * a state no CPU enters; the fuzzer hung QEMU's SVM with one.
	 */
	efer = (efer & ~EFER_LMA) | (x->efer & EFER_LMA);
	x->efer = efer;
	hvx_x86_put(vcpu, HVX_REG_CRS);
	return 0;
}

int hvx_set_msr(struct hvx_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	struct hvx_x86 *x = &vcpu->x86;
	int i;

	i = hvx_lapic_set_msr(vcpu, msr, val, host);
	if (i != -ENOENT)
		return i;
	i = hvx_mce_set_msr(vcpu, msr, val, host);
	if (i != -ENOENT)
		return i;
	i = hvx_msr_model_set(vcpu, msr, val, host);
	if (i != -ENOENT)
		return i;
	i = hvx_pv_set_msr(vcpu, msr, val, host);
	if (i != -ENOENT)
		return i;
	switch (msr) {
	case MSR_IA32_APICBASE:
		/* The LAPIC follows its base, enable and x2APIC bits. */
		return hvx_lapic_set_base(vcpu, val, host);
	case MSR_IA32_MISC_ENABLE:
		/*
		 * KVM's rules: the guest cannot change BTS/PEBS unavailable,
		 * and its writes to EMON (performance monitoring available)
		 * are ignored.
		 */
		if (!host) {
			if ((val ^ x->misc_enable) & HVX_MISC_ENABLE_PMU_RO)
				return 1;
			val = (val & ~MSR_IA32_MISC_ENABLE_EMON) |
			      (x->misc_enable & MSR_IA32_MISC_ENABLE_EMON);
		}
		x->misc_enable = val;
		return 0;
	case MSR_MTRRdefType:
		if (val & ~0xcffULL)
			return 1;
		x->mtrr_def_type = val;
		return 0;
	case 0x200 ... 0x20f:
		x->mtrr_var[msr - 0x200] = val;
		return 0;
	case MSR_TSC_AUX:
		if (val >> 32)
			return 1;
		x->tsc_aux = val;
		return 0;
	case MSR_IA32_SPEC_CTRL:
		/* IBRS, STIBP, SSBD: loaded around each entry when non-zero. */
		if (!hvx_host_has_spec_ctrl() ||
		    (val & ~(SPEC_CTRL_IBRS | SPEC_CTRL_STIBP | SPEC_CTRL_SSBD)))
			return 1;
		x->spec_ctrl = val;
		return 0;
	case MSR_IA32_PRED_CMD:
		/* IBPB, passed through: it only flushes predictor state. */
		if (!boot_cpu_has(X86_FEATURE_IBPB) || (val & ~PRED_CMD_IBPB))
			return 1;
		if (val)
			wrmsrl(MSR_IA32_PRED_CMD, val);
		return 0;
	}
	i = hvx_mtrr_fixed_index(msr);
	if (i >= 0) {
		if (val & 0xf8f8f8f8f8f8f8f8ULL)
			return 1;
		x->mtrr_fixed[i] = val;
		return 0;
	}

	hvx_x86_get(vcpu, HVX_REG_MSRS | HVX_REG_CRS | HVX_REG_SEGS);
	switch (msr) {
	case MSR_IA32_SYSENTER_CS:
		x->sysenter_cs = val & 0xffff;
		break;
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_KERNEL_GS_BASE:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
		if (!hvx_canonical(val))
			return 1;
		if (msr == MSR_IA32_SYSENTER_ESP)
			x->sysenter_esp = val;
		else if (msr == MSR_IA32_SYSENTER_EIP)
			x->sysenter_eip = val;
		else if (msr == MSR_LSTAR)
			x->lstar = val;
		else if (msr == MSR_CSTAR)
			x->cstar = val;
		else if (msr == MSR_KERNEL_GS_BASE)
			x->kernel_gs_base = val;
		else if (msr == MSR_FS_BASE)
			x->seg[HVX_X86_FS].base = val;
		else
			x->seg[HVX_X86_GS].base = val;
		break;
	case MSR_STAR:
		x->star = val;
		break;
	case MSR_SYSCALL_MASK:
		x->sfmask = val & 0xffffffffULL;
		break;
	case MSR_IA32_CR_PAT:
		if (!hvx_pat_valid(val))
			return 1;
		x->pat = val;
		break;
	case MSR_EFER:
		return hvx_set_efer(vcpu, val, host);
	default:
		return HVX_MSR_UNKNOWN;
	}
	hvx_x86_put(vcpu, HVX_REG_MSRS | HVX_REG_SEGS);
	return 0;
}

/* XSETBV / KVM_SET_XCRS: 0 or 1 (#GP / EINVAL). */
int hvx_set_xcr(struct hvx_vcpu *vcpu, u32 index, u64 val)
{
	if (index != XCR_XFEATURE_ENABLED_MASK || !boot_cpu_has(X86_FEATURE_XSAVE))
		return 1;
	if (!(val & XFEATURE_MASK_FP) || (val & ~hvx_supported_xcr0()))
		return 1;
	/* AVX state needs SSE state (SDM vol. 1 13.3). */
	if ((val & XFEATURE_MASK_YMM) && !(val & XFEATURE_MASK_SSE))
		return 1;
	vcpu->x86.xcr0 = val;
	return 0;
}

/* Whether an entry of hvx_msrs[] exists with this backend and host. */
static bool hvx_msr_listed(u32 msr)
{
	switch (msr) {
	case MSR_VM_HSAVE_PA:
		return hvx_caps.backend == HVX_BACKEND_SVM;
	case MSR_IA32_FEAT_CTL:
		return hvx_caps.backend == HVX_BACKEND_VMX;
	case MSR_IA32_SPEC_CTRL:
		return hvx_host_has_spec_ctrl();
	case MSR_KVM_STEAL_TIME:
		return hvx_steal_time_supported();
	}
	return true;
}

long hvx_get_msr_index_list(void __user *argp)
{
	struct kvm_msr_list __user *ul = argp;
	u32 list[ARRAY_SIZE(hvx_msrs)];
	u32 i, n = 0, asked;

	for (i = 0; i < ARRAY_SIZE(hvx_msrs); i++)
		if (hvx_msr_listed(hvx_msrs[i]))
			list[n++] = hvx_msrs[i];
	if (get_user(asked, &ul->nmsrs))
		return -EFAULT;
	/* KVM's order: tell the caller how many, then fail if they don't fit. */
	if (put_user(n, &ul->nmsrs))
		return -EFAULT;
	if (asked < n)
		return -E2BIG;
	if (copy_to_user(ul->indices, list, n * sizeof(list[0])))
		return -EFAULT;
	return 0;
}

/* KVM_GET_MSRS / KVM_SET_MSRS: returns how many entries were processed. */
long hvx_vcpu_msrs_ioctl(struct hvx_vcpu *vcpu, void __user *argp, bool set)
{
	struct kvm_msrs __user *um = argp;
	struct kvm_msr_entry *entries;
	struct kvm_msrs m;
	u32 i;
	long r;

	if (copy_from_user(&m, um, sizeof(m)))
		return -EFAULT;
	if (m.nmsrs >= HVX_MAX_IO_MSRS)
		return -E2BIG;
	if (!m.nmsrs)
		return 0;
	entries = memdup_user(um->entries, m.nmsrs * sizeof(*entries));
	if (IS_ERR(entries))
		return PTR_ERR(entries);
	for (i = 0; i < m.nmsrs; i++) {
		if (set ? hvx_set_msr(vcpu, entries[i].index, entries[i].data, true)
			: hvx_get_msr(vcpu, entries[i].index, &entries[i].data, true))
			break;
	}
	r = i;
	if (!set && copy_to_user(um->entries, entries, m.nmsrs * sizeof(*entries)))
		r = -EFAULT;
	kfree(entries);
	return r;
}
