/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * hvx's own additions to the KVM ioctl ABI spoken on /dev/hvx.
 *
 * Everything else on /dev/hvx is KVM's ABI (API version 12, <linux/kvm.h>).
 * What lives here can never collide with KVM's numbers:
 *  - hvx ioctls use their own ioctl type byte, HVXIO (KVM uses only 0xAE);
 *  - hvx capabilities start at HVX_CAP_BASE, far above KVM's small integers,
 *    so KVM_CHECK_EXTENSION(HVX_CAP_INFO) answers 0 on real KVM and lets a
 *    VMM tell hvx from KVM.
 * Rules: fixed-width types, explicit padding, reserved fields are zero.
 */
#ifndef _UAPI_LINUX_HVX_H
#define _UAPI_LINUX_HVX_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define HVX_DEVICE_PATH		"/dev/hvx"

/* Version of the hvx extension ABI described in this file. */
#define HVX_ABI_VERSION		2	/* 2: HVX_GET_STATE_ERROR, HVX_GET_VM_STATS */

#define HVXIO			0xE7

/* Capabilities, for KVM_CHECK_EXTENSION on /dev/hvx or a VM fd. */
#define HVX_CAP_BASE		0x68767800	/* "hvx\0" */
#define HVX_CAP_INFO		(HVX_CAP_BASE + 0)	/* returns HVX_ABI_VERSION */

/* struct hvx_info.backend */
#define HVX_BACKEND_VMX		1	/* Intel VT-x */
#define HVX_BACKEND_SVM		2	/* AMD-V */

/* struct hvx_info.paging: how guest-physical memory is translated. */
#define HVX_PAGING_NONE		0	/* no mode available on this CPU yet */
#define HVX_PAGING_EPT		1	/* VMX extended page tables */
#define HVX_PAGING_NPT		2	/* SVM nested page tables */
#define HVX_PAGING_SHADOW	3	/* shadow page tables */

/*
 * struct hvx_info.features: what the CPU offers, read from the VMX
 * capability MSRs or CPUID 0x8000000A, whether or not hvx uses it yet.
 */
#define HVX_FEATURE_VMX_EPT		(1ULL << 0)
#define HVX_FEATURE_VMX_VPID		(1ULL << 1)
#define HVX_FEATURE_VMX_UNRESTRICTED	(1ULL << 2)
#define HVX_FEATURE_VMX_EPT_AD		(1ULL << 3)	/* EPT accessed/dirty bits */
#define HVX_FEATURE_VMX_EPT_2M		(1ULL << 4)
#define HVX_FEATURE_VMX_EPT_1G		(1ULL << 5)
#define HVX_FEATURE_VMX_EPT_5LEVEL	(1ULL << 6)
#define HVX_FEATURE_VMX_TRUE_CTLS	(1ULL << 7)	/* IA32_VMX_TRUE_*_CTLS */
#define HVX_FEATURE_VMX_PML		(1ULL << 8)	/* page-modification logging */
#define HVX_FEATURE_VMX_VMCS_SHADOW	(1ULL << 9)
#define HVX_FEATURE_VMX_APICV		(1ULL << 10)	/* APIC-register virt. + virtual-interrupt delivery */
#define HVX_FEATURE_VMX_POSTED_INTR	(1ULL << 11)
#define HVX_FEATURE_VMX_MTF		(1ULL << 12)	/* monitor trap flag */
#define HVX_FEATURE_VMX_PREEMPT_TIMER	(1ULL << 13)
#define HVX_FEATURE_VMX_TSC_SCALING	(1ULL << 14)

#define HVX_FEATURE_SVM_NPT		(1ULL << 32)
#define HVX_FEATURE_SVM_LBRV		(1ULL << 33)
#define HVX_FEATURE_SVM_LOCK		(1ULL << 34)
#define HVX_FEATURE_SVM_NRIPS		(1ULL << 35)	/* next-RIP save */
#define HVX_FEATURE_SVM_TSC_RATE	(1ULL << 36)
#define HVX_FEATURE_SVM_VMCB_CLEAN	(1ULL << 37)
#define HVX_FEATURE_SVM_FLUSH_ASID	(1ULL << 38)
#define HVX_FEATURE_SVM_DECODE_ASSISTS	(1ULL << 39)
#define HVX_FEATURE_SVM_PAUSE_FILTER	(1ULL << 40)
#define HVX_FEATURE_SVM_AVIC		(1ULL << 41)
#define HVX_FEATURE_SVM_VGIF		(1ULL << 42)
#define HVX_FEATURE_SVM_VLS		(1ULL << 43)	/* virtual VMLOAD/VMSAVE */

/* HVX_GET_INFO: on /dev/hvx. Which backend, which paging mode, what the CPU offers. */
struct hvx_info {
	__u32 abi_version;	/* HVX_ABI_VERSION */
	__u32 backend;		/* HVX_BACKEND_* */
	__u32 paging;		/* HVX_PAGING_*: the mode a new VM gets */
	__u32 max_vcpus;	/* per VM, as KVM_CAP_MAX_VCPUS */
	__u64 features;		/* HVX_FEATURE_* */
	__u32 nr_asids;		/* SVM: ASIDs (CPUID 0x8000000A EBX); VMX: VPIDs (65535 with VPID, else 0) */
	__u32 online_cpus;
	__u32 enabled_cpus;	/* CPUs on which hvx has VMX/SVM turned on now */
	__u32 active_vms;	/* VMs alive in this module, any process */
	__u32 active_vcpus;	/* vCPUs alive in this module, any process */
	__u32 pad;		/* zero */
	__u64 reserved[8];	/* zero */
};

#define HVX_GET_INFO		_IOR(HVXIO, 0x00, struct hvx_info)


/*
 * Why the last KVM_SET_SREGS failed with EINVAL, or why the last entry
 * failed (KVM_EXIT_FAIL_ENTRY): which piece of guest state broke which rule.
 * Read on the vCPU fd; source is HVX_STATE_ERR_NONE when nothing failed yet.
 */
#define HVX_STATE_ERR_NONE		0
#define HVX_STATE_ERR_SET_SREGS		1	/* KVM_SET_SREGS returned EINVAL */
#define HVX_STATE_ERR_FAIL_ENTRY	2	/* KVM_RUN gave KVM_EXIT_FAIL_ENTRY */

struct hvx_state_error {
	__u32 source;			/* HVX_STATE_ERR_* */
	__u32 pad;
	/* FAIL_ENTRY: SVM exit code (VMEXIT_INVALID) or VMX exit reason / VM-instruction error */
	__u64 hardware_reason;
	char field[32];			/* e.g. "efer", "cr0", "cs.attrib"; NUL-terminated */
	char rule[128];			/* the rule, in words; NUL-terminated */
};

#define HVX_GET_STATE_ERROR	_IOR(HVXIO, 0x01, struct hvx_state_error)

/*
 * What a VM's nested page tables (EPT/NPT) map right now, on the VM fd:
 * leaves of each size and the table pages behind them. Pages the guest
 * has not touched, or that the VMM's mm took back (munmap, reclaim,
 * MADV_DONTNEED, KSM, THP split), are not mapped. Under shadow paging
 * (where those tables are hvx's guest-physical page cache) also the
 * shadow page tables of all vCPUs: zero under nested paging.
 */
struct hvx_vm_stats {
	__u64 mapped_4k;		/* 4 KiB leaves */
	__u64 mapped_2m;		/* 2 MiB leaves */
	__u64 table_pages;		/* page-table pages, root included */
	__u64 shadow_pages;		/* shadow table pages, roots included */
	__u64 shadow_roots;		/* cached shadow roots (address spaces) */
	__u64 shadow_fills;		/* shadow leaves made by #PF exits, ever */
	__u64 shadow_prefetched;	/* and beside them by prefetch, ever */
	__u64 reserved[1];
};

#define HVX_GET_VM_STATS	_IOR(HVXIO, 0x02, struct hvx_vm_stats)

#endif /* _UAPI_LINUX_HVX_H */
