// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_ENABLE_CAP on VM and vCPU fds: the capabilities a VMM turns on, with
 * KVM's rules for each (virt/kvm/kvm_main.c and arch/x86/kvm/x86.c). A
 * capability is accepted here only once hvx implements what it turns on;
 * any other is EINVAL, as KVM answers for one it does not know. Flags
 * must be 0 on both fds.
 */
#include <linux/overflow.h>
#include <linux/uaccess.h>
#include "hvx_core.h"
#include "hvx_irq.h"

/* KVM_CAP_MAX_VCPU_ID: a lower bound on vCPU ids, set once before the first vCPU. */
static int hvx_cap_max_vcpu_id(struct hvx_vm *vm, u64 max_ids)
{
	int r = -EINVAL;

	if (max_ids > HVX_MAX_VCPU_IDS)
		return -EINVAL;
	mutex_lock(&vm->lock);
	/*
	 * KVM: not below the boot CPU's id (KVM_SET_BOOT_CPU_ID); the same
	 * value again is fine, another is EINVAL.
	 */
	if (vm->bsp_vcpu_id > max_ids) {
		;
	} else if (vm->max_vcpu_ids == max_ids) {
		r = 0;
	} else if (!vm->max_vcpu_ids) {
		vm->max_vcpu_ids = max_ids;
		r = 0;
	}
	mutex_unlock(&vm->lock);
	return r;
}

/*
 * KVM_CAP_X86_APIC_BUS_CYCLES_NS: the LAPIC timer's bus clock, for a VMM
 * that tells its guest a frequency (CPUID 0x15, ACPI). Needs the in-kernel
 * LAPIC, and no vCPU yet; TMICT x 128 x it must fit in 64 bits.
 */
static int hvx_cap_apic_bus_cycles_ns(struct hvx_vm *vm, u64 ns)
{
	u64 unused;
	int r;

	if (!ns || check_mul_overflow((u64)U32_MAX * 128, ns, &unused))
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (!hvx_irqchip_in_kernel(vm))
		r = -ENXIO;
	else if (vm->nr_vcpus)
		r = -EINVAL;
	else {
		WRITE_ONCE(vm->apic_bus_cycle_ns, ns);
		r = 0;
	}
	mutex_unlock(&vm->lock);
	return r;
}

long hvx_vm_enable_cap(struct hvx_vm *vm, void __user *argp)
{
	struct kvm_enable_cap cap;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	if (cap.flags)
		return -EINVAL;
	switch (cap.cap) {
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		return hvx_dirty_log_enable_cap(vm, cap.args[0]);
	case KVM_CAP_MAX_VCPU_ID:
		return hvx_cap_max_vcpu_id(vm, cap.args[0]);
	case KVM_CAP_X86_USER_SPACE_MSR:
		return hvx_vm_enable_user_space_msr(vm, cap.args[0]);
	case KVM_CAP_MSR_PLATFORM_INFO:
		/* Whether the guest may read MSR_PLATFORM_INFO (else #GP). */
		WRITE_ONCE(vm->guest_reads_platform_info, cap.args[0]);
		return 0;
	case KVM_CAP_X2APIC_API:
		/* Flags only ever get set, as on KVM. */
		if (cap.args[0] & ~(u64)(KVM_X2APIC_API_USE_32BIT_IDS |
					 KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK))
			return -EINVAL;
		if (cap.args[0] & KVM_X2APIC_API_USE_32BIT_IDS)
			WRITE_ONCE(vm->x2apic_format, true);
		if (cap.args[0] & KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK)
			WRITE_ONCE(vm->x2apic_broadcast_quirk_disabled, true);
		return 0;
	case KVM_CAP_DISABLE_QUIRKS:
	case KVM_CAP_DISABLE_QUIRKS2:
		/*
		 * KVM: the quirks in args[0] are off from now on (each call
		 * replaces the set). DISABLE_QUIRKS2 refuses a quirk it does
		 * not know; hvx knows only those it has (arch-x86/pv/pv.h).
		 */
		if (cap.cap == KVM_CAP_DISABLE_QUIRKS2 && (cap.args[0] & ~(u64)HVX_PV_QUIRKS))
			return -EINVAL;
		WRITE_ONCE(vm->pv.disabled_quirks, cap.args[0]);
		return 0;
	case KVM_CAP_X86_DISABLE_EXITS:
		return hvx_vm_disable_exits(vm, cap.args[0]);
	case KVM_CAP_EXIT_HYPERCALL:
		/* Which hypercalls go to the VMM: only KVM_HC_MAP_GPA_RANGE can. */
		if (cap.args[0] & ~(u64)HVX_HYPERCALL_EXIT_VALID)
			return -EINVAL;
		WRITE_ONCE(vm->pv.hypercall_exit_mask, cap.args[0]);
		return 0;
	case KVM_CAP_X86_APIC_BUS_CYCLES_NS:
		return hvx_cap_apic_bus_cycles_ns(vm, cap.args[0]);
	case KVM_CAP_EXIT_ON_EMULATION_FAILURE:
		if (cap.args[0] & ~1ULL)
			return -EINVAL;
		WRITE_ONCE(vm->exit_on_emulation_failure, cap.args[0]);
		return 0;
	default:
		return -EINVAL;
	}
}

long hvx_vcpu_enable_cap(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_enable_cap cap;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	if (cap.flags)
		return -EINVAL;
	switch (cap.cap) {
	case KVM_CAP_ENFORCE_PV_FEATURE_CPUID:
		return hvx_pv_enable_cap_enforce(vcpu, cap.args[0]);
	default:
		return -EINVAL;
	}
}
