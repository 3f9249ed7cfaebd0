/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The AMD Virtual Machine Control Block (AMD64 APM vol. 2, appendix B):
 * a 4 KiB page, control area at 0x000, state-save area at 0x400. Every
 * field is named; the asserts at the end pin the offsets the APM gives.
 */
#ifndef HVX_VMCB_H
#define HVX_VMCB_H

#include <linux/build_bug.h>
#include <linux/types.h>

/* intercept_cr: reads of CRn are bit n, writes bit 16 + n. */
#define SVM_INTERCEPT_CR4_WRITE		BIT(16 + 4)
#define SVM_INTERCEPT_CR8_WRITE		BIT(16 + 8)
/* Shadow paging: every access to CR0, CR3 and CR4. */
#define SVM_INTERCEPT_CR_SHADOW		(BIT(0) | BIT(3) | BIT(4) | \
					 BIT(16 + 0) | BIT(16 + 3) | BIT(16 + 4))

/* Intercept vector 3 (control offset 0x0c), "misc1". */
#define SVM_INTERCEPT_INTR		BIT(0)
#define SVM_INTERCEPT_NMI		BIT(1)
#define SVM_INTERCEPT_SMI		BIT(2)
#define SVM_INTERCEPT_INIT		BIT(3)
#define SVM_INTERCEPT_VINTR		BIT(4)	/* the guest takes V_IRQ */
#define SVM_INTERCEPT_RDPMC		BIT(15)
#define SVM_INTERCEPT_CPUID		BIT(18)
#define SVM_INTERCEPT_IRET		BIT(20)
#define SVM_INTERCEPT_INVD		BIT(22)
#define SVM_INTERCEPT_PAUSE		BIT(23)
#define SVM_INTERCEPT_HLT		BIT(24)
#define SVM_INTERCEPT_INVLPG		BIT(25)
#define SVM_INTERCEPT_INVLPGA		BIT(26)
#define SVM_INTERCEPT_IOIO_PROT		BIT(27)
#define SVM_INTERCEPT_MSR_PROT		BIT(28)
#define SVM_INTERCEPT_TASK_SWITCH	BIT(29)
#define SVM_INTERCEPT_SHUTDOWN		BIT(31)

/* Intercept vector 4 (control offset 0x10), "misc2". */
#define SVM_INTERCEPT_VMRUN		BIT(0)
#define SVM_INTERCEPT_VMMCALL		BIT(1)
#define SVM_INTERCEPT_VMLOAD		BIT(2)
#define SVM_INTERCEPT_VMSAVE		BIT(3)
#define SVM_INTERCEPT_STGI		BIT(4)
#define SVM_INTERCEPT_CLGI		BIT(5)
#define SVM_INTERCEPT_SKINIT		BIT(6)
#define SVM_INTERCEPT_RDTSCP		BIT(7)
#define SVM_INTERCEPT_WBINVD		BIT(9)
#define SVM_INTERCEPT_MONITOR		BIT(10)
#define SVM_INTERCEPT_MWAIT		BIT(11)
#define SVM_INTERCEPT_MWAIT_COND	BIT(12)
#define SVM_INTERCEPT_XSETBV		BIT(13)

/* Intercept vector 5 (control offset 0x14), "misc3". */
#define SVM_INTERCEPT_INVPCID		BIT(2)

/* Exit codes (APM vol. 2, appendix C). */
#define SVM_EXIT_READ_CR0	0x000
#define SVM_EXIT_READ_CR3	0x003
#define SVM_EXIT_READ_CR4	0x004
#define SVM_EXIT_WRITE_CR0	0x010
#define SVM_EXIT_WRITE_CR3	0x013
#define SVM_EXIT_WRITE_CR4	0x014
#define SVM_EXIT_WRITE_CR8	0x018
#define SVM_EXIT_EXCP_BASE	0x040
#define SVM_EXIT_EXCP_DB	(SVM_EXIT_EXCP_BASE + 1)
#define SVM_EXIT_EXCP_BP	(SVM_EXIT_EXCP_BASE + 3)
#define SVM_EXIT_EXCP_UD	(SVM_EXIT_EXCP_BASE + 6)
#define SVM_EXIT_PF		(SVM_EXIT_EXCP_BASE + 14)	/* EXITINFO1 error code, 2 address */
#define SVM_EXIT_INTR		0x060
#define SVM_EXIT_NMI		0x061
#define SVM_EXIT_SMI		0x062
#define SVM_EXIT_INIT		0x063
#define SVM_EXIT_VINTR		0x064
#define SVM_EXIT_RDPMC		0x06f
#define SVM_EXIT_CPUID		0x072
#define SVM_EXIT_IRET		0x074
#define SVM_EXIT_INVD		0x076
#define SVM_EXIT_PAUSE		0x077
#define SVM_EXIT_HLT		0x078
#define SVM_EXIT_INVLPG		0x079
#define SVM_EXIT_INVLPGA	0x07a
#define SVM_EXIT_IOIO		0x07b
#define SVM_EXIT_MSR		0x07c
#define SVM_EXIT_TASK_SWITCH	0x07d
#define SVM_EXIT_SHUTDOWN	0x07f
#define SVM_EXIT_VMRUN		0x080
#define SVM_EXIT_VMMCALL	0x081
#define SVM_EXIT_VMLOAD		0x082
#define SVM_EXIT_VMSAVE		0x083
#define SVM_EXIT_STGI		0x084
#define SVM_EXIT_CLGI		0x085
#define SVM_EXIT_SKINIT		0x086
#define SVM_EXIT_RDTSCP		0x087
#define SVM_EXIT_WBINVD		0x089
#define SVM_EXIT_MONITOR	0x08a
#define SVM_EXIT_MWAIT		0x08b
#define SVM_EXIT_MWAIT_COND	0x08c
#define SVM_EXIT_XSETBV		0x08d
#define SVM_EXIT_INVPCID	0x0a2
#define SVM_EXIT_NPF		0x400
#define SVM_EXIT_INVALID	((u64)-1)	/* VMRUN refused the guest state */

/* EXITINFO1 of SVM_EXIT_IOIO. */
#define SVM_IOIO_TYPE_IN	BIT(0)
#define SVM_IOIO_STR		BIT(2)
#define SVM_IOIO_REP		BIT(3)
#define SVM_IOIO_SIZE_SHIFT	4	/* bits 6:4: one-hot 1, 2, 4 bytes */
#define SVM_IOIO_SIZE_MASK	(7u << SVM_IOIO_SIZE_SHIFT)
#define SVM_IOIO_PORT_SHIFT	16

/* EXITINFO1 of a MOV-to-CR intercept, with decode assists. */
#define SVM_CR_INFO_VALID	BIT_ULL(63)
#define SVM_CR_INFO_GPR_MASK	0xfULL

/* EXITINFO1 of SVM_EXIT_NPF: a #PF-style error code. */
#define SVM_NPF_WRITE		BIT_ULL(1)
#define SVM_NPF_FETCH		BIT_ULL(4)

/* EVENTINJ and EXITINTINFO. */
#define SVM_EVT_VECTOR_MASK	0xffu
#define SVM_EVT_TYPE_SHIFT	8
#define SVM_EVT_TYPE_INTR	(0u << SVM_EVT_TYPE_SHIFT)
#define SVM_EVT_TYPE_NMI	(2u << SVM_EVT_TYPE_SHIFT)
#define SVM_EVT_TYPE_EXCEPTION	(3u << SVM_EVT_TYPE_SHIFT)
#define SVM_EVT_TYPE_SOFT	(4u << SVM_EVT_TYPE_SHIFT)
#define SVM_EVT_TYPE_MASK	(7u << SVM_EVT_TYPE_SHIFT)
#define SVM_EVT_ERROR_VALID	BIT(11)
#define SVM_EVT_VALID		BIT(31)

/* int_ctl */
#define SVM_INT_CTL_V_TPR_MASK		0xffu
#define SVM_INT_CTL_V_IRQ		BIT(8)	/* a virtual interrupt is pending */
#define SVM_INT_CTL_V_INTR_PRIO_MASK	GENMASK(19, 16)
#define SVM_INT_CTL_V_IGN_TPR		BIT(20)
#define SVM_INT_CTL_V_INTR_MASKING	BIT(24)
/* int_state */
#define SVM_INT_STATE_SHADOW		BIT(0)
/* nested_ctl */
#define SVM_NESTED_CTL_NP_ENABLE	BIT_ULL(0)
/* tlb_ctl */
#define SVM_TLB_CTL_FLUSH_ALL		1	/* every ASID's entries */

/* Segment attributes: descriptor bits 47:40 in 7:0, bits 55:52 in 11:8. */
#define SVM_SEG_TYPE_MASK	0x00f
#define SVM_SEG_S		BIT(4)
#define SVM_SEG_DPL_SHIFT	5
#define SVM_SEG_P		BIT(7)
#define SVM_SEG_AVL		BIT(8)
#define SVM_SEG_L		BIT(9)
#define SVM_SEG_DB		BIT(10)
#define SVM_SEG_G		BIT(11)

struct vmcb_control {
	u32 intercept_cr;		/* 0x000: reads 15:0, writes 31:16 */
	u32 intercept_dr;		/* 0x004 */
	u32 intercept_exceptions;	/* 0x008 */
	u32 intercept_misc1;		/* 0x00c: SVM_INTERCEPT_INTR ... */
	u32 intercept_misc2;		/* 0x010: SVM_INTERCEPT_VMRUN ... */
	u32 intercept_misc3;		/* 0x014 */
	u8 reserved_018[0x03c - 0x018];
	u16 pause_filter_threshold;	/* 0x03c */
	u16 pause_filter_count;		/* 0x03e */
	u64 iopm_base_pa;		/* 0x040 */
	u64 msrpm_base_pa;		/* 0x048 */
	u64 tsc_offset;			/* 0x050 */
	u32 asid;			/* 0x058 */
	u8 tlb_ctl;			/* 0x05c */
	u8 reserved_05d[3];
	u32 int_ctl;			/* 0x060 */
	u32 int_vector;			/* 0x064 */
	u32 int_state;			/* 0x068 */
	u32 reserved_06c;
	u64 exit_code;			/* 0x070 */
	u64 exit_info_1;		/* 0x078 */
	u64 exit_info_2;		/* 0x080 */
	u32 exit_int_info;		/* 0x088 */
	u32 exit_int_info_err;		/* 0x08c */
	u64 nested_ctl;			/* 0x090 */
	u64 avic_vapic_bar;		/* 0x098 */
	u64 ghcb_gpa;			/* 0x0a0 */
	u32 event_inj;			/* 0x0a8 */
	u32 event_inj_err;		/* 0x0ac */
	u64 nested_cr3;			/* 0x0b0 */
	u64 virt_ext;			/* 0x0b8 */
	u32 clean;			/* 0x0c0: VMCB clean bits */
	u32 reserved_0c4;
	u64 next_rip;			/* 0x0c8: with NRIP save */
	u8 insn_len;			/* 0x0d0: with decode assists */
	u8 insn_bytes[15];		/* 0x0d1 */
	u8 reserved_0e0[0x400 - 0x0e0];
} __packed;

struct vmcb_seg {
	u16 selector;
	u16 attrib;
	u32 limit;
	u64 base;
} __packed;

struct vmcb_save {
	struct vmcb_seg es;		/* 0x400 */
	struct vmcb_seg cs;		/* 0x410 */
	struct vmcb_seg ss;		/* 0x420 */
	struct vmcb_seg ds;		/* 0x430 */
	struct vmcb_seg fs;		/* 0x440 */
	struct vmcb_seg gs;		/* 0x450 */
	struct vmcb_seg gdtr;		/* 0x460 */
	struct vmcb_seg ldtr;		/* 0x470 */
	struct vmcb_seg idtr;		/* 0x480 */
	struct vmcb_seg tr;		/* 0x490 */
	u8 reserved_4a0[0x4cb - 0x4a0];
	u8 cpl;				/* 0x4cb */
	u32 reserved_4cc;
	u64 efer;			/* 0x4d0 */
	u8 reserved_4d8[0x548 - 0x4d8];
	u64 cr4;			/* 0x548 */
	u64 cr3;			/* 0x550 */
	u64 cr0;			/* 0x558 */
	u64 dr7;			/* 0x560 */
	u64 dr6;			/* 0x568 */
	u64 rflags;			/* 0x570 */
	u64 rip;			/* 0x578 */
	u8 reserved_580[0x5d8 - 0x580];
	u64 rsp;			/* 0x5d8 */
	u8 reserved_5e0[0x5f8 - 0x5e0];
	u64 rax;			/* 0x5f8 */
	u64 star;			/* 0x600 */
	u64 lstar;			/* 0x608 */
	u64 cstar;			/* 0x610 */
	u64 sfmask;			/* 0x618 */
	u64 kernel_gs_base;		/* 0x620 */
	u64 sysenter_cs;		/* 0x628 */
	u64 sysenter_esp;		/* 0x630 */
	u64 sysenter_eip;		/* 0x638 */
	u64 cr2;			/* 0x640 */
	u8 reserved_648[0x668 - 0x648];
	u64 g_pat;			/* 0x668 */
	u64 dbgctl;			/* 0x670 */
	u8 reserved_678[0x1000 - 0x678];
} __packed;

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
} __packed;

#define VMCB_ASSERT(type, field, off) \
	static_assert(offsetof(type, field) == (off), #field " at " #off)

static_assert(sizeof(struct vmcb_control) == 0x400);
static_assert(sizeof(struct vmcb) == 0x1000);
VMCB_ASSERT(struct vmcb_control, pause_filter_count, 0x03e);
VMCB_ASSERT(struct vmcb_control, iopm_base_pa, 0x040);
VMCB_ASSERT(struct vmcb_control, tsc_offset, 0x050);
VMCB_ASSERT(struct vmcb_control, tlb_ctl, 0x05c);
VMCB_ASSERT(struct vmcb_control, int_ctl, 0x060);
VMCB_ASSERT(struct vmcb_control, exit_code, 0x070);
VMCB_ASSERT(struct vmcb_control, exit_int_info, 0x088);
VMCB_ASSERT(struct vmcb_control, nested_ctl, 0x090);
VMCB_ASSERT(struct vmcb_control, event_inj, 0x0a8);
VMCB_ASSERT(struct vmcb_control, nested_cr3, 0x0b0);
VMCB_ASSERT(struct vmcb_control, clean, 0x0c0);
VMCB_ASSERT(struct vmcb_control, next_rip, 0x0c8);
VMCB_ASSERT(struct vmcb_control, insn_bytes, 0x0d1);
VMCB_ASSERT(struct vmcb, save.es, 0x400);
VMCB_ASSERT(struct vmcb, save.tr, 0x490);
VMCB_ASSERT(struct vmcb, save.cpl, 0x4cb);
VMCB_ASSERT(struct vmcb, save.efer, 0x4d0);
VMCB_ASSERT(struct vmcb, save.cr4, 0x548);
VMCB_ASSERT(struct vmcb, save.rip, 0x578);
VMCB_ASSERT(struct vmcb, save.rsp, 0x5d8);
VMCB_ASSERT(struct vmcb, save.rax, 0x5f8);
VMCB_ASSERT(struct vmcb, save.star, 0x600);
VMCB_ASSERT(struct vmcb, save.cr2, 0x640);
VMCB_ASSERT(struct vmcb, save.g_pat, 0x668);

/* Sizes of the permission maps (APM 15.10.1, 15.11). */
#define SVM_IOPM_PAGES_ORDER	2	/* 12 KiB used, allocated as 16 */
#define SVM_MSRPM_PAGES_ORDER	1	/* 8 KiB */

#endif /* HVX_VMCB_H */
