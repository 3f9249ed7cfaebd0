// SPDX-License-Identifier: GPL-2.0-only
/*
 * Machine check, as KVM virtualizes it: IA32_MCG_CAP/STATUS/CTL, the
 * MCi_CTL/STATUS/ADDR/MISC banks (and MCi_CTL2 without CMCI), the Pentium
 * P5_MC_ADDR/TYPE, and the ioctls with which a VMM configures the banks
 * (KVM_X86_SETUP_MCE) and reports an error into them (KVM_X86_SET_MCE,
 * which raises #MC for an uncorrected one). An OS probes and clears these
 * at start-up whatever CPUID says, so they exist from vCPU creation with
 * KVM's default: 32 banks, no MCG_CTL.
 */
#include <linux/nospec.h>
#include <linux/uaccess.h>
#include <asm/mce.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include "hvx_exit.h"
#include "msr.h"

/*
 * What KVM_X86_SETUP_MCE accepts besides the bank count (7:0) and the
 * extended-register count (23:16): KVM's SVM set. CMCI and LMCE, which
 * KVM adds on VMX, need a CMCI LVT and FEATURE_CONTROL.LMCE that hvx
 * does not have (Documentation/api.md).
 */
#define HVX_MCE_CAP_SUPPORTED	(MCG_CTL_P | MCG_SER_P)
#define HVX_MCG_CAP_COUNTS	(0xffULL | 0xff0000ULL)

enum { MCI_CTL, MCI_STATUS, MCI_ADDR, MCI_MISC };

void hvx_mce_vcpu_init(struct hvx_vcpu *vcpu)
{
	vcpu->x86.mce.mcg_cap = HVX_MCE_BANKS;
}

static unsigned int hvx_mce_nr_banks(struct hvx_vcpu *vcpu)
{
	return vcpu->x86.mce.mcg_cap & 0xff;
}

/* The bank register @msr names, or NULL if it is beyond the banks set up. */
static u64 *hvx_mce_bank_reg(struct hvx_vcpu *vcpu, u32 msr)
{
	unsigned int nr = hvx_mce_nr_banks(vcpu);
	u32 i = msr - MSR_IA32_MC0_CTL;

	if (i >= nr * 4)
		return NULL;
	i = array_index_nospec(i, nr * 4);
	return &vcpu->x86.mce.banks[i / 4][i % 4];
}

static bool hvx_msr_is_mce(u32 msr)
{
	return msr == MSR_IA32_P5_MC_ADDR || msr == MSR_IA32_P5_MC_TYPE ||
	       msr == MSR_IA32_MCG_CAP || msr == MSR_IA32_MCG_STATUS ||
	       msr == MSR_IA32_MCG_CTL ||
	       (msr >= MSR_IA32_MC0_CTL && msr < MSR_IA32_MCx_CTL(HVX_MCE_BANKS)) ||
	       (msr >= MSR_IA32_MC0_CTL2 && msr < MSR_IA32_MCx_CTL2(HVX_MCE_BANKS));
}

int hvx_mce_get_msr(struct hvx_vcpu *vcpu, u32 msr, u64 *val, bool host)
{
	struct hvx_mce *m = &vcpu->x86.mce;
	u64 *reg;

	if (!hvx_msr_is_mce(msr))
		return -ENOENT;
	switch (msr) {
	case MSR_IA32_P5_MC_ADDR:
	case MSR_IA32_P5_MC_TYPE:
		*val = 0;
		return 0;
	case MSR_IA32_MCG_CAP:
		*val = m->mcg_cap;
		return 0;
	case MSR_IA32_MCG_STATUS:
		*val = m->mcg_status;
		return 0;
	case MSR_IA32_MCG_CTL:
		if (!(m->mcg_cap & MCG_CTL_P) && !host)
			return 1;
		*val = m->mcg_ctl;
		return 0;
	}
	if (msr < MSR_IA32_MC0_CTL) {
		/* No CMCI: the VMM may read a bank's CTL2 as 0, the guest not. */
		if (msr >= MSR_IA32_MCx_CTL2(hvx_mce_nr_banks(vcpu)) || !host)
			return 1;
		*val = 0;
		return 0;
	}
	reg = hvx_mce_bank_reg(vcpu, msr);
	if (!reg)
		return 1;
	*val = *reg;
	return 0;
}

/* AMD lets MCi_STATUS take non-zero values only with HWCR.McStatusWrEn. */
static bool hvx_mce_status_writable(struct hvx_vcpu *vcpu)
{
	return vcpu->x86.model.hwcr & BIT_ULL(18);
}

int hvx_mce_set_msr(struct hvx_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	struct hvx_mce *m = &vcpu->x86.mce;
	u32 reg_kind;
	u64 *reg;

	if (!hvx_msr_is_mce(msr))
		return -ENOENT;
	switch (msr) {
	case MSR_IA32_P5_MC_ADDR:
	case MSR_IA32_P5_MC_TYPE:
	case MSR_IA32_MCG_CAP:		/* read-only; KVM_X86_SETUP_MCE sets it */
		return 1;
	case MSR_IA32_MCG_STATUS:
		m->mcg_status = val;
		return 0;
	case MSR_IA32_MCG_CTL:
		if (!(m->mcg_cap & MCG_CTL_P) && (val || !host))
			return 1;
		if (val != 0 && val != ~0ULL)
			return 1;
		m->mcg_ctl = val;
		return 0;
	}
	if (msr < MSR_IA32_MC0_CTL) {	/* MCi_CTL2, 0x280 on */
		if (msr >= MSR_IA32_MCx_CTL2(hvx_mce_nr_banks(vcpu)))
			return 1;
		return val || !host;	/* without CMCI only the VMM's 0 */
	}
	reg = hvx_mce_bank_reg(vcpu, msr);
	if (!reg)
		return 1;
	reg_kind = (msr - MSR_IA32_MC0_CTL) % 4;
	/*
	 * MCi_CTL takes 0 or all ones; KVM also lets bits 10 (an AMD K8 GART
	 * workaround in Linux) and 0 (UnixWare) be clear.
	 */
	if (reg_kind == MCI_CTL && val && (val | BIT_ULL(10) | 1) != ~0ULL)
		return 1;
	/* Clearing MCi_STATUS is always allowed; setting it, see above. */
	if (reg_kind == MCI_STATUS && !host && val && !hvx_mce_status_writable(vcpu))
		return 1;
	*reg = val;
	return 0;
}

long hvx_get_mce_cap_supported(void __user *argp)
{
	u64 cap = HVX_MCE_CAP_SUPPORTED;

	return copy_to_user(argp, &cap, sizeof(cap)) ? -EFAULT : 0;
}

long hvx_vcpu_setup_mce(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct hvx_mce *m = &vcpu->x86.mce;
	unsigned int nr, i;
	u64 cap;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	nr = cap & 0xff;
	if (!nr || nr > HVX_MCE_BANKS)
		return -EINVAL;
	if (cap & ~(HVX_MCE_CAP_SUPPORTED | HVX_MCG_CAP_COUNTS))
		return -EINVAL;
	m->mcg_cap = cap;
	/* Reporting on: MCG_CTL and every MCi_CTL all ones. */
	if (cap & MCG_CTL_P)
		m->mcg_ctl = ~0ULL;
	for (i = 0; i < nr; i++)
		m->banks[i][MCI_CTL] = ~0ULL;
	return 0;
}

/*
 * KVM_X86_SET_MCE: an error of the VMM's making lands in a bank. An
 * uncorrected one, with reporting enabled, raises #MC, or shuts the guest
 * down if one is already in progress or CR4.MCE is clear (SDM vol. 3
 * 16.10); a corrected one only sets the bank (or its overflow bit).
 */
long hvx_vcpu_set_mce(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct hvx_mce *m = &vcpu->x86.mce;
	struct kvm_x86_mce mce;
	unsigned int nr = hvx_mce_nr_banks(vcpu);
	u64 *bank;

	if (copy_from_user(&mce, argp, sizeof(mce)))
		return -EFAULT;
	if (mce.bank >= nr || !(mce.status & MCI_STATUS_VAL))
		return -EINVAL;
	bank = m->banks[array_index_nospec(mce.bank, nr)];

	if (!(mce.status & MCI_STATUS_UC)) {
		if ((bank[MCI_STATUS] & MCI_STATUS_VAL) && (bank[MCI_STATUS] & MCI_STATUS_UC)) {
			bank[MCI_STATUS] |= MCI_STATUS_OVER;	/* keep the UC error */
			return 0;
		}
		if (bank[MCI_STATUS] & MCI_STATUS_VAL)
			mce.status |= MCI_STATUS_OVER;
		bank[MCI_STATUS] = mce.status;
		bank[MCI_ADDR] = mce.addr;
		bank[MCI_MISC] = mce.misc;
		return 0;
	}
	/*
	 * Uncorrected, no action (no PCC/S/AR, MCG_STATUS clear): only the
	 * bank, since there is no CMCI to signal it.
	 */
	if (!mce.mcg_status && !(mce.status & (MCI_STATUS_PCC | MCI_STATUS_S | MCI_STATUS_AR))) {
		bank[MCI_STATUS] = mce.status;
		bank[MCI_ADDR] = mce.addr;
		bank[MCI_MISC] = mce.misc;
		m->mcg_status = mce.mcg_status;
		return 0;
	}
	/* Reporting disabled by MCG_CTL or the bank's CTL: dropped. */
	if ((m->mcg_cap & MCG_CTL_P) && m->mcg_ctl != ~0ULL)
		return 0;
	if (bank[MCI_CTL] != ~0ULL)
		return 0;
	hvx_x86_get(vcpu, HVX_REG_CRS);
	if ((m->mcg_status & MCG_STATUS_MCIP) || !(vcpu->x86.cr4 & X86_CR4_MCE)) {
		hvx_vcpu_request(vcpu, HVX_REQ_TRIPLE_FAULT);
		return 0;
	}
	if (bank[MCI_STATUS] & MCI_STATUS_VAL)
		mce.status |= MCI_STATUS_OVER;
	bank[MCI_STATUS] = mce.status;
	bank[MCI_ADDR] = mce.addr;
	bank[MCI_MISC] = mce.misc;
	m->mcg_status = mce.mcg_status;
	hvx_queue_exception(vcpu, HVX_EXC_MC, false, 0);
	return 0;
}
