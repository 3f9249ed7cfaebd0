/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The SVM world switch. VMRUN saves and restores only part of the host
 * state (APM 15.5.1); everything VMLOAD/VMSAVE cover (FS, GS, TR, LDTR,
 * KERNEL_GS_BASE, STAR/LSTAR/CSTAR/SFMASK, SYSENTER_*) is saved here to a
 * per-CPU host area before the guest's copy is loaded, and restored right
 * after #VMEXIT, before any C code can touch per-CPU data through GS.
 * Called with GIF clear, so nothing (not even an NMI) runs in between.
 *
 * int hvx_svm_vmrun(u64 vmcb_pa, u64 *gprs, u64 host_save_pa)
 *   gprs: the guest's GPRs in enum hvx_gpr order; RAX and RSP live in the
 *   VMCB. Returns 0, or 1 if VMLOAD/VMRUN/VMSAVE faulted (SVM switched off
 *   under us, e.g. by an emergency reboot).
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#define GPR_RCX	(1 * 8)
#define GPR_RDX	(2 * 8)
#define GPR_RBX	(3 * 8)
#define GPR_RBP	(5 * 8)
#define GPR_RSI	(6 * 8)
#define GPR_RDI	(7 * 8)
#define GPR_R8	(8 * 8)
#define GPR_R9	(9 * 8)
#define GPR_R10	(10 * 8)
#define GPR_R11	(11 * 8)
#define GPR_R12	(12 * 8)
#define GPR_R13	(13 * 8)
#define GPR_R14	(14 * 8)
#define GPR_R15	(15 * 8)

	.section .noinstr.text, "ax"

SYM_FUNC_START(hvx_svm_vmrun)
	push %rbp
	mov  %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	push $0			/* 0x18(%rsp): result */
	push %rdx		/* 0x10(%rsp): host save area */
	push %rsi		/* 0x08(%rsp): gprs */
	push %rdi		/* 0x00(%rsp): VMCB */

	mov  %rdx, %rax
1:	vmsave %rax		/* host FS/GS/TR/... to the per-CPU area */

	mov  %rsi, %rax
	mov  GPR_RCX(%rax), %rcx
	mov  GPR_RDX(%rax), %rdx
	mov  GPR_RBX(%rax), %rbx
	mov  GPR_RBP(%rax), %rbp
	mov  GPR_RSI(%rax), %rsi
	mov  GPR_RDI(%rax), %rdi
	mov  GPR_R8(%rax), %r8
	mov  GPR_R9(%rax), %r9
	mov  GPR_R10(%rax), %r10
	mov  GPR_R11(%rax), %r11
	mov  GPR_R12(%rax), %r12
	mov  GPR_R13(%rax), %r13
	mov  GPR_R14(%rax), %r14
	mov  GPR_R15(%rax), %r15

	mov  (%rsp), %rax
2:	vmload %rax
3:	vmrun %rax
4:	vmsave %rax
5:	mov  0x10(%rsp), %rax
6:	vmload %rax		/* host state back before anything uses GS */
7:
	mov  0x08(%rsp), %rax
	mov  %rcx, GPR_RCX(%rax)
	mov  %rdx, GPR_RDX(%rax)
	mov  %rbx, GPR_RBX(%rax)
	mov  %rbp, GPR_RBP(%rax)
	mov  %rsi, GPR_RSI(%rax)
	mov  %rdi, GPR_RDI(%rax)
	mov  %r8, GPR_R8(%rax)
	mov  %r9, GPR_R9(%rax)
	mov  %r10, GPR_R10(%rax)
	mov  %r11, GPR_R11(%rax)
	mov  %r12, GPR_R12(%rax)
	mov  %r13, GPR_R13(%rax)
	mov  %r14, GPR_R14(%rax)
	mov  %r15, GPR_R15(%rax)
8:
	/* Stuff the return stack buffer before the first RET (Spectre-RSB). */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT

	/* Leave no guest values in registers for speculation to use. */
	xor  %ecx, %ecx
	xor  %edx, %edx
	xor  %esi, %esi
	xor  %edi, %edi
	xor  %r8d, %r8d
	xor  %r9d, %r9d
	xor  %r10d, %r10d
	xor  %r11d, %r11d

	mov  0x18(%rsp), %eax
	add  $0x20, %rsp
	pop  %rbx
	pop  %r12
	pop  %r13
	pop  %r14
	pop  %r15
	pop  %rbp
	RET

	/* A faulting SVM instruction: carry on, report it to the caller. */
10:	movl $1, 0x18(%rsp)
	jmp  7b
11:	movl $1, 0x18(%rsp)
	jmp  4b
12:	movl $1, 0x18(%rsp)
	jmp  5b
13:	movl $1, 0x18(%rsp)	/* nothing loaded yet: keep the guest's GPRs */
	jmp  8b

	_ASM_EXTABLE(1b, 13b)
	_ASM_EXTABLE(2b, 11b)
	_ASM_EXTABLE(3b, 11b)
	_ASM_EXTABLE(4b, 12b)
	_ASM_EXTABLE(6b, 10b)
SYM_FUNC_END(hvx_svm_vmrun)
