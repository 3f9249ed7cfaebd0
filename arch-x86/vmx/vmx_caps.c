// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pure decoding of the VMX capability MSRs (Intel SDM vol. 3, appendix A).
 * No kernel calls here: the same file is unit-tested in userspace.
 */
#include <linux/hvx.h>
#include "vmx_caps.h"

static bool allowed1(__u64 ctl_msr, __u64 bit)
{
	return (ctl_msr >> 32) & bit;
}

bool vmx_caps_has_procbased2(__u64 procbased)
{
	return allowed1(procbased, PROC_CTLS_SECONDARY);
}

bool vmx_caps_has_ept_vpid_msr(__u64 procbased2)
{
	return allowed1(procbased2, PROC_CTLS2_EPT) ||
	       allowed1(procbased2, PROC_CTLS2_VPID);
}

int vmx_caps_check(const struct vmx_cap_msrs *m, const char **reason)
{
	__u64 size = (m->basic & BASIC_VMCS_SIZE) >> BASIC_VMCS_SIZE_SHIFT;
	__u64 memtype = (m->basic & BASIC_MEMTYPE) >> BASIC_MEMTYPE_SHIFT;

	/* Without the lock bit VMXON raises #GP; the firmware owns this MSR. */
	if (!(m->feature_control & FEATURE_CONTROL_LOCKED)) {
		*reason = "IA32_FEATURE_CONTROL is not locked by the firmware, so VMXON would fault; enable VT-x in the firmware setup";
		return -EPERM;
	}
	if (!(m->feature_control & FEATURE_CONTROL_VMXON_OUTSIDE_SMX)) {
		*reason = "VT-x is disabled by the firmware (IA32_FEATURE_CONTROL locked without VMXON outside SMX); enable it in the firmware setup";
		return -EPERM;
	}
	if (size == 0 || size > 4096) {
		*reason = "the VMCS region size in IA32_VMX_BASIC does not fit one 4 KiB page";
		return -EIO;
	}
	if (memtype != BASIC_MEMTYPE_WB) {
		*reason = "IA32_VMX_BASIC requires a VMCS memory type other than write-back";
		return -EIO;
	}
	if (m->basic & BASIC_32BIT_PHYS_ONLY) {
		*reason = "IA32_VMX_BASIC limits VMX structures to 32-bit physical addresses";
		return -EIO;
	}
	*reason = NULL;
	return 0;
}

__u64 vmx_caps_features(const struct vmx_cap_msrs *m)
{
	__u64 f = 0;

	if (m->basic & BASIC_TRUE_CTLS)
		f |= HVX_FEATURE_VMX_TRUE_CTLS;
	if (allowed1(m->pinbased, PIN_CTLS_PREEMPT_TIMER))
		f |= HVX_FEATURE_VMX_PREEMPT_TIMER;
	if (allowed1(m->pinbased, PIN_CTLS_POSTED_INTR))
		f |= HVX_FEATURE_VMX_POSTED_INTR;
	if (allowed1(m->procbased, PROC_CTLS_MTF))
		f |= HVX_FEATURE_VMX_MTF;
	if (!vmx_caps_has_procbased2(m->procbased))
		return f;

	if (allowed1(m->procbased2, PROC_CTLS2_VPID))
		f |= HVX_FEATURE_VMX_VPID;
	if (allowed1(m->procbased2, PROC_CTLS2_UNRESTRICTED))
		f |= HVX_FEATURE_VMX_UNRESTRICTED;
	if (allowed1(m->procbased2, PROC_CTLS2_APIC_REG_VIRT) &&
	    allowed1(m->procbased2, PROC_CTLS2_VIRT_INTR_DELIVERY))
		f |= HVX_FEATURE_VMX_APICV;
	if (allowed1(m->procbased2, PROC_CTLS2_VMCS_SHADOW))
		f |= HVX_FEATURE_VMX_VMCS_SHADOW;
	if (allowed1(m->procbased2, PROC_CTLS2_TSC_SCALING))
		f |= HVX_FEATURE_VMX_TSC_SCALING;

	/* hvx builds 4-level EPT tables; EPT without that walk is no use. */
	if (allowed1(m->procbased2, PROC_CTLS2_EPT) &&
	    (m->ept_vpid & EPT_CAP_WALK_4)) {
		f |= HVX_FEATURE_VMX_EPT;
		if (m->ept_vpid & EPT_CAP_AD)
			f |= HVX_FEATURE_VMX_EPT_AD;
		if (m->ept_vpid & EPT_CAP_2M)
			f |= HVX_FEATURE_VMX_EPT_2M;
		if (m->ept_vpid & EPT_CAP_1G)
			f |= HVX_FEATURE_VMX_EPT_1G;
		if (m->ept_vpid & EPT_CAP_WALK_5)
			f |= HVX_FEATURE_VMX_EPT_5LEVEL;
		/* PML logs guest-physical writes, which only exist with EPT. */
		if (allowed1(m->procbased2, PROC_CTLS2_PML))
			f |= HVX_FEATURE_VMX_PML;
	}
	return f;
}

__u32 vmx_caps_adjust_ctl(__u64 ctl_msr, __u32 required, __u32 optional,
			  __u32 *result)
{
	__u32 must_be_1 = (__u32)ctl_msr, may_be_1 = ctl_msr >> 32;

	*result = must_be_1 | ((required | optional) & may_be_1);
	return required & ~may_be_1;
}

bool vmx_caps_cr_valid(__u64 cr, __u64 fixed0, __u64 fixed1)
{
	/* Bits set in FIXED0 must be 1; bits clear in FIXED1 must be 0. */
	return (cr & fixed0) == fixed0 && (cr & ~fixed1) == 0;
}
