// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for what the differential test cannot reach from userspace:
 * the page-table walker in every paging mode (error codes, CR2, A/D),
 * segmentation and canonical faults, privileged and intercepted
 * instructions (IN/OUT, CPUID, RDMSR/WRMSR, HLT, VMCALL, XSETBV, RDTSC/P,
 * INVPCID),
 * MMIO access counts, REP yield/resume with huge counts, and restartable
 * I/O (HVX_EMU_IO_NEEDED).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../emulate.h"
#include "ktap.h"
#include "test_ops.h"

static bool group_ok;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			ktap_diag("%s:%d: check failed: %s", __FILE__,	\
				  __LINE__, #cond);			\
			group_ok = false;				\
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		unsigned long long _a = (a), _b = (b);			\
		if (_a != _b) {						\
			ktap_diag("%s:%d: %s = %#llx, expected %#llx",	\
				  __FILE__, __LINE__, #a, _a, _b);	\
			group_ok = false;				\
		}							\
	} while (0)

static void group_begin(void)
{
	group_ok = true;
}

static void group_end(const char *name)
{
	ktap_result(group_ok, name);
}

/* ------------------------------------------------------- walker tests */

#define PHYS_SIZE	(4u << 20)	/* guest physical memory for tables */
static u8 *phys;
static struct test_vm wvm;

static void pte_set(u64 gpa, u64 val, unsigned int size)
{
	memcpy(phys + gpa, &val, size);
}

static u64 pte_get(u64 gpa, unsigned int size)
{
	u64 v = 0;

	memcpy(&v, phys + gpa, size);
	return v;
}

#define P	HVX_EMU_BIT(0)
#define RW	HVX_EMU_BIT(1)
#define US	HVX_EMU_BIT(2)
#define A	HVX_EMU_BIT(5)
#define D	HVX_EMU_BIT(6)
#define PS	HVX_EMU_BIT(7)
#define NX	HVX_EMU_BIT(63)

static void walker_reset(u64 cr0, u64 cr4, u64 efer)
{
	memset(phys, 0, PHYS_SIZE);
	test_vm_init(&wvm, HVX_MODE_LONG64, 0);
	test_vm_add_region(&wvm, 0, PHYS_SIZE, phys, false);
	memset(&wvm.ps, 0, sizeof(wvm.ps));
	wvm.ps.cr0 = cr0;
	wvm.ps.cr4 = cr4;
	wvm.ps.efer = efer;
	wvm.ps.cr3 = 0x1000;
	wvm.ps.maxphyaddr = 46;
}

static int walk(u64 la, u32 access, u64 *gpa, struct hvx_emu_exception *f)
{
	struct hvx_walk_result res = { 0 };
	int r;

	memset(f, 0, sizeof(*f));
	r = hvx_pagewalk(&test_walk_ops, &wvm, &wvm.ps, la, access, &res, f);
	*gpa = res.gpa;
	return r;
}

#define PG_LONG		(HVX_CR0_PE | HVX_CR0_PG | HVX_CR0_WP)
#define EFER_LONG	(HVX_EFER_LME | HVX_EFER_LMA | HVX_EFER_NXE)

/* 4-level tables at 0x1000 (PML4), 0x2000, 0x3000, 0x4000 for @la. */
static void map_4level(u64 la, u64 leaf_flags, u64 gpa, u64 upper_flags)
{
	pte_set(0x1000 + ((la >> 39) & 511) * 8, 0x2000 | upper_flags, 8);
	pte_set(0x2000 + ((la >> 30) & 511) * 8, 0x3000 | upper_flags, 8);
	pte_set(0x3000 + ((la >> 21) & 511) * 8, 0x4000 | upper_flags, 8);
	pte_set(0x4000 + ((la >> 12) & 511) * 8, gpa | leaf_flags, 8);
}

static void test_walker_4level(void)
{
	struct hvx_emu_exception f;
	const u64 la = 0x00007f1234567abcULL;
	u64 gpa;

	group_begin();
	walker_reset(PG_LONG, HVX_CR4_PAE, EFER_LONG);
	map_4level(la, P | RW | US, 0x123000, P | RW | US);
	CHECK_EQ(walk(la, 0, &gpa, &f), HVX_EMU_OK);
	CHECK_EQ(gpa, 0x123abc);
	/* A on every level, D only on the leaf and only for writes. */
	CHECK(pte_get(0x1000 + ((la >> 39) & 511) * 8, 8) & A);
	CHECK(pte_get(0x3000 + ((la >> 21) & 511) * 8, 8) & A);
	CHECK(!(pte_get(0x4000 + ((la >> 12) & 511) * 8, 8) & D));
	CHECK(!(pte_get(0x3000 + ((la >> 21) & 511) * 8, 8) & D));
	CHECK_EQ(walk(la, HVX_ACC_WRITE, &gpa, &f), HVX_EMU_OK);
	CHECK(pte_get(0x4000 + ((la >> 12) & 511) * 8, 8) & D);
	CHECK(!(pte_get(0x3000 + ((la >> 21) & 511) * 8, 8) & D));

	/* Not present at the PTE: error code has P=0, CR2 = la. */
	pte_set(0x4000 + ((la >> 12) & 511) * 8, 0, 8);
	CHECK_EQ(walk(la, HVX_ACC_WRITE | HVX_ACC_USER, &gpa, &f),
		 HVX_EMU_EXCEPTION);
	CHECK_EQ(f.vector, HVX_VEC_PF);
	CHECK_EQ(f.error_code, HVX_PFEC_W | HVX_PFEC_U);
	CHECK_EQ(f.cr2, la);
	CHECK_EQ(walk(la, HVX_ACC_FETCH, &gpa, &f), HVX_EMU_EXCEPTION);
	CHECK_EQ(f.error_code, HVX_PFEC_I);
	group_end("walker_4level_translate_ad_notpresent");

	group_begin();
	walker_reset(PG_LONG, HVX_CR4_PAE, EFER_LONG);
	map_4level(la, P | RW | US, 0x123000, P | RW | US);
	/* Reserved: a physical bit above MAXPHYADDR=46 in the PDE. */
	pte_set(0x2000 + ((la >> 30) & 511) * 8, 0x3000 | P | RW | US |
		HVX_EMU_BIT(50), 8);
	CHECK_EQ(walk(la, 0, &gpa, &f), HVX_EMU_EXCEPTION);
	CHECK_EQ(f.error_code, HVX_PFEC_P | HVX_PFEC_RSVD);
	/* PS in a PML4E is reserved. */
	walker_reset(PG_LONG, HVX_CR4_PAE, EFER_LONG);
	map_4level(la, P | RW | US, 0x123000, P | RW | US);
	pte_set(0x1000 + ((la >> 39) & 511) * 8, 0x2000 | P | RW | US | PS, 8);
	CHECK_EQ(walk(la, HVX_ACC_USER, &gpa, &f), HVX_EMU_EXCEPTION);
	CHECK_EQ(f.error_code, HVX_PFEC_P | HVX_PFEC_RSVD | HVX_PFEC_U);
	/* NX without EFER.NXE is a reserved bit. */
	walker_reset(PG_LONG, HVX_CR4_PAE, HVX_EFER_LME | HVX_EFER_LMA);
	map_4level(la, P | RW | US | NX, 0x123000, P | RW | US);
	CHECK_EQ(walk(la, 0, &gpa, &f), HVX_EMU_EXCEPTION);
	CHECK_EQ(f.error_code, HVX_PFEC_P | HVX_PFEC_RSVD);
	/* Large-page reserved bits 20:13 of a 2M PDE. */
	walker_reset(PG_LONG, HVX_CR4_PAE, EFER_LONG);
	map_4level(la, P | RW | US, 0x123000, P | RW | US);
	pte_set(0x3000 + ((la >> 21) & 511) * 8,
		0x200000 | P | RW | PS | HVX_EMU_BIT(13), 8);
	CHECK_EQ(walk(la, 0, &gpa, &f), HVX_EMU_EXCEPTION);
	CHECK_EQ(f.error_code, HVX_PFEC_P | HVX_PFEC_RSVD);
	/* No A bit was set by the faulting walks. */
	CHECK(!(pte_get(0x1000 + ((la >> 39) & 511) * 8, 8) & A));
	group_end("walker_reserved_bits_rsvd_error_code");

	group_begin();
	walker_reset(PG_LONG, HVX_CR4_PAE, EFER_LONG);
	map_4level(la, P | RW | US, 0, P | RW | US);
	pte_set(0x3000 + ((la >> 21) & 511) * 8, 0x40200000ULL | P | RW | PS, 8);
	CHECK_EQ(walk(la, 0, &gpa, &f), HVX_EMU_OK);
	CHECK_EQ(gpa, 0x40200000ULL | (la & 0x1fffff));
	pte_set(0x2000 + ((la >> 30) & 511) * 8, 0x80000000ULL | P | RW | PS, 8);
	CHECK_EQ(walk(la, 0, &gpa, &f), HVX_EMU_OK);
	CHECK_EQ(gpa, 0x80000000ULL | (la & 0x3fffffff));
	group_end("walker_2m_1g_pages");
}

static void test_walker_permissions(void)
{
	struct hvx_emu_exception f;
	const u64 la = 0x400000;
	u64 gpa;

	group_begin();
	walker_reset(PG_LONG, HVX_CR4_PAE, EFER_LONG);
	map_4level(la, P, 0x5000, P | RW | US);	/* supervisor, read-only */
	CHECK_EQ(walk(la, HVX_ACC_USER, &gpa, &f), HVX_EMU_EXCEPTION);
	CHECK_EQ(f.error_code, HVX_PFEC_P | HVX_PFEC_U);
	CHECK_EQ(walk(la, HVX_ACC_WRITE, &gpa, &f), HVX_EMU_EXCEPTION);
	CHECK_EQ(f.error_code, HVX_PFEC_P | HVX_PFEC_W);
	wvm.ps.cr0 &= ~HVX_CR0_WP;	/* WP=0: supervisor may write */
	CHECK_EQ(walk(la, HVX_ACC_WRITE, &gpa, &f), HVX_EMU_OK);
	/* User page, read-only at an upper level only. */
	walker_reset(PG_LONG, HVX_CR4_PAE, EFER_LONG);
	map_4level(la, P | RW | US, 0x5000, P | US);
	CHECK_EQ(walk(la, HVX_ACC_USER | HVX_ACC_WRITE, &gpa, &f),
		 HVX_EMU_EXCEPTION);
	CHECK_EQ(f.error_code, HVX_PFEC_P | HVX_PFEC_W | HVX_PFEC_U);
	CHECK_EQ(walk(la, HVX_ACC_USER, &gpa, &f), HVX_EMU_OK);
	/* NX at an upper level applies to fetches. */
	walker_reset(PG_LONG, HVX_CR4_PAE, EFER_LONG);
	map_4level(la, P | RW | US, 0x5000, P | RW | US);
	pte_set(0x2000, 0x3000 | P | RW | US | NX, 8);
	CHECK_EQ(walk(la, HVX_ACC_FETCH | HVX_ACC_USER, &gpa, &f),
		 HVX_EMU_EXCEPTION);
	CHECK_EQ(f.error_code, HVX_PFEC_P | HVX_PFEC_U | HVX_PFEC_I);
	CHECK_EQ(walk(la, HVX_ACC_USER, &gpa, &f), HVX_EMU_OK);
	group_end("walker_us_rw_wp_nx");

	group_begin();
	walker_reset(PG_LONG, HVX_CR4_PAE | HVX_CR4_SMEP | HVX_CR4_SMAP,
		     EFER_LONG);
	map_4level(la, P | RW | US, 0x5000, P | RW | US);
	CHECK_EQ(walk(la, HVX_ACC_FETCH, &gpa, &f), HVX_EMU_EXCEPTION);
	CHECK_EQ(f.error_code, HVX_PFEC_P | HVX_PFEC_I);		/* SMEP */
	CHECK_EQ(walk(la, 0, &gpa, &f), HVX_EMU_EXCEPTION);		/* SMAP */
	CHECK_EQ(f.error_code, HVX_PFEC_P);
	CHECK_EQ(walk(la, HVX_ACC_WRITE, &gpa, &f), HVX_EMU_EXCEPTION);
	CHECK_EQ(f.error_code, HVX_PFEC_P | HVX_PFEC_W);
	wvm.ps.rflags = HVX_FLAG_AC;		/* STAC: explicit accesses ok */
	CHECK_EQ(walk(la, 0, &gpa, &f), HVX_EMU_OK);
	CHECK_EQ(walk(la, HVX_ACC_WRITE, &gpa, &f), HVX_EMU_OK);
	/* Implicit supervisor accesses ignore AC; U bit stays clear. */
	CHECK_EQ(walk(la, HVX_ACC_IMPLICIT | HVX_ACC_USER, &gpa, &f),
		 HVX_EMU_EXCEPTION);
	CHECK_EQ(f.error_code, HVX_PFEC_P);
	CHECK_EQ(walk(la, HVX_ACC_USER | HVX_ACC_FETCH, &gpa, &f), HVX_EMU_OK);
	group_end("walker_smep_smap");

	group_begin();
	walker_reset(PG_LONG, HVX_CR4_PAE | HVX_CR4_PKE, EFER_LONG);
	map_4level(la, P | RW | US | (3ULL << 59), 0x5000, P | RW | US);
	wvm.ps.pkru = 1u << 6;			/* key 3: access disable */
	CHECK_EQ(walk(la, HVX_ACC_USER, &gpa, &f), HVX_EMU_EXCEPTION);
	CHECK_EQ(f.error_code, HVX_PFEC_P | HVX_PFEC_U | HVX_PFEC_PK);
	CHECK_EQ(walk(la, HVX_ACC_USER | HVX_ACC_FETCH, &gpa, &f), HVX_EMU_OK);
	wvm.ps.pkru = 2u << 6;			/* key 3: write disable */
	CHECK_EQ(walk(la, HVX_ACC_USER, &gpa, &f), HVX_EMU_OK);
	CHECK_EQ(walk(la, HVX_ACC_USER | HVX_ACC_WRITE, &gpa, &f),
		 HVX_EMU_EXCEPTION);
	CHECK_EQ(f.error_code, HVX_PFEC_P | HVX_PFEC_W | HVX_PFEC_U |
			       HVX_PFEC_PK);
	CHECK_EQ(walk(la, HVX_ACC_WRITE, &gpa, &f), HVX_EMU_EXCEPTION);
	wvm.ps.cr0 &= ~HVX_CR0_WP;		/* supervisor WD needs WP */
	CHECK_EQ(walk(la, HVX_ACC_WRITE, &gpa, &f), HVX_EMU_OK);
	wvm.ps.pkru = 3u << 4;			/* other key: no effect */
	CHECK_EQ(walk(la, HVX_ACC_USER | HVX_ACC_WRITE, &gpa, &f), HVX_EMU_OK);
	group_end("walker_protection_keys");

	/* The rights above the leaf, apart from the leaf's (shadow prefetch). */
	group_begin();
	walker_reset(PG_LONG, HVX_CR4_PAE, EFER_LONG);
	map_4level(la, P, 0x5000, P | US);	/* leaf: supervisor, read-only */
	pte_set(0x2000, 0x3000 | P | RW | US | NX, 8);
	{
		struct hvx_walk_result res = { 0 };

		CHECK_EQ(hvx_pagewalk(&test_walk_ops, &wvm, &wvm.ps, la, 0, &res, &f),
			 HVX_EMU_OK);
		CHECK(!res.writable && !res.user && res.nx);
		CHECK(!res.upper_writable && res.upper_user && res.upper_nx);
		/* A 2 MiB page: the PDE is the leaf, the PDPTE the last upper entry. */
		walker_reset(PG_LONG, HVX_CR4_PAE, EFER_LONG);
		map_4level(la, P | RW | US, 0x5000, P | RW | US);
		pte_set(0x3000 + ((la >> 21) & 511) * 8, 0x200000 | P | PS, 8);
		memset(&res, 0, sizeof(res));
		CHECK_EQ(hvx_pagewalk(&test_walk_ops, &wvm, &wvm.ps, la, 0, &res, &f),
			 HVX_EMU_OK);
		CHECK(!res.writable && !res.user && !res.nx);
		CHECK(res.upper_writable && res.upper_user && !res.upper_nx);
		CHECK_EQ(res.page_size, 0x200000);
	}
	group_end("walker_upper_rights");
}

static void test_walker_legacy_modes(void)
{
	const u64 pg32 = HVX_CR0_PE | HVX_CR0_PG | HVX_CR0_WP;
	struct hvx_emu_exception f;
	u64 gpa, pdptrs[4];

	group_begin();
	walker_reset(HVX_CR0_PE, 0, 0);			/* paging off */
	CHECK_EQ(walk(0x12345678, HVX_ACC_WRITE, &gpa, &f), HVX_EMU_OK);
	CHECK_EQ(gpa, 0x12345678);
	/* 32-bit paging: 4K page, then a 4M PSE page with PSE-36 bits. */
	walker_reset(pg32, 0, 0);
	pte_set(0x1000 + (0x00403123 >> 22) * 4, 0x2000 | P | RW | US, 4);
	pte_set(0x2000 + ((0x00403123 >> 12) & 1023) * 4, 0x7000 | P | RW, 4);
	CHECK_EQ(walk(0x00403123, 0, &gpa, &f), HVX_EMU_OK);
	CHECK_EQ(gpa, 0x7123);
	CHECK(pte_get(0x1000 + 4, 4) & A);
	CHECK_EQ(walk(0x00403123, HVX_ACC_USER | HVX_ACC_WRITE, &gpa, &f),
		 HVX_EMU_EXCEPTION);
	CHECK_EQ(f.error_code, HVX_PFEC_P | HVX_PFEC_W | HVX_PFEC_U);
	/* Fetch faults have no I/D bit without SMEP in 32-bit paging. */
	CHECK_EQ(walk(0x00803000, HVX_ACC_FETCH, &gpa, &f), HVX_EMU_EXCEPTION);
	CHECK_EQ(f.error_code, 0);
	wvm.ps.cr4 = HVX_CR4_PSE;
	pte_set(0x1000 + 3 * 4, 0x00c00000 | (0x5ULL << 13) | P | RW | PS, 4);
	CHECK_EQ(walk(0x00c12345, 0, &gpa, &f), HVX_EMU_OK);
	CHECK_EQ(gpa, 0x500c12345ULL);
	pte_set(0x1000 + 3 * 4, 0x00c00000 | HVX_EMU_BIT(21) | P | PS, 4);
	CHECK_EQ(walk(0x00c12345, 0, &gpa, &f), HVX_EMU_EXCEPTION);
	CHECK_EQ(f.error_code, HVX_PFEC_P | HVX_PFEC_RSVD);
	/* Without CR4.PSE the PS bit is ignored: it is a table pointer. */
	wvm.ps.cr4 = 0;
	pte_set(0x1000 + 3 * 4, 0x3000 | P | RW | PS, 4);
	pte_set(0x3000 + 0x12 * 4, 0x9000 | P, 4);
	CHECK_EQ(walk(0x00c12345, 0, &gpa, &f), HVX_EMU_OK);
	CHECK_EQ(gpa, 0x9345);
	group_end("walker_paging_off_32bit_pse36");

	group_begin();
	walker_reset(pg32, HVX_CR4_PAE, HVX_EFER_NXE);
	wvm.ps.cr3 = 0x1020;			/* PDPT is 32-byte aligned */
	pte_set(0x1020 + 2 * 8, 0x2000 | P, 8);
	pte_set(0x2000 + 3 * 8, 0x3000 | P | RW | US, 8);
	pte_set(0x3000 + 4 * 8, 0x8000 | P | RW | US | NX, 8);
	CHECK_EQ(walk(0x80604abc, 0, &gpa, &f), HVX_EMU_OK);
	CHECK_EQ(gpa, 0x8abc);
	CHECK(!(pte_get(0x1020 + 2 * 8, 8) & A));	/* PDPTEs have no A */
	CHECK_EQ(walk(0x80604abc, HVX_ACC_FETCH, &gpa, &f), HVX_EMU_EXCEPTION);
	CHECK_EQ(f.error_code, HVX_PFEC_P | HVX_PFEC_I);
	CHECK_EQ(f.cr2, 0x80604abc);
	/* PAE reserves bits 62:MAXPHYADDR, unlike 4-level paging. */
	pte_set(0x3000 + 4 * 8, 0x8000 | P | HVX_EMU_BIT(60), 8);
	CHECK_EQ(walk(0x80604abc, 0, &gpa, &f), HVX_EMU_EXCEPTION);
	CHECK_EQ(f.error_code, HVX_PFEC_P | HVX_PFEC_RSVD);
	/* Cached PDPTEs win over memory. */
	memset(pdptrs, 0, sizeof(pdptrs));
	wvm.ps.pdptrs = pdptrs;
	CHECK_EQ(walk(0x80604abc, 0, &gpa, &f), HVX_EMU_EXCEPTION);
	CHECK_EQ(f.error_code, 0);
	pdptrs[2] = 0x2000 | P;
	pte_set(0x2000 + 3 * 8, 0x200000 | P | RW | PS, 8);
	CHECK_EQ(walk(0x80604abc, 0, &gpa, &f), HVX_EMU_OK);
	CHECK_EQ(gpa, 0x204abc);
	group_end("walker_pae");

	group_begin();
	walker_reset(PG_LONG, HVX_CR4_PAE | HVX_CR4_LA57, EFER_LONG);
	{
		const u64 la = 0x00ff8123456789abULL;	/* bit 55 set: 57-bit */

		pte_set(0x1000 + ((la >> 48) & 511) * 8, 0x6000 | P | RW, 8);
		pte_set(0x6000 + ((la >> 39) & 511) * 8, 0x2000 | P | RW, 8);
		pte_set(0x2000 + ((la >> 30) & 511) * 8, 0x3000 | P | RW, 8);
		pte_set(0x3000 + ((la >> 21) & 511) * 8, 0x4000 | P | RW, 8);
		pte_set(0x4000 + ((la >> 12) & 511) * 8, 0xa000 | P | RW, 8);
		CHECK_EQ(walk(la, HVX_ACC_WRITE, &gpa, &f), HVX_EMU_OK);
		CHECK_EQ(gpa, 0xa9ab);
		CHECK(pte_get(0x1000 + ((la >> 48) & 511) * 8, 8) & A);
		pte_set(0x1000 + ((la >> 48) & 511) * 8, 0x6000 | P | RW | PS, 8);
		CHECK_EQ(walk(la, 0, &gpa, &f), HVX_EMU_EXCEPTION);
		CHECK_EQ(f.error_code, HVX_PFEC_P | HVX_PFEC_RSVD);
	}
	group_end("walker_5level");
}

/* cmpxchg_pte losing a race restarts the walk with the new entry. */
static unsigned int race_left;
static int racing_cmpxchg(void *opaque, u64 gpa, u64 old, u64 new,
			  unsigned int size)
{
	if (race_left) {
		race_left--;
		/* Another CPU clears RW in the leaf meanwhile. */
		pte_set(0x4000 + ((0x400000 >> 12) & 511) * 8,
			0x5000 | P | US, 8);
		return HVX_EMU_RETRY;
	}
	return test_walk_ops.cmpxchg_pte(opaque, gpa, old, new, size);
}

static void test_walker_race(void)
{
	struct hvx_walk_ops ops = { test_walk_ops.read_pte, racing_cmpxchg };
	struct hvx_walk_result res;
	struct hvx_emu_exception f;

	group_begin();
	walker_reset(PG_LONG, HVX_CR4_PAE, EFER_LONG);
	map_4level(0x400000, P | RW | US, 0x5000, P | RW | US);
	race_left = 1;
	CHECK_EQ(hvx_pagewalk(&ops, &wvm, &wvm.ps, 0x400000,
			      HVX_ACC_WRITE | HVX_ACC_USER, &res, &f),
		 HVX_EMU_EXCEPTION);
	CHECK_EQ(f.error_code, HVX_PFEC_P | HVX_PFEC_W | HVX_PFEC_U);
	group_end("walker_ad_update_race_rewalks");
}

/* ------------------------------------------------------ emulator tests */

#define RAM_GPA		0x100000ULL
#define RAM_SIZE	0x10000ULL
#define MMIO_GPA	0xfee00000ULL
#define MMIO_SIZE	0x1000ULL
#define CODE_GPA	0x200000ULL

static u8 ram[RAM_SIZE], mmio[MMIO_SIZE], code[0x2000];
static struct test_vm vm;

static void vm_reset(u8 mode, u8 cpl)
{
	test_vm_init(&vm, mode, cpl);
	memset(ram, 0, sizeof(ram));
	memset(mmio, 0, sizeof(mmio));
	memset(code, 0x90, sizeof(code));
	test_vm_add_region(&vm, RAM_GPA, RAM_SIZE, ram, false);
	test_vm_add_region(&vm, MMIO_GPA, MMIO_SIZE, mmio, true);
	test_vm_add_region(&vm, CODE_GPA, sizeof(code), code, false);
	vm.ctxt.rip = CODE_GPA;
	vm.cr[4] = HVX_CR4_PAE;
}

/* Place @bytes at RIP, fetch+decode+execute once. */
static int run(const char *bytes, unsigned int n)
{
	u64 la = vm.ctxt.rip;
	int r;

	if (vm.ctxt.cfg.mode != HVX_MODE_LONG64)
		la += vm.seg[HVX_SEG_CS].base;
	memcpy(code + (la - CODE_GPA), bytes, n);
	r = hvx_emu_fetch_decode(&vm.ctxt);
	if (r)
		return r;
	return hvx_emu_execute(&vm.ctxt);
}

#define RUN(s) run(s, sizeof(s) - 1)

static void test_mmio_and_moves(void)
{
	group_begin();
	vm_reset(HVX_MODE_LONG64, 0);
	vm.gpr[HVX_RDX] = MMIO_GPA + 0x300;
	vm.gpr[HVX_RAX] = 0xffffffffdeadbeefULL;
	CHECK_EQ(RUN("\x89\x42\x10"), HVX_EMU_OK);	/* mov [rdx+0x10], eax */
	CHECK_EQ(vm.mmio_writes, 1);
	CHECK_EQ(vm.last_mmio_gpa, MMIO_GPA + 0x310);
	CHECK_EQ(vm.last_mmio_val, 0xdeadbeef);
	CHECK_EQ(vm.ctxt.rip, CODE_GPA + 3);
	CHECK_EQ(RUN("\x0f\xb7\x4a\x10"), HVX_EMU_OK);	/* movzx ecx, word [rdx+0x10] */
	CHECK_EQ(vm.gpr[HVX_RCX], 0xbeef);
	CHECK_EQ(vm.mmio_reads, 1);
	/* SSE (66 0F 38 00, PSHUFB) is not emulated: "cannot emulate". */
	CHECK_EQ(RUN("\x66\x0f\x38\x00\x02"), HVX_EMU_UNHANDLEABLE);
	CHECK_EQ(RUN("\xc5\xfd\x6f\x02"), HVX_EMU_UNHANDLEABLE);
	CHECK_EQ(RUN("\xf7\x22"), HVX_EMU_UNHANDLEABLE);	/* mul dword [rdx] */
	CHECK_EQ(vm.ctxt.rip, CODE_GPA + 7);
	group_end("emulate_mmio_store_load_unhandleable");

	group_begin();
	vm_reset(HVX_MODE_LONG64, 0);
	vm.gpr[HVX_RBX] = MMIO_GPA;
	CHECK_EQ(RUN("\xf0\x01\xc3"), HVX_EMU_EXCEPTION);	/* lock add ebx, eax */
	CHECK_EQ(vm.ctxt.exception.vector, HVX_VEC_UD);
	CHECK_EQ(RUN("\xf0\x39\x03"), HVX_EMU_EXCEPTION);	/* lock cmp */
	CHECK_EQ(vm.ctxt.exception.vector, HVX_VEC_UD);
	CHECK_EQ(RUN("\x06"), HVX_EMU_EXCEPTION);		/* push es */
	CHECK_EQ(vm.ctxt.exception.vector, HVX_VEC_UD);
	CHECK_EQ(RUN("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66"
		     "\x66\x66\x90"), HVX_EMU_EXCEPTION);	/* 16 bytes */
	CHECK_EQ(vm.ctxt.exception.vector, HVX_VEC_GP);
	CHECK_EQ(vm.ctxt.rip, CODE_GPA);
	group_end("emulate_ud_lock_invalid_and_overlong");
}

static void test_faults(void)
{
	group_begin();
	vm_reset(HVX_MODE_LONG64, 0);
	vm.gpr[HVX_RAX] = 0x0000800000000000ULL;	/* non-canonical */
	CHECK_EQ(RUN("\x89\x08"), HVX_EMU_EXCEPTION);
	CHECK_EQ(vm.ctxt.exception.vector, HVX_VEC_GP);
	CHECK_EQ(vm.ctxt.exception.error_code, 0);
	vm.gpr[HVX_RBP] = 0x0000800000000000ULL;
	CHECK_EQ(RUN("\x89\x4d\x00"), HVX_EMU_EXCEPTION);	/* [rbp]: SS */
	CHECK_EQ(vm.ctxt.exception.vector, HVX_VEC_SS);
	vm.cr[4] |= HVX_CR4_LA57;			/* canonical in 57-bit */
	CHECK_EQ(RUN("\x89\x4d\x00"), HVX_EMU_EXCEPTION);
	CHECK_EQ(vm.ctxt.exception.vector, HVX_VEC_PF);
	CHECK_EQ(vm.ctxt.exception.cr2, 0x0000800000000000ULL);
	/* A store split over a missing page writes nothing. */
	vm.gpr[HVX_RAX] = RAM_GPA + RAM_SIZE - 2;
	vm.gpr[HVX_RCX] = 0x11223344;
	memset(ram + RAM_SIZE - 2, 0xaa, 2);
	CHECK_EQ(RUN("\x89\x08"), HVX_EMU_EXCEPTION);
	CHECK_EQ(vm.ctxt.exception.cr2, RAM_GPA + RAM_SIZE);
	CHECK_EQ(vm.ctxt.exception.error_code, HVX_PFEC_W);
	CHECK_EQ(ram[RAM_SIZE - 1], 0xaa);
	/* #AC: CPL3, CR0.AM, EFLAGS.AC, misaligned. */
	vm_reset(HVX_MODE_LONG64, 3);
	vm.cr[0] |= HVX_CR0_AM;
	vm.ctxt.rflags |= HVX_FLAG_AC;
	vm.gpr[HVX_RAX] = RAM_GPA + 2;
	CHECK_EQ(RUN("\x89\x08"), HVX_EMU_EXCEPTION);
	CHECK_EQ(vm.ctxt.exception.vector, HVX_VEC_AC);
	CHECK_EQ(RUN("\x66\x89\x08"), HVX_EMU_OK);
	group_end("emulate_canonical_split_page_ac_faults");

	group_begin();
	vm_reset(HVX_MODE_PROT32, 0);
	vm.seg[HVX_SEG_DS].limit = 0xfff;
	vm.seg[HVX_SEG_DS].base = RAM_GPA;
	vm.gpr[HVX_RAX] = 0xffe;
	CHECK_EQ(RUN("\x89\x08"), HVX_EMU_EXCEPTION);		/* over limit */
	CHECK_EQ(vm.ctxt.exception.vector, HVX_VEC_GP);
	vm.gpr[HVX_RAX] = 0x10;
	vm.gpr[HVX_RCX] = 0x55667788;
	CHECK_EQ(RUN("\x89\x08"), HVX_EMU_OK);
	CHECK_EQ(ram[0x10], 0x88);
	vm.seg[HVX_SEG_DS].type = 0x1;			/* read-only data */
	CHECK_EQ(RUN("\x89\x08"), HVX_EMU_EXCEPTION);
	CHECK_EQ(vm.ctxt.exception.vector, HVX_VEC_GP);
	CHECK_EQ(RUN("\x8b\x08"), HVX_EMU_OK);
	vm.seg[HVX_SEG_SS].limit = 0xf;
	vm.gpr[HVX_RBP] = 0x10;
	CHECK_EQ(RUN("\x8b\x45\x00"), HVX_EMU_EXCEPTION);	/* [ebp] */
	CHECK_EQ(vm.ctxt.exception.vector, HVX_VEC_SS);
	/* Expand-down: valid offsets are above the limit. */
	vm.seg[HVX_SEG_SS].type = 0x7;
	vm.seg[HVX_SEG_SS].base = RAM_GPA;
	CHECK_EQ(RUN("\x8b\x45\x00"), HVX_EMU_OK);
	vm.gpr[HVX_RBP] = 0x4;
	CHECK_EQ(RUN("\x8b\x45\x00"), HVX_EMU_EXCEPTION);
	vm.seg[HVX_SEG_ES].unusable = true;
	CHECK_EQ(RUN("\x26\x8b\x00"), HVX_EMU_EXCEPTION);
	CHECK_EQ(vm.ctxt.exception.vector, HVX_VEC_GP);
	group_end("emulate_segment_limits_types_32bit");

	group_begin();
	vm_reset(HVX_MODE_REAL, 0);
	vm.seg[HVX_SEG_DS].base = RAM_GPA;
	vm.seg[HVX_SEG_DS].limit = 0xffff;
	vm.seg[HVX_SEG_CS].base = CODE_GPA;
	vm.ctxt.rip = 0;
	vm.gpr[HVX_RBX] = 0x10;
	vm.gpr[HVX_RSI] = 0xfff8;		/* bx+si+0x10 wraps at 64K */
	vm.gpr[HVX_RAX] = 0xabcd;
	memcpy(code, "\x89\x40\x10", 3);	/* mov [bx+si+0x10], ax */
	CHECK_EQ(hvx_emu_fetch_decode(&vm.ctxt), HVX_EMU_OK);
	CHECK_EQ(hvx_emu_execute(&vm.ctxt), HVX_EMU_OK);
	CHECK_EQ(ram[0x18], 0xcd);
	CHECK_EQ(ram[0x19], 0xab);
	CHECK_EQ(vm.ctxt.rip, 3);
	group_end("emulate_real_mode_16bit_wrap");

}

static int run_paged(u64 la, const char *bytes, unsigned int n)
{
	int r;

	memcpy(phys + 0x5000 + (la & 0xfff) + (la >= 0x401000 ? 0x1000 : 0),
	       bytes, n);
	wvm.ctxt.rip = la;
	r = hvx_emu_fetch_decode(&wvm.ctxt);
	return r ? r : hvx_emu_execute(&wvm.ctxt);
}

/* The emulator on top of the walker: CPL3 guest with 4-level paging. */
static void test_emulate_paged(void)
{
	struct hvx_emu_exception *ex = &wvm.ctxt.exception;

	group_begin();
	walker_reset(PG_LONG, HVX_CR4_PAE, EFER_LONG);
	wvm.paging = true;
	wvm.ctxt.cpl = 3;
	wvm.cr[0] = PG_LONG;
	wvm.cr[4] = HVX_CR4_PAE;
	map_4level(0x400000, P | US, 0x5000, P | RW | US);	/* code */
	pte_set(0x4000 + 8, 0x6000 | P | US, 8);		/* read-only */
	wvm.gpr[HVX_RAX] = 0x401ff0;
	CHECK_EQ(run_paged(0x400000, "\x89\x08", 2), HVX_EMU_EXCEPTION);
	CHECK_EQ(ex->vector, HVX_VEC_PF);
	CHECK_EQ(ex->error_code, HVX_PFEC_P | HVX_PFEC_W | HVX_PFEC_U);
	CHECK_EQ(ex->cr2, 0x401ff0);
	CHECK_EQ(wvm.ctxt.rip, 0x400000);
	phys[0x6ff0] = 0x5a;
	CHECK_EQ(run_paged(0x400000, "\x8b\x08", 2), HVX_EMU_OK);
	CHECK_EQ(wvm.gpr[HVX_RCX], 0x5a);
	/* Fetch: bytes on the next page are needed -> #PF there. */
	CHECK_EQ(run_paged(0x401ffe, "\x8b\x04", 2), HVX_EMU_EXCEPTION);
	CHECK_EQ(ex->cr2, 0x402000);
	CHECK_EQ(ex->error_code, HVX_PFEC_U | HVX_PFEC_I);
	/* ... but an instruction ending at the page end does not fault. */
	CHECK_EQ(run_paged(0x401ffe, "\x8b\x08", 2), HVX_EMU_OK);
	CHECK_EQ(wvm.ctxt.rip, 0x402000);
	group_end("emulate_through_walker_cpl3_pf_and_fetch");
}

static void test_system_instructions(void)
{
	group_begin();
	vm_reset(HVX_MODE_LONG64, 0);
	vm.gpr[HVX_RAX] = 0xffffffff00000007ULL;
	vm.gpr[HVX_RCX] = 0xffffffff00000001ULL;
	vm.gpr[HVX_RBX] = ~0ULL;
	CHECK_EQ(RUN("\x0f\xa2"), HVX_EMU_OK);			/* cpuid */
	CHECK_EQ(vm.gpr[HVX_RAX], 7 ^ 0x11111111u);
	CHECK_EQ(vm.gpr[HVX_RBX], 1 ^ 0x22222222u);		/* upper cleared */
	CHECK_EQ(vm.gpr[HVX_RDX], 0x44444444u);
	CHECK_EQ(vm.ctxt.rip, CODE_GPA + 2);

	vm.gpr[HVX_RCX] = TEST_MSR_VALID;
	vm.gpr[HVX_RAX] = 0x89abcdef;
	vm.gpr[HVX_RDX] = 0x01234567;
	CHECK_EQ(RUN("\x0f\x30"), HVX_EMU_OK);			/* wrmsr */
	CHECK_EQ(vm.last_msr_val, 0x0123456789abcdefULL);
	vm.gpr[HVX_RAX] = vm.gpr[HVX_RDX] = ~0ULL;
	CHECK_EQ(RUN("\x0f\x32"), HVX_EMU_OK);			/* rdmsr */
	CHECK_EQ(vm.gpr[HVX_RAX], 0x89abcdef);
	CHECK_EQ(vm.gpr[HVX_RDX], 0x01234567);
	vm.gpr[HVX_RCX] = 0x1234;				/* unknown MSR */
	CHECK_EQ(RUN("\x0f\x32"), HVX_EMU_EXCEPTION);
	CHECK_EQ(vm.ctxt.exception.vector, HVX_VEC_GP);
	CHECK(vm.ctxt.exception.has_error_code);
	CHECK_EQ(vm.ctxt.exception.error_code, 0);

	vm.tsc = 0x1122334455667788ULL;
	vm.msr_tsc_aux = 3;
	CHECK_EQ(RUN("\x0f\x31"), HVX_EMU_OK);			/* rdtsc */
	CHECK_EQ(vm.gpr[HVX_RAX], 0x55667788);
	CHECK_EQ(vm.gpr[HVX_RDX], 0x11223344);
	vm.gpr[HVX_RCX] = ~0ULL;
	CHECK_EQ(RUN("\x0f\x01\xf9"), HVX_EMU_OK);		/* rdtscp */
	CHECK_EQ(vm.gpr[HVX_RCX], 3);
	CHECK_EQ(vm.ctxt.rip, CODE_GPA + 11);

	vm.gpr[HVX_RCX] = 0;
	vm.gpr[HVX_RAX] = 7;
	vm.gpr[HVX_RDX] = 0;
	CHECK_EQ(RUN("\x0f\x01\xd1"), HVX_EMU_OK);		/* xsetbv */
	CHECK_EQ(vm.xcr0, 7);
	vm.gpr[HVX_RAX] = 6;					/* x87 bit clear */
	CHECK_EQ(RUN("\x0f\x01\xd1"), HVX_EMU_EXCEPTION);
	CHECK_EQ(vm.ctxt.exception.vector, HVX_VEC_GP);

	CHECK_EQ(RUN("\x0f\x01\xc1"), HVX_EMU_OK);		/* vmcall */
	CHECK_EQ(RUN("\x0f\x01\xd9"), HVX_EMU_OK);		/* vmmcall */
	CHECK_EQ(vm.hypercalls, 2);
	CHECK_EQ(RUN("\xf4"), HVX_EMU_OK);			/* hlt */
	CHECK_EQ(vm.halts, 1);
	CHECK_EQ(vm.ctxt.rip, CODE_GPA + 11 + 3 + 3 + 3 + 1);
	group_end("emulate_cpuid_msr_tsc_xsetbv_vmcall_hlt");

	group_begin();
	vm_reset(HVX_MODE_LONG64, 3);
	CHECK_EQ(RUN("\x0f\x32"), HVX_EMU_EXCEPTION);
	CHECK_EQ(vm.ctxt.exception.vector, HVX_VEC_GP);
	CHECK_EQ(RUN("\x0f\x30"), HVX_EMU_EXCEPTION);
	CHECK_EQ(RUN("\xf4"), HVX_EMU_EXCEPTION);
	CHECK_EQ(RUN("\x0f\x01\xd1"), HVX_EMU_EXCEPTION);
	CHECK_EQ(RUN("\x0f\x31"), HVX_EMU_OK);		/* TSD clear */
	vm.cr[4] |= HVX_CR4_TSD;
	CHECK_EQ(RUN("\x0f\x31"), HVX_EMU_EXCEPTION);
	CHECK_EQ(vm.ctxt.exception.vector, HVX_VEC_GP);
	CHECK_EQ(vm.halts, 0);
	CHECK_EQ(vm.ctxt.rip, CODE_GPA + 2);
	group_end("emulate_privilege_checks_cpl3");

	group_begin();
	vm_reset(HVX_MODE_LONG64, 0);
	vm.pio_in_val = 0x12345678;
	vm.gpr[HVX_RAX] = ~0ULL;
	CHECK_EQ(RUN("\xe4\x60"), HVX_EMU_OK);			/* in al, 0x60 */
	CHECK_EQ(vm.last_port, 0x60);
	CHECK_EQ(vm.gpr[HVX_RAX], 0xffffffffffffff78ULL);
	vm.gpr[HVX_RDX] = 0xffff0cf8;
	CHECK_EQ(RUN("\xed"), HVX_EMU_OK);			/* in eax, dx */
	CHECK_EQ(vm.last_port, 0xcf8);
	CHECK_EQ(vm.gpr[HVX_RAX], 0x13355779);		/* zero-extended */
	vm.gpr[HVX_RAX] = 0xabcd;
	CHECK_EQ(RUN("\x66\xef"), HVX_EMU_OK);			/* out dx, ax */
	CHECK_EQ(vm.last_out_val, 0xabcd);
	CHECK_EQ(RUN("\xe6\x80"), HVX_EMU_OK);			/* out 0x80, al */
	CHECK_EQ(vm.last_port, 0x80);
	CHECK_EQ(vm.last_out_val, 0xcd);
	/* Userspace completes the IN: nothing committed, same insn again. */
	vm.io_needed_once = true;
	vm.gpr[HVX_RAX] = 0;
	CHECK_EQ(RUN("\xe4\x61"), HVX_EMU_IO_NEEDED);
	CHECK_EQ(vm.ctxt.rip, CODE_GPA + 7);
	CHECK_EQ(vm.gpr[HVX_RAX], 0);
	CHECK_EQ(hvx_emu_execute(&vm.ctxt), HVX_EMU_OK);
	CHECK_EQ(vm.ctxt.rip, CODE_GPA + 9);
	CHECK(vm.gpr[HVX_RAX] != 0);
	group_end("emulate_in_out_and_io_needed_restart");
}

/* ------------------------------------------------------------- INVPCID */

#define CHECK_UD(r)							\
	do {								\
		CHECK_EQ((r), HVX_EMU_EXCEPTION);			\
		CHECK_EQ(vm.ctxt.exception.vector, HVX_VEC_UD);		\
	} while (0)

#define CHECK_GP0(r)							\
	do {								\
		CHECK_EQ((r), HVX_EMU_EXCEPTION);			\
		CHECK_EQ(vm.ctxt.exception.vector, HVX_VEC_GP);		\
		CHECK(vm.ctxt.exception.has_error_code);		\
		CHECK_EQ(vm.ctxt.exception.error_code, 0);		\
	} while (0)

/* invpcid rcx, [rax]; ecx, [eax] in 32-bit code */
#define INVPCID_RCX_RAX	"\x66\x0f\x38\x82\x08"

/* A 16-byte INVPCID descriptor at RAM offset @off. */
static void invpcid_desc(u64 off, u64 lo, u64 hi)
{
	memcpy(ram + off, &lo, 8);
	memcpy(ram + off + 8, &hi, 8);
}

static void test_emulate_invpcid(void)
{
	struct hvx_emu_exception *ex = &wvm.ctxt.exception;
	struct hvx_emu_ops no_invpcid = test_emu_ops;
	const u64 la = 0x00007fffdeadb000ULL;
	u64 gpr[HVX_NR_GPRS], rip;
	unsigned int t;

	group_begin();
	vm_reset(HVX_MODE_LONG64, 0);
	vm.cr[4] |= HVX_CR4_PCIDE;
	vm.ctxt.rflags |= HVX_FLAG_CF | HVX_FLAG_ZF;
	vm.gpr[HVX_RBX] = RAM_GPA + 0xff0;
	invpcid_desc(0x1000, 0x123, la);
	for (t = 0; t < 4; t++) {
		vm.gpr[HVX_R9] = t;
		memcpy(gpr, vm.gpr, sizeof(gpr));
		/* invpcid r9, [rbx+0x10]: REX.R selects r9 */
		CHECK_EQ(RUN("\x66\x44\x0f\x38\x82\x4b\x10"), HVX_EMU_OK);
		CHECK_EQ(vm.ctxt.insn.len, 7);
		CHECK_EQ(vm.invpcids, t + 1);
		CHECK_EQ(vm.invpcid_type, t);
		CHECK_EQ(vm.invpcid_pcid, 0x123);
		CHECK_EQ(vm.invpcid_la, la);
		CHECK(!memcmp(gpr, vm.gpr, sizeof(gpr)));
	}
	CHECK_EQ(vm.ctxt.rip, CODE_GPA + 4 * 7);
	CHECK_EQ(vm.ctxt.rflags, HVX_FLAG_FIXED1 | HVX_FLAG_CF | HVX_FLAG_ZF);
	vm.gpr[HVX_RAX] = RAM_GPA + 0x1000;
	vm.gpr[HVX_RCX] = 2;
	rip = vm.ctxt.rip;
	CHECK_EQ(RUN(INVPCID_RCX_RAX), HVX_EMU_OK);
	CHECK_EQ(vm.ctxt.rip, rip + 5);
	vm.gpr[HVX_RCX] = 3;			/* REX.W: no effect */
	CHECK_EQ(RUN("\x66\x48\x0f\x38\x82\x08"), HVX_EMU_OK);
	CHECK_EQ(vm.invpcid_type, 3);
	CHECK_EQ(vm.ctxt.rip, rip + 11);
	/* All 64 bits are the type in 64-bit mode: 2^32 + 1 is not 1. */
	vm.gpr[HVX_RCX] = 0x100000001ULL;
	CHECK_GP0(RUN(INVPCID_RCX_RAX));
	/* Another result of the op comes back as is, RIP unchanged. */
	vm.gpr[HVX_RCX] = 2;
	vm.invpcid_ret = HVX_EMU_UNHANDLEABLE;
	CHECK_EQ(RUN(INVPCID_RCX_RAX), HVX_EMU_UNHANDLEABLE);
	CHECK_EQ(vm.ctxt.rip, rip + 11);
	CHECK_EQ(vm.invpcids, 7);
	group_end("emulate_invpcid_types_operands_rip");

	group_begin();
	vm_reset(HVX_MODE_LONG64, 0);			/* PCIDE clear */
	vm.gpr[HVX_RAX] = RAM_GPA + 0x1000;
	vm.gpr[HVX_RCX] = 4;
	invpcid_desc(0x1000, 0, la);
	CHECK_GP0(RUN(INVPCID_RCX_RAX));
	vm.gpr[HVX_RCX] = 2;
	invpcid_desc(0x1000, 1ULL << 12, la);		/* reserved bits */
	CHECK_GP0(RUN(INVPCID_RCX_RAX));
	invpcid_desc(0x1000, 1ULL << 63, la);
	CHECK_GP0(RUN(INVPCID_RCX_RAX));
	/* Type 0 needs a canonical address, 57-bit with LA57. */
	vm.gpr[HVX_RCX] = 0;
	invpcid_desc(0x1000, 0, 0x0000800000000000ULL);
	CHECK_GP0(RUN(INVPCID_RCX_RAX));
	vm.cr[4] |= HVX_CR4_LA57;
	CHECK_EQ(RUN(INVPCID_RCX_RAX), HVX_EMU_OK);
	CHECK_EQ(vm.invpcid_la, 0x0000800000000000ULL);
	invpcid_desc(0x1000, 0, 0x0100000000000000ULL);
	CHECK_GP0(RUN(INVPCID_RCX_RAX));
	vm.gpr[HVX_RCX] = 1;			/* other types: no check */
	CHECK_EQ(RUN(INVPCID_RCX_RAX), HVX_EMU_OK);
	/* A PCID without CR4.PCIDE: #GP for types 0 and 1 only. */
	invpcid_desc(0x1000, 0x5, la);
	for (t = 0; t < 4; t++) {
		vm.gpr[HVX_RCX] = t;
		if (t < 2) {
			CHECK_GP0(RUN(INVPCID_RCX_RAX));
		} else {
			CHECK_EQ(RUN(INVPCID_RCX_RAX), HVX_EMU_OK);
			CHECK_EQ(vm.invpcid_pcid, 0x5);
		}
	}
	CHECK_EQ(vm.invpcids, 4);
	CHECK_EQ(vm.ctxt.rip, CODE_GPA + 4 * 5);
	group_end("emulate_invpcid_gp_type_reserved_canonical_pcid");

	group_begin();
	vm_reset(HVX_MODE_LONG64, 3);
	vm.gpr[HVX_RAX] = 0x5000000;	/* unmapped: a read would #PF */
	CHECK_GP0(RUN(INVPCID_RCX_RAX));
	vm_reset(HVX_MODE_LONG64, 0);
	vm.gpr[HVX_RAX] = RAM_GPA;
	CHECK_UD(RUN("\x66\x0f\x38\x82\xc1"));		/* mod = 3 */
	CHECK_UD(RUN("\x0f\x38\x82\x08"));			/* no 66 */
	CHECK_UD(RUN("\xf3\x66\x0f\x38\x82\x08"));
	CHECK_UD(RUN("\x66\xf2\x0f\x38\x82\x08"));
	CHECK_UD(RUN("\xf0\x66\x0f\x38\x82\x08"));		/* LOCK */
	no_invpcid.invpcid = NULL;
	vm.ctxt.ops = &no_invpcid;
	CHECK_UD(RUN(INVPCID_RCX_RAX));
	CHECK_EQ(vm.ctxt.rip, CODE_GPA);
	/* Virtual-8086 mode: #UD, not the #GP of CPL 3. */
	vm_reset(HVX_MODE_VM86, 3);
	vm.seg[HVX_SEG_CS].base = CODE_GPA;
	vm.ctxt.rip = 0;
	CHECK_UD(RUN(INVPCID_RCX_RAX));
	CHECK_EQ(vm.invpcids, 0);
	group_end("emulate_invpcid_ud_forms_and_cpl3_gp");

	group_begin();
	vm_reset(HVX_MODE_PROT32, 0);
	vm.seg[HVX_SEG_DS].base = RAM_GPA;
	vm.seg[HVX_SEG_DS].limit = 0x10ff;
	vm.gpr[HVX_RAX] = 0x10f0;
	vm.gpr[HVX_RCX] = 0xffffffff00000002ULL;		/* ECX = 2 */
	invpcid_desc(0x10f0, 7, 0);
	CHECK_EQ(RUN(INVPCID_RCX_RAX), HVX_EMU_OK);
	CHECK_EQ(vm.invpcid_type, 2);
	CHECK_EQ(vm.invpcid_pcid, 7);
	CHECK_EQ(vm.ctxt.rip, CODE_GPA + 5);
	vm.gpr[HVX_RAX] = 0x10f1;	/* the 16th byte is past the limit */
	CHECK_GP0(RUN(INVPCID_RCX_RAX));
	/* Real mode is CPL 0; 16-bit addressing, EAX holds the type. */
	vm_reset(HVX_MODE_REAL, 0);
	vm.seg[HVX_SEG_CS].base = CODE_GPA;
	vm.seg[HVX_SEG_DS].base = RAM_GPA;
	vm.seg[HVX_SEG_DS].limit = 0xffff;
	vm.ctxt.rip = 0;
	vm.gpr[HVX_RBX] = 0x200;
	vm.gpr[HVX_RAX] = 3;
	CHECK_EQ(RUN("\x66\x0f\x38\x82\x07"), HVX_EMU_OK);	/* [bx] */
	CHECK_EQ(vm.invpcid_type, 3);
	CHECK_EQ(vm.ctxt.rip, 5);
	vm.gpr[HVX_RBX] = 0xfff8;
	CHECK_GP0(RUN("\x66\x0f\x38\x82\x07"));
	CHECK_EQ(vm.invpcids, 1);
	group_end("emulate_invpcid_32bit_and_real_mode");

	group_begin();
	vm_reset(HVX_MODE_LONG64, 0);
	vm.gpr[HVX_RCX] = 2;
	/* Split over the end of RAM: #PF on the second page. */
	vm.gpr[HVX_RAX] = RAM_GPA + RAM_SIZE - 8;
	CHECK_EQ(RUN(INVPCID_RCX_RAX), HVX_EMU_EXCEPTION);
	CHECK_EQ(vm.ctxt.exception.vector, HVX_VEC_PF);
	CHECK_EQ(vm.ctxt.exception.error_code, 0);
	CHECK_EQ(vm.ctxt.exception.cr2, RAM_GPA + RAM_SIZE);
	/* A split within RAM reads both pages. */
	vm.gpr[HVX_RAX] = RAM_GPA + 0x1ff8;
	invpcid_desc(0x1ff8, 0xabc, la);
	CHECK_EQ(RUN(INVPCID_RCX_RAX), HVX_EMU_OK);
	CHECK_EQ(vm.invpcid_pcid, 0xabc);
	CHECK_EQ(vm.invpcid_la, la);
	/* The whole 16 bytes must be canonical; through RBP it is #SS. */
	vm.gpr[HVX_RAX] = 0x0000800000000000ULL - 8;
	CHECK_GP0(RUN(INVPCID_RCX_RAX));
	vm.gpr[HVX_RBP] = 0x0000800000000000ULL;
	CHECK_EQ(RUN("\x66\x0f\x38\x82\x4d\x00"), HVX_EMU_EXCEPTION);
	CHECK_EQ(vm.ctxt.exception.vector, HVX_VEC_SS);
	CHECK_EQ(vm.invpcids, 1);
	/* Through the walker at CPL 0: a supervisor read, exact #PF. */
	walker_reset(PG_LONG, HVX_CR4_PAE | HVX_CR4_SMAP, EFER_LONG);
	wvm.paging = true;
	wvm.cr[0] = PG_LONG;
	wvm.cr[4] = HVX_CR4_PAE | HVX_CR4_SMAP;
	map_4level(0x400000, P, 0x5000, P | RW | US);		/* code */
	pte_set(0x4000 + 8, 0x6000 | P | US, 8);		/* user data */
	wvm.gpr[HVX_RCX] = 2;
	wvm.gpr[HVX_RAX] = 0x401ff8;	/* 0x402000 is not present */
	CHECK_EQ(run_paged(0x400000, INVPCID_RCX_RAX, 5), HVX_EMU_EXCEPTION);
	CHECK_EQ(ex->vector, HVX_VEC_PF);
	CHECK_EQ(ex->error_code, HVX_PFEC_P);			/* SMAP */
	CHECK_EQ(ex->cr2, 0x401ff8);
	wvm.ctxt.rflags |= HVX_FLAG_AC;
	CHECK_EQ(run_paged(0x400000, INVPCID_RCX_RAX, 5), HVX_EMU_EXCEPTION);
	CHECK_EQ(ex->error_code, 0);
	CHECK_EQ(ex->cr2, 0x402000);
	wvm.gpr[HVX_RAX] = 0x401000;
	CHECK_EQ(run_paged(0x400000, INVPCID_RCX_RAX, 5), HVX_EMU_OK);
	CHECK_EQ(wvm.ctxt.rip, 0x400005);
	CHECK_EQ(wvm.invpcids, 1);
	group_end("emulate_invpcid_descriptor_faults_and_page_split");
}

static void test_strings(void)
{
	struct test_region *big;
	u64 rcx;
	int r, i;

	group_begin();
	vm_reset(HVX_MODE_LONG64, 0);
	/* 1 TiB window mirroring one page: a REP that never runs out. */
	big = test_vm_add_region(&vm, 0x10000000000ULL, 1ULL << 40, ram, false);
	big->mirror = 4096;
	vm.gpr[HVX_RSI] = 0x10000000000ULL;
	vm.gpr[HVX_RDI] = 0x10000000000ULL + 0x80000000ULL;
	vm.gpr[HVX_RCX] = ~0ULL;
	r = RUN("\xf3\xa4");					/* rep movsb */
	CHECK_EQ(r, HVX_EMU_YIELD);
	CHECK_EQ(vm.ctxt.rip, CODE_GPA);
	CHECK_EQ(vm.gpr[HVX_RCX], ~0ULL - 65536);
	CHECK_EQ(vm.gpr[HVX_RSI], 0x10000000000ULL + 65536);
	for (i = 0; i < 3; i++)
		CHECK_EQ(hvx_emu_execute(&vm.ctxt), HVX_EMU_YIELD);
	CHECK_EQ(vm.gpr[HVX_RCX], ~0ULL - 4 * 65536);
	vm.ctxt.rep_budget = 10;
	rcx = vm.gpr[HVX_RCX];
	CHECK_EQ(hvx_emu_execute(&vm.ctxt), HVX_EMU_YIELD);
	CHECK_EQ(vm.gpr[HVX_RCX], rcx - 10);
	vm.gpr[HVX_RCX] = 5;
	CHECK_EQ(hvx_emu_execute(&vm.ctxt), HVX_EMU_OK);
	CHECK_EQ(vm.gpr[HVX_RCX], 0);
	CHECK_EQ(vm.ctxt.rip, CODE_GPA + 2);
	/* rep stosq and rep lodsd with a huge count yield as well. */
	vm.ctxt.rep_budget = 0;
	vm.gpr[HVX_RCX] = 1ULL << 62;
	CHECK_EQ(RUN("\xf3\x48\xab"), HVX_EMU_YIELD);
	vm.gpr[HVX_RCX] = ~0ULL;
	vm.ctxt.rflags |= HVX_FLAG_DF;
	vm.gpr[HVX_RSI] = 0x10000000000ULL + 0x100000000ULL;
	CHECK_EQ(hvx_emu_fetch_decode(&vm.ctxt), HVX_EMU_OK);
	memcpy(code + 2, "\xf3\xad", 2);
	CHECK_EQ(RUN("\xf3\xad"), HVX_EMU_YIELD);
	CHECK_EQ(vm.gpr[HVX_RSI], 0x10000000000ULL + 0x100000000ULL - 4 * 65536);
	group_end("emulate_rep_huge_count_yields_and_resumes");

	group_begin();
	vm_reset(HVX_MODE_LONG64, 0);
	/* REP MOVSD from RAM to MMIO goes element by element. */
	for (i = 0; i < 64; i++)
		ram[i] = (u8)i;
	vm.gpr[HVX_RSI] = RAM_GPA;
	vm.gpr[HVX_RDI] = MMIO_GPA + 0x100;
	vm.gpr[HVX_RCX] = 16;
	CHECK_EQ(RUN("\xf3\xa5"), HVX_EMU_OK);
	CHECK_EQ(vm.mmio_writes, 16);
	CHECK(!memcmp(mmio + 0x100, ram, 64));
	/* Overlapping forward MOVSB smears like the CPU does. */
	vm.gpr[HVX_RSI] = RAM_GPA;
	vm.gpr[HVX_RDI] = RAM_GPA + 1;
	vm.gpr[HVX_RCX] = 100;
	CHECK_EQ(RUN("\xf3\xa4"), HVX_EMU_OK);
	CHECK_EQ(ram[100], 0);
	CHECK_EQ(ram[37], 0);
	/* 4 KiB between RAM pages through the bulk path. */
	for (i = 0; i < 4096; i++)
		ram[0x1000 + i] = (u8)(i * 7);
	vm.gpr[HVX_RSI] = RAM_GPA + 0x1000;
	vm.gpr[HVX_RDI] = RAM_GPA + 0x2000;
	vm.gpr[HVX_RCX] = 4096;
	CHECK_EQ(RUN("\xf3\xa4"), HVX_EMU_OK);
	CHECK(!memcmp(ram + 0x1000, ram + 0x2000, 4096));
	CHECK_EQ(vm.gpr[HVX_RSI], RAM_GPA + 0x2000);
	/* Fault mid-REP: completed iterations stay committed. */
	vm.gpr[HVX_RDI] = RAM_GPA + RAM_SIZE - 8;
	vm.gpr[HVX_RCX] = 20;
	vm.gpr[HVX_RAX] = 0x77;
	CHECK_EQ(RUN("\xf3\xaa"), HVX_EMU_EXCEPTION);		/* rep stosb */
	CHECK_EQ(vm.ctxt.exception.cr2, RAM_GPA + RAM_SIZE);
	CHECK_EQ(vm.gpr[HVX_RCX], 12);
	CHECK_EQ(vm.gpr[HVX_RDI], RAM_GPA + RAM_SIZE);
	CHECK_EQ(ram[RAM_SIZE - 1], 0x77);
	group_end("emulate_rep_movs_mmio_overlap_bulk_fault");

	group_begin();
	vm_reset(HVX_MODE_LONG64, 0);
	vm.pio_in_val = 0x04030201;
	vm.gpr[HVX_RDX] = 0x1f0;
	vm.gpr[HVX_RDI] = RAM_GPA + 0x10;
	vm.gpr[HVX_RCX] = 4;
	CHECK_EQ(RUN("\xf3\x66\x6d"), HVX_EMU_OK);		/* rep insw */
	CHECK_EQ(vm.pio_ins, 4);
	CHECK_EQ(ram[0x10], 0x01);
	CHECK_EQ(ram[0x12], 0x02);
	CHECK_EQ(vm.gpr[HVX_RDI], RAM_GPA + 0x18);
	/* A faulting INS destination must not consume port data. */
	vm.gpr[HVX_RDI] = 0x5000000;
	vm.gpr[HVX_RCX] = 1;
	CHECK_EQ(RUN("\xf3\x6c"), HVX_EMU_EXCEPTION);
	CHECK_EQ(vm.pio_ins, 4);
	vm.gpr[HVX_RSI] = RAM_GPA + 0x10;
	vm.gpr[HVX_RCX] = 2;
	vm.ctxt.rflags |= HVX_FLAG_DF;
	CHECK_EQ(RUN("\xf3\x6e"), HVX_EMU_OK);			/* rep outsb */
	CHECK_EQ(vm.pio_outs, 2);
	CHECK_EQ(vm.gpr[HVX_RSI], RAM_GPA + 0xe);
	/* 16-bit addressing: SI wraps, CX counts. */
	vm_reset(HVX_MODE_REAL, 0);
	vm.seg[HVX_SEG_CS].base = CODE_GPA;
	vm.seg[HVX_SEG_DS].base = RAM_GPA;
	vm.seg[HVX_SEG_DS].limit = 0xffff;
	vm.seg[HVX_SEG_ES].base = RAM_GPA;
	vm.seg[HVX_SEG_ES].limit = 0xffff;
	vm.ctxt.rip = 0;
	vm.gpr[HVX_RSI] = 0xfffe;
	vm.gpr[HVX_RDI] = 0x100;
	vm.gpr[HVX_RCX] = 0xffff0004;
	CHECK_EQ(RUN("\xf3\xa4"), HVX_EMU_OK);
	CHECK_EQ(vm.gpr[HVX_RSI], 0x2);
	CHECK_EQ(vm.gpr[HVX_RCX], 0xffff0000);
	group_end("emulate_ins_outs_and_16bit_string_wrap");
}

int main(void)
{
	phys = calloc(1, PHYS_SIZE);
	if (!phys) {
		ktap_result(0, "unit_alloc");
		return 1;
	}
	test_walker_4level();
	test_walker_permissions();
	test_walker_legacy_modes();
	test_walker_race();
	test_emulate_paged();
	test_mmio_and_moves();
	test_faults();
	test_system_instructions();
	test_emulate_invpcid();
	test_strings();
	free(phys);
	return ktap_failures ? 1 : 0;
}
