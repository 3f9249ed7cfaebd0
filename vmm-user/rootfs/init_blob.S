/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hvx's init (rootfs/guest_init.c built statically on its own, see the
 * Makefile), embedded in hvx: the /init of the initramfs --rootfs builds.
 * HVX_INIT_BLOB is that program's path, given by the Makefile.
 */
	.section .rodata
	.balign 16
	.globl hvx_init_blob
hvx_init_blob:
	.incbin HVX_INIT_BLOB
	.globl hvx_init_blob_end
hvx_init_blob_end:
	.section .note.GNU-stack, "", @progbits
