// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest paging as the architecture defines it, whatever the hypervisor
 * does underneath (nested or shadow paging): the guest builds its own
 * 4-level page tables in free memory, maps a test region at TEST_VA and
 * checks address-space switches, remapping under a live mapping (INVLPG,
 * CR3 reload, 2 MiB pages), a page-table page that is also a writable data
 * page, accessed/dirty bits, a group of neighbouring pages of every kind
 * (which shadow paging prefetches), and the #PF error code and CR2 for every
 * R/W, U/S, NX and reserved-bit combination of a supervisor access, with
 * CR0.WP set and clear. Expected values come from the SDM's rules
 * (vol. 3 4.6, 4.7, 4.8), written out below, not from hvx.
 */
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/hvx.h>
#include "guest.h"
#include "guest_vm.h"
#include "ktap.h"

#define VM_MEM		(64ULL << 20)
#define TEST_VA		0x0000400000000000ULL	/* PML4 slot 128: ours alone */
#define LARGE_VA	(TEST_VA + 0x40000000ULL)	/* next PDPT slot: 2 MiB pages */

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_US		(1ULL << 2)
#define PTE_A		(1ULL << 5)
#define PTE_D		(1ULL << 6)
#define PTE_PS		(1ULL << 7)
#define PTE_NX		(1ULL << 63)
#define PTE_ADDR	0x000ffffffffff000ULL

#define PFEC_P		(1U << 0)
#define PFEC_W		(1U << 1)
#define PFEC_U		(1U << 2)
#define PFEC_RSVD	(1U << 3)
#define PFEC_I		(1U << 4)

/* --- guest side: a page allocator and a 4-level table builder ------------- */

static uint64_t pool_next;	/* guest variable: next free GPA */

static uint64_t alloc_page(void)
{
	volatile uint64_t *p = (volatile uint64_t *)pool_next;
	int i;

	for (i = 0; i < 512; i++)
		p[i] = 0;
	pool_next += 0x1000;
	return (uint64_t)p;
}

/* 2 MiB-aligned 2 MiB frame (the pool starts 2 MiB aligned). */
static uint64_t alloc_large(void)
{
	pool_next = (pool_next + 0x1fffff) & ~0x1fffffULL;
	pool_next += 0x200000;
	return pool_next - 0x200000;
}

static void write_cr3(uint64_t v) { asm volatile("mov %0, %%cr3" :: "r"(v) : "memory"); }
static void write_cr0(uint64_t v) { asm volatile("mov %0, %%cr0" :: "r"(v) : "memory"); }
static uint64_t read_cr2(void) { uint64_t v; asm volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static void invlpg(uint64_t va) { asm volatile("invlpg (%0)" :: "r"(va) : "memory"); }

/* A new address space: the library's identity map (PML4 slot 0) and nothing else. */
static uint64_t new_space(void)
{
	volatile uint64_t *pml4 = (volatile uint64_t *)alloc_page();

	pml4[0] = ((volatile uint64_t *)GUEST_PML4_GPA)[0];
	return (uint64_t)pml4;
}

/* The entry for @va at @level (1 = PTE) in space @pml4, making tables above. */
static volatile uint64_t *entry(uint64_t pml4, uint64_t va, int level)
{
	volatile uint64_t *table = (volatile uint64_t *)pml4;
	int l;

	for (l = 4; l > level; l--) {
		volatile uint64_t *e = &table[(va >> (12 + 9 * (l - 1))) & 511];

		if (!(*e & PTE_P))
			*e = alloc_page() | PTE_P | PTE_RW | PTE_US;
		table = (volatile uint64_t *)(*e & PTE_ADDR);
	}
	return &table[(va >> (12 + 9 * (level - 1))) & 511];
}

static uint64_t data_page(uint64_t value)
{
	volatile uint64_t *p = (volatile uint64_t *)alloc_page();
	int i;

	for (i = 0; i < 512; i++)
		p[i] = value + i;
	return (uint64_t)p;
}

static uint64_t peek(uint64_t va) { return *(volatile uint64_t *)va; }

/* --- several address spaces ------------------------------------------------ */

#define SPACES	4
#define ROUNDS	400

static void guest_address_spaces(uint64_t pool)
{
	uint64_t orig = get_cr3(), space[SPACES], want[SPACES];
	int i, round;

	pool_next = pool;
	for (i = 0; i < SPACES; i++) {
		space[i] = new_space();
		want[i] = 0x5000000000000000ULL + ((uint64_t)i << 32);
		*entry(space[i], TEST_VA, 1) = data_page(want[i]) | PTE_P | PTE_RW;
	}
	for (round = 0; round < ROUNDS; round++) {
		int s = round % SPACES, t = (s + 1) % SPACES;
		volatile uint64_t *pte;

		write_cr3(space[s]);
		GUEST_ASSERT_EQ(peek(TEST_VA), want[s]);
		GUEST_ASSERT_EQ(peek(TEST_VA + 8), want[s] + 1);
		/* A write through the mapping lands in the page it maps. */
		*(volatile uint64_t *)(TEST_VA + 16) = want[s] + 2;
		/*
		 * Remap the next space's page while it is not loaded: its
		 * CR3 load must show the new page (no INVLPG needed).
		 */
		if (round % 3 == 0) {
			pte = entry(space[t], TEST_VA, 1);
			want[t] += 0x100;
			*pte = data_page(want[t]) | PTE_P | PTE_RW;
		}
	}
	write_cr3(orig);
	GUEST_DONE();
}

/* --- a cache of address spaces, each changed while not current ----------- */

#define RC_SPACES	8
#define RC_PAGES	4	/* mapped at TEST_VA + i * 4 KiB */
#define RC_ROUNDS	240

/* Entry writes the way kernels do them: MOV, XCHG, LOCK CMPXCHG, two halves. */
static void set_entry(volatile uint64_t *e, uint64_t v, int how)
{
	uint64_t old;

	switch (how & 3) {
	case 0:
		*e = v;
		break;
	case 1:
		asm volatile("xchg %0, %1" : "+r"(v), "+m"(*e) : : "memory");
		break;
	case 2:
		old = *e;
		asm volatile("lock cmpxchg %2, %1" : "+a"(old), "+m"(*e) : "r"(v) : "memory");
		break;
	default:
		((volatile uint32_t *)e)[1] = v >> 32;
		((volatile uint32_t *)e)[0] = (uint32_t)v;
		break;
	}
}

/* A new page table mapping a data page for each nonzero tag (entries 0..). */
static uint64_t new_pt(const uint64_t *tags)
{
	volatile uint64_t *pt = (volatile uint64_t *)alloc_page();
	int i;

	for (i = 0; i < RC_PAGES; i++)
		if (tags[i])
			pt[i] = data_page(tags[i]) | PTE_P | PTE_RW;
	return (uint64_t)pt;
}

/*
 * RC_SPACES address spaces, switched round robin without INVLPG. Between
 * two visits each one is changed while not current, at every level: a
 * PTE remapped or cleared, the PT replaced in the PDE, the PD in the
 * PDPTE, the PDPT in the PML4E. Each CR3 load must show exactly the
 * tables as they are (a CR3 load flushes every non-global translation).
 */
static void guest_root_cache(uint64_t pool)
{
	static uint64_t tag[RC_SPACES][RC_PAGES], space[RC_SPACES];
	uint64_t orig = get_cr3(), next_tag = 0x7000000000000000ULL;
	int s, i, round;

	pool_next = pool;
	for (s = 0; s < RC_SPACES; s++) {
		space[s] = new_space();
		for (i = 0; i < RC_PAGES; i++) {
			tag[s][i] = ++next_tag << 8;
			*entry(space[s], TEST_VA + i * 0x1000ULL, 1) =
				data_page(tag[s][i]) | PTE_P | PTE_RW;
		}
	}
	for (round = 0; round < RC_ROUNDS; round++) {
		int t = (round + 3) % RC_SPACES, kind = (round / RC_SPACES) % 5;
		uint64_t pt;

		s = round % RC_SPACES;
		write_cr3(space[s]);
		for (i = 0; i < RC_PAGES; i++) {
			uint64_t va = TEST_VA + i * 0x1000ULL;

			if (tag[s][i]) {
				GUEST_ASSERT_V(peek(va) == tag[s][i], round, i, peek(va), tag[s][i]);
				continue;
			}
			GUEST_ASSERT_V(guest_asm_safe("movq (%%rax), %%rbx", : : "a"(va)
						      : "rbx", "memory") == PF_VECTOR, round, i, 0, 0);
			GUEST_ASSERT_EQ(read_cr2(), va);
		}
		/* Change space t (not current) at level 1..4, by round. */
		i = round % RC_PAGES;
		switch (kind) {
		case 0:		/* remap one PTE */
			tag[t][i] = ++next_tag << 8;
			set_entry(entry(space[t], TEST_VA + i * 0x1000ULL, 1),
				  data_page(tag[t][i]) | PTE_P | PTE_RW, round);
			break;
		case 1:		/* clear one PTE */
			tag[t][i] = 0;
			set_entry(entry(space[t], TEST_VA + i * 0x1000ULL, 1), 0, round);
			break;
		default:	/* a whole new PT, PD or PDPT above fresh pages */
			for (i = 0; i < RC_PAGES; i++)
				tag[t][i] = (i == round % RC_PAGES) ? 0 : ++next_tag << 8;
			pt = new_pt(tag[t]) | PTE_P | PTE_RW | PTE_US;
			if (kind >= 3) {
				volatile uint64_t *pd = (volatile uint64_t *)alloc_page();

				pd[(TEST_VA >> 21) & 511] = pt;
				pt = (uint64_t)pd | PTE_P | PTE_RW | PTE_US;
			}
			if (kind == 4) {
				volatile uint64_t *pdpt = (volatile uint64_t *)alloc_page();

				pdpt[(TEST_VA >> 30) & 511] = pt;
				pt = (uint64_t)pdpt | PTE_P | PTE_RW | PTE_US;
			}
			set_entry(entry(space[t], TEST_VA, kind == 2 ? 2 : kind == 3 ? 3 : 4),
				  pt, round);
			break;
		}
	}
	write_cr3(orig);
	GUEST_DONE();
}

/*
 * Another space's page table mapped as data in this one: writes through
 * that second mapping, without INVLPG, show on the other space's CR3 load.
 */
#define ALIAS_VA	(TEST_VA + 0x200000ULL)

static void guest_pt_alias(uint64_t pool)
{
	uint64_t orig = get_cr3(), a, b, pt_b;
	volatile uint64_t *alias = (volatile uint64_t *)ALIAS_VA;
	int round;

	pool_next = pool;
	a = new_space();
	b = new_space();
	*entry(a, TEST_VA, 1) = data_page(0xa0) | PTE_P | PTE_RW;
	*entry(b, TEST_VA, 1) = data_page(0xb0) | PTE_P | PTE_RW;
	pt_b = (uint64_t)entry(b, TEST_VA, 1) & PTE_ADDR;
	*entry(a, ALIAS_VA, 1) = pt_b | PTE_P | PTE_RW;
	for (round = 0; round < 64; round++) {
		uint64_t want = 0xb00 + round, seen = round ? want - 1 : 0xb0;

		write_cr3(b);
		GUEST_ASSERT_V(peek(TEST_VA) == seen, round, peek(TEST_VA), seen, 0);
		write_cr3(a);
		GUEST_ASSERT_EQ(peek(TEST_VA), 0xa0);
		/* b's PTE, written through a's view of b's page table. */
		set_entry(&alias[0], data_page(want) | PTE_P | PTE_RW, round);
		GUEST_ASSERT_EQ(alias[0] & PTE_ADDR, (uint64_t)pool_next - 0x1000);
	}
	write_cr3(b);
	GUEST_ASSERT_EQ(peek(TEST_VA), 0xb00 + 63);
	write_cr3(orig);
	GUEST_DONE();
}

/* --- remapping under a live mapping --------------------------------------- */

static void guest_remap(uint64_t pool)
{
	uint64_t orig = get_cr3(), sp, a, b, la, lb;
	volatile uint64_t *pte, *pde;

	pool_next = pool;
	sp = new_space();
	a = data_page(0xa000);
	b = data_page(0xb000);
	pte = entry(sp, TEST_VA, 1);
	*pte = a | PTE_P | PTE_RW;
	write_cr3(sp);
	GUEST_ASSERT_EQ(peek(TEST_VA), 0xa000);

	/* INVLPG makes the new translation visible. */
	*pte = b | PTE_P | PTE_RW;
	invlpg(TEST_VA);
	GUEST_ASSERT_EQ(peek(TEST_VA), 0xb000);
	/* So does reloading CR3 with the same value. */
	*pte = a | PTE_P | PTE_RW;
	write_cr3(sp);
	GUEST_ASSERT_EQ(peek(TEST_VA + 8), 0xa001);
	/* Not present after INVLPG: #PF, CR2 = the address. */
	*pte = 0;
	invlpg(TEST_VA);
	GUEST_ASSERT_EQ(guest_asm_safe("movq (%%rax), %%rbx", : : "a"(TEST_VA) : "rbx", "memory"),
			PF_VECTOR);
	GUEST_ASSERT_EQ(guest_exception.error_code, 0);
	GUEST_ASSERT_EQ(read_cr2(), TEST_VA);

	/*
	 * A 2 MiB page: INVLPG of any address in it drops the whole
	 * translation, including the 4 KiB piece read before.
	 */
	la = alloc_large();
	lb = alloc_large();
	((volatile uint64_t *)la)[0x5000 / 8] = 0x1a;
	((volatile uint64_t *)lb)[0x5000 / 8] = 0x1b;
	pde = entry(sp, LARGE_VA, 2);
	*pde = la | PTE_P | PTE_RW | PTE_PS;
	GUEST_ASSERT_EQ(peek(LARGE_VA + 0x5000), 0x1a);
	*pde = lb | PTE_P | PTE_RW | PTE_PS;
	invlpg(LARGE_VA + 0x123000);
	GUEST_ASSERT_EQ(peek(LARGE_VA + 0x5000), 0x1b);

	write_cr3(orig);
	GUEST_DONE();
}

/* --- a page-table page that is also a writable data page ----------------- */

static void guest_pt_as_data(uint64_t pool)
{
	uint64_t orig = get_cr3(), sp, a, b, c;
	volatile uint64_t *pte, *alias;

	pool_next = pool;
	sp = new_space();
	a = data_page(0xa000);
	b = data_page(0xb000);
	c = data_page(0xc000);
	pte = entry(sp, TEST_VA, 1);	/* pte[0] maps TEST_VA, pte[1] the PT itself */
	pte[0] = a | PTE_P | PTE_RW;
	pte[1] = ((uint64_t)pte & PTE_ADDR) | PTE_P | PTE_RW;
	write_cr3(sp);
	alias = (volatile uint64_t *)(TEST_VA + 0x1000);

	GUEST_ASSERT_EQ(peek(TEST_VA), 0xa000);
	/* The CPU set A in the entry; the data view shows it. */
	GUEST_ASSERT_EQ(alias[0] & (PTE_ADDR | PTE_A), a | PTE_A);
	/* Rewrite the PTE through the data view, then INVLPG. */
	alias[0] = b | PTE_P | PTE_RW;
	invlpg(TEST_VA);
	GUEST_ASSERT_EQ(peek(TEST_VA), 0xb000);
	/* The alias remaps itself: the PT page is no longer at TEST_VA + 4K. */
	alias[1] = c | PTE_P | PTE_RW;
	invlpg(TEST_VA + 0x1000);
	GUEST_ASSERT_EQ(alias[0], 0xc000);
	GUEST_ASSERT_EQ(pte[1] & PTE_ADDR, c);

	write_cr3(orig);
	GUEST_DONE();
}

/* --- accessed and dirty bits ---------------------------------------------- */

static void guest_ad_bits(uint64_t pool)
{
	uint64_t orig = get_cr3(), sp, a;
	volatile uint64_t *pte, *pde, *pdpte, *pml4e;
	uint8_t v;

	pool_next = pool;
	sp = new_space();
	a = data_page(0xa000);
	pte = entry(sp, TEST_VA, 1);
	pde = entry(sp, TEST_VA, 2);
	pdpte = entry(sp, TEST_VA, 3);
	pml4e = entry(sp, TEST_VA, 4);
	*pte = a | PTE_P | PTE_RW;
	write_cr3(sp);

	/* A read sets A in every entry of the walk, D nowhere. */
	GUEST_ASSERT_EQ(peek(TEST_VA), 0xa000);
	GUEST_ASSERT(*pml4e & PTE_A);
	GUEST_ASSERT(*pdpte & PTE_A);
	GUEST_ASSERT(*pde & PTE_A);
	GUEST_ASSERT_EQ(*pte & (PTE_A | PTE_D), PTE_A);
	/* The first write through a translation already used sets D. */
	*(volatile uint64_t *)TEST_VA = 1;
	GUEST_ASSERT_EQ(*pte & (PTE_A | PTE_D), PTE_A | PTE_D);

	/* Cleared and flushed, a write sets both again. */
	*pte &= ~(PTE_A | PTE_D);
	invlpg(TEST_VA);
	*(volatile uint64_t *)TEST_VA = 2;
	GUEST_ASSERT_EQ(*pte & (PTE_A | PTE_D), PTE_A | PTE_D);

	/* D cleared and flushed: reads leave it clear, a write sets it. */
	*pte &= ~PTE_D;
	invlpg(TEST_VA);
	GUEST_ASSERT_EQ(peek(TEST_VA), 2);
	GUEST_ASSERT_EQ(*pte & PTE_D, 0);
	*(volatile uint64_t *)TEST_VA = 3;
	GUEST_ASSERT(*pte & PTE_D);

	/* A write that faults (read-only, CR0.WP=1) never sets D. */
	*pte = a | PTE_P;
	invlpg(TEST_VA);
	v = guest_asm_safe("movq %%rbx, (%%rax)", : : "a"(TEST_VA), "b"(4) : "memory");
	GUEST_ASSERT_EQ(v, PF_VECTOR);
	GUEST_ASSERT_EQ(guest_exception.error_code, PFEC_P | PFEC_W);
	GUEST_ASSERT_EQ(*pte & PTE_D, 0);
	GUEST_ASSERT_EQ(peek(TEST_VA), 3);

	write_cr3(orig);
	GUEST_DONE();
}

/* --- #PF error codes ------------------------------------------------------- */

enum access { ACC_READ, ACC_WRITE, ACC_FETCH };

/*
 * What a supervisor access to a page with these bits does (SDM vol. 3
 * 4.6, 4.7; EFER.NXE=1, no SMEP/SMAP): the error code, or -1 for no fault.
 * Reserved bits are checked before permissions; I is set for fetches.
 */
static int64_t expected_pfec(int present, int rw, int us, int nx, int rsvd,
			     int wp, enum access acc)
{
	uint32_t ec = (acc == ACC_WRITE ? PFEC_W : 0) | (acc == ACC_FETCH ? PFEC_I : 0);

	(void)us;	/* a supervisor access ignores U/S without SMEP/SMAP */
	if (!present)
		return ec;
	if (rsvd)
		return ec | PFEC_P | PFEC_RSVD;
	if (acc == ACC_FETCH && nx)
		return ec | PFEC_P;
	if (acc == ACC_WRITE && !rw && wp)
		return ec | PFEC_P;
	return -1;
}

#define JMP_RCX		0xe1ff	/* "jmp *%rcx": a fetch comes straight back */

/* One access at @va (a write goes to the second qword); the vector, if any. */
static uint8_t do_access(enum access acc, uint64_t va)
{
	switch (acc) {
	case ACC_READ:
		return guest_asm_safe("movq (%%rax), %%rbx", : : "a"(va) : "rbx", "memory");
	case ACC_WRITE:
		return guest_asm_safe("movq %%rbx, 8(%%rax)", : : "a"(va), "b"(0) : "memory");
	default:
		/* The page starts with "jmp *%rcx": it comes straight back. */
		return guest_asm_safe("leaq 2f(%%rip), %%rcx\n\tjmp *%%rax\n2:",
				      : : "a"(va) : "rcx", "memory");
	}
}

/*
 * RSI: the reserved address bit to use, bit 0 set if a reserved-bit fault
 * may come without P: QEMU's TCG walker (the CPU of the testbeds) reports
 * RSVD alone, where the SDM (4.7) has P=1 since every entry was present.
 * Only allowed where that CPU walks the guest's tables itself (nested
 * paging); under hvx's shadow paging hvx computes the code and must be exact.
 */
static void guest_pf_error_codes(uint64_t pool, uint64_t rsvd_arg)
{
	uint64_t rsvd_bit = rsvd_arg & ~1ULL;
	int rsvd_without_p_ok = rsvd_arg & 1;
	uint64_t orig = get_cr3(), cr0 = get_cr0(), sp, page, efer;
	volatile uint64_t *pte;
	int wp, p, rw, us, nx, rsvd, acc, checked = 0;

	pool_next = pool;
	efer = rdmsr(MSR_EFER);
	wrmsr(MSR_EFER, efer | EFER_NX);
	sp = new_space();
	page = alloc_page();
	*(volatile uint16_t *)page = JMP_RCX;
	pte = entry(sp, TEST_VA, 1);
	write_cr3(sp);

	for (wp = 0; wp <= 1; wp++) {
		write_cr0(wp ? cr0 | X86_CR0_WP : cr0 & ~X86_CR0_WP);
		for (p = 0; p <= 1; p++)
		for (rw = 0; rw <= 1; rw++)
		for (us = 0; us <= 1; us++)
		for (nx = 0; nx <= 1; nx++)
		for (rsvd = 0; rsvd <= 1; rsvd++)
		for (acc = ACC_READ; acc <= ACC_FETCH; acc++) {
			int64_t want = expected_pfec(p, rw, us, nx, rsvd, wp, acc);
			uint64_t e = page | (p ? PTE_P : 0) | (rw ? PTE_RW : 0) |
				     (us ? PTE_US : 0) | (nx ? PTE_NX : 0) |
				     (rsvd ? rsvd_bit : 0);
			uint8_t v;

			*pte = e;
			invlpg(TEST_VA);
			v = do_access(acc, TEST_VA);
			if (want < 0) {
				GUEST_ASSERT_V(v == GUEST_NO_EXCEPTION, e, acc, wp, v);
			} else {
				GUEST_ASSERT_V(v == PF_VECTOR, e, acc, wp, v);
				uint64_t ec = guest_exception.error_code;

				if (rsvd_without_p_ok && (want & PFEC_RSVD))
					ec |= PFEC_P;
				GUEST_ASSERT_V(ec == (uint64_t)want, e, acc, wp,
					       guest_exception.error_code);
				/* The write goes to the second qword. */
				GUEST_ASSERT_EQ(read_cr2(), TEST_VA + (acc == ACC_WRITE ? 8 : 0));
			}
			checked++;
		}
	}
	write_cr0(cr0);
	write_cr3(orig);
	wrmsr(MSR_EFER, efer);
	GUEST_SYNC(checked);
	GUEST_DONE();
}

/* --- a group of neighbouring pages (shadow paging prefetches them) ---------- */

#define CR4_SMEP	(1ULL << 20)
#define GROUP		8	/* pages at TEST_VA: a 32 KiB-aligned group */
#define GROUP2_VA	(TEST_VA + GROUP * 0x1000ULL)
#define GROUP3_VA	(TEST_VA + 2 * GROUP * 0x1000ULL)

static uint64_t group_va(int i) { return TEST_VA + i * 0x1000ULL; }

static void assert_pf(uint8_t v, uint64_t ec, uint64_t va)
{
	GUEST_ASSERT_V(v == PF_VECTOR, va, v, 0, 0);
	GUEST_ASSERT_V(guest_exception.error_code == ec, va, guest_exception.error_code, ec, 0);
	GUEST_ASSERT_EQ(read_cr2(), va);
}

/*
 * Eight neighbouring pages, one of each kind a prefetch must get right,
 * touched only after a read of page 0 (where shadow paging fills page 0
 * and may prefetch the rest): each must then behave as its PTE says
 * (SDM vol. 3 4.7, 4.8). SYNC 1 to 2 reads the accessed pages 0, 2, 3,
 * 4, 7 and nothing else, for the host to count the fills. Then, where
 * the vCPU has SMEP, a user page next door to a supervisor one, and with
 * EFER.NXE clear a page whose bit 63 is reserved. @arg: the
 * reserved address bit, bit 0 if RSVD may come without P (see
 * guest_pf_error_codes), bit 1 if the vCPU has SMEP.
 */
static void guest_prefetch(uint64_t pool, uint64_t arg)
{
	uint64_t rsvd_bit = arg & ~3ULL, orig = get_cr3(), cr4 = get_cr4();
	uint64_t efer = rdmsr(MSR_EFER), sp, data[GROUP], pt, code, other;
	volatile uint64_t *pte;
	int i;

	pool_next = pool;
	wrmsr(MSR_EFER, efer | EFER_NX);
	sp = new_space();
	pte = entry(sp, TEST_VA, 1);
	pt = (uint64_t)pte & PTE_ADDR;
	for (i = 0; i < GROUP; i++)
		data[i] = data_page(0x7000 + 0x100 * i);
	*(volatile uint16_t *)data[4] = JMP_RCX;
	other = data_page(0x7900);
	pte[0] = data[0] | PTE_P | PTE_RW | PTE_A;
	pte[1] = data[1] | PTE_P | PTE_RW;			/* A clear */
	pte[2] = data[2] | PTE_P | PTE_RW | PTE_A;		/* D clear */
	pte[3] = data[3] | PTE_P | PTE_A | PTE_D;		/* read-only */
	pte[4] = data[4] | PTE_P | PTE_RW | PTE_A | PTE_D | PTE_NX;
	pte[5] = data[5] | PTE_P | PTE_RW | PTE_A | PTE_D | rsvd_bit;
	pte[6] = data[6] | PTE_RW | PTE_A | PTE_D;		/* not present */
	pte[7] = pt | PTE_P | PTE_RW | PTE_A | PTE_D;		/* the PT itself */
	write_cr3(sp);
	GUEST_SYNC(0);		/* code and stack now mapped in this space */
	GUEST_SYNC(1);
	GUEST_ASSERT_EQ(peek(group_va(0)), 0x7000);
	GUEST_ASSERT_EQ(peek(group_va(2)), 0x7200);
	GUEST_ASSERT_EQ(peek(group_va(3)), 0x7300);
	GUEST_ASSERT_EQ(peek(group_va(4)), JMP_RCX);
	GUEST_ASSERT_EQ(peek(group_va(7)), pte[0]);
	GUEST_SYNC(2);

	/* A set only now, by this access; D by the first write. */
	GUEST_ASSERT_EQ(pte[1] & (PTE_A | PTE_D), 0);
	GUEST_ASSERT_EQ(peek(group_va(1)), 0x7100);
	GUEST_ASSERT_EQ(pte[1] & (PTE_A | PTE_D), PTE_A);
	GUEST_ASSERT_EQ(pte[2] & PTE_D, 0);
	*(volatile uint64_t *)group_va(2) = 1;
	GUEST_ASSERT(pte[2] & PTE_D);
	assert_pf(do_access(ACC_WRITE, group_va(3)), PFEC_P | PFEC_W, group_va(3) + 8);
	assert_pf(do_access(ACC_FETCH, group_va(4)), PFEC_P | PFEC_I, group_va(4));
	GUEST_ASSERT_EQ(do_access(ACC_READ, group_va(5)), PF_VECTOR);
	GUEST_ASSERT_EQ(guest_exception.error_code | ((arg & 1) ? PFEC_P : 0),
			PFEC_P | PFEC_RSVD);
	assert_pf(do_access(ACC_READ, group_va(6)), 0, group_va(6));
	/* Page 0 remapped through the alias: a CR3 load alone shows it. */
	*(volatile uint64_t *)group_va(7) = other | PTE_P | PTE_RW | PTE_A;
	write_cr3(sp);
	GUEST_ASSERT_EQ(peek(group_va(0)), 0x7900);

	/* SMEP: a supervisor fetch from the user page next door faults. */
	if (arg & 2) {
		code = alloc_page();
		*(volatile uint16_t *)code = JMP_RCX;
		*entry(sp, GROUP2_VA, 1) = data_page(0x7a00) | PTE_P | PTE_A;
		*entry(sp, GROUP2_VA + 0x1000, 1) = code | PTE_P | PTE_US | PTE_A;
		*entry(sp, GROUP2_VA + 0x2000, 1) = code | PTE_P | PTE_A;
		/* SMEP first: it selects another shadow root. */
		set_cr4(cr4 | CR4_SMEP);
		GUEST_ASSERT_EQ(peek(GROUP2_VA), 0x7a00);
		assert_pf(do_access(ACC_FETCH, GROUP2_VA + 0x1000), PFEC_P | PFEC_I, GROUP2_VA + 0x1000);
		GUEST_ASSERT_EQ(do_access(ACC_FETCH, GROUP2_VA + 0x2000), GUEST_NO_EXCEPTION);
		set_cr4(cr4);
	}

	/* EFER.NXE clear: bit 63 of the accessed page next door is reserved. */
	wrmsr(MSR_EFER, efer & ~EFER_NX);
	*entry(sp, GROUP3_VA, 1) = data_page(0x7b00) | PTE_P | PTE_A;
	*entry(sp, GROUP3_VA + 0x1000, 1) = data_page(0x7c00) | PTE_P | PTE_A | PTE_NX;
	GUEST_ASSERT_EQ(peek(GROUP3_VA), 0x7b00);
	GUEST_ASSERT_EQ(do_access(ACC_READ, GROUP3_VA + 0x1000), PF_VECTOR);
	GUEST_ASSERT_EQ(guest_exception.error_code | ((arg & 1) ? PFEC_P : 0),
			PFEC_P | PFEC_RSVD);
	write_cr3(orig);
	wrmsr(MSR_EFER, efer);
	GUEST_DONE();
}

/* --- PCIDs ----------------------------------------------------------------- */

#define CR4_PCIDE	(1ULL << 17)
#define CR3_NOFLUSH	(1ULL << 63)

struct invpcid_desc {
	uint64_t pcid, la;
};

static uint8_t write_cr3_safe(uint64_t v)
{
	return guest_asm_safe("mov %0, %%cr3", : : "r"(v) : "memory");
}

static uint8_t set_cr4_safe(uint64_t v)
{
	return guest_asm_safe("mov %0, %%cr4", : : "r"(v) : "memory");
}

static uint8_t invpcid_safe(uint64_t type, uint64_t pcid, uint64_t la)
{
	struct invpcid_desc d = { pcid, la };

	return guest_asm_safe("invpcid %1, %0", : : "r"(type), "m"(d) : "memory");
}

/*
 * CR4.PCIDE and PCIDs in CR3 (SDM vol. 3 4.10.1, vol. 2 MOV to CR3/CR4,
 * INVPCID): PCIDE set only with PCID 0 loaded; CR3 reads back the PCID
 * but not bit 63 (no flush); a CR3 load without bit 63, INVLPG and every
 * INVPCID type show a remapped page; INVPCID's #GP cases. @arg: 1 if the
 * vCPU has INVPCID. What a no-flush load may keep is not checked: a TLB
 * may always drop more.
 */
static void guest_pcid(uint64_t pool, uint64_t has_invpcid)
{
	uint64_t orig = get_cr3(), cr4 = get_cr4(), a, b;
	volatile uint64_t *pte_a;
	uint64_t tag = 0xa00;
	int type;

	pool_next = pool;
	a = new_space();
	b = new_space();
	pte_a = entry(a, TEST_VA, 1);
	*pte_a = data_page(tag) | PTE_P | PTE_RW;
	*entry(b, TEST_VA, 1) = data_page(0xb00) | PTE_P | PTE_RW;

	write_cr3(a | 0x8);	/* PWT: CR3[11:0] is not 0 */
	GUEST_ASSERT_EQ(set_cr4_safe(cr4 | CR4_PCIDE), GP_VECTOR);
	GUEST_ASSERT_EQ(get_cr4() & CR4_PCIDE, 0);
	write_cr3(a);
	set_cr4(cr4 | CR4_PCIDE);
	GUEST_ASSERT_EQ(get_cr4() & CR4_PCIDE, CR4_PCIDE);

	write_cr3(a | 1);
	GUEST_ASSERT_EQ(get_cr3(), a | 1);
	GUEST_ASSERT_EQ(peek(TEST_VA), tag);
	write_cr3(b | 2 | CR3_NOFLUSH);
	GUEST_ASSERT_EQ(get_cr3(), b | 2);
	GUEST_ASSERT_EQ(peek(TEST_VA), 0xb00);

	/* a remapped while b runs: a load of PCID 1 without bit 63 shows it. */
	*pte_a = data_page(++tag) | PTE_P | PTE_RW;
	write_cr3(a | 1);
	GUEST_ASSERT_EQ(peek(TEST_VA), tag);
	/* Under the live mapping: INVLPG for the current PCID. */
	*pte_a = data_page(++tag) | PTE_P | PTE_RW;
	invlpg(TEST_VA);
	GUEST_ASSERT_EQ(peek(TEST_VA), tag);

	if (has_invpcid) {
		/* Each type, under the live mapping. */
		for (type = 0; type < 4; type++) {
			*pte_a = data_page(++tag) | PTE_P | PTE_RW;
			GUEST_ASSERT_EQ(invpcid_safe(type, 1, TEST_VA), GUEST_NO_EXCEPTION);
			GUEST_ASSERT_V(peek(TEST_VA) == tag, type, peek(TEST_VA), tag, 0);
		}
		/* PCID 1 flushed while PCID 2 runs, then loaded with bit 63. */
		write_cr3(b | 2);
		*pte_a = data_page(++tag) | PTE_P | PTE_RW;
		GUEST_ASSERT_EQ(invpcid_safe(1, 1, 0), GUEST_NO_EXCEPTION);
		write_cr3(a | 1 | CR3_NOFLUSH);
		GUEST_ASSERT_EQ(peek(TEST_VA), tag);
		/* Type above 3, descriptor bits 63:12, non-canonical address. */
		GUEST_ASSERT_EQ(invpcid_safe(4, 1, 0), GP_VECTOR);
		GUEST_ASSERT_EQ(invpcid_safe(1, 0x1000, 0), GP_VECTOR);
		GUEST_ASSERT_EQ(invpcid_safe(0, 1, 0x0000800000000000ULL), GP_VECTOR);
	}

	/* PCIDE off again (allowed with any PCID); then bit 63 is reserved. */
	set_cr4(cr4);
	GUEST_ASSERT_EQ(get_cr3(), a | 1);
	write_cr3(a);
	GUEST_ASSERT_EQ(write_cr3_safe(a | CR3_NOFLUSH), GP_VECTOR);
	if (has_invpcid) {
		/* Without PCIDE, types 0 and 1 take PCID 0 only. */
		GUEST_ASSERT_EQ(invpcid_safe(1, 1, 0), GP_VECTOR);
		GUEST_ASSERT_EQ(invpcid_safe(3, 1, 0), GUEST_NO_EXCEPTION);
	}
	write_cr3(orig);
	GUEST_DONE();
}

/* --- shadow tables given back under host memory pressure ------------------- */

#define SHRINK_SPACES	12

/* SHRINK_SPACES address spaces, each visited; twice, the host reclaiming between. */
static void guest_shrink(uint64_t pool)
{
	uint64_t orig = get_cr3(), space[SHRINK_SPACES];
	int s, pass;

	pool_next = pool;
	for (s = 0; s < SHRINK_SPACES; s++) {
		space[s] = new_space();
		*entry(space[s], TEST_VA, 1) = data_page(0x5100 + s) | PTE_P | PTE_RW;
	}
	for (pass = 0; pass < 2; pass++) {
		for (s = 0; s < SHRINK_SPACES; s++) {
			write_cr3(space[s]);
			GUEST_ASSERT_EQ(peek(TEST_VA), 0x5100 + s);
		}
		write_cr3(orig);
		GUEST_SYNC(pass);
	}
	GUEST_DONE();
}

/* --- host side -------------------------------------------------------------- */

static void run_guest(void (*fn)(void), uint64_t arg1)
{
	struct vm *vm = vm_create(VM_MEM);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, fn);

	vcpu_set_arg(vcpu, vm->free_gpa, arg1);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
	vm_destroy(vm);
}

static void address_spaces(void)
{
	run_guest((void (*)(void))guest_address_spaces, 0);
}

static void root_cache(void)
{
	run_guest((void (*)(void))guest_root_cache, 0);
}

static void pt_written_through_alias(void)
{
	run_guest((void (*)(void))guest_pt_alias, 0);
}

static void remap_invlpg_cr3(void)
{
	run_guest((void (*)(void))guest_remap, 0);
}

static void pt_page_mapped_as_data(void)
{
	run_guest((void (*)(void))guest_pt_as_data, 0);
}

static void accessed_dirty_bits(void)
{
	run_guest((void (*)(void))guest_ad_bits, 0);
}

/* Is this hvx with shadow paging (not KVM, not nested paging)? */
static int paging_is_shadow(void)
{
	struct hvx_info info = { 0 };
	int fd = open(hvx_dev_path(), O_RDWR);
	int r;

	if (fd < 0)
		return 0;
	r = ioctl(fd, HVX_GET_INFO, &info);
	close(fd);
	return r == 0 && info.paging == HVX_PAGING_SHADOW;
}

/* EBX (@reg 'b') or ECX bit @bit of CPUID @fn.0 as vCPUs get it (supported_cpuid()). */
static int vcpu_cpuid_bit(uint32_t fn, char reg, int bit)
{
	const struct kvm_cpuid2 *cpuid = supported_cpuid();
	uint32_t i;

	for (i = 0; i < cpuid->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == fn && e->index == 0)
			return ((reg == 'b' ? e->ebx : e->ecx) >> bit) & 1;
	}
	return 0;
}

static void pcid(void)
{
	int has_invpcid = vcpu_cpuid_bit(7, 'b', 10);
	struct vcpu *vcpu;
	struct vm *vm;

	if (!vcpu_cpuid_bit(1, 'c', 17))
		SKIP("vCPUs get no PCID (nested paging on a CPU without it)");
	ktap_print("PCID offered, INVPCID %s", has_invpcid ? "offered" : "not offered");
	vm = vm_create(VM_MEM);
	vcpu = vm_vcpu_add(vm, 0, (void (*)(void))guest_pcid);
	vcpu_set_arg(vcpu, vm->free_gpa, has_invpcid);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
	vm_destroy(vm);
}

static void vm_stats(struct vm *vm, struct hvx_vm_stats *st)
{
	ASSERT_EQ(ioctl(vm->fd, HVX_GET_VM_STATS, st), 0);
}

/* Drop clean caches and ask every shrinker to free what it can. */
static void drop_slab(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	ASSERT_TRUE(fd >= 0, "open /proc/sys/vm/drop_caches");
	ASSERT_EQ(write(fd, "2", 1), 1);
	close(fd);
}

static void shadow_shrinker(void)
{
	struct hvx_vm_stats before, after, again;
	struct vm *vm;
	struct vcpu *vcpu;

	if (!paging_is_shadow())
		SKIP("nested paging: no shadow tables to reclaim");
	vm = vm_create(VM_MEM);
	vcpu = vm_vcpu_add(vm, 0, (void (*)(void))guest_shrink);
	vcpu_set_arg(vcpu, vm->free_gpa, 0);
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	vm_stats(vm, &before);
	drop_slab();
	vm_stats(vm, &after);
	ktap_print("shadow tables: %llu pages in %llu roots; after drop_caches %llu in %llu",
		   (unsigned long long)before.shadow_pages, (unsigned long long)before.shadow_roots,
		   (unsigned long long)after.shadow_pages, (unsigned long long)after.shadow_roots);
	ASSERT_TRUE(before.shadow_roots > SHRINK_SPACES, "a root per space and the first");
	/* Only the root the vCPU runs on stays. */
	ASSERT_EQ(after.shadow_roots, 1);
	ASSERT_TRUE(after.shadow_pages < before.shadow_pages, "pages freed");
	/* The guest sees every space as before; the roots come back. */
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	vm_stats(vm, &again);
	ASSERT_TRUE(again.shadow_roots > SHRINK_SPACES, "roots rebuilt");
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
	vm_destroy(vm);
}

/* MAXPHYADDR: the reserved address bit is 51 below 52. */
static unsigned int cpu_maxphyaddr(void)
{
	unsigned int a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000008), "c"(0));
	return a & 0xff;
}

static void prefetch_neighbours(void)
{
	int shadow = paging_is_shadow(), smep = vcpu_cpuid_bit(7, 'b', 7);
	struct hvx_vm_stats before, after;
	struct vcpu *vcpu;
	struct vm *vm;

	if (cpu_maxphyaddr() >= 52)
		SKIP("MAXPHYADDR is 52: no reserved address bit to set");
	vm = vm_create(VM_MEM);
	vcpu = vm_vcpu_add(vm, 0, (void (*)(void))guest_prefetch);
	ktap_print("SMEP %s", smep ? "offered: checked" : "not offered");
	vcpu_set_arg(vcpu, vm->free_gpa, (1ULL << 51) | !shadow | (smep ? 2 : 0));
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	if (shadow)
		vm_stats(vm, &before);
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	if (shadow) {
		vm_stats(vm, &after);
		ktap_print("5 accessed neighbours read: %llu fills, %llu leaves prefetched",
			   (unsigned long long)(after.shadow_fills - before.shadow_fills),
			   (unsigned long long)(after.shadow_prefetched - before.shadow_prefetched));
		/* One fill for page 0 (and at most one for the code), not five. */
		ASSERT_TRUE(after.shadow_fills - before.shadow_fills <= 2, "prefetch saved fills");
		ASSERT_TRUE(after.shadow_prefetched - before.shadow_prefetched >= 4,
			    "pages 2, 3, 4 and 7 prefetched");
	}
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
	vm_destroy(vm);
}

static void pf_error_codes(void)
{
	struct vm *vm = vm_create(VM_MEM);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, (void (*)(void))guest_pf_error_codes);
	struct ucall uc;

	/* A physical-address bit above MAXPHYADDR is reserved in every entry. */
	if (cpu_maxphyaddr() >= 52)
		SKIP("MAXPHYADDR is 52: no reserved address bit to set");
	if (!paging_is_shadow())
		ktap_print("the CPU walks the guest's tables: RSVD without P tolerated");
	vcpu_set_arg(vcpu, vm->free_gpa, (1ULL << 51) | !paging_is_shadow());
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ktap_print("%llu combinations of P, R/W, U/S, NX, reserved bit, access and CR0.WP checked",
		   (unsigned long long)uc.args[0]);
	ASSERT_EQ(uc.args[0], 2 * 32 * 3);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
	vm_destroy(vm);
}

static const struct ktest tests[] = {
	KTEST(address_spaces),
	KTEST(root_cache),
	KTEST(pt_written_through_alias),
	KTEST(remap_invlpg_cr3),
	KTEST(pt_page_mapped_as_data),
	KTEST(accessed_dirty_bits),
	KTEST(pf_error_codes),
	KTEST(prefetch_neighbours),
	KTEST(pcid),
	KTEST(shadow_shrinker),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
