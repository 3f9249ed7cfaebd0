// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the code that hvx.ko shares with userspace: the VMX
 * capability-MSR and SVM CPUID decoding (arch-x86/vmx/vmx_caps.c, arch-x86/svm/svm_caps.c),
 * fed with hand-made register values, including ones no test CPU has.
 */
#include <linux/hvx.h>
#include "ktap.h"
#include "vmx_caps.h"
#include "svm_caps.h"

#define ALLOW1(bits)	((__u64)(bits) << 32)
/* Locked, VMXON allowed, a 4 KiB write-back VMCS: what a sane CPU reports. */
#define GOOD_FC		(FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMXON_OUTSIDE_SMX)
#define GOOD_BASIC	(0x12ULL | (0x1000ULL << 32) | (6ULL << 50))

static struct vmx_cap_msrs good_vmx(void)
{
	return (struct vmx_cap_msrs){ .feature_control = GOOD_FC, .basic = GOOD_BASIC };
}

static void vmx_check_accepts_sane_cpu(void)
{
	struct vmx_cap_msrs m = good_vmx();
	const char *reason = "unset";

	ASSERT_EQ(vmx_caps_check(&m, &reason), 0);
	ASSERT_TRUE(reason == NULL);
}

static void vmx_check_firmware_disabled(void)
{
	struct vmx_cap_msrs m = good_vmx();
	const char *reason = NULL;

	m.feature_control = FEATURE_CONTROL_LOCKED;
	ASSERT_EQ(vmx_caps_check(&m, &reason), -EPERM);
	ASSERT_TRUE(reason && strstr(reason, "disabled by the firmware"), "%s", reason);

	m.feature_control = FEATURE_CONTROL_VMXON_OUTSIDE_SMX;	/* not locked */
	ASSERT_EQ(vmx_caps_check(&m, &reason), -EPERM);
	ASSERT_TRUE(reason && strstr(reason, "not locked"), "%s", reason);
}

static void vmx_check_vmcs_layout(void)
{
	struct vmx_cap_msrs m = good_vmx();
	const char *reason = NULL;

	m.basic = (GOOD_BASIC & ~BASIC_VMCS_SIZE) | (0x1001ULL << 32);
	ASSERT_EQ(vmx_caps_check(&m, &reason), -EIO);
	m.basic = GOOD_BASIC & ~BASIC_VMCS_SIZE;
	ASSERT_EQ(vmx_caps_check(&m, &reason), -EIO);
	m.basic = GOOD_BASIC & ~BASIC_MEMTYPE;		/* uncacheable */
	ASSERT_EQ(vmx_caps_check(&m, &reason), -EIO);
	ASSERT_TRUE(strstr(reason, "write-back"));
	m.basic = GOOD_BASIC | BASIC_32BIT_PHYS_ONLY;
	ASSERT_EQ(vmx_caps_check(&m, &reason), -EIO);
}

static void vmx_features_full(void)
{
	struct vmx_cap_msrs m = good_vmx();

	m.basic |= BASIC_TRUE_CTLS;
	m.pinbased = ALLOW1(PIN_CTLS_PREEMPT_TIMER);
	m.procbased = ALLOW1(PROC_CTLS_SECONDARY | PROC_CTLS_MTF);
	m.procbased2 = ALLOW1(PROC_CTLS2_EPT | PROC_CTLS2_VPID | PROC_CTLS2_UNRESTRICTED |
			      PROC_CTLS2_PML);
	m.ept_vpid = EPT_CAP_WALK_4 | EPT_CAP_2M | EPT_CAP_AD;
	ASSERT_EQ(vmx_caps_features(&m),
		  HVX_FEATURE_VMX_TRUE_CTLS | HVX_FEATURE_VMX_PREEMPT_TIMER |
		  HVX_FEATURE_VMX_MTF | HVX_FEATURE_VMX_EPT | HVX_FEATURE_VMX_VPID |
		  HVX_FEATURE_VMX_UNRESTRICTED | HVX_FEATURE_VMX_PML |
		  HVX_FEATURE_VMX_EPT_2M | HVX_FEATURE_VMX_EPT_AD);
}

/* Allowed-0 bits (the low half) say what may be 0, not what may be 1. */
static void vmx_features_ignore_allowed0(void)
{
	struct vmx_cap_msrs m = good_vmx();

	m.pinbased = 0xffffffffULL;
	m.procbased = 0xffffffffULL;
	m.procbased2 = 0xffffffffULL;
	ASSERT_EQ(vmx_caps_features(&m), 0);
}

static void vmx_features_need_secondary_controls(void)
{
	struct vmx_cap_msrs m = good_vmx();

	m.procbased = ALLOW1(PROC_CTLS_MTF);
	m.procbased2 = ALLOW1(PROC_CTLS2_EPT | PROC_CTLS2_VPID);
	m.ept_vpid = EPT_CAP_WALK_4;
	ASSERT_EQ(vmx_caps_features(&m), HVX_FEATURE_VMX_MTF);
	ASSERT_TRUE(!vmx_caps_has_procbased2(m.procbased));
	ASSERT_TRUE(vmx_caps_has_ept_vpid_msr(m.procbased2));
	ASSERT_TRUE(!vmx_caps_has_ept_vpid_msr(ALLOW1(PROC_CTLS2_UNRESTRICTED)));
}

static void vmx_features_ept_needs_4level_walk(void)
{
	struct vmx_cap_msrs m = good_vmx();

	m.procbased = ALLOW1(PROC_CTLS_SECONDARY);
	m.procbased2 = ALLOW1(PROC_CTLS2_EPT | PROC_CTLS2_PML);
	m.ept_vpid = EPT_CAP_WALK_5 | EPT_CAP_2M | EPT_CAP_1G | EPT_CAP_AD;
	ASSERT_EQ(vmx_caps_features(&m), 0);
	m.ept_vpid |= EPT_CAP_WALK_4;
	ASSERT_EQ(vmx_caps_features(&m),
		  HVX_FEATURE_VMX_EPT | HVX_FEATURE_VMX_EPT_5LEVEL | HVX_FEATURE_VMX_EPT_2M |
		  HVX_FEATURE_VMX_EPT_1G | HVX_FEATURE_VMX_EPT_AD | HVX_FEATURE_VMX_PML);
}

static void vmx_features_apicv_needs_both_controls(void)
{
	struct vmx_cap_msrs m = good_vmx();

	m.procbased = ALLOW1(PROC_CTLS_SECONDARY);
	m.procbased2 = ALLOW1(PROC_CTLS2_APIC_REG_VIRT);
	ASSERT_EQ(vmx_caps_features(&m), 0);
	m.procbased2 |= ALLOW1(PROC_CTLS2_VIRT_INTR_DELIVERY);
	ASSERT_EQ(vmx_caps_features(&m), HVX_FEATURE_VMX_APICV);
}

static void vmx_cr_fixed_bits(void)
{
	/* Typical: CR0 needs PE, NE, PG; CR4 needs VMXE. */
	__u64 cr0_fixed0 = 0x80000021, cr0_fixed1 = 0xffffffff;
	__u64 cr4_fixed0 = 0x2000, cr4_fixed1 = 0x3727ff;

	ASSERT_TRUE(vmx_caps_cr_valid(0x80050033, cr0_fixed0, cr0_fixed1));
	ASSERT_TRUE(!vmx_caps_cr_valid(0x80050013, cr0_fixed0, cr0_fixed1));	/* NE clear */
	ASSERT_TRUE(!vmx_caps_cr_valid(0x180050033ULL, cr0_fixed0, cr0_fixed1));
	ASSERT_TRUE(vmx_caps_cr_valid(0x3626f0, cr4_fixed0, cr4_fixed1));
	ASSERT_TRUE(!vmx_caps_cr_valid(0x3606f0, cr4_fixed0, cr4_fixed1));	/* VMXE clear */
	ASSERT_TRUE(!vmx_caps_cr_valid(0x13626f0, cr4_fixed0, cr4_fixed1));	/* bit 24 not allowed */
}

/*
 * Controls fitted to a capability MSR: allowed-0 bits (low half) are
 * forced on, wanted bits kept only where allowed-1 (high half) permits,
 * and the required bits the CPU cannot set come back as the error mask.
 */
static void vmx_adjust_ctl(void)
{
	/* must be 1: bits 1, 2; may be 1: bits 1, 2, 4, 7 */
	__u64 msr = ((__u64)0x96 << 32) | 0x06;
	__u32 ctl;

	ASSERT_EQ(vmx_caps_adjust_ctl(msr, 0x10, 0x80, &ctl), 0);
	ASSERT_EQ(ctl, 0x96);
	/* An optional bit the CPU lacks is dropped silently. */
	ASSERT_EQ(vmx_caps_adjust_ctl(msr, 0x10, 0x100, &ctl), 0);
	ASSERT_EQ(ctl, 0x16);
	/* A required bit the CPU lacks is reported, by bit. */
	ASSERT_EQ(vmx_caps_adjust_ctl(msr, 0x10 | 0x200, 0, &ctl), 0x200);
	/* Nothing wanted: exactly the must-be-1 bits. */
	ASSERT_EQ(vmx_caps_adjust_ctl(msr, 0, 0, &ctl), 0);
	ASSERT_EQ(ctl, 0x06);
}

static void svm_check_vm_cr(void)
{
	const char *reason = "unset";

	ASSERT_EQ(svm_caps_check(0, &reason), 0);
	ASSERT_TRUE(reason == NULL);
	ASSERT_EQ(svm_caps_check(VM_CR_LOCK, &reason), 0);
	ASSERT_EQ(svm_caps_check(VM_CR_SVMDIS | VM_CR_LOCK, &reason), -EPERM);
	ASSERT_TRUE(strstr(reason, "firmware") && strstr(reason, "locked"));
	ASSERT_EQ(svm_caps_check(VM_CR_SVMDIS, &reason), -EPERM);
}

/* QEMU TCG's SVM reports EDX = 1: nested paging and nothing else. */
static void svm_features_qemu_tcg(void)
{
	ASSERT_EQ(svm_caps_features(0x1), HVX_FEATURE_SVM_NPT);
	ASSERT_EQ(svm_caps_features(0), 0);
}

/* Every CPUID bit maps to at most one feature, each feature to one bit. */
static void svm_features_bit_by_bit(void)
{
	__u64 seen = 0;
	unsigned int bit, mapped = 0;

	for (bit = 0; bit < 32; bit++) {
		__u64 f = svm_caps_features(1u << bit);

		ASSERT_TRUE((f & (f - 1)) == 0, "bit %u maps to several features", bit);
		ASSERT_TRUE((f & seen) == 0, "bit %u maps to a feature twice", bit);
		ASSERT_TRUE((f & 0xffffffffULL) == 0, "bit %u maps to a VMX feature", bit);
		seen |= f;
		mapped += !!f;
	}
	ASSERT_EQ(mapped, 12);
	ASSERT_EQ(svm_caps_features(0xffffffff), seen);
	ASSERT_EQ(svm_caps_features(1u << 13), HVX_FEATURE_SVM_AVIC);
	ASSERT_EQ(svm_caps_features(1u << 3), HVX_FEATURE_SVM_NRIPS);
	ASSERT_EQ(svm_caps_features(1u << 7), HVX_FEATURE_SVM_DECODE_ASSISTS);
}

static const struct ktest tests[] = {
	KTEST(vmx_check_accepts_sane_cpu),
	KTEST(vmx_check_firmware_disabled),
	KTEST(vmx_check_vmcs_layout),
	KTEST(vmx_features_full),
	KTEST(vmx_features_ignore_allowed0),
	KTEST(vmx_features_need_secondary_controls),
	KTEST(vmx_features_ept_needs_4level_walk),
	KTEST(vmx_features_apicv_needs_both_controls),
	KTEST(vmx_adjust_ctl),
	KTEST(vmx_cr_fixed_bits),
	KTEST(svm_check_vm_cr),
	KTEST(svm_features_qemu_tcg),
	KTEST(svm_features_bit_by_bit),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
