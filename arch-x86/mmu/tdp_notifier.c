// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MMU notifier on the VMM's mm: whenever the host is about to change
 * or drop a page of the VMM's address space, remove the nested mappings of
 * every guest frame backed by it, and make the fault path refuse what it
 * looked up meanwhile (vm->mmu_seq, vm->mmu_invalidating and the pending
 * hva range, all under vm->mmu_lock; see hvx_tdp_fault()).
 *
 * invalidate_range_start may be called where it must not sleep
 * (!mmu_notifier_range_blockable(), e.g. the OOM reaper): everything here
 * takes only the mmu_lock spinlock, and hvx_vm_flush_tlbs() does not sleep,
 * so it never needs to answer -EAGAIN.
 *
 * 6.1's change_pte is not implemented: the kernel calls
 * invalidate_range_start/end around it, which is all we need.
 */
#include <linux/mmu_notifier.h>
#include "hvx_core.h"
#include "tdp.h"

enum hvx_mn_op {
	HVX_MN_ZAP,
	HVX_MN_TEST_YOUNG,
	HVX_MN_CLEAR_YOUNG,
};

static struct hvx_vm *hvx_mn_to_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct hvx_vm, mmu_notifier);
}

static bool hvx_mn_apply(struct hvx_vm *vm, u64 start_gfn, u64 end_gfn,
			 enum hvx_mn_op op)
{
	switch (op) {
	case HVX_MN_ZAP:
		return hvx_tdp_zap_gfn_range(vm, start_gfn, end_gfn);
	case HVX_MN_TEST_YOUNG:
		return hvx_tdp_age_gfn_range(vm, start_gfn, end_gfn, false);
	case HVX_MN_CLEAR_YOUNG:
		return hvx_tdp_age_gfn_range(vm, start_gfn, end_gfn, true);
	}
	return false;
}

static u64 hvx_mn_hva_to_gfn(const struct hvx_memslot *slot, unsigned long hva)
{
	return slot->base_gfn + ((hva - slot->hva) >> PAGE_SHIFT);
}

/*
 * Apply @op to the guest frames of every slot whose memory lies in the
 * host range [start, end). Slots may alias the same host memory, so all
 * are visited. Caller holds mmu_lock, which also guards memslots[].
 */
static bool hvx_mn_handle_hva_range(struct hvx_vm *vm, unsigned long start,
				    unsigned long end, enum hvx_mn_op op)
{
	bool ret = false;
	unsigned int i;

	lockdep_assert_held(&vm->mmu_lock);
	for (i = 0; i < HVX_MAX_MEMSLOTS; i++) {
		const struct hvx_memslot *slot = &vm->memslots[i];
		unsigned long slot_end = slot->hva + (slot->npages << PAGE_SHIFT);
		unsigned long s = max(start, slot->hva);
		unsigned long e = min(end, slot_end);

		if (!slot->npages || s >= e)
			continue;
		/* Every frame the range touches, even in part. */
		ret |= hvx_mn_apply(vm, hvx_mn_hva_to_gfn(slot, s),
				    hvx_mn_hva_to_gfn(slot, e + PAGE_SIZE - 1),
				    op);
	}
	return ret;
}

static int hvx_mn_invalidate_range_start(struct mmu_notifier *mn,
					 const struct mmu_notifier_range *range)
{
	struct hvx_vm *vm = hvx_mn_to_vm(mn);

	spin_lock(&vm->mmu_lock);
	/* From here until _end, faults in the range give up (RETRY). */
	if (vm->mmu_invalidating++ == 0) {
		vm->mmu_inval_start = range->start;
		vm->mmu_inval_end = range->end;
	} else {
		vm->mmu_inval_start = min(vm->mmu_inval_start, range->start);
		vm->mmu_inval_end = max(vm->mmu_inval_end, range->end);
	}
	/*
	 * Flush under the lock: a concurrent zapper that finds our leaves
	 * already gone must not return before the TLBs are clean.
	 */
	if (hvx_mn_handle_hva_range(vm, range->start, range->end, HVX_MN_ZAP))
		hvx_vm_flush_tlbs(vm);
	vm->mmu_seq++;
	spin_unlock(&vm->mmu_lock);
	return 0;
}

static void hvx_mn_invalidate_range_end(struct mmu_notifier *mn,
					const struct mmu_notifier_range *range)
{
	struct hvx_vm *vm = hvx_mn_to_vm(mn);

	spin_lock(&vm->mmu_lock);
	/*
	 * Bump the sequence before the count drops: a fault that found the
	 * old page during the invalidation but takes the lock only now sees
	 * no invalidation pending, and must still see a changed sequence.
	 */
	vm->mmu_seq++;
	/* Registration waits out running invalidations, so this is balanced. */
	if (vm->mmu_invalidating > 0)
		vm->mmu_invalidating--;
	spin_unlock(&vm->mmu_lock);
}

/*
 * The mm is going away (exit_mmap), or we are unregistering while it
 * lives: drop every mapping before its pages are freed.
 */
static void hvx_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct hvx_vm *vm = hvx_mn_to_vm(mn);

	spin_lock(&vm->mmu_lock);
	if (hvx_tdp_zap_gfn_range(vm, 0, HVX_TDP_GFN_LIMIT))
		hvx_vm_flush_tlbs(vm);
	vm->mmu_seq++;
	spin_unlock(&vm->mmu_lock);
}

/* Page aging for reclaim, from the accessed bits of the leaves. */
static int hvx_mn_clear_flush_young(struct mmu_notifier *mn,
				    struct mm_struct *mm,
				    unsigned long start, unsigned long end)
{
	struct hvx_vm *vm = hvx_mn_to_vm(mn);
	bool young;

	spin_lock(&vm->mmu_lock);
	young = hvx_mn_handle_hva_range(vm, start, end, HVX_MN_CLEAR_YOUNG);
	/* So that a cached translation does not hide the next access. */
	if (young)
		hvx_vm_flush_tlbs(vm);
	spin_unlock(&vm->mmu_lock);
	return young;
}

static int hvx_mn_clear_young(struct mmu_notifier *mn, struct mm_struct *mm,
			      unsigned long start, unsigned long end)
{
	struct hvx_vm *vm = hvx_mn_to_vm(mn);
	bool young;

	/* No flush, as the callback's contract allows: aging is a hint. */
	spin_lock(&vm->mmu_lock);
	young = hvx_mn_handle_hva_range(vm, start, end, HVX_MN_CLEAR_YOUNG);
	spin_unlock(&vm->mmu_lock);
	return young;
}

static int hvx_mn_test_young(struct mmu_notifier *mn, struct mm_struct *mm,
			     unsigned long address)
{
	struct hvx_vm *vm = hvx_mn_to_vm(mn);
	bool young;

	spin_lock(&vm->mmu_lock);
	young = hvx_mn_handle_hva_range(vm, address, address + PAGE_SIZE,
					HVX_MN_TEST_YOUNG);
	spin_unlock(&vm->mmu_lock);
	return young;
}

static const struct mmu_notifier_ops hvx_mmu_notifier_ops = {
	.invalidate_range_start	= hvx_mn_invalidate_range_start,
	.invalidate_range_end	= hvx_mn_invalidate_range_end,
	.release		= hvx_mn_release,
	.clear_flush_young	= hvx_mn_clear_flush_young,
	.clear_young		= hvx_mn_clear_young,
	.test_young		= hvx_mn_test_young,
};

/* At VM creation, in the creating process (takes mmap_lock for write). */
int hvx_tdp_notifier_register(struct hvx_vm *vm)
{
	int r;

	vm->mmu_notifier.ops = &hvx_mmu_notifier_ops;
	r = mmu_notifier_register(&vm->mmu_notifier, vm->mm);
	if (!r)
		vm->mmu_notifier_registered = true;
	return r;
}

/*
 * May run after the mm has been torn down (the VM fd closes in exit_files,
 * after exit_mm): vm->mm is still mmgrab'd, and unregister knows that
 * ->release already ran. It waits for callbacks in flight (SRCU), so the
 * VM may be freed afterwards.
 */
void hvx_tdp_notifier_unregister(struct hvx_vm *vm)
{
	if (!vm->mmu_notifier_registered)
		return;
	mmu_notifier_unregister(&vm->mmu_notifier, vm->mm);
	vm->mmu_notifier_registered = false;
}
