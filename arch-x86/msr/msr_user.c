// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSR accesses that the VMM handles, with KVM's ABI:
 * - KVM_X86_SET_MSR_FILTER: per-VM ranges of MSRs the guest may or may
 *   not read or write (a bitmap per range, the first range that covers an
 *   MSR decides, else the default). x2APIC MSRs are never filtered, and
 *   the VMM's own KVM_GET/SET_MSRS never are.
 * - KVM_CAP_X86_USER_SPACE_MSR: a guest RDMSR/WRMSR that would fault
 *   because hvx does not know the MSR (UNKNOWN), refuses the access
 *   (INVAL) or the filter denies it (FILTER) exits to userspace as
 *   KVM_EXIT_X86_RDMSR/WRMSR when the VMM asked for that reason; the VMM's
 *   answer (data, or error for #GP) completes the instruction at the next
 *   KVM_RUN.
 * The filter is replaced whole under RCU: a vCPU checks it without a lock.
 */
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "hvx_exit.h"
#include "msr.h"

struct hvx_msr_filter_range {
	u32 flags;			/* KVM_MSR_FILTER_READ / _WRITE */
	u32 base;
	u32 nmsrs;
	unsigned long *bitmap;		/* a set bit allows the access */
};

struct hvx_msr_filter {
	struct rcu_head rcu;
	bool default_allow;
	u32 count;
	struct hvx_msr_filter_range ranges[KVM_MSR_FILTER_MAX_RANGES];
};

static void hvx_msr_filter_free(struct hvx_msr_filter *f)
{
	u32 i;

	if (!f)
		return;
	for (i = 0; i < f->count; i++)
		kfree(f->ranges[i].bitmap);
	kfree(f);
}

static void hvx_msr_filter_free_rcu(struct rcu_head *head)
{
	hvx_msr_filter_free(container_of(head, struct hvx_msr_filter, rcu));
}

static int hvx_msr_filter_add(struct hvx_msr_filter *f,
			      const struct kvm_msr_filter_range *r)
{
	size_t size;
	void *bitmap;

	if (!r->nmsrs)		/* an unused slot of the array */
		return 0;
	if (!r->flags || (r->flags & ~(KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE)))
		return -EINVAL;
	size = BITS_TO_LONGS(r->nmsrs) * sizeof(long);
	if (size > KVM_MSR_FILTER_MAX_BITMAP_SIZE)
		return -EINVAL;
	bitmap = memdup_user(u64_to_user_ptr((u64)(unsigned long)r->bitmap), size);
	if (IS_ERR(bitmap))
		return PTR_ERR(bitmap);
	f->ranges[f->count++] = (struct hvx_msr_filter_range){
		.flags = r->flags, .base = r->base, .nmsrs = r->nmsrs, .bitmap = bitmap,
	};
	return 0;
}

long hvx_vm_set_msr_filter(struct hvx_vm *vm, void __user *argp)
{
	struct hvx_msr_filter *f, *old;
	struct kvm_msr_filter uf;
	bool empty = true;
	int r;
	u32 i;

	if (copy_from_user(&uf, argp, sizeof(uf)))
		return -EFAULT;
	if (uf.flags & ~KVM_MSR_FILTER_DEFAULT_DENY)
		return -EINVAL;
	for (i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++)
		empty &= !uf.ranges[i].nmsrs;
	/* Denying everything, with no range to allow anything, is refused. */
	if (empty && (uf.flags & KVM_MSR_FILTER_DEFAULT_DENY))
		return -EINVAL;

	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;
	f->default_allow = !(uf.flags & KVM_MSR_FILTER_DEFAULT_DENY);
	for (i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++) {
		r = hvx_msr_filter_add(f, &uf.ranges[i]);
		if (r) {
			hvx_msr_filter_free(f);
			return r;
		}
	}
	mutex_lock(&vm->lock);
	old = rcu_dereference_protected(vm->msr_filter, lockdep_is_held(&vm->lock));
	rcu_assign_pointer(vm->msr_filter, f);
	mutex_unlock(&vm->lock);
	if (old)
		call_rcu(&old->rcu, hvx_msr_filter_free_rcu);
	return 0;
}

void hvx_vm_free_msr_filter(struct hvx_vm *vm)
{
	hvx_msr_filter_free(rcu_dereference_protected(vm->msr_filter, true));
}

/* May the guest make this access (@type: KVM_MSR_FILTER_READ or _WRITE)? */
static bool hvx_msr_allowed(struct hvx_vcpu *vcpu, u32 msr, u32 type)
{
	const struct hvx_msr_filter *f;
	bool allowed = true;
	u32 i;

	if (msr >= 0x800 && msr <= 0x8ff)	/* x2APIC: never filtered */
		return true;
	rcu_read_lock();
	f = rcu_dereference(vcpu->vm->msr_filter);
	if (f) {
		allowed = f->default_allow;
		for (i = 0; i < f->count; i++) {
			const struct hvx_msr_filter_range *r = &f->ranges[i];

			if ((r->flags & type) && msr >= r->base && msr - r->base < r->nmsrs) {
				allowed = test_bit(msr - r->base, r->bitmap);
				break;
			}
		}
	}
	rcu_read_unlock();
	return allowed;
}

int hvx_guest_get_msr(struct hvx_vcpu *vcpu, u32 msr, u64 *val)
{
	if (!hvx_msr_allowed(vcpu, msr, KVM_MSR_FILTER_READ))
		return HVX_MSR_FILTERED;
	return hvx_get_msr(vcpu, msr, val, false);
}

int hvx_guest_set_msr(struct hvx_vcpu *vcpu, u32 msr, u64 val)
{
	if (!hvx_msr_allowed(vcpu, msr, KVM_MSR_FILTER_WRITE))
		return HVX_MSR_FILTERED;
	return hvx_set_msr(vcpu, msr, val, false);
}

/*
 * Does the VMM handle a guest access that failed with @result? The
 * KVM_MSR_EXIT_REASON_* for kvm_run, or 0: the guest gets #GP.
 */
u32 hvx_msr_user_exit_reason(struct hvx_vcpu *vcpu, int result)
{
	u32 reason;

	switch (result) {
	case HVX_MSR_FILTERED:
		reason = KVM_MSR_EXIT_REASON_FILTER;
		break;
	case HVX_MSR_UNKNOWN:
		reason = KVM_MSR_EXIT_REASON_UNKNOWN;
		break;
	default:
		reason = KVM_MSR_EXIT_REASON_INVAL;
		break;
	}
	return READ_ONCE(vcpu->vm->user_space_msr_mask) & reason;
}

/* KVM_CAP_X86_USER_SPACE_MSR: which failures go to userspace. */
int hvx_vm_enable_user_space_msr(struct hvx_vm *vm, u64 mask)
{
	if (mask & ~(u64)(KVM_MSR_EXIT_REASON_INVAL | KVM_MSR_EXIT_REASON_UNKNOWN |
			  KVM_MSR_EXIT_REASON_FILTER))
		return -EINVAL;
	WRITE_ONCE(vm->user_space_msr_mask, mask);
	return 0;
}
