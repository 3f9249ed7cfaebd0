// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dirty-page logging, KVM's ABI: KVM_MEM_LOG_DIRTY_PAGES gives a slot a
 * bitmap, KVM_GET_DIRTY_LOG hands it out, KVM_CLEAR_DIRTY_LOG (with
 * KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2) clears parts of it. The semantics are
 * those of KVM 6.1's kvm_get_dirty_log_protect() and
 * kvm_clear_dirty_log_protect() (virt/kvm/kvm_main.c).
 *
 * Exactness rests on one invariant, kept under vm->mmu_lock: a page of a
 * logged slot is writable in the nested tables (and so in any shadow
 * leaf, which is only made writable from a writable nested leaf) only
 * while its bit is set. A write fault sets the bit when it makes the leaf
 * writable (arch-x86/mmu/tdp.c); a harvest takes the bits and removes
 * write access from those pages in one mmu_lock section and flushes every
 * vCPU's TLB before it returns, so any write after the ioctl returns
 * faults and sets the bit again. A write through a stale TLB entry before
 * the flush belongs to a page this harvest reports, and userspace reads
 * the page only after the ioctl returned. Writes hvx makes itself set the
 * bit in the same mmu_lock section as the write (hvx_memslot.c).
 *
 * Locking: slots_lock serialises these ioctls with slot changes (the
 * bitmap's second half is the GET snapshot buffer); mmu_lock guards the
 * bits and the nested tables.
 */
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "hvx_core.h"
#include "tdp.h"

/*
 * What KVM checks a slot id against in these ioctls on x86: two address
 * spaces (SMM), KVM_USER_MEM_SLOTS ids. Within those limits a slot hvx
 * does not have is -ENOENT, as a slot KVM has not created.
 */
#define HVX_KVM_ADDRESS_SPACES	2
#define HVX_KVM_USER_MEM_SLOTS	(SHRT_MAX - 3)

/* The flags KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 offers (x86's KVM_DIRTY_LOG_MANUAL_CAPS). */
#define HVX_DIRTY_LOG_MANUAL_CAPS (KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | \
				   KVM_DIRTY_LOG_INITIALLY_SET)

/* kvm_dirty_bitmap_bytes(): whole longs. */
static unsigned long hvx_dirty_bitmap_bytes(u64 npages)
{
	return ALIGN(npages, BITS_PER_LONG) / BITS_PER_BYTE;
}

/* Under slots_lock (vm->dirty_log_manual). */
unsigned long *hvx_dirty_bitmap_alloc(struct hvx_vm *vm, u64 npages)
{
	unsigned long *bitmap;

	bitmap = kvcalloc(2, hvx_dirty_bitmap_bytes(npages), GFP_KERNEL_ACCOUNT);
	/* Every page starts dirty: userspace clears what it has copied. */
	if (bitmap && (vm->dirty_log_manual & KVM_DIRTY_LOG_INITIALLY_SET))
		bitmap_set(bitmap, 0, npages);
	return bitmap;
}

void hvx_dirty_bitmap_free(unsigned long *bitmap)
{
	kvfree(bitmap);
}

/*
 * KVM_ENABLE_CAP(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2), args[0] = @flags:
 * INITIALLY_SET only together with MANUAL_PROTECT_ENABLE; 0 turns manual
 * protection off again. It applies to bitmaps made from now on, and to
 * every KVM_GET_DIRTY_LOG.
 */
int hvx_dirty_log_enable_cap(struct hvx_vm *vm, u64 flags)
{
	u64 allowed = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE;

	if (flags & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE)
		allowed = HVX_DIRTY_LOG_MANUAL_CAPS;
	if (flags & ~allowed)
		return -EINVAL;
	mutex_lock(&vm->slots_lock);
	vm->dirty_log_manual = flags;
	mutex_unlock(&vm->slots_lock);
	return 0;
}

/*
 * The logged slot @id names (bits 31:16 the address space), under
 * slots_lock: -EINVAL beyond KVM's limits, -ENOENT if it is not there or
 * does not log.
 */
static int hvx_dirty_log_slot(struct hvx_vm *vm, u32 id, struct hvx_memslot **out)
{
	u32 as_id = id >> 16;
	struct hvx_memslot *slot;

	if (as_id >= HVX_KVM_ADDRESS_SPACES || (u16)id >= HVX_KVM_USER_MEM_SLOTS)
		return -EINVAL;
	lockdep_assert_held(&vm->slots_lock);
	if (as_id != 0 || (u16)id >= HVX_MAX_MEMSLOTS)
		return -ENOENT;
	slot = &vm->memslots[(u16)id];
	if (!slot->npages || !slot->dirty_bitmap)
		return -ENOENT;
	*out = slot;
	return 0;
}

/*
 * Take the set bits of @slot's bitmap into @snapshot, zero, and remove
 * write access from their pages; flush if any page lost it.
 */
static void hvx_dirty_log_harvest(struct hvx_vm *vm, struct hvx_memslot *slot,
				  unsigned long *snapshot)
{
	unsigned long i, words = hvx_dirty_bitmap_bytes(slot->npages) / sizeof(long);
	unsigned long *bitmap = slot->dirty_bitmap;
	bool flush = false;

	memset(snapshot, 0, words * sizeof(long));
	spin_lock(&vm->mmu_lock);
	for (i = 0; i < words; i++) {
		unsigned long mask;

		if (!READ_ONCE(bitmap[i]))
			continue;
		mask = xchg(&bitmap[i], 0);
		snapshot[i] = mask;
		flush |= hvx_tdp_write_protect_masked(vm, slot, i * BITS_PER_LONG, mask);
	}
	if (flush)
		hvx_vm_flush_tlbs(vm);
	spin_unlock(&vm->mmu_lock);
}

/*
 * KVM_GET_DIRTY_LOG: the slot's bitmap, whole longs. Without manual
 * protection the bits are taken (the pages write-protected again); with
 * it the bitmap is copied as it is and KVM_CLEAR_DIRTY_LOG clears it.
 */
long hvx_dirty_log_get(struct hvx_vm *vm, void __user *argp)
{
	struct hvx_memslot *slot;
	struct kvm_dirty_log log;
	unsigned long *bitmap;
	long r;

	if (copy_from_user(&log, argp, sizeof(log)))
		return -EFAULT;
	mutex_lock(&vm->slots_lock);
	r = hvx_dirty_log_slot(vm, log.slot, &slot);
	if (r)
		goto out;
	bitmap = slot->dirty_bitmap;
	if (!(vm->dirty_log_manual & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE)) {
		unsigned long *snapshot = (void *)bitmap +
					  hvx_dirty_bitmap_bytes(slot->npages);

		hvx_dirty_log_harvest(vm, slot, snapshot);
		bitmap = snapshot;
	}
	if (copy_to_user(log.dirty_bitmap, bitmap, hvx_dirty_bitmap_bytes(slot->npages)))
		r = -EFAULT;
out:
	mutex_unlock(&vm->slots_lock);
	return r;
}

/*
 * KVM_CLEAR_DIRTY_LOG: clear the bits set in userspace's bitmap for pages
 * [first_page, first_page + num_pages) and write-protect those pages.
 * first_page must be a multiple of 64, and num_pages too unless the range
 * runs to the end of the slot. Bits beyond the slot are ignored.
 */
long hvx_dirty_log_clear(struct hvx_vm *vm, void __user *argp)
{
	struct kvm_clear_dirty_log log;
	unsigned long i, n, *bitmap, *buf;
	struct hvx_memslot *slot;
	bool flush = false;
	u64 offset;
	long r;

	if (copy_from_user(&log, argp, sizeof(log)))
		return -EFAULT;
	mutex_lock(&vm->slots_lock);
	/* KVM's order: the slot id, the alignment, the slot, the range. */
	r = hvx_dirty_log_slot(vm, log.slot, &slot);
	if (r == -EINVAL || (log.first_page & (BITS_PER_LONG - 1))) {
		r = -EINVAL;
		goto out;
	}
	if (r)
		goto out;
	r = -EINVAL;
	if (log.first_page > slot->npages ||
	    log.num_pages > slot->npages - log.first_page ||
	    (log.num_pages < slot->npages - log.first_page &&
	     (log.num_pages & (BITS_PER_LONG - 1))))
		goto out;

	bitmap = slot->dirty_bitmap;
	buf = (void *)bitmap + hvx_dirty_bitmap_bytes(slot->npages);
	n = DIV_ROUND_UP(log.num_pages, BITS_PER_LONG);
	r = -EFAULT;
	if (copy_from_user(buf, log.dirty_bitmap, n * sizeof(long)))
		goto out;
	r = 0;

	spin_lock(&vm->mmu_lock);
	for (i = 0, offset = log.first_page; i < n; i++, offset += BITS_PER_LONG) {
		atomic_long_t *word = (atomic_long_t *)&bitmap[offset / BITS_PER_LONG];
		unsigned long mask = buf[i];

		if (!mask)
			continue;
		/* Only the bits that were set (never one beyond the slot). */
		mask &= atomic_long_fetch_andnot(mask, word);
		if (mask)
			flush |= hvx_tdp_write_protect_masked(vm, slot, offset, mask);
	}
	if (flush)
		hvx_vm_flush_tlbs(vm);
	spin_unlock(&vm->mmu_lock);
out:
	mutex_unlock(&vm->slots_lock);
	return r;
}
