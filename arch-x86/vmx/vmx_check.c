// SPDX-License-Identifier: GPL-2.0-only
/*
 * Saying why a VM entry failed: the names of the VM-instruction errors
 * (Intel SDM vol. 3, 31.4) and hvx's own check of the guest-state rules
 * of SDM 27.3.1 ("Checks on the guest state area"), run on the VMCS
 * exactly as the CPU saw it when it refused the entry with exit reason 33.
 * The generic rules (hvx_x86_check_entry_state) are tried first by the caller;
 * these are the ones only VMX has: access-rights encodings, fixed CR
 * bits, the entry controls and the interruptibility state.
 */
#include <linux/kernel.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include "vmx.h"

static const char *const vmx_insn_errors[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_name(u32 error)
{
	if (error < ARRAY_SIZE(vmx_insn_errors) && vmx_insn_errors[error])
		return vmx_insn_errors[error];
	return "unknown VM-instruction error";
}

/* The VMCS guest state the checks look at, read once. */
struct vmx_guest {
	unsigned long cr0, cr4, rflags, rip, dr7;
	u64 efer, link, pat;
	u32 entry, intr, activity, entry_intr;
	u16 sel[HVX_X86_NR_SEGS];
	u32 ar[HVX_X86_NR_SEGS], limit[HVX_X86_NR_SEGS];
	u32 gdt_limit, idt_limit;
};

static const enum vmcs_field vmx_check_sel[HVX_X86_NR_SEGS] = {
	VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_CS_SELECTOR, VMCS_GUEST_SS_SELECTOR,
	VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_GS_SELECTOR,
	VMCS_GUEST_TR_SELECTOR, VMCS_GUEST_LDTR_SELECTOR,
};
static const enum vmcs_field vmx_check_ar[HVX_X86_NR_SEGS] = {
	VMCS_GUEST_ES_AR, VMCS_GUEST_CS_AR, VMCS_GUEST_SS_AR, VMCS_GUEST_DS_AR,
	VMCS_GUEST_FS_AR, VMCS_GUEST_GS_AR, VMCS_GUEST_TR_AR, VMCS_GUEST_LDTR_AR,
};
static const enum vmcs_field vmx_check_limit[HVX_X86_NR_SEGS] = {
	VMCS_GUEST_ES_LIMIT, VMCS_GUEST_CS_LIMIT, VMCS_GUEST_SS_LIMIT,
	VMCS_GUEST_DS_LIMIT, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_GS_LIMIT,
	VMCS_GUEST_TR_LIMIT, VMCS_GUEST_LDTR_LIMIT,
};
static const char *const vmx_seg_names[HVX_X86_NR_SEGS] = {
	"es.attrib", "cs.attrib", "ss.attrib", "ds.attrib", "fs.attrib",
	"gs.attrib", "tr.attrib", "ldt.attrib",
};

static void vmx_read_guest(struct vmx_guest *g)
{
	int i;

	g->cr0 = vmcs_readl(VMCS_GUEST_CR0);
	g->cr4 = vmcs_readl(VMCS_GUEST_CR4);
	g->rflags = vmcs_readl(VMCS_GUEST_RFLAGS);
	g->rip = vmcs_readl(VMCS_GUEST_RIP);
	g->dr7 = vmcs_readl(VMCS_GUEST_DR7);
	g->efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
	g->pat = vmcs_read64(VMCS_GUEST_IA32_PAT);
	g->link = vmcs_read64(VMCS_LINK_POINTER);
	g->entry = vmcs_read32(VMCS_ENTRY_CONTROLS);
	g->intr = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);
	g->activity = vmcs_read32(VMCS_GUEST_ACTIVITY_STATE);
	for (i = 0; i < HVX_X86_NR_SEGS; i++) {
		g->sel[i] = __vmcs_read(vmx_check_sel[i]);
		g->ar[i] = __vmcs_read(vmx_check_ar[i]);
		g->limit[i] = __vmcs_read(vmx_check_limit[i]);
	}
	g->gdt_limit = vmcs_read32(VMCS_GUEST_GDTR_LIMIT);
	g->idt_limit = vmcs_read32(VMCS_GUEST_IDTR_LIMIT);
}

#define BAD(f, r) do { *field = (f); *rule = (r); return true; } while (0)

/* Limit vs granularity (SDM 27.3.1.2), for CS, TR and usable segments. */
static bool vmx_limit_ok(u32 limit, u32 ar)
{
	if ((limit & 0xfff) != 0xfff && (ar & VMX_AR_G))
		return false;
	if ((limit & 0xfff00000) && !(ar & VMX_AR_G))
		return false;
	return true;
}

static bool vmx_check_segs(const struct vmx_guest *g, bool ia32e, bool pe,
			   const char **field, const char **rule)
{
	u32 cs = g->ar[HVX_X86_CS], ss = g->ar[HVX_X86_SS];
	u32 cs_type = cs & VMX_AR_TYPE_MASK, ss_dpl, cs_dpl;
	u32 tr = g->ar[HVX_X86_TR], ldt = g->ar[HVX_X86_LDTR];
	int i;

	if (cs & VMX_AR_UNUSABLE)
		BAD("cs.attrib", "CS must be usable");
	if (cs_type != 3 && cs_type != 9 && cs_type != 11 && cs_type != 13 && cs_type != 15)
		BAD("cs.attrib", "CS type must be 9, 11, 13 or 15 (accessed code), or 3 with unrestricted guest");
	cs_dpl = (cs & VMX_AR_DPL_MASK) >> VMX_AR_DPL_SHIFT;
	ss_dpl = (ss & VMX_AR_DPL_MASK) >> VMX_AR_DPL_SHIFT;
	if (cs_type == 3 && cs_dpl != 0)
		BAD("cs.attrib", "a CS of type 3 (real mode) must have DPL 0");
	if ((cs_type == 9 || cs_type == 11) && cs_dpl != ss_dpl)
		BAD("cs.attrib", "non-conforming CS: DPL must equal SS.DPL");
	if ((cs_type == 13 || cs_type == 15) && cs_dpl > ss_dpl)
		BAD("cs.attrib", "conforming CS: DPL must not exceed SS.DPL");
	if (ia32e && (cs & VMX_AR_L) && (cs & VMX_AR_DB))
		BAD("cs.attrib", "in IA-32e mode, CS.L and CS.D must not both be set");
	if (!(ss & VMX_AR_UNUSABLE)) {
		u32 t = ss & VMX_AR_TYPE_MASK;

		if (t != 3 && t != 7)
			BAD("ss.attrib", "a usable SS must be a read/write, accessed data segment (type 3 or 7)");
	}
	if (!pe && ss_dpl != 0)
		BAD("ss.attrib", "with CR0.PE=0, SS.DPL must be 0");
	/* SS.DPL = SS.RPL holds only without unrestricted guest, which hvx always has. */

	for (i = 0; i < HVX_X86_NR_SEGS; i++) {
		u32 ar = g->ar[i];

		if (i == HVX_X86_TR || i == HVX_X86_LDTR || (ar & VMX_AR_UNUSABLE))
			continue;
		if (!(ar & VMX_AR_TYPE_ACCESSED))
			BAD(vmx_seg_names[i], "a usable code/data segment must have its accessed bit (type bit 0) set");
		if ((ar & 8) && !(ar & 2) && i != HVX_X86_CS)
			BAD(vmx_seg_names[i], "a code segment in a data-segment register must be readable");
		if (!(ar & VMX_AR_S))
			BAD(vmx_seg_names[i], "a usable code/data segment must have S=1");
		if (!(ar & VMX_AR_P))
			BAD(vmx_seg_names[i], "a usable segment must be present (P=1)");
		if (ar & (VMX_AR_RESERVED_LOW | VMX_AR_RESERVED_HIGH))
			BAD(vmx_seg_names[i], "access-rights bits 11:8 and 31:17 are reserved");
		if (!vmx_limit_ok(g->limit[i], ar))
			BAD(vmx_seg_names[i], "limit and granularity disagree: G=1 needs limit bits 11:0 all 1, limit above 1 MiB needs G=1");
	}

	if (tr & VMX_AR_UNUSABLE)
		BAD("tr.attrib", "TR must be usable");
	if ((tr & VMX_AR_TYPE_MASK) != 11 && ((tr & VMX_AR_TYPE_MASK) != 3 || ia32e))
		BAD("tr.attrib", "TR must be a busy TSS: type 11, or 3 (16-bit) outside IA-32e mode");
	if (tr & VMX_AR_S)
		BAD("tr.attrib", "TR must be a system segment (S=0)");
	if (!(tr & VMX_AR_P))
		BAD("tr.attrib", "TR must be present");
	if (g->sel[HVX_X86_TR] & 4)
		BAD("tr.selector", "the TR selector must point into the GDT (TI=0)");
	if (!vmx_limit_ok(g->limit[HVX_X86_TR], tr))
		BAD("tr.attrib", "limit and granularity disagree");
	if (!(ldt & VMX_AR_UNUSABLE)) {
		if ((ldt & VMX_AR_TYPE_MASK) != 2 || (ldt & VMX_AR_S) || !(ldt & VMX_AR_P))
			BAD("ldt.attrib", "a usable LDTR must be a present LDT descriptor (type 2, S=0, P=1)");
		if (g->sel[HVX_X86_LDTR] & 4)
			BAD("ldt.selector", "the LDTR selector must point into the GDT (TI=0)");
	}
	if (g->gdt_limit >> 16 || g->idt_limit >> 16)
		BAD("gdt/idt", "GDTR and IDTR limits are 16 bits");
	return false;
}

static bool vmx_check(const struct vmx_guest *g, const char **field, const char **rule)
{
	bool ia32e = g->entry & ENTRY_IA32E_MODE_GUEST;
	bool pe = g->cr0 & X86_CR0_PE;
	u64 fixed0 = vmx_config.cr0_fixed0 & ~(u64)(X86_CR0_PE | X86_CR0_PG);
	u32 type;
	int i;

	if ((g->cr0 & fixed0) != fixed0 || (g->cr0 & ~vmx_config.cr0_fixed1))
		BAD("cr0", "violates IA32_VMX_CR0_FIXED0/FIXED1 (PE and PG exempt with unrestricted guest)");
	if ((g->cr0 & X86_CR0_PG) && !pe)
		BAD("cr0", "CR0.PG set requires CR0.PE");
	if ((g->cr4 & vmx_config.cr4_fixed0) != vmx_config.cr4_fixed0 ||
	    (g->cr4 & ~vmx_config.cr4_fixed1))
		BAD("cr4", "violates IA32_VMX_CR4_FIXED0/FIXED1");
	if (ia32e && (!(g->cr0 & X86_CR0_PG) || !(g->cr4 & X86_CR4_PAE)))
		BAD("entry controls", "IA-32e mode guest requires CR0.PG and CR4.PAE");
	if (!ia32e && (g->cr4 & X86_CR4_PCIDE))
		BAD("cr4", "CR4.PCIDE requires IA-32e mode");
	if (g->dr7 >> 32)
		BAD("dr7", "bits 63:32 must be 0");
	if (!!(g->efer & EFER_LMA) != ia32e)
		BAD("efer", "EFER.LMA must equal the IA-32e mode guest entry control");
	if ((g->cr0 & X86_CR0_PG) && !!(g->efer & EFER_LME) != !!(g->efer & EFER_LMA))
		BAD("efer", "with CR0.PG set, EFER.LME must equal EFER.LMA");
	if (g->link != ~0ULL)
		BAD("vmcs link pointer", "must be all ones without VMCS shadowing");

	if (vmx_check_segs(g, ia32e, pe, field, rule))
		return true;

	if (!ia32e || !(g->ar[HVX_X86_CS] & VMX_AR_L)) {
		if (g->rip >> 32)
			BAD("rip", "bits 63:32 must be 0 outside 64-bit mode");
	}
	if ((g->rflags >> 22) || (g->rflags & (BIT(15) | BIT(5) | BIT(3))) ||
	    !(g->rflags & X86_EFLAGS_FIXED))
		BAD("rflags", "reserved bits 63:22, 15, 5 and 3 must be 0 and bit 1 must be 1");
	if ((g->rflags & X86_EFLAGS_VM) && (ia32e || !pe))
		BAD("rflags", "RFLAGS.VM requires protected mode outside IA-32e mode");

	if (g->activity != GUEST_ACTIVITY_ACTIVE)
		BAD("activity state", "hvx only runs guests in the active state");
	if (g->intr >> 5)
		BAD("interruptibility", "bits 31:5 are reserved");
	if ((g->intr & INTERRUPTIBILITY_STI) && (g->intr & INTERRUPTIBILITY_MOV_SS))
		BAD("interruptibility", "blocking by STI and by MOV SS cannot both be set");
	if ((g->intr & INTERRUPTIBILITY_STI) && !(g->rflags & X86_EFLAGS_IF))
		BAD("interruptibility", "blocking by STI requires RFLAGS.IF=1");
	if (g->entry_intr & INTR_INFO_VALID) {
		type = g->entry_intr & INTR_INFO_TYPE_MASK;
		if (type == INTR_TYPE_EXT_INTR &&
		    (!(g->rflags & X86_EFLAGS_IF) ||
		     (g->intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))))
			BAD("event injection", "an external interrupt needs RFLAGS.IF=1 and no STI/MOV SS blocking");
		if (type == INTR_TYPE_NMI && (g->intr & INTERRUPTIBILITY_MOV_SS))
			BAD("event injection", "an NMI cannot be injected under MOV SS blocking");
		if (type == INTR_TYPE_HW_EXCEPTION && !pe && (g->entry_intr & INTR_INFO_ERROR_VALID))
			BAD("event injection", "exceptions deliver no error code in real mode");
	}
	for (i = 0; i < 8; i++) {
		u8 mt = g->pat >> (i * 8);

		/* UC, WC, WT, WP, WB, UC- (SDM 26.3.1.1); 2, 3 and above 7 are reserved. */
		if (mt > 7 || mt == 2 || mt == 3)
			BAD("pat", "each PAT entry must be a valid memory type (0, 1, 4, 5, 6 or 7)");
	}
	return false;
}

/*
 * The first broken rule in the current guest state, in *field and *rule,
 * or false if hvx cannot tell what the CPU objected to.
 */
bool vmx_check_guest_state(struct hvx_vcpu *vcpu, const char **field,
			   const char **rule)
{
	struct vmx_guest g;
	bool bad = false;

	preempt_disable();
	if (!vmx_vcpu_load(to_vmx(vcpu))) {
		vmx_read_guest(&g);
		g.entry_intr = to_vmx(vcpu)->exit.failed_entry_intr;
		bad = vmx_check(&g, field, rule);
	}
	preempt_enable();
	return bad;
}
