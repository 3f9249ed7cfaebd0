// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86 instruction emulator: operands, segmentation and memory access
 * through struct hvx_emu_ops, flag arithmetic, and execution of the
 * non-string instructions MMIO and intercepts need (MOV forms, MOVZX/
 * MOVSX, ALU ops, INC/DEC/NEG/NOT, XCHG, CMPXCHG, BT*, PUSH/POP, CPUID,
 * RDMSR/WRMSR, HLT, VMCALL/VMMCALL, XSETBV, RDTSC/RDTSCP, INVPCID).
 *
 * Ordering rule that makes HVX_EMU_IO_NEEDED/RETRY/EXCEPTION restartable:
 * every read and every translation happens before the first write, memory
 * is written before registers, and RFLAGS is committed last.
 */
#include "emulate_internal.h"

/* An instruction operand: a register, a memory location or an immediate. */
enum operand_kind { OPK_NONE, OPK_REG, OPK_MEM, OPK_IMM };

struct operand {
	u8 kind;
	u8 size;
	u8 reg;
	bool high8;		/* AH/CH/DH/BH */
	u8 seg;
	u64 ea;			/* effective address (offset in segment) */
	struct mem_ref ref;
	bool prepared;
	u64 val;
};

int emu_raise(struct hvx_emu_ctxt *ctxt, u8 vector, bool has_code, u32 code)
{
	ctxt->exception.vector = vector;
	ctxt->exception.has_error_code = has_code;
	ctxt->exception.error_code = code;
	ctxt->exception.cr2 = 0;
	return HVX_EMU_EXCEPTION;
}

static int emu_ud(struct hvx_emu_ctxt *ctxt)
{
	return emu_raise(ctxt, HVX_VEC_UD, false, 0);
}

/* ------------------------------------------------------------ registers */

u64 emu_reg_read(struct hvx_emu_ctxt *ctxt, unsigned int reg,
		 unsigned int size)
{
	return ctxt->ops->read_gpr(ctxt, reg & 15) & size_mask(size);
}

void emu_reg_write(struct hvx_emu_ctxt *ctxt, unsigned int reg,
		   unsigned int size, u64 val)
{
	u64 old;

	reg &= 15;
	if (size >= 4) {	/* 32-bit writes zero-extend */
		ctxt->ops->write_gpr(ctxt, reg, val & size_mask(size));
		return;
	}
	old = ctxt->ops->read_gpr(ctxt, reg);
	ctxt->ops->write_gpr(ctxt, reg, (old & ~size_mask(size)) |
				       (val & size_mask(size)));
}

void emu_reg_write_addr(struct hvx_emu_ctxt *ctxt, unsigned int reg,
			unsigned int size, u64 val)
{
	emu_reg_write(ctxt, reg, size, val);
}

/* Byte registers 4-7 are AH..BH unless any REX prefix is present. */
static void operand_set_reg(const struct hvx_insn *insn, struct operand *op,
			    unsigned int reg, unsigned int size)
{
	op->kind = OPK_REG;
	op->size = size;
	op->reg = reg;
	op->high8 = size == 1 && !insn->rex && reg >= 4 && reg < 8;
	if (op->high8)
		op->reg = reg - 4;
}

static u64 operand_reg_value(struct hvx_emu_ctxt *ctxt,
			     const struct operand *op)
{
	u64 v = ctxt->ops->read_gpr(ctxt, op->reg);

	if (op->high8)
		return (v >> 8) & 0xff;
	return v & size_mask(op->size);
}

static void operand_reg_store(struct hvx_emu_ctxt *ctxt,
			      const struct operand *op, u64 val)
{
	u64 old;

	if (!op->high8) {
		emu_reg_write(ctxt, op->reg, op->size, val);
		return;
	}
	old = ctxt->ops->read_gpr(ctxt, op->reg);
	ctxt->ops->write_gpr(ctxt, op->reg,
			     (old & ~0xff00ULL) | ((val & 0xff) << 8));
}

/* --------------------------------------------------------- segmentation */

static bool is_canonical(const struct hvx_emu_ctxt *ctxt, u64 la)
{
	unsigned int bits = (ctxt->cr4 & HVX_CR4_LA57) ? 57 : 48;

	return (u64)((s64)(la << (64 - bits)) >> (64 - bits)) == la;
}

#define SEG_TYPE_CODE		HVX_EMU_BIT(3)
#define SEG_TYPE_WRITABLE	HVX_EMU_BIT(1)	/* data segments */
#define SEG_TYPE_READABLE	HVX_EMU_BIT(1)	/* code segments */
#define SEG_TYPE_EXPAND_DOWN	HVX_EMU_BIT(2)	/* data segments */

static int seg_fault(struct hvx_emu_ctxt *ctxt, u8 seg)
{
	return emu_raise(ctxt, seg == HVX_SEG_SS ? HVX_VEC_SS : HVX_VEC_GP,
			 true, 0);
}

/* Protected/real-mode limit and type checks (SDM Vol. 3 5.3, 5.5). */
static int seg_check_legacy(struct hvx_emu_ctxt *ctxt, u8 seg,
			    const struct hvx_segment *s, u64 ea,
			    unsigned int size, bool write)
{
	u64 last = ea + size - 1;
	bool prot = ctxt->cfg.mode == HVX_MODE_PROT16 ||
		    ctxt->cfg.mode == HVX_MODE_PROT32;

	if (prot) {
		if (s->unusable || !s->present)
			return seg_fault(ctxt, seg);
		if (s->type & SEG_TYPE_CODE) {
			if (write || !(s->type & SEG_TYPE_READABLE))
				return seg_fault(ctxt, seg);
		} else if (write && !(s->type & SEG_TYPE_WRITABLE)) {
			return seg_fault(ctxt, seg);
		}
		if (!(s->type & SEG_TYPE_CODE) &&
		    (s->type & SEG_TYPE_EXPAND_DOWN)) {
			u64 upper = s->db ? 0xffffffffULL : 0xffffULL;

			if (ea <= s->limit || last > upper)
				return seg_fault(ctxt, seg);
			return HVX_EMU_OK;
		}
	}
	if (last > s->limit)
		return seg_fault(ctxt, seg);
	return HVX_EMU_OK;
}

static int seg_linear(struct hvx_emu_ctxt *ctxt, u8 seg, u64 ea,
		      unsigned int size, bool write, u64 *la)
{
	struct hvx_segment s;

	if (ctxt->cfg.mode == HVX_MODE_LONG64) {
		u64 base = 0;

		if (seg == HVX_SEG_FS || seg == HVX_SEG_GS) {
			ctxt->ops->get_segment(ctxt, seg, &s);
			base = s.base;
		}
		*la = base + ea;
		if (!is_canonical(ctxt, *la) ||
		    !is_canonical(ctxt, *la + size - 1))
			return seg_fault(ctxt, seg);
		return HVX_EMU_OK;
	}
	ctxt->ops->get_segment(ctxt, seg, &s);
	if (seg_check_legacy(ctxt, seg, &s, ea, size, write))
		return HVX_EMU_EXCEPTION;
	*la = (s.base + ea) & 0xffffffffULL;
	return HVX_EMU_OK;
}

/* --------------------------------------------------------------- memory */

static u32 access_bits(const struct hvx_emu_ctxt *ctxt, u32 access)
{
	return access | (ctxt->cpl == 3 ? HVX_ACC_USER : 0);
}

static u64 next_page_la(const struct hvx_emu_ctxt *ctxt, u64 la)
{
	u64 next = (la | (PAGE_SIZE_4K - 1)) + 1;

	return ctxt->cfg.mode == HVX_MODE_LONG64 ? next : next & 0xffffffffULL;
}

int emu_mem_prepare(struct hvx_emu_ctxt *ctxt, u8 seg, u64 ea,
		    unsigned int size, u32 access, struct mem_ref *ref)
{
	const struct hvx_emu_ops *ops = ctxt->ops;
	u32 acc = access_bits(ctxt, access);
	int r;

	r = seg_linear(ctxt, seg, ea, size, access & HVX_ACC_WRITE, &ref->la);
	if (r)
		return r;
	if ((ctxt->cr0 & HVX_CR0_AM) && (ctxt->rflags & HVX_FLAG_AC) &&
	    ctxt->cpl == 3 && size > 1 && (ref->la & (size - 1)))
		return emu_raise(ctxt, HVX_VEC_AC, true, 0);

	ref->size = size;
	ref->first = PAGE_SIZE_4K - (unsigned int)(ref->la & (PAGE_SIZE_4K - 1));
	if (ref->first > size)
		ref->first = size;
	r = ops->translate(ctxt, ref->la, acc, &ref->gpa[0], &ctxt->exception);
	if (r || ref->first == size)
		return r;
	return ops->translate(ctxt, next_page_la(ctxt, ref->la), acc,
			      &ref->gpa[1], &ctxt->exception);
}

/* All ref->size bytes of a prepared reference, which may split a page. */
static int mem_read_bytes(struct hvx_emu_ctxt *ctxt,
			  const struct mem_ref *ref, void *buf)
{
	int r;

	r = ctxt->ops->read_phys(ctxt, ref->gpa[0], buf, ref->first);
	if (!r && ref->first < ref->size)
		r = ctxt->ops->read_phys(ctxt, ref->gpa[1],
					 (u8 *)buf + ref->first,
					 ref->size - ref->first);
	return r;
}

int emu_mem_read(struct hvx_emu_ctxt *ctxt, const struct mem_ref *ref,
		 u64 *val)
{
	u8 buf[8] = { 0 };
	int r;

	r = mem_read_bytes(ctxt, ref, buf);
	*val = 0;
	memcpy(val, buf, sizeof(buf));	/* x86 is little-endian */
	return r;
}

int emu_mem_write(struct hvx_emu_ctxt *ctxt, const struct mem_ref *ref,
		  u64 val)
{
	u8 buf[8];
	int r;

	memcpy(buf, &val, sizeof(buf));
	r = ctxt->ops->write_phys(ctxt, ref->gpa[0], buf, ref->first);
	if (!r && ref->first < ref->size)
		r = ctxt->ops->write_phys(ctxt, ref->gpa[1], buf + ref->first,
					  ref->size - ref->first);
	return r;
}

/* LOCKed RMW: atomic where it does not split a page (split locks are not). */
static int emu_mem_cmpxchg(struct hvx_emu_ctxt *ctxt,
			   const struct mem_ref *ref, u64 old, u64 new)
{
	if (ref->first < ref->size)
		return emu_mem_write(ctxt, ref, new);
	return ctxt->ops->cmpxchg_phys(ctxt, ref->gpa[0], &old, &new,
				       ref->size);
}

/* ---------------------------------------------------------- operands */

static u64 next_rip(const struct hvx_emu_ctxt *ctxt)
{
	u64 rip = ctxt->rip + ctxt->insn.len;

	switch (ctxt->cfg.mode) {
	case HVX_MODE_LONG64:
		return rip;
	case HVX_MODE_PROT32:
		return rip & 0xffffffffULL;
	default:
		return rip & 0xffffULL;
	}
}

/* Effective address of the ModRM/moffs operand; @rsp_bias for POP Ev. */
static u64 modrm_ea(struct hvx_emu_ctxt *ctxt, s64 rsp_bias)
{
	const struct hvx_insn *insn = &ctxt->insn;
	u64 ea = (u64)insn->disp;

	if (insn->base != HVX_REG_NONE) {
		ea += ctxt->ops->read_gpr(ctxt, insn->base);
		if (insn->base == HVX_RSP)
			ea += (u64)rsp_bias;
	}
	if (insn->index != HVX_REG_NONE)
		ea += ctxt->ops->read_gpr(ctxt, insn->index) * insn->scale;
	if (insn->rip_relative)
		ea += next_rip(ctxt);
	return ea & addr_mask(ctxt);
}

/* The r/m operand: a register for mod=3, else memory (not yet accessed). */
static void operand_rm(struct hvx_emu_ctxt *ctxt, struct operand *op,
		       unsigned int size)
{
	const struct hvx_insn *insn = &ctxt->insn;

	memset(op, 0, sizeof(*op));
	if (!insn->has_mem) {
		operand_set_reg(insn, op, insn->rm, size);
		return;
	}
	op->kind = OPK_MEM;
	op->size = size;
	op->seg = insn->seg;
	op->ea = modrm_ea(ctxt, 0);
}

static void operand_reg(struct hvx_emu_ctxt *ctxt, struct operand *op,
			unsigned int reg, unsigned int size)
{
	memset(op, 0, sizeof(*op));
	operand_set_reg(&ctxt->insn, op, reg, size);
}

static void operand_imm(struct operand *op, u64 val, unsigned int size)
{
	memset(op, 0, sizeof(*op));
	op->kind = OPK_IMM;
	op->size = size;
	op->val = val & size_mask(size);
}

/* Read an operand; @access says how a memory operand will be used. */
static int operand_read(struct hvx_emu_ctxt *ctxt, struct operand *op,
			u32 access)
{
	int r;

	switch (op->kind) {
	case OPK_REG:
		op->val = operand_reg_value(ctxt, op);
		return HVX_EMU_OK;
	case OPK_MEM:
		r = emu_mem_prepare(ctxt, op->seg, op->ea, op->size, access,
				    &op->ref);
		if (r)
			return r;
		op->prepared = true;
		return emu_mem_read(ctxt, &op->ref, &op->val);
	default:
		return HVX_EMU_OK;
	}
}

static int operand_write(struct hvx_emu_ctxt *ctxt, struct operand *op,
			 u64 val)
{
	int r;

	switch (op->kind) {
	case OPK_REG:
		operand_reg_store(ctxt, op, val);
		return HVX_EMU_OK;
	case OPK_MEM:
		if (!op->prepared) {
			r = emu_mem_prepare(ctxt, op->seg, op->ea, op->size,
					    HVX_ACC_WRITE, &op->ref);
			if (r)
				return r;
			op->prepared = true;
		}
		return emu_mem_write(ctxt, &op->ref, val);
	default:
		return HVX_EMU_UNHANDLEABLE;
	}
}

/* RMW write-back: atomic for LOCK and for XCHG with memory. */
static int operand_writeback(struct hvx_emu_ctxt *ctxt, struct operand *op,
			     u64 old, u64 val, bool locked)
{
	if (op->kind == OPK_MEM && locked)
		return emu_mem_cmpxchg(ctxt, &op->ref, old, val);
	return operand_write(ctxt, op, val);
}

/* ---------------------------------------------------------------- flags */

static u64 parity_flag(u64 res)
{
	u8 b = (u8)res;

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return (b & 1) ? 0 : HVX_FLAG_PF;
}

static u64 flags_szp(u64 res, unsigned int size)
{
	u64 f = parity_flag(res);

	res &= size_mask(size);
	if (!res)
		f |= HVX_FLAG_ZF;
	if (res >> (8 * size - 1))
		f |= HVX_FLAG_SF;
	return f;
}

static u64 msb(u64 v, unsigned int size)
{
	return (v >> (8 * size - 1)) & 1;
}

static u64 flags_add(u64 a, u64 b, u64 carry, unsigned int size, u64 *res)
{
	u64 m = size_mask(size), r = (a + b + carry) & m;
	u64 f = flags_szp(r, size);

	a &= m;
	b &= m;
	if (carry ? r <= a : r < a)
		f |= HVX_FLAG_CF;
	if (msb((a ^ r) & (b ^ r), size))
		f |= HVX_FLAG_OF;
	if ((a ^ b ^ r) & 0x10)
		f |= HVX_FLAG_AF;
	*res = r;
	return f;
}

u64 emu_flags_sub(u64 a, u64 b, u64 carry, unsigned int size, u64 *res)
{
	u64 m = size_mask(size), r;
	u64 f;

	a &= m;
	b &= m;
	r = (a - b - carry) & m;
	f = flags_szp(r, size);
	if (carry ? a <= b : a < b)
		f |= HVX_FLAG_CF;
	if (msb((a ^ b) & (a ^ r), size))
		f |= HVX_FLAG_OF;
	if ((a ^ b ^ r) & 0x10)
		f |= HVX_FLAG_AF;
	*res = r;
	return f;
}

void emu_set_arith_flags(struct hvx_emu_ctxt *ctxt, u64 flags)
{
	ctxt->rflags = (ctxt->rflags & ~HVX_FLAGS_ARITH) | flags |
		       HVX_FLAG_FIXED1;
}

enum alu_op { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR,
	      ALU_CMP, ALU_TEST };

/* Logic ops clear CF/OF; AF is undefined and left at 0 as CPUs do. */
static u64 alu_compute(enum alu_op op, u64 a, u64 b, u64 rflags,
		       unsigned int size, u64 *res)
{
	u64 carry = rflags & HVX_FLAG_CF ? 1 : 0;

	switch (op) {
	case ALU_ADD:
		return flags_add(a, b, 0, size, res);
	case ALU_ADC:
		return flags_add(a, b, carry, size, res);
	case ALU_SUB:
	case ALU_CMP:
		return emu_flags_sub(a, b, 0, size, res);
	case ALU_SBB:
		return emu_flags_sub(a, b, carry, size, res);
	case ALU_OR:
		*res = (a | b) & size_mask(size);
		break;
	case ALU_XOR:
		*res = (a ^ b) & size_mask(size);
		break;
	default:	/* AND, TEST */
		*res = a & b & size_mask(size);
		break;
	}
	return flags_szp(*res, size);
}

/* ---------------------------------------------------------- LOCK rules */

static bool lock_is_legal(const struct hvx_insn *insn)
{
	unsigned int sub = (insn->modrm >> 3) & 7;
	u8 op = insn->opcode;

	if (!insn->has_mem)
		return false;
	if (insn->map == HVX_MAP_0F)
		return op == 0xab || op == 0xb3 || op == 0xbb ||
		       op == 0xb0 || op == 0xb1 || op == 0xc0 || op == 0xc1 ||
		       (op == 0xba && sub >= 5) || (op == 0xc7 && sub == 1);
	if (insn->map != HVX_MAP_ONEBYTE)
		return false;
	if (op < 0x40 && (op & 7) <= 1 && (op >> 3) != ALU_CMP)
		return true;
	switch (op) {
	case 0x80: case 0x81: case 0x83:
		return sub != ALU_CMP;
	case 0x86: case 0x87:
		return true;
	case 0xf6: case 0xf7:
		return sub == 2 || sub == 3;
	case 0xfe: case 0xff:
		return sub <= 1;
	default:
		return false;
	}
}

/* ------------------------------------------------------ ALU instructions */

/* dst op= src, with write-back unless CMP/TEST. */
static int exec_alu(struct hvx_emu_ctxt *ctxt, enum alu_op op,
		    struct operand *dst, struct operand *src)
{
	bool writes = op != ALU_CMP && op != ALU_TEST;
	u64 res, flags;
	int r;

	r = operand_read(ctxt, src, 0);
	if (r)
		return r;
	r = operand_read(ctxt, dst, writes ? HVX_ACC_WRITE : 0);
	if (r)
		return r;
	flags = alu_compute(op, dst->val, src->val, ctxt->rflags, dst->size,
			    &res);
	if (writes) {
		r = operand_writeback(ctxt, dst, dst->val, res, ctxt->insn.lock);
		if (r)
			return r;
	}
	emu_set_arith_flags(ctxt, flags);
	return HVX_EMU_OK;
}

/* 00-3F: the six ALU forms of each row. */
static int exec_alu_row(struct hvx_emu_ctxt *ctxt)
{
	const struct hvx_insn *insn = &ctxt->insn;
	enum alu_op op = (enum alu_op)(insn->opcode >> 3);
	unsigned int size = insn->op_size;
	struct operand dst, src;

	switch (insn->opcode & 7) {
	case 0: case 1:
		operand_rm(ctxt, &dst, size);
		operand_reg(ctxt, &src, insn->reg, size);
		break;
	case 2: case 3:
		operand_reg(ctxt, &dst, insn->reg, size);
		operand_rm(ctxt, &src, size);
		break;
	default:
		operand_reg(ctxt, &dst, HVX_RAX, size);
		operand_imm(&src, insn->imm, size);
		break;
	}
	return exec_alu(ctxt, op, &dst, &src);
}

/* INC/DEC keep CF; NEG sets CF = (src != 0); NOT touches no flags. */
static int exec_unary(struct hvx_emu_ctxt *ctxt, unsigned int kind)
{
	const struct hvx_insn *insn = &ctxt->insn;
	struct operand dst;
	u64 res, flags = 0;
	int r;

	operand_rm(ctxt, &dst, insn->op_size);
	r = operand_read(ctxt, &dst, HVX_ACC_WRITE);
	if (r)
		return r;
	switch (kind) {
	case 0:		/* INC */
		flags = flags_add(dst.val, 1, 0, dst.size, &res);
		flags = (flags & ~HVX_FLAG_CF) | (ctxt->rflags & HVX_FLAG_CF);
		break;
	case 1:		/* DEC */
		flags = emu_flags_sub(dst.val, 1, 0, dst.size, &res);
		flags = (flags & ~HVX_FLAG_CF) | (ctxt->rflags & HVX_FLAG_CF);
		break;
	case 2:		/* NOT */
		res = ~dst.val & size_mask(dst.size);
		break;
	default:	/* NEG */
		flags = emu_flags_sub(0, dst.val, 0, dst.size, &res);
		break;
	}
	r = operand_writeback(ctxt, &dst, dst.val, res, insn->lock);
	if (r)
		return r;
	if (kind != 2)
		emu_set_arith_flags(ctxt, flags);
	return HVX_EMU_OK;
}

/* ------------------------------------------------------ data movement */

static int exec_mov(struct hvx_emu_ctxt *ctxt, struct operand *dst,
		    struct operand *src)
{
	int r = operand_read(ctxt, src, 0);

	if (r)
		return r;
	return operand_write(ctxt, dst, src->val);
}

/* MOVZX/MOVSX (0F B6/B7/BE/BF) and MOVSXD (63). */
static int exec_movx(struct hvx_emu_ctxt *ctxt, unsigned int src_size,
		     bool sign)
{
	const struct hvx_insn *insn = &ctxt->insn;
	struct operand dst, src;
	u64 v;
	int r;

	operand_rm(ctxt, &src, src_size);
	operand_reg(ctxt, &dst, insn->reg, insn->op_size);
	r = operand_read(ctxt, &src, 0);
	if (r)
		return r;
	v = src.val;
	if (sign && msb(v, src_size))
		v |= ~size_mask(src_size);
	return operand_write(ctxt, &dst, v);
}

static int exec_xchg(struct hvx_emu_ctxt *ctxt, struct operand *a,
		     struct operand *b)
{
	int r;

	r = operand_read(ctxt, a, HVX_ACC_WRITE);
	if (r)
		return r;
	r = operand_read(ctxt, b, HVX_ACC_WRITE);
	if (r)
		return r;
	/* XCHG with memory is always locked. */
	r = operand_writeback(ctxt, a, a->val, b->val, true);
	if (r)
		return r;
	return operand_write(ctxt, b, a->val);
}

static int exec_cmpxchg(struct hvx_emu_ctxt *ctxt)
{
	const struct hvx_insn *insn = &ctxt->insn;
	struct operand dst, src, acc;
	u64 res, flags;
	int r;

	operand_rm(ctxt, &dst, insn->op_size);
	operand_reg(ctxt, &src, insn->reg, insn->op_size);
	operand_reg(ctxt, &acc, HVX_RAX, insn->op_size);
	acc.high8 = false;
	acc.reg = HVX_RAX;
	r = operand_read(ctxt, &src, 0);
	if (!r)
		r = operand_read(ctxt, &acc, 0);
	if (!r)
		r = operand_read(ctxt, &dst, HVX_ACC_WRITE);
	if (r)
		return r;
	flags = emu_flags_sub(acc.val, dst.val, 0, dst.size, &res);
	if (flags & HVX_FLAG_ZF) {
		r = operand_writeback(ctxt, &dst, dst.val, src.val, insn->lock);
	} else {
		/*
		 * Failure loads the accumulator.  A register destination is
		 * left as is; memory is not re-written so that MMIO sees no
		 * extra store.
		 */
		operand_reg_store(ctxt, &acc, dst.val);
	}
	if (r)
		return r;
	emu_set_arith_flags(ctxt, flags);
	return HVX_EMU_OK;
}

/* BT/BTS/BTR/BTC; @kind 0..3; @offset_reg says Gv rather than Ib. */
static int exec_bit_test(struct hvx_emu_ctxt *ctxt, unsigned int kind,
			 bool offset_reg)
{
	const struct hvx_insn *insn = &ctxt->insn;
	unsigned int size = insn->op_size, bits = 8 * size;
	struct operand dst;
	u64 bit, res;
	int r;

	operand_rm(ctxt, &dst, size);
	if (offset_reg) {
		s64 off = (s64)emu_reg_read(ctxt, insn->reg, size);

		if (size < 8 && msb((u64)off, size))
			off |= (s64)~size_mask(size);
		bit = (u64)off & (bits - 1);
		/* A memory bit string extends in both directions. */
		if (dst.kind == OPK_MEM) {
			s64 step = off >= 0 ? off / (s64)bits :
				   -((-(off + 1)) / (s64)bits) - 1;

			dst.ea = (dst.ea + (u64)step * size) & addr_mask(ctxt);
		}
	} else {
		bit = insn->imm & (bits - 1);
	}
	r = operand_read(ctxt, &dst, kind ? HVX_ACC_WRITE : 0);
	if (r)
		return r;
	switch (kind) {
	case 1:
		res = dst.val | (1ULL << bit);
		break;
	case 2:
		res = dst.val & ~(1ULL << bit);
		break;
	case 3:
		res = dst.val ^ (1ULL << bit);
		break;
	default:
		res = dst.val;
		break;
	}
	if (kind) {
		r = operand_writeback(ctxt, &dst, dst.val, res, insn->lock);
		if (r)
			return r;
	}
	/* CF = bit; ZF kept; OF/SF/AF/PF are undefined and kept. */
	ctxt->rflags = (ctxt->rflags & ~HVX_FLAG_CF) |
		       ((dst.val >> bit) & 1 ? HVX_FLAG_CF : 0);
	return HVX_EMU_OK;
}

/* ---------------------------------------------------------------- stack */

static unsigned int stack_addr_size(struct hvx_emu_ctxt *ctxt)
{
	struct hvx_segment ss;

	if (ctxt->cfg.mode == HVX_MODE_LONG64)
		return 8;
	ctxt->ops->get_segment(ctxt, HVX_SEG_SS, &ss);
	return ss.db ? 4 : 2;
}

static int exec_push(struct hvx_emu_ctxt *ctxt, struct operand *src)
{
	unsigned int ssize = stack_addr_size(ctxt), size = src->size;
	struct mem_ref ref;
	u64 sp;
	int r;

	r = operand_read(ctxt, src, 0);
	if (r)
		return r;
	sp = (emu_reg_read(ctxt, HVX_RSP, ssize) - size) & size_mask(ssize);
	r = emu_mem_prepare(ctxt, HVX_SEG_SS, sp, size, HVX_ACC_WRITE, &ref);
	if (!r)
		r = emu_mem_write(ctxt, &ref, src->val);
	if (r)
		return r;
	emu_reg_write(ctxt, HVX_RSP, ssize, sp);
	return HVX_EMU_OK;
}

/* POP Ev computes an RSP-based address with RSP already incremented. */
static int exec_pop(struct hvx_emu_ctxt *ctxt, struct operand *dst)
{
	unsigned int ssize = stack_addr_size(ctxt), size = dst->size;
	struct mem_ref ref;
	u64 sp, val;
	int r;

	sp = emu_reg_read(ctxt, HVX_RSP, ssize);
	r = emu_mem_prepare(ctxt, HVX_SEG_SS, sp, size, 0, &ref);
	if (!r)
		r = emu_mem_read(ctxt, &ref, &val);
	if (r)
		return r;
	if (dst->kind == OPK_MEM)
		dst->ea = modrm_ea(ctxt, size);
	r = operand_write(ctxt, dst, val);
	if (r)
		return r;
	/* POP rSP loads the popped value, not the incremented pointer. */
	if (!(dst->kind == OPK_REG && dst->reg == HVX_RSP))
		emu_reg_write(ctxt, HVX_RSP, ssize,
			      (sp + size) & size_mask(ssize));
	return HVX_EMU_OK;
}

/* --------------------------------------------------- system instructions */

static int exec_rdmsr(struct hvx_emu_ctxt *ctxt)
{
	u64 val;

	if (ctxt->cpl)
		return emu_gp0(ctxt);
	if (ctxt->ops->read_msr(ctxt, (u32)emu_reg_read(ctxt, HVX_RCX, 4),
				&val))
		return emu_gp0(ctxt);
	emu_reg_write(ctxt, HVX_RAX, 4, val);
	emu_reg_write(ctxt, HVX_RDX, 4, val >> 32);
	return HVX_EMU_OK;
}

static int exec_wrmsr(struct hvx_emu_ctxt *ctxt)
{
	u64 val = emu_reg_read(ctxt, HVX_RAX, 4) |
		  emu_reg_read(ctxt, HVX_RDX, 4) << 32;

	if (ctxt->cpl)
		return emu_gp0(ctxt);
	if (ctxt->ops->write_msr(ctxt, (u32)emu_reg_read(ctxt, HVX_RCX, 4),
				 val))
		return emu_gp0(ctxt);
	return HVX_EMU_OK;
}

static int exec_rdtsc(struct hvx_emu_ctxt *ctxt, bool rdtscp)
{
	u64 tsc, aux = 0;

	if ((ctxt->cr4 & HVX_CR4_TSD) && ctxt->cpl)
		return emu_gp0(ctxt);
	if (rdtscp && ctxt->ops->read_msr(ctxt, HVX_MSR_TSC_AUX, &aux))
		return emu_gp0(ctxt);
	tsc = ctxt->ops->read_tsc(ctxt);
	emu_reg_write(ctxt, HVX_RAX, 4, tsc);
	emu_reg_write(ctxt, HVX_RDX, 4, tsc >> 32);
	if (rdtscp)
		emu_reg_write(ctxt, HVX_RCX, 4, aux);
	return HVX_EMU_OK;
}

static int exec_cpuid(struct hvx_emu_ctxt *ctxt)
{
	u32 a, b, c, d;

	ctxt->ops->cpuid(ctxt, (u32)emu_reg_read(ctxt, HVX_RAX, 4),
			 (u32)emu_reg_read(ctxt, HVX_RCX, 4), &a, &b, &c, &d);
	emu_reg_write(ctxt, HVX_RAX, 4, a);
	emu_reg_write(ctxt, HVX_RBX, 4, b);
	emu_reg_write(ctxt, HVX_RCX, 4, c);
	emu_reg_write(ctxt, HVX_RDX, 4, d);
	return HVX_EMU_OK;
}

/*
 * INVPCID (66 0F 38 82 /r): the type in a register, a 16-byte descriptor in
 * memory.  Every architectural fault is raised here, so that the op only
 * has to invalidate.
 */
static int exec_invpcid(struct hvx_emu_ctxt *ctxt)
{
	const struct hvx_insn *insn = &ctxt->insn;
	u8 mode = ctxt->cfg.mode;
	struct mem_ref ref;
	u64 type, desc[2];
	int r;

	/* No op: a CPU without INVPCID.  F2/F3 or no 66: undefined opcodes. */
	if (!ctxt->ops->invpcid || !insn->opsize_prefix || insn->rep ||
	    !insn->has_mem || mode == HVX_MODE_VM86)
		return emu_ud(ctxt);
	if (mode != HVX_MODE_REAL && ctxt->cpl)
		return emu_gp0(ctxt);
	/* All 64 bits in 64-bit mode, REX.W or not. */
	type = emu_reg_read(ctxt, insn->reg, mode == HVX_MODE_LONG64 ? 8 : 4);
	/* CPL is 0 here, so this is a supervisor read. */
	r = emu_mem_prepare(ctxt, insn->seg, modrm_ea(ctxt, 0), sizeof(desc),
			    0, &ref);
	if (!r)
		r = mem_read_bytes(ctxt, &ref, desc);
	if (r)
		return r;
	/* Descriptor bits 63:12 are reserved. */
	if (type > 3 || desc[0] >> 12)
		return emu_gp0(ctxt);
	/* The address is checked in every mode, not only in 64-bit mode. */
	if (type == 0 && !is_canonical(ctxt, desc[1]))
		return emu_gp0(ctxt);
	/* Without CR4.PCIDE only PCID 0 exists for the per-context types. */
	if (type <= 1 && !(ctxt->cr4 & HVX_CR4_PCIDE) && (desc[0] & 0xfff))
		return emu_gp0(ctxt);
	return ctxt->ops->invpcid(ctxt, (unsigned int)type, desc[0] & 0xfff,
				  desc[1]);
}

/* 0F 01 with mod=3: VMCALL, XSETBV, VMMCALL, RDTSCP. */
static int exec_0f01(struct hvx_emu_ctxt *ctxt)
{
	const struct hvx_insn *insn = &ctxt->insn;
	u64 val;

	switch (insn->modrm) {
	case 0xc1:	/* VMCALL */
	case 0xd9:	/* VMMCALL */
		return ctxt->ops->hypercall(ctxt);
	case 0xd1:	/* XSETBV */
		if (insn->opsize_prefix || insn->rep || insn->lock)
			return emu_ud(ctxt);
		if (ctxt->cpl)
			return emu_gp0(ctxt);
		val = emu_reg_read(ctxt, HVX_RAX, 4) |
		      emu_reg_read(ctxt, HVX_RDX, 4) << 32;
		if (ctxt->ops->set_xcr(ctxt, (u32)emu_reg_read(ctxt, HVX_RCX, 4),
				       val))
			return emu_gp0(ctxt);
		return HVX_EMU_OK;
	case 0xf9:	/* RDTSCP */
		return exec_rdtsc(ctxt, true);
	default:
		return HVX_EMU_UNHANDLEABLE;
	}
}

/* --------------------------------------------------------------- dispatch */

static int exec_group3(struct hvx_emu_ctxt *ctxt)
{
	const struct hvx_insn *insn = &ctxt->insn;
	unsigned int sub = (insn->modrm >> 3) & 7;
	struct operand dst, src;

	switch (sub) {
	case 0:
	case 1:		/* TEST Ev, Iz (/1 is an alias) */
		operand_rm(ctxt, &dst, insn->op_size);
		operand_imm(&src, insn->imm, insn->op_size);
		return exec_alu(ctxt, ALU_TEST, &dst, &src);
	case 2:
		return exec_unary(ctxt, 2);
	case 3:
		return exec_unary(ctxt, 3);
	default:	/* MUL/IMUL/DIV/IDIV */
		return HVX_EMU_UNHANDLEABLE;
	}
}

static int exec_group5(struct hvx_emu_ctxt *ctxt)
{
	const struct hvx_insn *insn = &ctxt->insn;
	unsigned int sub = (insn->modrm >> 3) & 7;
	struct operand src;

	switch (sub) {
	case 0:
	case 1:
		return exec_unary(ctxt, sub);
	case 6:
		operand_rm(ctxt, &src, insn->op_size);
		return exec_push(ctxt, &src);
	case 7:
		return emu_ud(ctxt);
	default:	/* indirect CALL/JMP */
		return HVX_EMU_UNHANDLEABLE;
	}
}

static int exec_onebyte(struct hvx_emu_ctxt *ctxt)
{
	const struct hvx_insn *insn = &ctxt->insn;
	unsigned int size = insn->op_size, sub = (insn->modrm >> 3) & 7;
	unsigned int low_reg = (insn->opcode & 7) | ((insn->rex & 1) ? 8 : 0);
	struct operand dst, src;
	u8 op = insn->opcode;

	if (op < 0x40 && (op & 7) < 6)
		return exec_alu_row(ctxt);
	if (op >= 0x50 && op <= 0x57) {
		operand_reg(ctxt, &src, low_reg, size);
		return exec_push(ctxt, &src);
	}
	if (op >= 0x58 && op <= 0x5f) {
		operand_reg(ctxt, &dst, low_reg, size);
		return exec_pop(ctxt, &dst);
	}
	if (op >= 0xb0 && op <= 0xbf) {
		operand_reg(ctxt, &dst, low_reg, size);
		operand_imm(&src, insn->imm, size);
		return exec_mov(ctxt, &dst, &src);
	}
	if (op >= 0x91 && op <= 0x97) {
		operand_reg(ctxt, &dst, low_reg, size);
		operand_reg(ctxt, &src, HVX_RAX, size);
		return exec_xchg(ctxt, &dst, &src);
	}
	if ((op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf) ||
	    (op >= 0x6c && op <= 0x6f))
		return emu_exec_string(ctxt);

	switch (op) {
	case 0x63:	/* MOVSXD; ARPL outside 64-bit mode */
		if (ctxt->cfg.mode != HVX_MODE_LONG64)
			return HVX_EMU_UNHANDLEABLE;
		/*
		 * 66 63 is MOVSXD r16, r/m16 per Intel; AMD CPUs read a
		 * 32-bit source (seen in the differential test on EPYC).
		 */
		return exec_movx(ctxt, size == 8 || ctxt->cfg.vendor_amd ?
				 4 : size, true);
	case 0x80: case 0x81: case 0x83:
		operand_rm(ctxt, &dst, size);
		operand_imm(&src, insn->imm, size);
		return exec_alu(ctxt, (enum alu_op)sub, &dst, &src);
	case 0x84: case 0x85:
		operand_rm(ctxt, &dst, size);
		operand_reg(ctxt, &src, insn->reg, size);
		return exec_alu(ctxt, ALU_TEST, &dst, &src);
	case 0x86: case 0x87:
		operand_rm(ctxt, &dst, size);
		operand_reg(ctxt, &src, insn->reg, size);
		return exec_xchg(ctxt, &dst, &src);
	case 0x88: case 0x89:
		operand_rm(ctxt, &dst, size);
		operand_reg(ctxt, &src, insn->reg, size);
		return exec_mov(ctxt, &dst, &src);
	case 0x8a: case 0x8b:
		operand_reg(ctxt, &dst, insn->reg, size);
		operand_rm(ctxt, &src, size);
		return exec_mov(ctxt, &dst, &src);
	case 0x8d:	/* LEA */
		if (!insn->has_mem)
			return emu_ud(ctxt);
		operand_reg(ctxt, &dst, insn->reg, size);
		return operand_write(ctxt, &dst, modrm_ea(ctxt, 0));
	case 0x8f:
		if (sub)
			return emu_ud(ctxt);
		operand_rm(ctxt, &dst, size);
		return exec_pop(ctxt, &dst);
	case 0x90:	/* NOP, PAUSE; XCHG r8, rAX with REX.B */
		if (!(insn->rex & 1))
			return HVX_EMU_OK;
		operand_reg(ctxt, &dst, low_reg, size);
		operand_reg(ctxt, &src, HVX_RAX, size);
		return exec_xchg(ctxt, &dst, &src);
	case 0xa0: case 0xa1:
		operand_rm(ctxt, &src, size);
		operand_reg(ctxt, &dst, HVX_RAX, size);
		return exec_mov(ctxt, &dst, &src);
	case 0xa2: case 0xa3:
		operand_rm(ctxt, &dst, size);
		operand_reg(ctxt, &src, HVX_RAX, size);
		return exec_mov(ctxt, &dst, &src);
	case 0xa8: case 0xa9:
		operand_reg(ctxt, &dst, HVX_RAX, size);
		operand_imm(&src, insn->imm, size);
		return exec_alu(ctxt, ALU_TEST, &dst, &src);
	case 0xc6: case 0xc7:
		if (sub)	/* XABORT/XBEGIN and reserved encodings */
			return HVX_EMU_UNHANDLEABLE;
		operand_rm(ctxt, &dst, size);
		operand_imm(&src, insn->imm, size);
		return exec_mov(ctxt, &dst, &src);
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:
	case 0xec: case 0xed: case 0xee: case 0xef:
		return emu_exec_port_io(ctxt);
	case 0xf4:	/* HLT */
		if (ctxt->cpl)
			return emu_gp0(ctxt);
		return ctxt->ops->halt(ctxt);
	case 0xf5:
		ctxt->rflags ^= HVX_FLAG_CF;
		return HVX_EMU_OK;
	case 0xf8: case 0xf9:
		ctxt->rflags = (ctxt->rflags & ~HVX_FLAG_CF) |
			       (op & 1 ? HVX_FLAG_CF : 0);
		return HVX_EMU_OK;
	case 0xfc: case 0xfd:
		ctxt->rflags = (ctxt->rflags & ~HVX_FLAG_DF) |
			       (op & 1 ? HVX_FLAG_DF : 0);
		return HVX_EMU_OK;
	case 0xf6: case 0xf7:
		return exec_group3(ctxt);
	case 0xfe:
		if (sub > 1)
			return emu_ud(ctxt);
		return exec_unary(ctxt, sub);
	case 0xff:
		return exec_group5(ctxt);
	default:
		return HVX_EMU_UNHANDLEABLE;
	}
}

static int exec_twobyte(struct hvx_emu_ctxt *ctxt)
{
	const struct hvx_insn *insn = &ctxt->insn;
	unsigned int sub = (insn->modrm >> 3) & 7;

	switch (insn->opcode) {
	case 0x01:
		if (insn->has_mem)
			return HVX_EMU_UNHANDLEABLE;	/* LGDT & co */
		return exec_0f01(ctxt);
	case 0x30:
		return exec_wrmsr(ctxt);
	case 0x31:
		return exec_rdtsc(ctxt, false);
	case 0x32:
		return exec_rdmsr(ctxt);
	case 0xa2:
		return exec_cpuid(ctxt);
	case 0xa3:
		return exec_bit_test(ctxt, 0, true);
	case 0xab:
		return exec_bit_test(ctxt, 1, true);
	case 0xb3:
		return exec_bit_test(ctxt, 2, true);
	case 0xbb:
		return exec_bit_test(ctxt, 3, true);
	case 0xba:
		if (sub < 4)
			return emu_ud(ctxt);
		return exec_bit_test(ctxt, sub - 4, false);
	case 0xb0: case 0xb1:
		return exec_cmpxchg(ctxt);
	case 0xb6: case 0xbe:
		return exec_movx(ctxt, 1, insn->opcode == 0xbe);
	case 0xb7: case 0xbf:
		return exec_movx(ctxt, 2, insn->opcode == 0xbf);
	default:
		return HVX_EMU_UNHANDLEABLE;
	}
}

int hvx_emu_execute(struct hvx_emu_ctxt *ctxt)
{
	const struct hvx_insn *insn = &ctxt->insn;
	int r;

	if (insn->flags & HVX_INSN_INVALID)
		return emu_ud(ctxt);
	if (insn->flags & HVX_INSN_UNSUPPORTED)
		return HVX_EMU_UNHANDLEABLE;
	if (insn->lock && !lock_is_legal(insn))
		return emu_ud(ctxt);

	ctxt->cr0 = ctxt->ops->read_cr(ctxt, 0);
	ctxt->cr4 = ctxt->ops->read_cr(ctxt, 4);

	if (insn->map == HVX_MAP_ONEBYTE)
		r = exec_onebyte(ctxt);
	else if (insn->map == HVX_MAP_0F)
		r = exec_twobyte(ctxt);
	else if (insn->map == HVX_MAP_0F38 && insn->opcode == 0x82)
		r = exec_invpcid(ctxt);
	else
		r = HVX_EMU_UNHANDLEABLE;
	if (r == HVX_EMU_OK)
		ctxt->rip = next_rip(ctxt);
	return r;
}

/* ---------------------------------------------------------------- fetch */

static int fetch_page(struct hvx_emu_ctxt *ctxt, u64 la, u8 *buf,
		      unsigned int len)
{
	u64 gpa;
	int r;

	r = ctxt->ops->translate(ctxt, la, access_bits(ctxt, HVX_ACC_FETCH),
				 &gpa, &ctxt->exception);
	if (r)
		return r;
	return ctxt->ops->read_phys(ctxt, gpa, buf, len);
}

/*
 * Fetch only as far as the page holding RIP first: bytes on the next page
 * are read (and may fault) only when the decoder needs them, as on a CPU.
 */
int hvx_emu_fetch_decode(struct hvx_emu_ctxt *ctxt)
{
	u8 buf[HVX_INSN_MAX_LEN];
	unsigned int have, more;
	struct hvx_segment cs;
	u64 la = ctxt->rip;
	int r;

	if (ctxt->cfg.mode != HVX_MODE_LONG64) {
		ctxt->ops->get_segment(ctxt, HVX_SEG_CS, &cs);
		la = (cs.base + ctxt->rip) & 0xffffffffULL;
	}
	have = PAGE_SIZE_4K - (unsigned int)(la & (PAGE_SIZE_4K - 1));
	if (have > HVX_INSN_MAX_LEN)
		have = HVX_INSN_MAX_LEN;
	r = fetch_page(ctxt, la, buf, have);
	if (r)
		return r;
	r = hvx_decode(&ctxt->cfg, buf, have, &ctxt->insn);
	if (r == HVX_EMU_TRUNCATED && have < HVX_INSN_MAX_LEN) {
		more = HVX_INSN_MAX_LEN - have;
		r = fetch_page(ctxt, next_page_la(ctxt, la), buf + have, more);
		if (r)
			return r;
		r = hvx_decode(&ctxt->cfg, buf, HVX_INSN_MAX_LEN, &ctxt->insn);
	}
	if (r == HVX_EMU_EXCEPTION || r == HVX_EMU_TRUNCATED)
		return emu_gp0(ctxt);	/* longer than 15 bytes */
	return r;
}
