// SPDX-License-Identifier: GPL-2.0-only
/*
 * Control-register and INVLPG exits under shadow paging. The CPU runs the
 * guest with CRs of hvx's choosing (arch-x86/mmu/shadow.c), so every MOV
 * to or from CR0/CR3/CR4, CLTS, LMSW and INVLPG exits and is carried out
 * here on the guest's own values in vcpu->x86. Without decode assists the
 * instruction is decoded at RIP.
 */
#include <linux/kernel.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include "hvx_core.h"
#include "hvx_exit.h"
#include "emulate.h"
#include "shadow.h"

static bool hvx_long_mode64(struct hvx_vcpu *vcpu)
{
	return hvx_x86_cpu_mode(vcpu) == HVX_MODE_LONG64;
}

/* Retire the decoded instruction (its length is known). */
static int hvx_cr_retire(struct hvx_vcpu *vcpu, const struct hvx_insn *insn)
{
	struct hvx_x86 *x = &vcpu->x86;
	u64 mask = hvx_long_mode64(vcpu) ? ~0ULL : 0xffffffffULL;

	x->next_rip = (x->rip + insn->len) & mask;
	if (hvx_skip_insn(vcpu))
		return hvx_exit_unexpected(vcpu, 0);
	return 1;
}

/* MOV to CR0 (also CLTS, LMSW): SDM vol. 2 "MOV - Move to/from CRs". */
static bool hvx_set_cr0(struct hvx_vcpu *vcpu, u64 val)
{
	struct hvx_x86 *x = &vcpu->x86;
	u64 old = x->cr0;

	val |= X86_CR0_ET;	/* hardwired to 1 */
	if (val >> 32)
		return false;
	if ((val & X86_CR0_PG) && !(val & X86_CR0_PE))
		return false;
	if ((val & X86_CR0_NW) && !(val & X86_CR0_CD))
		return false;
	if (!(old & X86_CR0_PG) && (val & X86_CR0_PG) && (x->efer & EFER_LME)) {
		hvx_x86_get(vcpu, HVX_REG_SEGS);
		if (!(x->cr4 & X86_CR4_PAE) || x->seg[HVX_X86_CS].l)
			return false;
		x->efer |= EFER_LMA;
	}
	if ((old & X86_CR0_PG) && !(val & X86_CR0_PG)) {
		if (x->cr4 & X86_CR4_PCIDE)
			return false;
		if (hvx_long_mode64(vcpu))	/* only from compatibility mode */
			return false;
		x->efer &= ~EFER_LMA;
	}
	x->cr0 = val;
	hvx_x86_put(vcpu, HVX_REG_CRS);
	return true;
}

/*
 * MOV to CR3 (of the operand size already applied). With CR4.PCIDE, bit 63
 * asks the CPU to keep the new PCID's TLB entries; it is not stored. hvx
 * flushes anyway: shadow roots are in sync with the guest's tables, so
 * only the CPU's own TLB is flushed, which keeping nothing is allowed to.
 */
bool hvx_set_cr3(struct hvx_vcpu *vcpu, u64 val)
{
	struct hvx_x86 *x = &vcpu->x86;

	if (x->efer & EFER_LMA) {
		if (x->cr4 & X86_CR4_PCIDE)
			val &= ~BIT_ULL(63);
		if (val >> boot_cpu_data.x86_phys_bits)
			return false;
	} else {
		val &= 0xffffffffULL;
	}
	x->cr3 = val;
	hvx_x86_put(vcpu, HVX_REG_CRS);
	hvx_shadow_flush(vcpu);
	return true;
}

static int hvx_mov_from_cr(struct hvx_vcpu *vcpu, const struct hvx_insn *insn)
{
	struct hvx_x86 *x = &vcpu->x86;
	u64 val;

	switch (insn->reg) {
	case 0: val = x->cr0; break;
	case 2: val = x->cr2; break;
	case 3: val = x->cr3; break;
	case 4: val = x->cr4; break;
	case 8: val = x->cr8; break;
	default:
		hvx_inject_ud(vcpu);
		return 1;
	}
	if (!hvx_long_mode64(vcpu))
		val = (u32)val;
	x->gprs[insn->rm] = val;
	return hvx_cr_retire(vcpu, insn);
}

static int hvx_mov_to_cr(struct hvx_vcpu *vcpu, const struct hvx_insn *insn)
{
	struct hvx_x86 *x = &vcpu->x86;
	u64 val = x->gprs[insn->rm];
	bool ok;

	if (!hvx_long_mode64(vcpu))
		val = (u32)val;
	switch (insn->reg) {
	case 0: ok = hvx_set_cr0(vcpu, val); break;
	case 3: ok = hvx_set_cr3(vcpu, val); break;
	case 4:
		x->next_rip = 0;
		return hvx_handle_mov_to_cr4(vcpu, insn->rm);
	default:
		return hvx_exit_unexpected(vcpu, 0);
	}
	if (!ok) {
		hvx_inject_gp(vcpu, 0);
		return 1;
	}
	return hvx_cr_retire(vcpu, insn);
}

int hvx_handle_cr_access(struct hvx_vcpu *vcpu)
{
	struct hvx_x86 *x = &vcpu->x86;
	struct hvx_insn insn;
	int r;

	r = hvx_decode_at_rip(vcpu, &insn);
	if (r)
		return r == -EFAULT ? 1 : hvx_exit_unexpected(vcpu, 0);
	hvx_x86_get(vcpu, HVX_REG_CRS | HVX_REG_SEGS);
	if (insn.map != HVX_MAP_0F)
		return hvx_exit_unexpected(vcpu, 0);
	/* Privilege is checked before the intercept, but be exact anyway. */
	if (x->cpl != 0 && !(insn.opcode == 0x01 && insn.reg == 4)) {
		hvx_inject_gp(vcpu, 0);
		return 1;
	}
	switch (insn.opcode) {
	case 0x20:
		return hvx_mov_from_cr(vcpu, &insn);
	case 0x22:
		return hvx_mov_to_cr(vcpu, &insn);
	case 0x06:	/* CLTS */
		if (!hvx_set_cr0(vcpu, x->cr0 & ~X86_CR0_TS))
			return hvx_exit_unexpected(vcpu, 0);
		return hvx_cr_retire(vcpu, &insn);
	case 0x01:
		/* LMSW from a register: PE can be set, not cleared; MP/EM/TS. */
		if (insn.reg == 6 && insn.mod == 3) {
			u64 msw = x->gprs[insn.rm] & 0xf;

			msw |= x->cr0 & X86_CR0_PE;
			if (!hvx_set_cr0(vcpu, (x->cr0 & ~0xeULL) | msw))
				return hvx_exit_unexpected(vcpu, 0);
			return hvx_cr_retire(vcpu, &insn);
		}
		break;
	}
	return hvx_exit_unexpected(vcpu, 0);
}

/* The linear address of a decoded instruction's ModRM memory operand. */
u64 hvx_insn_linear(struct hvx_vcpu *vcpu, const struct hvx_insn *insn)
{
	struct hvx_x86 *x = &vcpu->x86;
	u64 ea = (u64)insn->disp, base = 0;

	if (insn->base != HVX_REG_NONE)
		ea += x->gprs[insn->base];
	if (insn->index != HVX_REG_NONE)
		ea += x->gprs[insn->index] * insn->scale;
	if (insn->rip_relative)
		ea += x->rip + insn->len;
	if (insn->addr_size == 2)
		ea &= 0xffff;
	else if (insn->addr_size == 4)
		ea &= 0xffffffffULL;
	hvx_x86_get(vcpu, HVX_REG_SEGS);
	/* In 64-bit mode only FS and GS have a base. */
	if (insn->mode != HVX_MODE_LONG64 || insn->seg == HVX_SEG_FS ||
	    insn->seg == HVX_SEG_GS)
		base = x->seg[insn->seg].base;
	ea += base;
	return insn->mode == HVX_MODE_LONG64 ? ea : (ea & 0xffffffffULL);
}

int hvx_handle_invlpg(struct hvx_vcpu *vcpu)
{
	struct hvx_insn insn;
	int r;

	r = hvx_decode_at_rip(vcpu, &insn);
	if (r)
		return r == -EFAULT ? 1 : hvx_exit_unexpected(vcpu, 0);
	if (insn.map != HVX_MAP_0F || insn.opcode != 0x01 || insn.reg != 7 ||
	    !insn.has_mem)
		return hvx_exit_unexpected(vcpu, 0);
	hvx_x86_get(vcpu, HVX_REG_CRS | HVX_REG_SEGS);
	if (vcpu->x86.cpl != 0) {
		hvx_inject_gp(vcpu, 0);
		return 1;
	}
	hvx_shadow_invlpg(vcpu, hvx_insn_linear(vcpu, &insn));
	return hvx_cr_retire(vcpu, &insn);
}

/*
 * INVPCID (exits with INVLPG under shadow paging): the emulator checks it
 * and reads the descriptor, emu_invpcid() (hvx_emul.c) flushes.
 */
int hvx_handle_invpcid(struct hvx_vcpu *vcpu)
{
	return hvx_emulate(vcpu, 0);
}
