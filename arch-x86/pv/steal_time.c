// SPDX-License-Identifier: GPL-2.0-only
/*
 * Steal time (MSR_KVM_STEAL_TIME): the guest names a 64-byte aligned
 * struct kvm_steal_time, and hvx adds to its steal field the time the
 * vCPU thread waited runnable for a host CPU (the scheduler's
 * sched_info.run_delay) since the last update. As KVM (record_steal_time)
 * it updates at each KVM_RUN and, here, before any entry after the thread
 * waited; the version is odd while the record changes. hvx never sets
 * "preempted" (no PV TLB flush, no preempt notifier): it stays 0.
 * Without CONFIG_SCHED_INFO there is nothing to report: the feature is
 * hidden and the MSR refused, as in KVM.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <asm/kvm_para.h>
#include "hvx_exit.h"

/* The record's address: bits 63:6 (KVM_STEAL_VALID_BITS). */
#define STEAL_GPA_MASK		(~0ULL << (KVM_STEAL_ALIGNMENT_BITS + 1))

bool hvx_steal_time_supported(void)
{
	return IS_ENABLED(CONFIG_SCHED_INFO);
}

static u64 hvx_run_delay(void)
{
#ifdef CONFIG_SCHED_INFO
	return current->sched_info.run_delay;
#else
	return 0;
#endif
}

int hvx_steal_time_set_msr(struct hvx_vcpu *vcpu, u64 val)
{
	if (!hvx_steal_time_supported() || (val & KVM_STEAL_RESERVED_MASK))
		return HVX_MSR_INVALID;
	/* Written at the next KVM_RUN, by the vCPU thread whose waits count. */
	vcpu->pv.steal_time = val;
	return 0;
}

/* Add the wait since the last update; @force: even if there was none. */
void hvx_steal_time_update(struct hvx_vcpu *vcpu, bool force)
{
	struct hvx_vm *vm = vcpu->vm;
	u64 gpa = vcpu->pv.steal_time & STEAL_GPA_MASK;
	u64 delay = hvx_run_delay();
	struct kvm_steal_time st;

	if (!(vcpu->pv.steal_time & KVM_MSR_ENABLED))
		return;
	if (!force && delay == vcpu->pv.last_run_delay)
		return;
	if (hvx_read_guest(vm, gpa, &st, sizeof(st)))
		return;
	if (st.version & 1)
		st.version++;	/* first write: whatever was there */
	st.version++;
	st.preempted = 0;
	if (hvx_write_guest(vm, gpa, &st, sizeof(st)))
		return;
	smp_wmb();
	st.steal += delay - vcpu->pv.last_run_delay;
	vcpu->pv.last_run_delay = delay;
	hvx_write_guest(vm, gpa + offsetof(struct kvm_steal_time, steal),
			&st.steal, sizeof(st.steal));
	smp_wmb();
	st.version++;
	hvx_write_guest(vm, gpa + offsetof(struct kvm_steal_time, version),
			&st.version, sizeof(st.version));
}
