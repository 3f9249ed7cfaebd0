/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM ABI that newer <linux/kvm.h> defines and the oldest kernel hvx builds
 * for (Debian's 6.1) lacks. The values are KVM's ABI, fixed once released;
 * each block is skipped where the kernel's header has it.
 */
#ifndef HVX_KVM_COMPAT_H
#define HVX_KVM_COMPAT_H

#include <linux/kvm.h>

/* Linux 6.8: memslots with room for a guest_memfd. */
#ifndef KVM_CAP_USER_MEMORY2
#define KVM_CAP_USER_MEMORY2 231
#define KVM_MEM_GUEST_MEMFD (1UL << 2)
struct kvm_userspace_memory_region2 {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 guest_memfd_offset;
	__u32 guest_memfd;
	__u32 pad1;
	__u64 pad2[14];
};
#define KVM_SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, struct kvm_userspace_memory_region2)
#endif

/* Linux 6.10: KVM_PRE_FAULT_MEMORY. */
#ifndef KVM_CAP_PRE_FAULT_MEMORY
#define KVM_CAP_PRE_FAULT_MEMORY 236
struct kvm_pre_fault_memory {
	__u64 gpa;
	__u64 size;
	__u64 flags;
	__u64 padding[5];
};
#define KVM_PRE_FAULT_MEMORY _IOWR(KVMIO, 0xd5, struct kvm_pre_fault_memory)
#endif

/* Linux 6.11: the APIC bus frequency. */
#ifndef KVM_CAP_X86_APIC_BUS_CYCLES_NS
#define KVM_CAP_X86_APIC_BUS_CYCLES_NS 237
#endif

#endif /* HVX_KVM_COMPAT_H */
