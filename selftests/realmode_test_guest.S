/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Raw real-mode guest code for realmode_test, copied to GUEST_BLOB_GPA.
 * It installs real-mode vector-table entries and goes through what real
 * mode does with them: INT n, a fault (#DE) and a trap (INT3), #UD, an
 * external interrupt after STI, and the instructions a hypervisor without
 * unrestricted guest must emulate there (MOV from CR0, LIDT, SIDT, HLT).
 * Each step reports OUT dword (step << 16 | value) to GUEST_REPORT_PORT.
 */
#include "guest_layout.h"

#define B(sym)		(GUEST_BLOB_GPA + (sym) - realmode_blob_start)
#define STACK_TOP	(GUEST_BLOB_END - 0x10)
#define EXT_VECTOR	0x40
#define REPORT(step, reg16)	movw reg16, %ax; movl $(step << 16), %ebx; movw %ax, %bx; \
				movl %ebx, %eax; movw $GUEST_REPORT_PORT, %dx; outl %eax, %dx
#define SET_VECTOR(v, handler)	movw $B(handler), (v) * 4; movw $0, (v) * 4 + 2

	.section .rodata
	.globl realmode_blob_start, realmode_blob_end
	.globl after_int21, div_insn, after_int3, ud_insn
	.code16
realmode_blob_start:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw $STACK_TOP, %sp
	SET_VECTOR(0x21, int21)
	SET_VECTOR(0, divide_error)
	SET_VECTOR(3, breakpoint)
	SET_VECTOR(6, invalid_opcode)
	SET_VECTOR(EXT_VECTOR, external)

	movw $0x1234, %si
	int $0x21			/* step 1: SI back from the handler */
after_int21:
	REPORT(2, %si)			/* step 2: the handler's SI survived IRET */

	movw $1, %ax
	xorb %cl, %cl
div_insn:
	divb %cl			/* #DE: a fault, the handler skips it */
	REPORT(4, $0x44)

	int3				/* #BP: a trap, back past it */
after_int3:
	REPORT(6, $0x66)

ud_insn:
	ud2				/* #UD: a fault, the handler skips it */
	REPORT(8, $0x88)

	movl %cr0, %eax			/* step 9: CR0's low word (PE clear) */
	REPORT(9, %ax)

	lidtl B(idt_desc)		/* an IDTR at 0x0, limit 0x3ff */
	sidtl B(idt_copy)
	REPORT(10, B(idt_copy))		/* step 10: the limit SIDT stored */

	sti
	REPORT(11, $0xbb)		/* the host queues EXT_VECTOR now */
	nop
	REPORT(13, %di)			/* step 13: the handler ran (DI) */
	hlt
	REPORT(14, $0xee)
	hlt

/* INT 21h: reports the return address it was given, sets SI. */
int21:
	movw %sp, %bp
	REPORT(1, (%bp))		/* step 1: the pushed IP */
	movw $0x5678, %si
	iret

/* #DE: report, then return past the 2-byte DIV. */
divide_error:
	movw %sp, %bp
	REPORT(3, (%bp))		/* step 3: the faulting IP */
	addw $2, (%bp)
	iret

/* #BP: report the pushed IP (already past INT3). */
breakpoint:
	movw %sp, %bp
	REPORT(5, (%bp))
	iret

/* #UD: report, then return past the 2-byte UD2. */
invalid_opcode:
	movw %sp, %bp
	REPORT(7, (%bp))
	addw $2, (%bp)
	iret

/* The external interrupt: report the pushed FLAGS (IF was set). */
external:
	movw %sp, %bp
	REPORT(12, 4(%bp))
	movw $0xd1, %di
	iret

	.balign 8
idt_desc:
	.word 0x3ff
	.long 0
idt_copy:
	.word 0
	.long 0
realmode_blob_end:

	.section .note.GNU-stack,"",@progbits
