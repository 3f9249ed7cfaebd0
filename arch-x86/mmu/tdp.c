// SPDX-License-Identifier: GPL-2.0-only
/*
 * The nested page tables (AMD NPT, Intel EPT): their two entry formats, the
 * on-demand fault path that maps the VMM's pages into them, and the range
 * walks (zap, age) that the memslot code and the MMU notifier use.
 *
 * Coherence with the VMM's mm follows KVM: no guest page stays pinned. A
 * fault reads vm->mmu_seq, looks the page up with GUP outside any lock,
 * takes mmu_lock, and installs the mapping only if no invalidation touched
 * it meanwhile; then it drops the page reference. The MMU notifier
 * (tdp_notifier.c) zaps under mmu_lock before the host changes a page.
 *
 * Table pages are never freed before hvx_tdp_destroy(): only leaves come
 * and go. That keeps the walks simple (an entry that points to a table
 * does so until the VM dies), lets the fault path count the tables it will
 * need without the lock, and costs at most the tables of the guest's
 * largest footprint. The price: a 2 MiB region once mapped with 4 KiB
 * pages stays on 4 KiB pages.
 */
#include <linux/bitops.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/slab.h>
#include "hvx_core.h"
#include "tdp.h"
#include "shadow.h"

/* AMD64 long-mode page-table entry bits (APM vol. 2, 5.4), as NPT uses them. */
#define HVX_NPT_P		BIT_ULL(0)
#define HVX_NPT_RW		BIT_ULL(1)
#define HVX_NPT_US		BIT_ULL(2)	/* NPT walks count as user accesses */
#define HVX_NPT_A		BIT_ULL(5)
#define HVX_NPT_D		BIT_ULL(6)
#define HVX_NPT_PS		BIT_ULL(7)
#define HVX_NPT_AVL_HOST_W	BIT_ULL(11)	/* available to software: host_writable_bit */

/* EPT entry bits (Intel SDM vol. 3C, 29.3.2). */
#define HVX_EPT_R		BIT_ULL(0)
#define HVX_EPT_W		BIT_ULL(1)
#define HVX_EPT_X		BIT_ULL(2)
#define HVX_EPT_MT_SHIFT	3		/* leaf memory type, bits 5:3 */
#define HVX_EPT_MT_WB		(6ULL << HVX_EPT_MT_SHIFT)
#define HVX_EPT_LARGE		BIT_ULL(7)
#define HVX_EPT_A		BIT_ULL(8)	/* only with EPTP A/D enabled */
#define HVX_EPT_D		BIT_ULL(9)
#define HVX_EPT_IGN_HOST_W	BIT_ULL(11)	/* ignored by the CPU: host_writable_bit */

/* Both formats: physical address of the table or page, bits 51:12. */
#define HVX_TDP_ADDR_MASK	GENMASK_ULL(51, 12)

#define HVX_TDP_ENTRIES		512
#define HVX_TDP_LEVEL_BITS	9
#define HVX_TDP_PAGES_2M	(1ULL << HVX_TDP_LEVEL_BITS)	/* 4 KiB frames */

/* Levels, counted as the SDM/APM do: 1 maps 4 KiB, 2 maps 2 MiB. */
#define HVX_TDP_LEVEL_4K	1
#define HVX_TDP_LEVEL_2M	2

/*
 * NX is never set: the guest's own page tables decide what it may execute,
 * and the VMM's mapping of its memory has nothing to say about that.
 */
const struct hvx_tdp_format hvx_npt_format = {
	.name		= "NPT",
	.table_bits	= HVX_NPT_P | HVX_NPT_RW | HVX_NPT_US,
	.leaf_bits	= HVX_NPT_P | HVX_NPT_US,
	.writable_bit	= HVX_NPT_RW,
	.large_bit	= HVX_NPT_PS,
	.present_mask	= HVX_NPT_P,
	.dirty_bit	= HVX_NPT_D,
	.accessed_bit	= HVX_NPT_A,
	.host_writable_bit = HVX_NPT_AVL_HOST_W,
};

/* Guest RAM is write-back; ignore-PAT stays 0 so the guest's PAT applies. */
struct hvx_tdp_format hvx_ept_format = {
	.name		= "EPT",
	.table_bits	= HVX_EPT_R | HVX_EPT_W | HVX_EPT_X,
	.leaf_bits	= HVX_EPT_R | HVX_EPT_X | HVX_EPT_MT_WB,
	.writable_bit	= HVX_EPT_W,
	.large_bit	= HVX_EPT_LARGE,
	.present_mask	= HVX_EPT_R | HVX_EPT_W | HVX_EPT_X,
	.dirty_bit	= HVX_EPT_D,
	.accessed_bit	= HVX_EPT_A,
	.host_writable_bit = HVX_EPT_IGN_HOST_W,
};

struct hvx_tdp {
	struct hvx_vm *vm;
	const struct hvx_tdp_format *fmt;
	u64 *root;			/* top-level table, lives as long as the VM */
	struct hvx_tdp_stats stats;	/* mmu_lock */
};

/* One fault's state, carried from the unlocked half to the locked half. */
struct hvx_tdp_fault {
	u64 gfn;
	bool write;
	struct hvx_memslot slot;	/* copy; mmu_seq says if it went stale */
	unsigned long hva;
	unsigned long mmu_seq;
	struct page *page;		/* GUP reference, dropped before return */
	bool writable;			/* the host gave the page writable */
	int level;
	/* Zeroed table pages allocated before taking mmu_lock. */
	u64 *cache[HVX_TDP_LEVELS - 1];
	int nr_cache;
};

/* --- entries --------------------------------------------------------- */

static unsigned int hvx_tdp_index(u64 gfn, int level)
{
	return (gfn >> ((level - 1) * HVX_TDP_LEVEL_BITS)) & (HVX_TDP_ENTRIES - 1);
}

/* Guest frames one entry at @level covers. */
static u64 hvx_tdp_entry_pages(int level)
{
	return 1ULL << ((level - 1) * HVX_TDP_LEVEL_BITS);
}

static bool hvx_tdp_present(const struct hvx_tdp *tdp, u64 e)
{
	return e & tdp->fmt->present_mask;
}

/* Leaves exist at level 1 (4 KiB) and 2 (2 MiB); 1 GiB is never used. */
static bool hvx_tdp_is_leaf(const struct hvx_tdp *tdp, u64 e, int level)
{
	return level == HVX_TDP_LEVEL_4K ||
	       (level == HVX_TDP_LEVEL_2M && (e & tdp->fmt->large_bit));
}

static bool hvx_tdp_is_table(const struct hvx_tdp *tdp, u64 e, int level)
{
	return hvx_tdp_present(tdp, e) && !hvx_tdp_is_leaf(tdp, e, level);
}

static u64 *hvx_tdp_child(u64 e)
{
	return __va(e & HVX_TDP_ADDR_MASK);
}

/*
 * @host_writable: the host gave the page writable; @writable: the leaf
 * allows writes now (only with @host_writable; dirty logging may withhold
 * it until the first write).
 */
static u64 hvx_tdp_make_leaf(const struct hvx_tdp_format *fmt, u64 pfn,
			     int level, bool host_writable, bool writable)
{
	/*
	 * Accessed (and dirty, when writable) are set up front, as KVM does:
	 * it spares the hardware a locked update, and a writable leaf counts
	 * as dirty anyway when it is zapped.
	 */
	u64 e = (pfn << PAGE_SHIFT) | fmt->leaf_bits | fmt->accessed_bit;

	if (level == HVX_TDP_LEVEL_2M)
		e |= fmt->large_bit;
	if (host_writable)
		e |= fmt->host_writable_bit;
	if (writable)
		e |= fmt->writable_bit | fmt->dirty_bit;
	return e;
}

/*
 * The guest may have written the page through a writable leaf without the
 * host PTE ever becoming dirty, so tell the host before the leaf goes.
 * SetPageDirty (not folio_mark_dirty) as KVM does on both kernels: it is
 * safe in atomic context and under any lock, and it marks the whole folio
 * (PF_HEAD). Reserved pages (the zero page, some driver pages) are never
 * written back, so leave them alone.
 */
static void hvx_tdp_mark_dirty(u64 pfn)
{
	struct page *page;

	if (!pfn_valid(pfn))
		return;
	page = pfn_to_page(pfn);
	if (PageCompound(page) || !PageReserved(page))
		SetPageDirty(page);
}

/* Book-keeping for a leaf that was just removed or replaced. */
static void hvx_tdp_leaf_gone(struct hvx_tdp *tdp, u64 old, int level)
{
	if (old & tdp->fmt->writable_bit)
		hvx_tdp_mark_dirty((old & HVX_TDP_ADDR_MASK) >> PAGE_SHIFT);
	if (level == HVX_TDP_LEVEL_2M)
		tdp->stats.mapped_2m--;
	else
		tdp->stats.mapped_4k--;
}

static void hvx_tdp_leaf_added(struct hvx_tdp *tdp, int level)
{
	if (level == HVX_TDP_LEVEL_2M)
		tdp->stats.mapped_2m++;
	else
		tdp->stats.mapped_4k++;
}

/* --- range walks (mmu_lock held) ------------------------------------- */

typedef bool (*hvx_tdp_leaf_fn)(struct hvx_tdp *tdp, u64 *ep, int level);

/*
 * Call @fn on every present leaf of @table (at @level, first frame
 * @table_gfn) that overlaps [start, end). A 2 MiB leaf only partly inside
 * the range is handled whole. Returns the OR of @fn's results.
 */
static bool hvx_tdp_walk_range(struct hvx_tdp *tdp, u64 *table, int level,
			       u64 table_gfn, u64 start, u64 end,
			       hvx_tdp_leaf_fn fn)
{
	u64 span = hvx_tdp_entry_pages(level);
	u64 first = max(start, table_gfn);
	u64 last = min(end, table_gfn + span * HVX_TDP_ENTRIES) - 1;
	unsigned int i = (first - table_gfn) / span;
	unsigned int n = (last - table_gfn) / span;
	bool ret = false;

	for (; i <= n; i++) {
		u64 e = READ_ONCE(table[i]);

		if (!hvx_tdp_present(tdp, e))
			continue;
		if (hvx_tdp_is_leaf(tdp, e, level))
			ret |= fn(tdp, &table[i], level);
		else
			ret |= hvx_tdp_walk_range(tdp, hvx_tdp_child(e),
						  level - 1,
						  table_gfn + i * span,
						  start, end, fn);
	}
	return ret;
}

static bool hvx_tdp_walk_gfns(struct hvx_vm *vm, u64 start, u64 end,
			      hvx_tdp_leaf_fn fn)
{
	struct hvx_tdp *tdp = vm->tdp;

	lockdep_assert_held(&vm->mmu_lock);
	end = min(end, HVX_TDP_GFN_LIMIT);
	if (start >= end)
		return false;
	return hvx_tdp_walk_range(tdp, tdp->root, HVX_TDP_LEVELS, 0,
				  start, end, fn);
}

static bool hvx_tdp_zap_leaf(struct hvx_tdp *tdp, u64 *ep, int level)
{
	/* xchg: the hardware may be setting A/D in the same entry. */
	hvx_tdp_leaf_gone(tdp, xchg(ep, 0), level);
	return true;
}

static bool hvx_tdp_test_young_leaf(struct hvx_tdp *tdp, u64 *ep, int level)
{
	return READ_ONCE(*ep) & tdp->fmt->accessed_bit;
}

static bool hvx_tdp_clear_young_leaf(struct hvx_tdp *tdp, u64 *ep, int level)
{
	/* Atomic, so a dirty bit the hardware sets meanwhile is not lost. */
	return test_and_clear_bit(__ffs64(tdp->fmt->accessed_bit),
				  (unsigned long *)ep);
}

bool hvx_tdp_zap_gfn_range(struct hvx_vm *vm, u64 start_gfn, u64 end_gfn)
{
	bool zapped = hvx_tdp_walk_gfns(vm, start_gfn, end_gfn, hvx_tdp_zap_leaf);

	/*
	 * Shadow leaves are only ever made from present leaves of these
	 * tables, so if none went, no shadow leaf can point into the range.
	 */
	if (zapped && hvx_shadow_enabled())
		hvx_shadow_zap_all(vm);
	return zapped;
}

/* The leaf entry that maps @gfn now and its level, or NULL. */
static u64 *hvx_tdp_find_leaf(struct hvx_tdp *tdp, u64 gfn, int *level)
{
	u64 *table = tdp->root, *ep, e;
	int l;

	if (gfn >= HVX_TDP_GFN_LIMIT)
		return NULL;
	for (l = HVX_TDP_LEVELS; ; l--) {
		ep = &table[hvx_tdp_index(gfn, l)];
		e = READ_ONCE(*ep);
		if (!hvx_tdp_present(tdp, e))
			return NULL;
		if (hvx_tdp_is_leaf(tdp, e, l))
			break;
		table = hvx_tdp_child(e);
	}
	*level = l;
	return ep;
}

/* The bytes the mapping of @gfn covers now: 2 MiB or 4 KiB (also when none does). */
u64 hvx_tdp_mapping_size(struct hvx_vm *vm, u64 gfn)
{
	u64 size = PAGE_SIZE;
	int level;

	spin_lock(&vm->mmu_lock);
	if (hvx_tdp_find_leaf(vm->tdp, gfn, &level))
		size = hvx_tdp_entry_pages(level) << PAGE_SHIFT;
	spin_unlock(&vm->mmu_lock);
	return size;
}

bool hvx_tdp_lookup(struct hvx_vm *vm, u64 gfn, u64 *pfn, bool *writable)
{
	struct hvx_tdp *tdp = vm->tdp;
	int level;
	u64 *ep, e;

	lockdep_assert_held(&vm->mmu_lock);
	ep = hvx_tdp_find_leaf(tdp, gfn, &level);
	if (!ep)
		return false;
	e = READ_ONCE(*ep);
	*pfn = ((e & HVX_TDP_ADDR_MASK) >> PAGE_SHIFT) +
	       (gfn & (hvx_tdp_entry_pages(level) - 1));
	*writable = e & tdp->fmt->writable_bit;
	return true;
}

bool hvx_tdp_age_gfn_range(struct hvx_vm *vm, u64 start_gfn, u64 end_gfn,
			   bool clear)
{
	/*
	 * No accessed bit (or none the CPU sets: under shadow paging it never
	 * walks these tables): call every page young rather than evict blindly.
	 */
	if (!vm->tdp->fmt->accessed_bit || hvx_shadow_enabled())
		return true;
	return hvx_tdp_walk_gfns(vm, start_gfn, end_gfn,
				 clear ? hvx_tdp_clear_young_leaf :
					 hvx_tdp_test_young_leaf);
}

/* --- dirty logging (mmu_lock held) ------------------------------------ */

/*
 * Take write access from a 4 KiB leaf; true if it had it. Under shadow
 * paging the shadow leaves made from it lose it too: a writable shadow
 * leaf is only ever made from a writable leaf here.
 */
static bool hvx_tdp_write_protect_leaf(struct hvx_tdp *tdp, u64 *ep, int level)
{
	unsigned int w = __ffs64(tdp->fmt->writable_bit);
	u64 e = READ_ONCE(*ep);

	if (level != HVX_TDP_LEVEL_4K || !(e & tdp->fmt->writable_bit))
		return false;
	/* Atomic: the hardware may be setting A or D in the same entry. */
	clear_bit(w, (unsigned long *)ep);
	if (hvx_shadow_enabled())
		hvx_shadow_write_protect_pfn(tdp->vm, (e & HVX_TDP_ADDR_MASK) >> PAGE_SHIFT);
	return true;
}

static bool hvx_tdp_zap_huge_leaf(struct hvx_tdp *tdp, u64 *ep, int level)
{
	if (level == HVX_TDP_LEVEL_4K)
		return false;
	return hvx_tdp_zap_leaf(tdp, ep, level);
}

/*
 * Zap the 2 MiB leaves over [start, end): dirty logging counts 4 KiB
 * pages, and the next faults there map 4 KiB (KVM splits them instead).
 */
static bool hvx_tdp_zap_huge(struct hvx_vm *vm, u64 start, u64 end)
{
	if (!hvx_tdp_walk_gfns(vm, start, end, hvx_tdp_zap_huge_leaf))
		return false;
	if (hvx_shadow_enabled())
		hvx_shadow_zap_all(vm);
	return true;
}

bool hvx_tdp_slot_start_dirty_log(struct hvx_vm *vm, const struct hvx_memslot *slot,
				  bool write_protect)
{
	u64 end = slot->base_gfn + slot->npages;
	bool flush = hvx_tdp_zap_huge(vm, slot->base_gfn, end);

	if (write_protect)
		flush |= hvx_tdp_walk_gfns(vm, slot->base_gfn, end,
					   hvx_tdp_write_protect_leaf);
	return flush;
}

bool hvx_tdp_write_protect_masked(struct hvx_vm *vm, const struct hvx_memslot *slot,
				  u64 offset, unsigned long mask)
{
	struct hvx_tdp *tdp = vm->tdp;
	bool flush = false;
	unsigned int bit;

	lockdep_assert_held(&vm->mmu_lock);
	for_each_set_bit(bit, &mask, BITS_PER_LONG) {
		u64 gfn = slot->base_gfn + offset + bit;
		int level;
		u64 *ep = hvx_tdp_find_leaf(tdp, gfn, &level);

		if (!ep)
			continue;
		/* Never in a logged slot; if one were there, it goes whole. */
		if (level != HVX_TDP_LEVEL_4K)
			flush |= hvx_tdp_zap_huge(vm, gfn, gfn + 1);
		else
			flush |= hvx_tdp_write_protect_leaf(tdp, ep, level);
	}
	return flush;
}

/* --- the fault path: host page --------------------------------------- */

/* GUP's errors, narrowed to what hvx_tdp_fault() documents. */
static int hvx_tdp_gup_errno(long r)
{
	if (r == -EHWPOISON || r == -EINTR || r == -ENOMEM)
		return r;
	return -EFAULT;
}

/*
 * Find the VMM's page behind f->hva, writable when the slot allows it and
 * the host agrees, as KVM's hva_to_pfn() does: try the lockless fast path
 * for a writable page first, even on a read fault, so that a read followed
 * by a write costs one exit; else fault the page in (may sleep) for the
 * access the guest made, and on a read try once more to get it writable.
 */
static int hvx_tdp_get_host_page(struct hvx_tdp_fault *f)
{
	bool may_write = !(f->slot.flags & KVM_MEM_READONLY);
	struct page *wpage;
	long r;

	if (may_write && get_user_page_fast_only(f->hva, FOLL_WRITE, &f->page)) {
		f->writable = true;
		return 0;
	}

	r = get_user_pages_unlocked(f->hva, 1, &f->page,
				    FOLL_HWPOISON | (f->write ? FOLL_WRITE : 0));
	if (r != 1)
		return hvx_tdp_gup_errno(r);
	f->writable = f->write;

	if (!f->write && may_write &&
	    get_user_page_fast_only(f->hva, FOLL_WRITE, &wpage)) {
		put_page(f->page);
		f->page = wpage;
		f->writable = true;
	}
	return 0;
}

/*
 * Does the VMM's own page table map @hva with a huge page (2 MiB, or 1 GiB
 * which contains an aligned 2 MiB)? Lockless, as KVM's
 * host_pfn_mapping_level(): interrupts off keep the page-table pages from
 * being freed under us (x86 frees them after an IPI or RCU grace period),
 * READ_ONCE takes each level once. The caller holds mmu_lock and has
 * checked mmu_seq, so a change from here on is reported by an
 * invalidation that will zap what we install.
 */
static bool hvx_tdp_host_maps_huge(struct mm_struct *mm, unsigned long hva)
{
	unsigned long flags;
	bool huge = false;
	pgd_t pgd;
	p4d_t p4d;
	pud_t pud;
	pmd_t pmd;

	local_irq_save(flags);
	pgd = READ_ONCE(*pgd_offset(mm, hva));
	if (pgd_none(pgd))
		goto out;
	p4d = READ_ONCE(*p4d_offset(&pgd, hva));
	if (p4d_none(p4d) || !p4d_present(p4d))
		goto out;
	pud = READ_ONCE(*pud_offset(&p4d, hva));
	if (pud_none(pud) || !pud_present(pud))
		goto out;
	if (pud_leaf(pud)) {
		huge = true;
		goto out;
	}
	pmd = READ_ONCE(*pmd_offset(&pud, hva));
	if (pmd_none(pmd) || !pmd_present(pmd))
		goto out;
	huge = pmd_leaf(pmd);
out:
	local_irq_restore(flags);
	return huge;
}

/* --- the fault path: tables ------------------------------------------ */

/*
 * How many table pages a 4 KiB mapping of @gfn would need now. Lockless:
 * safe because a table, once linked, stays linked until destroy, so the
 * count can only shrink by the time mmu_lock is taken.
 */
static int hvx_tdp_tables_needed(struct hvx_tdp *tdp, u64 gfn)
{
	u64 *table = tdp->root;
	int level;

	for (level = HVX_TDP_LEVELS; level > HVX_TDP_LEVEL_4K; level--) {
		u64 e = READ_ONCE(table[hvx_tdp_index(gfn, level)]);

		if (!hvx_tdp_is_table(tdp, e, level))
			return level - 1;
		table = hvx_tdp_child(e);
	}
	return 0;
}

/*
 * A fault's stock of zeroed table pages, allocated before the mmu_lock is
 * taken (nested and shadow tables alike): fill @cache up to @need pages,
 * or give back what is left.
 */
int hvx_table_cache_topup(u64 **cache, int *nr, int need)
{
	while (*nr < need) {
		u64 *table = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

		if (!table)
			return -ENOMEM;
		cache[(*nr)++] = table;
	}
	return 0;
}

void hvx_table_cache_free(u64 **cache, int *nr)
{
	while (*nr)
		free_page((unsigned long)cache[--(*nr)]);
}

static int hvx_tdp_topup_cache(struct hvx_tdp *tdp, struct hvx_tdp_fault *f)
{
	return hvx_table_cache_topup(f->cache, &f->nr_cache,
				     hvx_tdp_tables_needed(tdp, f->gfn));
}

static void hvx_tdp_free_cache(struct hvx_tdp_fault *f)
{
	hvx_table_cache_free(f->cache, &f->nr_cache);
}

/*
 * Make @ep (at @level) point to a table and return that table: link a
 * cached page if the entry is empty, and split a 2 MiB leaf that is in the
 * way (the host still maps it huge, but this fault wants 4 KiB, e.g. while
 * an invalidation is pending nearby). NULL if the cache ran dry.
 */
static u64 *hvx_tdp_next_table(struct hvx_vm *vm, struct hvx_tdp_fault *f,
			       u64 *ep, int level)
{
	struct hvx_tdp *tdp = vm->tdp;
	u64 e = READ_ONCE(*ep);

	if (hvx_tdp_is_table(tdp, e, level))
		return hvx_tdp_child(e);
	if (!f->nr_cache)
		return NULL;
	if (hvx_tdp_present(tdp, e)) {
		hvx_tdp_zap_leaf(tdp, ep, level);
		/* Shadow leaves may have been made from the 2 MiB leaf. */
		if (hvx_shadow_enabled())
			hvx_shadow_zap_all(vm);
		hvx_vm_flush_tlbs(vm);
	}
	e = __pa(f->cache[--f->nr_cache]) | tdp->fmt->table_bits;
	/* The page was zeroed before the lock; x86 keeps the stores ordered. */
	WRITE_ONCE(*ep, e);
	tdp->stats.table_pages++;
	return hvx_tdp_child(e);
}

/*
 * The entry that will hold the leaf for f->gfn at f->level, creating the
 * tables above it. Where a table already sits at the 2 MiB level, map
 * 4 KiB below it instead (f->level drops to 1): tables stay until destroy.
 */
static u64 *hvx_tdp_leaf_entry(struct hvx_vm *vm, struct hvx_tdp_fault *f)
{
	struct hvx_tdp *tdp = vm->tdp;
	u64 *table = tdp->root;
	int level;

	for (level = HVX_TDP_LEVELS; level > HVX_TDP_LEVEL_4K; level--) {
		u64 *ep = &table[hvx_tdp_index(f->gfn, level)];

		if (level == f->level) {
			if (!hvx_tdp_is_table(tdp, READ_ONCE(*ep), level))
				return ep;
			f->level = HVX_TDP_LEVEL_4K;
		}
		table = hvx_tdp_next_table(vm, f, ep, level);
		if (!table)
			return NULL;
	}
	return &table[hvx_tdp_index(f->gfn, HVX_TDP_LEVEL_4K)];
}

/* --- the fault path: the locked half ---------------------------------- */

/* KVM's mmu_invalidate_retry_hva(): did the host change under our GUP? */
static bool hvx_tdp_fault_stale(struct hvx_vm *vm, struct hvx_tdp_fault *f)
{
	if (vm->mmu_invalidating && f->hva >= vm->mmu_inval_start &&
	    f->hva < vm->mmu_inval_end)
		return true;
	return vm->mmu_seq != f->mmu_seq;
}

/*
 * 2 MiB if the whole aligned 2 MiB of guest frames lies in the slot, the
 * guest and host addresses agree modulo 2 MiB (so one host huge page backs
 * one guest huge page), no invalidation is pending anywhere in those 2 MiB,
 * and the VMM maps it huge. One slot means one set of attributes.
 */
static int hvx_tdp_max_level(struct hvx_vm *vm, struct hvx_tdp_fault *f)
{
	u64 gfn_2m = ALIGN_DOWN(f->gfn, HVX_TDP_PAGES_2M);
	unsigned long hva_2m = ALIGN_DOWN(f->hva, PMD_SIZE);

	if ((f->gfn ^ (f->hva >> PAGE_SHIFT)) & (HVX_TDP_PAGES_2M - 1))
		return HVX_TDP_LEVEL_4K;
	if (gfn_2m < f->slot.base_gfn ||
	    gfn_2m + HVX_TDP_PAGES_2M > f->slot.base_gfn + f->slot.npages)
		return HVX_TDP_LEVEL_4K;
	if (vm->mmu_invalidating && hva_2m < vm->mmu_inval_end &&
	    hva_2m + PMD_SIZE > vm->mmu_inval_start)
		return HVX_TDP_LEVEL_4K;
	if (!hvx_tdp_host_maps_huge(vm->mm, f->hva))
		return HVX_TDP_LEVEL_4K;
	return HVX_TDP_LEVEL_2M;
}

/*
 * Replacing a present leaf (a spurious fault, or a read-only leaf becoming
 * writable) needs no flush unless the old one gave something the new one
 * does not: another page, or write access.
 */
static bool hvx_tdp_replace_needs_flush(const struct hvx_tdp *tdp, u64 old,
					u64 new)
{
	if ((old ^ new) & HVX_TDP_ADDR_MASK)
		return true;
	return (old & tdp->fmt->writable_bit) && !(new & tdp->fmt->writable_bit);
}

/*
 * In a slot that logs dirty pages (the slot copy is the live slot: the
 * caller checked mmu_seq, which every slot change bumps), leaves are 4 KiB
 * and writable only for a write, which logs the page: a page is writable
 * in these tables only while its dirty bit is set (or a harvest that
 * took the bit is write-protecting it). A read maps it read-only, so only
 * written pages are reported (KVM also logs a page a read mapped writable).
 */
static int hvx_tdp_install(struct hvx_vm *vm, struct hvx_tdp_fault *f)
{
	struct hvx_tdp *tdp = vm->tdp;
	bool logged = f->slot.flags & KVM_MEM_LOG_DIRTY_PAGES;
	bool writable = f->writable && (f->write || !logged);
	u64 pfn, new, old, *ep;

	lockdep_assert_held(&vm->mmu_lock);
	if (hvx_tdp_fault_stale(vm, f))
		return HVX_TDP_RETRY;

	f->level = logged ? HVX_TDP_LEVEL_4K : hvx_tdp_max_level(vm, f);
	ep = hvx_tdp_leaf_entry(vm, f);
	if (!ep)
		return HVX_TDP_RETRY;

	pfn = page_to_pfn(f->page);
	if (f->level == HVX_TDP_LEVEL_2M)
		pfn = ALIGN_DOWN(pfn, HVX_TDP_PAGES_2M);
	new = hvx_tdp_make_leaf(tdp->fmt, pfn, f->level, f->writable, writable);
	if (writable && logged)
		hvx_dirty_log_mark(&f->slot, f->gfn);

	old = xchg(ep, new);
	if (hvx_tdp_present(tdp, old)) {
		hvx_tdp_leaf_gone(tdp, old, f->level);
		if (hvx_tdp_replace_needs_flush(tdp, old, new))
			hvx_vm_flush_tlbs(vm);
	}
	hvx_tdp_leaf_added(tdp, f->level);
	return HVX_TDP_MAPPED;
}

/*
 * A write to a leaf that is read-only only for dirty logging (the host
 * gave the page writable): give it write access back and log the page,
 * without GUP, as KVM's fast page fault does. Gaining a right needs no
 * TLB flush. False if the fault needs the full path.
 */
static bool hvx_tdp_fast_unprotect(struct hvx_vm *vm, u64 gfn)
{
	const struct hvx_tdp_format *fmt = vm->tdp->fmt;
	const struct hvx_memslot *slot;
	bool done = false;
	u64 *ep, e;
	int level;

	spin_lock(&vm->mmu_lock);
	ep = hvx_tdp_find_leaf(vm->tdp, gfn, &level);
	slot = hvx_memslot_find_locked(vm, gfn);
	if (!ep || !slot)
		goto unlock;
	e = READ_ONCE(*ep);
	if (!(e & fmt->host_writable_bit) || (e & fmt->writable_bit))
		goto unlock;
	/* A logged slot has 4 KiB leaves only; a 2 MiB one takes the full path. */
	if (level != HVX_TDP_LEVEL_4K && (slot->flags & KVM_MEM_LOG_DIRTY_PAGES))
		goto unlock;
	/* cmpxchg: the hardware may be setting the accessed bit meanwhile. */
	while (!try_cmpxchg64(ep, &e, e | fmt->writable_bit | fmt->dirty_bit))
		;
	hvx_dirty_log_mark(slot, gfn);
	done = true;
unlock:
	spin_unlock(&vm->mmu_lock);
	return done;
}

int hvx_tdp_fault(struct hvx_vcpu *vcpu, u64 gpa, bool write, bool fetch)
{
	struct hvx_vm *vm = vcpu->vm;
	struct hvx_tdp_fault f = {
		.gfn = gpa >> PAGE_SHIFT,
		.write = write,
	};
	int r;

	/* @fetch needs nothing: leaves are never no-execute. */
	/* GUP works on current->mm; only the VM's own threads may fault. */
	if (current->mm != vm->mm)
		return -EFAULT;

	/*
	 * Read the sequence before the slot and the host page: an
	 * invalidation or slot change after this point bumps it, and the
	 * locked half then refuses what we found.
	 */
	f.mmu_seq = READ_ONCE(vm->mmu_seq);
	smp_rmb();

	if (write && hvx_tdp_fast_unprotect(vm, f.gfn))
		return HVX_TDP_MAPPED;
	if (!hvx_memslot_lookup(vm, f.gfn, &f.slot))
		return HVX_TDP_MMIO;
	if (write && (f.slot.flags & KVM_MEM_READONLY))
		return HVX_TDP_MMIO;
	f.hva = f.slot.hva + ((f.gfn - f.slot.base_gfn) << PAGE_SHIFT);

	r = hvx_tdp_get_host_page(&f);
	if (r)
		return r;

	r = hvx_tdp_topup_cache(vm->tdp, &f);
	if (!r) {
		spin_lock(&vm->mmu_lock);
		r = hvx_tdp_install(vm, &f);
		spin_unlock(&vm->mmu_lock);
	}
	/* Nothing stays pinned: the notifier zaps before the host reuses it. */
	put_page(f.page);
	hvx_tdp_free_cache(&f);
	return r;
}

/* --- lifetime --------------------------------------------------------- */

static void hvx_tdp_free_table(struct hvx_tdp *tdp, u64 *table, int level)
{
	unsigned int i;

	for (i = 0; level > HVX_TDP_LEVEL_4K && i < HVX_TDP_ENTRIES; i++) {
		u64 e = table[i];

		if (hvx_tdp_is_table(tdp, e, level))
			hvx_tdp_free_table(tdp, hvx_tdp_child(e), level - 1);
	}
	free_page((unsigned long)table);
}

static void hvx_tdp_free(struct hvx_tdp *tdp)
{
	hvx_tdp_free_table(tdp, tdp->root, HVX_TDP_LEVELS);
	kfree(tdp);
}

int hvx_tdp_init(struct hvx_vm *vm)
{
	const struct hvx_tdp_format *fmt = hvx_arch->tdp_format;
	struct hvx_tdp *tdp;
	int r;

	tdp = kzalloc(sizeof(*tdp), GFP_KERNEL_ACCOUNT);
	if (!tdp)
		return -ENOMEM;
	tdp->vm = vm;
	tdp->fmt = fmt;
	tdp->root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!tdp->root) {
		kfree(tdp);
		return -ENOMEM;
	}
	tdp->stats.table_pages = 1;

	/* The notifier may fire as soon as it is registered. */
	vm->tdp = tdp;
	r = hvx_tdp_notifier_register(vm);
	if (r) {
		vm->tdp = NULL;
		hvx_tdp_free(tdp);
	}
	return r;
}

/*
 * After the last vCPU has stopped running (no fault in flight). The
 * unregister runs ->release if exit_mmap has not already, so every leaf
 * has been zapped (and its page marked dirty) before the tables go.
 */
void hvx_tdp_destroy(struct hvx_vm *vm)
{
	hvx_tdp_notifier_unregister(vm);
	hvx_tdp_free(vm->tdp);
	vm->tdp = NULL;
}

u64 hvx_tdp_root_pa(struct hvx_vm *vm)
{
	return __pa(vm->tdp->root);
}

void hvx_tdp_get_stats(struct hvx_vm *vm, struct hvx_tdp_stats *stats)
{
	spin_lock(&vm->mmu_lock);
	*stats = vm->tdp->stats;
	spin_unlock(&vm->mmu_lock);
}
