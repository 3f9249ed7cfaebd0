// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shadow paging: each vCPU runs on page tables of its own that map the
 * guest's linear addresses to host pages, built lazily from the guest's
 * page tables. They behave exactly like the vCPU's TLB and paging-structure
 * caches, which is what keeps them correct without tracking guest writes:
 *
 * - Leaves are 4 KiB and hold the *combined* permissions of the whole
 *   guest walk (R/W, U/S, NX), the guest's large pages split into 4 KiB
 *   leaves. Shadow non-leaf entries are only an index (full permission),
 *   so a leaf is the one and only thing that caches guest state: a TLB
 *   entry.
 * - The guest may change its page tables at will; a translation it already
 *   used stays until it invalidates it, as on hardware: MOV to CR3 and any
 *   change of the paging mode (CR0.PG/WP, CR4.PAE/PSE/PGE/SMEP/SMAP,
 *   EFER.NXE/LMA) drop everything; INVLPG drops the leaves of the guest
 *   page at that address (all 4 KiB pieces of a large page).
 * - Accessed and dirty bits are set by the emulator's walker when a leaf
 *   is made, exactly as the CPU sets them when it fills a TLB entry; a
 *   leaf is writable only once the guest's D is set, so the first write
 *   faults and sets D.
 * - Faults the guest's own tables cause are reflected with the walker's
 *   error code and CR2.
 *
 * Host pages come from the nested-paging tables (tdp.c), which the CPU does
 * not use here: they stay the guest-physical -> host page cache, kept
 * coherent with the VMM's mm by the MMU notifier. A shadow leaf is made
 * under mmu_lock from a present leaf there, and every zap of those tables
 * zaps the shadow leaves too, so no shadow leaf outlives its host page.
 *
 * The CPU runs in PAE paging outside long mode (so CR3 is a 32-bit root:
 * the root page comes from ZONE_DMA32) and in 4-level paging in long mode;
 * paging off (real mode included) runs on an identity shadow, CR0.PG set
 * behind the guest's back ("paged real mode", APM vol. 2, 15.19).
 *
 * Memory: table pages are counted per VM and bounded (shadow_max_pages);
 * a vCPU that would go beyond drops its own tables first. Tables are freed
 * only by their vCPU (outside guest mode); the MMU notifier only clears
 * leaves, so the CPU never walks a freed table.
 */
#define pr_fmt(fmt) "hvx: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
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

/* The guest state the shadow tables were built for (and CR3): any change drops them. */
#define ROLE_CR0	(X86_CR0_PG | X86_CR0_WP)
#define ROLE_CR4	(X86_CR4_PAE | X86_CR4_PSE | X86_CR4_PGE | X86_CR4_SMEP | \
			 X86_CR4_SMAP | X86_CR4_PCIDE)
#define ROLE_EFER	(EFER_NX | EFER_LMA)

struct hvx_shadow {
	struct hvx_vcpu *vcpu;
	struct list_head node;		/* vm->shadows */
	u64 *root;			/* PML4 (long mode) or PDPT (PAE) */
	int levels;			/* 4 or 3, for the current root */
	u64 role_cr0, role_cr3, role_cr4, role_efer;
	bool role_valid;
	unsigned long nr_tables;	/* table pages below the root */
};

struct hvx_shadow_fill {
	u64 *cache[SPT_MAX_LEVELS - 1];	/* zeroed tables, allocated unlocked */
	int nr_cache;
};

static unsigned int spt_index(u64 la, int level)
{
	return (la >> (12 + 9 * (level - 1))) & (SPT_ENTRIES - 1);
}

static u64 *spt_child(u64 e)
{
	return __va(e & SPTE_ADDR_MASK);
}

/* --- dropping tables and leaves (mmu_lock held) ----------------------- */

/* Clear every leaf below @table (at @level); the tables stay. */
static void spt_zap_leaves(u64 *table, int level)
{
	unsigned int i;

	for (i = 0; i < SPT_ENTRIES; i++) {
		u64 e = READ_ONCE(table[i]);

		if (!(e & SPTE_P))
			continue;
		if (level == 1)
			WRITE_ONCE(table[i], 0);
		else
			spt_zap_leaves(spt_child(e), level - 1);
	}
}

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

/* Drop all of @sh's tables; only in its vCPU's thread (not in guest mode). */
static void shadow_reset_locked(struct hvx_vm *vm, struct hvx_shadow *sh)
{
	unsigned long freed = spt_free_below(sh->root, sh->levels);

	memset(sh->root, 0, PAGE_SIZE);
	sh->nr_tables -= freed;
	vm->shadow_pages -= freed;
	/* The CPU may hold translations made from the old tables. */
	set_bit(HVX_REQ_TLB_FLUSH, &sh->vcpu->requests);
}

static void shadow_reset(struct hvx_vcpu *vcpu)
{
	struct hvx_vm *vm = vcpu->vm;

	spin_lock(&vm->mmu_lock);
	shadow_reset_locked(vm, vcpu->shadow);
	spin_unlock(&vm->mmu_lock);
}

void hvx_shadow_zap_all(struct hvx_vm *vm)
{
	struct hvx_shadow *sh;

	lockdep_assert_held(&vm->mmu_lock);
	list_for_each_entry(sh, &vm->shadows, node)
		spt_zap_leaves(sh->root, sh->levels);
}

void hvx_shadow_flush(struct hvx_vcpu *vcpu)
{
	shadow_reset(vcpu);
}

/*
 * INVLPG: the leaves of the guest page containing @la. A non-leaf entry
 * marked SPTE_LARGE_GUEST has leaves of a guest 2 MiB/4 MiB/1 GiB page
 * below it, so all of them go (a 4 MiB page spans two shadow PDEs).
 */
void hvx_shadow_invlpg(struct hvx_vcpu *vcpu, u64 la)
{
	struct hvx_shadow *sh = vcpu->shadow;
	struct hvx_vm *vm = vcpu->vm;
	bool paging32 = !(vcpu->x86.cr4 & X86_CR4_PAE);
	u64 *table = sh->root;
	int level;

	spin_lock(&vm->mmu_lock);
	for (level = sh->levels; level >= 1; level--) {
		unsigned int i = spt_index(la, level);
		u64 e = READ_ONCE(table[i]);

		if (level == 1) {
			WRITE_ONCE(table[i], 0);
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
				spt_zap_leaves(spt_child(e), level - 1);
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
	u64 cr0, cr3, cr4, efer;

	hvx_x86_get(vcpu, HVX_REG_CRS);
	cr0 = x->cr0 & ROLE_CR0;
	cr3 = x->cr3;	/* also set by KVM_SET_SREGS, not only by MOV to CR3 */
	cr4 = x->cr4 & ROLE_CR4;
	efer = x->efer & ROLE_EFER;
	if (!(x->cr0 & X86_CR0_PG)) {
		/* Paging off: one identity shadow whatever the other bits say. */
		cr3 = 0;
		cr4 = 0;
		efer = 0;
		cr0 = 0;
	}
	if (!sh->role_valid || cr0 != sh->role_cr0 || cr3 != sh->role_cr3 ||
	    cr4 != sh->role_cr4 || efer != sh->role_efer) {
		shadow_reset(vcpu);
		sh->levels = (efer & EFER_LMA) ? 4 : 3;
		sh->role_cr0 = cr0;
		sh->role_cr3 = cr3;
		sh->role_cr4 = cr4;
		sh->role_efer = efer;
		sh->role_valid = true;
	}

	/*
	 * Paging always on and write-protect always honoured (a read-only
	 * shadow leaf may stand for a host page the guest must not write);
	 * CR0.WP=0 is emulated in the leaves instead. PAE always (the shadow
	 * format), PCIDE never (hidden from the guest under shadow paging).
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
	hw->cr3 = __pa(sh->root);
}

/* --- the fault path --------------------------------------------------- */

/*
 * The leaf entry for @la, creating tables from @f's cache. @large marks
 * the PDE (2 MiB / 4 MiB guest page) or also the PDPTE (1 GiB) above it.
 */
static u64 *shadow_leaf_entry(struct hvx_vm *vm, struct hvx_shadow *sh,
			      struct hvx_shadow_fill *f, u64 la,
			      u64 guest_page_size)
{
	u64 *table = sh->root;
	int level;

	for (level = sh->levels; level > 1; level--) {
		u64 *ep = &table[spt_index(la, level)];
		u64 e = READ_ONCE(*ep);

		if (!(e & SPTE_P)) {
			if (!f->nr_cache)
				return NULL;
			/* PAE PDPTEs have no R/W, U/S or A (reserved there). */
			e = __pa(f->cache[--f->nr_cache]) | SPTE_P;
			if (!(level == 3 && sh->levels == 3))
				e |= SPTE_RW | SPTE_US | SPTE_A;
			sh->nr_tables++;
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
static int shadow_tables_needed(struct hvx_shadow *sh, u64 la)
{
	u64 *table = sh->root;
	int level;

	for (level = sh->levels; level > 1; level--) {
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


static int shadow_install(struct hvx_vcpu *vcpu, u64 la, u64 gpa, u32 access,
			  const struct hvx_walk_result *res)
{
	struct hvx_shadow *sh = vcpu->shadow;
	struct hvx_vm *vm = vcpu->vm;
	struct hvx_shadow_fill f = { .nr_cache = 0 };
	bool host_writable;
	u64 pfn, old, *ep;
	int r;

	/* Reclaim: beyond the VM's budget, this vCPU starts over. */
	if (READ_ONCE(vm->shadow_pages) + SPT_MAX_LEVELS > shadow_max_pages)
		shadow_reset(vcpu);
	r = hvx_table_cache_topup(f.cache, &f.nr_cache, shadow_tables_needed(sh, la));
	if (r)
		goto out;

	spin_lock(&vm->mmu_lock);
	/* Zapped since hvx_tdp_fault() mapped it: fault again. */
	if (!hvx_tdp_lookup(vm, gpa >> PAGE_SHIFT, &pfn, &host_writable))
		goto unlock;
	if ((access & HVX_ACC_WRITE) && !host_writable)
		goto unlock;
	ep = shadow_leaf_entry(vm, sh, &f, la, res->page_size);
	if (!ep)
		goto unlock;
	old = xchg(ep, shadow_make_leaf(pfn, res, access, host_writable));
	/* Replacing a leaf the CPU may have cached (permission change). */
	if (old & SPTE_P)
		set_bit(HVX_REQ_TLB_FLUSH, &vcpu->requests);
unlock:
	spin_unlock(&vm->mmu_lock);
out:
	hvx_table_cache_free(f.cache, &f.nr_cache);
	return r ? r : 1;
}

int hvx_shadow_page_fault(struct hvx_vcpu *vcpu, u64 la, u32 error_code)
{
	struct hvx_x86 *x = &vcpu->x86;
	struct hvx_emu_exception fault = {};
	struct hvx_walk_result res;
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

	r = hvx_tdp_fault(vcpu, res.gpa, write, fetch);
	if (r < 0)
		return r;
	if (r == HVX_TDP_MMIO)
		return hvx_handle_mmio_access(vcpu, fetch);
	if (r == HVX_TDP_RETRY)
		return 1;
	return shadow_install(vcpu, la, res.gpa, access, &res);
}

/* --- lifetime --------------------------------------------------------- */

int hvx_shadow_vcpu_init(struct hvx_vcpu *vcpu)
{
	struct hvx_vm *vm = vcpu->vm;
	struct hvx_shadow *sh;

	sh = kzalloc(sizeof(*sh), GFP_KERNEL_ACCOUNT);
	if (!sh)
		return -ENOMEM;
	/* Outside long mode the root is a PAE CR3: below 4 GiB. */
	sh->root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT | GFP_DMA32);
	if (!sh->root) {
		kfree(sh);
		return -ENOMEM;
	}
	sh->vcpu = vcpu;
	sh->levels = 3;
	vcpu->shadow = sh;
	spin_lock(&vm->mmu_lock);
	list_add(&sh->node, &vm->shadows);
	spin_unlock(&vm->mmu_lock);
	return 0;
}

void hvx_shadow_vcpu_destroy(struct hvx_vcpu *vcpu)
{
	struct hvx_shadow *sh = vcpu->shadow;
	struct hvx_vm *vm = vcpu->vm;

	spin_lock(&vm->mmu_lock);
	list_del(&sh->node);
	vm->shadow_pages -= spt_free_below(sh->root, sh->levels);
	spin_unlock(&vm->mmu_lock);
	free_page((unsigned long)sh->root);
	kfree(sh);
	vcpu->shadow = NULL;
}
