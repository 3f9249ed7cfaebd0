/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MSR groups beside kmod/hvx_msr.c's core: machine check (msr_mce.c) and
 * the model-specific MSRs a CPU has without a CPUID bit (msr_model.c).
 * Their get/set functions return -ENOENT for an MSR that is not theirs,
 * else 0, or 1 for #GP in the guest (or the end of a KVM_GET/SET_MSRS).
 */
#ifndef HVX_MSR_GROUPS_H
#define HVX_MSR_GROUPS_H

#include <linux/types.h>

/*
 * hvx_get_msr()/hvx_set_msr() results besides 0; each is #GP for the
 * guest unless the VMM asked to handle it (msr_user.c).
 */
#define HVX_MSR_INVALID		1	/* a known MSR; the access is refused */
#define HVX_MSR_UNKNOWN		2	/* an MSR hvx does not implement */
#define HVX_MSR_FILTERED	3	/* KVM_X86_SET_MSR_FILTER denies it */

/* Most entries KVM_GET_MSRS/KVM_SET_MSRS take at once, as KVM. */
#define HVX_MAX_IO_MSRS	256

/* KVM_CAP_MCE: banks per vCPU, KVM's KVM_MAX_MCE_BANKS. */
#define HVX_MCE_BANKS	32

/* Machine-check state of one vCPU (the guest's view; nothing is real). */
struct hvx_mce {
	u64 mcg_cap;			/* KVM_X86_SETUP_MCE; banks in 7:0 */
	u64 mcg_status;
	u64 mcg_ctl;
	u64 banks[HVX_MCE_BANKS][4];	/* MCi_CTL, _STATUS, _ADDR, _MISC */
};

/* Model-specific MSR state that KVM keeps per vCPU. */
struct hvx_msr_model {
	u64 hwcr;			/* K7_HWCR: McStatusWrEn, TscFreqSel */
	u64 ucode_rev;			/* IA32_UCODE_REV (the VMM may set it) */
	u64 arch_capabilities;		/* IA32_ARCH_CAPABILITIES */
	u64 perf_capabilities;		/* IA32_PERF_CAPABILITIES */
	u64 platform_info;		/* MSR_PLATFORM_INFO */
	u64 misc_features_enables;	/* CPUID faulting */
	u64 power_ctl;			/* IA32_POWER_CTL */
	u64 smi_count;			/* MSR_SMI_COUNT */
	u64 vm_hsave_pa;		/* SVM: VM_HSAVE_PA (no nesting: stored) */
	u64 de_cfg;			/* AMD DE_CFG */
	u64 feature_control;		/* VMX: IA32_FEATURE_CONTROL */
};

struct hvx_vcpu;
struct hvx_vm;
struct kvm_msr_entry;

/* msr_mce.c */
void hvx_mce_vcpu_init(struct hvx_vcpu *vcpu);
int hvx_mce_get_msr(struct hvx_vcpu *vcpu, u32 msr, u64 *val, bool host);
int hvx_mce_set_msr(struct hvx_vcpu *vcpu, u32 msr, u64 val, bool host);
long hvx_get_mce_cap_supported(void __user *argp);	/* /dev/hvx */
long hvx_vcpu_setup_mce(struct hvx_vcpu *vcpu, void __user *argp);
long hvx_vcpu_set_mce(struct hvx_vcpu *vcpu, void __user *argp);

/* msr_model.c */
void hvx_msr_model_vcpu_init(struct hvx_vcpu *vcpu);
int hvx_msr_model_get(struct hvx_vcpu *vcpu, u32 msr, u64 *val, bool host);
int hvx_msr_model_set(struct hvx_vcpu *vcpu, u32 msr, u64 val, bool host);
/* CPUID faulting on: CPUID at CPL > 0 is #GP. */
bool hvx_cpuid_faulting(struct hvx_vcpu *vcpu);
/* KVM_GET_MSR_FEATURE_INDEX_LIST and KVM_GET_MSRS on /dev/hvx. */
long hvx_get_msr_feature_index_list(void __user *argp);
long hvx_get_feature_msrs(void __user *argp);

/* msr_user.c: the MSR filter and KVM_CAP_X86_USER_SPACE_MSR. */
long hvx_vm_set_msr_filter(struct hvx_vm *vm, void __user *argp);
void hvx_vm_free_msr_filter(struct hvx_vm *vm);
int hvx_vm_enable_user_space_msr(struct hvx_vm *vm, u64 mask);
/* A guest RDMSR/WRMSR: hvx_get/set_msr() behind the filter. */
int hvx_guest_get_msr(struct hvx_vcpu *vcpu, u32 msr, u64 *val);
int hvx_guest_set_msr(struct hvx_vcpu *vcpu, u32 msr, u64 val);
u32 hvx_msr_user_exit_reason(struct hvx_vcpu *vcpu, int result);

#endif /* HVX_MSR_GROUPS_H */
