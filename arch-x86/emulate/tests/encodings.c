// SPDX-License-Identifier: GPL-2.0-only
/*
 * Table of known encodings: each entry is decoded and its length,
 * operand/address size, memory operand (base, index, scale, displacement,
 * RIP-relative, segment) and immediate compared with the expected values.
 * The tricky cases the issue names are all here: 66+67 together, REX.W
 * over 66, moffs with 67, RIP-relative disp32, and segment overrides that
 * 64-bit mode ignores.
 */
#include <stdio.h>
#include <string.h>

#include "../emulate.h"
#include "ktap.h"

#define L64	HVX_MODE_LONG64
#define P32	HVX_MODE_PROT32
#define P16	HVX_MODE_PROT16
#define RM	HVX_MODE_REAL
#define NONE	HVX_REG_NONE

struct enc_case {
	const char *name;
	u8 mode;
	bool amd;
	const char *bytes;
	unsigned int nbytes;	/* bytes made available to the decoder */
	int result;
	u8 len, op_size, addr_size;
	bool mem;		/* check base/index/scale/disp/rip/seg */
	u8 base, index, scale, seg;
	s64 disp;
	bool rip;
	bool imm;		/* check imm/imm_size */
	u64 imm_val;
	u8 imm_size;
	u16 flags;		/* HVX_INSN_* that must be set */
	bool lock;
	u8 rep;
	int reg;		/* ModRM.reg incl. REX.R; -1: unchecked */
	int rm;
};

#define B(s)	.bytes = s, .nbytes = sizeof(s) - 1

static const struct enc_case cases[] = {
	/* --- typical MMIO accesses --- */
	{ "mov_mem_rdx_disp8_eax", L64, 0, B("\x89\x42\x10"), 0, 3, 4, 8,
	  true, HVX_RDX, NONE, 1, HVX_SEG_DS, 0x10, .reg = 0, .rm = 2 },
	{ "mov_eax_mem_rax", L64, 0, B("\x8b\x00"), 0, 2, 4, 8,
	  true, HVX_RAX, NONE, 1, HVX_SEG_DS, 0, .reg = 0, .rm = 0 },
	{ "mov_r8d_to_rdi_rex_r", L64, 0, B("\x44\x89\xc7"), 0, 3, 4, 8,
	  .reg = 8, .rm = 7 },
	{ "movl_imm32_disp32_rax", L64, 0,
	  B("\xc7\x80\x00\x01\x00\x00\x78\x56\x34\x12"), 0, 10, 4, 8,
	  true, HVX_RAX, NONE, 1, HVX_SEG_DS, 0x100, .imm = true,
	  .imm_val = 0x12345678, .imm_size = 4, .reg = -1, .rm = -1 },
	{ "movb_imm8_mem", L64, 0, B("\xc6\x03\x7f"), 0, 3, 1, 8,
	  true, HVX_RBX, NONE, 1, HVX_SEG_DS, 0, .imm = true, .imm_val = 0x7f,
	  .imm_size = 1, .reg = -1, .rm = -1 },
	/* --- 66 and 67 together; REX.W over 66 --- */
	{ "66_67_mov_mem_ebx_ax", L64, 0, B("\x66\x67\x89\x03"), 0, 4, 2, 4,
	  true, HVX_RBX, NONE, 1, HVX_SEG_DS, 0, .reg = -1, .rm = -1 },
	{ "66_67_in_32bit_mode", P32, 0, B("\x66\x67\x89\x07"), 0, 4, 2, 2,
	  true, HVX_RBX, NONE, 1, HVX_SEG_DS, 0, .reg = -1, .rm = -1 },
	{ "66_67_in_real_mode_sib", RM, 0, B("\x66\x67\x8b\x04\x24"), 0, 5, 4,
	  4, true, HVX_RSP, NONE, 1, HVX_SEG_SS, 0, .reg = -1, .rm = -1 },
	{ "rex_w_overrides_66", L64, 0, B("\x66\x48\x89\x03"), 0, 4, 8, 8,
	  .reg = -1, .rm = -1 },
	{ "rex_w_overrides_66_imm", L64, 0,
	  B("\x66\x48\xc7\x00\x00\x00\x00\x80"), 0, 8, 8, 8, .imm = true,
	  .imm_val = 0xffffffff80000000ULL, .imm_size = 4, .reg = -1, .rm = -1 },
	{ "rex_before_66_is_ignored", L64, 0, B("\x48\x66\x89\x03"), 0, 4, 2,
	  8, .reg = -1, .rm = -1 },
	{ "66_imm16_group1", L64, 0, B("\x66\x81\x00\x34\x12"), 0, 5, 2, 8,
	  .imm = true, .imm_val = 0x1234, .imm_size = 2, .reg = -1, .rm = -1 },
	/* --- moffs --- */
	{ "moffs64_load_eax", L64, 0,
	  B("\xa1\x88\x77\x66\x55\x44\x33\x22\x11"), 0, 9, 4, 8,
	  true, NONE, NONE, 1, HVX_SEG_DS, 0x1122334455667788LL, .reg = -1,
	  .rm = -1 },
	{ "moffs32_with_67_in_64bit", L64, 0, B("\x67\xa1\x44\x33\x22\x11"), 0,
	  6, 4, 4, true, NONE, NONE, 1, HVX_SEG_DS, 0x11223344, .reg = -1,
	  .rm = -1 },
	{ "moffs64_rex_w_store", L64, 0,
	  B("\x48\xa3\x08\x07\x06\x05\x04\x03\x02\x01"), 0, 10, 8, 8,
	  true, NONE, NONE, 1, HVX_SEG_DS, 0x0102030405060708LL, .reg = -1,
	  .rm = -1 },
	{ "moffs16_real_mode", RM, 0, B("\xa0\x34\x12"), 0, 3, 1, 2,
	  true, NONE, NONE, 1, HVX_SEG_DS, 0x1234, .reg = -1, .rm = -1 },
	{ "moffs32_with_67_real_mode", RM, 0, B("\x67\xa1\x78\x56\x34\x12"), 0,
	  6, 2, 4, true, NONE, NONE, 1, HVX_SEG_DS, 0x12345678, .reg = -1,
	  .rm = -1 },
	{ "moffs16_with_67_32bit", P32, 0, B("\x67\xa3\x34\x12"), 0, 4, 4, 2,
	  true, NONE, NONE, 1, HVX_SEG_DS, 0x1234, .reg = -1, .rm = -1 },
	{ "moffs_fs_override_64", L64, 0,
	  B("\x64\xa1\x10\x00\x00\x00\x00\x00\x00\x00"), 0, 10, 4, 8,
	  true, NONE, NONE, 1, HVX_SEG_FS, 0x10, .reg = -1, .rm = -1 },
	/* --- RIP-relative and absolute disp32 --- */
	{ "rip_relative_disp32", L64, 0, B("\x8b\x05\xf0\xff\xff\xff"), 0, 6, 4,
	  8, true, NONE, NONE, 1, HVX_SEG_DS, -16, true, .reg = -1, .rm = -1 },
	{ "eip_relative_with_67", L64, 0, B("\x67\x8b\x05\x10\x00\x00\x00"), 0,
	  7, 4, 4, true, NONE, NONE, 1, HVX_SEG_DS, 16, true, .reg = -1,
	  .rm = -1 },
	{ "rip_relative_with_imm", L64, 0,
	  B("\xc7\x05\x00\x10\x00\x00\x01\x00\x00\x00"), 0, 10, 4, 8,
	  true, NONE, NONE, 1, HVX_SEG_DS, 0x1000, true, .imm = true,
	  .imm_val = 1, .imm_size = 4, .reg = -1, .rm = -1 },
	{ "rip_relative_r13_is_still_rip", L64, 0,
	  B("\x41\x8b\x05\x00\x00\x00\x00"), 0, 7, 4, 8, true, NONE, NONE, 1,
	  HVX_SEG_DS, 0, true, .reg = -1, .rm = -1 },
	{ "sib_disp32_no_base_absolute", L64, 0,
	  B("\x8b\x04\x25\x00\x20\x00\x00"), 0, 7, 4, 8, true, NONE, NONE, 1,
	  HVX_SEG_DS, 0x2000, false, .reg = -1, .rm = -1 },
	{ "sib_rex_x_index_r12", L64, 0,
	  B("\x42\x8b\x04\xa5\x00\x01\x00\x00"), 0, 8, 4, 8, true, NONE,
	  HVX_R12, 4, HVX_SEG_DS, 0x100, false, .reg = -1, .rm = -1 },
	{ "disp32_absolute_in_32bit", P32, 0, B("\x8b\x05\x00\x10\x00\x00"), 0,
	  6, 4, 4, true, NONE, NONE, 1, HVX_SEG_DS, 0x1000, false, .reg = -1,
	  .rm = -1 },
	{ "r13_base_needs_disp8", L64, 0, B("\x41\x8b\x45\x00"), 0, 4, 4, 8,
	  true, HVX_R13, NONE, 1, HVX_SEG_DS, 0, .reg = -1, .rm = -1 },
	{ "r12_base_needs_sib", L64, 0, B("\x41\x8b\x04\x24"), 0, 4, 4, 8,
	  true, HVX_R12, NONE, 1, HVX_SEG_DS, 0, .reg = -1, .rm = -1 },
	{ "sib_scale8_disp32", L64, 0,
	  B("\x8b\x84\xc8\x78\x56\x34\x12"), 0, 7, 4, 8, true, HVX_RAX,
	  HVX_RCX, 8, HVX_SEG_DS, 0x12345678, .reg = -1, .rm = -1 },
	/* --- segment overrides: ignored in 64-bit mode except FS/GS --- */
	{ "cs_override_ignored_64", L64, 0, B("\x2e\x89\x03"), 0, 3, 4, 8,
	  true, HVX_RBX, NONE, 1, HVX_SEG_DS, 0, .reg = -1, .rm = -1 },
	{ "ss_override_ignored_64", L64, 0, B("\x36\x89\x03"), 0, 3, 4, 8,
	  true, HVX_RBX, NONE, 1, HVX_SEG_DS, 0, .reg = -1, .rm = -1 },
	{ "es_override_ignored_rbp_64", L64, 0, B("\x26\x8b\x45\x08"), 0, 4, 4,
	  8, true, HVX_RBP, NONE, 1, HVX_SEG_SS, 8, .reg = -1, .rm = -1 },
	{ "fs_override_kept_64", L64, 0, B("\x64\x89\x03"), 0, 3, 4, 8,
	  true, HVX_RBX, NONE, 1, HVX_SEG_FS, 0, .reg = -1, .rm = -1 },
	{ "gs_override_kept_64", L64, 0, B("\x65\x48\x8b\x04\x25\x28\x00\x00\x00"),
	  0, 9, 8, 8, true, NONE, NONE, 1, HVX_SEG_GS, 0x28, .reg = -1,
	  .rm = -1 },
	{ "cs_override_kept_32", P32, 0, B("\x2e\x89\x03"), 0, 3, 4, 4,
	  true, HVX_RBX, NONE, 1, HVX_SEG_CS, 0, .reg = -1, .rm = -1 },
	{ "ss_override_kept_32", P32, 0, B("\x36\x89\x03"), 0, 3, 4, 4,
	  true, HVX_RBX, NONE, 1, HVX_SEG_SS, 0, .reg = -1, .rm = -1 },
	{ "last_segment_override_wins", P32, 0, B("\x2e\x26\x89\x03"), 0, 4, 4,
	  4, true, HVX_RBX, NONE, 1, HVX_SEG_ES, 0, .reg = -1, .rm = -1 },
	/* --- 16-bit addressing --- */
	{ "bp_disp8_16bit_uses_ss", P16, 0, B("\x8b\x46\x02"), 0, 3, 2, 2,
	  true, HVX_RBP, NONE, 1, HVX_SEG_SS, 2, .reg = -1, .rm = -1 },
	{ "bx_si_16bit", RM, 0, B("\x8b\x00"), 0, 2, 2, 2, true, HVX_RBX,
	  HVX_RSI, 1, HVX_SEG_DS, 0, .reg = -1, .rm = -1 },
	{ "disp16_absolute_16bit", RM, 0, B("\x8b\x06\x34\x12"), 0, 4, 2, 2,
	  true, NONE, NONE, 1, HVX_SEG_DS, 0x1234, .reg = -1, .rm = -1 },
	{ "67_16bit_addr_in_32bit", P32, 0, B("\x67\x8b\x07"), 0, 3, 4, 2,
	  true, HVX_RBX, NONE, 1, HVX_SEG_DS, 0, .reg = -1, .rm = -1 },
	{ "disp16_negative", P16, 0, B("\x8b\x87\xfe\xff"), 0, 4, 2, 2,
	  true, HVX_RBX, NONE, 1, HVX_SEG_DS, -2, .reg = -1, .rm = -1 },
	/* --- immediates --- */
	{ "mov_imm64_rex_w", L64, 0,
	  B("\x48\xb8\x88\x77\x66\x55\x44\x33\x22\x11"), 0, 10, 8, 8,
	  .imm = true, .imm_val = 0x1122334455667788ULL, .imm_size = 8,
	  .reg = -1, .rm = -1 },
	{ "mov_imm16_66", L64, 0, B("\x66\xb8\x34\x12"), 0, 4, 2, 8,
	  .imm = true, .imm_val = 0x1234, .imm_size = 2, .reg = -1, .rm = -1 },
	{ "group1_83_sign_extends", L64, 0, B("\x48\x83\x00\xff"), 0, 4, 8, 8,
	  .imm = true, .imm_val = ~0ULL, .imm_size = 1, .reg = -1, .rm = -1 },
	{ "test_f6_has_imm8", L64, 0, B("\xf6\x00\x12"), 0, 3, 1, 8,
	  .imm = true, .imm_val = 0x12, .imm_size = 1, .reg = -1, .rm = -1 },
	{ "not_f6_has_no_imm", L64, 0, B("\xf6\x10"), 0, 2, 1, 8, .reg = -1,
	  .rm = -1 },
	{ "test_f7_imm32", L64, 0, B("\xf7\x00\x01\x00\x00\x00"), 0, 6, 4, 8,
	  .reg = -1, .rm = -1 },
	{ "test_f7_imm16_66", L64, 0, B("\x66\xf7\x00\x01\x00"), 0, 5, 2, 8,
	  .reg = -1, .rm = -1 },
	{ "neg_f7_no_imm", L64, 0, B("\xf7\x18"), 0, 2, 4, 8, .reg = -1,
	  .rm = -1 },
	{ "enter_iw_ib", L64, 0, B("\xc8\x10\x00\x01"), 0, 4, 8, 8, .reg = -1,
	  .rm = -1 },
	{ "far_call_ptr16_32", P32, 0, B("\x9a\x00\x00\x00\x00\x08\x00"), 0, 7,
	  4, 4, .reg = -1, .rm = -1 },
	{ "far_call_ptr16_16", P16, 0, B("\x9a\x00\x00\x08\x00"), 0, 5, 2, 2,
	  .reg = -1, .rm = -1 },
	{ "far_call_invalid_64", L64, 0, B("\x9a"), 0, 1, 0, 0,
	  .flags = HVX_INSN_INVALID, .reg = -1, .rm = -1 },
	/* --- branches: 66 in 64-bit mode is vendor dependent --- */
	{ "call_rel32", L64, 0, B("\xe8\x00\x00\x00\x00"), 0, 5, 8, 8,
	  .reg = -1, .rm = -1 },
	{ "66_call_intel_rel32", L64, 0, B("\x66\xe8\x00\x00\x00\x00"), 0, 6, 8,
	  8, .reg = -1, .rm = -1 },
	{ "66_call_amd_rel16", L64, 1, B("\x66\xe8\x00\x00"), 0, 4, 2, 8,
	  .reg = -1, .rm = -1 },
	{ "jcc_rel32", L64, 0, B("\x0f\x85\x00\x01\x00\x00"), 0, 6, 8, 8,
	  .reg = -1, .rm = -1 },
	{ "jmp_rel16_real", RM, 0, B("\xe9\x00\x01"), 0, 3, 2, 2, .reg = -1,
	  .rm = -1 },
	{ "jcc_rel8", L64, 0, B("\x74\xfe"), 0, 2, 8, 8, .imm = true,
	  .imm_val = ~1ULL, .imm_size = 1, .reg = -1, .rm = -1 },
	/* --- intercepted instructions --- */
	{ "vmcall", L64, 0, B("\x0f\x01\xc1"), 0, 3, 4, 8, .reg = 0, .rm = 1 },
	{ "vmmcall", L64, 0, B("\x0f\x01\xd9"), 0, 3, 4, 8, .reg = 3, .rm = 1 },
	{ "xsetbv", L64, 0, B("\x0f\x01\xd1"), 0, 3, 4, 8, .reg = -1, .rm = -1 },
	{ "rdtscp", L64, 0, B("\x0f\x01\xf9"), 0, 3, 4, 8, .reg = -1, .rm = -1 },
	{ "rdtsc", L64, 0, B("\x0f\x31"), 0, 2, 4, 8, .reg = -1, .rm = -1 },
	{ "rdmsr", L64, 0, B("\x0f\x32"), 0, 2, 4, 8, .reg = -1, .rm = -1 },
	{ "wrmsr", L64, 0, B("\x0f\x30"), 0, 2, 4, 8, .reg = -1, .rm = -1 },
	{ "cpuid", L64, 0, B("\x0f\xa2"), 0, 2, 4, 8, .reg = -1, .rm = -1 },
	/* INVPCID: 66 0F 38 82 /r, memory operand, no immediate */
	{ "invpcid_rcx_mem_rax", L64, 0, B("\x66\x0f\x38\x82\x08"), 0, 5, 2,
	  8, true, HVX_RAX, NONE, 1, HVX_SEG_DS, 0, .reg = 1, .rm = 0 },
	{ "invpcid_rex_r_r9_disp8", L64, 0,
	  B("\x66\x44\x0f\x38\x82\x4b\x10"), 0, 7, 2, 8, true, HVX_RBX,
	  NONE, 1, HVX_SEG_DS, 0x10, .reg = 9, .rm = 3 },
	{ "invpcid_32bit_sib_disp32", P32, 0,
	  B("\x66\x0f\x38\x82\x94\x8b\x00\x01\x00\x00"), 0, 10, 2, 4,
	  true, HVX_RBX, HVX_RCX, 4, HVX_SEG_DS, 0x100, .reg = 2, .rm = -1 },
	{ "invpcid_real_mode_bx", RM, 0, B("\x66\x0f\x38\x82\x07"), 0, 5, 4,
	  2, true, HVX_RBX, NONE, 1, HVX_SEG_DS, 0, .reg = 0, .rm = 7 },
	{ "invpcid_mod3_same_length", L64, 0, B("\x66\x0f\x38\x82\xc1"), 0,
	  5, 2, 8, .reg = 0, .rm = 1 },
	{ "hlt", L64, 0, B("\xf4"), 0, 1, 4, 8, .reg = -1, .rm = -1 },
	{ "in_al_imm8", L64, 0, B("\xe4\x60"), 0, 2, 1, 8, .reg = -1, .rm = -1 },
	{ "out_dx_eax", L64, 0, B("\xef"), 0, 1, 4, 8, .reg = -1, .rm = -1 },
	{ "rep_outsw_16bit", RM, 0, B("\xf3\x6f"), 0, 2, 2, 2,
	  .flags = HVX_INSN_STRING, .rep = HVX_REP_F3, .reg = -1, .rm = -1 },
	{ "mov_cr0_ignores_mod", L64, 0, B("\x0f\x20\x05"), 0, 3, 0, 8,
	  .flags = HVX_INSN_REGONLY, .reg = 0, .rm = 5 },
	/* --- 0F map odds and ends --- */
	{ "bt_imm8", L64, 0, B("\x0f\xba\x20\x05"), 0, 4, 4, 8, .imm = true,
	  .imm_val = 5, .imm_size = 1, .reg = 4, .rm = 0 },
	{ "movzx_sib_disp32", L64, 0, B("\x0f\xb6\x04\x25\x00\x10\x00\x00"), 0,
	  8, 4, 8, true, NONE, NONE, 1, HVX_SEG_DS, 0x1000, .reg = -1,
	  .rm = -1 },
	{ "nopw_long", L64, 0, B("\x66\x0f\x1f\x84\x00\x00\x00\x00\x00"), 0, 9,
	  2, 8, .reg = -1, .rm = -1 },
	{ "pshufb_0f38", L64, 0, B("\x66\x0f\x38\x00\xc1"), 0, 5, 2, 8,
	  .reg = -1, .rm = -1 },
	{ "palignr_0f3a_imm8", L64, 0, B("\x66\x0f\x3a\x0f\xc1\x08"), 0, 6, 2,
	  8, .reg = -1, .rm = -1 },
	{ "3dnow_suffix", L64, 0, B("\x0f\x0f\xc1\xb4"), 0, 4, 4, 8, .reg = -1,
	  .rm = -1 },
	{ "sse4a_extrq_two_imm8", L64, 1, B("\x66\x0f\x78\xc1\x04\x08"), 0, 6,
	  2, 8, .reg = -1, .rm = -1 },
	{ "pshufd_imm8", L64, 0, B("\x66\x0f\x70\xc1\x1b"), 0, 5, 2, 8,
	  .reg = -1, .rm = -1 },
	{ "cmpxchg_lock", L64, 0, B("\xf0\x0f\xb1\x0b"), 0, 4, 4, 8,
	  .lock = true, .reg = 1, .rm = 3 },
	{ "ud2", L64, 0, B("\x0f\x0b"), 0, 2, 4, 8, .reg = -1, .rm = -1 },
	/* --- VEX/EVEX/XOP lengths --- */
	{ "vex2_vzeroupper", L64, 0, B("\xc5\xf8\x77"), 0, 3, 0, 0,
	  .flags = HVX_INSN_UNSUPPORTED, .reg = -1, .rm = -1 },
	{ "vex3_rip_relative", L64, 0,
	  B("\xc4\xe2\x79\x18\x05\x00\x00\x00\x00"), 0, 9, 0, 0,
	  .flags = HVX_INSN_UNSUPPORTED, .reg = -1, .rm = -1 },
	{ "vex2_sib", L64, 0, B("\xc5\xfd\x6f\x04\x24"), 0, 5, 0, 0,
	  .flags = HVX_INSN_UNSUPPORTED, .reg = -1, .rm = -1 },
	{ "evex_zmm_load", L64, 0, B("\x62\xf1\x7c\x48\x10\x00"), 0, 6, 0, 0,
	  .flags = HVX_INSN_UNSUPPORTED, .reg = -1, .rm = -1 },
	{ "vex3_0f3a_imm8", L64, 0, B("\xc4\xe3\x79\x0f\xc1\x08"), 0, 6, 0, 0,
	  .flags = HVX_INSN_UNSUPPORTED, .reg = -1, .rm = -1 },
	{ "les_not_vex_in_32bit", P32, 0, B("\xc4\x00"), 0, 2, 4, 4,
	  .reg = -1, .rm = -1 },
	{ "bound_not_evex_in_32bit", P32, 0, B("\x62\x00"), 0, 2, 4, 4,
	  .reg = -1, .rm = -1 },
	{ "xop_map8_imm8", L64, 1, B("\x8f\xe8\x78\xc2\xc1\x05"), 0, 6, 0, 0,
	  .flags = HVX_INSN_UNSUPPORTED, .reg = -1, .rm = -1 },
	{ "pop_mem_not_xop", L64, 0, B("\x8f\x00"), 0, 2, 8, 8, .reg = 0,
	  .rm = 0 },
	/* --- prefixes, limits, invalid --- */
	{ "fourteen_prefixes_ok", L64, 0,
	  B("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x90"), 0,
	  15, 2, 8, .reg = -1, .rm = -1 },
	{ "fifteen_prefixes_too_long", L64, 0,
	  B("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66"),
	  HVX_EMU_EXCEPTION, 15, 0, 0, .reg = -1, .rm = -1 },
	{ "disp_truncated", L64, 0, B("\x89\x42"), HVX_EMU_TRUNCATED, 2, 0, 0,
	  .reg = -1, .rm = -1 },
	{ "imm_crossing_15_bytes", L64, 0,
	  B("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x48\xb8\x00\x00\x00"),
	  HVX_EMU_EXCEPTION, 15, 0, 0, .reg = -1, .rm = -1 },
	{ "empty_input", L64, 0, "", 0, HVX_EMU_TRUNCATED, 0, 0, 0, .reg = -1,
	  .rm = -1 },
	{ "rep_movsq", L64, 0, B("\xf3\x48\xa5"), 0, 3, 8, 8,
	  .flags = HVX_INSN_STRING, .rep = HVX_REP_F3, .reg = -1, .rm = -1 },
	{ "last_rep_prefix_wins", L64, 0, B("\xf2\xf3\xa4"), 0, 3, 1, 8,
	  .rep = HVX_REP_F3, .reg = -1, .rm = -1 },
	{ "lock_add", L64, 0, B("\xf0\x01\x03"), 0, 3, 4, 8, .lock = true,
	  .reg = 0, .rm = 3 },
	{ "push_es_invalid_64", L64, 0, B("\x06"), 0, 1, 0, 0,
	  .flags = HVX_INSN_INVALID, .reg = -1, .rm = -1 },
	{ "salc_invalid_64", L64, 0, B("\xd6"), 0, 1, 0, 0,
	  .flags = HVX_INSN_INVALID, .reg = -1, .rm = -1 },
	{ "inc_eax_32bit", P32, 0, B("\x40"), 0, 1, 4, 4, .reg = -1, .rm = -1 },
	{ "movsxd", L64, 0, B("\x48\x63\x03"), 0, 3, 8, 8, .reg = 0, .rm = 3 },
	{ "push_imm32_64", L64, 0, B("\x68\x00\x00\x00\x80"), 0, 5, 8, 8,
	  .imm = true, .imm_val = 0xffffffff80000000ULL, .imm_size = 4,
	  .reg = -1, .rm = -1 },
	{ "push_mem_66_is_16bit", L64, 0, B("\x66\xff\x30"), 0, 3, 2, 8,
	  .reg = 6, .rm = 0 },
	{ "push_mem_default_64", L64, 0, B("\xff\x30"), 0, 2, 8, 8, .reg = 6,
	  .rm = 0 },
	{ "x87_fld_disp32", L64, 0, B("\xd9\x80\x00\x01\x00\x00"), 0, 6, 4, 8,
	  .reg = -1, .rm = -1 },
};

static bool check_case(const struct enc_case *c)
{
	struct hvx_decode_cfg cfg = { .mode = c->mode, .vendor_amd = c->amd };
	unsigned int avail = c->nbytes;
	struct hvx_insn insn;
	bool ok = true;
	int r;

	r = hvx_decode(&cfg, (const u8 *)c->bytes, avail, &insn);
#define EXPECT(cond, fmt, ...)						\
	do {								\
		if (!(cond)) {						\
			ktap_diag("%s: " fmt, c->name, __VA_ARGS__);	\
			ok = false;					\
		}							\
	} while (0)
	EXPECT(r == c->result, "result %d, expected %d", r, c->result);
	if (r != HVX_EMU_OK)
		return ok;
	EXPECT(insn.len == c->len, "length %u, expected %u", insn.len, c->len);
	if (c->op_size)
		EXPECT(insn.op_size == c->op_size, "op_size %u, expected %u",
		       insn.op_size, c->op_size);
	if (c->addr_size)
		EXPECT(insn.addr_size == c->addr_size,
		       "addr_size %u, expected %u", insn.addr_size,
		       c->addr_size);
	if (c->mem) {
		EXPECT(insn.has_mem, "has_mem %d", insn.has_mem);
		EXPECT(insn.base == c->base, "base %u, expected %u", insn.base,
		       c->base);
		EXPECT(insn.index == c->index, "index %u, expected %u",
		       insn.index, c->index);
		EXPECT(insn.index == NONE || insn.scale == c->scale,
		       "scale %u, expected %u", insn.scale, c->scale);
		EXPECT(insn.disp == c->disp, "disp %lld, expected %lld",
		       (long long)insn.disp, (long long)c->disp);
		EXPECT(insn.rip_relative == c->rip, "rip_relative %d",
		       insn.rip_relative);
		EXPECT(insn.seg == c->seg, "segment %u, expected %u", insn.seg,
		       c->seg);
	}
	if (c->imm) {
		EXPECT(insn.imm == c->imm_val, "imm %#llx, expected %#llx",
		       (unsigned long long)insn.imm,
		       (unsigned long long)c->imm_val);
		EXPECT(insn.imm_size == c->imm_size, "imm_size %u, expected %u",
		       insn.imm_size, c->imm_size);
	}
	EXPECT((insn.flags & c->flags) == c->flags, "flags %#x lack %#x",
	       insn.flags, c->flags);
	EXPECT(insn.lock == c->lock, "lock %d", insn.lock);
	if (c->rep)
		EXPECT(insn.rep == c->rep, "rep %u, expected %u", insn.rep,
		       c->rep);
	if (c->reg >= 0)
		EXPECT(insn.reg == c->reg, "reg %u, expected %d", insn.reg,
		       c->reg);
	if (c->rm >= 0)
		EXPECT(insn.rm == c->rm, "rm %u, expected %d", insn.rm, c->rm);
	return ok;
}

/*
 * Lengths must not depend on the bytes beyond them: decoding every
 * prefix of a valid encoding must report "truncated", never succeed.
 */
static bool check_truncation(const struct enc_case *c)
{
	struct hvx_decode_cfg cfg = { .mode = c->mode, .vendor_amd = c->amd };
	struct hvx_insn insn;
	unsigned int n;

	if (c->result != HVX_EMU_OK)
		return true;
	for (n = 0; n < c->len; n++) {
		int r = hvx_decode(&cfg, (const u8 *)c->bytes, n, &insn);

		if (r != HVX_EMU_TRUNCATED && !(insn.flags & HVX_INSN_INVALID)) {
			ktap_diag("%s: %u of %u bytes gave %d", c->name, n,
				  c->len, r);
			return false;
		}
	}
	return true;
}

int main(void)
{
	char name[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool ok = check_case(&cases[i]) && check_truncation(&cases[i]);

		snprintf(name, sizeof(name), "encoding_%s", cases[i].name);
		ktap_result(ok, name);
	}
	return ktap_failures ? 1 : 0;
}
