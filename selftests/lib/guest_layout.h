/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where the guest library puts things in guest-physical memory, and the GDT
 * selectors it uses. Shared by the host library (which builds it all), the
 * guest C code and the assembly blobs, so it holds only constants.
 *
 * Guest memory is identity-mapped (GVA == GPA). Slot 0 starts at GPA 0:
 *
 *   0x0000_1000 .. 0x0000_FFFF  free for raw 16/32-bit blobs (GUEST_BLOB_GPA)
 *   0x0001_0000                 GDT, then IDT, then TSS (one page each)
 *   0x0002_0000                 page tables: PML4, PDPT, 4 PDs (0..4 GiB, 2 MiB pages)
 *   0x0010_0000 .. 0x003F_FFFF  vCPU stacks, GUEST_STACK_SIZE each
 *   0x0040_0000 ..              the test binary's PT_LOAD segments, at p_vaddr
 *   vm->free_gpa ..             free for the test (2 MiB aligned, after the binary)
 */
#ifndef HVX_GUEST_LAYOUT_H
#define HVX_GUEST_LAYOUT_H

#define GUEST_PAGE_SIZE		0x1000
#define GUEST_LARGE_PAGE_SIZE	0x200000

#define GUEST_BLOB_GPA		0x1000		/* raw real-mode code goes here */
#define GUEST_BLOB_END		0x10000
#define GUEST_GDT_GPA		0x10000
#define GUEST_IDT_GPA		0x11000
#define GUEST_TSS_GPA		0x12000
#define GUEST_PML4_GPA		0x20000
#define GUEST_PDPT_GPA		0x21000
#define GUEST_PD_GPA		0x22000		/* 4 pages: 4 GiB identity-mapped */
#define GUEST_MAPPED_BYTES	0x100000000ULL
#define GUEST_STACKS_GPA	0x100000
#define GUEST_STACK_SIZE	0x10000
#define GUEST_MAX_VCPUS		48		/* stacks end at the binary */
#define GUEST_IMAGE_GPA		0x400000	/* where a non-PIE static binary is linked */
#define GUEST_VECTORS		256		/* IDT entries, all with a stub */

/* GDT selectors (index * 8, RPL 0). */
#define GUEST_SEL_CODE64	0x08
#define GUEST_SEL_DATA		0x10		/* flat 4 GiB, 32-bit, writable */
#define GUEST_SEL_TSS		0x18		/* 16-byte descriptor in long mode */
#define GUEST_SEL_CODE32	0x28		/* flat 4 GiB, 32-bit */
#define GUEST_SEL_CODE16	0x30		/* base 0, limit 64 KiB, 16-bit */
#define GUEST_SEL_DATA16	0x38		/* base 0, limit 64 KiB, 16-bit */
#define GUEST_GDT_ENTRIES	8

/* Ports. The ucall port carries a 32-bit GPA of a struct ucall (OUT dword). */
#define UCALL_PORT		0x1000
/* Raw blobs (no ucall) report progress with an OUT dword here. */
#define GUEST_REPORT_PORT	0x1001

/* Architectural bits the library and the blobs need. */
#ifdef __ASSEMBLER__
#define GL_BIT(n)		(1 << (n))
#else
#define GL_BIT(n)		(1UL << (n))	/* CR0.PG must not sign-extend */
#endif
#define X86_CR0_PE		GL_BIT(0)
#define X86_CR0_MP		GL_BIT(1)
#define X86_CR0_EM		GL_BIT(2)
#define X86_CR0_TS		GL_BIT(3)
#define X86_CR0_ET		GL_BIT(4)
#define X86_CR0_NE		GL_BIT(5)
#define X86_CR0_WP		GL_BIT(16)
#define X86_CR0_AM		GL_BIT(18)
#define X86_CR0_NW		GL_BIT(29)
#define X86_CR0_CD		GL_BIT(30)
#define X86_CR0_PG		GL_BIT(31)
#define X86_CR4_PAE		GL_BIT(5)
#define X86_CR4_OSFXSR		GL_BIT(9)
#define X86_CR4_OSXMMEXCPT	GL_BIT(10)
#define X86_CR4_OSXSAVE		GL_BIT(18)
#define MSR_EFER		0xc0000080
#define EFER_SCE		GL_BIT(0)
#define EFER_LME		GL_BIT(8)
#define EFER_LMA		GL_BIT(10)
#define EFER_NX			GL_BIT(11)
#define EFER_SVME		GL_BIT(12)

#endif /* HVX_GUEST_LAYOUT_H */
