/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Raw guest code for mode_test, copied into guest memory by the test:
 *   reset_blob   the 5 bytes at the reset vector (0xFFFFFFF0): a far jump
 *                to the mode blob at GUEST_BLOB_GPA;
 *   mode_blob    real mode -> 32-bit protected -> long mode -> compatibility
 *                mode -> protected without paging -> 16-bit protected ->
 *                real mode, then HLT. After each step it stops with
 *                OUT dword (step number) to GUEST_REPORT_PORT, where the host
 *                checks the mode through KVM_GET_SREGS.
 * It uses the library's GDT selectors and page tables (guest_layout.h). The
 * blob runs at GUEST_BLOB_GPA, not where it is linked: B() makes addresses.
 */
#include "guest_layout.h"

#define B(sym)		(GUEST_BLOB_GPA + (sym) - mode_blob_start)
#define STACK_TOP	(GUEST_BLOB_END - 0x10)
#define REPORT(n)	movl $(n), %eax; movw $GUEST_REPORT_PORT, %dx; outl %eax, %dx

	.section .rodata
	.globl reset_blob_start, reset_blob_end, mode_blob_start, mode_blob_end

	.code16
reset_blob_start:
	ljmp $0, $GUEST_BLOB_GPA
reset_blob_end:

mode_blob_start:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw $STACK_TOP, %sp
	REPORT(1)				/* real mode */

	lgdtl B(gdt_desc)
	movl %cr0, %eax
	orl $X86_CR0_PE, %eax
	movl %eax, %cr0
	ljmpl $GUEST_SEL_CODE32, $B(pm32)

	.code32
pm32:
	movw $GUEST_SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl $STACK_TOP, %esp
	REPORT(2)				/* 32-bit protected mode */

	movl %cr4, %eax
	orl $X86_CR4_PAE, %eax
	movl %eax, %cr4
	movl $GUEST_PML4_GPA, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $X86_CR0_PG, %eax
	movl %eax, %cr0				/* now LMA, in a 32-bit segment */
	ljmp $GUEST_SEL_CODE64, $B(lm64)

	.code64
lm64:
	REPORT(3)				/* 64-bit mode */
	pushq $GUEST_SEL_CODE32
	pushq $B(compat32)
	lretq

	.code32
compat32:
	REPORT(4)				/* compatibility mode */
	movl %cr0, %eax
	andl $~X86_CR0_PG, %eax
	movl %eax, %cr0				/* leaves long mode: LMA clears */
	movl $MSR_EFER, %ecx
	rdmsr
	andl $~EFER_LME, %eax
	wrmsr
	REPORT(5)				/* protected mode, no paging */
	ljmp $GUEST_SEL_CODE16, $B(pm16)

	.code16
pm16:
	movw $GUEST_SEL_DATA16, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr0, %eax
	andl $~X86_CR0_PE, %eax
	movl %eax, %cr0
	ljmp $0, $B(rm16)
rm16:
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	REPORT(6)				/* real mode again */
	hlt
	REPORT(7)
	hlt

	.balign 8
gdt_desc:
	.word GUEST_GDT_ENTRIES * 8 - 1
	.long GUEST_GDT_GPA
mode_blob_end:

	.section .note.GNU-stack,"",@progbits
