// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vendor-neutral x86 vCPU state: the class cache (see hvx_x86.h), the
 * architectural reset state and the consistency rules both backends
 * enforce before an entry, so that bad state from the VMM is refused with
 * EINVAL and a named rule rather than a failed VMRUN/VMLAUNCH.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/cpufeature.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include "hvx_core.h"
#include "emulate.h"
#include "shadow.h"

void hvx_x86_get(struct hvx_vcpu *vcpu, u32 classes)
{
	u32 missing = classes & ~vcpu->x86.avail;

	if (missing) {
		hvx_arch->cache_regs(vcpu, missing);
		vcpu->x86.avail |= missing;
	}
}

void hvx_x86_put(struct hvx_vcpu *vcpu, u32 classes)
{
	vcpu->x86.avail |= classes;
	vcpu->x86.dirty |= classes;
}

static void hvx_seg_set(struct kvm_segment *s, u16 sel, u64 base, u8 type, bool code_or_data)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = base;
	s->limit = 0xffff;
	s->type = type;
	s->s = code_or_data;
	s->present = 1;
}

/* Power-on/RESET state (SDM vol. 3 table 10-1, APM vol. 2 table 14-1). */
void hvx_x86_reset(struct hvx_vcpu *vcpu)
{
	struct hvx_x86 *x = &vcpu->x86;
	int i;

	memset(x->gprs, 0, sizeof(x->gprs));
	x->gprs[HVX_RDX] = 0x600;	/* family/model/stepping, as KVM reports */
	x->rip = 0xfff0;
	x->rflags = X86_EFLAGS_FIXED;
	/* kvmclock and steal time stop writing guest memory (KVM's reset, INIT too). */
	vcpu->pv.system_time = 0;
	vcpu->pv.steal_time = 0;

	hvx_seg_set(&x->seg[HVX_X86_CS], 0xf000, 0xffff0000, 0xb, true);
	for (i = HVX_X86_ES; i <= HVX_X86_GS; i++)
		if (i != HVX_X86_CS)
			hvx_seg_set(&x->seg[i], 0, 0, 0x3, true);
	hvx_seg_set(&x->seg[HVX_X86_LDTR], 0, 0, 0x2, false);
	hvx_seg_set(&x->seg[HVX_X86_TR], 0, 0, 0xb, false);
	x->gdt = (struct kvm_dtable){ .limit = 0xffff };
	x->idt = (struct kvm_dtable){ .limit = 0xffff };
	x->cpl = 0;

	x->cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
	x->cr2 = x->cr3 = x->cr4 = x->efer = 0;
	x->dr6 = 0xffff0ff0;
	x->dr7 = 0x400;
	memset(x->db, 0, sizeof(x->db));
	x->star = x->lstar = x->cstar = x->sfmask = x->kernel_gs_base = 0;
	x->sysenter_cs = x->sysenter_esp = x->sysenter_eip = 0;
	x->pat = 0x0007040600070406ULL;
	x->interrupt_shadow = false;
	x->cr8 = 0;
	x->xcr0 = XFEATURE_MASK_FP;
	x->apic_base = 0xfee00000ULL | MSR_IA32_APICBASE_ENABLE |
		       (vcpu->id == vcpu->vm->bsp_vcpu_id ? MSR_IA32_APICBASE_BSP : 0);
	x->tsc_aux = 0;
	x->spec_ctrl = 0;
	x->misc_enable = MSR_IA32_MISC_ENABLE_BTS_UNAVAIL | MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL;
	x->mtrr_def_type = 0;
	memset(x->mtrr_fixed, 0, sizeof(x->mtrr_fixed));
	memset(x->mtrr_var, 0, sizeof(x->mtrr_var));
	x->nmi_masked = false;
	memset(&x->exception, 0, sizeof(x->exception));
	memset(&x->interrupt, 0, sizeof(x->interrupt));
	x->nmi_injected = false;
	x->nmi_pending = 0;
	x->event_insn_len = 0;
	x->pending = HVX_PENDING_NONE;
	hvx_x86_put(vcpu, HVX_REG_ALL);
}

int hvx_x86_cpu_mode(struct hvx_vcpu *vcpu)
{
	struct hvx_x86 *x = &vcpu->x86;

	hvx_x86_get(vcpu, HVX_REG_SEGS | HVX_REG_CRS);
	if (!(x->cr0 & X86_CR0_PE))
		return HVX_MODE_REAL;
	if (x->rflags & X86_EFLAGS_VM)
		return HVX_MODE_VM86;
	if ((x->efer & EFER_LMA) && x->seg[HVX_X86_CS].l)
		return HVX_MODE_LONG64;
	return x->seg[HVX_X86_CS].db ? HVX_MODE_PROT32 : HVX_MODE_PROT16;
}

/* EFER bits a guest may have: no SVME, since hvx hides SVM (no nesting). */
bool hvx_x86_efer_valid(u64 efer)
{
	u64 allowed = EFER_SCE | EFER_LME | EFER_LMA | EFER_NX;

	return !(efer & ~allowed);
}

static u64 hvx_cr4_allowed(void)
{
	u64 allowed = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE |
		      X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE |
		      X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;

	if (boot_cpu_has(X86_FEATURE_UMIP))
		allowed |= X86_CR4_UMIP;
	if (boot_cpu_has(X86_FEATURE_FSGSBASE))
		allowed |= X86_CR4_FSGSBASE;
	/*
	 * Under shadow paging PCIDs are the guest's alone: the CPU runs on
	 * shadow roots with its own CR4.PCIDE clear (shadow.c), so the
	 * guest may have them whatever the CPU offers.
	 */
	if (boot_cpu_has(X86_FEATURE_PCID) || hvx_shadow_enabled())
		allowed |= X86_CR4_PCIDE;
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		allowed |= X86_CR4_OSXSAVE;
	if (boot_cpu_has(X86_FEATURE_SMEP))
		allowed |= X86_CR4_SMEP;
	if (boot_cpu_has(X86_FEATURE_SMAP))
		allowed |= X86_CR4_SMAP;
	return allowed;
}

bool hvx_x86_cr4_valid(u64 cr4)
{
	return !(cr4 & ~hvx_cr4_allowed());
}

/* MOV to CR4 of @val from the guest's current state: false for #GP(0). */
bool hvx_x86_cr4_write_ok(const struct hvx_x86 *x, u64 val)
{
	if (!hvx_x86_cr4_valid(val))
		return false;
	if ((x->efer & EFER_LMA) && !(val & X86_CR4_PAE))
		return false;
	if ((val & X86_CR4_PCIDE) && !(x->efer & EFER_LMA))
		return false;
	/* PCIDE may be set only while the current PCID (CR3[11:0]) is 0. */
	if ((val & X86_CR4_PCIDE) && !(x->cr4 & X86_CR4_PCIDE) && (x->cr3 & 0xfff))
		return false;
	return true;
}

static int hvx_state_bad(struct hvx_vcpu *vcpu, const char *field, const char *rule)
{
	struct hvx_state_error *e = &vcpu->x86.state_error;

	strscpy(e->field, field, sizeof(e->field));
	strscpy(e->rule, rule, sizeof(e->rule));
	return -EINVAL;
}

/* The physical-address width the guest's CR3 must fit in. */
static u8 hvx_maxphyaddr(void)
{
	return boot_cpu_data.x86_phys_bits;
}

/*
 * The checks of SDM vol. 3 26.3.1 and APM vol. 2 15.5.1 that can fail
 * for state a VMM supplies, in one place for both vendors.
 */
int hvx_x86_check_state(struct hvx_vcpu *vcpu)
{
	struct hvx_x86 *x = &vcpu->x86;
	const struct kvm_segment *cs;
	bool long_mode;

	hvx_x86_get(vcpu, HVX_REG_SEGS | HVX_REG_CRS | HVX_REG_DRS);
	cs = &x->seg[HVX_X86_CS];
	if (x->cr0 >> 32)
		return hvx_state_bad(vcpu, "cr0", "bits 63:32 are reserved and must be 0");
	if ((x->cr0 & X86_CR0_PG) && !(x->cr0 & X86_CR0_PE))
		return hvx_state_bad(vcpu, "cr0", "CR0.PG set requires CR0.PE");
	if ((x->cr0 & X86_CR0_NW) && !(x->cr0 & X86_CR0_CD))
		return hvx_state_bad(vcpu, "cr0", "CR0.NW set requires CR0.CD");
	if (!hvx_x86_cr4_valid(x->cr4))
		return hvx_state_bad(vcpu, "cr4", "sets a bit this CPU or hvx does not support (reserved, VMXE, LA57, PKE, ...)");
	if (!hvx_x86_efer_valid(x->efer))
		return hvx_state_bad(vcpu, "efer", "sets a bit other than SCE, LME, LMA, NXE");
	if ((x->efer & EFER_NX) && !boot_cpu_has(X86_FEATURE_NX))
		return hvx_state_bad(vcpu, "efer", "EFER.NXE set but the CPU has no NX");

	long_mode = (x->efer & EFER_LME) && (x->cr0 & X86_CR0_PG);
	if (long_mode) {
		if (!(x->cr4 & X86_CR4_PAE))
			return hvx_state_bad(vcpu, "cr4", "long mode (EFER.LME and CR0.PG) requires CR4.PAE");
		if (!(x->efer & EFER_LMA))
			return hvx_state_bad(vcpu, "efer", "EFER.LMA must be set when EFER.LME and CR0.PG are");
		if (cs->l && cs->db)
			return hvx_state_bad(vcpu, "cs", "CS.L and CS.D must not both be set in long mode");
		if (x->cr3 >> hvx_maxphyaddr())
			return hvx_state_bad(vcpu, "cr3", "sets bits at or above MAXPHYADDR");
	} else {
		if (x->cr3 >> 32)
			return hvx_state_bad(vcpu, "cr3", "bits 63:32 must be 0 outside long mode");
		if (x->efer & EFER_LMA)
			return hvx_state_bad(vcpu, "efer", "EFER.LMA set without both EFER.LME and CR0.PG");
		if (cs->l)
			return hvx_state_bad(vcpu, "cs", "CS.L set outside long mode");
	}
	if ((x->dr6 >> 32) || (x->dr7 >> 32))
		return hvx_state_bad(vcpu, "dr6/dr7", "bits 63:32 are reserved and must be 0");
	if (cs->present && !cs->s)
		return hvx_state_bad(vcpu, "cs", "CS must be a code or data segment (S=1)");
	return 0;
}

/*
 * Before an entry: also the rules KVM_SET_SREGS leaves to the CPU (KVM
 * takes such state and the entry fails, as VMX's checks require).
 */
int hvx_x86_check_entry_state(struct hvx_vcpu *vcpu)
{
	struct hvx_x86 *x = &vcpu->x86;
	int r = hvx_x86_check_state(vcpu);

	if (r)
		return r;
	if ((x->cr4 & X86_CR4_PCIDE) && !(x->efer & EFER_LMA))
		return hvx_state_bad(vcpu, "cr4", "CR4.PCIDE requires long mode");
	return 0;
}
