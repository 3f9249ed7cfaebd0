/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Two-dimensional paging (AMD NPT, Intel EPT): the nested page tables that
 * map guest-physical to host-physical memory, filled on demand from the
 * VMM's pages and kept coherent with the VMM's mm by an MMU notifier.
 * The walk and the notifier glue are shared; only the entry format differs
 * between the vendors (struct hvx_tdp_format).
 */
#ifndef HVX_TDP_H
#define HVX_TDP_H

#include <linux/types.h>

struct hvx_vm;
struct hvx_vcpu;
struct hvx_memslot;

/*
 * Four levels of 512 entries map 48 bits of guest-physical space; slots
 * above that are refused (as KVM refuses slots beyond kvm_mmu_max_gfn()).
 */
#define HVX_TDP_LEVELS		4
#define HVX_TDP_GPA_BITS	48
#define HVX_TDP_GFN_LIMIT	(1ULL << (HVX_TDP_GPA_BITS - 12))	/* exclusive */

/* What a vendor's nested page-table entry looks like. 4-level, 4 KiB tables. */
struct hvx_tdp_format {
	const char *name;			/* "NPT", "EPT" */
	/* Entry bits for a pointer to the next-level table (full access). */
	u64 table_bits;
	/* Entry bits for a leaf (4 KiB or 2 MiB) mapping of RAM. */
	u64 leaf_bits;				/* readable + executable + memory type */
	u64 writable_bit;
	u64 large_bit;				/* PS bit at the 2 MiB level */
	u64 present_mask;			/* any of these set: entry present */
	u64 dirty_bit;				/* 0 if the hardware does not set one */
	u64 accessed_bit;			/* 0 if the hardware does not set one */
	/*
	 * A bit the hardware ignores: the host gave the page writable. A
	 * leaf with it but without writable_bit is write-protected for
	 * dirty logging only, and a write fault just sets writable_bit.
	 */
	u64 host_writable_bit;
};

extern const struct hvx_tdp_format hvx_npt_format;
/* Not const: the VMX probe clears accessed_bit/dirty_bit without EPT A/D. */
extern struct hvx_tdp_format hvx_ept_format;

/* Results of hvx_tdp_fault() besides -errno. */
enum hvx_tdp_fault_result {
	HVX_TDP_MAPPED,		/* mapping installed: re-enter the guest */
	HVX_TDP_RETRY,		/* raced with an invalidation: re-enter, it faults again */
	HVX_TDP_MMIO,		/* no slot, or a write to a READONLY slot: emulate */
};

/*
 * VM lifetime, called from hvx_memslots_init()/hvx_memslots_destroy().
 * Init allocates the root table and registers the MMU notifier on vm->mm.
 */
int hvx_tdp_init(struct hvx_vm *vm);
void hvx_tdp_destroy(struct hvx_vm *vm);

/* Physical address of the top-level table, for nCR3 / the EPTP. */
u64 hvx_tdp_root_pa(struct hvx_vm *vm);

/*
 * Handle a nested page fault at @gpa (access: @write, @fetch). Runs in the
 * vCPU thread (the VM's mm), may sleep. Returns enum hvx_tdp_fault_result,
 * -EFAULT when the slot's host memory is not mapped (KVM_RUN then fails
 * with -EFAULT, as on KVM), -EHWPOISON, -EINTR on a fatal signal, -ENOMEM.
 */
int hvx_tdp_fault(struct hvx_vcpu *vcpu, u64 gpa, bool write, bool fetch);
/* The bytes the mapping of @gfn covers now (takes mmu_lock). */
u64 hvx_tdp_mapping_size(struct hvx_vm *vm, u64 gfn);
/* KVM_PRE_FAULT_MEMORY (pre_fault.c). */
long hvx_vcpu_pre_fault_memory(struct hvx_vcpu *vcpu, void __user *argp);

/*
 * Remove every mapping of guest frames [start_gfn, end_gfn). Caller holds
 * vm->mmu_lock and must call hvx_vm_flush_tlbs() if this returns true.
 */
bool hvx_tdp_zap_gfn_range(struct hvx_vm *vm, u64 start_gfn, u64 end_gfn);

/*
 * Dirty logging (kmod/hvx_dirty_log.c). Caller holds mmu_lock; a true
 * return means a mapping lost write access: call hvx_vm_flush_tlbs()
 * before telling userspace the pages are clean.
 *
 * Logging starts on @slot: 2 MiB leaves over it go (faults map it in 4 KiB
 * pages from now on) and, with @write_protect, every 4 KiB leaf loses
 * write access, so that the next write to each page faults and logs it.
 */
bool hvx_tdp_slot_start_dirty_log(struct hvx_vm *vm, const struct hvx_memslot *slot,
				  bool write_protect);
/* The pages @slot->base_gfn + @offset + each set bit of @mask lose write access. */
bool hvx_tdp_write_protect_masked(struct hvx_vm *vm, const struct hvx_memslot *slot,
				  u64 offset, unsigned long mask);

/*
 * The host page behind @gfn if these tables map it now, and whether
 * writably. Caller holds mmu_lock: the answer holds until it drops it
 * (an invalidation zaps under that lock). For the shadow MMU.
 */
bool hvx_tdp_lookup(struct hvx_vm *vm, u64 gfn, u64 *pfn, bool *writable);

/*
 * Was any frame in [start_gfn, end_gfn) accessed since the last clear?
 * With @clear, also clear the accessed bits (the caller flushes TLBs if it
 * wants the hardware to set them again promptly). Caller holds mmu_lock.
 */
bool hvx_tdp_age_gfn_range(struct hvx_vm *vm, u64 start_gfn, u64 end_gfn,
			   bool clear);

/* tdp_notifier.c, for hvx_tdp_init()/hvx_tdp_destroy() only. */
int hvx_tdp_notifier_register(struct hvx_vm *vm);
void hvx_tdp_notifier_unregister(struct hvx_vm *vm);

/* Counters for tests and `hvx info`: leaves currently mapped. */
struct hvx_tdp_stats {
	u64 mapped_4k;
	u64 mapped_2m;
	u64 table_pages;
};
void hvx_tdp_get_stats(struct hvx_vm *vm, struct hvx_tdp_stats *stats);

/* Zeroed table pages a fault takes under the mmu_lock (tdp.c, shadow.c). */
int hvx_table_cache_topup(u64 **cache, int *nr, int need);
void hvx_table_cache_free(u64 **cache, int *nr);

#endif /* HVX_TDP_H */
