// SPDX-License-Identifier: GPL-2.0-only
/*
 * VMX without EPT: guests on shadow page tables (arch-x86/mmu/shadow.c).
 *
 * The CPU runs the guest with the CR0, CR3, CR4 and EFER the shadow MMU
 * derives from the guest's (paging always on, CR3 a shadow root), so:
 * - every guest-visible CR0/CR4 bit is host-owned: reads come from the read
 *   shadows (the guest's values), writes that change a bit exit;
 * - MOV to and from CR3 exit (CR3-load/-store exiting, no CR3 targets);
 * - INVLPG exits, and so does every #PF (exception bitmap, PFEC mask and
 *   match 0): the shadow fills it, or reflects the guest's own fault.
 * Without EPT there is no unrestricted guest either, so the CPU cannot run
 * CR0.PE=0: real mode runs in virtual-8086 mode (vmx_vm86.c).
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include "hvx_core.h"
#include "hvx_exit.h"
#include "shadow.h"
#include "vmcs.h"
#include "vmx.h"

#define VMX_VECTOR_PF	14

/* The controls that differ from the EPT setup. VMCS current. */
void vmx_shadow_init_vmcs(struct vmx_vcpu *vmx)
{
	u32 proc2 = vmcs_read32(VMCS_PROC_CONTROLS2);

	vmx->proc |= PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING | PROC_INVLPG_EXITING;
	vmcs_write32(VMCS_PROC_CONTROLS, vmx->proc);
	vmcs_write32(VMCS_PROC_CONTROLS2, proc2 & ~(PROC2_EPT | PROC2_UNRESTRICTED_GUEST));
	vmx_set_exception_bitmap(vmx, VMX_EXCEPTION_BITMAP | BIT(VMX_VECTOR_PF));
	vmcs_writel(VMCS_CR0_GUEST_HOST_MASK, ~0UL);
	vmcs_writel(VMCS_CR4_GUEST_HOST_MASK, ~0UL);
	vmx->vm86_active = false;
}

/*
 * Before each entry, preemptible: pick the shadow root for the guest's
 * CRs now (it may allocate) and remember what the CPU must run with.
 */
void vmx_shadow_prepare(struct hvx_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	hvx_shadow_load(vcpu, &vmx->shadow_hw);
	/* Real mode runs as virtual-8086 mode: PE on, with the TSS's VME help. */
	if (vmx_vm86_wanted(vcpu)) {
		vmx->shadow_hw.cr0 |= X86_CR0_PE;
		vmx->shadow_hw.cr4 |= X86_CR4_VME;
	}
}

/* The CRs and EFER from vmx_shadow_prepare() into the VMCS. VMCS current. */
void vmx_shadow_write_crs(struct hvx_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct hvx_shadow_hw *hw = &vmx->shadow_hw;
	struct hvx_x86 *x = &vcpu->x86;

	vmcs_writel(VMCS_GUEST_CR0, hw->cr0 | vmx_config.cr0_fixed0);
	vmcs_writel(VMCS_CR0_READ_SHADOW, x->cr0);
	vmcs_writel(VMCS_GUEST_CR4, hw->cr4 | vmx_config.cr4_fixed1_set);
	vmcs_writel(VMCS_CR4_READ_SHADOW, x->cr4);
	vmcs_writel(VMCS_GUEST_CR3, hw->cr3);
	vmx_write_efer(vmx, hw->efer);
}

/*
 * The CPU checks the CRs hvx derived, not the guest's: apply VM entry's
 * rules to the guest's state ourselves (KVM_EXIT_FAIL_ENTRY, rule named).
 * 1 if the entry may go ahead.
 */
int vmx_shadow_check_state(struct hvx_vcpu *vcpu)
{
	struct hvx_x86 *x = &vcpu->x86;
	const struct kvm_segment *tr = &x->seg[HVX_X86_TR];
	bool bad_tr;
	int r;

	if (!(x->dirty & (HVX_REG_CRS | HVX_REG_SEGS)))
		return 1;
	/* VMX checks TR in real mode too (SDM 27.3.1.2); vm86 runs on ours. */
	bad_tr = (x->dirty & HVX_REG_SEGS) && vmx_vm86_wanted(vcpu) &&
		 (tr->unusable || !tr->present);
	if (!bad_tr && !hvx_x86_check_entry_state(vcpu))
		return 1;
	r = hvx_exit_fail_entry(vcpu, EXIT_REASON_FAILED_ENTRY | EXIT_REASON_INVALID_STATE);
	if (bad_tr) {
		strscpy(x->state_error.field, "tr.attrib", sizeof(x->state_error.field));
		strscpy(x->state_error.rule, "TR must be usable", sizeof(x->state_error.rule));
	}
	pr_info_ratelimited("vCPU %u: VM entry refused the guest state (%s: %s); rip %#llx cr0 %#llx cr3 %#llx cr4 %#llx efer %#llx\n",
			    vcpu->id, x->state_error.field, x->state_error.rule,
			    x->rip, x->cr0, x->cr3, x->cr4, x->efer);
	return r;
}

/* INVLPG: the exit qualification is the linear address. */
int vmx_shadow_handle_invlpg(struct hvx_vcpu *vcpu)
{
	hvx_shadow_invlpg(vcpu, to_vmx(vcpu)->exit.qualification);
	return hvx_handle_nop(vcpu);	/* retire it */
}

/* #PF: the qualification is the linear address, the error code the CPU's. */
int vmx_shadow_handle_pf(struct hvx_vcpu *vcpu)
{
	struct vmx_exit_info *e = &to_vmx(vcpu)->exit;

	if (vmx_vm86_private_fault(vcpu, e->qualification))
		return 1;
	return hvx_shadow_page_fault(vcpu, e->qualification, e->intr_error);
}
