// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory slots: KVM_SET_USER_MEMORY_REGION, gfn lookups, and the
 * guest-physical copies the emulator and exit handlers use.
 *
 * Locking: vm->slots_lock (a mutex) serialises slot changes, so the
 * validation may read memslots[] with it alone; the change itself is made
 * under vm->mmu_lock, which every reader takes (lookups, the MMU notifier),
 * together with the zap of the old mapping and a bump of vm->mmu_seq so
 * that a fault which looked up the old slot installs nothing.
 */
#include <linux/mm.h>
#include <linux/uaccess.h>
#include "hvx_core.h"
#include "tdp.h"

/* KVM_MEM_MAX_NR_PAGES (include/linux/kvm_host.h; not in the uapi). */
#define HVX_MEM_MAX_NR_PAGES	((1UL << 31) - 1)

/*
 * KVM also accepts KVM_MEM_LOG_DIRTY_PAGES; hvx has no dirty logging yet,
 * so that flag is refused (-EINVAL) rather than silently ignored.
 */
#define HVX_MEM_VALID_FLAGS	KVM_MEM_READONLY

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
	hvx_tdp_destroy(vm);
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
 * Replace @slot by @new. The old frames' mappings go first, in the same
 * critical section, so no guest access and no notifier ever sees a gfn
 * mapped through a slot that is no longer there.
 */
static void hvx_memslot_commit(struct hvx_vm *vm, struct hvx_memslot *slot,
			       const struct hvx_memslot *new)
{
	bool flush = false;

	spin_lock(&vm->mmu_lock);
	if (slot->npages)
		flush = hvx_tdp_zap_gfn_range(vm, slot->base_gfn,
					      slot->base_gfn + slot->npages);
	*slot = *new;
	vm->mmu_seq++;
	if (flush)
		hvx_vm_flush_tlbs(vm);
	spin_unlock(&vm->mmu_lock);
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
		/*
		 * Same place: with READONLY the only flag, the flags are
		 * equal too, so there is nothing to change.
		 */
		if (new.base_gfn == old->base_gfn)
			return 0;
	}

	if (hvx_memslot_overlaps(vm, id, new.base_gfn, new.npages))
		return -EEXIST;
	/* x86 KVM refuses slots beyond the largest gfn its tables can map. */
	if (new.base_gfn + new.npages > HVX_TDP_GFN_LIMIT)
		return -EINVAL;

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

/* Caller holds mmu_lock. */
static const struct hvx_memslot *hvx_memslot_find(struct hvx_vm *vm, u64 gfn)
{
	unsigned int i;

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
	s = hvx_memslot_find(vm, gfn);
	if (s)
		*out = *s;
	spin_unlock(&vm->mmu_lock);
	return s != NULL;
}

/* The VMM's address of guest-physical @gpa, for one access within a page. */
static int hvx_guest_hva(struct hvx_vm *vm, u64 gpa, bool write,
			 unsigned long *hva)
{
	struct hvx_memslot slot;
	u64 gfn = gpa >> PAGE_SHIFT;

	if (!hvx_memslot_lookup(vm, gfn, &slot))
		return -ENOENT;
	if (write && (slot.flags & KVM_MEM_READONLY))
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
static int hvx_copy_guest(struct hvx_vm *vm, u64 gpa, void *buf, unsigned int len,
			  bool write)
{
	unsigned long hva, left;
	int r;

	if (current->mm != vm->mm)
		return -EFAULT;
	while (len) {
		unsigned int n = hvx_guest_chunk(gpa, len);

		r = hvx_guest_hva(vm, gpa, write, &hva);
		if (r)
			return r;
		left = write ? copy_to_user((void __user *)hva, buf, n)
			     : copy_from_user(buf, (const void __user *)hva, n);
		if (left)
			return -EFAULT;
		gpa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int hvx_read_guest(struct hvx_vm *vm, u64 gpa, void *buf, unsigned int len)
{
	return hvx_copy_guest(vm, gpa, buf, len, false);
}

int hvx_write_guest(struct hvx_vm *vm, u64 gpa, const void *buf,
		    unsigned int len)
{
	/* copy_to_user() only reads @buf. */
	return hvx_copy_guest(vm, gpa, (void *)buf, len, true);
}
