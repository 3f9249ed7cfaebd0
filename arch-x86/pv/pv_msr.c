// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PV MSRs' place in the MSR dispatch (kmod/hvx_msr.c), and the PV
 * state hvx refreshes before entries. Each KVM MSR needs its CPUID
 * feature under KVM_CAP_ENFORCE_PV_FEATURE_CPUID, from the guest and
 * the VMM alike (KVM's guest_pv_has() makes no exception for either).
 * KVM's other PV MSRs (async page faults, PV EOI, poll control) are not
 * offered and #GP like any unknown MSR.
 */
#include <linux/kernel.h>
#include <linux/ktime.h>
#include "hvx_exit.h"

/* The feature an MSR needs, or -1 if it is not a KVM PV MSR hvx has. */
static int hvx_pv_msr_feature(u32 msr)
{
	switch (msr) {
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_SYSTEM_TIME:
		return KVM_FEATURE_CLOCKSOURCE;
	case MSR_KVM_WALL_CLOCK_NEW:
	case MSR_KVM_SYSTEM_TIME_NEW:
		return KVM_FEATURE_CLOCKSOURCE2;
	case MSR_KVM_STEAL_TIME:
		return KVM_FEATURE_STEAL_TIME;
	}
	return -1;
}

int hvx_pv_get_msr(struct hvx_vcpu *vcpu, u32 msr, u64 *val, bool host)
{
	int feature, r;

	r = hvx_tsc_get_msr(vcpu, msr, val, host);
	if (r != -ENOENT)
		return r;
	feature = hvx_pv_msr_feature(msr);
	if (feature < 0)
		return -ENOENT;
	if (!hvx_pv_has(vcpu, feature))
		return HVX_MSR_UNKNOWN;	/* KVM: as if it did not exist */
	if (msr == MSR_KVM_STEAL_TIME) {
		if (!hvx_steal_time_supported())
			return HVX_MSR_INVALID;
		*val = vcpu->pv.steal_time;
		return 0;
	}
	return hvx_kvmclock_get_msr(vcpu, msr, val);
}

int hvx_pv_set_msr(struct hvx_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	int feature, r;

	r = hvx_tsc_set_msr(vcpu, msr, val, host);
	if (r != -ENOENT)
		return r;
	feature = hvx_pv_msr_feature(msr);
	if (feature < 0)
		return -ENOENT;
	if (!hvx_pv_has(vcpu, feature))
		return HVX_MSR_UNKNOWN;	/* KVM: as if it did not exist */
	if (msr == MSR_KVM_STEAL_TIME)
		return hvx_steal_time_set_msr(vcpu, val);
	return hvx_kvmclock_set_msr(vcpu, msr, val, host);
}

void hvx_pv_vm_init(struct hvx_vm *vm)
{
	spin_lock_init(&vm->pv.tsc_lock);
	/* kvmclock starts at 0 with the VM. */
	vm->pv.kvmclock_offset = -(s64)ktime_get_boottime_ns();
}

/* At each KVM_RUN, as KVM at vcpu_load: both records are rewritten. */
void hvx_pv_vcpu_load(struct hvx_vcpu *vcpu)
{
	set_bit(HVX_REQ_CLOCK_UPDATE, &vcpu->requests);
	hvx_steal_time_update(vcpu, true);
}

/* In the run loop, preemption on: may touch guest memory. */
void hvx_pv_before_entry(struct hvx_vcpu *vcpu)
{
	if (test_and_clear_bit(HVX_REQ_CLOCK_UPDATE, &vcpu->requests))
		hvx_kvmclock_update(vcpu);
	hvx_steal_time_update(vcpu, false);
}
