// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM's CPUID leaves: 0x40000000 says "KVMKVMKVM\0\0\0" with the highest
 * KVM leaf in EAX, 0x40000001 EAX lists the PV features. hvx offers only
 * what it implements: kvmclock (both MSR sets), the no-op I/O delay, the
 * pvclock flags byte, steal time (with CONFIG_SCHED_INFO) and the
 * sched-yield hypercall. With KVM_CAP_ENFORCE_PV_FEATURE_CPUID on a vCPU,
 * the PV MSRs and hypercalls follow the vCPU's own 0x40000001 (none if it
 * has no KVM leaves): without a feature its MSRs #GP and its hypercall
 * answers -KVM_ENOSYS, as KVM's guest_pv_has().
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include "hvx_exit.h"

static u32 hvx_pv_features(void)
{
	u32 f = BIT(KVM_FEATURE_CLOCKSOURCE) | BIT(KVM_FEATURE_NOP_IO_DELAY) |
		BIT(KVM_FEATURE_CLOCKSOURCE2) | BIT(KVM_FEATURE_PV_SCHED_YIELD) |
		BIT(KVM_FEATURE_CLOCKSOURCE_STABLE_BIT);

	if (hvx_steal_time_supported())
		f |= BIT(KVM_FEATURE_STEAL_TIME);
	return f;
}

/* Appends the two leaves at @e; returns how many (2), or -E2BIG. */
int hvx_pv_supported_cpuid(struct kvm_cpuid_entry2 *e, u32 room)
{
	u32 sig[3];

	if (room < 2)
		return -E2BIG;
	memcpy(sig, KVM_SIGNATURE, sizeof(sig));
	memset(e, 0, 2 * sizeof(*e));
	e[0].function = KVM_CPUID_SIGNATURE;
	e[0].eax = KVM_CPUID_FEATURES;
	e[0].ebx = sig[0];
	e[0].ecx = sig[1];
	e[0].edx = sig[2];
	e[1].function = KVM_CPUID_FEATURES;
	e[1].eax = hvx_pv_features();
	return 2;
}

/*
 * The vCPU's KVM feature leaf: the first hypervisor range (0x40000000,
 * 0x40000100, ...) that carries KVM's signature, as KVM looks for it.
 */
static u32 hvx_pv_guest_features(struct hvx_vcpu *vcpu)
{
	u32 sig[3], base, eax, ebx, ecx, edx;

	memcpy(sig, KVM_SIGNATURE, sizeof(sig));
	for (base = KVM_CPUID_SIGNATURE; base < 0x40010000; base += 0x100) {
		hvx_guest_cpuid(vcpu, base, 0, &eax, &ebx, &ecx, &edx);
		if (ebx != sig[0] || ecx != sig[1] || edx != sig[2])
			continue;
		if (eax && eax < base + 1)
			return 0;	/* says it has no feature leaf */
		hvx_guest_cpuid(vcpu, base + 1, 0, &eax, &ebx, &ecx, &edx);
		return eax;
	}
	return 0;
}

bool hvx_pv_has(struct hvx_vcpu *vcpu, unsigned int feature)
{
	if (!vcpu->pv.enforce_pv_cpuid)
		return true;
	return hvx_pv_guest_features(vcpu) & BIT(feature);
}

/*
 * KVM_CAP_X86_DISABLE_EXITS on the VM: KVM's valid bits are accepted, and
 * hvx keeps every exit (it reports no exit it can disable, as KVM does
 * when it will not honour them either, mitigate_smt_rsb), but remembers a
 * HLT request for what KVM shows the guest: PV_UNHALT (KVM cannot kick a
 * vCPU that halts inside the guest) is taken out of the vCPU's CPUID at
 * KVM_SET_CPUID2, as kvm_update_cpuid_runtime() does.
 */
long hvx_vm_disable_exits(struct hvx_vm *vm, u64 exits)
{
	if (exits & ~(u64)KVM_X86_DISABLE_VALID_EXITS)
		return -EINVAL;
	WRITE_ONCE(vm->pv.disabled_exits, READ_ONCE(vm->pv.disabled_exits) | exits);
	return 0;
}

void hvx_pv_cpuid_runtime(struct hvx_vcpu *vcpu, struct kvm_cpuid_entry2 *e, u32 nent)
{
	u32 sig[3], i, j;

	if (!(READ_ONCE(vcpu->vm->pv.disabled_exits) & KVM_X86_DISABLE_EXITS_HLT))
		return;
	memcpy(sig, KVM_SIGNATURE, sizeof(sig));
	for (i = 0; i < nent; i++) {
		if ((e[i].function & 0xffff00ff) != KVM_CPUID_SIGNATURE ||
		    e[i].ebx != sig[0] || e[i].ecx != sig[1] || e[i].edx != sig[2])
			continue;
		for (j = 0; j < nent; j++)
			if (e[j].function == e[i].function + 1)
				e[j].eax &= ~BIT(KVM_FEATURE_PV_UNHALT);
		return;
	}
}

/* KVM_ENABLE_CAP(KVM_CAP_ENFORCE_PV_FEATURE_CPUID) on a vCPU: args[0] on/off. */
long hvx_pv_enable_cap_enforce(struct hvx_vcpu *vcpu, u64 arg)
{
	vcpu->pv.enforce_pv_cpuid = arg;
	return 0;
}
