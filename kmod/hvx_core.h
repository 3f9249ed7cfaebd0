/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hvx module core: the vendor vtable, the VM and vCPU objects and the
 * functions the core files share. Nothing in here knows a VMCS or a VMCB.
 */
#ifndef HVX_CORE_H
#define HVX_CORE_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <linux/kvm.h>
#include "hvx_kvm_compat.h"
#include <linux/hvx.h>
#include "pv.h"

/*
 * Limits, reported through KVM_CAP_MAX_VCPUS / KVM_CAP_MAX_VCPU_ID: KVM's
 * on x86 (programs size their VMs by them; x2APIC ids go past 255).
 */
#define HVX_MAX_VCPUS		1024
#define HVX_MAX_VCPU_IDS	4096	/* vcpu ids are 0 .. HVX_MAX_VCPU_IDS - 1 */

/*
 * The vCPU mmap: page 0 is struct kvm_run, page 1 the port-I/O data page
 * (the vCPU's own), page 2 the VM's coalesced MMIO ring (KVM's layout:
 * KVM_CAP_COALESCED_MMIO answers that page's number).
 */
#define HVX_VCPU_RUN_PAGE	0
#define HVX_VCPU_PIO_PAGE	1
#define HVX_VCPU_MMAP_PAGES	2	/* the vCPU's own pages */
#define HVX_VCPU_COALESCED_PAGE	2
#define HVX_VCPU_MMAP_SIZE	(3 * PAGE_SIZE)

/* KVM's default LAPIC bus clock: 1 GHz, one timer tick per ns before the divider. */
#define HVX_APIC_BUS_CYCLE_NS_DEFAULT	1

/* KVM_CAP_NR_MEMSLOTS; slot numbers are 0 .. HVX_MAX_MEMSLOTS - 1. */
#define HVX_MAX_MEMSLOTS	32

/* What the backend found at load time; read-only afterwards. */
struct hvx_caps {
	u32 backend;		/* HVX_BACKEND_* */
	u32 paging;		/* HVX_PAGING_* */
	u64 features;		/* HVX_FEATURE_* */
	u32 nr_asids;
};

struct hvx_vcpu;
struct hvx_tdp_format;
struct hvx_event;

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
	/*
	 * Crash, kexec on panic, emergency restart: force VMX/SVM off on this
	 * CPU, from NMI context or with interrupts off, whatever it was doing.
	 * No locks, no printing; must cope with the extension already off.
	 */
	void (*cpu_emergency_disable)(void);

	/* The guest-running half; see hvx_x86.h for the vCPU state cache. */
	int (*vcpu_create)(struct hvx_vcpu *vcpu);
	void (*vcpu_free)(struct hvx_vcpu *vcpu);
	/*
	 * One guest entry and the handling of its exit, in process context
	 * with preemption enabled. Returns 1 to re-enter, 0 to return to
	 * userspace with kvm_run filled in, or -errno.
	 */
	int (*vcpu_run)(struct hvx_vcpu *vcpu);
	/* Fill the HVX_REG_* classes in @mask of vcpu->x86 from the VMCB/VMCS. */
	void (*cache_regs)(struct hvx_vcpu *vcpu, u32 mask);
	/* Format of the nested page tables (NPT or EPT). */
	const struct hvx_tdp_format *tdp_format;

	/*
	 * Event delivery; kmod/hvx_event.c decides what and when. Called with
	 * interrupts off between hvx_enter_guest_mode() and the entry, the
	 * state cache already written back: put @ev into this entry, and arm
	 * (or disarm) the exits that say when the guest can take an external
	 * interrupt (@irq) or an NMI (@nmi).
	 */
	void (*inject_event)(struct hvx_vcpu *vcpu, const struct hvx_event *ev);
	void (*set_event_windows)(struct hvx_vcpu *vcpu, bool irq, bool nmi);
	/* INIT: the backend's vCPU state from scratch, then hvx_x86_reset(). */
	void (*vcpu_reset)(struct hvx_vcpu *vcpu);
	/* Can run guests on shadow page tables (arch-x86/mmu/shadow.c). */
	bool shadow_paging;
};

extern const struct hvx_arch_ops vmx_arch_ops;
extern const struct hvx_arch_ops svm_arch_ops;

/* Chosen at load, never changed while the module is loaded. */
extern const struct hvx_arch_ops *hvx_arch;
extern struct hvx_caps hvx_caps;

struct hvx_vcpu;
struct hvx_tdp_format;
struct hvx_tdp;
struct hvx_irqchip;
struct hvx_lapic;
struct hvx_shadow;

/* One KVM_SET_USER_MEMORY_REGION slot (address space 0; no SMM). */
struct hvx_memslot {
	u32 slot;
	u32 flags;		/* KVM_MEM_* */
	u64 base_gfn;
	u64 npages;		/* 0: the slot is unused */
	unsigned long hva;	/* userspace_addr */
	/*
	 * With KVM_MEM_LOG_DIRTY_PAGES (else NULL): one bit per page written
	 * since it was last harvested, set and cleared under mmu_lock, then
	 * as many bytes again for KVM_GET_DIRTY_LOG's snapshot (slots_lock).
	 * The pointer changes under both locks; copies of a slot carry it,
	 * but only the live slot's may be used (mmu_lock, or slots_lock).
	 */
	unsigned long *dirty_bitmap;
};

struct hvx_vm {
	/* One reference for the VM fd, one per vCPU fd. */
	struct kref ref;
	/* Creator's address space: ioctls from any other process get -EIO. */
	struct mm_struct *mm;
	struct mutex lock;				/* guards vcpus[], nr_vcpus */
	struct hvx_vcpu *vcpus[HVX_MAX_VCPUS];		/* lock; freed with the VM */
	unsigned int nr_vcpus;				/* lock */

	/*
	 * Guest memory (hvx_memslot.c, arch-x86/mmu/). slots_lock serialises
	 * KVM_SET_USER_MEMORY_REGION. mmu_lock guards memslots[], the nested
	 * page tables and the invalidation state: a fault reads mmu_seq, finds
	 * the page without the lock, then installs it under the lock only if
	 * no invalidation began or ran in between (KVM's mmu_notifier_retry).
	 */
	struct mutex slots_lock;
	spinlock_t mmu_lock;
	struct hvx_memslot memslots[HVX_MAX_MEMSLOTS];
	unsigned long mmu_seq;			/* bumped by every invalidation */
	long mmu_invalidating;			/* invalidations in progress */
	unsigned long mmu_inval_start;		/* union of their hva ranges */
	unsigned long mmu_inval_end;
	struct mmu_notifier mmu_notifier;
	bool mmu_notifier_registered;
	/*
	 * Nested page tables; under shadow paging the same tables, unused by
	 * the CPU, serve as the guest-physical -> host page cache that the
	 * shadow tables are filled from (and zapped with).
	 */
	struct hvx_tdp *tdp;
	struct list_head shadows;		/* mmu_lock: every vCPU's hvx_shadow */
	unsigned long shadow_pages;		/* mmu_lock: their table pages */
	struct hvx_shadow_vm *shadow_vm;	/* guest page tables, reverse map */
	unsigned long nr_mmu_pages;		/* KVM_SET_NR_MMU_PAGES; 0: default */
	/* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2's KVM_DIRTY_LOG_* flags (slots_lock). */
	u64 dirty_log_manual;

	/* TSC synchronisation, kvmclock, PV settings (arch-x86/pv/). */
	struct hvx_pv_vm pv;

	/* KVM_CREATE_IRQCHIP's devices (kmod/irqchip/), NULL before. */
	struct hvx_irqchip *irqchip;

	/* KVM_ENABLE_CAP settings (hvx_enable_cap.c). */
	u32 max_vcpu_ids;		/* lock; 0: HVX_MAX_VCPU_IDS */
	/* lock; the LAPIC timer's bus clock (KVM_CAP_X86_APIC_BUS_CYCLES_NS) */
	u64 apic_bus_cycle_ns;
	u32 bsp_vcpu_id;		/* lock; KVM_SET_BOOT_CPU_ID, 0 by default */
	atomic64_t remote_tlb_flushes;	/* KVM_GET_STATS_FD remote_tlb_flush */
	bool guest_reads_platform_info;	/* KVM_CAP_MSR_PLATFORM_INFO */
	/* The coalesced MMIO ring (kmod/irqchip/coalesced.c), and its writers' lock. */
	struct page *coalesced_ring;
	spinlock_t coalesced_lock;
	/* KVM_CAP_X2APIC_API: 32-bit x2APIC ids in LAPIC state and MSIs; no 0xff quirk. */
	bool x2apic_format;
	bool x2apic_broadcast_quirk_disabled;
	/* KVM_CAP_EXIT_ON_EMULATION_FAILURE: exit even where #UD would do. */
	bool exit_on_emulation_failure;
	u32 user_space_msr_mask;	/* KVM_CAP_X86_USER_SPACE_MSR reasons */
	/* KVM_X86_SET_MSR_FILTER (arch-x86/msr/msr_user.c); RCU, written under lock. */
	struct hvx_msr_filter __rcu *msr_filter;
};

/* vcpu->mode: may another CPU's kick find this vCPU in guest mode? */
enum hvx_vcpu_mode {
	HVX_OUTSIDE_GUEST,
	HVX_IN_GUEST,
};

/* vcpu->requests bits, checked with interrupts off just before entry. */
enum hvx_request {
	HVX_REQ_TLB_FLUSH,	/* nested page tables changed: flush this vCPU's TLB */
	HVX_REQ_EVENT,		/* an event may be deliverable: re-evaluate before entry */
	HVX_REQ_INIT_SIPI,	/* INIT or SIPI arrived: handle it outside guest mode */
	HVX_REQ_TRIPLE_FAULT,	/* a fault while delivering #DF: KVM_EXIT_SHUTDOWN */
	HVX_REQ_DEBUG_STEP,	/* the debugger's step ended on an instruction hvx retired */
	HVX_REQ_REPORT_TPR,	/* a TPR access to report: KVM_EXIT_TPR_ACCESS (irqchip/vapic.c) */
	HVX_REQ_CLOCK_UPDATE,	/* rewrite the guest's kvmclock record before entry */
};

/* hvx_vcpu.apic_events bits: INIT/SIPI signals not yet acted on. */
enum hvx_apic_event {
	HVX_APIC_INIT,
	HVX_APIC_SIPI,
};

#include "hvx_x86.h"

/*
 * KVM_GET_STATS_FD counters of one vCPU (hvx_stats.c), bumped by the vCPU
 * thread alone. exits_by_reason counts every exit by its hardware reason:
 * VMX's basic exit reason, SVM's exit code below 0x100, SVM's 0x400 group
 * (#NPF...) from 0x100 on; the last slot takes anything else.
 */
enum hvx_vcpu_stat {
	HVX_STAT_EXITS,
	HVX_STAT_IO_EXITS,
	HVX_STAT_MMIO_EXITS,
	HVX_STAT_SIGNAL_EXITS,
	HVX_STAT_HALT_EXITS,
	HVX_STAT_IRQ_WINDOW_EXITS,
	HVX_STAT_NMI_WINDOW_EXITS,
	HVX_STAT_HYPERCALLS,
	HVX_STAT_INSN_EMULATION,
	HVX_STAT_IRQ_INJECTIONS,
	HVX_STAT_NMI_INJECTIONS,
	HVX_STAT_EXITS_BY_REASON,	/* last: an array, not a counter */
	HVX_NR_VCPU_STATS
};
#define HVX_EXIT_REASONS	0x110

struct hvx_vcpu_stats {
	u64 counters[HVX_STAT_EXITS_BY_REASON];
	u64 exits_by_reason[HVX_EXIT_REASONS];
};

struct hvx_vcpu {
	struct hvx_vm *vm;
	u32 id;
	struct mutex lock;		/* serialises this vCPU's ioctls */
	/* KVM_SET_SIGNAL_MASK: the thread's blocked signals during KVM_RUN. */
	bool sigset_active;
	sigset_t sigset;
	/* The mmap: HVX_VCPU_RUN_PAGE holds struct kvm_run. */
	struct page *pages[HVX_VCPU_MMAP_PAGES];

	int cpu;			/* CPU of the last entry, -1 before */
	int mode;			/* enum hvx_vcpu_mode */
	unsigned long requests;		/* enum hvx_request bits */

	struct hvx_x86 x86;		/* architectural state, see hvx_x86.h */
	struct fpu_guest fpu;		/* guest FPU/XSAVE state (kernel fpstate API) */
	void *arch;			/* the backend's per-vCPU state */

	/* Events from other threads (hvx_irq.h's CPU half, KVM_NMI). */
	wait_queue_head_t wq;		/* HLT and wait-for-SIPI sleep here */
	atomic_t nmi_queued;		/* NMIs not yet counted in x86.nmi_pending */
	unsigned long apic_events;	/* enum hvx_apic_event bits */
	u8 sipi_vector;			/* valid once HVX_APIC_SIPI is set */

	struct hvx_lapic *lapic;	/* in-kernel LAPIC (kmod/irqchip/), or NULL */
	bool tpr_access_reporting;	/* KVM_TPR_ACCESS_REPORTING (irqchip/vapic.c) */
	struct hvx_shadow *shadow;	/* shadow page tables, or NULL */
	struct hvx_vcpu_stats stats;	/* hvx_stats.c */
	struct hvx_pv_vcpu pv;		/* TSC offset, kvmclock, steal time (arch-x86/pv/) */
};

static inline void hvx_vcpu_stat_inc(struct hvx_vcpu *vcpu, enum hvx_vcpu_stat stat)
{
	vcpu->stats.counters[stat]++;
}

/*
 * Call with interrupts disabled just before entering the guest. KVM_RUN
 * loads the guest's FPU state once (fpu_swap_kvm_fpstate), but if the
 * vCPU thread was preempted since, the kernel only marked the registers
 * for reloading on the way back to userspace (TIF_NEED_FPU_LOAD): reload
 * them now, or the guest would run on another task's FPU registers.
 */
static inline void hvx_reload_guest_fpu(void)
{
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
}

/* hvx_switch.c: host registers saved across one guest run. */
struct hvx_host_regs {
	u64 xcr0, spec_ctrl, tsc_aux;
	bool swap_xcr0, swap_spec_ctrl, swap_tsc_aux;
};
void hvx_switch_to_guest(struct hvx_vcpu *vcpu, struct hvx_host_regs *host);
void hvx_switch_to_host(struct hvx_vcpu *vcpu, const struct hvx_host_regs *host);

static inline struct kvm_run *hvx_vcpu_run_page(struct hvx_vcpu *vcpu)
{
	return page_address(vcpu->pages[HVX_VCPU_RUN_PAGE]);
}

static inline void *hvx_vcpu_pio_page(struct hvx_vcpu *vcpu)
{
	return page_address(vcpu->pages[HVX_VCPU_PIO_PAGE]);
}

/* hvx_virt.c: VMX/SVM on while any VM exists. */
int hvx_virt_init(void);
/* kmod/irqchip/coalesced.c: the ring page, allocated with the VM. */
int hvx_coalesced_ring_alloc(struct hvx_vm *vm);
void hvx_coalesced_ring_free(struct hvx_vm *vm);
/* kmod/hvx_kvm_params.c: /sys/module/kvm{,_amd,_intel}/parameters (kvm_dev=1). */
int hvx_kvm_params_init(void);
void hvx_kvm_params_exit(void);
void hvx_virt_exit(void);
int hvx_virt_get(void);
void hvx_virt_put(void);
unsigned int hvx_virt_enabled_cpus(void);
/*
 * Set when the host starts to reboot, power off, kexec or crash, before
 * VMX/SVM is turned off under running vCPUs: no guest entry after it, and
 * a VMX/SVM instruction that faults then is expected (hvx_virt_insn_fault).
 */
extern bool hvx_rebooting;
static inline bool hvx_virt_rebooting(void)
{
	return READ_ONCE(hvx_rebooting);
}
void hvx_virt_insn_fault(const char *insn);

/* hvx_enable_cap.c: KVM_ENABLE_CAP on VM and vCPU fds. */
long hvx_vm_enable_cap(struct hvx_vm *vm, void __user *argp);
long hvx_vcpu_enable_cap(struct hvx_vcpu *vcpu, void __user *argp);

/* hvx_stats.c: KVM_GET_STATS_FD. */
long hvx_vm_get_stats_fd(struct hvx_vm *vm);
long hvx_vcpu_get_stats_fd(struct hvx_vcpu *vcpu);
/* An exit with this hardware reason (counts it in exits and by reason). */
void hvx_vcpu_stat_exit(struct hvx_vcpu *vcpu, u64 hw_reason);

/* hvx_caps.c: KVM_CHECK_EXTENSION. */
long hvx_check_extension(struct hvx_vm *vm, long cap);

/* hvx_vm.c */
int hvx_vm_create(unsigned long type);
void hvx_vm_put(struct hvx_vm *vm);
unsigned int hvx_vm_count(void);

/* hvx_requests.c: cross-CPU requests to vCPUs. */
void hvx_vcpu_request(struct hvx_vcpu *vcpu, enum hvx_request req);
void hvx_vm_request_all(struct hvx_vm *vm, enum hvx_request req);
void hvx_vm_flush_tlbs(struct hvx_vm *vm);
bool hvx_enter_guest_mode(struct hvx_vcpu *vcpu);
void hvx_leave_guest_mode(struct hvx_vcpu *vcpu);

/* hvx_memslot.c: KVM_SET_USER_MEMORY_REGION and gpa lookups. */
int hvx_memslots_init(struct hvx_vm *vm);
void hvx_memslots_destroy(struct hvx_vm *vm);
int hvx_set_user_memory_region(struct hvx_vm *vm,
			       const struct kvm_userspace_memory_region *mem);
/* Copy of the slot holding @gfn; false if no slot does. */
bool hvx_memslot_lookup(struct hvx_vm *vm, u64 gfn, struct hvx_memslot *out);
/* The live slot holding @gfn, or NULL. Caller holds mmu_lock. */
const struct hvx_memslot *hvx_memslot_find_locked(struct hvx_vm *vm, u64 gfn);
/*
 * Guest-physical copies for the emulator and the exit handlers, through the
 * VMM's own mapping (so no page is pinned). 0 on success, -ENOENT where no
 * slot is (MMIO; also for writes to a KVM_MEM_READONLY slot), -EFAULT if
 * the VMM's mapping is gone. Must run in the VM's mm (the vCPU thread).
 */
int hvx_read_guest(struct hvx_vm *vm, u64 gpa, void *buf, unsigned int len);
int hvx_write_guest(struct hvx_vm *vm, u64 gpa, const void *buf, unsigned int len);
/*
 * Atomic compare-and-exchange of the @size (4 or 8) bytes at @gpa (which
 * must not cross a page), as a locked instruction does: 0 if it swapped,
 * 1 if memory held another value, -ENOENT and -EFAULT as above.
 */
int hvx_cmpxchg_guest(struct hvx_vm *vm, u64 gpa, u64 old, u64 new, unsigned int size);

/* hvx_dirty_log.c: KVM_MEM_LOG_DIRTY_PAGES, KVM_GET/CLEAR_DIRTY_LOG. */
int hvx_dirty_log_enable_cap(struct hvx_vm *vm, u64 flags);
long hvx_dirty_log_get(struct hvx_vm *vm, void __user *argp);
long hvx_dirty_log_clear(struct hvx_vm *vm, void __user *argp);
/* The bitmap a slot gets when logging starts (KVM_DIRTY_LOG_INITIALLY_SET). */
unsigned long *hvx_dirty_bitmap_alloc(struct hvx_vm *vm, u64 npages);
void hvx_dirty_bitmap_free(unsigned long *bitmap);

/* Log a write to @gfn of @slot, if it logs dirty pages. Caller holds mmu_lock. */
static inline void hvx_dirty_log_mark(const struct hvx_memslot *slot, u64 gfn)
{
	if (slot->dirty_bitmap)
		set_bit(gfn - slot->base_gfn, slot->dirty_bitmap);
}

/* hvx_event.c: interrupts, NMIs, exceptions, HLT, INIT/SIPI (see hvx_irq.h). */
void hvx_event_vcpu_init(struct hvx_vcpu *vcpu);
void hvx_event_inject(struct hvx_vcpu *vcpu);
void hvx_event_complete(struct hvx_vcpu *vcpu, const struct hvx_event *cut_short);
int hvx_event_before_run(struct hvx_vcpu *vcpu);
int hvx_event_after_exit(struct hvx_vcpu *vcpu);
void hvx_event_fill_run(struct hvx_vcpu *vcpu);
bool hvx_interrupt_allowed(struct hvx_vcpu *vcpu);
u64 hvx_get_cr8(struct hvx_vcpu *vcpu);
void hvx_set_cr8(struct hvx_vcpu *vcpu, u64 cr8);
long hvx_vcpu_interrupt(struct hvx_vcpu *vcpu, void __user *argp);
long hvx_vcpu_nmi(struct hvx_vcpu *vcpu, void __user *argp);
int hvx_get_mp_state(struct hvx_vcpu *vcpu, u32 *mp_state);
int hvx_set_mp_state(struct hvx_vcpu *vcpu, u32 mp_state);
void hvx_events_get(struct hvx_vcpu *vcpu, struct kvm_vcpu_events *e);
int hvx_events_set(struct hvx_vcpu *vcpu, const struct kvm_vcpu_events *e);

/* hvx_vcpu.c */
int hvx_vcpu_create(struct hvx_vm *vm, unsigned long id);
void hvx_vcpu_free(struct hvx_vcpu *vcpu);
unsigned int hvx_vcpu_count(void);

#endif /* HVX_CORE_H */
