// SPDX-License-Identifier: GPL-2.0-only
/*
 * SVM vCPUs: one VMCB each, set up from named intercept bits, and the
 * translation between the VMCB's state-save area and the generic state
 * cache (vcpu->x86). The VMCB holds the truth while the guest runs; the
 * cache is filled class by class on demand after an exit and written back
 * before the next entry (svm_flush_regs).
 */
#define pr_fmt(fmt) "hvx: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <asm/io.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include "svm.h"
#include "tdp.h"
#include "hvx_irq.h"
#include "shadow.h"

static u16 svm_seg_attrib(const struct kvm_segment *s)
{
	if (s->unusable || !s->present)
		return 0;
	return (s->type & SVM_SEG_TYPE_MASK) | (s->s ? SVM_SEG_S : 0) |
	       ((s->dpl & 3) << SVM_SEG_DPL_SHIFT) | SVM_SEG_P |
	       (s->avl ? SVM_SEG_AVL : 0) | (s->l ? SVM_SEG_L : 0) |
	       (s->db ? SVM_SEG_DB : 0) | (s->g ? SVM_SEG_G : 0);
}

static void svm_seg_to_vmcb(struct vmcb_seg *v, const struct kvm_segment *s)
{
	v->selector = s->selector;
	v->base = s->base;
	v->limit = s->limit;
	v->attrib = svm_seg_attrib(s);
}

static void svm_seg_from_vmcb(struct kvm_segment *s, const struct vmcb_seg *v)
{
	memset(s, 0, sizeof(*s));
	s->selector = v->selector;
	s->base = v->base;
	s->limit = v->limit;
	s->type = v->attrib & SVM_SEG_TYPE_MASK;
	s->s = !!(v->attrib & SVM_SEG_S);
	s->dpl = (v->attrib >> SVM_SEG_DPL_SHIFT) & 3;
	s->present = !!(v->attrib & SVM_SEG_P);
	s->avl = !!(v->attrib & SVM_SEG_AVL);
	s->l = !!(v->attrib & SVM_SEG_L);
	s->db = !!(v->attrib & SVM_SEG_DB);
	s->g = !!(v->attrib & SVM_SEG_G);
	s->unusable = !s->present;
}

static struct vmcb_seg *svm_seg(struct vmcb *vmcb, int seg)
{
	switch (seg) {
	case HVX_X86_ES: return &vmcb->save.es;
	case HVX_X86_CS: return &vmcb->save.cs;
	case HVX_X86_SS: return &vmcb->save.ss;
	case HVX_X86_DS: return &vmcb->save.ds;
	case HVX_X86_FS: return &vmcb->save.fs;
	case HVX_X86_GS: return &vmcb->save.gs;
	case HVX_X86_TR: return &vmcb->save.tr;
	default:	 return &vmcb->save.ldtr;
	}
}

void svm_cache_regs(struct hvx_vcpu *vcpu, u32 mask)
{
	struct vmcb_save *save = &to_svm(vcpu)->vmcb->save;
	struct hvx_x86 *x = &vcpu->x86;
	int i;

	if (mask & HVX_REG_SEGS) {
		for (i = 0; i < HVX_X86_NR_SEGS; i++)
			svm_seg_from_vmcb(&x->seg[i], svm_seg(to_svm(vcpu)->vmcb, i));
		x->gdt.base = save->gdtr.base;
		x->gdt.limit = save->gdtr.limit;
		x->idt.base = save->idtr.base;
		x->idt.limit = save->idtr.limit;
		x->cpl = save->cpl;
	}
	/* Under shadow paging the guest's CR0/3/4 and EFER live in x only. */
	if ((mask & HVX_REG_CRS) && hvx_shadow_enabled()) {
		x->cr2 = save->cr2;
	} else if (mask & HVX_REG_CRS) {
		x->cr0 = save->cr0;
		x->cr2 = save->cr2;
		x->cr3 = save->cr3;
		x->cr4 = save->cr4;
		x->efer = save->efer & ~EFER_SVME;
	}
	if (mask & HVX_REG_DRS) {
		x->dr6 = save->dr6;
		x->dr7 = save->dr7;
	}
	if (mask & HVX_REG_MSRS) {
		x->star = save->star;
		x->lstar = save->lstar;
		x->cstar = save->cstar;
		x->sfmask = save->sfmask;
		x->kernel_gs_base = save->kernel_gs_base;
		x->sysenter_cs = save->sysenter_cs;
		x->sysenter_esp = save->sysenter_esp;
		x->sysenter_eip = save->sysenter_eip;
		x->pat = save->g_pat;
	}
	if (mask & HVX_REG_EVENTS) {
		x->interrupt_shadow = to_svm(vcpu)->vmcb->control.int_state & SVM_INT_STATE_SHADOW;
		x->nmi_masked = to_svm(vcpu)->nmi_masked;
	}
}

/* Write the classes the generic code changed back into the VMCB. */
void svm_flush_regs(struct hvx_vcpu *vcpu)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;
	struct vmcb_save *save = &vmcb->save;
	struct hvx_x86 *x = &vcpu->x86;
	u32 dirty = x->dirty;
	int i;

	if (dirty & HVX_REG_SEGS) {
		for (i = 0; i < HVX_X86_NR_SEGS; i++)
			svm_seg_to_vmcb(svm_seg(vmcb, i), &x->seg[i]);
		save->gdtr.base = x->gdt.base;
		save->gdtr.limit = x->gdt.limit;
		save->idtr.base = x->idt.base;
		save->idtr.limit = x->idt.limit;
		save->cpl = x->cpl;
	}
	if (dirty & HVX_REG_CRS) {
		save->cr0 = x->cr0;
		save->cr2 = x->cr2;
		save->cr3 = x->cr3;
		save->cr4 = x->cr4;
		/* VMRUN requires EFER.SVME in the guest's EFER; the guest never sees it. */
		save->efer = x->efer | EFER_SVME;
	}
	if (dirty & HVX_REG_DRS) {
		save->dr6 = x->dr6;
		save->dr7 = x->dr7;
	}
	if (dirty & HVX_REG_MSRS) {
		save->star = x->star;
		save->lstar = x->lstar;
		save->cstar = x->cstar;
		save->sfmask = x->sfmask;
		save->kernel_gs_base = x->kernel_gs_base;
		save->sysenter_cs = x->sysenter_cs;
		save->sysenter_esp = x->sysenter_esp;
		save->sysenter_eip = x->sysenter_eip;
		save->g_pat = x->pat;
	}
	if (dirty & HVX_REG_EVENTS) {
		vmcb->control.int_state &= ~SVM_INT_STATE_SHADOW;
		if (x->interrupt_shadow)
			vmcb->control.int_state |= SVM_INT_STATE_SHADOW;
		to_svm(vcpu)->nmi_masked = x->nmi_masked;
	}
	x->dirty = 0;
}

/* The control area: what exits, where the maps are, nested paging on. */
void svm_init_vmcb(struct hvx_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_control *c = &svm->vmcb->control;

	memset(svm->vmcb, 0, sizeof(*svm->vmcb));
	c->intercept_cr = SVM_INTERCEPT_CR4_WRITE;
	/* With an in-kernel LAPIC a lower TPR must be seen at once (reads use V_TPR). */
	if (hvx_irqchip_in_kernel(vcpu->vm))
		c->intercept_cr |= SVM_INTERCEPT_CR8_WRITE;
	c->intercept_misc1 = SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI |
			     SVM_INTERCEPT_SMI | SVM_INTERCEPT_INIT |
			     SVM_INTERCEPT_RDPMC | SVM_INTERCEPT_CPUID |
			     SVM_INTERCEPT_INVD | SVM_INTERCEPT_HLT |
			     SVM_INTERCEPT_INVLPGA | SVM_INTERCEPT_IOIO_PROT |
			     SVM_INTERCEPT_MSR_PROT | SVM_INTERCEPT_SHUTDOWN;
	/* VMRUN must be intercepted (APM 15.5.1); the rest is hidden SVM. */
	c->intercept_misc2 = SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL |
			     SVM_INTERCEPT_VMLOAD | SVM_INTERCEPT_VMSAVE |
			     SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI |
			     SVM_INTERCEPT_SKINIT | SVM_INTERCEPT_RDTSCP |
			     SVM_INTERCEPT_WBINVD | SVM_INTERCEPT_MONITOR |
			     SVM_INTERCEPT_MWAIT | SVM_INTERCEPT_MWAIT_COND |
			     SVM_INTERCEPT_XSETBV;
	/* Spinning guests yield the CPU, where the CPU can tell us they spin. */
	if (hvx_caps.features & HVX_FEATURE_SVM_PAUSE_FILTER) {
		c->intercept_misc1 |= SVM_INTERCEPT_PAUSE;
		c->pause_filter_count = 3000;
	}
	/* #UD: VMCALL, Intel's hypercall, is KVM's too (arch-x86/pv/hypercall.c). */
	c->intercept_exceptions |= BIT(SVM_EXIT_EXCP_UD - SVM_EXIT_EXCP_BASE);
	c->iopm_base_pa = svm_iopm_pa;
	c->msrpm_base_pa = svm_msrpm_pa;
	/* Physical interrupts exit; the guest's IF masks only virtual ones. */
	c->int_ctl = SVM_INT_CTL_V_INTR_MASKING;
	if (hvx_shadow_enabled()) {
		/*
		 * The CPU runs on shadow tables: the guest's CRs, its #PFs,
		 * INVLPG, INVPCID and task switches (which load CR3) are ours
		 * to handle.
		 */
		c->intercept_cr |= SVM_INTERCEPT_CR_SHADOW;
		c->intercept_exceptions |= BIT(14);
		c->intercept_misc1 |= SVM_INTERCEPT_INVLPG | SVM_INTERCEPT_TASK_SWITCH;
		c->intercept_misc3 |= SVM_INTERCEPT_INVPCID;
	} else {
		c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
		c->nested_cr3 = hvx_tdp_root_pa(vcpu->vm);
	}
	/* No ASID yet: the first entry assigns one. */
	svm->asid_cpu = -1;
	svm->injected.type = HVX_EVENT_NONE;
	svm->nmi_masked = svm->awaiting_iret = svm->nmi_singlestep = false;
	vcpu->x86.avail = 0;
	hvx_x86_reset(vcpu);
}

/* INIT: the VMCB from scratch (the generic code restores what INIT keeps). */
void svm_vcpu_reset(struct hvx_vcpu *vcpu)
{
	svm_init_vmcb(vcpu);
}

int svm_vcpu_create(struct hvx_vcpu *vcpu)
{
	struct svm_vcpu *svm;
	struct page *page;

	svm = kzalloc(sizeof(*svm), GFP_KERNEL_ACCOUNT);
	if (!svm)
		return -ENOMEM;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page) {
		kfree(svm);
		return -ENOMEM;
	}
	svm->vcpu = vcpu;
	svm->vmcb = page_address(page);
	svm->vmcb_pa = page_to_phys(page);
	vcpu->arch = svm;
	svm_init_vmcb(vcpu);
	return 0;
}

void svm_vcpu_free(struct hvx_vcpu *vcpu)
{
	struct svm_vcpu *svm = to_svm(vcpu);

	if (!svm)
		return;
	free_page((unsigned long)svm->vmcb);
	kfree(svm);
	vcpu->arch = NULL;
}
