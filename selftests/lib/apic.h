/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest side of the interrupt controllers: the local APIC in xAPIC (MMIO at
 * APIC_DEFAULT_GPA) or x2APIC (MSRs 0x800+) mode, and the IOAPIC (MMIO,
 * index/data window). Register offsets are the xAPIC ones (SDM vol. 3
 * table 11-1); apic_read/apic_write turn them into MSRs in x2APIC mode.
 * Every vCPU of a test uses the same mode (apic_x2 is one global).
 */
#ifndef HVX_APIC_H
#define HVX_APIC_H

#include <stdbool.h>
#include <stdint.h>
#include "guest.h"

#define APIC_DEFAULT_GPA	0xfee00000ULL
#define IOAPIC_DEFAULT_GPA	0xfec00000ULL

#define MSR_IA32_APICBASE	0x1b
#define APICBASE_BSP		(1ULL << 8)
#define APICBASE_X2APIC		(1ULL << 10)
#define APICBASE_ENABLE		(1ULL << 11)
#define MSR_IA32_TSC_DEADLINE	0x6e0
#define MSR_X2APIC_BASE		0x800

#define CPUID1_ECX_X2APIC	(1U << 21)
#define CPUID1_ECX_TSC_DEADLINE	(1U << 24)

/* Register offsets. */
#define APIC_ID			0x20
#define APIC_LVR		0x30
#define APIC_TPR		0x80
#define APIC_PPR		0xa0
#define APIC_EOI		0xb0
#define APIC_LDR		0xd0
#define APIC_DFR		0xe0
#define APIC_SPIV		0xf0
#define APIC_ISR		0x100	/* 8 registers, 0x10 apart */
#define APIC_TMR		0x180
#define APIC_IRR		0x200
#define APIC_ICR		0x300
#define APIC_ICR2		0x310
#define APIC_LVTT		0x320
#define APIC_LVT0		0x350
#define APIC_LVT1		0x360
#define APIC_TMICT		0x380
#define APIC_TMCCT		0x390
#define APIC_TDCR		0x3e0
#define APIC_SELF_IPI		0x3f0	/* x2APIC only */

#define APIC_SPIV_ENABLE	(1U << 8)
#define APIC_SPURIOUS_VECTOR	0xff
#define APIC_LVT_MASKED		(1U << 16)
#define APIC_LVT_LEVEL		(1U << 15)
#define APIC_LVTT_ONESHOT	(0U << 17)
#define APIC_LVTT_PERIODIC	(1U << 17)
#define APIC_LVTT_TSCDEADLINE	(2U << 17)
#define APIC_TDCR_DIV1		0xb

/* ICR low word. */
#define APIC_DM_FIXED		(0U << 8)
#define APIC_DM_NMI		(4U << 8)
#define APIC_DM_INIT		(5U << 8)
#define APIC_DM_STARTUP		(6U << 8)
#define APIC_DEST_LOGICAL	(1U << 11)
#define APIC_ICR_BUSY		(1U << 12)
#define APIC_LEVEL_ASSERT	(1U << 14)
#define APIC_LEVEL_TRIG		(1U << 15)
#define APIC_DEST_SELF		(1U << 18)
#define APIC_DEST_ALL		(2U << 18)
#define APIC_DEST_ALL_BUT_SELF	(3U << 18)

/* IOAPIC: index at +0, data at +0x10; redirection entry n at 0x10 + 2n. */
#define IOAPIC_REGSEL		0x00
#define IOAPIC_WINDOW		0x10
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VER		0x01
#define IOAPIC_REDIR(n)		(0x10 + 2 * (n))
#define IOAPIC_LEVEL		(1ULL << 15)
#define IOAPIC_REMOTE_IRR	(1ULL << 14)
#define IOAPIC_MASKED		(1ULL << 16)
#define IOAPIC_DEST(id)		((uint64_t)(id) << 56)

/* Legacy PIC data ports (OCW1: the interrupt mask). */
#define PIC_MASTER_IMR		0x21
#define PIC_SLAVE_IMR		0xa1

extern volatile bool apic_x2;

static inline uint32_t xapic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(APIC_DEFAULT_GPA + reg);
}

static inline void xapic_write(uint32_t reg, uint32_t val)
{
	*(volatile uint32_t *)(APIC_DEFAULT_GPA + reg) = val;
}

static inline uint64_t apic_read(uint32_t reg)
{
	return apic_x2 ? rdmsr(MSR_X2APIC_BASE + (reg >> 4)) : xapic_read(reg);
}

static inline void apic_write(uint32_t reg, uint64_t val)
{
	if (apic_x2)
		wrmsr(MSR_X2APIC_BASE + (reg >> 4), val);
	else
		xapic_write(reg, val);
}

static inline void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

/* The APIC ID: bits 31:24 of the register in xAPIC mode, all 32 in x2APIC. */
static inline uint32_t apic_id(void)
{
	uint32_t id = apic_read(APIC_ID);

	return apic_x2 ? id : id >> 24;
}

/* ICR: destination (APIC ID, or logical mask), low word (vector, mode...). */
static inline void apic_send_ipi(uint32_t dest, uint32_t icr_low)
{
	if (apic_x2) {
		wrmsr(MSR_X2APIC_BASE + (APIC_ICR >> 4), (uint64_t)dest << 32 | icr_low);
		return;
	}
	xapic_write(APIC_ICR2, dest << 24);
	xapic_write(APIC_ICR, icr_low);
	while (xapic_read(APIC_ICR) & APIC_ICR_BUSY)
		guest_pause();
}

/* Is vector set in the 256-bit register at reg (APIC_ISR, _IRR, _TMR)? */
static inline bool apic_vector_bit(uint32_t reg, uint8_t vector)
{
	return apic_read(reg + (vector / 32) * 0x10) >> (vector % 32) & 1;
}

/*
 * Software-enables this vCPU's APIC (SPIV), in x2APIC mode if x2, and masks
 * the legacy PIC and LINT0/LINT1 so that only the interrupts a test sends
 * arrive: a BSP's LVT0 comes out of reset in ExtINT mode, unmasked.
 */
static inline void apic_enable(bool x2)
{
	uint64_t base = rdmsr(MSR_IA32_APICBASE);

	apic_x2 = x2;
	base |= APICBASE_ENABLE;
	if (x2)
		base |= APICBASE_X2APIC;
	wrmsr(MSR_IA32_APICBASE, base);
	apic_write(APIC_SPIV, APIC_SPIV_ENABLE | APIC_SPURIOUS_VECTOR);
	apic_write(APIC_LVT0, APIC_LVT_MASKED);
	apic_write(APIC_LVT1, APIC_LVT_MASKED);
	apic_write(APIC_TPR, 0);
	outb(PIC_MASTER_IMR, 0xff);
	outb(PIC_SLAVE_IMR, 0xff);
}

static inline uint32_t ioapic_read(uint8_t reg)
{
	*(volatile uint32_t *)(IOAPIC_DEFAULT_GPA + IOAPIC_REGSEL) = reg;
	return *(volatile uint32_t *)(IOAPIC_DEFAULT_GPA + IOAPIC_WINDOW);
}

static inline void ioapic_write(uint8_t reg, uint32_t val)
{
	*(volatile uint32_t *)(IOAPIC_DEFAULT_GPA + IOAPIC_REGSEL) = reg;
	*(volatile uint32_t *)(IOAPIC_DEFAULT_GPA + IOAPIC_WINDOW) = val;
}

static inline uint64_t ioapic_read_redir(unsigned int pin)
{
	return ioapic_read(IOAPIC_REDIR(pin)) |
	       (uint64_t)ioapic_read(IOAPIC_REDIR(pin) + 1) << 32;
}

/* High half first, so the entry is never unmasked with a stale destination. */
static inline void ioapic_write_redir(unsigned int pin, uint64_t entry)
{
	ioapic_write(IOAPIC_REDIR(pin), IOAPIC_MASKED);
	ioapic_write(IOAPIC_REDIR(pin) + 1, entry >> 32);
	ioapic_write(IOAPIC_REDIR(pin), (uint32_t)entry);
}

#endif /* HVX_APIC_H */
