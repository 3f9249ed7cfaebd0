/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared between the SVM backend's files; nothing outside arch-x86/svm. */
#ifndef HVX_SVM_H
#define HVX_SVM_H

#include <linux/percpu.h>
#include "hvx_core.h"
#include "vmcb.h"

/* What each CPU keeps while SVM is on. */
struct svm_cpu {
	struct page *hsave;		/* VM_HSAVE_PA: VMRUN's host state */
	struct page *host_save;		/* our VMSAVE area for the host */
	u64 asid_generation;		/* bumped when ASIDs wrap: all TLBs flushed */
	u32 next_asid;
};
DECLARE_PER_CPU(struct svm_cpu, svm_cpu);

/* Permission maps shared by every vCPU: intercept every port and MSR. */
extern u64 svm_iopm_pa, svm_msrpm_pa;
extern u32 svm_max_asid;

struct svm_vcpu {
	struct hvx_vcpu *vcpu;
	struct vmcb *vmcb;
	u64 vmcb_pa;
	u64 asid_generation;		/* of svm_cpu.asid_generation at assignment */
	int asid_cpu;			/* CPU the ASID belongs to, -1: none */
};

static inline struct svm_vcpu *to_svm(struct hvx_vcpu *vcpu)
{
	return vcpu->arch;
}

int hvx_svm_vmrun(u64 vmcb_pa, u64 *gprs, u64 host_save_pa);

/* svm_vcpu.c */
int svm_vcpu_create(struct hvx_vcpu *vcpu);
void svm_vcpu_free(struct hvx_vcpu *vcpu);
void svm_cache_regs(struct hvx_vcpu *vcpu, u32 mask);
void svm_flush_regs(struct hvx_vcpu *vcpu);
void svm_init_vmcb(struct hvx_vcpu *vcpu);
/* svm_run.c */
int svm_vcpu_run(struct hvx_vcpu *vcpu);

#endif /* HVX_SVM_H */
