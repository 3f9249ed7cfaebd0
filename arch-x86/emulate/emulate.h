/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hvx x86 instruction decoder and emulator: public interface.
 *
 * The decoder turns at most 15 guest bytes into a struct hvx_insn (length,
 * prefixes, ModRM/SIB, displacement, immediates).  The emulator executes a
 * decoded instruction against a guest reached only through
 * struct hvx_emu_ops: registers, linear->physical translation, guest
 * physical memory (RAM or MMIO), port I/O, MSRs and a few intercept hooks.
 * Nothing here depends on the kernel; see README.md for the contract.
 */
#ifndef HVX_EMULATE_H
#define HVX_EMULATE_H

#include "emu_types.h"

#define HVX_INSN_MAX_LEN	15

/*
 * Emulator outcomes.  These are not errors of the host: a guest fault is
 * HVX_EMU_EXCEPTION with ctxt->exception filled in for injection.
 */
enum hvx_emu_result {
	HVX_EMU_OK = 0,		/* instruction retired, RIP advanced */
	HVX_EMU_EXCEPTION,	/* inject ctxt->exception; RIP unchanged */
	HVX_EMU_UNHANDLEABLE,	/* valid instruction we do not emulate */
	HVX_EMU_YIELD,		/* REP stopped early; state committed, call again */
	HVX_EMU_IO_NEEDED,	/* an op needs userspace; nothing committed, retry */
	HVX_EMU_RETRY,		/* locked cmpxchg lost a race; re-execute */
	HVX_EMU_TRUNCATED,	/* decoder: more bytes needed than supplied */
};

enum hvx_cpu_mode {
	HVX_MODE_REAL,		/* CR0.PE = 0 */
	HVX_MODE_VM86,		/* EFLAGS.VM = 1 */
	HVX_MODE_PROT16,	/* CS.D = 0 */
	HVX_MODE_PROT32,	/* CS.D = 1 */
	HVX_MODE_LONG64,	/* EFER.LMA = 1, CS.L = 1 */
};

enum hvx_seg {
	HVX_SEG_ES, HVX_SEG_CS, HVX_SEG_SS, HVX_SEG_DS, HVX_SEG_FS, HVX_SEG_GS,
	HVX_SEG_NONE = 0xff,
};

enum hvx_gpr {
	HVX_RAX, HVX_RCX, HVX_RDX, HVX_RBX, HVX_RSP, HVX_RBP, HVX_RSI, HVX_RDI,
	HVX_R8, HVX_R9, HVX_R10, HVX_R11, HVX_R12, HVX_R13, HVX_R14, HVX_R15,
	HVX_NR_GPRS,
	HVX_REG_NONE = 0xff,
};

/* RFLAGS bits the emulator reads or writes. */
#define HVX_FLAG_CF	HVX_EMU_BIT(0)
#define HVX_FLAG_FIXED1	HVX_EMU_BIT(1)
#define HVX_FLAG_PF	HVX_EMU_BIT(2)
#define HVX_FLAG_AF	HVX_EMU_BIT(4)
#define HVX_FLAG_ZF	HVX_EMU_BIT(6)
#define HVX_FLAG_SF	HVX_EMU_BIT(7)
#define HVX_FLAG_TF	HVX_EMU_BIT(8)
#define HVX_FLAG_IF	HVX_EMU_BIT(9)
#define HVX_FLAG_DF	HVX_EMU_BIT(10)
#define HVX_FLAG_OF	HVX_EMU_BIT(11)
#define HVX_FLAG_IOPL	HVX_EMU_GENMASK(13, 12)
#define HVX_FLAG_AC	HVX_EMU_BIT(18)
#define HVX_FLAGS_ARITH	(HVX_FLAG_CF | HVX_FLAG_PF | HVX_FLAG_AF | \
			 HVX_FLAG_ZF | HVX_FLAG_SF | HVX_FLAG_OF)

/* Control-register bits used by the emulator and the walker. */
#define HVX_CR0_PE	HVX_EMU_BIT(0)
#define HVX_CR0_WP	HVX_EMU_BIT(16)
#define HVX_CR0_AM	HVX_EMU_BIT(18)
#define HVX_CR0_PG	HVX_EMU_BIT(31)
#define HVX_CR4_TSD	HVX_EMU_BIT(2)
#define HVX_CR4_PSE	HVX_EMU_BIT(4)
#define HVX_CR4_PAE	HVX_EMU_BIT(5)
#define HVX_CR4_LA57	HVX_EMU_BIT(12)
#define HVX_CR4_PCIDE	HVX_EMU_BIT(17)
#define HVX_CR4_SMEP	HVX_EMU_BIT(20)
#define HVX_CR4_SMAP	HVX_EMU_BIT(21)
#define HVX_CR4_PKE	HVX_EMU_BIT(22)
#define HVX_EFER_LME	HVX_EMU_BIT(8)
#define HVX_EFER_LMA	HVX_EMU_BIT(10)
#define HVX_EFER_NXE	HVX_EMU_BIT(11)

#define HVX_MSR_TSC_AUX	0xc0000103u

/* Exception vectors the emulator can raise. */
enum hvx_vector {
	HVX_VEC_DE = 0, HVX_VEC_UD = 6, HVX_VEC_SS = 12, HVX_VEC_GP = 13,
	HVX_VEC_PF = 14, HVX_VEC_AC = 17,
};

/* #PF error-code bits (SDM Vol. 3 4.7). */
#define HVX_PFEC_P	HVX_EMU_BIT(0)
#define HVX_PFEC_W	HVX_EMU_BIT(1)
#define HVX_PFEC_U	HVX_EMU_BIT(2)
#define HVX_PFEC_RSVD	HVX_EMU_BIT(3)
#define HVX_PFEC_I	HVX_EMU_BIT(4)
#define HVX_PFEC_PK	HVX_EMU_BIT(5)

struct hvx_emu_exception {
	u8 vector;
	bool has_error_code;
	u32 error_code;
	u64 cr2;		/* #PF only: faulting linear address */
};

/* ---------------------------------------------------------------- decode */

/* Operand-kind flags from the opcode tables (struct hvx_insn.flags). */
#define HVX_INSN_MODRM		HVX_EMU_BIT(0)	/* has a ModRM byte */
#define HVX_INSN_BYTEOP		HVX_EMU_BIT(1)	/* 8-bit operand size */
#define HVX_INSN_INVALID	HVX_EMU_BIT(2)	/* #UD in this mode */
#define HVX_INSN_STRING		HVX_EMU_BIT(3)	/* MOVS..OUTS family */
#define HVX_INSN_MOFFS		HVX_EMU_BIT(4)	/* A0-A3 absolute offset */
#define HVX_INSN_DEF64		HVX_EMU_BIT(5)	/* 64-bit default op size */
#define HVX_INSN_REGONLY	HVX_EMU_BIT(6)	/* ModRM.mod ignored (MOV CRn) */
#define HVX_INSN_UNSUPPORTED	HVX_EMU_BIT(7)	/* VEX/EVEX/XOP: length only */

enum hvx_opmap { HVX_MAP_ONEBYTE, HVX_MAP_0F, HVX_MAP_0F38, HVX_MAP_0F3A };

enum hvx_rep { HVX_REP_NONE, HVX_REP_F3, HVX_REP_F2 };

struct hvx_insn {
	u8 bytes[HVX_INSN_MAX_LEN];
	u8 len;
	u8 map;			/* enum hvx_opmap */
	u8 opcode;
	u8 mode;		/* enum hvx_cpu_mode decoded for */
	u8 op_size;		/* effective operand size in bytes: 1,2,4,8 */
	u8 addr_size;		/* effective address size: 2,4,8 */
	u8 rep;			/* enum hvx_rep, last F2/F3 wins */
	bool lock;
	bool opsize_prefix;	/* 66 seen */
	bool addrsize_prefix;	/* 67 seen */
	u8 seg_prefix;		/* last segment override or HVX_SEG_NONE */
	u8 rex;			/* 0 or 0x40..0x4f when it applies */
	u8 nr_prefixes;
	u16 flags;		/* HVX_INSN_* */

	/* ModRM/SIB and the memory operand they describe. */
	u8 modrm, mod, reg, rm;	/* reg/rm include REX.R/REX.B */
	bool has_sib;
	u8 sib;
	bool has_mem;		/* a memory operand: ModRM mod!=3, moffs */
	u8 base;		/* enum hvx_gpr or HVX_REG_NONE */
	u8 index;		/* enum hvx_gpr or HVX_REG_NONE */
	u8 scale;		/* 1,2,4,8 */
	bool rip_relative;
	u8 seg;			/* effective segment of the memory operand */
	u8 disp_size;
	s64 disp;		/* sign-extended; moffs: zero-extended address */

	u8 imm_size;
	u64 imm;		/* sign-extended to 64 bits where the ISA does */
	u8 imm2_size;		/* ENTER / far pointer selector / EXTRQ */
	u64 imm2;
};

struct hvx_decode_cfg {
	u8 mode;		/* enum hvx_cpu_mode */
	/*
	 * Vendor differences: 66 on near branches in 64-bit mode is ignored
	 * by Intel (rel32) and honoured by AMD (rel16), so lengths differ;
	 * AMD's 66 63 (MOVSXD) reads a 32-bit source.
	 */
	bool vendor_amd;
};

/*
 * Decode from @bytes (@avail valid bytes; nothing beyond is ever read).
 * Returns HVX_EMU_OK, HVX_EMU_TRUNCATED when the instruction needs bytes
 * past @avail, or HVX_EMU_EXCEPTION when it would exceed 15 bytes (the CPU
 * raises #GP(0); hvx_emu_fetch_decode() fills that in).  Opcodes invalid
 * in the mode decode as HVX_INSN_INVALID (#UD on execution).
 */
int hvx_decode(const struct hvx_decode_cfg *cfg, const u8 *bytes,
	       unsigned int avail, struct hvx_insn *insn);

/* ------------------------------------------------------------- walker */

/* Access type for translation (and #PF error code construction). */
#define HVX_ACC_WRITE	HVX_EMU_BIT(0)
#define HVX_ACC_USER	HVX_EMU_BIT(1)	/* CPL 3 and not an implicit access */
#define HVX_ACC_FETCH	HVX_EMU_BIT(2)
#define HVX_ACC_IMPLICIT HVX_EMU_BIT(3)	/* implicit supervisor (GDT, TSS) */

struct hvx_paging_state {
	u64 cr0, cr3, cr4, efer;
	u64 rflags;		/* only AC matters (SMAP) */
	u32 pkru;
	u8 maxphyaddr;		/* CPUID 0x80000008 EAX[7:0] */
	/* PAE: PDPTEs as cached by the CPU at MOV CR3; NULL = read memory */
	const u64 *pdptrs;
};

struct hvx_walk_ops {
	/* Read a paging-structure entry (4 or 8 bytes) at guest physical @gpa. */
	int (*read_pte)(void *opaque, u64 gpa, u64 *val, unsigned int size);
	/*
	 * Atomically replace @old with @new (for A/D bits); return HVX_EMU_OK
	 * or HVX_EMU_RETRY if the entry changed under us.
	 */
	int (*cmpxchg_pte)(void *opaque, u64 gpa, u64 old, u64 new,
			   unsigned int size);
};

struct hvx_walk_result {
	u64 gpa;
	u64 page_size;		/* 4K, 2M, 4M, 1G, or 0 with paging off */
	bool writable, user, nx;
	bool dirty;		/* the leaf's D bit (true with paging off) */
	/* The rights of the entries above the leaf alone (for its neighbours). */
	bool upper_writable, upper_user, upper_nx;
	/* Guest physical address of each entry used, top level first. */
	u64 entry_gpa[5];
	unsigned int nr_entries;	/* 0 with paging off */
};

/*
 * Translate linear @la.  Returns HVX_EMU_OK, HVX_EMU_EXCEPTION (#PF in
 * @fault with exact error code and CR2) or whatever read_pte returned.
 */
int hvx_pagewalk(const struct hvx_walk_ops *ops, void *opaque,
		 const struct hvx_paging_state *ps, u64 la, u32 access,
		 struct hvx_walk_result *res, struct hvx_emu_exception *fault);

/* ------------------------------------------------------------ emulator */

struct hvx_emu_ctxt;

struct hvx_segment {
	u64 base;
	u32 limit;		/* byte-granular, as the hidden part holds it */
	u16 selector;
	u8 type;		/* descriptor type bits 3:0 */
	bool present;
	bool db;		/* default size (CS) / big (SS) */
	bool unusable;
};

struct hvx_emu_ops {
	u64 (*read_gpr)(struct hvx_emu_ctxt *ctxt, unsigned int reg);
	void (*write_gpr)(struct hvx_emu_ctxt *ctxt, unsigned int reg, u64 val);
	void (*get_segment)(struct hvx_emu_ctxt *ctxt, unsigned int seg,
			    struct hvx_segment *out);
	u64 (*read_cr)(struct hvx_emu_ctxt *ctxt, unsigned int cr);

	/*
	 * Linear -> guest physical for an access of @access (HVX_ACC_*) that
	 * does not cross a page.  Return HVX_EMU_OK or HVX_EMU_EXCEPTION
	 * with @fault set (usually by calling hvx_pagewalk()).
	 */
	int (*translate)(struct hvx_emu_ctxt *ctxt, u64 la, u32 access,
			 u64 *gpa, struct hvx_emu_exception *fault);
	/*
	 * Guest physical access within one page.  Return HVX_EMU_OK,
	 * HVX_EMU_IO_NEEDED (reads only: nothing is committed, re-run the
	 * instruction once the data is there) or HVX_EMU_UNHANDLEABLE.
	 */
	int (*read_phys)(struct hvx_emu_ctxt *ctxt, u64 gpa, void *buf,
			 unsigned int size);
	int (*write_phys)(struct hvx_emu_ctxt *ctxt, u64 gpa, const void *buf,
			  unsigned int size);
	/* LOCKed RMW: HVX_EMU_OK, HVX_EMU_RETRY if memory != *old. */
	int (*cmpxchg_phys)(struct hvx_emu_ctxt *ctxt, u64 gpa,
			    const void *old, const void *new,
			    unsigned int size);
	/*
	 * Bulk copy for REP MOVS between plain RAM pages.  Return
	 * HVX_EMU_UNHANDLEABLE if either side is not RAM: the emulator then
	 * goes element by element through read_phys/write_phys.
	 */
	int (*copy_phys)(struct hvx_emu_ctxt *ctxt, u64 dst, u64 src,
			 unsigned int size);

	int (*pio_in)(struct hvx_emu_ctxt *ctxt, u16 port, unsigned int size,
		      u32 *val);
	int (*pio_out)(struct hvx_emu_ctxt *ctxt, u16 port, unsigned int size,
		       u32 val);
	void (*cpuid)(struct hvx_emu_ctxt *ctxt, u32 leaf, u32 subleaf,
		      u32 *eax, u32 *ebx, u32 *ecx, u32 *edx);
	/* MSR access: HVX_EMU_OK or HVX_EMU_EXCEPTION (the emulator raises #GP). */
	int (*read_msr)(struct hvx_emu_ctxt *ctxt, u32 msr, u64 *val);
	int (*write_msr)(struct hvx_emu_ctxt *ctxt, u32 msr, u64 val);
	int (*set_xcr)(struct hvx_emu_ctxt *ctxt, u32 index, u64 val);
	u64 (*read_tsc)(struct hvx_emu_ctxt *ctxt);
	/* HLT, VMCALL/VMMCALL: the instruction is retired, the VMM acts. */
	int (*halt)(struct hvx_emu_ctxt *ctxt);
	int (*hypercall)(struct hvx_emu_ctxt *ctxt);
	/*
	 * INVPCID after all checks passed: invalidate for @type (0 individual
	 * address, 1 single context, 2 all contexts incl. global, 3 all
	 * contexts except global), @pcid (descriptor bits 11:0) and @la
	 * (descriptor bits 127:64, meaningful for type 0). NULL: INVPCID
	 * raises #UD. HVX_EMU_OK retires the instruction; any other result
	 * is returned from hvx_emu_execute() as is, with RIP unchanged.
	 */
	int (*invpcid)(struct hvx_emu_ctxt *ctxt, unsigned int type, u64 pcid,
		       u64 la);
};

struct hvx_emu_ctxt {
	const struct hvx_emu_ops *ops;
	void *opaque;			/* for the ops' owner */
	struct hvx_decode_cfg cfg;	/* mode + vendor */
	u8 cpl;
	u64 rip;			/* RIP of the instruction */
	u64 rflags;
	/* REP iterations before HVX_EMU_YIELD; 0 means a default. */
	u32 rep_budget;
	struct hvx_insn insn;
	struct hvx_emu_exception exception;

	/* Private to the emulator, refreshed by every hvx_emu_execute(). */
	u64 cr0, cr4;
};

/* Fetch and decode at CS:RIP through ops->translate/read_phys. */
int hvx_emu_fetch_decode(struct hvx_emu_ctxt *ctxt);
/* Execute ctxt->insn (from hvx_emu_fetch_decode() or hvx_decode()). */
int hvx_emu_execute(struct hvx_emu_ctxt *ctxt);

#endif /* HVX_EMULATE_H */
