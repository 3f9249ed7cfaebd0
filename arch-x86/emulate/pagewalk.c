// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest page-table walker: linear -> guest physical in every paging mode
 * (off, 32-bit with PSE/PSE-36, PAE, 4-level, 5-level), with the U/S, R/W,
 * NX, SMEP, SMAP and protection-key checks of SDM Vol. 3 4.6, the exact
 * #PF error code, and accessed/dirty updates done atomically through
 * cmpxchg_pte so that a racing guest CPU is never overwritten.
 *
 * Deliberately iterative with a fixed five-entry trail: no recursion and a
 * small stack frame, as the kernel requires.
 */
#include "emulate.h"

#define PTE_P		HVX_EMU_BIT(0)
#define PTE_RW		HVX_EMU_BIT(1)
#define PTE_US		HVX_EMU_BIT(2)
#define PTE_A		HVX_EMU_BIT(5)
#define PTE_D		HVX_EMU_BIT(6)
#define PTE_PS		HVX_EMU_BIT(7)
#define PTE_NX		HVX_EMU_BIT(63)
#define PTE_PKEY_SHIFT	59
#define PTE_PKEY_MASK	0xfULL

#define WALK_MAX_LEVELS	5
/* A/D updates that lose a race restart the walk; give up after this. */
#define WALK_MAX_RETRIES 8

enum paging_kind { PAGING_32, PAGING_PAE, PAGING_4LEVEL, PAGING_5LEVEL };

struct walk {
	enum paging_kind kind;
	unsigned int levels;
	unsigned int entry_size;
	u64 phys_rsvd;		/* reserved address bits in PAE/IA-32e entries */
	bool nxe;
	unsigned int n;		/* entries used so far */
	u64 entry_gpa[WALK_MAX_LEVELS];
	u64 entry[WALK_MAX_LEVELS];
	bool has_ad[WALK_MAX_LEVELS];
	bool rw, us, nx;
	bool up_rw, up_us, up_nx;	/* rw, us, nx before the current entry */
	u64 gpa, page_size, leaf;
};

static u64 phys_addr_mask(const struct hvx_paging_state *ps)
{
	unsigned int m = ps->maxphyaddr ? ps->maxphyaddr : 52;

	if (m > 52)
		m = 52;
	return HVX_EMU_GENMASK(m - 1, 12);
}

static void walk_init(struct walk *w, const struct hvx_paging_state *ps)
{
	unsigned int m = ps->maxphyaddr ? ps->maxphyaddr : 52;

	memset(w, 0, sizeof(*w));
	if (m > 52)
		m = 52;
	w->nxe = ps->efer & HVX_EFER_NXE;
	w->rw = w->us = true;
	if (!(ps->cr4 & HVX_CR4_PAE)) {
		w->kind = PAGING_32;
		w->levels = 2;
		w->entry_size = 4;
		return;
	}
	w->entry_size = 8;
	if (!(ps->efer & HVX_EFER_LMA)) {
		w->kind = PAGING_PAE;
		w->levels = 3;
		/* PAE entries reserve everything from MAXPHYADDR to bit 62. */
		w->phys_rsvd = HVX_EMU_GENMASK(62, m);
	} else {
		w->kind = (ps->cr4 & HVX_CR4_LA57) ? PAGING_5LEVEL :
						     PAGING_4LEVEL;
		w->levels = w->kind == PAGING_5LEVEL ? 5 : 4;
		w->phys_rsvd = m < 52 ? HVX_EMU_GENMASK(51, m) : 0;
	}
	if (!w->nxe)
		w->phys_rsvd |= PTE_NX;
}

static u32 pfec_base(const struct walk *w, const struct hvx_paging_state *ps,
		     u32 access)
{
	u32 ec = 0;
	bool user = (access & HVX_ACC_USER) && !(access & HVX_ACC_IMPLICIT);

	if (access & HVX_ACC_WRITE)
		ec |= HVX_PFEC_W;
	if (user)
		ec |= HVX_PFEC_U;
	/* I/D is reported only where NX or SMEP make fetches distinct. */
	if ((access & HVX_ACC_FETCH) &&
	    ((ps->cr4 & HVX_CR4_SMEP) || (w->kind != PAGING_32 && w->nxe)))
		ec |= HVX_PFEC_I;
	return ec;
}

static int walk_fault(struct hvx_emu_exception *fault, u64 la, u32 ec)
{
	fault->vector = HVX_VEC_PF;
	fault->has_error_code = true;
	fault->error_code = ec;
	fault->cr2 = la;
	return HVX_EMU_EXCEPTION;
}

/* Reserved bits of a present entry at @level (1 = PTE) for 64-bit formats. */
static u64 rsvd_bits_64(const struct walk *w, unsigned int level, u64 e)
{
	u64 rsvd = w->phys_rsvd;

	if (w->kind == PAGING_PAE && level == 3)	/* PDPTE */
		return rsvd | PTE_NX | HVX_EMU_GENMASK(2, 1) |
		       HVX_EMU_GENMASK(8, 5);
	if (level >= 4)
		return rsvd | PTE_PS;
	if (!(e & PTE_PS) || level == 1)
		return rsvd;
	if (level == 3)
		return rsvd | HVX_EMU_GENMASK(29, 13);	/* 1G page */
	return rsvd | HVX_EMU_GENMASK(20, 13);		/* 2M page */
}

/* 4M PSE page: bits 20:13 hold physical bits 39:32 (PSE-36); 21 reserved. */
static bool pse_pde_rsvd(const struct hvx_paging_state *ps, u64 pde)
{
	unsigned int m = ps->maxphyaddr ? ps->maxphyaddr : 52;
	unsigned int hi = m > 40 ? 40 : m;

	if (pde & HVX_EMU_BIT(21))
		return true;
	if (hi < 40)
		return pde & HVX_EMU_GENMASK(20, 13 + hi - 32);
	return false;
}

/* Walk the tables; permission checks and A/D come afterwards. */
static int walk_tables(const struct hvx_walk_ops *ops, void *opaque,
		       const struct hvx_paging_state *ps, struct walk *w,
		       u64 la, u32 access, struct hvx_emu_exception *fault)
{
	u64 table = ps->cr3, addr_mask = phys_addr_mask(ps), e;
	unsigned int level, shift, idx_bits;
	int r;

	if (w->kind == PAGING_32) {
		table &= 0xfffff000ULL;
		la &= 0xffffffffULL;
	} else if (w->kind == PAGING_PAE) {
		table &= 0xffffffe0ULL;
		la &= 0xffffffffULL;
	} else {
		table &= addr_mask;
	}

	for (level = w->levels; level >= 1; level--) {
		if (w->kind == PAGING_32) {
			shift = level == 2 ? 22 : 12;
			idx_bits = 10;
		} else {
			shift = 12 + 9 * (level - 1);
			idx_bits = (w->kind == PAGING_PAE && level == 3) ? 2 : 9;
		}
		w->entry_gpa[w->n] = table +
			((la >> shift) & ((1ULL << idx_bits) - 1)) * w->entry_size;
		if (w->kind == PAGING_PAE && level == 3 && ps->pdptrs) {
			e = ps->pdptrs[(la >> 30) & 3];
		} else {
			r = ops->read_pte(opaque, w->entry_gpa[w->n], &e,
					  w->entry_size);
			if (r)
				return r;
		}
		if (w->entry_size == 4)
			e &= 0xffffffffULL;
		w->entry[w->n] = e;
		w->has_ad[w->n] = !(w->kind == PAGING_PAE && level == 3);
		w->n++;

		if (!(e & PTE_P))
			return walk_fault(fault, la, pfec_base(w, ps, access));
		if (w->kind == PAGING_32) {
			if (level == 2 && (e & PTE_PS) &&
			    (ps->cr4 & HVX_CR4_PSE) && pse_pde_rsvd(ps, e))
				goto rsvd;
		} else if (e & rsvd_bits_64(w, level, e)) {
			goto rsvd;
		}

		w->up_rw = w->rw;
		w->up_us = w->us;
		w->up_nx = w->nx;
		if (w->has_ad[w->n - 1]) {
			w->rw &= !!(e & PTE_RW);
			w->us &= !!(e & PTE_US);
		}
		if (w->nxe && w->kind != PAGING_32 && (e & PTE_NX))
			w->nx = true;

		/* Leaf: a PTE, or a large page in a PDE / PDPTE. */
		if (level == 1) {
			w->page_size = 4096;
			w->gpa = (e & addr_mask) | (la & 0xfff);
			break;
		}
		if ((e & PTE_PS) && w->kind == PAGING_32 &&
		    (ps->cr4 & HVX_CR4_PSE)) {
			w->page_size = 4ULL << 20;
			w->gpa = (e & 0xffc00000ULL) |
				 (((e >> 13) & 0xffULL) << 32) |
				 (la & 0x3fffffULL);
			break;
		}
		if ((e & PTE_PS) && w->kind != PAGING_32 &&
		    (level == 2 || level == 3) &&
		    !(w->kind == PAGING_PAE && level == 3)) {
			w->page_size = 1ULL << shift;
			w->gpa = (e & addr_mask & ~(w->page_size - 1)) |
				 (la & (w->page_size - 1));
			break;
		}
		table = w->kind == PAGING_32 ? (e & 0xfffff000ULL) :
					       (e & addr_mask);
	}
	w->leaf = w->entry[w->n - 1];
	return HVX_EMU_OK;

rsvd:
	return walk_fault(fault, la, pfec_base(w, ps, access) | HVX_PFEC_P |
				     HVX_PFEC_RSVD);
}

/* SDM Vol. 3 4.6: returns the #PF error-code bits beyond P, or 0. */
static u32 walk_permission(const struct walk *w,
			   const struct hvx_paging_state *ps, u32 access)
{
	bool write = access & HVX_ACC_WRITE, fetch = access & HVX_ACC_FETCH;
	bool user = (access & HVX_ACC_USER) && !(access & HVX_ACC_IMPLICIT);
	bool wp = ps->cr0 & HVX_CR0_WP;
	bool fault = false;
	u32 pk = 0;

	if (user) {
		fault |= !w->us;
		fault |= write && !w->rw;
	} else {
		fault |= write && !w->rw && wp;
		if (w->us && fetch && (ps->cr4 & HVX_CR4_SMEP))
			fault = true;
		if (w->us && !fetch && (ps->cr4 & HVX_CR4_SMAP) &&
		    ((access & HVX_ACC_IMPLICIT) || !(ps->rflags & HVX_FLAG_AC)))
			fault = true;
	}
	fault |= fetch && w->nx;

	/* Protection keys: data accesses to user pages, IA-32e paging only. */
	if ((ps->cr4 & HVX_CR4_PKE) && w->us && !fetch &&
	    (w->kind == PAGING_4LEVEL || w->kind == PAGING_5LEVEL)) {
		unsigned int key = (w->leaf >> PTE_PKEY_SHIFT) & PTE_PKEY_MASK;
		bool ad = (ps->pkru >> (2 * key)) & 1;
		bool wd = (ps->pkru >> (2 * key + 1)) & 1;

		if (ad || (write && wd && (user || wp)))
			pk = HVX_PFEC_PK;
	}
	if (!fault && !pk)
		return 0;
	return HVX_PFEC_P | pk;
}

/* Set A on every entry used and D on the leaf for writes. */
static int walk_set_ad(const struct hvx_walk_ops *ops, void *opaque,
		       struct walk *w, bool write)
{
	unsigned int i;
	int r;

	for (i = 0; i < w->n; i++) {
		u64 old = w->entry[i], new = old | PTE_A;

		if (!w->has_ad[i])
			continue;
		if (i == w->n - 1 && write)
			new |= PTE_D;
		if (new == old)
			continue;
		r = ops->cmpxchg_pte(opaque, w->entry_gpa[i], old, new,
				     w->entry_size);
		if (r)
			return r;
		w->entry[i] = new;
	}
	return HVX_EMU_OK;
}

int hvx_pagewalk(const struct hvx_walk_ops *ops, void *opaque,
		 const struct hvx_paging_state *ps, u64 la, u32 access,
		 struct hvx_walk_result *res, struct hvx_emu_exception *fault)
{
	struct walk w;
	unsigned int tries;
	u32 ec;
	int r;

	if (!(ps->cr0 & HVX_CR0_PG)) {
		res->gpa = la & 0xffffffffULL;
		res->page_size = 0;
		res->writable = res->user = true;
		res->nx = false;
		res->dirty = true;
		res->upper_writable = res->upper_user = true;
		res->upper_nx = false;
		res->nr_entries = 0;
		return HVX_EMU_OK;
	}

	for (tries = 0; tries < WALK_MAX_RETRIES; tries++) {
		walk_init(&w, ps);
		r = walk_tables(ops, opaque, ps, &w, la, access, fault);
		if (r)
			return r;
		ec = walk_permission(&w, ps, access);
		if (ec)
			return walk_fault(fault, w.kind == PAGING_32 ||
					  w.kind == PAGING_PAE ?
					  la & 0xffffffffULL : la,
					  ec | pfec_base(&w, ps, access));
		r = walk_set_ad(ops, opaque, &w, access & HVX_ACC_WRITE);
		if (r == HVX_EMU_RETRY)
			continue;
		if (r)
			return r;
		res->gpa = w.gpa;
		res->page_size = w.page_size;
		res->writable = w.rw;
		res->user = w.us;
		res->nx = w.nx;
		res->dirty = w.entry[w.n - 1] & PTE_D;	/* after walk_set_ad */
		res->upper_writable = w.up_rw;
		res->upper_user = w.up_us;
		res->upper_nx = w.up_nx;
		memcpy(res->entry_gpa, w.entry_gpa, sizeof(res->entry_gpa));
		res->nr_entries = w.n;
		return HVX_EMU_OK;
	}
	return HVX_EMU_RETRY;
}
