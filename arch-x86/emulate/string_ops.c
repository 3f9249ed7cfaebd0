// SPDX-License-Identifier: GPL-2.0-only
/*
 * String instructions (MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS) with
 * REP/REPE/REPNE and the direction flag, plus IN/OUT.
 *
 * A REP instruction may run for 2^64 iterations, so at most rep_budget
 * elements are processed per call; then rCX/rSI/rDI are committed, RIP
 * stays on the instruction and HVX_EMU_YIELD asks the caller to come back
 * (after handling interrupts, signals, need_resched), exactly like a CPU
 * interrupting a REP string instruction.
 */
#include "emulate_internal.h"

enum string_kind { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS,
		   STR_INS, STR_OUTS };

struct string_state {
	enum string_kind kind;
	unsigned int size;	/* element size */
	unsigned int asize;	/* address size */
	u8 src_seg;
	bool rep;
	u64 rsi, rdi, rcx;
	s64 step;		/* +size or -size by DF */
	u64 flags;		/* arithmetic flags of CMPS/SCAS */
	bool flags_valid;
};

static enum string_kind string_kind_of(u8 op)
{
	switch (op & ~1) {
	case 0xa4: return STR_MOVS;
	case 0xa6: return STR_CMPS;
	case 0xaa: return STR_STOS;
	case 0xac: return STR_LODS;
	case 0xae: return STR_SCAS;
	case 0x6c: return STR_INS;
	default:   return STR_OUTS;
	}
}

static unsigned int io_size(const struct hvx_insn *insn)
{
	return insn->op_size == 8 ? 4 : insn->op_size;
}

/* One iteration; registers advance only if it completes. */
static int string_step(struct hvx_emu_ctxt *ctxt, struct string_state *st)
{
	u64 amask = size_mask(st->asize), src = 0, dst = 0, res;
	struct mem_ref sref, dref;
	u32 pio = 0;
	int r = HVX_EMU_OK;

	switch (st->kind) {
	case STR_MOVS:
		r = emu_mem_prepare(ctxt, st->src_seg, st->rsi, st->size, 0,
				    &sref);
		if (!r)
			r = emu_mem_prepare(ctxt, HVX_SEG_ES, st->rdi, st->size,
					    HVX_ACC_WRITE, &dref);
		if (!r)
			r = emu_mem_read(ctxt, &sref, &src);
		if (!r)
			r = emu_mem_write(ctxt, &dref, src);
		break;
	case STR_CMPS:
		r = emu_mem_prepare(ctxt, st->src_seg, st->rsi, st->size, 0,
				    &sref);
		if (!r)
			r = emu_mem_prepare(ctxt, HVX_SEG_ES, st->rdi, st->size,
					    0, &dref);
		if (!r)
			r = emu_mem_read(ctxt, &sref, &src);
		if (!r)
			r = emu_mem_read(ctxt, &dref, &dst);
		if (!r) {
			st->flags = emu_flags_sub(src, dst, 0, st->size, &res);
			st->flags_valid = true;
		}
		break;
	case STR_STOS:
		r = emu_mem_prepare(ctxt, HVX_SEG_ES, st->rdi, st->size,
				    HVX_ACC_WRITE, &dref);
		if (!r)
			r = emu_mem_write(ctxt, &dref,
					  emu_reg_read(ctxt, HVX_RAX, st->size));
		break;
	case STR_LODS:
		r = emu_mem_prepare(ctxt, st->src_seg, st->rsi, st->size, 0,
				    &sref);
		if (!r)
			r = emu_mem_read(ctxt, &sref, &src);
		if (!r)
			emu_reg_write(ctxt, HVX_RAX, st->size, src);
		break;
	case STR_SCAS:
		r = emu_mem_prepare(ctxt, HVX_SEG_ES, st->rdi, st->size, 0,
				    &dref);
		if (!r)
			r = emu_mem_read(ctxt, &dref, &dst);
		if (!r) {
			st->flags = emu_flags_sub(emu_reg_read(ctxt, HVX_RAX,
							       st->size),
						  dst, 0, st->size, &res);
			st->flags_valid = true;
		}
		break;
	case STR_INS:
		/* Check the destination first: a fault must not eat port data. */
		r = emu_mem_prepare(ctxt, HVX_SEG_ES, st->rdi, st->size,
				    HVX_ACC_WRITE, &dref);
		if (!r)
			r = ctxt->ops->pio_in(ctxt,
					      (u16)emu_reg_read(ctxt, HVX_RDX, 2),
					      st->size, &pio);
		if (!r)
			r = emu_mem_write(ctxt, &dref, pio);
		break;
	case STR_OUTS:
		r = emu_mem_prepare(ctxt, st->src_seg, st->rsi, st->size, 0,
				    &sref);
		if (!r)
			r = emu_mem_read(ctxt, &sref, &src);
		if (!r)
			r = ctxt->ops->pio_out(ctxt,
					       (u16)emu_reg_read(ctxt, HVX_RDX, 2),
					       st->size, (u32)src);
		break;
	}
	if (r)
		return r;
	if (st->kind == STR_MOVS || st->kind == STR_CMPS ||
	    st->kind == STR_LODS || st->kind == STR_OUTS)
		st->rsi = (st->rsi + (u64)st->step) & amask;
	if (st->kind != STR_LODS && st->kind != STR_OUTS)
		st->rdi = (st->rdi + (u64)st->step) & amask;
	return HVX_EMU_OK;
}

/*
 * REP MOVS between RAM pages, forward, without overlap: one copy_phys per
 * page-bounded chunk instead of one round trip per element.  Returns the
 * number of elements copied (0: take the element path).
 */
static u64 movs_bulk(struct hvx_emu_ctxt *ctxt, struct string_state *st,
		     u64 max_elems)
{
	u64 amask = size_mask(st->asize), bytes, elems;
	struct mem_ref sref, dref;
	unsigned int room_s, room_d, n;

	if (st->step < 0 || !ctxt->ops->copy_phys)
		return 0;
	/* Bytes until either page ends; no wrap of the address size. */
	room_s = PAGE_SIZE_4K - (unsigned int)(st->rsi & (PAGE_SIZE_4K - 1));
	room_d = PAGE_SIZE_4K - (unsigned int)(st->rdi & (PAGE_SIZE_4K - 1));
	n = room_s < room_d ? room_s : room_d;
	elems = n / st->size;
	if (elems > max_elems)
		elems = max_elems;
	if (elems < 2)
		return 0;
	bytes = elems * st->size;
	if (st->rsi + bytes - 1 > amask || st->rdi + bytes - 1 > amask)
		return 0;
	/* Overlap needs element order (a forward overlapping copy smears). */
	if (st->rdi < st->rsi + bytes && st->rsi < st->rdi + bytes)
		return 0;
	if (emu_mem_prepare(ctxt, st->src_seg, st->rsi, (unsigned int)bytes,
			    0, &sref) ||
	    emu_mem_prepare(ctxt, HVX_SEG_ES, st->rdi, (unsigned int)bytes,
			    HVX_ACC_WRITE, &dref))
		return 0;	/* the element path raises the exact fault */
	if (sref.first != bytes || dref.first != bytes)
		return 0;	/* linear page differs from offset page */
	if (dref.gpa[0] < sref.gpa[0] + bytes && sref.gpa[0] < dref.gpa[0] + bytes)
		return 0;
	if (ctxt->ops->copy_phys(ctxt, dref.gpa[0], sref.gpa[0],
				 (unsigned int)bytes))
		return 0;
	st->rsi = (st->rsi + bytes) & amask;
	st->rdi = (st->rdi + bytes) & amask;
	return elems;
}

static void string_commit(struct hvx_emu_ctxt *ctxt,
			  const struct string_state *st, u64 rsi0, u64 rdi0,
			  u64 rcx0)
{
	if (st->rsi != rsi0)
		emu_reg_write_addr(ctxt, HVX_RSI, st->asize, st->rsi);
	if (st->rdi != rdi0)
		emu_reg_write_addr(ctxt, HVX_RDI, st->asize, st->rdi);
	if (st->rep && st->rcx != rcx0)
		emu_reg_write_addr(ctxt, HVX_RCX, st->asize, st->rcx);
	if (st->flags_valid)
		emu_set_arith_flags(ctxt, st->flags);
}

int emu_exec_string(struct hvx_emu_ctxt *ctxt)
{
	const struct hvx_insn *insn = &ctxt->insn;
	struct string_state st = { 0 };
	u64 rsi0, rdi0, rcx0, budget, done;
	int r = HVX_EMU_OK;

	st.kind = string_kind_of(insn->opcode);
	st.size = (st.kind == STR_INS || st.kind == STR_OUTS) ?
		  io_size(insn) : insn->op_size;
	st.asize = insn->addr_size;
	st.src_seg = insn->seg;
	st.rep = insn->rep != HVX_REP_NONE;
	st.step = (ctxt->rflags & HVX_FLAG_DF) ? -(s64)st.size : (s64)st.size;
	st.rsi = rsi0 = emu_reg_read(ctxt, HVX_RSI, st.asize);
	st.rdi = rdi0 = emu_reg_read(ctxt, HVX_RDI, st.asize);
	st.rcx = rcx0 = emu_reg_read(ctxt, HVX_RCX, st.asize);

	if (!st.rep) {
		r = string_step(ctxt, &st);
		if (!r)
			string_commit(ctxt, &st, rsi0, rdi0, rcx0);
		return r;
	}

	budget = ctxt->rep_budget ? ctxt->rep_budget : HVX_REP_DEFAULT_BUDGET;
	/* Bounded: each pass retires >= 1 element of a finite budget. */
	while (st.rcx && budget) {
		if (st.kind == STR_MOVS) {
			u64 max = st.rcx < budget ? st.rcx : budget;

			done = movs_bulk(ctxt, &st, max);
			if (done) {
				st.rcx -= done;
				budget -= done;
				continue;
			}
		}
		r = string_step(ctxt, &st);
		if (r)
			break;
		st.rcx--;
		budget--;
		if (st.kind == STR_CMPS || st.kind == STR_SCAS) {
			bool zf = st.flags & HVX_FLAG_ZF;

			if (insn->rep == HVX_REP_F3 ? !zf : zf)
				break;
		}
	}
	string_commit(ctxt, &st, rsi0, rdi0, rcx0);
	if (r)
		return r;
	if (st.rcx && !budget) {
		bool ended = false;

		if (st.flags_valid && (st.kind == STR_CMPS || st.kind == STR_SCAS)) {
			bool zf = st.flags & HVX_FLAG_ZF;

			ended = insn->rep == HVX_REP_F3 ? !zf : zf;
		}
		if (!ended)
			return HVX_EMU_YIELD;
	}
	return HVX_EMU_OK;
}

/* IN/OUT with an imm8 or DX port. */
int emu_exec_port_io(struct hvx_emu_ctxt *ctxt)
{
	const struct hvx_insn *insn = &ctxt->insn;
	unsigned int size = io_size(insn);
	bool in = !(insn->opcode & 2);
	u16 port;
	u32 val = 0;
	int r;

	if (insn->opcode >= 0xec)
		port = (u16)emu_reg_read(ctxt, HVX_RDX, 2);
	else
		port = (u8)insn->imm;
	if (in) {
		r = ctxt->ops->pio_in(ctxt, port, size, &val);
		if (r)
			return r;
		emu_reg_write(ctxt, HVX_RAX, size, val);
		return HVX_EMU_OK;
	}
	return ctxt->ops->pio_out(ctxt, port, size,
				  (u32)emu_reg_read(ctxt, HVX_RAX, size));
}
