// SPDX-License-Identifier: GPL-2.0-only
/*
 * VMX vCPUs: one VMCS each, the VMCLEAR/VMPTRLD protocol that lets a vCPU
 * move between CPUs, VPIDs, the VMCS's constant and per-CPU host state,
 * and the translation between the VMCS guest-state area and the generic
 * state cache (vcpu->x86).
 *
 * A VMCS is active on at most one CPU. It stays active (and current) on
 * the CPU of its last entry; when the vCPU next runs on another CPU, the
 * old CPU VMCLEARs it first (an IPI), and the new one VMPTRLDs it and
 * must VMLAUNCH, not VMRESUME. Every CPU lists the VMCSs active on it, so
 * that turning VMX off there (last VM gone, hotplug, suspend, reboot)
 * clears them and no VMCS state is left cached in a CPU that stops
 * being in VMX operation.
 *
 * VMREAD/VMWRITE need the VMCS current on the calling CPU, so the state
 * cache is read under vmx_vcpu_load() with preemption off, not only
 * right after an exit.
 */
#define pr_fmt(fmt) "hvx: " fmt

#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <asm/cpu_entry_area.h>
#include <asm/desc.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include "vmx.h"
#include "tdp.h"
#include "hvx_exit.h"

DEFINE_PER_CPU(struct vmx_cpu, vmx_cpu);

/*
 * --- VMX instructions that take a physical address or a descriptor ---
 * Each returns 0, or -EIO on VMfail or on a fault: VMX off on this CPU,
 * expected after a reboot or crash turned it off (hvx_virt_insn_fault()).
 */

static int vmx_vmclear(u64 pa)
{
	asm goto("1: vmclear %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m"(pa) : "cc", "memory" : fail, fault);
	return 0;
fault:
	hvx_virt_insn_fault("VMCLEAR");
	return -EIO;
fail:
	return -EIO;
}

static int vmx_vmptrld(u64 pa)
{
	asm goto("1: vmptrld %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m"(pa) : "cc", "memory" : fail, fault);
	return 0;
fault:
	hvx_virt_insn_fault("VMPTRLD");
	return -EIO;
fail:
	return -EIO;
}

int vmx_invept(int type, u64 eptp)
{
	struct { u64 eptp, reserved; } desc = { eptp, 0 };

	asm goto("1: invept %[desc], %[type]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [desc] "m"(desc), [type] "r"((unsigned long)type)
		 : "cc", "memory" : fail, fault);
	return 0;
fault:
	hvx_virt_insn_fault("INVEPT");
	return -EIO;
fail:
	return -EIO;
}

int vmx_invvpid(int type, u16 vpid)
{
	struct { u64 vpid, gla; } desc = { vpid, 0 };

	asm goto("1: invvpid %[desc], %[type]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [desc] "m"(desc), [type] "r"((unsigned long)type)
		 : "cc", "memory" : fail, fault);
	return 0;
fault:
	hvx_virt_insn_fault("INVVPID");
	return -EIO;
fail:
	return -EIO;
}

void vmx_vmcs_error(bool write, u32 field)
{
	pr_err_ratelimited("%s of VMCS field %#x failed on CPU %d\n",
			   write ? "VMWRITE" : "VMREAD", field, raw_smp_processor_id());
}

/* --- VPIDs: one per vCPU, 0 is the host's --- */

#define VMX_NR_VPIDS	65536
static unsigned long vmx_vpid_bitmap[BITS_TO_LONGS(VMX_NR_VPIDS)];
static DEFINE_SPINLOCK(vmx_vpid_lock);

static u16 vmx_vpid_alloc(void)
{
	unsigned long vpid;

	if (!vmx_config.vpid)
		return 0;
	spin_lock(&vmx_vpid_lock);
	vpid = find_next_zero_bit(vmx_vpid_bitmap, VMX_NR_VPIDS, 1);
	if (vpid < VMX_NR_VPIDS)
		__set_bit(vpid, vmx_vpid_bitmap);
	else
		vpid = 0;	/* out of VPIDs: run untagged (vmx_init_vmcs clears enable-VPID) */
	spin_unlock(&vmx_vpid_lock);
	return vpid;
}

static void vmx_vpid_free(u16 vpid)
{
	if (!vpid)
		return;
	spin_lock(&vmx_vpid_lock);
	__clear_bit(vpid, vmx_vpid_bitmap);
	spin_unlock(&vmx_vpid_lock);
}

/* --- Which CPU holds a VMCS --- */

/* On the CPU the VMCS is active on, IRQs off. */
static void vmx_clear_here(struct vmx_vcpu *vmx)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);

	/* VMfail here is an hvx bug; a fault was reported by vmx_vmclear(). */
	if (vmx_vmclear(vmx->vmcs_pa) && (__read_cr4() & X86_CR4_VMXE) && !hvx_virt_rebooting())
		pr_err_ratelimited("VMCLEAR failed on CPU %d\n", smp_processor_id());
	list_del(&vmx->loaded_link);
	if (vc->current_vmcs == vmx)
		vc->current_vmcs = NULL;
	vmx->launched = false;
	/* The vCPU thread reads this without the IPI's serialisation. */
	smp_wmb();
	WRITE_ONCE(vmx->cpu, -1);
}

static void vmx_clear_ipi(void *arg)
{
	struct vmx_vcpu *vmx = arg;

	/* Turning VMX off here may have cleared it already. */
	if (READ_ONCE(vmx->cpu) == smp_processor_id())
		vmx_clear_here(vmx);
}

/* Make the VMCS clear wherever it is active. Process context, IRQs on. */
static void vmx_vcpu_clear(struct vmx_vcpu *vmx)
{
	int cpu = READ_ONCE(vmx->cpu);

	/* An offline CPU cleared its VMCSs when it turned VMX off. */
	if (cpu >= 0)
		smp_call_function_single(cpu, vmx_clear_ipi, vmx, 1);
}

/* VMX goes off on this CPU (cpu_disable): clear everything active here. */
void vmx_cpu_clear_all(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	struct vmx_vcpu *vmx, *tmp;
	unsigned long flags;

	local_irq_save(flags);
	if (vc->loaded.next)	/* set up by vmx_hardware_setup() */
		list_for_each_entry_safe(vmx, tmp, &vc->loaded, loaded_link)
			vmx_clear_here(vmx);
	vc->current_vmcs = NULL;
	local_irq_restore(flags);
}

/* The TSS's base, from its descriptor in this CPU's GDT. */
static unsigned long vmx_host_tr_base(const struct desc_ptr *gdt)
{
	u16 tr;
	const struct ldttss_desc *d;

	asm volatile("str %0" : "=r"(tr));
	d = (const struct ldttss_desc *)(gdt->address + (tr & ~7));
	return d->base0 | ((unsigned long)d->base1 << 16) |
	       ((unsigned long)d->base2 << 24) | ((unsigned long)d->base3 << 32);
}

/* Host state that is the same for every task on this CPU. */
static void vmx_write_host_cpu_state(void)
{
	struct desc_ptr gdt, idt;
	u64 val;

	native_store_gdt(&gdt);
	store_idt(&idt);
	vmcs_writel(VMCS_HOST_GDTR_BASE, gdt.address);
	vmcs_writel(VMCS_HOST_IDTR_BASE, idt.address);
	vmcs_writel(VMCS_HOST_TR_BASE, vmx_host_tr_base(&gdt));
	vmcs_writel(VMCS_HOST_CR0, read_cr0());
	/* The kernel's GS base: the per-CPU area. */
	rdmsrl(MSR_GS_BASE, val);
	vmcs_writel(VMCS_HOST_GS_BASE, val);
	rdmsrl(MSR_IA32_SYSENTER_CS, val);
	vmcs_write32(VMCS_HOST_IA32_SYSENTER_CS, val);
	rdmsrl(MSR_IA32_SYSENTER_ESP, val);
	vmcs_writel(VMCS_HOST_IA32_SYSENTER_ESP, val);
	rdmsrl(MSR_IA32_SYSENTER_EIP, val);
	vmcs_writel(VMCS_HOST_IA32_SYSENTER_EIP, val);
	rdmsrl(MSR_EFER, val);
	vmcs_write64(VMCS_HOST_IA32_EFER, val);
	rdmsrl(MSR_IA32_CR_PAT, val);
	vmcs_write64(VMCS_HOST_IA32_PAT, val);
}

/*
 * Make the vCPU's VMCS current on this CPU. Preemption off, IRQs on (the
 * old CPU is asked to VMCLEAR it by IPI). 0, or -EIO if this CPU cannot
 * load it (VMX is off here).
 */
int vmx_vcpu_load(struct vmx_vcpu *vmx)
{
	int cpu = smp_processor_id();
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	unsigned long flags;
	bool moved = false;
	int r = 0;

	if (READ_ONCE(vmx->cpu) != cpu)
		vmx_vcpu_clear(vmx);

	local_irq_save(flags);
	if (vmx->cpu != cpu) {
		/* Clear now (see above), or VMX was turned off under it. */
		list_add(&vmx->loaded_link, &vc->loaded);
		WRITE_ONCE(vmx->cpu, cpu);
		vmx->launched = false;
		/* This CPU may hold stale translations of this VPID/EPTP. */
		vmx->flush_tlb = true;
		moved = true;
	}
	if (vc->current_vmcs != vmx) {
		if (vmx_vmptrld(vmx->vmcs_pa)) {
			list_del(&vmx->loaded_link);
			WRITE_ONCE(vmx->cpu, -1);
			r = -EIO;
			goto out;
		}
		vc->current_vmcs = vmx;
	}
	if (moved) {
		vmx_write_host_cpu_state();
		vmx->host_cr3 = vmx->host_cr4 = 0;	/* rewrite at entry */
	}
out:
	local_irq_restore(flags);
	return r;
}

/* --- Guest state: VMCS <-> vcpu->x86 --- */

struct vmx_seg_fields {
	enum vmcs_field sel, base, limit, ar;
};

static const struct vmx_seg_fields vmx_segs[HVX_X86_NR_SEGS] = {
	[HVX_X86_ES] = { VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR },
	[HVX_X86_CS] = { VMCS_GUEST_CS_SELECTOR, VMCS_GUEST_CS_BASE, VMCS_GUEST_CS_LIMIT, VMCS_GUEST_CS_AR },
	[HVX_X86_SS] = { VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_AR },
	[HVX_X86_DS] = { VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR },
	[HVX_X86_FS] = { VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR },
	[HVX_X86_GS] = { VMCS_GUEST_GS_SELECTOR, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR },
	[HVX_X86_TR] = { VMCS_GUEST_TR_SELECTOR, VMCS_GUEST_TR_BASE, VMCS_GUEST_TR_LIMIT, VMCS_GUEST_TR_AR },
	[HVX_X86_LDTR] = { VMCS_GUEST_LDTR_SELECTOR, VMCS_GUEST_LDTR_BASE, VMCS_GUEST_LDTR_LIMIT, VMCS_GUEST_LDTR_AR },
};

/* System-segment types of TR: an available TSS is loaded as busy. */
#define SEG_TYPE_TSS16_AVAIL	1
#define SEG_TYPE_TSS16_BUSY	3
#define SEG_TYPE_TSS_AVAIL	9
#define SEG_TYPE_TSS_BUSY	11

static u32 vmx_seg_ar(int seg, const struct kvm_segment *s)
{
	u32 type = s->type;

	/* VMX has an explicit "unusable" bit; a non-present segment is unusable. */
	if (s->unusable || !s->present)
		return VMX_AR_UNUSABLE;
	/* Loading a code/data segment sets its accessed bit; VMX requires it. */
	if (s->s)
		type |= VMX_AR_TYPE_ACCESSED;
	if (seg == HVX_X86_TR && type == SEG_TYPE_TSS16_AVAIL)
		type = SEG_TYPE_TSS16_BUSY;
	if (seg == HVX_X86_TR && type == SEG_TYPE_TSS_AVAIL)
		type = SEG_TYPE_TSS_BUSY;
	return (type & VMX_AR_TYPE_MASK) | (s->s ? VMX_AR_S : 0) |
	       ((s->dpl & 3) << VMX_AR_DPL_SHIFT) | VMX_AR_P |
	       (s->avl ? VMX_AR_AVL : 0) | (s->l ? VMX_AR_L : 0) |
	       (s->db ? VMX_AR_DB : 0) | (s->g ? VMX_AR_G : 0);
}

void vmx_seg_from_vmcs(int seg, struct kvm_segment *s)
{
	const struct vmx_seg_fields *f = &vmx_segs[seg];
	u32 ar = __vmcs_read(f->ar);

	memset(s, 0, sizeof(*s));
	s->selector = __vmcs_read(f->sel);
	s->base = __vmcs_read(f->base);
	s->limit = __vmcs_read(f->limit);
	s->type = ar & VMX_AR_TYPE_MASK;
	s->s = !!(ar & VMX_AR_S);
	s->dpl = (ar & VMX_AR_DPL_MASK) >> VMX_AR_DPL_SHIFT;
	s->avl = !!(ar & VMX_AR_AVL);
	s->l = !!(ar & VMX_AR_L);
	s->db = !!(ar & VMX_AR_DB);
	s->g = !!(ar & VMX_AR_G);
	s->unusable = !!(ar & VMX_AR_UNUSABLE);
	/* A usable segment is present (SDM 26.3.1.2); report unusable as not present. */
	s->present = !s->unusable;
}

void vmx_seg_to_vmcs(int seg, const struct kvm_segment *s)
{
	const struct vmx_seg_fields *f = &vmx_segs[seg];

	__vmcs_write(f->sel, s->selector);
	__vmcs_write(f->base, s->base);
	__vmcs_write(f->limit, s->limit);
	__vmcs_write(f->ar, vmx_seg_ar(seg, s));
}

static void vmx_read_regs(struct hvx_vcpu *vcpu, u32 mask)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct hvx_x86 *x = &vcpu->x86;
	int i;

	if (mask & HVX_REG_SEGS) {
		if (vmx->vm86_active) {
			vmx_vm86_read_segs(vcpu);
		} else {
			for (i = 0; i < HVX_X86_NR_SEGS; i++)
				vmx_seg_from_vmcs(i, &x->seg[i]);
			/* VMX keeps the CPL in SS.DPL (SDM 26.3.1.2). */
			x->cpl = x->seg[HVX_X86_SS].dpl;
		}
		x->gdt.base = vmcs_readl(VMCS_GUEST_GDTR_BASE);
		x->gdt.limit = vmcs_read32(VMCS_GUEST_GDTR_LIMIT);
		x->idt.base = vmcs_readl(VMCS_GUEST_IDTR_BASE);
		x->idt.limit = vmcs_read32(VMCS_GUEST_IDTR_LIMIT);
	}
	/* Under shadow paging the guest's CR0/3/4 and EFER live in x only. */
	if ((mask & HVX_REG_CRS) && hvx_shadow_enabled()) {
		x->cr2 = vmx->cr2;
	} else if (mask & HVX_REG_CRS) {
		unsigned long m0 = vmx_config.cr0_host_owned, m4 = vmx_config.cr4_host_owned;

		x->cr0 = (vmcs_readl(VMCS_GUEST_CR0) & ~m0) |
			 (vmcs_readl(VMCS_CR0_READ_SHADOW) & m0);
		x->cr4 = (vmcs_readl(VMCS_GUEST_CR4) & ~m4) |
			 (vmcs_readl(VMCS_CR4_READ_SHADOW) & m4);
		x->cr2 = vmx->cr2;
		x->cr3 = vmcs_readl(VMCS_GUEST_CR3);
		x->efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
	}
	if (mask & HVX_REG_DRS) {
		x->dr6 = vmx->dr6;
		x->dr7 = vmcs_readl(VMCS_GUEST_DR7);
	}
	if (mask & HVX_REG_MSRS) {
		x->star = vmx->star;
		x->lstar = vmx->lstar;
		x->cstar = vmx->cstar;
		x->sfmask = vmx->sfmask;
		x->kernel_gs_base = vmx->kernel_gs_base;
		x->sysenter_cs = vmcs_read32(VMCS_GUEST_SYSENTER_CS);
		x->sysenter_esp = vmcs_readl(VMCS_GUEST_SYSENTER_ESP);
		x->sysenter_eip = vmcs_readl(VMCS_GUEST_SYSENTER_EIP);
		x->pat = vmcs_read64(VMCS_GUEST_IA32_PAT);
	}
	if (mask & HVX_REG_EVENTS) {
		u32 intr = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);

		x->interrupt_shadow = intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
		x->nmi_masked = intr & INTERRUPTIBILITY_NMI;
	}
}

void vmx_cache_regs(struct hvx_vcpu *vcpu, u32 mask)
{
	preempt_disable();
	if (!vmx_vcpu_load(to_vmx(vcpu)))
		vmx_read_regs(vcpu, mask);
	preempt_enable();
}

static bool vmx_pae_paging(const struct hvx_x86 *x)
{
	return (x->cr0 & X86_CR0_PG) && (x->cr4 & X86_CR4_PAE) &&
	       !(x->efer & EFER_LMA);
}

/*
 * Before preemption goes off: with EPT, entering PAE paging loads the
 * PDPTEs from the VMCS, not from memory (SDM 26.3.2.4), so hvx reads them
 * whenever CR0/CR3/CR4/EFER were changed outside the guest.
 */
void vmx_prepare_flush(struct hvx_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct hvx_x86 *x = &vcpu->x86;

	/* Without EPT the CPU reads them from the shadow root itself. */
	if (!(x->dirty & HVX_REG_CRS) || !vmx_pae_paging(x) || hvx_shadow_enabled())
		return;
	if (hvx_read_guest(vcpu->vm, x->cr3 & ~0x1fULL, vmx->pdptrs, sizeof(vmx->pdptrs)))
		memset(vmx->pdptrs, 0, sizeof(vmx->pdptrs));
	vmx->pdptrs_valid = true;
}

/* The EFER the CPU runs the guest with, and the IA-32e entry control with it. */
void vmx_write_efer(struct vmx_vcpu *vmx, u64 efer)
{
	vmcs_write64(VMCS_GUEST_IA32_EFER, efer);
	/* VM exits keep this control equal to EFER.LMA; so do we. */
	if (efer & EFER_LMA)
		vmx->entry |= ENTRY_IA32E_MODE_GUEST;
	else
		vmx->entry &= ~ENTRY_IA32E_MODE_GUEST;
	vmcs_write32(VMCS_ENTRY_CONTROLS, vmx->entry);
}

/* Write the classes the generic code changed back. VMCS current, preemption off. */
void vmx_flush_regs(struct hvx_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct hvx_x86 *x = &vcpu->x86;
	u32 dirty;
	int i;

	if (hvx_shadow_enabled())
		vmx_vm86_switch(vcpu);	/* may make the segments dirty */
	dirty = x->dirty;
	if (dirty & HVX_REG_SEGS) {
		if (vmx->vm86_active)
			vmx_vm86_write_segs(vcpu);
		else
			for (i = 0; i < HVX_X86_NR_SEGS; i++)
				vmx_seg_to_vmcs(i, &x->seg[i]);
		vmcs_writel(VMCS_GUEST_GDTR_BASE, x->gdt.base);
		vmcs_write32(VMCS_GUEST_GDTR_LIMIT, x->gdt.limit);
		vmcs_writel(VMCS_GUEST_IDTR_BASE, x->idt.base);
		vmcs_write32(VMCS_GUEST_IDTR_LIMIT, x->idt.limit);
	}
	if (hvx_shadow_enabled()) {
		/* The root may change at any entry, not only with the CRs. */
		vmx_shadow_write_crs(vcpu);
		if (dirty & HVX_REG_CRS)
			vmx->cr2 = x->cr2;
	} else if (dirty & HVX_REG_CRS) {
		vmcs_writel(VMCS_GUEST_CR0, x->cr0 | vmx_config.cr0_fixed1_set);
		vmcs_writel(VMCS_CR0_READ_SHADOW, x->cr0);
		vmcs_writel(VMCS_GUEST_CR4, x->cr4 | vmx_config.cr4_fixed1_set);
		vmcs_writel(VMCS_CR4_READ_SHADOW, x->cr4);
		vmcs_writel(VMCS_GUEST_CR3, x->cr3);
		vmx->cr2 = x->cr2;
		vmx_write_efer(vmx, x->efer);
		if (vmx_pae_paging(x) && vmx->pdptrs_valid) {
			vmcs_write64(VMCS_GUEST_PDPTR0, vmx->pdptrs[0]);
			vmcs_write64(VMCS_GUEST_PDPTR1, vmx->pdptrs[1]);
			vmcs_write64(VMCS_GUEST_PDPTR2, vmx->pdptrs[2]);
			vmcs_write64(VMCS_GUEST_PDPTR3, vmx->pdptrs[3]);
		}
		vmx->pdptrs_valid = false;
	}
	if (dirty & HVX_REG_DRS) {
		vmx->dr6 = x->dr6;
		vmcs_writel(VMCS_GUEST_DR7, x->dr7);
	}
	if (dirty & HVX_REG_MSRS) {
		vmx->star = x->star;
		vmx->lstar = x->lstar;
		vmx->cstar = x->cstar;
		vmx->sfmask = x->sfmask;
		vmx->kernel_gs_base = x->kernel_gs_base;
		vmcs_write32(VMCS_GUEST_SYSENTER_CS, x->sysenter_cs);
		vmcs_writel(VMCS_GUEST_SYSENTER_ESP, x->sysenter_esp);
		vmcs_writel(VMCS_GUEST_SYSENTER_EIP, x->sysenter_eip);
		vmcs_write64(VMCS_GUEST_IA32_PAT, x->pat);
	}
	if (dirty & HVX_REG_EVENTS) {
		u32 intr = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY) &
			   ~(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS |
			     INTERRUPTIBILITY_NMI);

		/* Blocking by STI needs IF=1 (SDM 26.3.1.5); MOV SS does not. */
		if (x->interrupt_shadow)
			intr |= (x->rflags & X86_EFLAGS_IF) ? INTERRUPTIBILITY_STI :
							     INTERRUPTIBILITY_MOV_SS;
		/* Virtual NMIs: blocking by NMI is the guest's NMI mask. */
		if (x->nmi_masked)
			intr |= INTERRUPTIBILITY_NMI;
		vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, intr);
	}
	x->dirty = 0;
}

/*
 * The whole VMCS from scratch: controls, constant host state, and the
 * architectural reset state for the guest. VMCS current, preemption off.
 */
void vmx_set_exception_bitmap(struct vmx_vcpu *vmx, u32 base)
{
	vmx->exc_bitmap_base = base;
	vmx->exc_bitmap = base;
	vmcs_write32(VMCS_EXCEPTION_BITMAP, base);
}

/* Before an entry, VMCS current: KVM_SET_GUEST_DEBUG's #DB and #BP intercepts. */
void vmx_sync_exception_bitmap(struct hvx_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 want = vmx->exc_bitmap_base;

	if (hvx_debug_singlestep(vcpu))
		want |= BIT(VMX_VECTOR_DB);
	if (hvx_debug_intercept_bp(vcpu))
		want |= BIT(VMX_VECTOR_BP);
	if (want != vmx->exc_bitmap) {
		vmx->exc_bitmap = want;
		vmcs_write32(VMCS_EXCEPTION_BITMAP, want);
	}
}

void vmx_init_vmcs(struct hvx_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	if (vmx->vpid)
		vmcs_write16(VMCS_VPID, vmx->vpid);
	vmcs_write32(VMCS_PIN_CONTROLS, vmx_config.pin);
	vmx->proc = vmx_config.proc;
	vmcs_write32(VMCS_PROC_CONTROLS, vmx->proc);
	/* VPID 0 with "enable VPID" fails entry (SDM 26.2.1.1): run untagged. */
	vmcs_write32(VMCS_PROC_CONTROLS2,
		     vmx->vpid ? vmx_config.proc2 : vmx_config.proc2 & ~PROC2_VPID);
	vmx->entry = vmx_config.entry;
	vmcs_write32(VMCS_ENTRY_CONTROLS, vmx->entry);
	vmcs_write32(VMCS_EXIT_CONTROLS, vmx_config.exit);
	vmx_set_exception_bitmap(vmx, VMX_EXCEPTION_BITMAP);
	vmcs_write64(VMCS_IO_BITMAP_A, vmx_io_bitmap_a_pa);
	vmcs_write64(VMCS_IO_BITMAP_B, vmx_io_bitmap_b_pa);
	vmcs_write64(VMCS_MSR_BITMAP, vmx_msr_bitmap_pa);
	vmcs_write32(VMCS_PF_ERROR_CODE_MASK, 0);
	vmcs_write32(VMCS_PF_ERROR_CODE_MATCH, 0);
	vmcs_write32(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write32(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VMCS_ENTRY_INTR_INFO, 0);
	if (vmx_config.proc2 & PROC2_PAUSE_LOOP_EXITING) {
		/* KVM's defaults: a spin of ~4096 cycles with PAUSEs under 128 apart. */
		vmcs_write32(VMCS_PLE_GAP, 128);
		vmcs_write32(VMCS_PLE_WINDOW, 4096);
	}
	if (vmx_config.pin & PIN_PREEMPTION_TIMER)
		vmcs_write32(VMCS_PREEMPTION_TIMER_VALUE, vmx_config.preemption_timer);
	if (!hvx_shadow_enabled())
		vmcs_write64(VMCS_EPT_POINTER, vmx->eptp);
	vmcs_write64(VMCS_LINK_POINTER, ~0ULL);	/* no shadow VMCS */
	vmcs_writel(VMCS_CR0_GUEST_HOST_MASK, vmx_config.cr0_host_owned);
	vmcs_writel(VMCS_CR4_GUEST_HOST_MASK, vmx_config.cr4_host_owned);

	/* Host state that never changes; the per-CPU part is in vmx_vcpu_load(). */
	vmcs_write16(VMCS_HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write16(VMCS_HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write16(VMCS_HOST_DS_SELECTOR, 0);
	vmcs_write16(VMCS_HOST_ES_SELECTOR, 0);
	vmcs_write16(VMCS_HOST_FS_SELECTOR, 0);
	vmcs_write16(VMCS_HOST_GS_SELECTOR, 0);
	vmcs_write16(VMCS_HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	vmx->host_fs_sel = vmx->host_gs_sel = 0;
	vmx->host_fs_base = ~0UL;	/* written at the next entry */

	vmcs_write32(VMCS_GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_writel(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write64(VMCS_GUEST_IA32_DEBUGCTL, 0);
	vmx->pdptrs_valid = false;
	if (hvx_shadow_enabled())
		vmx_shadow_init_vmcs(vmx);
	vcpu->x86.avail = 0;
	hvx_x86_reset(vcpu);
}

/* INIT: the VMCS from scratch (the generic code restores what INIT keeps). */
void vmx_vcpu_reset(struct hvx_vcpu *vcpu)
{
	preempt_disable();
	/* VMX off on this CPU: the next entry fails with -EIO anyway. */
	if (!vmx_vcpu_load(to_vmx(vcpu)))
		vmx_init_vmcs(vcpu);
	preempt_enable();
}

int vmx_vcpu_create(struct hvx_vcpu *vcpu)
{
	struct vmx_vcpu *vmx;
	struct page *page;
	int r;

	vmx = kzalloc(sizeof(*vmx), GFP_KERNEL_ACCOUNT);
	if (!vmx)
		return -ENOMEM;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page) {
		kfree(vmx);
		return -ENOMEM;
	}
	vmx->vcpu = vcpu;
	vmx->vmcs = page_address(page);
	vmx->vmcs_pa = page_to_phys(page);
	/* SDM 25.2: the region starts with the VMCS revision identifier. */
	*(u32 *)vmx->vmcs = vmx_config.revision_id;
	vmx->cpu = -1;
	INIT_LIST_HEAD(&vmx->loaded_link);
	vmx->vpid = vmx_vpid_alloc();
	vmx->eptp = hvx_tdp_root_pa(vcpu->vm) | EPTP_MEMTYPE_WB | EPTP_WALK_LENGTH_4 |
		    (vmx_config.ept_ad ? EPTP_AD_ENABLE : 0);
	vcpu->arch = vmx;

	preempt_disable();
	/* A new VMCS must be made clear before its first VMPTRLD (SDM 25.11.3). */
	r = vmx_vmclear(vmx->vmcs_pa);
	if (!r)
		r = vmx_vcpu_load(vmx);
	if (!r)
		vmx_init_vmcs(vcpu);
	preempt_enable();
	if (r) {
		pr_err("cannot set up a VMCS on CPU %d\n", raw_smp_processor_id());
		vmx_vcpu_free(vcpu);
	}
	return r;
}

void vmx_vcpu_free(struct hvx_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	if (!vmx)
		return;
	vmx_vcpu_clear(vmx);
	vmx_vpid_free(vmx->vpid);
	free_page((unsigned long)vmx->vmcs);
	kfree(vmx);
	vcpu->arch = NULL;
}
