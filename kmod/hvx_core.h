/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hvx module core: the vendor vtable, the VM and vCPU objects and the
 * functions the core files share. Nothing in here knows a VMCS or a VMCB.
 */
#ifndef HVX_CORE_H
#define HVX_CORE_H

#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/kvm.h>
#include <linux/hvx.h>

/* Limits, reported through KVM_CAP_MAX_VCPUS / KVM_CAP_MAX_VCPU_ID. */
#define HVX_MAX_VCPUS		64
#define HVX_MAX_VCPU_IDS	256	/* vcpu ids are 0 .. HVX_MAX_VCPU_IDS - 1 */

/* The vCPU mmap: page 0 is struct kvm_run, page 1 the port-I/O data page. */
#define HVX_VCPU_RUN_PAGE	0
#define HVX_VCPU_PIO_PAGE	1
#define HVX_VCPU_MMAP_PAGES	2

/* What the backend found at load time; read-only afterwards. */
struct hvx_caps {
	u32 backend;		/* HVX_BACKEND_* */
	u32 paging;		/* HVX_PAGING_* */
	u64 features;		/* HVX_FEATURE_* */
	u32 nr_asids;
};

/*
 * One backend per vendor, each fills every member. cpu_* run on the CPU
 * they act on, with preemption disabled (IPI, hotplug or syscore context).
 */
struct hvx_arch_ops {
	const char *name;
	/* Is this CPU usable? 0, -ENODEV if it lacks the extension, else -errno. */
	int (*probe)(struct hvx_caps *caps);
	/* Allocate / free per-CPU regions (VMXON region, host save area). */
	int (*hardware_setup)(void);
	void (*hardware_unsetup)(void);
	/* Does something else (KVM, VirtualBox) hold VMX/SVM on this CPU? */
	bool (*cpu_in_use)(void);
	/* Turn VMX/SVM on or off on this CPU. */
	int (*cpu_enable)(void);
	void (*cpu_disable)(void);
};

extern const struct hvx_arch_ops vmx_arch_ops;
extern const struct hvx_arch_ops svm_arch_ops;

/* Chosen at load, never changed while the module is loaded. */
extern const struct hvx_arch_ops *hvx_arch;
extern struct hvx_caps hvx_caps;

struct hvx_vcpu;

struct hvx_vm {
	/* One reference for the VM fd, one per vCPU fd. */
	struct kref ref;
	/* Creator's address space: ioctls from any other process get -EIO. */
	struct mm_struct *mm;
	struct mutex lock;				/* guards vcpus[], nr_vcpus */
	struct hvx_vcpu *vcpus[HVX_MAX_VCPUS];		/* lock; freed with the VM */
	unsigned int nr_vcpus;				/* lock */
};

struct hvx_vcpu {
	struct hvx_vm *vm;
	u32 id;
	struct mutex lock;		/* serialises this vCPU's ioctls */
	/* The mmap: HVX_VCPU_RUN_PAGE holds struct kvm_run. */
	struct page *pages[HVX_VCPU_MMAP_PAGES];
};

/* hvx_virt.c: VMX/SVM on while any VM exists. */
int hvx_virt_init(void);
void hvx_virt_exit(void);
int hvx_virt_get(void);
void hvx_virt_put(void);
unsigned int hvx_virt_enabled_cpus(void);

/* hvx_caps.c: KVM_CHECK_EXTENSION. */
long hvx_check_extension(struct hvx_vm *vm, long cap);

/* hvx_vm.c */
int hvx_vm_create(unsigned long type);
void hvx_vm_put(struct hvx_vm *vm);
unsigned int hvx_vm_count(void);

/* hvx_vcpu.c */
int hvx_vcpu_create(struct hvx_vm *vm, unsigned long id);
void hvx_vcpu_free(struct hvx_vcpu *vcpu);
unsigned int hvx_vcpu_count(void);

#endif /* HVX_CORE_H */
