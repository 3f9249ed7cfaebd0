/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VMX capability decoding: the architectural MSR numbers and bits hvx reads
 * at load time, and the pure functions that turn their values into a yes/no
 * with a reason and into HVX_FEATURE_* bits. Built into hvx.ko and into the
 * userspace unit tests.
 */
#ifndef HVX_VMX_CAPS_H
#define HVX_VMX_CAPS_H

#include "hvx_pure.h"

#define VMX_MSR_FEATURE_CONTROL		0x0000003a
#define   FEATURE_CONTROL_LOCKED		HVX_BIT(0)
#define   FEATURE_CONTROL_VMXON_OUTSIDE_SMX	HVX_BIT(2)
#define VMX_MSR_BASIC			0x00000480
#define   BASIC_REVISION_ID			HVX_BITS(30, 0)
#define   BASIC_VMCS_SIZE_SHIFT		32
#define   BASIC_VMCS_SIZE			HVX_BITS(44, 32)
#define   BASIC_32BIT_PHYS_ONLY		HVX_BIT(48)
#define   BASIC_MEMTYPE_SHIFT		50
#define   BASIC_MEMTYPE			HVX_BITS(53, 50)
#define   BASIC_MEMTYPE_WB			6
#define   BASIC_TRUE_CTLS			HVX_BIT(55)
#define VMX_MSR_PINBASED_CTLS		0x00000481
#define   PIN_CTLS_PREEMPT_TIMER		HVX_BIT(6)
#define   PIN_CTLS_POSTED_INTR			HVX_BIT(7)
#define VMX_MSR_PROCBASED_CTLS		0x00000482
#define   PROC_CTLS_MTF				HVX_BIT(27)
#define   PROC_CTLS_SECONDARY			HVX_BIT(31)
#define VMX_MSR_EXIT_CTLS		0x00000483
#define VMX_MSR_ENTRY_CTLS		0x00000484
#define VMX_MSR_MISC			0x00000485
#define   MISC_PREEMPT_TIMER_RATE		HVX_BITS(4, 0)
#define VMX_MSR_CR0_FIXED0		0x00000486
#define VMX_MSR_CR0_FIXED1		0x00000487
#define VMX_MSR_CR4_FIXED0		0x00000488
#define VMX_MSR_CR4_FIXED1		0x00000489
#define VMX_MSR_PROCBASED_CTLS2		0x0000048b
#define   PROC_CTLS2_EPT			HVX_BIT(1)
#define   PROC_CTLS2_VPID			HVX_BIT(5)
#define   PROC_CTLS2_UNRESTRICTED		HVX_BIT(7)
#define   PROC_CTLS2_APIC_REG_VIRT		HVX_BIT(8)
#define   PROC_CTLS2_VIRT_INTR_DELIVERY		HVX_BIT(9)
#define   PROC_CTLS2_VMCS_SHADOW		HVX_BIT(14)
#define   PROC_CTLS2_PML			HVX_BIT(17)
#define   PROC_CTLS2_TSC_SCALING		HVX_BIT(25)
#define VMX_MSR_EPT_VPID_CAP		0x0000048c
#define   EPT_CAP_INVEPT			HVX_BIT(20)
#define   EPT_CAP_INVEPT_SINGLE			HVX_BIT(25)
#define   EPT_CAP_INVEPT_ALL			HVX_BIT(26)
#define   VPID_CAP_INVVPID			HVX_BIT(32)
#define   VPID_CAP_INVVPID_SINGLE		HVX_BIT(41)
#define   VPID_CAP_INVVPID_ALL			HVX_BIT(42)
#define   EPT_CAP_WALK_4			HVX_BIT(6)
#define   EPT_CAP_WALK_5			HVX_BIT(7)
#define   EPT_CAP_WB				HVX_BIT(14)
#define   EPT_CAP_2M				HVX_BIT(16)
#define   EPT_CAP_1G				HVX_BIT(17)
#define   EPT_CAP_AD				HVX_BIT(21)
/* With BASIC_TRUE_CTLS: the same controls, with fewer default-1 bits forced. */
#define VMX_MSR_TRUE_PINBASED_CTLS	0x0000048d
#define VMX_MSR_TRUE_PROCBASED_CTLS	0x0000048e
#define VMX_MSR_TRUE_EXIT_CTLS		0x0000048f
#define VMX_MSR_TRUE_ENTRY_CTLS		0x00000490

/*
 * Raw capability MSR values. A control MSR's high half is its allowed-1
 * settings. procbased2 and ept_vpid are 0 when the CPU does not have them.
 */
struct vmx_cap_msrs {
	__u64 feature_control;
	__u64 basic;
	__u64 pinbased;
	__u64 procbased;
	__u64 procbased2;
	__u64 ept_vpid;
};

/* Can hvx use VMX at all? 0, or -errno with *reason set for the user. */
int vmx_caps_check(const struct vmx_cap_msrs *m, const char **reason);

/* HVX_FEATURE_VMX_* bits the CPU offers. */
__u64 vmx_caps_features(const struct vmx_cap_msrs *m);

/* Whether the CPU offers the secondary controls / EPT-VPID capability MSRs. */
bool vmx_caps_has_procbased2(__u64 procbased);
bool vmx_caps_has_ept_vpid_msr(__u64 procbased2);

/*
 * Fit a VM-execution/exit/entry control to its capability MSR (low half:
 * bits that must be 1; high half: bits that may be 1). The result holds
 * every @required bit, the @optional bits the CPU allows, and the bits it
 * forces. Returns 0, or the @required bits the CPU cannot set.
 */
__u32 vmx_caps_adjust_ctl(__u64 ctl_msr, __u32 required, __u32 optional,
			  __u32 *result);

/* Check a control register value against its FIXED0/FIXED1 MSRs. */
bool vmx_caps_cr_valid(__u64 cr, __u64 fixed0, __u64 fixed1);

#endif /* HVX_VMX_CAPS_H */
