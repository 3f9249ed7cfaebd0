/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's interrupt and exception entry points: one stub per vector
 * 0-255 (the IDT the host library builds points at them, guest_idt_stubs[]
 * lists them), each pushing a uniform frame (struct guest_frame) for
 * guest_handle_exception() in guest.c.
 */
	.text
	.code64

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

/* Stub v is at guest_stubs + v * STUB_SIZE: it pushes a zero in place of
 * an error code where the CPU pushes none, then v. */
#define STUB_SIZE 16
guest_stubs:
	.set v, 0
	.rept 256
	.balign STUB_SIZE
	.if !HAS_ERROR(v)
	pushq $0
	.endif
	pushq $v
	jmp guest_exception_common
	.set v, v + 1
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
	/* A handler in a test's C code may use SSE: save the interrupted
	 * code's FPU/SSE state (RSP is 16-aligned here, 512 keeps it so). */
	subq $512, %rsp
	fxsave64 (%rsp)
	cld
	call guest_handle_exception
	fxrstor64 (%rsp)
	addq $512, %rsp
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
	.set v, 0
	.rept 256
	.quad guest_stubs + v * STUB_SIZE
	.set v, v + 1
	.endr

	.section .note.GNU-stack,"",@progbits
