/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Raw guest code for ipi_test: sipi_blob is what an AP runs in real mode
 * after INIT and a start-up IPI with vector v, at CS = v << 8, IP = 0
 * (copied to v << 12 by the test). It counts its starts in the dword at
 * SIPI_COUNT_OFF of its page, reports CS with OUT dword to
 * GUEST_REPORT_PORT, then halts.
 */
#include "guest_layout.h"

#define SIPI_COUNT_OFF	0x100

	.section .rodata
	.globl sipi_blob_start, sipi_blob_end

	.code16
sipi_blob_start:
	cli
	movw %cs, %ax
	movw %ax, %ds
	lock incl SIPI_COUNT_OFF
	movzwl %ax, %eax
	movw $GUEST_REPORT_PORT, %dx
	outl %eax, %dx
1:	hlt
	jmp 1b
sipi_blob_end:

	.section .note.GNU-stack,"",@progbits
