/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's exception entry points: one stub per vector 0-31 (the IDT the
 * host library builds points at them, guest_idt_stubs[] lists them), each
 * pushing a uniform frame for guest_handle_exception() in guest.c.
 */
	.text
	.code64

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

	.macro stub v
	.balign 16
guest_stub_\v:
	.if !HAS_ERROR(\v)
	pushq $0
	.endif
	pushq $\v
	jmp guest_exception_common
	.endm

	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	stub \v
	.endr

guest_exception_common:
	/* CPU frame (48 bytes with the error code) + vector + 15 registers:
	 * 176 bytes, so RSP (16-aligned by the CPU) stays aligned for the call. */
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	cld
	call guest_handle_exception
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp		/* vector, error code */
	iretq

	.section .rodata
	.balign 8
	.globl guest_idt_stubs
guest_idt_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad guest_stub_\v
	.endr

	.section .note.GNU-stack,"",@progbits
