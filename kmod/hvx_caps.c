// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_CHECK_EXTENSION, from one table. A capability is listed here only
 * once hvx implements it; anything else answers 0, as KVM does for a
 * capability it does not know.
 */
#include <linux/cpumask.h>
#include <linux/kernel.h>
#include <asm/cpufeature.h>
#include "hvx_core.h"
#include "irqchip/irqchip.h"
#include "shadow.h"

struct hvx_cap {
	u32 cap;
	long (*value)(struct hvx_vm *vm);	/* NULL: the constant below */
	long constant;
};

/* KVM's meaning: the recommended maximum, one vCPU per online CPU. */
static long hvx_cap_nr_vcpus(struct hvx_vm *vm)
{
	return min_t(long, num_online_cpus(), HVX_MAX_VCPUS);
}

static long hvx_cap_guest_debug2(struct hvx_vm *vm)
{
	return hvx_guest_debug_valid_mask();
}

/* XCR0 exists only where the CPU has XSAVE (KVM_SET_XCRS is EINVAL otherwise). */
static long hvx_cap_xcrs(struct hvx_vm *vm)
{
	return boot_cpu_has(X86_FEATURE_XSAVE);
}

/* The KVM_CLOCK_* flags KVM_SET_CLOCK takes (arch-x86/pv/kvmclock.c). */
static long hvx_cap_adjust_clock(struct hvx_vm *vm)
{
	return hvx_kvmclock_cap_flags();
}

/* Nested paging only: there is nothing to fill in advance under shadow paging. */
static long hvx_cap_pre_fault_memory(struct hvx_vm *vm)
{
	return !hvx_shadow_enabled();
}

static const struct hvx_cap hvx_cap_table[] = {
	{ KVM_CAP_NR_VCPUS,		hvx_cap_nr_vcpus },
	{ KVM_CAP_MAX_VCPUS,		NULL, HVX_MAX_VCPUS },
	{ KVM_CAP_MAX_VCPU_ID,		NULL, HVX_MAX_VCPU_IDS },
	{ KVM_CAP_CHECK_EXTENSION_VM,	NULL, 1 },
	{ KVM_CAP_ENABLE_CAP,		NULL, 1 },	/* on vCPU fds */
	{ KVM_CAP_ENABLE_CAP_VM,	NULL, 1 },
	{ KVM_CAP_NR_MEMSLOTS,		NULL, HVX_MAX_MEMSLOTS },
	{ KVM_CAP_USER_MEMORY,		NULL, 1 },
	{ KVM_CAP_USER_MEMORY2,		NULL, 1 },
	{ KVM_CAP_PRE_FAULT_MEMORY,	hvx_cap_pre_fault_memory },
	{ KVM_CAP_READONLY_MEM,		NULL, 1 },
	{ KVM_CAP_SYNC_MMU,		NULL, 1 },
	/* Deleting a slot (memory_size 0) and adjacent slots work, as on KVM. */
	{ KVM_CAP_DESTROY_MEMORY_REGION_WORKS,	NULL, 1 },
	{ KVM_CAP_JOIN_MEMORY_REGIONS_WORKS,	NULL, 1 },
	/* KVM_GET_DIRTY_LOG, and KVM_CLEAR_DIRTY_LOG: the options it offers. */
	{ KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,	NULL,
	  KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET },
	/* KVM_SET_NR_MMU_PAGES / KVM_GET_NR_MMU_PAGES: the shadow page budget. */
	{ KVM_CAP_MMU_SHADOW_CACHE_CONTROL,	NULL, 1 },
	{ KVM_CAP_IMMEDIATE_EXIT,	NULL, 1 },
	{ KVM_CAP_SYNC_REGS,		NULL, KVM_SYNC_X86_VALID_FIELDS },
	{ KVM_CAP_SET_BOOT_CPU_ID,	NULL, 1 },
	{ KVM_CAP_BINARY_STATS_FD,	NULL, 1 },
	{ KVM_CAP_SET_GUEST_DEBUG,	NULL, 1 },
	{ KVM_CAP_SET_GUEST_DEBUG2,	hvx_cap_guest_debug2 },
	{ KVM_CAP_EXT_CPUID,		NULL, 1 },
	{ KVM_CAP_SET_TSS_ADDR,		NULL, 1 },
	{ KVM_CAP_SET_IDENTITY_MAP_ADDR,	NULL, 1 },	/* accepted, unused */
	/* KVM_TPR_ACCESS_REPORTING, KVM_SET_VAPIC_ADDR (irqchip/vapic.c). */
	{ KVM_CAP_VAPIC,		NULL, 1 },
	{ KVM_CAP_MP_STATE,		NULL, 1 },
	{ KVM_CAP_VCPU_EVENTS,		NULL, 1 },
	{ KVM_CAP_USER_NMI,		NULL, 1 },	/* KVM_NMI */
	{ KVM_CAP_INTR_SHADOW,		NULL, 1 },	/* VCPU_EVENTS shadow */
	{ KVM_CAP_DEBUGREGS,		NULL, 1 },
	{ KVM_CAP_XSAVE,		NULL, 1 },
	{ KVM_CAP_XCRS,			hvx_cap_xcrs },
	{ KVM_CAP_SYS_ATTRIBUTES,	NULL, 1 },	/* KVM_X86_XCOMP_GUEST_SUPP */
	/* The in-kernel irqchip (kmod/irqchip/). */
	{ KVM_CAP_IRQCHIP,		NULL, 1 },
	{ KVM_CAP_IRQ_ROUTING,		NULL, HVX_MAX_IRQ_ROUTES },
	{ KVM_CAP_IRQ_INJECT_STATUS,	NULL, 1 },
	{ KVM_CAP_SIGNAL_MSI,		NULL, 1 },
	{ KVM_CAP_IRQFD,		NULL, 1 },
	{ KVM_CAP_IRQFD_RESAMPLE,	NULL, 1 },
	{ KVM_CAP_IOEVENTFD,		NULL, 1 },
	{ KVM_CAP_COALESCED_MMIO,	NULL, HVX_VCPU_COALESCED_PAGE },
	{ KVM_CAP_COALESCED_PIO,	NULL, 1 },
	{ KVM_CAP_IOEVENTFD_ANY_LENGTH,	NULL, 1 },
	{ KVM_CAP_IOEVENTFD_NO_LENGTH,	NULL, 1 },
	{ KVM_CAP_PIT2,			NULL, 1 },
	{ KVM_CAP_PIT_STATE2,		NULL, 1 },
	{ KVM_CAP_TSC_DEADLINE_TIMER,	NULL, 1 },
	{ KVM_CAP_X2APIC_API,		NULL, KVM_X2APIC_API_USE_32BIT_IDS |
					      KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK },
	{ KVM_CAP_GET_TSC_KHZ,		NULL, 1 },	/* the host's rate */
	{ KVM_CAP_X86_APIC_BUS_CYCLES_NS, NULL, HVX_APIC_BUS_CYCLE_NS_DEFAULT },
	/* MSRs (kmod/hvx_msr.c, arch-x86/msr/). */
	{ KVM_CAP_MCE,			NULL, HVX_MCE_BANKS },
	{ KVM_CAP_GET_MSR_FEATURES,	NULL, 1 },
	{ KVM_CAP_MSR_PLATFORM_INFO,	NULL, 1 },
	{ KVM_CAP_X86_USER_SPACE_MSR,	NULL, 1 },
	{ KVM_CAP_X86_MSR_FILTER,	NULL, 1 },
	/* The guest TSC and KVM's PV interface (arch-x86/pv/). */
	{ KVM_CAP_VCPU_ATTRIBUTES,	NULL, 1 },	/* KVM_VCPU_TSC_CTRL */
	{ KVM_CAP_ADJUST_CLOCK,		hvx_cap_adjust_clock },
	{ KVM_CAP_ENFORCE_PV_FEATURE_CPUID,	NULL, 1 },
	{ KVM_CAP_DISABLE_QUIRKS,	NULL, 1 },
	{ KVM_CAP_DISABLE_QUIRKS2,	NULL, HVX_PV_QUIRKS },
	{ KVM_CAP_EXIT_HYPERCALL,	NULL, HVX_HYPERCALL_EXIT_VALID },
	/* Emulator (kmod/hvx_emul.c). */
	{ KVM_CAP_EXIT_ON_EMULATION_FAILURE, NULL, 1 },
	{ HVX_CAP_INFO,			NULL, HVX_ABI_VERSION },
};

/* vm is NULL for /dev/hvx, the VM for KVM_CHECK_EXTENSION on a VM fd. */
long hvx_check_extension(struct hvx_vm *vm, long cap)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hvx_cap_table); i++) {
		const struct hvx_cap *c = &hvx_cap_table[i];

		if (c->cap != cap)
			continue;
		return c->value ? c->value(vm) : c->constant;
	}
	return 0;
}
