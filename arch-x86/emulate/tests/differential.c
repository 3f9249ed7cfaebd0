// SPDX-License-Identifier: GPL-2.0-only
/*
 * Differential test: random instances of every supported opcode, operand
 * size and addressing form run natively in a userspace sandbox and through
 * the emulator from identical registers, flags and memory; afterwards all
 * 16 GPRs, RIP, the defined arithmetic flags, DF and the data pages must
 * match.  Faults are compared too: a native SIGSEGV must be an emulated
 * #PF (same CR2) or #GP/#SS, SIGILL an emulated #UD, with the register
 * state at the fault (REP progress included) identical.
 *
 * Sandbox: fixed low mappings so that the glue code can address them with
 * absolute disp32 operands while every GPR belongs to the test instruction.
 *   CTRL  0x0f000000  register images in/out, host RSP, scratch stack
 *   CODE  0x0f100000  the instruction, then "jmp *[rip]" to native_exit
 *   DATA  0x10000000  DATA_PAGES pages of operands, unmapped page after
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "../emulate.h"
#include "ktap.h"
#include "test_ops.h"

#define CTRL_BASE	0x0f000000UL
#define CODE_BASE	0x0f100000UL
#define DATA_BASE	0x10000000UL
#define DATA_PAGES	3
#define DATA_SIZE	(DATA_PAGES * 4096UL)
#define INSN_OFFSET	0x100

/* CTRL layout, shared with the assembly below. */
#define CTRL_IN		0x000	/* 16 GPRs */
#define CTRL_IN_FLAGS	0x080
#define CTRL_CODE_PTR	0x088
#define CTRL_HOST_RSP	0x090
#define CTRL_OUT	0x100	/* 16 GPRs */
#define CTRL_OUT_FLAGS	0x180
#define CTRL_STACK_TOP	0x8000

struct cpu_state {
	u64 gpr[16];
	u64 rip, rflags;
	int signal;		/* native: SIGSEGV/SIGILL/..., 0 if none */
	u64 fault_addr;
	u8 vector;		/* emulated exception vector, 0xff none */
	u64 cr2;
};

void native_enter(void);
void native_exit(void);

#define S(x) #x
#define XS(x) S(x)
/* Load every GPR and RFLAGS from CTRL_IN, jump to CODE; store on return. */
__asm__(
	".text\n"
	".globl native_enter\n"
	"native_enter:\n"
	"	push %rbx\n push %rbp\n push %r12\n push %r13\n"
	"	push %r14\n push %r15\n"
	"	mov %rsp, 0x0f000090\n"
	"	mov $0x0f008000, %esp\n"
	"	pushq 0x0f000080\n"
	"	popfq\n"
	"	mov 0x0f000000, %rax\n mov 0x0f000008, %rcx\n"
	"	mov 0x0f000010, %rdx\n mov 0x0f000018, %rbx\n"
	"	mov 0x0f000028, %rbp\n mov 0x0f000030, %rsi\n"
	"	mov 0x0f000038, %rdi\n mov 0x0f000040, %r8\n"
	"	mov 0x0f000048, %r9\n mov 0x0f000050, %r10\n"
	"	mov 0x0f000058, %r11\n mov 0x0f000060, %r12\n"
	"	mov 0x0f000068, %r13\n mov 0x0f000070, %r14\n"
	"	mov 0x0f000078, %r15\n"
	"	mov 0x0f000020, %rsp\n"
	"	jmp *0x0f000088\n"
	".globl native_exit\n"
	"native_exit:\n"
	"	mov %rax, 0x0f000100\n mov %rcx, 0x0f000108\n"
	"	mov %rdx, 0x0f000110\n mov %rbx, 0x0f000118\n"
	"	mov %rsp, 0x0f000120\n mov %rbp, 0x0f000128\n"
	"	mov %rsi, 0x0f000130\n mov %rdi, 0x0f000138\n"
	"	mov %r8, 0x0f000140\n mov %r9, 0x0f000148\n"
	"	mov %r10, 0x0f000150\n mov %r11, 0x0f000158\n"
	"	mov %r12, 0x0f000160\n mov %r13, 0x0f000168\n"
	"	mov %r14, 0x0f000170\n mov %r15, 0x0f000178\n"
	"	mov $0x0f008000, %esp\n"
	"	pushfq\n"
	"	popq 0x0f000180\n"
	"	cld\n"
	"	mov 0x0f000090, %rsp\n"
	"	pop %r15\n pop %r14\n pop %r13\n pop %r12\n"
	"	pop %rbp\n pop %rbx\n"
	"	ret\n");

/* ------------------------------------------------------------ templates */

enum form { F_MODRM, F_MEMONLY, F_NOMODRM, F_OPREG, F_MOFFS, F_STRING };
enum immk { I_NONE, I_B, I_Z, I_V };

struct tmpl {
	char name[40];
	u8 map;			/* 0: one-byte, 1: 0F */
	u8 opcode;
	s8 digit;		/* ModRM.reg fixed, or -1 */
	u8 form;
	u8 imm;
	bool lockable;
	bool bt_reg;		/* Gv is a bit offset into the memory operand */
	bool stack;		/* PUSH/POP: RSP must point at DATA */
	u64 undef;		/* architecturally undefined flags */
	unsigned long cases, mismatches;
};

#define MAX_TMPL 160
static struct tmpl tmpls[MAX_TMPL];
static unsigned int nr_tmpls;

static struct tmpl *add(const char *name, u8 map, u8 op, s8 digit, u8 form,
			u8 imm)
{
	struct tmpl *t = &tmpls[nr_tmpls++];

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->map = map;
	t->opcode = op;
	t->digit = digit;
	t->form = form;
	t->imm = imm;
	return t;
}

static void build_templates(void)
{
	static const char *const alu[8] = { "add", "or", "adc", "sbb",
					    "and", "sub", "xor", "cmp" };
	const u64 logic_undef = HVX_FLAG_AF;
	const u64 bt_undef = HVX_FLAG_OF | HVX_FLAG_SF | HVX_FLAG_AF |
			     HVX_FLAG_PF;
	char n[40];
	struct tmpl *t;
	int op, i;

	for (op = 0; op < 8; op++) {
		bool logic = op == 1 || op == 4 || op == 6;
		static const char *const form[6] = { "eb_gb", "ev_gv", "gb_eb",
						     "gv_ev", "al_ib", "eax_iz" };
		for (i = 0; i < 6; i++) {
			snprintf(n, sizeof(n), "%s_%s", alu[op], form[i]);
			t = add(n, 0, (u8)(op * 8 + i), -1,
				i < 4 ? F_MODRM : F_NOMODRM,
				i == 4 ? I_B : i == 5 ? I_Z : I_NONE);
			t->lockable = i < 2 && op != 7;
			t->undef = logic ? logic_undef : 0;
		}
		for (i = 0; i < 3; i++) {
			static const u8 grp1[3] = { 0x80, 0x81, 0x83 };

			snprintf(n, sizeof(n), "%s_grp1_%02x", alu[op], grp1[i]);
			t = add(n, 0, grp1[i], (s8)op, F_MODRM,
				i == 1 ? I_Z : I_B);
			t->lockable = op != 7;
			t->undef = logic ? logic_undef : 0;
		}
	}
	add("test_eb_gb", 0, 0x84, -1, F_MODRM, I_NONE)->undef = logic_undef;
	add("test_ev_gv", 0, 0x85, -1, F_MODRM, I_NONE)->undef = logic_undef;
	add("test_al_ib", 0, 0xa8, -1, F_NOMODRM, I_B)->undef = logic_undef;
	add("test_eax_iz", 0, 0xa9, -1, F_NOMODRM, I_Z)->undef = logic_undef;
	add("test_eb_ib", 0, 0xf6, 0, F_MODRM, I_B)->undef = logic_undef;
	add("test_ev_iz", 0, 0xf7, 0, F_MODRM, I_Z)->undef = logic_undef;
	add("not_eb", 0, 0xf6, 2, F_MODRM, I_NONE)->lockable = true;
	add("not_ev", 0, 0xf7, 2, F_MODRM, I_NONE)->lockable = true;
	add("neg_eb", 0, 0xf6, 3, F_MODRM, I_NONE)->lockable = true;
	add("neg_ev", 0, 0xf7, 3, F_MODRM, I_NONE)->lockable = true;
	add("inc_eb", 0, 0xfe, 0, F_MODRM, I_NONE)->lockable = true;
	add("dec_eb", 0, 0xfe, 1, F_MODRM, I_NONE)->lockable = true;
	add("inc_ev", 0, 0xff, 0, F_MODRM, I_NONE)->lockable = true;
	add("dec_ev", 0, 0xff, 1, F_MODRM, I_NONE)->lockable = true;
	add("xchg_eb_gb", 0, 0x86, -1, F_MODRM, I_NONE)->lockable = true;
	add("xchg_ev_gv", 0, 0x87, -1, F_MODRM, I_NONE)->lockable = true;
	add("xchg_rax_reg", 0, 0x90, -1, F_OPREG, I_NONE);
	add("mov_eb_gb", 0, 0x88, -1, F_MODRM, I_NONE);
	add("mov_ev_gv", 0, 0x89, -1, F_MODRM, I_NONE);
	add("mov_gb_eb", 0, 0x8a, -1, F_MODRM, I_NONE);
	add("mov_gv_ev", 0, 0x8b, -1, F_MODRM, I_NONE);
	add("mov_eb_ib", 0, 0xc6, 0, F_MODRM, I_B);
	add("mov_ev_iz", 0, 0xc7, 0, F_MODRM, I_Z);
	add("mov_al_moffs", 0, 0xa0, -1, F_MOFFS, I_NONE);
	add("mov_eax_moffs", 0, 0xa1, -1, F_MOFFS, I_NONE);
	add("mov_moffs_al", 0, 0xa2, -1, F_MOFFS, I_NONE);
	add("mov_moffs_eax", 0, 0xa3, -1, F_MOFFS, I_NONE);
	add("mov_r8_ib", 0, 0xb0, -1, F_OPREG, I_B);
	add("mov_r_iv", 0, 0xb8, -1, F_OPREG, I_V);
	add("movzx_gv_eb", 1, 0xb6, -1, F_MODRM, I_NONE);
	add("movzx_gv_ew", 1, 0xb7, -1, F_MODRM, I_NONE);
	add("movsx_gv_eb", 1, 0xbe, -1, F_MODRM, I_NONE);
	add("movsx_gv_ew", 1, 0xbf, -1, F_MODRM, I_NONE);
	add("movsxd_gv_ed", 0, 0x63, -1, F_MODRM, I_NONE);
	add("lea_gv_m", 0, 0x8d, -1, F_MEMONLY, I_NONE);
	add("cmpxchg_eb_gb", 1, 0xb0, -1, F_MODRM, I_NONE)->lockable = true;
	add("cmpxchg_ev_gv", 1, 0xb1, -1, F_MODRM, I_NONE)->lockable = true;
	t = add("bt_ev_gv", 1, 0xa3, -1, F_MODRM, I_NONE);
	t->bt_reg = true;
	t->undef = bt_undef;
	for (i = 0; i < 3; i++) {
		static const u8 ops[3] = { 0xab, 0xb3, 0xbb };
		static const char *const nm[3] = { "bts_ev_gv", "btr_ev_gv",
						   "btc_ev_gv" };
		t = add(nm[i], 1, ops[i], -1, F_MODRM, I_NONE);
		t->bt_reg = true;
		t->lockable = true;
		t->undef = bt_undef;
	}
	for (i = 4; i < 8; i++) {
		static const char *const nm[4] = { "bt_ev_ib", "bts_ev_ib",
						   "btr_ev_ib", "btc_ev_ib" };
		t = add(nm[i - 4], 1, 0xba, (s8)i, F_MODRM, I_B);
		t->lockable = i > 4;
		t->undef = bt_undef;
	}
	add("push_ev", 0, 0xff, 6, F_MODRM, I_NONE)->stack = true;
	add("pop_ev", 0, 0x8f, 0, F_MODRM, I_NONE)->stack = true;
	add("push_reg", 0, 0x50, -1, F_OPREG, I_NONE)->stack = true;
	add("pop_reg", 0, 0x58, -1, F_OPREG, I_NONE)->stack = true;
	add("movsb", 0, 0xa4, -1, F_STRING, I_NONE);
	add("movsv", 0, 0xa5, -1, F_STRING, I_NONE);
	add("cmpsb", 0, 0xa6, -1, F_STRING, I_NONE);
	add("cmpsv", 0, 0xa7, -1, F_STRING, I_NONE);
	add("stosb", 0, 0xaa, -1, F_STRING, I_NONE);
	add("stosv", 0, 0xab, -1, F_STRING, I_NONE);
	add("lodsb", 0, 0xac, -1, F_STRING, I_NONE);
	add("lodsv", 0, 0xad, -1, F_STRING, I_NONE);
	add("scasb", 0, 0xae, -1, F_STRING, I_NONE);
	add("scasv", 0, 0xaf, -1, F_STRING, I_NONE);
	add("cmc", 0, 0xf5, -1, F_NOMODRM, I_NONE);
	add("clc", 0, 0xf8, -1, F_NOMODRM, I_NONE);
	add("stc", 0, 0xf9, -1, F_NOMODRM, I_NONE);
	add("cld", 0, 0xfc, -1, F_NOMODRM, I_NONE);
	add("std", 0, 0xfd, -1, F_NOMODRM, I_NONE);
}

/* --------------------------------------------------------------- random */

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	/* xorshift64*: deterministic, so a failure reproduces by seed. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static u64 rnd_below(u64 n)
{
	return n ? rnd() % n : 0;
}

/* Operand values that hit carries, overflows and sign changes. */
static u64 rnd_value(void)
{
	static const u64 special[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000,
				       0xffff, 0x7fffffff, 0x80000000,
				       0xffffffff, 0x7fffffffffffffffULL,
				       0x8000000000000000ULL, ~0ULL };
	switch (rnd_below(4)) {
	case 0:
		return special[rnd_below(sizeof(special) / sizeof(special[0]))];
	case 1:
		return rnd_below(256) - 128;
	default:
		return rnd();
	}
}

/* ----------------------------------------------------------- generation */

struct gen {
	const struct tmpl *t;
	u8 bytes[HVX_INSN_MAX_LEN];
	unsigned int len;
	struct cpu_state in;
	unsigned int disp_off;		/* where a RIP-relative disp32 sits */
	bool rip_rel;
};

static u64 fs_base, gs_base;

static void emit(struct gen *g, u8 b)
{
	if (g->len < HVX_INSN_MAX_LEN)
		g->bytes[g->len++] = b;
}

static void emit_le(struct gen *g, u64 v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		emit(g, (u8)(v >> (8 * i)));
}

static u64 pick_target(unsigned int size_hint)
{
	/* Mostly inside; sometimes straddling into the unmapped page. */
	if (rnd_below(50) == 0)
		return DATA_BASE + DATA_SIZE - 1 - rnd_below(size_hint);
	return DATA_BASE + 64 + rnd_below(DATA_SIZE - 128);
}

/*
 * Make the ModRM memory operand land on @target by choosing the base (and
 * a small index) register value.  Returns false when the registers the
 * instruction pins (RSP for PUSH/POP) make that impossible.
 */
static bool aim_modrm(struct gen *g, u8 base, u8 index, unsigned int scale,
		      s64 disp, bool a32, u64 seg_base, u64 target,
		      u64 pinned_mask)
{
	u64 *r = g->in.gpr, want = target - seg_base - (u64)disp, ea;

	if (index != 0xff && !(pinned_mask & (1u << index)) && index != base)
		r[index] = base == 0xff ? want / scale : rnd_below(129) - 64;
	if (index != 0xff && base == 0xff && a32)
		r[index] = (r[index] & 0xffffffffULL) | (rnd() << 32);
	if (base != 0xff && !(pinned_mask & (1u << base))) {
		if (index == base) {
			u64 v = want / (scale + 1);

			r[base] = a32 ? (v & 0xffffffffULL) : v;
		} else {
			r[base] = want - (index != 0xff ? r[index] * scale : 0);
		}
		if (a32)	/* upper half must be ignored */
			r[base] = (r[base] & 0xffffffffULL) | (rnd() << 32);
	}
	ea = (u64)disp + (base != 0xff ? r[base] : 0) +
	     (index != 0xff ? r[index] * scale : 0);
	if (a32)
		ea &= 0xffffffffULL;
	ea += seg_base;
	return ea >= DATA_BASE - 4096 && ea < DATA_BASE + DATA_SIZE + 4096;
}

static bool generate(struct gen *g, const struct tmpl *t)
{
	bool p66 = false, p67 = false, rexw, mem;
	u8 rex = 0, seg = 0, mod = 3, reg, rm, base = 0xff, index = 0xff;
	unsigned int scale = 1, opsize, i;
	u64 seg_base = 0, pinned = 0, target;
	s64 disp = 0;

	memset(g, 0, sizeof(*g));
	g->t = t;
	for (i = 0; i < 16; i++)
		g->in.gpr[i] = rnd_value();
	g->in.rflags = (rnd() & (HVX_FLAGS_ARITH | HVX_FLAG_DF)) | 0x202;

	/* Legacy prefixes in random order, then REX. */
	if (rnd_below(4) == 0)
		p66 = true;
	if (t->form != F_OPREG && t->form != F_NOMODRM && rnd_below(5) == 0)
		p67 = true;
	if (rnd_below(5) == 0) {
		static const u8 segs[6] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };

		seg = segs[rnd_below(6)];
		if (seg == 0x64)
			seg_base = fs_base;
		else if (seg == 0x65)
			seg_base = gs_base;
		if (p67 && seg_base > 0xffffffffULL)
			seg = 0x3e, seg_base = 0;
	}
	if (rnd_below(2))
		rex = 0x40 | (u8)rnd_below(16);
	/* MOVSXD/CMPXCHG without REX.W on 32-bit regs are still fine. */
	rexw = rex & 8;
	opsize = rexw ? 8 : p66 ? 2 : 4;
	if (t->stack)
		opsize = p66 ? 2 : 8;

	if (p66 && rnd_below(2))
		emit(g, 0x66);
	if (seg)
		emit(g, seg);
	if (p67)
		emit(g, 0x67);
	if (p66 && (g->len == 0 || g->bytes[0] != 0x66))
		emit(g, 0x66);
	if (t->form == F_STRING && rnd_below(4))
		emit(g, rnd_below(2) ? 0xf3 : 0xf2);

	target = pick_target(8);
	reg = t->digit >= 0 ? (u8)t->digit : (u8)rnd_below(8);
	rm = (u8)rnd_below(8);
	mem = t->form == F_MEMONLY ||
	      (t->form == F_MODRM && rnd_below(4) != 0);
	if ((t->lockable && mem && rnd_below(3) == 0) || rnd_below(200) == 0)
		emit(g, 0xf0);
	if (rex)
		emit(g, rex);
	if (t->map == 1)
		emit(g, 0x0f);

	switch (t->form) {
	case F_OPREG:
		emit(g, t->opcode | (u8)rnd_below(8));
		if (t->opcode == 0x90 && (g->bytes[g->len - 1] & 7) == 0 &&
		    !(rex & 1))
			g->bytes[g->len - 1] = 0x91;	/* not a NOP */
		break;
	case F_MODRM:
	case F_MEMONLY:
		emit(g, t->opcode);
		if (mem)
			mod = (u8)rnd_below(3);
		emit(g, (u8)(mod << 6 | (reg & 7) << 3 | rm));
		if (mod == 3)
			break;
		if (rm == 4) {
			u8 sib = (u8)rnd();

			emit(g, sib);
			scale = 1u << (sib >> 6);
			index = ((sib >> 3) & 7) | ((rex & 2) ? 8 : 0);
			if (index == 4)
				index = 0xff;
			base = (sib & 7) | ((rex & 1) ? 8 : 0);
			if ((sib & 7) == 5 && mod == 0)
				base = 0xff;
		} else if (rm == 5 && mod == 0) {
			g->rip_rel = true;
		} else {
			base = rm | ((rex & 1) ? 8 : 0);
		}
		if (mod == 1) {
			disp = (s8)rnd();
			emit_le(g, (u64)disp, 1);
		} else if (mod == 2 || (mod == 0 && (rm == 5 ||
			   (rm == 4 && base == 0xff)))) {
			disp = (s32)(rnd_below(0x200) - 0x100);
			/* No base, no index: the displacement is the address. */
			if (base == 0xff && index == 0xff && !g->rip_rel &&
			    target - seg_base < 0x80000000ULL)
				disp = (s64)(target - seg_base);
			g->disp_off = g->len;
			emit_le(g, (u64)disp, 4);
		}
		break;
	case F_MOFFS:
		emit(g, t->opcode);
		emit_le(g, pick_target(8) - seg_base, p67 ? 4 : 8);
		break;
	default:
		emit(g, t->opcode);
		break;
	}

	switch (t->imm) {
	case I_B:
		emit(g, (u8)rnd_value());
		break;
	case I_Z:
		emit_le(g, rnd_value(), opsize == 2 ? 2 : 4);
		break;
	case I_V:
		emit_le(g, rnd_value(), opsize);
		break;
	}
	if (g->len >= HVX_INSN_MAX_LEN)
		return false;

	/* Registers the instruction itself uses as pointers. */
	if (t->stack) {
		g->in.gpr[HVX_RSP] = DATA_BASE + 256 + rnd_below(DATA_SIZE - 512);
		if (rnd_below(4))
			g->in.gpr[HVX_RSP] &= ~7ULL;
		pinned |= 1u << HVX_RSP;
	}
	if (t->form == F_STRING) {
		u64 span = 32 * 8;

		g->in.gpr[HVX_RSI] = DATA_BASE + span + rnd_below(DATA_SIZE - 2 * span);
		g->in.gpr[HVX_RDI] = DATA_BASE + span + rnd_below(DATA_SIZE - 2 * span);
		g->in.gpr[HVX_RCX] = rnd_below(24);
		/* Sometimes run into the unmapped page: a fault mid-REP. */
		if (rnd_below(16) == 0) {
			g->in.rflags &= ~HVX_FLAG_DF;
			g->in.gpr[HVX_RSI] = DATA_BASE + DATA_SIZE - rnd_below(64);
			g->in.gpr[HVX_RDI] = DATA_BASE + DATA_SIZE - rnd_below(64);
		}
		if (p67) {
			g->in.gpr[HVX_RSI] |= rnd() << 32;
			g->in.gpr[HVX_RDI] |= rnd() << 32;
			g->in.gpr[HVX_RCX] |= rnd() << 32;
		}
		if (seg_base) {	/* FS/GS override applies to the source */
			g->in.gpr[HVX_RSI] -= seg_base;
			if (p67)
				return false;
		}
	}
	if (t->bt_reg) {
		u64 off = rnd_below(512) - 256;

		g->in.gpr[(reg & 7) | ((rex & 4) ? 8 : 0)] = off;
		pinned |= 1u << ((reg & 7) | ((rex & 4) ? 8 : 0));
	}
	if (mem && !g->rip_rel && !aim_modrm(g, base, index, scale, disp, p67,
					     seg_base, target, pinned))
		return false;
	if (g->rip_rel) {
		u64 next = CODE_BASE + INSN_OFFSET + g->len;
		s64 d = (s64)(target - seg_base - next);

		memcpy(&g->bytes[g->disp_off], &d, 4);
	}
	g->in.rip = CODE_BASE + INSN_OFFSET;
	return true;
}

/* -------------------------------------------------------------- native */

static sigjmp_buf native_jmp;
static volatile sig_atomic_t in_native;
static struct cpu_state native_fault;

static void on_fault(int sig, siginfo_t *si, void *uc_void)
{
	ucontext_t *uc = uc_void;
	static const int map[16] = { REG_RAX, REG_RCX, REG_RDX, REG_RBX,
				     REG_RSP, REG_RBP, REG_RSI, REG_RDI,
				     REG_R8, REG_R9, REG_R10, REG_R11,
				     REG_R12, REG_R13, REG_R14, REG_R15 };
	int i;

	if (!in_native) {
		signal(sig, SIG_DFL);
		return;
	}
	for (i = 0; i < 16; i++)
		native_fault.gpr[i] = (u64)uc->uc_mcontext.gregs[map[i]];
	native_fault.rip = (u64)uc->uc_mcontext.gregs[REG_RIP];
	native_fault.rflags = (u64)uc->uc_mcontext.gregs[REG_EFL];
	native_fault.signal = sig;
	native_fault.fault_addr = (u64)si->si_addr;
	siglongjmp(native_jmp, 1);
}

static void run_native(const struct gen *g, struct cpu_state *out)
{
	volatile u64 *ctrl = (volatile u64 *)CTRL_BASE;
	u8 *code = (u8 *)CODE_BASE + INSN_OFFSET;
	u64 exit_addr = (u64)(uintptr_t)native_exit;
	unsigned int i;

	memcpy(code, g->bytes, g->len);
	code[g->len] = 0xff;		/* jmp *0(%rip) */
	code[g->len + 1] = 0x25;
	memset(code + g->len + 2, 0, 4);
	memcpy(code + g->len + 6, &exit_addr, 8);
	for (i = 0; i < 16; i++)
		ctrl[CTRL_IN / 8 + i] = g->in.gpr[i];
	ctrl[CTRL_IN_FLAGS / 8] = g->in.rflags;
	ctrl[CTRL_CODE_PTR / 8] = CODE_BASE + INSN_OFFSET;

	memset(out, 0, sizeof(*out));
	if (sigsetjmp(native_jmp, 1) == 0) {
		in_native = 1;
		native_enter();
		in_native = 0;
		for (i = 0; i < 16; i++)
			out->gpr[i] = ctrl[CTRL_OUT / 8 + i];
		out->rflags = ctrl[CTRL_OUT_FLAGS / 8];
		out->rip = CODE_BASE + INSN_OFFSET + g->len;
	} else {
		in_native = 0;
		*out = native_fault;
	}
}

/* ------------------------------------------------------------ emulated */

static struct test_vm vm;

static void run_emulated(const struct gen *g, struct cpu_state *out)
{
	struct hvx_emu_ctxt *c = &vm.ctxt;
	unsigned int rounds;
	int r;

	memcpy(vm.gpr, g->in.gpr, sizeof(vm.gpr));
	c->rip = g->in.rip;
	c->rflags = g->in.rflags;
	/* Small budgets exercise REP yield and resume. */
	c->rep_budget = rnd_below(3) == 0 ? 1 + (u32)rnd_below(4) : 0;
	memset(out, 0, sizeof(*out));
	out->vector = 0xff;

	r = hvx_emu_fetch_decode(c);
	for (rounds = 0; r == HVX_EMU_OK && rounds < 1000; rounds++) {
		r = hvx_emu_execute(c);
		if (r != HVX_EMU_YIELD)
			break;
		/* Resume alternately from the kept and a re-fetched insn. */
		r = rounds & 1 ? hvx_emu_fetch_decode(c) : HVX_EMU_OK;
	}
	memcpy(out->gpr, vm.gpr, sizeof(vm.gpr));
	out->rip = c->rip;
	out->rflags = c->rflags;
	if (r == HVX_EMU_EXCEPTION) {
		out->vector = c->exception.vector;
		out->cr2 = c->exception.cr2;
	} else if (r != HVX_EMU_OK) {
		out->vector = 0xfe;	/* unhandleable: always a mismatch */
	}
}

/* ------------------------------------------------------------- compare */

static u8 *data_pages;
static u8 data_init[DATA_SIZE], data_native[DATA_SIZE];
static const char *const reg_names[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };

static bool fault_matches(const struct cpu_state *n, const struct cpu_state *e)
{
	if (!n->signal)
		return e->vector == 0xff;
	if (n->signal == SIGILL)
		return e->vector == HVX_VEC_UD;
	if (n->signal == SIGSEGV || n->signal == SIGBUS) {
		if (e->vector == HVX_VEC_PF)
			return n->fault_addr == e->cr2;
		return e->vector == HVX_VEC_GP || e->vector == HVX_VEC_SS;
	}
	return false;
}

static unsigned int printed_mismatches;

static bool compare(const struct gen *g, const struct cpu_state *n,
		    const struct cpu_state *e)
{
	u64 fmask = (HVX_FLAGS_ARITH | HVX_FLAG_DF) & ~g->t->undef;
	bool ok = fault_matches(n, e);
	unsigned int i, diffs = 0;

	for (i = 0; i < 16; i++)
		ok &= n->gpr[i] == e->gpr[i];
	ok &= n->rip == e->rip;
	ok &= ((n->rflags ^ e->rflags) & fmask) == 0;
	ok &= memcmp(data_native, data_pages, DATA_SIZE) == 0;
	if (ok || printed_mismatches++ >= 20)
		return ok;

	{
		char hex[3 * HVX_INSN_MAX_LEN + 1];

		for (i = 0; i < g->len; i++)
			snprintf(hex + 3 * i, 4, "%02x ", g->bytes[i]);
		ktap_diag("MISMATCH %s: bytes %s", g->t->name, hex);
	}
	ktap_diag("  native: signal %d addr %#llx | emulated: vector %#x cr2 %#llx",
		  n->signal, (unsigned long long)n->fault_addr, e->vector,
		  (unsigned long long)e->cr2);
	for (i = 0; i < 16; i++)
		if (n->gpr[i] != e->gpr[i] || g->in.gpr[i] != n->gpr[i])
			ktap_diag("  %-3s in %016llx native %016llx emulated %016llx%s",
				  reg_names[i],
				  (unsigned long long)g->in.gpr[i],
				  (unsigned long long)n->gpr[i],
				  (unsigned long long)e->gpr[i],
				  n->gpr[i] != e->gpr[i] ? "  <--" : "");
	ktap_diag("  rip native %#llx emulated %#llx",
		  (unsigned long long)n->rip, (unsigned long long)e->rip);
	ktap_diag("  rflags in %#llx native %#llx emulated %#llx (compared %#llx)",
		  (unsigned long long)g->in.rflags,
		  (unsigned long long)n->rflags,
		  (unsigned long long)e->rflags, (unsigned long long)fmask);
	for (i = 0; i < DATA_SIZE && diffs < 8; i++) {
		if (data_native[i] != data_pages[i]) {
			ktap_diag("  mem %#llx init %02x native %02x emulated %02x",
				  (unsigned long long)(DATA_BASE + i),
				  data_init[i], data_native[i], data_pages[i]);
			diffs++;
		}
	}
	return false;
}

/* --------------------------------------------------------------- setup */

static bool setup_sandbox(void)
{
	stack_t ss = { .ss_size = 1 << 16 };
	struct sigaction sa = { 0 };
	void *p;

	p = mmap((void *)CTRL_BASE, 0x10000, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (void *)CTRL_BASE)
		return false;
	p = mmap((void *)CODE_BASE, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (void *)CODE_BASE)
		return false;
	p = mmap((void *)DATA_BASE, DATA_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (void *)DATA_BASE)
		return false;
	data_pages = p;

	ss.ss_sp = malloc(ss.ss_size);
	if (!ss.ss_sp || sigaltstack(&ss, NULL))
		return false;
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGTRAP, &sa, NULL);

	syscall(SYS_arch_prctl, ARCH_GET_FS, &fs_base);
	syscall(SYS_arch_prctl, ARCH_GET_GS, &gs_base);

	test_vm_init(&vm, HVX_MODE_LONG64, 3);
	vm.ctxt.cfg.vendor_amd = true;	/* only matters for branches */
	vm.cr[0] |= HVX_CR0_AM;
	vm.seg[HVX_SEG_FS].base = fs_base;
	vm.seg[HVX_SEG_GS].base = gs_base;
	test_vm_add_region(&vm, CODE_BASE, 4096, (void *)CODE_BASE, false);
	test_vm_add_region(&vm, DATA_BASE, DATA_SIZE, data_pages, false);
	return true;
}

static void fill_data(const struct gen *g)
{
	unsigned int i;

	for (i = 0; i < DATA_SIZE; i += 8) {
		u64 v = rnd_value();

		memcpy(data_init + i, &v, 8);
	}
	/* Equal runs make REPE CMPS / SCAS go further than one element. */
	if (g->t->form == F_STRING && rnd_below(2)) {
		u64 s = g->in.gpr[HVX_RSI] & 0xffffffffULL, d = g->in.gpr[HVX_RDI] & 0xffffffffULL;

		if (s >= DATA_BASE + 64 && s + 64 < DATA_BASE + DATA_SIZE &&
		    d >= DATA_BASE + 64 && d + 64 < DATA_BASE + DATA_SIZE) {
			memcpy(data_init + (d - 64 - DATA_BASE),
			       data_init + (s - 64 - DATA_BASE), 128);
			data_init[d - DATA_BASE + rnd_below(64)] =
				(u8)g->in.gpr[HVX_RAX];
		}
	}
}

int main(int argc, char **argv)
{
	unsigned long total = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;
	unsigned long done = 0, mismatches = 0, faults = 0, attempts = 0;
	unsigned long sigill = 0, mem_changed = 0, rep_runs = 0;
	struct cpu_state n, e;
	char name[128];
	struct gen g;
	unsigned int i;

	unsigned long long seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;

	rng_state ^= seed * 0x9e3779b97f4a7c15ULL;
	if (!rng_state)
		rng_state = 1;
	if (!setup_sandbox()) {
		ktap_result(0, "differential_sandbox_setup");
		return 1;
	}
	build_templates();

	while (done < total && attempts < total * 20) {
		struct tmpl *t = &tmpls[rnd_below(nr_tmpls)];

		attempts++;
		if (!generate(&g, t))
			continue;
		fill_data(&g);
		memcpy(data_pages, data_init, DATA_SIZE);
		run_native(&g, &n);
		memcpy(data_native, data_pages, DATA_SIZE);
		memcpy(data_pages, data_init, DATA_SIZE);
		run_emulated(&g, &e);
		t->cases++;
		done++;
		if (n.signal)
			faults++;
		if (n.signal == SIGILL)
			sigill++;
		if (memcmp(data_native, data_init, DATA_SIZE))
			mem_changed++;
		if (t->form == F_STRING && g.in.gpr[HVX_RCX] != n.gpr[HVX_RCX])
			rep_runs++;
		if (!compare(&g, &n, &e)) {
			t->mismatches++;
			mismatches++;
		}
	}

	for (i = 0; i < nr_tmpls; i++) {
		snprintf(name, sizeof(name), "differential_%.40s_%lu_cases",
			 tmpls[i].name, tmpls[i].cases);
		if (tmpls[i].mismatches)
			ktap_diag("%s: %lu mismatches", tmpls[i].name,
				  tmpls[i].mismatches);
		ktap_result(tmpls[i].mismatches == 0 && tmpls[i].cases > 0,
			    name);
	}
	ktap_diag("differential: %lu cases, %lu mismatches", done, mismatches);
	ktap_diag("  %lu faulted natively (%lu #UD), %lu wrote memory, %lu REP runs; seed %#llx",
		  faults, sigill, mem_changed, rep_runs, seed);
	snprintf(name, sizeof(name), "differential_total_%lu_cases_%lu_mismatches",
		 done, mismatches);
	ktap_result(mismatches == 0 && done >= total, name);
	return ktap_failures ? 1 : 0;
}
