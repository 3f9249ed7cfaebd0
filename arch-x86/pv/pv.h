/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM's paravirtual interface and the guest TSC (arch-x86/pv/): the
 * per-vCPU TSC offset and IA32_TSC_ADJUST (tsc.c), kvmclock and
 * KVM_GET/SET_CLOCK (kvmclock.c), steal time (steal_time.c), the KVM_HC_*
 * hypercalls and the fix-hypercall quirk (hypercall.c), the KVM CPUID
 * leaves and KVM_CAP_ENFORCE_PV_FEATURE_CPUID (pv_cpuid.c), and the PV
 * MSRs' dispatch (pv_msr.c). KVM (arch/x86/kvm/x86.c, cpuid.c) is the
 * oracle for every rule here; Documentation/api.md lists them.
 */
#ifndef HVX_PV_H
#define HVX_PV_H

#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/kvm.h>
#include <linux/kvm_para.h>

struct hvx_vcpu;
struct hvx_vm;
struct kvm_cpuid_entry2;
struct hvx_insn;

/* Per vCPU; the vCPU thread owns all of it (under vcpu->lock). */
struct hvx_pv_vcpu {
	/* Guest TSC = host TSC + tsc_offset, per vCPU as in KVM. */
	s64 tsc_offset;
	s64 tsc_adjust;			/* IA32_TSC_ADJUST */
	/* kvmclock: MSR_KVM_SYSTEM_TIME(_NEW) as written; bit 0 enables it. */
	u64 system_time;
	u64 pvclock_version;		/* last version written to the guest */
	/* steal time: MSR_KVM_STEAL_TIME as written, and run_delay at the last update. */
	u64 steal_time;
	u64 last_run_delay;
	/* KVM_CAP_ENFORCE_PV_FEATURE_CPUID: PV MSRs/hypercalls follow CPUID 0x40000001. */
	bool enforce_pv_cpuid;
};

/* Per VM. */
struct hvx_pv_vm {
	/*
	 * KVM's TSC synchronisation: a host-side TSC write (vCPU creation,
	 * KVM_SET_MSRS, KVM_VCPU_TSC_OFFSET) that lands within a second of
	 * where the last one would be now takes the same offset, so the
	 * vCPUs of a VM (and a restored VM) share one TSC.
	 */
	spinlock_t tsc_lock;
	bool tsc_written;		/* tsc_lock: a host write happened */
	s64 cur_tsc_offset;		/* tsc_lock */
	u64 last_tsc_write;		/* tsc_lock: guest TSC value written */
	u64 last_tsc_ns;		/* tsc_lock: host boot-time ns of that write */
	/* kvmclock = host boot-time ns + kvmclock_offset (KVM_SET_CLOCK moves it). */
	s64 kvmclock_offset;		/* vm->lock */
	u64 wall_clock;			/* MSR_KVM_WALL_CLOCK(_NEW), VM-wide as in KVM */
	u64 disabled_quirks;		/* KVM_CAP_DISABLE_QUIRKS2 */
	u32 hypercall_exit_mask;	/* KVM_CAP_EXIT_HYPERCALL: BIT(KVM_HC_*) */
	u32 disabled_exits;		/* KVM_CAP_X86_DISABLE_EXITS as asked (see pv_cpuid.c) */
};

/* KVM_CAP_DISABLE_QUIRKS2: the KVM quirks hvx has (and lets a VMM turn off). */
#define HVX_PV_QUIRKS		KVM_X86_QUIRK_FIX_HYPERCALL_INSN

void hvx_pv_vm_init(struct hvx_vm *vm);
/* After the backend's vCPU setup: the TSC starts as KVM's (host write of 0). */
void hvx_pv_vcpu_init(struct hvx_vcpu *vcpu);

/* tsc.c */
u64 hvx_tsc_read(struct hvx_vcpu *vcpu);
int hvx_tsc_get_msr(struct hvx_vcpu *vcpu, u32 msr, u64 *val, bool host);
int hvx_tsc_set_msr(struct hvx_vcpu *vcpu, u32 msr, u64 val, bool host);
long hvx_vcpu_device_attr(struct hvx_vcpu *vcpu, unsigned int ioctl, void __user *argp);

/* kvmclock.c */
int hvx_kvmclock_get_msr(struct hvx_vcpu *vcpu, u32 msr, u64 *val);
int hvx_kvmclock_set_msr(struct hvx_vcpu *vcpu, u32 msr, u64 val, bool host);
void hvx_kvmclock_update(struct hvx_vcpu *vcpu);
long hvx_vm_get_clock(struct hvx_vm *vm, void __user *argp);
long hvx_vm_set_clock(struct hvx_vm *vm, void __user *argp);
u32 hvx_kvmclock_cap_flags(void);

/* steal_time.c */
int hvx_steal_time_set_msr(struct hvx_vcpu *vcpu, u64 val);
void hvx_steal_time_update(struct hvx_vcpu *vcpu, bool force);
bool hvx_steal_time_supported(void);

/* hypercall.c: VMCALL/VMMCALL, and the other vendor's instruction at a #UD. */
int hvx_pv_hypercall(struct hvx_vcpu *vcpu);
int hvx_pv_fix_hypercall(struct hvx_vcpu *vcpu);
bool hvx_pv_is_foreign_hypercall(const struct hvx_insn *insn);
/* KVM_CAP_EXIT_HYPERCALL: the hypercalls that may reach the VMM. */
#define HVX_HYPERCALL_EXIT_VALID	BIT(KVM_HC_MAP_GPA_RANGE)

/* pv_cpuid.c */
int hvx_pv_supported_cpuid(struct kvm_cpuid_entry2 *e, u32 room);
bool hvx_pv_has(struct hvx_vcpu *vcpu, unsigned int feature);
/* KVM_SET_CPUID2: no PV_UNHALT while KVM_CAP_X86_DISABLE_EXITS took HLT. */
void hvx_pv_cpuid_runtime(struct hvx_vcpu *vcpu, struct kvm_cpuid_entry2 *e, u32 nent);
long hvx_vm_disable_exits(struct hvx_vm *vm, u64 exits);
long hvx_pv_enable_cap_enforce(struct hvx_vcpu *vcpu, u64 arg);

/* pv_msr.c: -ENOENT for an MSR not theirs, else 0 or an HVX_MSR_* refusal. */
int hvx_pv_get_msr(struct hvx_vcpu *vcpu, u32 msr, u64 *val, bool host);
int hvx_pv_set_msr(struct hvx_vcpu *vcpu, u32 msr, u64 val, bool host);
/* Before each entry: kvmclock and steal time records the guest reads. */
void hvx_pv_before_entry(struct hvx_vcpu *vcpu);
/* At each KVM_RUN: the vCPU thread may have waited since (steal time). */
void hvx_pv_vcpu_load(struct hvx_vcpu *vcpu);

#endif /* HVX_PV_H */
