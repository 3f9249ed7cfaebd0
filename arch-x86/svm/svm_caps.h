/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SVM capability decoding: the CPUID leaves and MSR bits hvx reads at load
 * time, and pure functions turning them into a yes/no with a reason and
 * into HVX_FEATURE_* bits. Built into hvx.ko and into the unit tests.
 */
#ifndef HVX_SVM_CAPS_H
#define HVX_SVM_CAPS_H

#include "hvx_pure.h"

#define CPUID_EXT_FEATURES		0x80000001
#define   CPUID_EXT_ECX_SVM			HVX_BIT(2)
#define CPUID_SVM_FEATURES		0x8000000a
#define   SVM_FEAT_NPT				HVX_BIT(0)
#define   SVM_FEAT_LBRV				HVX_BIT(1)
#define   SVM_FEAT_SVML				HVX_BIT(2)
#define   SVM_FEAT_NRIPS			HVX_BIT(3)
#define   SVM_FEAT_TSC_RATE			HVX_BIT(4)
#define   SVM_FEAT_VMCB_CLEAN			HVX_BIT(5)
#define   SVM_FEAT_FLUSH_ASID			HVX_BIT(6)
#define   SVM_FEAT_DECODE_ASSISTS		HVX_BIT(7)
#define   SVM_FEAT_PAUSE_FILTER			HVX_BIT(10)
#define   SVM_FEAT_AVIC				HVX_BIT(13)
#define   SVM_FEAT_VLS				HVX_BIT(15)
#define   SVM_FEAT_VGIF				HVX_BIT(16)

#define SVM_MSR_VM_CR			0xc0010114
#define   VM_CR_LOCK				HVX_BIT(3)
#define   VM_CR_SVMDIS				HVX_BIT(4)
#define SVM_MSR_VM_HSAVE_PA		0xc0010117

/* Can hvx use SVM, given MSR VM_CR? 0, or -errno with *reason set. */
int svm_caps_check(__u64 vm_cr, const char **reason);

/* HVX_FEATURE_SVM_* bits from CPUID 0x8000000A EDX. */
__u64 svm_caps_features(__u32 cpuid_svm_edx);

#endif /* HVX_SVM_CAPS_H */
