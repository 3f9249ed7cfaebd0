// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_PRE_FAULT_MEMORY (vCPU ioctl): map guest-physical memory into the
 * nested page tables before the guest touches it, so a VMM can take the
 * faults up front (before a migration's downtime, or a latency-sensitive
 * start). Each page goes through the same path as a guest read fault
 * (hvx_tdp_fault()), so what gets mapped, and how large, is what the
 * guest's own first read would have mapped.
 *
 * KVM's contract: the range is walked from its start; gpa and size are
 * written back advanced past what was mapped; the call succeeds if
 * anything was mapped, and otherwise returns why the first page could not
 * be: ENOENT where no memslot is (MMIO), EINTR on a signal, EFAULT where
 * the VMM's memory is not mapped. Only under nested paging: a shadow page
 * table is per guest address space, with nothing to fill in advance.
 */
#include <linux/sched/signal.h>
#include "hvx_core.h"
#include "shadow.h"
#include "tdp.h"

/* Map the page at @gpa; the bytes from @gpa to the end of its mapping, or -errno. */
static long hvx_pre_fault_one(struct hvx_vcpu *vcpu, u64 gpa, u64 left)
{
	u64 size;
	int r;

	for (;;) {
		if (signal_pending(current))
			return -EINTR;
		r = hvx_tdp_fault(vcpu, gpa, false, false);
		if (r < 0)
			return r;
		if (r == HVX_TDP_MMIO)
			return -ENOENT;
		if (r == HVX_TDP_MAPPED)
			break;
		cond_resched();		/* HVX_TDP_RETRY: an invalidation raced */
	}
	/* A 2 MiB leaf may begin before @gpa: skip to its end. */
	size = hvx_tdp_mapping_size(vcpu->vm, gpa >> PAGE_SHIFT);
	return min(left, ALIGN_DOWN(gpa, size) + size - gpa);
}

long hvx_vcpu_pre_fault_memory(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_pre_fault_memory range;
	u64 full_size;
	long r = 0;

	if (copy_from_user(&range, argp, sizeof(range)))
		return -EFAULT;
	if (range.flags)
		return -EINVAL;
	if (!PAGE_ALIGNED(range.gpa) || !PAGE_ALIGNED(range.size) ||
	    range.gpa + range.size <= range.gpa)
		return -EINVAL;
	if (hvx_shadow_enabled())
		return -EOPNOTSUPP;

	full_size = range.size;
	while (range.size) {
		r = hvx_pre_fault_one(vcpu, range.gpa, range.size);
		if (r < 0)
			break;
		range.gpa += r;
		range.size -= r;
		cond_resched();
	}
	if (copy_to_user(argp, &range, sizeof(range)))
		return -EFAULT;
	/* Success once anything was mapped, as KVM. */
	return range.size == full_size ? r : 0;
}
