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

	/* The event handed to the last entry, for an entry that never ran. */
	struct hvx_event injected;

	/*
	 * NMI blocking, which SVM does not show without vNMI: set when an NMI
	 * goes in, ended by the guest's IRET. The IRET intercept exits before
	 * the IRET runs; NMIs unblock at the first exit with RIP moved on.
	 */
	bool nmi_masked;
	bool awaiting_iret;
	u64 iret_rip;
	/* We set TF to exit after one instruction (an NMI waits on a shadow or IRET). */
	bool nmi_singlestep;
	u64 singlestep_rflags;		/* the guest's RFLAGS when we set TF */
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
void svm_inject_event(struct hvx_vcpu *vcpu, const struct hvx_event *ev);
void svm_set_event_windows(struct hvx_vcpu *vcpu, bool irq, bool nmi);
void svm_vcpu_reset(struct hvx_vcpu *vcpu);

#endif /* HVX_SVM_H */
