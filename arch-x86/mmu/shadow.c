// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shadow paging: each vCPU runs on page tables of its own that map the
 * guest's linear addresses to host pages, built lazily from the guest's
 * page tables and kept in sync with them by write-protection.
 *
 * - Roots: a vCPU keeps a small LRU cache of shadow roots, keyed by guest
 *   CR3 and the role (CR0.PG/WP, CR4.PAE/PSE/PGE/SMEP/SMAP, EFER.NXE/LMA).
 *   A CR3 load switches to the root of that CR3 (building an empty one if
 *   none is cached) and flushes the CPU's TLB, as the guest's CR3 load
 *   would; a role change picks another root the same way. Roots are not
 *   shared between vCPUs, and shadow tables are not shared between roots.
 * - Leaves are 4 KiB and hold the *combined* permissions of the whole
 *   guest walk (R/W, U/S, NX), the guest's large pages split into 4 KiB
 *   leaves. Shadow non-leaf entries are only an index (full permission).
 * - Write tracking: every guest table a fill walked through is recorded as
 *   a "gpt" (guest page-table page, by gfn) with one "use" per (root,
 *   guest level, first linear address the table maps). Every shadow leaf
 *   that maps a gpt is read-only: a writable leaf is always in the reverse
 *   map (host pfn -> shadow entry), so a frame that becomes a gpt loses
 *   every writable mapping at once. A guest write to a gpt faults, is
 *   emulated (hvx_emulate_or_decline), and for each use the shadow leaves of
 *   the linear range the written entries map are zapped in that root; they
 *   are refilled by the next fault. An instruction the emulator cannot do,
 *   or more than GPT_FLOOD_WRITES writes without a fill using the table
 *   (a freed page table reused as data, a fork write-protecting a whole
 *   table), "unshadows" the gpt: its ranges are zapped in every root, it is
 *   no longer tracked, and the guest writes it natively. No unsync.
 * - So every root is a translation of the guest's *current* tables: a CR3
 *   load needs no zapping, global pages need nothing special (a synced
 *   root is what a TLB that cached nothing would give) and INVLPG only
 *   drops the leaves at that address, which is redundant but harmless.
 * - Accessed and dirty bits are set by the emulator's walker when a leaf
 *   is made, exactly as the CPU sets them when it fills a TLB entry; a
 *   leaf is writable only once the guest's D is set, so the first write
 *   faults and sets D. A guest write that clears A or D zaps the leaf.
 * - Prefetch: a fill also makes the leaves of its aligned group of
 *   PREFETCH_LEAVES pages whose guest PTE is present and already accessed
 *   (writable only with D set), with the rights of the walk's upper
 *   entries; A/D stay exact (see shadow_prefetch).
 * - Faults the guest's own tables cause are reflected with the walker's
 *   error code and CR2.
 * - Races: a fill takes wp_seq before its walk and installs only if no
 *   tracked write happened since (else the guest faults again); a walk that
 *   made a new gpt retries the fault, so the tables of a leaf are
 *   write-protected before the walk that makes it.
 *
 * Host pages come from the nested-paging tables (tdp.c), which the CPU does
 * not use here: they stay the guest-physical -> host page cache, kept
 * coherent with the VMM's mm by the MMU notifier. A shadow leaf is made
 * under mmu_lock from a present leaf there, and every zap of those tables
 * zaps the shadow leaves too, so no shadow leaf outlives its host page.
 *
 * The CPU runs in PAE paging outside long mode (so CR3 is a 32-bit root:
 * root pages come from ZONE_DMA32) and in 4-level paging in long mode;
 * paging off runs on an identity shadow (one for real mode, one for
 * protected mode), CR0.PG set behind the guest's back: SVM runs real mode
 * as "paged real mode" (APM vol. 2, 15.19), VMX in virtual-8086 mode
 * (arch-x86/vmx/vmx_vm86.c).
 *
 * Memory: table pages (roots included) are counted per VM and bounded by
 * shadow_max_pages (or the VM's KVM_SET_NR_MMU_PAGES), roots per vCPU by
 * shadow_max_roots; beyond either, the vCPU frees its least recently used
 * roots first, then empties its current one. Tables are freed only by
 * their vCPU (outside guest mode); everyone else only clears leaves, so the
 * CPU never walks a freed table.
 * Everything is freed with the vCPU; the gpt and reverse-map state of the
 * VM with its last vCPU.
 */
#define pr_fmt(fmt) "hvx: " fmt

#include <linux/gfp.h>
#include <linux/hashtable.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include "hvx_core.h"
#include "hvx_exit.h"
#include "emulate.h"
#include "shadow.h"
#include "tdp.h"

static unsigned long shadow_max_pages = 8192;	/* 32 MiB of tables per VM */
module_param(shadow_max_pages, ulong, 0644);
MODULE_PARM_DESC(shadow_max_pages, "Shadow page-table pages per VM before a vCPU's are reclaimed");

static unsigned int shadow_max_roots = 16;
module_param(shadow_max_roots, uint, 0644);
MODULE_PARM_DESC(shadow_max_roots, "Cached shadow roots (guest address spaces) per vCPU");

static bool prefetch_on = true;
module_param_named(shadow_prefetch, prefetch_on, bool, 0644);
MODULE_PARM_DESC(shadow_prefetch, "A fill also makes the leaves of neighbouring pages the guest has accessed (default on)");

static bool shadow_stats;
module_param(shadow_stats, bool, 0644);
MODULE_PARM_DESC(shadow_stats, "Log each VM's shadow-paging counters when its last vCPU goes");

/* Emulated writes to a guest table without a fill using it: then unshadow. */
#define GPT_FLOOD_WRITES 3

/* A fill also makes the leaves of this aligned group of pages (see shadow_prefetch). */
#define PREFETCH_LEAVES	8

/* Shadow entry bits (the CPU's own PAE / long-mode format). */
#define SPTE_P		BIT_ULL(0)
#define SPTE_RW		BIT_ULL(1)
#define SPTE_US		BIT_ULL(2)
#define SPTE_A		BIT_ULL(5)
#define SPTE_D		BIT_ULL(6)
#define SPTE_NX		BIT_ULL(63)
/* Software bit of a non-leaf entry: leaves below come from a guest large page. */
#define SPTE_LARGE_GUEST BIT_ULL(9)
#define SPTE_ADDR_MASK	GENMASK_ULL(51, 12)

#define SPT_ENTRIES	512
#define SPT_MAX_LEVELS	4
#define LA_MASK		GENMASK_ULL(47, 0)	/* what shadow indices use */

/* The guest state a root was built for (with CR3): its role. */
#define ROLE_CR0	(X86_CR0_PG | X86_CR0_WP)
#define ROLE_CR4	(X86_CR4_PAE | X86_CR4_PSE | X86_CR4_PGE | X86_CR4_SMEP | \
			 X86_CR4_SMAP | X86_CR4_PCIDE)
#define ROLE_EFER	(EFER_NX | EFER_LMA)

struct shadow_root {
	struct list_head lru;		/* hvx_shadow.roots, most recent first */
	struct list_head uses;		/* gpt_use.root_node */
	struct hvx_shadow *sh;
	u64 *table;			/* PML4 (long mode) or PDPT (PAE) */
	int levels;			/* 4 or 3 */
	u64 cr0, cr3, cr4, efer;	/* the key */
	unsigned long nr_tables;	/* below the root */
};

/* A guest page-table page the shadow was built from. */
struct gpt {
	struct hlist_node hash;		/* hvx_shadow_vm.gpts, by gfn */
	struct list_head uses;		/* gpt_use.gpt_node */
	u64 gfn;
	unsigned int writes;		/* emulated since a fill last used it */
};

/* One root's use of a gpt: which linear addresses its entries map. */
struct gpt_use {
	struct list_head gpt_node;
	struct list_head root_node;
	struct gpt *gpt;
	struct shadow_root *root;
	u64 table_gpa;			/* the table (a PAE PDPT is 32 bytes) */
	u64 la_base;			/* first linear address it maps */
	u8 shift;			/* log2 of what one entry maps */
	u8 entry_size;			/* 4 or 8 */
	u16 nr_entries;			/* 1024, 512 or 4 (PAE PDPT) */
};

/* A writable shadow leaf: every one is here. */
struct rmap_entry {
	struct hlist_node hash;		/* hvx_shadow_vm.rmap, by host pfn */
	u64 pfn;
	u64 *sptep;
};

struct hvx_shadow_vm {
	struct hvx_vm *vm;
	struct list_head node;		/* shadow_vms, for the shrinker */
	DECLARE_HASHTABLE(gpts, 10);
	DECLARE_HASHTABLE(rmap, 12);
	unsigned long wp_seq;		/* bumped by every tracked write */
	/* Counters for shadow_stats (mmu_lock, or the owner's thread: approximate). */
	unsigned long nr_fills, nr_prefetched, nr_pt_writes, nr_unshadows, nr_emulated;
	unsigned long nr_root_switches, nr_roots_built, nr_roots_shrunk;
};

/*
 * Every VM with shadow state, for the shrinker. Lock order: shadow_vms_lock,
 * then the VM's mmu_lock.
 */
static LIST_HEAD(shadow_vms);
static DEFINE_SPINLOCK(shadow_vms_lock);

/* Objects allocated before taking mmu_lock, used under it. */
#define OBJ_CACHE_SIZE	16
#define OBJ_SIZE	max3(sizeof(struct gpt), sizeof(struct gpt_use), \
			     sizeof(struct rmap_entry))

struct hvx_shadow {
	struct hvx_vcpu *vcpu;
	struct list_head node;		/* vm->shadows */
	struct list_head roots;		/* shadow_root.lru */
	unsigned int nr_roots;
	struct shadow_root *cur;	/* what the CPU runs on */
	void *objs[OBJ_CACHE_SIZE];
	int nr_objs;
};

struct hvx_shadow_fill {
	u64 *cache[SPT_MAX_LEVELS - 1];	/* zeroed tables, allocated unlocked */
	int nr_cache;
	/* The guest PTEs of the fill's prefetch group, read unlocked. */
	u64 gpte[PREFETCH_LEAVES];
	bool have_gptes;
};

static unsigned int spt_index(u64 la, int level)
{
	return (la >> (12 + 9 * (level - 1))) & (SPT_ENTRIES - 1);
}

static u64 spt_span(int level)
{
	return 1ULL << (12 + 9 * (level - 1));
}

static u64 *spt_child(u64 e)
{
	return __va(e & SPTE_ADDR_MASK);
}

static u64 spte_pfn(u64 e)
{
	return (e & SPTE_ADDR_MASK) >> PAGE_SHIFT;
}

/* --- the object cache ----------------------------------------------- */

static int obj_topup(struct hvx_shadow *sh)
{
	while (sh->nr_objs < OBJ_CACHE_SIZE) {
		void *o = kmalloc(OBJ_SIZE, GFP_KERNEL_ACCOUNT);

		if (!o)
			return -ENOMEM;
		sh->objs[sh->nr_objs++] = o;
	}
	return 0;
}

static void *obj_get(struct hvx_shadow *sh)
{
	return sh->nr_objs ? sh->objs[--sh->nr_objs] : NULL;
}

/* --- reverse map and leaves (mmu_lock held) --------------------------- */

/* Record writable leaf @sptep of @pfn; false if the object cache ran out. */
static bool rmap_add(struct hvx_shadow_vm *svm, struct hvx_shadow *sh, u64 pfn,
		     u64 *sptep)
{
	struct rmap_entry *r = obj_get(sh);

	if (!r)
		return false;
	r->pfn = pfn;
	r->sptep = sptep;
	hash_add(svm->rmap, &r->hash, pfn);
	return true;
}

static void rmap_remove(struct hvx_shadow_vm *svm, u64 pfn, u64 *sptep)
{
	struct rmap_entry *r;

	hash_for_each_possible(svm->rmap, r, hash, pfn) {
		if (r->sptep == sptep) {
			hash_del(&r->hash);
			kfree(r);
			return;
		}
	}
}

/* Clear a leaf, keeping the reverse map exact. */
static void spte_drop(struct hvx_shadow_vm *svm, u64 *sptep)
{
	u64 old = xchg(sptep, 0);

	if ((old & SPTE_P) && (old & SPTE_RW))
		rmap_remove(svm, spte_pfn(old), sptep);
}

/* Clear every leaf below @table (at @level); the tables stay. */
static void spt_zap_leaves(struct hvx_shadow_vm *svm, u64 *table, int level)
{
	unsigned int i;

	for (i = 0; i < SPT_ENTRIES; i++) {
		u64 e = READ_ONCE(table[i]);

		if (!(e & SPTE_P))
			continue;
		if (level == 1)
			spte_drop(svm, &table[i]);
		else
			spt_zap_leaves(svm, spt_child(e), level - 1);
	}
}

/* Clear the leaves for linear addresses [start, end) below @table (maps from @base). */
static void spt_zap_range(struct hvx_shadow_vm *svm, u64 *table, int level,
			  u64 base, u64 start, u64 end)
{
	u64 span = spt_span(level);
	unsigned int i;

	for (i = 0; i < SPT_ENTRIES; i++) {
		u64 lo = base + i * span, hi = lo + span;
		u64 e;

		if (hi <= start || lo >= end)
			continue;
		e = READ_ONCE(table[i]);
		if (!(e & SPTE_P))
			continue;
		if (level == 1)
			spte_drop(svm, &table[i]);
		else if (start <= lo && hi <= end)
			spt_zap_leaves(svm, spt_child(e), level - 1);
		else
			spt_zap_range(svm, spt_child(e), level - 1, lo, start, end);
	}
}

static void root_zap_range(struct hvx_shadow_vm *svm, struct shadow_root *root,
			   u64 start, u64 end)
{
	spt_zap_range(svm, root->table, root->levels, 0, start & LA_MASK,
		      min_t(u64, end, LA_MASK + 1));
	/* The owner's TLB may hold them; the guest flushes others' itself. */
	set_bit(HVX_REQ_TLB_FLUSH, &root->sh->vcpu->requests);
}

/* Free the tables below @table (its leaves must be gone). */
static unsigned long spt_free_below(u64 *table, int level)
{
	unsigned long freed = 0;
	unsigned int i;

	for (i = 0; level > 1 && i < SPT_ENTRIES; i++) {
		u64 e = table[i];

		if (!(e & SPTE_P))
			continue;
		freed += spt_free_below(spt_child(e), level - 1) + 1;
		free_page((unsigned long)spt_child(e));
	}
	return freed;
}

/* --- guest page tables (mmu_lock held) -------------------------------- */

static struct gpt *gpt_find(struct hvx_shadow_vm *svm, u64 gfn)
{
	struct gpt *g;

	hash_for_each_possible(svm->gpts, g, hash, gfn)
		if (g->gfn == gfn)
			return g;
	return NULL;
}

static void gpt_use_free(struct gpt_use *u)
{
	struct gpt *g = u->gpt;

	list_del(&u->gpt_node);
	list_del(&u->root_node);
	kfree(u);
	if (list_empty(&g->uses)) {
		hash_del(&g->hash);
		kfree(g);
	}
}

/* Zap what entries [first, last] of the table in @u map. */
static void gpt_use_zap(struct hvx_shadow_vm *svm, struct gpt_use *u,
			unsigned int first, unsigned int last)
{
	root_zap_range(svm, u->root, u->la_base + ((u64)first << u->shift),
		       u->la_base + ((u64)(last + 1) << u->shift));
}

/* Stop tracking @g: zap everything made from it; the guest writes it freely. */
static void gpt_unshadow(struct hvx_shadow_vm *svm, struct gpt *g)
{
	struct gpt_use *u, *tmp;

	list_for_each_entry_safe(u, tmp, &g->uses, gpt_node) {
		gpt_use_zap(svm, u, 0, u->nr_entries - 1);
		gpt_use_free(u);	/* the last one frees @g */
	}
}

/* Make every shadow leaf of host page @pfn read-only. True if any was writable. */
static bool rmap_write_protect(struct hvx_shadow_vm *svm, u64 pfn)
{
	struct rmap_entry *r;
	struct hlist_node *tmp;
	bool any = false;

	hash_for_each_possible_safe(svm->rmap, r, tmp, hash, pfn) {
		if (r->pfn != pfn)
			continue;
		/* Clearing RW loses no D: a leaf is writable only once D is set. */
		clear_bit(1, (unsigned long *)r->sptep);	/* SPTE_RW */
		hash_del(&r->hash);
		kfree(r);
		any = true;
	}
	return any;
}

/*
 * Record the tables of a walk for @la as used by @root. Returns false if
 * objects ran out; sets *@new_gpt if a table was not tracked before (the
 * walk may have read it before it was write-protected) and *@remote if
 * writable leaves of it had to go (other vCPUs must flush).
 */
static bool gpt_record_walk(struct hvx_vm *vm, struct shadow_root *root,
			    const struct hvx_walk_result *res, u64 la,
			    bool *new_gpt, bool *remote)
{
	struct hvx_shadow_vm *svm = vm->shadow_vm;
	struct hvx_shadow *sh = root->sh;
	bool paging32 = !(root->cr4 & X86_CR4_PAE);
	unsigned int i, n = res->nr_entries;
	int glevels = paging32 ? 2 : root->levels;

	for (i = 0; i < n; i++) {
		int glevel = glevels - i;
		bool pdpt = !paging32 && root->levels == 3 && glevel == 3;
		u64 table_gpa = res->entry_gpa[i] & (pdpt ? ~0x1fULL : PAGE_MASK);
		unsigned int shift = paging32 ? (glevel == 2 ? 22 : 12) :
					       12 + 9 * (glevel - 1);
		unsigned int nr = paging32 ? 1024 : (pdpt ? 4 : 512);
		u64 la_base = paging32 ? (la & 0xffffffffULL) : (la & LA_MASK);
		struct gpt_use *u;
		struct gpt *g;

		la_base &= ~((1ULL << shift) * nr - 1);
		if (shift + ilog2(nr) >= 48)
			la_base = 0;
		g = gpt_find(svm, table_gpa >> PAGE_SHIFT);
		if (g) {
			g->writes = 0;
			list_for_each_entry(u, &g->uses, gpt_node)
				if (u->root == root && u->table_gpa == table_gpa &&
				    u->shift == shift && u->la_base == la_base)
					goto next;
		} else {
			u64 pfn;
			bool w;

			g = obj_get(sh);
			if (!g)
				return false;
			g->gfn = table_gpa >> PAGE_SHIFT;
			g->writes = 0;
			INIT_LIST_HEAD(&g->uses);
			hash_add(svm->gpts, &g->hash, g->gfn);
			*new_gpt = true;
			if (hvx_tdp_lookup(vm, g->gfn, &pfn, &w) &&
			    rmap_write_protect(svm, pfn))
				*remote = true;
		}
		u = obj_get(sh);
		if (!u) {
			if (list_empty(&g->uses)) {
				hash_del(&g->hash);
				kfree(g);
			}
			return false;
		}
		u->gpt = g;
		u->root = root;
		u->table_gpa = table_gpa;
		u->la_base = la_base;
		u->shift = shift;
		u->entry_size = paging32 ? 4 : 8;
		u->nr_entries = nr;
		list_add(&u->gpt_node, &g->uses);
		list_add(&u->root_node, &root->uses);
next:
		;
	}
	return true;
}

void hvx_shadow_guest_write(struct hvx_vcpu *vcpu, u64 gpa, unsigned int len)
{
	struct hvx_vm *vm = vcpu->vm;
	struct hvx_shadow_vm *svm = vm->shadow_vm;
	struct gpt_use *u;
	struct gpt *g;

	if (!svm || !len)
		return;
	spin_lock(&vm->mmu_lock);
	g = gpt_find(svm, gpa >> PAGE_SHIFT);
	if (!g)
		goto unlock;
	WRITE_ONCE(svm->wp_seq, svm->wp_seq + 1);
	svm->nr_pt_writes++;
	if (++g->writes > GPT_FLOOD_WRITES) {
		svm->nr_unshadows++;
		gpt_unshadow(svm, g);
		goto unlock;
	}
	list_for_each_entry(u, &g->uses, gpt_node) {
		s64 lo = (s64)(gpa - u->table_gpa);
		s64 hi = lo + len - 1;
		s64 last = (s64)u->nr_entries * u->entry_size - 1;

		if (hi < 0 || lo > last)	/* beside a PAE PDPT */
			continue;
		lo = max_t(s64, lo, 0);
		hi = min_t(s64, hi, last);
		gpt_use_zap(svm, u, lo / u->entry_size, hi / u->entry_size);
	}
unlock:
	spin_unlock(&vm->mmu_lock);
}

/* --- roots (mmu_lock held unless said) -------------------------------- */

/* Drop all of @root's leaves, tables and uses; the root page stays. */
static void root_empty(struct hvx_vm *vm, struct shadow_root *root)
{
	struct hvx_shadow_vm *svm = vm->shadow_vm;
	unsigned long freed;

	while (!list_empty(&root->uses))
		gpt_use_free(list_first_entry(&root->uses, struct gpt_use, root_node));
	spt_zap_leaves(svm, root->table, root->levels);
	freed = spt_free_below(root->table, root->levels);
	memset(root->table, 0, PAGE_SIZE);
	root->nr_tables -= freed;
	vm->shadow_pages -= freed;
}

static void root_free(struct hvx_vm *vm, struct shadow_root *root)
{
	root_empty(vm, root);
	list_del(&root->lru);
	root->sh->nr_roots--;
	vm->shadow_pages--;
	free_page((unsigned long)root->table);
	kfree(root);
}

/* The least recently used root that the CPU does not run on, or NULL. */
static struct shadow_root *root_oldest(struct hvx_shadow *sh)
{
	struct shadow_root *r;

	list_for_each_entry_reverse(r, &sh->roots, lru)
		if (r != sh->cur)
			return r;
	return NULL;
}

/* KVM_MIN_ALLOC_MMU_PAGES: KVM_SET_NR_MMU_PAGES refuses fewer. */
#define SHADOW_MIN_NR_MMU_PAGES	64

/* The VM's table-page budget: KVM_SET_NR_MMU_PAGES's, else the parameter's. */
static unsigned long shadow_budget(struct hvx_vm *vm)
{
	return READ_ONCE(vm->nr_mmu_pages) ?: READ_ONCE(shadow_max_pages);
}

/*
 * As KVM's n_max_mmu_pages (which bounds its shadow MMU's pages): the new
 * budget applies from the next fill, which frees old roots (then the
 * current one) as needed; KVM frees its oldest pages at once.
 */
int hvx_shadow_set_nr_mmu_pages(struct hvx_vm *vm, unsigned long nr)
{
	if (nr < SHADOW_MIN_NR_MMU_PAGES)
		return -EINVAL;
	WRITE_ONCE(vm->nr_mmu_pages, nr);
	return 0;
}

unsigned long hvx_shadow_get_nr_mmu_pages(struct hvx_vm *vm)
{
	return shadow_budget(vm);
}

/* Under the page budget: free old roots, then empty the current one. */
static void shadow_reclaim(struct hvx_vm *vm, struct hvx_shadow *sh, unsigned long need)
{
	unsigned long budget = shadow_budget(vm);
	struct shadow_root *r;

	while (READ_ONCE(vm->shadow_pages) + need > budget &&
	       (r = root_oldest(sh)))
		root_free(vm, r);
	if (READ_ONCE(vm->shadow_pages) + need > budget && sh->cur) {
		root_empty(vm, sh->cur);
		set_bit(HVX_REQ_TLB_FLUSH, &sh->vcpu->requests);
	}
}

/*
 * Make the root for this key current, from the cache or new (unlocked; may
 * sleep); NULL if there is no memory for a new one. Current under
 * mmu_lock, as the shrinker frees every other root.
 */
static struct shadow_root *root_get(struct hvx_vcpu *vcpu, u64 cr0, u64 cr3,
				    u64 cr4, u64 efer)
{
	struct hvx_shadow *sh = vcpu->shadow;
	struct hvx_vm *vm = vcpu->vm;
	struct shadow_root *r, *found = NULL;

	spin_lock(&vm->mmu_lock);
	list_for_each_entry(r, &sh->roots, lru) {
		if (r->cr0 == cr0 && r->cr3 == cr3 && r->cr4 == cr4 && r->efer == efer) {
			found = r;
			list_move(&r->lru, &sh->roots);
			sh->cur = r;
			break;
		}
	}
	spin_unlock(&vm->mmu_lock);
	if (found)
		return found;

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return NULL;
	/* Outside long mode the root is a PAE CR3: below 4 GiB. */
	r->table = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT | GFP_DMA32);
	if (!r->table) {
		kfree(r);
		return NULL;
	}
	INIT_LIST_HEAD(&r->uses);
	r->sh = sh;
	r->levels = (efer & EFER_LMA) ? 4 : 3;
	r->cr0 = cr0;
	r->cr3 = cr3;
	r->cr4 = cr4;
	r->efer = efer;
	spin_lock(&vm->mmu_lock);
	vm->shadow_vm->nr_roots_built++;
	while (sh->nr_roots >= shadow_max_roots && root_oldest(sh))
		root_free(vm, root_oldest(sh));
	list_add(&r->lru, &sh->roots);
	sh->nr_roots++;
	vm->shadow_pages++;
	sh->cur = r;
	spin_unlock(&vm->mmu_lock);
	return r;
}

bool hvx_shadow_write_protect_pfn(struct hvx_vm *vm, u64 pfn)
{
	lockdep_assert_held(&vm->mmu_lock);
	/* No vCPU yet: no shadow leaf either. */
	return vm->shadow_vm && rmap_write_protect(vm->shadow_vm, pfn);
}

void hvx_shadow_zap_all(struct hvx_vm *vm)
{
	struct hvx_shadow *sh;
	struct shadow_root *r;

	lockdep_assert_held(&vm->mmu_lock);
	list_for_each_entry(sh, &vm->shadows, node)
		list_for_each_entry(r, &sh->roots, lru)
			spt_zap_leaves(vm->shadow_vm, r->table, r->levels);
}

/*
 * MOV to CR3 flushes the guest's non-global TLB entries. The roots are in
 * sync with the guest's tables, so only the CPU's TLB needs flushing (done
 * on the switch of roots in hvx_shadow_load(), and here for a reload of
 * the same CR3).
 */
void hvx_shadow_flush(struct hvx_vcpu *vcpu)
{
	set_bit(HVX_REQ_TLB_FLUSH, &vcpu->requests);
}

/*
 * INVLPG: the leaves of the guest page containing @la. A non-leaf entry
 * marked SPTE_LARGE_GUEST has leaves of a guest 2 MiB/4 MiB/1 GiB page
 * below it, so all of them go (a 4 MiB page spans two shadow PDEs). With
 * write-protection the root is in sync already; this costs a refault only.
 */
void hvx_shadow_invlpg(struct hvx_vcpu *vcpu, u64 la)
{
	struct hvx_shadow *sh = vcpu->shadow;
	struct hvx_vm *vm = vcpu->vm;
	struct shadow_root *root = sh->cur;
	bool paging32 = !(vcpu->x86.cr4 & X86_CR4_PAE);
	u64 *table;
	int level;

	if (!root)
		return;
	spin_lock(&vm->mmu_lock);
	table = root->table;
	for (level = root->levels; level >= 1; level--) {
		unsigned int i = spt_index(la, level);
		u64 e = READ_ONCE(table[i]);

		if (level == 1) {
			spte_drop(vm->shadow_vm, &table[i]);
			break;
		}
		if (!(e & SPTE_P))
			break;
		if (e & SPTE_LARGE_GUEST) {
			unsigned int first = i, last = i;

			if (level == 2 && paging32) {
				first = i & ~1U;
				last = i | 1U;
			}
			for (i = first; i <= last; i++) {
				e = READ_ONCE(table[i]);
				if (!(e & SPTE_P))
					continue;
				spt_zap_leaves(vm->shadow_vm, spt_child(e), level - 1);
				WRITE_ONCE(table[i], e & ~SPTE_LARGE_GUEST);
			}
			break;
		}
		table = spt_child(e);
	}
	spin_unlock(&vm->mmu_lock);
	set_bit(HVX_REQ_TLB_FLUSH, &vcpu->requests);
}

/* --- entry ----------------------------------------------------------- */

void hvx_shadow_load(struct hvx_vcpu *vcpu, struct hvx_shadow_hw *hw)
{
	struct hvx_shadow *sh = vcpu->shadow;
	struct hvx_x86 *x = &vcpu->x86;
	struct shadow_root *r = sh->cur;
	u64 cr0, cr3, cr4, efer;

	hvx_x86_get(vcpu, HVX_REG_CRS);
	cr0 = x->cr0 & ROLE_CR0;
	cr3 = x->cr3;	/* also set by KVM_SET_SREGS, not only by MOV to CR3 */
	/* The PCID tags TLB entries; the tables are the same whatever it is. */
	if (x->cr4 & X86_CR4_PCIDE)
		cr3 &= ~0xfffULL;
	cr4 = x->cr4 & ROLE_CR4;
	efer = x->efer & ROLE_EFER;
	if (!(x->cr0 & X86_CR0_PG)) {
		/*
		 * Paging off: an identity shadow whatever the other bits say,
		 * one for real mode and one for protected mode, since the
		 * real-mode one may also hold hvx_shadow_map_private() pages.
		 */
		cr3 = 0;
		cr4 = 0;
		efer = 0;
		cr0 = x->cr0 & X86_CR0_PE;
	}
	if (!r || cr0 != r->cr0 || cr3 != r->cr3 || cr4 != r->cr4 || efer != r->efer) {
		struct shadow_root *next = root_get(vcpu, cr0, cr3, cr4, efer);

		vcpu->vm->shadow_vm->nr_root_switches++;
		if (!next && r) {
			/* No memory for a new root: reuse the current one, emptied. */
			spin_lock(&vcpu->vm->mmu_lock);
			root_empty(vcpu->vm, r);
			spin_unlock(&vcpu->vm->mmu_lock);
			r->cr0 = cr0;
			r->cr3 = cr3;
			r->cr4 = cr4;
			r->efer = efer;
			r->levels = (efer & EFER_LMA) ? 4 : 3;
		}
		/* The CPU may hold translations of the previous root. */
		set_bit(HVX_REQ_TLB_FLUSH, &vcpu->requests);
	}

	/*
	 * Paging always on and write-protect always honoured (a read-only
	 * shadow leaf may stand for a host page the guest must not write);
	 * CR0.WP=0 is emulated in the leaves instead. PAE always (the shadow
	 * format), PCIDE never: the guest's PCIDs select nothing in a
	 * shadow root, and the CPU's TLB is flushed at every switch of root.
	 * SMEP/SMAP only where the guest pages: the identity shadow is all
	 * user pages. NX always, so that leaves can be no-execute; LME only
	 * together with LMA, or the CPU would expect long mode.
	 */
	hw->cr0 = x->cr0 | X86_CR0_PG | X86_CR0_WP;
	hw->cr4 = (x->cr4 | X86_CR4_PAE) & ~X86_CR4_PCIDE;
	if (!(x->cr0 & X86_CR0_PG))
		hw->cr4 &= ~(X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_PGE);
	hw->efer = x->efer;
	if (boot_cpu_has(X86_FEATURE_NX))
		hw->efer |= EFER_NX;
	if (!(x->efer & EFER_LMA))
		hw->efer &= ~EFER_LME;
	hw->cr3 = __pa(sh->cur->table);
}

/* --- the fault path --------------------------------------------------- */

/*
 * The leaf entry for @la, creating tables from @f's cache. @large marks
 * the PDE (2 MiB / 4 MiB guest page) or also the PDPTE (1 GiB) above it.
 */
static u64 *shadow_leaf_entry(struct hvx_vm *vm, struct shadow_root *root,
			      struct hvx_shadow_fill *f, u64 la,
			      u64 guest_page_size)
{
	u64 *table = root->table;
	int level;

	for (level = root->levels; level > 1; level--) {
		u64 *ep = &table[spt_index(la, level)];
		u64 e = READ_ONCE(*ep);

		if (!(e & SPTE_P)) {
			if (!f->nr_cache)
				return NULL;
			/* PAE PDPTEs have no R/W, U/S or A (reserved there). */
			e = __pa(f->cache[--f->nr_cache]) | SPTE_P;
			if (!(level == 3 && root->levels == 3))
				e |= SPTE_RW | SPTE_US | SPTE_A;
			root->nr_tables++;
			vm->shadow_pages++;
		}
		if ((level == 2 && guest_page_size > PAGE_SIZE) ||
		    (level == 3 && guest_page_size >= (1ULL << 30)))
			e |= SPTE_LARGE_GUEST;
		WRITE_ONCE(*ep, e);
		table = spt_child(e);
	}
	return &table[spt_index(la, 1)];
}

/* Tables a leaf for @la needs now; only this vCPU adds them, so it holds. */
static int shadow_tables_needed(struct shadow_root *root, u64 la)
{
	u64 *table = root->table;
	int level;

	for (level = root->levels; level > 1; level--) {
		u64 e = READ_ONCE(table[spt_index(la, level)]);

		if (!(e & SPTE_P))
			return level - 1;
		table = spt_child(e);
	}
	return 0;
}

/*
 * The shadow leaf for a guest translation. Writable only where the guest
 * may write, its D bit is set and the host page is writable; with CR0.WP=0
 * a supervisor write to a read-only page gets a supervisor-only writable
 * leaf (and a later user access the read-only user leaf back), as KVM does.
 */
static u64 shadow_make_leaf(u64 pfn, const struct hvx_walk_result *res,
			    u32 access, bool host_writable)
{
	bool write = access & HVX_ACC_WRITE, user = access & HVX_ACC_USER;
	u64 e = (pfn << PAGE_SHIFT) | SPTE_P | SPTE_A;
	bool us = res->user, rw = res->writable && res->dirty;

	if (write && !user && !res->writable) {
		rw = true;
		us = false;
	}
	if (rw && host_writable)
		e |= SPTE_RW | SPTE_D;
	if (us)
		e |= SPTE_US;
	if (res->nx)
		e |= SPTE_NX;
	return e;
}

/*
 * Prefetch, as KVM does: a fill also makes the leaves of the other pages
 * of its aligned group of PREFETCH_LEAVES, where the guest's own entries
 * allow it without a walk. Pages a guest maps and touches together (a
 * binary's pages mapped by fault-around, the direct map's large pages)
 * then cost one #PF exit instead of one each. A/D stay exact: only a
 * guest PTE already accessed gives a leaf (a CPU may cache such a
 * translation at any time, setting nothing), writable only with its D
 * already set; a PTE with A clear still faults and the walk sets A. The
 * group shares every entry above the leaf with the fill's walk, so its
 * rights are the walk's upper_* and the PTE's own; a guest large page
 * gives the walk's rights for all of it.
 */

/* Reserved bits of a guest 4 KiB PTE, as the walker checks them. */
static u64 gpte_rsvd_bits(const struct hvx_x86 *x)
{
	unsigned int m = min_t(unsigned int, boot_cpu_data.x86_phys_bits, 52);
	u64 rsvd;

	if (!(x->cr4 & X86_CR4_PAE))
		return 0;	/* 32-bit paging: none in a PTE */
	rsvd = (x->efer & EFER_LMA) ? (m < 52 ? GENMASK_ULL(51, m) : 0) :
				      GENMASK_ULL(62, m);
	if (!(x->efer & EFER_NX))
		rsvd |= SPTE_NX;
	return rsvd;
}

/* Read the guest PTEs of @la's group (unlocked: a tracked write since the
 * walk bumps wp_seq, which the install checks). */
static void prefetch_read_gptes(struct hvx_vcpu *vcpu, u64 la,
				const struct hvx_walk_result *res,
				struct hvx_shadow_fill *f)
{
	unsigned int esize = (vcpu->x86.cr4 & X86_CR4_PAE) ? 8 : 4, i;
	unsigned int idx = (la >> PAGE_SHIFT) & (PREFETCH_LEAVES - 1);
	u32 g32[PREFETCH_LEAVES];
	u64 first;

	f->have_gptes = false;
	if (!READ_ONCE(prefetch_on) || res->page_size != PAGE_SIZE)
		return;		/* off; paging off, or a large page */
	first = res->entry_gpa[res->nr_entries - 1] - idx * esize;
	if (esize == 8) {
		if (hvx_read_guest(vcpu->vm, first, f->gpte, sizeof(f->gpte)))
			return;
	} else {
		if (hvx_read_guest(vcpu->vm, first, g32, sizeof(g32)))
			return;
		for (i = 0; i < PREFETCH_LEAVES; i++)
			f->gpte[i] = g32[i];
	}
	f->have_gptes = true;
}

/*
 * The leaves of @la's group around the fill's leaf @ep (mmu_lock held,
 * the fill's walk still valid). Slots already present are left alone.
 */
static void shadow_prefetch(struct hvx_vcpu *vcpu, u64 *ep, u64 la,
			    const struct hvx_walk_result *res,
			    const struct hvx_shadow_fill *f)
{
	unsigned int idx = (la >> PAGE_SHIFT) & (PREFETCH_LEAVES - 1), i;
	struct hvx_shadow_vm *svm = vcpu->vm->shadow_vm;
	u64 rsvd = gpte_rsvd_bits(&vcpu->x86), *first = ep - idx;
	bool nxe = vcpu->x86.efer & EFER_NX, large = res->page_size > PAGE_SIZE;

	if (!READ_ONCE(prefetch_on) || (!large && !f->have_gptes))
		return;
	for (i = 0; i < PREFETCH_LEAVES; i++) {
		struct hvx_walk_result nb = *res;	/* the neighbour's rights */
		u64 gfn, pfn, e = f->gpte[i], leaf;
		bool host_writable;

		if (i == idx || (READ_ONCE(first[i]) & SPTE_P))
			continue;
		if (large) {
			gfn = (res->gpa >> PAGE_SHIFT) - idx + i;
		} else {
			/* Guest PTEs have the same P, R/W, U/S, A, D and NX bits. */
			if ((e & (SPTE_P | SPTE_A)) != (SPTE_P | SPTE_A) || (e & rsvd))
				continue;
			gfn = (e & SPTE_ADDR_MASK) >> PAGE_SHIFT;
			nb.writable = res->upper_writable && (e & SPTE_RW);
			nb.dirty = e & SPTE_D;
			nb.user = res->upper_user && (e & SPTE_US);
			nb.nx = res->upper_nx || (nxe && (e & SPTE_NX));
		}
		if (!hvx_tdp_lookup(vcpu->vm, gfn, &pfn, &host_writable))
			continue;	/* not in the guest-physical cache, or MMIO */
		/* As a read fill would make it; never writable for a guest page table. */
		leaf = shadow_make_leaf(pfn, &nb, 0, host_writable);
		if ((leaf & SPTE_RW) &&
		    (gpt_find(svm, gfn) || !rmap_add(svm, vcpu->shadow, pfn, &first[i])))
			leaf &= ~(SPTE_RW | SPTE_D);
		WRITE_ONCE(first[i], leaf);
		svm->nr_prefetched++;
	}
}

/* A write to a guest page table: emulate it (or unshadow the table). */
static int shadow_emulate_pt_write(struct hvx_vcpu *vcpu, u64 gfn)
{
	struct hvx_vm *vm = vcpu->vm;
	bool unhandled;
	struct gpt *g;
	int r;

	vm->shadow_vm->nr_emulated++;
	r = hvx_emulate_or_decline(vcpu, &unhandled);
	if (!unhandled)
		return r;
	/* Let the guest do it: the table is no longer tracked. */
	spin_lock(&vm->mmu_lock);
	WRITE_ONCE(vm->shadow_vm->wp_seq, vm->shadow_vm->wp_seq + 1);
	g = gpt_find(vm->shadow_vm, gfn);
	if (g) {
		vm->shadow_vm->nr_unshadows++;
		gpt_unshadow(vm->shadow_vm, g);
	}
	spin_unlock(&vm->mmu_lock);
	return 1;
}

static int shadow_install(struct hvx_vcpu *vcpu, u64 la, u64 gpa, u32 access,
			  const struct hvx_walk_result *res, unsigned long seq)
{
	struct hvx_shadow *sh = vcpu->shadow;
	struct shadow_root *root = sh->cur;
	struct hvx_vm *vm = vcpu->vm;
	struct hvx_shadow_vm *svm = vm->shadow_vm;
	struct hvx_shadow_fill f = { .nr_cache = 0 };
	bool host_writable, new_gpt = false, remote = false, emulate = false;
	u64 pfn, old, leaf, *ep;
	int r;

	r = obj_topup(sh);
	if (r)
		return r;
	spin_lock(&vm->mmu_lock);
	shadow_reclaim(vm, sh, SPT_MAX_LEVELS);
	spin_unlock(&vm->mmu_lock);
	r = hvx_table_cache_topup(f.cache, &f.nr_cache, shadow_tables_needed(root, la));
	if (r)
		goto out;
	prefetch_read_gptes(vcpu, la, res, &f);

	spin_lock(&vm->mmu_lock);
	/* A tracked write since the walk: it may have read the old entry. */
	if (READ_ONCE(svm->wp_seq) != seq)
		goto unlock;
	/* Zapped since hvx_tdp_fault() mapped it: fault again. */
	if (!hvx_tdp_lookup(vm, gpa >> PAGE_SHIFT, &pfn, &host_writable))
		goto unlock;
	if ((access & HVX_ACC_WRITE) && !host_writable)
		goto unlock;
	if (!gpt_record_walk(vm, root, res, la, &new_gpt, &remote) || new_gpt)
		goto unlock;	/* walk again, now write-protected */
	ep = shadow_leaf_entry(vm, root, &f, la, res->page_size);
	if (!ep)
		goto unlock;
	leaf = shadow_make_leaf(pfn, res, access, host_writable);
	if ((leaf & SPTE_RW) && gpt_find(svm, gpa >> PAGE_SHIFT)) {
		/* A guest page table: read-only here, its writes emulated. */
		leaf &= ~(SPTE_RW | SPTE_D);
		emulate = access & HVX_ACC_WRITE;
	}
	svm->nr_fills++;
	old = READ_ONCE(*ep);
	spte_drop(svm, ep);
	if ((leaf & SPTE_RW) && !rmap_add(svm, sh, pfn, ep))
		leaf &= ~(SPTE_RW | SPTE_D);
	WRITE_ONCE(*ep, leaf);
	/* Replacing a leaf the CPU may have cached (permission change). */
	if (old & SPTE_P)
		set_bit(HVX_REQ_TLB_FLUSH, &vcpu->requests);
	shadow_prefetch(vcpu, ep, la, res, &f);
unlock:
	spin_unlock(&vm->mmu_lock);
	if (remote)
		hvx_vm_flush_tlbs(vm);
out:
	hvx_table_cache_free(f.cache, &f.nr_cache);
	if (r)
		return r;
	if (emulate)
		return shadow_emulate_pt_write(vcpu, gpa >> PAGE_SHIFT);
	return 1;
}

/*
 * Is @gfn in the guest-physical cache already, writable for a write? Most
 * fills are refills (a page of another address space, a leaf zapped by a
 * page-table write): they need no GUP. shadow_install() looks again under
 * mmu_lock, and a leaf zapped in between only costs a refault.
 */
static bool shadow_gfn_cached(struct hvx_vm *vm, u64 gfn, bool write)
{
	bool present, writable;
	u64 pfn;

	spin_lock(&vm->mmu_lock);
	present = hvx_tdp_lookup(vm, gfn, &pfn, &writable);
	spin_unlock(&vm->mmu_lock);
	return present && (writable || !write);
}

int hvx_shadow_page_fault(struct hvx_vcpu *vcpu, u64 la, u32 error_code)
{
	struct hvx_x86 *x = &vcpu->x86;
	struct hvx_emu_exception fault = {};
	struct hvx_walk_result res;
	unsigned long seq;
	u32 access = 0;
	bool write, fetch;
	int r;

	if (error_code & HVX_PFEC_W)
		access |= HVX_ACC_WRITE;
	if (error_code & HVX_PFEC_U)
		access |= HVX_ACC_USER;
	if (error_code & HVX_PFEC_I)
		access |= HVX_ACC_FETCH;
	write = access & HVX_ACC_WRITE;
	fetch = access & HVX_ACC_FETCH;

	seq = READ_ONCE(vcpu->vm->shadow_vm->wp_seq);
	smp_rmb();	/* the walk reads the tables after the sequence */
	hvx_x86_get(vcpu, HVX_REG_CRS);
	r = hvx_guest_walk(vcpu, la, access, x->rflags, &res, &fault);
	if (r == HVX_EMU_EXCEPTION) {
		/* The guest's own fault: exactly what its tables say. */
		x->cr2 = fault.cr2;
		hvx_x86_put(vcpu, HVX_REG_CRS);
		hvx_queue_exception(vcpu, fault.vector, fault.has_error_code,
				    fault.error_code);
		return 1;
	}
	if (r == HVX_EMU_RETRY)
		return 1;
	if (r)	/* its page tables are not in RAM: nothing sane to do */
		return hvx_handle_mmio_access(vcpu, true);

	if (!shadow_gfn_cached(vcpu->vm, res.gpa >> PAGE_SHIFT, write)) {
		r = hvx_tdp_fault(vcpu, res.gpa, write, fetch);
		if (r < 0)
			return r;
		if (r == HVX_TDP_MMIO)
			return hvx_handle_mmio_access(vcpu, fetch);
		if (r == HVX_TDP_RETRY)
			return 1;
	}
	return shadow_install(vcpu, la, res.gpa, access, &res, seq);
}

int hvx_shadow_map_private(struct hvx_vcpu *vcpu, u64 la, struct page *page)
{
	struct shadow_root *root = vcpu->shadow->cur;
	struct hvx_shadow_fill f = { .nr_cache = 0 };
	struct hvx_vm *vm = vcpu->vm;
	u64 *ep;
	int r;

	r = hvx_table_cache_topup(f.cache, &f.nr_cache, shadow_tables_needed(root, la));
	if (r)
		return r;
	spin_lock(&vm->mmu_lock);
	ep = shadow_leaf_entry(vm, root, &f, la, PAGE_SIZE);
	if (ep) {
		spte_drop(vm->shadow_vm, ep);
		/* Not writable: never in the reverse map, which tracks guest RAM. */
		WRITE_ONCE(*ep, ((u64)page_to_pfn(page) << PAGE_SHIFT) | SPTE_P | SPTE_A |
			   (boot_cpu_has(X86_FEATURE_NX) ? SPTE_NX : 0));
	}
	spin_unlock(&vm->mmu_lock);
	hvx_table_cache_free(f.cache, &f.nr_cache);
	return 0;
}

/* --- host memory pressure ---------------------------------------------- */

/*
 * What the shrinker may take: every root but the ones the vCPUs run on,
 * in table pages (root included). Those can be freed from any thread: the
 * CPU walks only a vCPU's current root (a switch of root flushes its TLB
 * before the next entry), and a vCPU makes a root current under mmu_lock.
 */
static unsigned long shadow_shrink_count(struct shrinker *shrinker,
					 struct shrink_control *sc)
{
	struct hvx_shadow_vm *svm;
	struct shadow_root *r;
	struct hvx_shadow *sh;
	unsigned long pages = 0;

	spin_lock(&shadow_vms_lock);
	list_for_each_entry(svm, &shadow_vms, node) {
		spin_lock(&svm->vm->mmu_lock);
		list_for_each_entry(sh, &svm->vm->shadows, node)
			list_for_each_entry(r, &sh->roots, lru)
				if (r != sh->cur)
					pages += r->nr_tables + 1;
		spin_unlock(&svm->vm->mmu_lock);
	}
	spin_unlock(&shadow_vms_lock);
	return pages;
}

/* Free least recently used roots, VM by VM, until nr_to_scan pages went. */
static unsigned long shadow_shrink_scan(struct shrinker *shrinker,
					struct shrink_control *sc)
{
	struct hvx_shadow_vm *svm;
	struct shadow_root *r;
	struct hvx_shadow *sh;
	unsigned long freed = 0;

	spin_lock(&shadow_vms_lock);
	list_for_each_entry(svm, &shadow_vms, node) {
		struct hvx_vm *vm = svm->vm;

		spin_lock(&vm->mmu_lock);
		list_for_each_entry(sh, &vm->shadows, node) {
			while (freed < sc->nr_to_scan && (r = root_oldest(sh))) {
				freed += r->nr_tables + 1;
				root_free(vm, r);
				svm->nr_roots_shrunk++;
			}
		}
		spin_unlock(&vm->mmu_lock);
		if (freed >= sc->nr_to_scan)
			break;
	}
	spin_unlock(&shadow_vms_lock);
	return freed ? freed : SHRINK_STOP;
}

/* register_shrinker() became shrinker_alloc() + shrinker_register() in 6.7. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
static struct shrinker *shadow_shrinker;

int hvx_shadow_init(void)
{
	shadow_shrinker = shrinker_alloc(0, "hvx-shadow");
	if (!shadow_shrinker)
		return -ENOMEM;
	shadow_shrinker->count_objects = shadow_shrink_count;
	shadow_shrinker->scan_objects = shadow_shrink_scan;
	/* A root costs many faults to rebuild: not the seeks = 0 "cheap" class. */
	shadow_shrinker->seeks = DEFAULT_SEEKS;
	shrinker_register(shadow_shrinker);
	return 0;
}

void hvx_shadow_exit(void)
{
	shrinker_free(shadow_shrinker);
}
#else
static struct shrinker shadow_shrinker = {
	.count_objects = shadow_shrink_count,
	.scan_objects = shadow_shrink_scan,
	.seeks = DEFAULT_SEEKS,
};

int hvx_shadow_init(void)
{
	return register_shrinker(&shadow_shrinker, "hvx-shadow");
}

void hvx_shadow_exit(void)
{
	unregister_shrinker(&shadow_shrinker);
}
#endif

void hvx_shadow_vm_stats(struct hvx_vm *vm, struct hvx_vm_stats *out)
{
	struct hvx_shadow *sh;

	spin_lock(&vm->mmu_lock);
	out->shadow_pages = vm->shadow_pages;
	out->shadow_roots = 0;
	list_for_each_entry(sh, &vm->shadows, node)
		out->shadow_roots += sh->nr_roots;
	/* Both counted under mmu_lock; no state before the first vCPU. */
	if (vm->shadow_vm) {
		out->shadow_fills = vm->shadow_vm->nr_fills;
		out->shadow_prefetched = vm->shadow_vm->nr_prefetched;
	}
	spin_unlock(&vm->mmu_lock);
}

/* --- lifetime --------------------------------------------------------- */

int hvx_shadow_vcpu_init(struct hvx_vcpu *vcpu)
{
	struct hvx_vm *vm = vcpu->vm;
	struct hvx_shadow_vm *svm;
	struct hvx_shadow *sh;

	sh = kzalloc(sizeof(*sh), GFP_KERNEL_ACCOUNT);
	svm = kzalloc(sizeof(*svm), GFP_KERNEL_ACCOUNT);
	if (!sh || !svm) {
		kfree(sh);
		kfree(svm);
		return -ENOMEM;
	}
	hash_init(svm->gpts);
	hash_init(svm->rmap);
	svm->vm = vm;
	sh->vcpu = vcpu;
	INIT_LIST_HEAD(&sh->roots);
	vcpu->shadow = sh;
	spin_lock(&shadow_vms_lock);
	spin_lock(&vm->mmu_lock);
	/* The VM's tracking state comes with its first vCPU. */
	if (!vm->shadow_vm) {
		vm->shadow_vm = svm;
		list_add(&svm->node, &shadow_vms);
		svm = NULL;
	}
	list_add(&sh->node, &vm->shadows);
	spin_unlock(&vm->mmu_lock);
	spin_unlock(&shadow_vms_lock);
	kfree(svm);
	/* hvx_shadow_load() needs a root to run on. */
	sh->cur = root_get(vcpu, 0, 0, 0, 0);
	if (!sh->cur) {
		hvx_shadow_vcpu_destroy(vcpu);
		return -ENOMEM;
	}
	return 0;
}

void hvx_shadow_vcpu_destroy(struct hvx_vcpu *vcpu)
{
	struct hvx_shadow *sh = vcpu->shadow;
	struct hvx_vm *vm = vcpu->vm;
	struct hvx_shadow_vm *svm = NULL;

	spin_lock(&shadow_vms_lock);
	spin_lock(&vm->mmu_lock);
	sh->cur = NULL;
	while (!list_empty(&sh->roots))
		root_free(vm, list_first_entry(&sh->roots, struct shadow_root, lru));
	list_del(&sh->node);
	/* The last vCPU takes the VM's (now empty) tracking state along. */
	if (list_empty(&vm->shadows)) {
		svm = vm->shadow_vm;
		vm->shadow_vm = NULL;
		list_del(&svm->node);
	}
	spin_unlock(&vm->mmu_lock);
	spin_unlock(&shadow_vms_lock);
	if (svm && shadow_stats)
		pr_info("shadow: %lu fills, %lu leaves prefetched, %lu page-table writes (%lu instructions emulated), %lu tables unshadowed, %lu root switches, %lu roots built, %lu freed by the shrinker\n",
			svm->nr_fills, svm->nr_prefetched, svm->nr_pt_writes, svm->nr_emulated,
			svm->nr_unshadows, svm->nr_root_switches, svm->nr_roots_built,
			svm->nr_roots_shrunk);
	kfree(svm);
	while (sh->nr_objs)
		kfree(sh->objs[--sh->nr_objs]);
	kfree(sh);
	vcpu->shadow = NULL;
}
