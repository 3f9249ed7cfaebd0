// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pure decoding of the SVM feature CPUID leaf and VM_CR (AMD APM vol. 2,
 * 15.4 and 15.30.1). No kernel calls: unit-tested in userspace.
 */
#include <linux/hvx.h>
#include "svm_caps.h"

int svm_caps_check(__u64 vm_cr, const char **reason)
{
	if (vm_cr & VM_CR_SVMDIS) {
		*reason = (vm_cr & VM_CR_LOCK) ?
			"SVM is disabled by the firmware (VM_CR.SVMDIS, locked); enable AMD-V/SVM in the firmware setup" :
			"SVM is disabled (VM_CR.SVMDIS); enable AMD-V/SVM in the firmware setup";
		return -EPERM;
	}
	*reason = NULL;
	return 0;
}

__u64 svm_caps_features(__u32 edx)
{
	static const struct { __u64 cpuid_bit, feature; } map[] = {
		{ SVM_FEAT_NPT,			HVX_FEATURE_SVM_NPT },
		{ SVM_FEAT_LBRV,		HVX_FEATURE_SVM_LBRV },
		{ SVM_FEAT_SVML,		HVX_FEATURE_SVM_LOCK },
		{ SVM_FEAT_NRIPS,		HVX_FEATURE_SVM_NRIPS },
		{ SVM_FEAT_TSC_RATE,		HVX_FEATURE_SVM_TSC_RATE },
		{ SVM_FEAT_VMCB_CLEAN,		HVX_FEATURE_SVM_VMCB_CLEAN },
		{ SVM_FEAT_FLUSH_ASID,		HVX_FEATURE_SVM_FLUSH_ASID },
		{ SVM_FEAT_DECODE_ASSISTS,	HVX_FEATURE_SVM_DECODE_ASSISTS },
		{ SVM_FEAT_PAUSE_FILTER,	HVX_FEATURE_SVM_PAUSE_FILTER },
		{ SVM_FEAT_AVIC,		HVX_FEATURE_SVM_AVIC },
		{ SVM_FEAT_VLS,			HVX_FEATURE_SVM_VLS },
		{ SVM_FEAT_VGIF,		HVX_FEATURE_SVM_VGIF },
	};
	__u64 f = 0;
	unsigned int i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (edx & map[i].cpuid_bit)
			f |= map[i].feature;
	return f;
}
