/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VMX world switch. VM entry loads the guest's RSP, RIP and RFLAGS
 * from the VMCS, VM exit the host's RSP and RIP; the other GPRs are
 * swapped here. HOST_RSP and HOST_RIP are written just before the entry,
 * so the exit lands on .Lvmx_exit with this function's own stack.
 *
 * HOST_RIP is the instruction right after VMLAUNCH: a VM exit and a
 * failed VMLAUNCH/VMRESUME both arrive there and are told apart by the
 * flags. A VM exit clears RFLAGS (CF=ZF=0); VMfailInvalid sets CF,
 * VMfailValid ZF. Nothing between the entry and the test changes flags.
 *
 * int hvx_vmx_vmenter(u64 *gprs, u32 launched)
 *   gprs: the guest's GPRs in enum hvx_gpr order; RSP lives in the VMCS.
 *   Returns enum vmx_enter_result. Called with interrupts off.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/ibt.h>
#include <asm/nospec-branch.h>

#define GPR_RAX	(0 * 8)
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

/* enum vmcs_field, vmcs.h */
#define VMCS_HOST_RSP	0x00006c14
#define VMCS_HOST_RIP	0x00006c16

/* enum vmx_enter_result, vmx.h */
#define VMX_ENTER_EXITED	0
#define VMX_ENTER_FAIL_VALID	1
#define VMX_ENTER_FAIL_INVALID	2
#define VMX_ENTER_FAULT		3

	.section .noinstr.text, "ax"

SYM_FUNC_START(hvx_vmx_vmenter)
	push %rbp
	mov  %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	push %rdi		/* 0x08(%rsp): gprs */
	push %rsi		/* 0x00(%rsp): launched */

	/* The exit comes back to this very stack depth. */
	mov  $VMCS_HOST_RSP, %eax
1:	vmwrite %rsp, %rax
	jbe  .Lvmx_result
	lea  .Lvmx_exit(%rip), %rdx
	mov  $VMCS_HOST_RIP, %eax
2:	vmwrite %rdx, %rax
	jbe  .Lvmx_result

	cmpl $0, (%rsp)		/* launched? The MOVs below keep the flags. */
	mov  0x08(%rsp), %rax
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
	mov  GPR_RAX(%rax), %rax
	je   .Lvmx_launch
3:	vmresume
	jmp  .Lvmx_exit
.Lvmx_launch:
4:	vmlaunch
.Lvmx_exit:
	ENDBR			/* the exit is a branch here; ENDBR keeps the flags */
	/* Guest GPRs (or, after VMfail, what was loaded) back to gprs. */
	push %rax
	mov  0x10(%rsp), %rax
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
	popq GPR_RAX(%rax)

.Lvmx_result:
	mov  $VMX_ENTER_FAIL_INVALID, %ebx
	jc   .Lvmx_done
	mov  $VMX_ENTER_FAIL_VALID, %ebx
	jz   .Lvmx_done
	mov  $VMX_ENTER_EXITED, %ebx
.Lvmx_done:
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

	mov  %ebx, %eax
	add  $0x10, %rsp
	pop  %rbx
	pop  %r12
	pop  %r13
	pop  %r14
	pop  %r15
	pop  %rbp
	RET

	/* A faulting VMX instruction: VMX is off on this CPU. */
.Lvmx_fault:
	mov  $VMX_ENTER_FAULT, %ebx
	jmp  .Lvmx_done

	_ASM_EXTABLE(1b, .Lvmx_fault)
	_ASM_EXTABLE(2b, .Lvmx_fault)
	_ASM_EXTABLE(3b, .Lvmx_fault)
	_ASM_EXTABLE(4b, .Lvmx_fault)
SYM_FUNC_END(hvx_vmx_vmenter)
