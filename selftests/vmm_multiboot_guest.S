/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tiny multiboot v1 kernel for vmm_cli_test: it checks the boot magic,
 * prints a greeting and its command line on COM1, what fw_cfg says (its
 * signature, CPU count and RAM size, in hex), then acts on the first
 * byte of its first module: 0xff triple-faults, 0xfe resets the machine
 * through the i8042, anything else exits through isa-debug-exit (port 0xf4)
 * with that byte. Without a module it halts forever (interrupts off), so
 * the test can stop it with a signal. Built twice: with the header's address fields
 * (MB_ADDRESSES, a flat binary) and as an ELF without them.
 */
#define MB_MAGIC		0x1badb002
#define MB_BOOT_MAGIC		0x2badb002
#ifdef MB_ADDRESSES
#define MB_FLAGS		0x00010000
#else
#define MB_FLAGS		0x00000000
#endif
#define MBI_CMDLINE		16
#define MBI_MODS_COUNT		20
#define MBI_MODS_ADDR		24
#define COM1			0x3f8
#define COM1_LSR		(COM1 + 5)
#define LSR_THRE		0x20
#define DEBUG_EXIT		0xf4
#define EXIT_BAD_MAGIC		0x7e
#define ACT_TRIPLE_FAULT	0xff
#define ACT_RESET		0xfe
#define FW_CFG_SEL		0x510
#define FW_CFG_DATA		0x511
#define FW_CFG_SIGNATURE	0x00
#define FW_CFG_RAM_SIZE		0x03
#define FW_CFG_NB_CPUS		0x05
#define I8042_CMD		0x64
#define I8042_RESET		0xfe

	.code32
	.text
	.globl _start
mb_header:
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
#ifdef MB_ADDRESSES
	.long mb_header		/* header_addr */
	.long mb_header		/* load_addr: the image starts with the header */
	.long 0			/* load_end_addr: the whole file */
	.long 0			/* bss_end_addr: none */
	.long _start		/* entry_addr */
#endif

_start:
	cli
	movl $stack_top, %esp
	cmpl $MB_BOOT_MAGIC, %eax
	jne bad_magic
	movl $greeting, %esi
	call puts
	movl MBI_CMDLINE(%ebx), %esi
	call puts
	movl $newline, %esi
	call puts
	call show_fw_cfg
	cmpl $0, MBI_MODS_COUNT(%ebx)
	je spin
	movl MBI_MODS_ADDR(%ebx), %eax
	movl (%eax), %eax		/* mod_start */
	movb (%eax), %al
	cmpb $ACT_TRIPLE_FAULT, %al
	je triple_fault
	cmpb $ACT_RESET, %al
	je reset
	outb %al, $DEBUG_EXIT
	jmp spin
triple_fault:
	/* No IDT: the breakpoint cannot be delivered, nor the #GP, nor the #DF. */
	lidt empty_idt
	int3
	jmp spin
reset:
	movb $I8042_RESET, %al
	outb %al, $I8042_CMD
	jmp spin
bad_magic:
	movb $EXIT_BAD_MAGIC, %al
	outb %al, $DEBUG_EXIT
spin:
	hlt
	jmp spin

/* "fw_cfg: QEMU cpus=0002 ram=02000000": signature, then two items in hex. */
show_fw_cfg:
	movl $fw_cfg_label, %esi
	call puts
	movw $FW_CFG_SIGNATURE, %ax
	movw $FW_CFG_SEL, %dx
	outw %ax, %dx
	movw $FW_CFG_DATA, %dx
	movl $4, %ecx
1:	inb %dx, %al
	call putc
	loop 1b
	movl $cpus_label, %esi
	call puts
	movw $FW_CFG_NB_CPUS, %ax
	movl $2, %ecx
	call fw_cfg_hex
	movl $ram_label, %esi
	call puts
	movw $FW_CFG_RAM_SIZE, %ax
	movl $4, %ecx		/* the low 32 bits are enough for the test */
	call fw_cfg_hex
	movl $newline, %esi
	jmp puts

/* Select item %ax, read %ecx bytes (little-endian), print them as hex. */
fw_cfg_hex:
	movw $FW_CFG_SEL, %dx
	outw %ax, %dx
	movw $FW_CFG_DATA, %dx
	xorl %edi, %edi
1:	inb %dx, %al
	movb %al, fw_buf(%edi)
	incl %edi
	cmpl %ecx, %edi
	jb 1b
2:	decl %edi			/* most significant byte first */
	movzbl fw_buf(%edi), %eax
	pushl %eax
	shrl $4, %eax
	call puthex
	popl %eax
	call puthex
	testl %edi, %edi
	jnz 2b
	ret

puthex:
	andl $0xf, %eax
	movb hex_digits(%eax), %al
	jmp putc

/* Print the NUL-terminated string at %esi. */
puts:
	lodsb
	testb %al, %al
	jz 1f
	call putc
	jmp puts
1:	ret

/* Print %al on COM1 once its transmitter is empty; keeps other registers. */
putc:
	pushl %edx
	pushl %eax
	movw $COM1_LSR, %dx
1:	inb %dx, %al
	testb $LSR_THRE, %al
	jz 1b
	popl %eax
	movw $COM1, %dx
	outb %al, %dx
	popl %edx
	ret

	.data
	.align 8
empty_idt:	.word 0
		.long 0
greeting:	.asciz "multiboot: hello from a multiboot kernel, cmdline: "
fw_cfg_label:	.asciz "fw_cfg: "
cpus_label:	.asciz " cpus="
ram_label:	.asciz " ram="
hex_digits:	.ascii "0123456789abcdef"
fw_buf:		.space 8
newline:	.asciz "\r\n"
	.bss
	.align 16
	.space 4096
stack_top:
