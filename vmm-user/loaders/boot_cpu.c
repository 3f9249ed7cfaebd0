// SPDX-License-Identifier: GPL-2.0-only
/*
 * The boot vCPU's entry state: 64-bit mode with an identity map of the
 * first 4 GiB (Linux's 64-bit boot protocol), or flat 32-bit protected
 * mode without paging (multiboot, PVH). One GDT serves both; its selectors
 * are the ones Linux's boot protocol asks for (__BOOT_CS, __BOOT_DS).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include "../vm.h"
#include "../platform/layout.h"
#include "loader.h"

enum boot_gdt_index { GDT_NULL, GDT_CODE32, GDT_CODE64, GDT_DATA, GDT_TSS, GDT_ENTRIES };
#define SEL(index)	((index) * 8)

/* Descriptor: base 0, limit 0xfffff; the flags/access nibbles are the part that varies. */
#define GDT_DESC(flags, access)	(0x000f00000000ffffULL | ((uint64_t)(flags) << 52) | \
				 ((uint64_t)(access) << 40))
#define GDT_G		0x8	/* 4 KiB granularity */
#define GDT_DB		0x4	/* 32-bit */
#define GDT_L		0x2	/* 64-bit code */
#define ACC_CODE	0x9b	/* present, ring 0, code, readable, accessed */
#define ACC_DATA	0x93	/* present, ring 0, data, writable, accessed */
#define ACC_TSS32_BUSY	0x8b
#define TSS_LIMIT	0x67

#define SEG_TYPE_CODE	0xb
#define SEG_TYPE_DATA	0x3

#define X86_CR0_PE	(1ULL << 0)
#define X86_CR0_ET	(1ULL << 4)
#define X86_CR0_PG	(1ULL << 31)
#define X86_CR4_PAE	(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)
#define PTE_PRESENT	(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_PS		(1ULL << 7)
#define X86_RFLAGS_FIXED (1ULL << 1)

static int boot_gdt_write(struct vm *vm)
{
	const uint64_t gdt[GDT_ENTRIES] = {
		[GDT_CODE32] = GDT_DESC(GDT_G | GDT_DB, ACC_CODE),
		[GDT_CODE64] = GDT_DESC(GDT_G | GDT_L, ACC_CODE),
		[GDT_DATA] = GDT_DESC(GDT_G | GDT_DB, ACC_DATA),
		[GDT_TSS] = ((uint64_t)ACC_TSS32_BUSY << 40) | TSS_LIMIT,
	};

	return guest_write(vm, LAYOUT_BOOT_GDT, gdt, sizeof(gdt), "boot GDT");
}

static struct kvm_segment boot_segment(enum boot_gdt_index index)
{
	struct kvm_segment s = {
		.selector = SEL(index), .limit = 0xffffffff, .present = 1, .s = 1, .g = 1,
	};

	switch (index) {
	case GDT_CODE32: s.type = SEG_TYPE_CODE; s.db = 1; break;
	case GDT_CODE64: s.type = SEG_TYPE_CODE; s.l = 1; break;
	case GDT_DATA: s.type = SEG_TYPE_DATA; s.db = 1; break;
	case GDT_TSS: s.type = 0xb; s.s = 0; s.g = 0; s.limit = TSS_LIMIT; break;
	default: break;
	}
	return s;
}

static int boot_cpu_set(struct vcpu *vcpu, struct kvm_sregs *sregs, struct kvm_regs *regs)
{
	if (ioctl(vcpu->fd, KVM_SET_SREGS, sregs) < 0 ||
	    ioctl(vcpu->fd, KVM_SET_REGS, regs) < 0) {
		vmm_error("vCPU %u: setting the boot state: %s", vcpu->id, strerror(errno));
		return -errno;
	}
	return 0;
}

static int boot_cpu_segments(struct vcpu *vcpu, struct kvm_sregs *sregs, enum boot_gdt_index cs)
{
	int ret = boot_gdt_write(vcpu->vm);

	if (ret)
		return ret;
	if (ioctl(vcpu->fd, KVM_GET_SREGS, sregs) < 0)
		return -errno;
	sregs->cs = boot_segment(cs);
	sregs->ds = sregs->es = sregs->fs = sregs->gs = sregs->ss = boot_segment(GDT_DATA);
	sregs->tr = boot_segment(GDT_TSS);
	sregs->gdt.base = LAYOUT_BOOT_GDT;
	sregs->gdt.limit = GDT_ENTRIES * 8 - 1;
	return 0;
}

/* PML4[0] -> PDPT[0..3] -> four page directories of 2 MiB pages. */
static int boot_identity_map(struct vm *vm)
{
	uint64_t pml4[512] = { LAYOUT_BOOT_PDPT | PTE_PRESENT | PTE_RW };
	uint64_t pdpt[512] = { 0 };
	static uint64_t pd[4 * 512];
	unsigned int i;
	int ret;

	for (i = 0; i < 4; i++)
		pdpt[i] = (LAYOUT_BOOT_PD + i * 4096) | PTE_PRESENT | PTE_RW;
	for (i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_PRESENT | PTE_RW | PTE_PS;
	ret = guest_write(vm, LAYOUT_BOOT_PML4, pml4, sizeof(pml4), "boot page tables");
	if (!ret)
		ret = guest_write(vm, LAYOUT_BOOT_PDPT, pdpt, sizeof(pdpt), "boot page tables");
	if (!ret)
		ret = guest_write(vm, LAYOUT_BOOT_PD, pd, sizeof(pd), "boot page tables");
	return ret;
}

int boot_cpu__long_mode(struct vcpu *vcpu, uint64_t rip, uint64_t rsi)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = rip, .rsi = rsi, .rflags = X86_RFLAGS_FIXED };
	int ret;

	ret = boot_identity_map(vcpu->vm);
	if (!ret)
		ret = boot_cpu_segments(vcpu, &sregs, GDT_CODE64);
	if (ret)
		return ret;
	sregs.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
	sregs.cr3 = LAYOUT_BOOT_PML4;
	sregs.cr4 = X86_CR4_PAE;
	sregs.efer = EFER_LME | EFER_LMA;
	return boot_cpu_set(vcpu, &sregs, &regs);
}

int boot_cpu__protected_mode(struct vcpu *vcpu, uint32_t eip, uint32_t eax, uint32_t ebx)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = eip, .rax = eax, .rbx = ebx, .rflags = X86_RFLAGS_FIXED };
	int ret;

	ret = boot_cpu_segments(vcpu, &sregs, GDT_CODE32);
	if (ret)
		return ret;
	sregs.cr0 = X86_CR0_PE | X86_CR0_ET;
	sregs.cr3 = 0;
	sregs.cr4 = 0;
	sregs.efer = 0;
	return boot_cpu_set(vcpu, &sregs, &regs);
}
