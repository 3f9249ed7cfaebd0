// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86 instruction decoder: prefixes, REX, the one-byte and 0F maps (with
 * the 0F38/0F3A escapes), ModRM/SIB/displacement/immediates in 16-, 32-
 * and 64-bit code, and the lengths of VEX/EVEX/XOP encodings.
 *
 * Every byte comes from the guest, so all reads go through
 * decoder_next_byte(), which refuses to look past the bytes supplied or
 * past the architectural 15-byte limit.
 */
#include "emulate.h"

/* Immediate kinds, low 4 bits of an opcode attribute. */
enum imm_kind {
	IMM_NONE,
	IMM_B,		/* 8-bit */
	IMM_W,		/* 16-bit */
	IMM_Z,		/* 16 or 32 by operand size */
	IMM_V,		/* 16, 32 or 64 by operand size (B8+r) */
	IMM_MOFFS,	/* address-size offset (A0-A3) */
	IMM_AP,		/* far pointer: offset z + 16-bit selector */
	IMM_WB,		/* ENTER: 16-bit + 8-bit */
	IMM_REL,	/* near branch displacement, z with branch rules */
	IMM_GRP3,	/* F6/F7: imm only for /0 and /1 (TEST) */
};

#define A_IMM_MASK	0x000f
#define A_MODRM		0x0010
#define A_BYTE		0x0020
#define A_INV64		0x0040	/* #UD in 64-bit mode */
#define A_INVALID	0x0080	/* #UD in every mode */
#define A_DEF64		0x0100	/* 64-bit default operand size */
#define A_BRANCH	0x0200	/* near branch: Intel ignores 66 in 64-bit */
#define A_STRING	0x0400
#define A_REGONLY	0x0800	/* ModRM.mod treated as 3 (MOV CRn/DRn) */
#define A_PREFIX	0x1000	/* handled by the prefix loop */
#define A_ESCAPE	0x2000	/* 0F, 0F38, 0F3A */

#define M	A_MODRM
#define MB	(A_MODRM | IMM_B)
#define MZ	(A_MODRM | IMM_Z)
#define BYT	A_BYTE
#define IB	IMM_B
#define IZ	IMM_Z
#define I64	A_INV64
#define X	A_INVALID
#define D64	A_DEF64
#define STR	A_STRING
#define PFX	A_PREFIX
#define ESC	A_ESCAPE
#define JB	(IMM_B | A_DEF64 | A_BRANCH)
#define JZ	(IMM_REL | A_DEF64 | A_BRANCH)

/* The ALU row pattern shared by 00-3F: Eb,Gb Ev,Gv Gb,Eb Gv,Ev AL,Ib eAX,Iz */
#define ALU6	M | BYT, M, M | BYT, M, IB | BYT, IZ

static const u16 onebyte_attrs[256] = {
	/* 00 */ ALU6, I64, I64, ALU6, I64, ESC,
	/* 10 */ ALU6, I64, I64, ALU6, I64, I64,
	/* 20 */ ALU6, PFX, I64, ALU6, PFX, I64,
	/* 30 */ ALU6, PFX, I64, ALU6, PFX, I64,
	/* 40 INC/DEC, REX in 64-bit mode */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 50 PUSH/POP */
	D64, D64, D64, D64, D64, D64, D64, D64,
	D64, D64, D64, D64, D64, D64, D64, D64,
	/* 60 */ I64, I64, M | I64, M, PFX, PFX, PFX, PFX,
	/* 68 */ IZ | D64, MZ, IB | D64, MB, STR | BYT, STR, STR | BYT, STR,
	/* 70 Jcc rel8 */
	JB, JB, JB, JB, JB, JB, JB, JB, JB, JB, JB, JB, JB, JB, JB, JB,
	/* 80 */ MB | BYT, MZ, MB | BYT | I64, MB, M | BYT, M, M | BYT, M,
	/* 88 */ M | BYT, M, M | BYT, M, M, M, M, M | D64,
	/* 90 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/* 98 */ 0, 0, IMM_AP | I64, 0, D64, D64, 0, 0,
	/* A0 */ IMM_MOFFS | BYT, IMM_MOFFS, IMM_MOFFS | BYT, IMM_MOFFS,
	/* A4 */ STR | BYT, STR, STR | BYT, STR,
	/* A8 */ IB | BYT, IZ, STR | BYT, STR, STR | BYT, STR, STR | BYT, STR,
	/* B0 */ IB | BYT, IB | BYT, IB | BYT, IB | BYT,
	/* B4 */ IB | BYT, IB | BYT, IB | BYT, IB | BYT,
	/* B8 */ IMM_V, IMM_V, IMM_V, IMM_V, IMM_V, IMM_V, IMM_V, IMM_V,
	/* C0 */ MB | BYT, MB, IMM_W | D64 | A_BRANCH, D64 | A_BRANCH,
	/* C4 LES/LDS, VEX in 64-bit mode or with mod=3 */
	M | I64, M | I64, MB | BYT, MZ,
	/* C8 */ IMM_WB | D64, D64, IMM_W, 0, 0, IB, I64, 0,
	/* D0 */ M | BYT, M, M | BYT, M, IB | I64, IB | I64, I64, 0,
	/* D8 x87 */ M, M, M, M, M, M, M, M,
	/* E0 LOOPcc/JrCXZ */ JB, JB, JB, JB,
	/* E4 */ IB | BYT, IB, IB | BYT, IB,
	/* E8 */ JZ, JZ, IMM_AP | I64, JB, BYT, 0, BYT, 0,
	/* F0 */ PFX, 0, PFX, PFX, 0, 0, IMM_GRP3 | M | BYT, IMM_GRP3 | M,
	/* F8 */ 0, 0, 0, 0, 0, 0, M | BYT, M,
};

static const u16 twobyte_attrs[256] = {
	/* 00 */ M, M, M, M, X, 0, 0, 0, 0, 0, X, 0, X, M, 0, MB,
	/* 10 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 20 MOV CRn/DRn */
	M | A_REGONLY, M | A_REGONLY, M | A_REGONLY, M | A_REGONLY, X, X, X, X,
	/* 28 */ M, M, M, M, M, M, M, M,
	/* 30 */ 0, 0, 0, 0, 0, 0, X, 0, ESC, X, ESC, X, X, X, X, X,
	/* 40 CMOVcc */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 50 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 60 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 70 */ MB, MB, MB, MB, M, M, M, 0, M, M, X, X, M, M, M, M,
	/* 80 Jcc rel16/32 */
	JZ, JZ, JZ, JZ, JZ, JZ, JZ, JZ, JZ, JZ, JZ, JZ, JZ, JZ, JZ, JZ,
	/* 90 SETcc */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* A0 */ D64, D64, 0, M, MB, M, X, X, D64, D64, 0, M, MB, M, M, M,
	/* B0 */ M | BYT, M, M, M, M, M, M, M, M, M, MB, M, M, M, M, M,
	/* C0 */ M | BYT, M, MB, M, MB, MB, MB, M, 0, 0, 0, 0, 0, 0, 0, 0,
	/* D0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* E0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* F0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
};

struct decoder {
	const u8 *bytes;
	unsigned int avail;
	unsigned int pos;
	int status;		/* first failure: TRUNCATED or EXCEPTION */
};

/*
 * The one place guest bytes are read.  A 16th byte is #GP(0) whether or
 * not the caller could supply it; a byte past @avail is "need more".
 */
static u8 decoder_next_byte(struct decoder *d)
{
	if (d->status)
		return 0;
	if (d->pos >= HVX_INSN_MAX_LEN) {
		d->status = HVX_EMU_EXCEPTION;
		return 0;
	}
	if (d->pos >= d->avail) {
		d->status = HVX_EMU_TRUNCATED;
		return 0;
	}
	return d->bytes[d->pos++];
}

/* Little-endian immediate of @size bytes, zero-extended. */
static u64 decoder_next_le(struct decoder *d, unsigned int size)
{
	u64 val = 0;
	unsigned int i;

	for (i = 0; i < size; i++)
		val |= (u64)decoder_next_byte(d) << (8 * i);
	return val;
}

static s64 sign_extend(u64 val, unsigned int size)
{
	unsigned int shift = 64 - 8 * size;

	if (size >= 8)
		return (s64)val;
	return (s64)(val << shift) >> shift;
}

/* Peek without consuming; 0xff-free answer only when available. */
static bool decoder_peek(const struct decoder *d, u8 *out)
{
	if (d->status || d->pos >= d->avail || d->pos >= HVX_INSN_MAX_LEN)
		return false;
	*out = d->bytes[d->pos];
	return true;
}

static bool mode_is_16bit(u8 mode)
{
	return mode == HVX_MODE_REAL || mode == HVX_MODE_VM86 ||
	       mode == HVX_MODE_PROT16;
}

static void decode_operand_sizes(const struct hvx_decode_cfg *cfg,
				 struct hvx_insn *insn, u16 attrs)
{
	bool rex_w = insn->rex & 0x8;
	bool p66 = insn->opsize_prefix;

	if (cfg->mode == HVX_MODE_LONG64) {
		insn->addr_size = insn->addrsize_prefix ? 4 : 8;
		if (rex_w)
			insn->op_size = 8;
		else if ((attrs & A_BRANCH) && !cfg->vendor_amd)
			insn->op_size = 8;	/* Intel: 66 ignored */
		else if (attrs & A_DEF64)
			insn->op_size = p66 ? 2 : 8;
		else
			insn->op_size = p66 ? 2 : 4;
	} else if (mode_is_16bit(cfg->mode)) {
		insn->addr_size = insn->addrsize_prefix ? 4 : 2;
		insn->op_size = p66 ? 4 : 2;
	} else {
		insn->addr_size = insn->addrsize_prefix ? 2 : 4;
		insn->op_size = p66 ? 2 : 4;
	}
	if (attrs & A_BYTE)
		insn->op_size = 1;
}

static void decode_modrm16(struct hvx_insn *insn)
{
	static const u8 base16[8] = { HVX_RBX, HVX_RBX, HVX_RBP, HVX_RBP,
				      HVX_RSI, HVX_RDI, HVX_RBP, HVX_RBX };
	static const u8 index16[8] = { HVX_RSI, HVX_RDI, HVX_RSI, HVX_RDI,
				       HVX_REG_NONE, HVX_REG_NONE,
				       HVX_REG_NONE, HVX_REG_NONE };
	unsigned int rm = insn->modrm & 7;

	insn->base = base16[rm];
	insn->index = index16[rm];
	insn->disp_size = insn->mod == 1 ? 1 : insn->mod == 2 ? 2 : 0;
	if (insn->mod == 0 && rm == 6) {
		insn->base = HVX_REG_NONE;
		insn->disp_size = 2;
	}
	insn->seg = insn->base == HVX_RBP ? HVX_SEG_SS : HVX_SEG_DS;
}

static void decode_modrm32(struct decoder *d, struct hvx_insn *insn,
			   bool long_mode)
{
	unsigned int rm = insn->modrm & 7;
	bool rex_b = insn->rex & 1, rex_x = insn->rex & 2;

	insn->disp_size = insn->mod == 1 ? 1 : insn->mod == 2 ? 4 : 0;
	if (rm == 4) {
		unsigned int sib_base, sib_index;

		insn->has_sib = true;
		insn->sib = decoder_next_byte(d);
		sib_base = insn->sib & 7;
		sib_index = (insn->sib >> 3) & 7;
		insn->scale = 1u << (insn->sib >> 6);
		insn->index = sib_index | (rex_x ? 8 : 0);
		if (insn->index == HVX_RSP)
			insn->index = HVX_REG_NONE;	/* 100b = none, r12 ok */
		insn->base = sib_base | (rex_b ? 8 : 0);
		if (sib_base == 5 && insn->mod == 0) {
			insn->base = HVX_REG_NONE;	/* disp32, no base */
			insn->disp_size = 4;
		}
	} else if (rm == 5 && insn->mod == 0) {
		insn->base = HVX_REG_NONE;
		insn->disp_size = 4;
		insn->rip_relative = long_mode;
	} else {
		insn->base = rm | (rex_b ? 8 : 0);
	}
	insn->seg = (insn->base == HVX_RSP || insn->base == HVX_RBP) ?
		    HVX_SEG_SS : HVX_SEG_DS;
}

static void decode_modrm(struct decoder *d, const struct hvx_decode_cfg *cfg,
			 struct hvx_insn *insn, u16 attrs)
{
	insn->modrm = decoder_next_byte(d);
	insn->mod = insn->modrm >> 6;
	insn->reg = ((insn->modrm >> 3) & 7) | ((insn->rex & 4) ? 8 : 0);
	insn->rm = (insn->modrm & 7) | ((insn->rex & 1) ? 8 : 0);
	insn->scale = 1;
	insn->base = HVX_REG_NONE;
	insn->index = HVX_REG_NONE;
	if (insn->mod == 3 || (attrs & A_REGONLY))
		return;
	insn->has_mem = true;
	if (insn->addr_size == 2)
		decode_modrm16(insn);
	else
		decode_modrm32(d, insn, cfg->mode == HVX_MODE_LONG64);
	insn->disp = sign_extend(decoder_next_le(d, insn->disp_size),
				 insn->disp_size ? insn->disp_size : 8);
}

static unsigned int imm_z_size(const struct hvx_insn *insn)
{
	return insn->op_size == 2 ? 2 : 4;
}

static void decode_immediates(struct decoder *d, struct hvx_insn *insn,
			      u16 attrs)
{
	unsigned int size = 0, size2 = 0;
	bool sign = true;

	switch (attrs & A_IMM_MASK) {
	case IMM_B:
		size = 1;
		break;
	case IMM_W:
		size = 2;
		sign = false;
		break;
	case IMM_Z:
	case IMM_REL:
		size = imm_z_size(insn);
		break;
	case IMM_V:
		size = insn->op_size;
		break;
	case IMM_MOFFS:
		/* The offset is an address: it is the memory operand. */
		insn->has_mem = true;
		insn->base = HVX_REG_NONE;
		insn->index = HVX_REG_NONE;
		insn->scale = 1;
		insn->seg = HVX_SEG_DS;
		insn->disp_size = insn->addr_size;
		insn->disp = (s64)decoder_next_le(d, insn->addr_size);
		return;
	case IMM_AP:
		size = imm_z_size(insn);
		size2 = 2;
		sign = false;
		break;
	case IMM_WB:
		size = 2;
		size2 = 1;
		sign = false;
		break;
	case IMM_GRP3:
		if ((insn->modrm & 0x38) <= 0x08)	/* /0, /1: TEST */
			size = insn->op_size == 1 ? 1 : imm_z_size(insn);
		break;
	default:
		break;
	}
	insn->imm_size = size;
	insn->imm = decoder_next_le(d, size);
	if (sign && size)
		insn->imm = (u64)sign_extend(insn->imm, size);
	insn->imm2_size = size2;
	insn->imm2 = decoder_next_le(d, size2);
}

/*
 * VEX (C4/C5), EVEX (62) and XOP (8F) prefixed instructions: we only need
 * their length (for next-RIP); they are never executed.
 */
static void decode_vex_like(struct decoder *d, const struct hvx_decode_cfg *cfg,
			    struct hvx_insn *insn, u8 escape)
{
	u8 p0, p1, map;
	u16 attrs;

	insn->flags |= HVX_INSN_UNSUPPORTED;
	/* Legacy 66/F2/F3/LOCK or REX before VEX-like prefixes is #UD. */
	if (insn->opsize_prefix || insn->rep || insn->lock || insn->rex)
		insn->flags |= HVX_INSN_INVALID;
	p0 = decoder_next_byte(d);
	if (escape == 0xc5) {
		map = 1;
		insn->rex = 0x40 | ((p0 & 0x80) ? 0 : 4);
	} else {
		map = p0 & 0x1f;
		p1 = decoder_next_byte(d);
		insn->rex = 0x40 | ((~p0 >> 5) & 7) | ((p1 & 0x80) >> 4);
		if (escape == 0x62) {
			map = p0 & 7;
			decoder_next_byte(d);	/* P2 */
		}
	}
	if (cfg->mode != HVX_MODE_LONG64)
		insn->rex &= ~0x7;	/* R/X/B are ignored outside 64-bit */
	insn->opcode = decoder_next_byte(d);
	if (escape == 0x8f) {		/* XOP maps 8, 9, 0Ah */
		if (map < 8 || map > 10) {
			insn->flags |= HVX_INSN_INVALID;
			return;
		}
		attrs = A_MODRM | (map == 8 ? IMM_B : map == 10 ? IMM_Z : 0);
		insn->map = HVX_MAP_0F;
	} else if (map == 1) {
		/* VZEROUPPER/ALL lack ModRM; imm8 where the legacy op has one. */
		attrs = twobyte_attrs[insn->opcode] & A_IMM_MASK;
		attrs = insn->opcode == 0x77 ? 0 :
			A_MODRM | (attrs == IMM_B ? IMM_B : 0);
		insn->map = HVX_MAP_0F;
	} else if (map == 2) {
		attrs = A_MODRM;
		insn->map = HVX_MAP_0F38;
	} else if (map == 3) {
		attrs = A_MODRM | IMM_B;
		insn->map = HVX_MAP_0F3A;
	} else if (escape == 0x62 && (map == 5 || map == 6)) {
		attrs = A_MODRM;	/* EVEX FP16 maps */
	} else {
		insn->flags |= HVX_INSN_INVALID;
		return;
	}
	decode_operand_sizes(cfg, insn, 0);
	if (attrs & A_MODRM)
		decode_modrm(d, cfg, insn, attrs);
	insn->op_size = 4;	/* makes IMM_Z 32-bit for XOP map 0Ah */
	decode_immediates(d, insn, attrs);
}

/*
 * C4/C5 are LES/LDS outside 64-bit mode unless the next byte has mod=3;
 * 62 is BOUND likewise; 8F is POP Ev unless ModRM.reg selects an XOP map.
 */
static bool is_vex_like(const struct decoder *d,
			const struct hvx_decode_cfg *cfg, u8 op)
{
	u8 next;

	if (op != 0xc4 && op != 0xc5 && op != 0x62 && op != 0x8f)
		return false;
	if (!decoder_peek(d, &next))
		return op != 0x8f && cfg->mode == HVX_MODE_LONG64;
	if (op == 0x8f)
		return (next & 0x1f) >= 8;
	if (cfg->mode == HVX_MODE_LONG64)
		return true;
	if (cfg->mode == HVX_MODE_REAL || cfg->mode == HVX_MODE_VM86)
		return false;
	return (next >> 6) == 3;
}

static void decode_legacy_prefixes(struct decoder *d,
				   const struct hvx_decode_cfg *cfg,
				   struct hvx_insn *insn, u8 *opcode)
{
	static const u8 seg_of[8] = { HVX_SEG_ES, HVX_SEG_CS, HVX_SEG_SS,
				      HVX_SEG_DS };
	u8 b;

	/* Bounded by the 15-byte limit enforced in decoder_next_byte(). */
	for (;;) {
		b = decoder_next_byte(d);
		if (d->status)
			return;
		switch (b) {
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			insn->seg_prefix = seg_of[(b >> 3) & 3];
			break;
		case 0x64: case 0x65:
			insn->seg_prefix = b == 0x64 ? HVX_SEG_FS : HVX_SEG_GS;
			break;
		case 0x66:
			insn->opsize_prefix = true;
			break;
		case 0x67:
			insn->addrsize_prefix = true;
			break;
		case 0xf0:
			insn->lock = true;
			break;
		case 0xf2:
			insn->rep = HVX_REP_F2;
			break;
		case 0xf3:
			insn->rep = HVX_REP_F3;
			break;
		default:
			if (cfg->mode == HVX_MODE_LONG64 && (b & 0xf0) == 0x40) {
				/* REX counts only right before the opcode. */
				insn->rex = b;
				insn->nr_prefixes++;
				b = decoder_next_byte(d);
				if (d->status)
					return;
				if ((b & 0xf0) == 0x40 ||
				    (onebyte_attrs[b] & A_PREFIX)) {
					insn->rex = 0;
					d->pos--;	/* re-read as prefix */
					continue;
				}
			}
			*opcode = b;
			return;
		}
		insn->nr_prefixes++;
	}
}

int hvx_decode(const struct hvx_decode_cfg *cfg, const u8 *bytes,
	       unsigned int avail, struct hvx_insn *insn)
{
	struct decoder d = { .bytes = bytes, .avail = avail };
	const u16 *table = onebyte_attrs;
	u8 op = 0;
	u16 attrs;

	memset(insn, 0, sizeof(*insn));
	insn->mode = cfg->mode;
	insn->seg_prefix = HVX_SEG_NONE;
	insn->seg = HVX_SEG_NONE;
	insn->base = HVX_REG_NONE;
	insn->index = HVX_REG_NONE;
	insn->scale = 1;

	decode_legacy_prefixes(&d, cfg, insn, &op);
	if (d.status)
		goto out;

	if (is_vex_like(&d, cfg, op)) {
		decode_vex_like(&d, cfg, insn, op);
		goto out;
	}

	insn->map = HVX_MAP_ONEBYTE;
	if (op == 0x0f) {
		table = twobyte_attrs;
		insn->map = HVX_MAP_0F;
		op = decoder_next_byte(&d);
		if (op == 0x38 || op == 0x3a) {
			insn->map = op == 0x38 ? HVX_MAP_0F38 : HVX_MAP_0F3A;
			op = decoder_next_byte(&d);
		}
	}
	insn->opcode = op;
	if (d.status)
		goto out;

	if (insn->map == HVX_MAP_0F38)
		attrs = A_MODRM;
	else if (insn->map == HVX_MAP_0F3A)
		attrs = A_MODRM | IMM_B;
	else
		attrs = table[op];

	/* AMD SSE4a EXTRQ/INSERTQ: 66/F2 0F 78 carry two imm8 bytes. */
	if (insn->map == HVX_MAP_0F && op == 0x78 &&
	    (insn->opsize_prefix || insn->rep == HVX_REP_F2))
		attrs = A_MODRM | IMM_W;	/* two imm8 bytes */

	decode_operand_sizes(cfg, insn, attrs);
	/* #UD comes before any operand byte is fetched. */
	if ((attrs & A_INVALID) ||
	    ((attrs & A_INV64) && cfg->mode == HVX_MODE_LONG64)) {
		insn->flags |= HVX_INSN_INVALID;
		goto out;
	}
	/* FF /2 /4 /6 and 8F default to 64-bit: fixed up after ModRM. */
	if (attrs & A_MODRM)
		decode_modrm(&d, cfg, insn, attrs);
	if (insn->map == HVX_MAP_ONEBYTE && op == 0xff &&
	    cfg->mode == HVX_MODE_LONG64 && !(insn->rex & 8)) {
		unsigned int sub = (insn->modrm >> 3) & 7;

		if (sub == 2 || sub == 4)	/* near CALL/JMP */
			decode_operand_sizes(cfg, insn, A_DEF64 | A_BRANCH);
		else if (sub == 6)		/* PUSH */
			decode_operand_sizes(cfg, insn, A_DEF64);
	}
	decode_immediates(&d, insn, attrs);

	if (attrs & A_MODRM)
		insn->flags |= HVX_INSN_MODRM;
	if (attrs & A_BYTE)
		insn->flags |= HVX_INSN_BYTEOP;
	if (attrs & A_STRING)
		insn->flags |= HVX_INSN_STRING;
	if ((attrs & A_IMM_MASK) == IMM_MOFFS)
		insn->flags |= HVX_INSN_MOFFS;
	if (attrs & A_DEF64)
		insn->flags |= HVX_INSN_DEF64;
	if (attrs & A_REGONLY)
		insn->flags |= HVX_INSN_REGONLY;
	if (attrs & A_STRING) {
		insn->seg = HVX_SEG_DS;		/* source; ES:rDI is fixed */
		insn->base = HVX_REG_NONE;
	}

out:
	insn->len = (u8)d.pos;
	memcpy(insn->bytes, bytes, d.pos);
	if (d.status)
		return d.status;

	/* 64-bit mode ignores CS/DS/ES/SS overrides (FS/GS still apply). */
	if (insn->seg_prefix != HVX_SEG_NONE &&
	    (cfg->mode != HVX_MODE_LONG64 || insn->seg_prefix == HVX_SEG_FS ||
	     insn->seg_prefix == HVX_SEG_GS) &&
	    (insn->has_mem || (insn->flags & HVX_INSN_STRING)))
		insn->seg = insn->seg_prefix;
	return HVX_EMU_OK;
}
