// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory slots: KVM_SET_USER_MEMORY_REGION, gfn lookups, and the
 * guest-physical copies the emulator and exit handlers use.
 *
 * Locking: vm->slots_lock (a mutex) serialises slot changes, so the
 * validation may read memslots[] with it alone; the change itself is made
 * under vm->mmu_lock, which every reader takes (lookups, the MMU notifier),
 * together with the zap of the old mapping (or, when dirty logging starts,
 * the write-protection of it) and a bump of vm->mmu_seq so that a fault
 * which looked up the old slot installs nothing.
 *
 * Writes to guest memory on the guest's behalf (the emulator, the page
 * walker's accessed/dirty bits) are logged here, in the same mmu_lock
 * section as the write when the slot logs dirty pages (hvx_guest_write_op).
 */
#include <linux/mm.h>
#include <linux/uaccess.h>
#include "hvx_core.h"
#include "tdp.h"

/* KVM_MEM_MAX_NR_PAGES (include/linux/kvm_host.h; not in the uapi). */
#define HVX_MEM_MAX_NR_PAGES	((1UL << 31) - 1)

/* KVM's check_memory_region_flags() on x86 (no guest_memfd here). */
#define HVX_MEM_VALID_FLAGS	(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)

int hvx_memslots_init(struct hvx_vm *vm)
{
	unsigned int i;

	mutex_init(&vm->slots_lock);
	spin_lock_init(&vm->mmu_lock);
	INIT_LIST_HEAD(&vm->shadows);
	for (i = 0; i < HVX_MAX_MEMSLOTS; i++)
		vm->memslots[i] = (struct hvx_memslot){ .slot = i };
	vm->mmu_seq = 0;
	vm->mmu_invalidating = 0;
	return hvx_tdp_init(vm);
}

void hvx_memslots_destroy(struct hvx_vm *vm)
{
	unsigned int i;

	hvx_tdp_destroy(vm);
	for (i = 0; i < HVX_MAX_MEMSLOTS; i++)
		hvx_dirty_bitmap_free(vm->memslots[i].dirty_bitmap);
	mutex_destroy(&vm->slots_lock);
}

/* The checks of KVM's check_memory_region_flags() and __kvm_set_memory_region(). */
static int hvx_memslot_check(const struct kvm_userspace_memory_region *mem)
{
	if (mem->flags & ~HVX_MEM_VALID_FLAGS)
		return -EINVAL;
	/* Address space (slot >> 16) 0 only: there is no SMM space. */
	if ((mem->slot >> 16) != 0 || (u16)mem->slot >= HVX_MAX_MEMSLOTS)
		return -EINVAL;
	if (!PAGE_ALIGNED(mem->memory_size) || !PAGE_ALIGNED(mem->guest_phys_addr))
		return -EINVAL;
	/* The copies below go through the user mapping: it must be user memory. */
	if (!PAGE_ALIGNED(mem->userspace_addr) ||
	    mem->userspace_addr != untagged_addr(mem->userspace_addr) ||
	    !access_ok((void __user *)(unsigned long)mem->userspace_addr,
		       mem->memory_size))
		return -EINVAL;
	if (mem->guest_phys_addr + mem->memory_size < mem->guest_phys_addr)
		return -EINVAL;
	if ((mem->memory_size >> PAGE_SHIFT) > HVX_MEM_MAX_NR_PAGES)
		return -EINVAL;
	return 0;
}

static bool hvx_memslot_overlaps(struct hvx_vm *vm, u32 id, u64 base_gfn,
				 u64 npages)
{
	unsigned int i;

	for (i = 0; i < HVX_MAX_MEMSLOTS; i++) {
		const struct hvx_memslot *s = &vm->memslots[i];

		if (i == id || !s->npages)
			continue;
		if (base_gfn < s->base_gfn + s->npages &&
		    s->base_gfn < base_gfn + npages)
			return true;
	}
	return false;
}

/*
 * Replace @slot by @new. A delete or a move takes the old frames' mappings
 * first, in the same critical section, so no guest access and no notifier
 * ever sees a gfn mapped through a slot that is no longer there. A change
 * of flags keeps them (as KVM does), but when it starts dirty logging they
 * are write-protected in that section (unless every bit starts set), so no
 * write after it goes unlogged. The old dirty bitmap goes after the lock
 * (new->dirty_bitmap may be the same one, carried over).
 */
static void hvx_memslot_commit(struct hvx_vm *vm, struct hvx_memslot *slot,
			       const struct hvx_memslot *new)
{
	unsigned long *old_bitmap = slot->dirty_bitmap;
	bool flush = false;

	spin_lock(&vm->mmu_lock);
	if (slot->npages && (!new->npages || new->base_gfn != slot->base_gfn))
		flush = hvx_tdp_zap_gfn_range(vm, slot->base_gfn,
					      slot->base_gfn + slot->npages);
	else if (slot->npages && new->dirty_bitmap && !slot->dirty_bitmap)
		flush = hvx_tdp_slot_start_dirty_log(vm, new,
			!(vm->dirty_log_manual & KVM_DIRTY_LOG_INITIALLY_SET));
	*slot = *new;
	vm->mmu_seq++;
	if (flush)
		hvx_vm_flush_tlbs(vm);
	spin_unlock(&vm->mmu_lock);
	if (old_bitmap != new->dirty_bitmap)
		hvx_dirty_bitmap_free(old_bitmap);
}

/* Under slots_lock: the create / delete / move decision, as KVM makes it. */
static int hvx_memslot_update(struct hvx_vm *vm,
			      const struct kvm_userspace_memory_region *mem)
{
	u32 id = (u16)mem->slot;
	struct hvx_memslot *old = &vm->memslots[id];
	struct hvx_memslot new = {
		.slot = id,
		.flags = mem->flags,
		.base_gfn = mem->guest_phys_addr >> PAGE_SHIFT,
		.npages = mem->memory_size >> PAGE_SHIFT,
		.hva = mem->userspace_addr,
	};

	if (!new.npages) {
		if (!old->npages)
			return -EINVAL;
		new = (struct hvx_memslot){ .slot = id };
		hvx_memslot_commit(vm, old, &new);
		return 0;
	}

	if (old->npages) {
		/* Resizing or remapping is delete + create, as on KVM. */
		if (new.hva != old->hva || new.npages != old->npages ||
		    ((new.flags ^ old->flags) & KVM_MEM_READONLY))
			return -EINVAL;
		if (new.base_gfn == old->base_gfn && new.flags == old->flags)
			return 0;
	}

	/* A create or a move (not a change of flags in place). */
	if (!old->npages || new.base_gfn != old->base_gfn) {
		if (hvx_memslot_overlaps(vm, id, new.base_gfn, new.npages))
			return -EEXIST;
		/* x86 KVM refuses slots beyond the largest gfn its tables can map. */
		if (new.base_gfn + new.npages > HVX_TDP_GFN_LIMIT)
			return -EINVAL;
	}

	/* Logging on both sides keeps its bitmap (a move too), as on KVM. */
	if (new.flags & KVM_MEM_LOG_DIRTY_PAGES) {
		new.dirty_bitmap = old->npages ? old->dirty_bitmap : NULL;
		if (!new.dirty_bitmap)
			new.dirty_bitmap = hvx_dirty_bitmap_alloc(vm, new.npages);
		if (!new.dirty_bitmap)
			return -ENOMEM;
	}

	hvx_memslot_commit(vm, old, &new);
	return 0;
}

int hvx_set_user_memory_region(struct hvx_vm *vm,
			       const struct kvm_userspace_memory_region *mem)
{
	int r;

	r = hvx_memslot_check(mem);
	if (r)
		return r;

	mutex_lock(&vm->slots_lock);
	r = hvx_memslot_update(vm, mem);
	mutex_unlock(&vm->slots_lock);
	return r;
}

const struct hvx_memslot *hvx_memslot_find_locked(struct hvx_vm *vm, u64 gfn)
{
	unsigned int i;

	lockdep_assert_held(&vm->mmu_lock);
	for (i = 0; i < HVX_MAX_MEMSLOTS; i++) {
		const struct hvx_memslot *s = &vm->memslots[i];

		/* Unsigned: a gfn below base_gfn wraps and fails the test. */
		if (gfn - s->base_gfn < s->npages)
			return s;
	}
	return NULL;
}

bool hvx_memslot_lookup(struct hvx_vm *vm, u64 gfn, struct hvx_memslot *out)
{
	const struct hvx_memslot *s;

	spin_lock(&vm->mmu_lock);
	s = hvx_memslot_find_locked(vm, gfn);
	if (s)
		*out = *s;
	spin_unlock(&vm->mmu_lock);
	return s != NULL;
}

/* The VMM's address of guest-physical @gpa, for one read within a page. */
static int hvx_guest_hva(struct hvx_vm *vm, u64 gpa, unsigned long *hva)
{
	struct hvx_memslot slot;
	u64 gfn = gpa >> PAGE_SHIFT;

	if (!hvx_memslot_lookup(vm, gfn, &slot))
		return -ENOENT;
	*hva = slot.hva + ((gfn - slot.base_gfn) << PAGE_SHIFT) +
	       offset_in_page(gpa);
	return 0;
}

/* Bytes from @gpa to the end of its page, at most @len. */
static unsigned int hvx_guest_chunk(u64 gpa, unsigned int len)
{
	return min_t(u64, len, PAGE_SIZE - offset_in_page(gpa));
}

/*
 * Page by page, since consecutive guest pages may lie in different slots.
 * The copy may fault the VMM's page in, so the caller must be able to
 * sleep; a slot changing meanwhile only means the copy used the old one,
 * as it could on KVM.
 */
int hvx_read_guest(struct hvx_vm *vm, u64 gpa, void *buf, unsigned int len)
{
	unsigned long hva;
	int r;

	if (current->mm != vm->mm)
		return -EFAULT;
	while (len) {
		unsigned int n = hvx_guest_chunk(gpa, len);

		r = hvx_guest_hva(vm, gpa, &hva);
		if (r)
			return r;
		if (copy_from_user(buf, (const void __user *)hva, n))
			return -EFAULT;
		gpa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * One write within a page at the VMM's @hva: 0 if it wrote, 1 if it wrote
 * nothing (a compare-and-exchange that found another value), -EFAULT if
 * the page is not there (or not writable) in the VMM's mapping.
 */
typedef int (*hvx_guest_write_fn)(unsigned long hva, void *arg);

/*
 * A write to guest-physical @gpa (within one page) on the guest's behalf.
 * Where the slot logs dirty pages, the write and its dirty bit are made in
 * one mmu_lock section with page faults off, so a harvest (which takes the
 * bits under mmu_lock) sees both or neither: the page cannot change after
 * a harvest read its bit unless a later harvest finds the bit set. A fault
 * drops the lock, faults the page in writable, and tries again. Elsewhere
 * the write runs unlocked and may sleep in a fault, as before.
 */
static int hvx_guest_write_op(struct hvx_vm *vm, u64 gpa, hvx_guest_write_fn fn,
			      void *arg)
{
	u64 gfn = gpa >> PAGE_SHIFT;
	const struct hvx_memslot *s;
	unsigned long hva;
	struct page *page;
	int r;

	if (current->mm != vm->mm)
		return -EFAULT;
	for (;;) {
		spin_lock(&vm->mmu_lock);
		s = hvx_memslot_find_locked(vm, gfn);
		if (!s || (s->flags & KVM_MEM_READONLY)) {
			spin_unlock(&vm->mmu_lock);
			return -ENOENT;
		}
		hva = s->hva + ((gfn - s->base_gfn) << PAGE_SHIFT) + offset_in_page(gpa);
		if (!s->dirty_bitmap) {
			spin_unlock(&vm->mmu_lock);
			return fn(hva, arg);
		}
		pagefault_disable();
		r = fn(hva, arg);
		pagefault_enable();
		/* A fault may come after part of a copy: log it all the same. */
		if (r != 1)
			hvx_dirty_log_mark(s, gfn);
		spin_unlock(&vm->mmu_lock);
		if (r != -EFAULT)
			return r;
		if (get_user_pages_unlocked(hva, 1, &page, FOLL_WRITE) != 1)
			return -EFAULT;
		put_page(page);
	}
}

struct hvx_guest_copy {
	const void *buf;
	unsigned int len;
};

static int hvx_guest_copy_to(unsigned long hva, void *arg)
{
	const struct hvx_guest_copy *c = arg;

	return copy_to_user((void __user *)hva, c->buf, c->len) ? -EFAULT : 0;
}

int hvx_write_guest(struct hvx_vm *vm, u64 gpa, const void *buf,
		    unsigned int len)
{
	int r;

	while (len) {
		struct hvx_guest_copy c = { buf, hvx_guest_chunk(gpa, len) };

		r = hvx_guest_write_op(vm, gpa, hvx_guest_copy_to, &c);
		if (r)
			return r;
		gpa += c.len;
		buf += c.len;
		len -= c.len;
	}
	return 0;
}

struct hvx_guest_cmpxchg {
	u64 old, new;
	unsigned int size;
};

static int hvx_guest_cmpxchg_at(unsigned long hva, void *arg)
{
	struct hvx_guest_cmpxchg *c = arg;
	u32 old32 = c->old;

	if (!access_ok((void __user *)hva, c->size))
		return -EFAULT;
	/* __try_cmpxchg_user: 0 swapped, 1 memory differed, -EFAULT. */
	if (c->size == sizeof(u64))
		return __try_cmpxchg_user((u64 __user *)hva, &c->old, c->new,
					  cmpxchg8_fault);
	return __try_cmpxchg_user((u32 __user *)hva, &old32, (u32)c->new,
				  cmpxchg4_fault);
}

int hvx_cmpxchg_guest(struct hvx_vm *vm, u64 gpa, u64 old, u64 new,
		      unsigned int size)
{
	struct hvx_guest_cmpxchg c = { old, new, size };

	if ((size != sizeof(u32) && size != sizeof(u64)) ||
	    offset_in_page(gpa) + size > PAGE_SIZE)
		return -EINVAL;
	return hvx_guest_write_op(vm, gpa, hvx_guest_cmpxchg_at, &c);
}
