// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmclock: the VM's clock in ns is the host's boot-time clock plus
 * kvmclock_offset (0 at VM creation; KVM_SET_CLOCK moves it). A guest that
 * writes MSR_KVM_SYSTEM_TIME(_NEW) with bit 0 set gets a
 * pvclock_vcpu_time_info at that GPA: a (guest TSC, clock) pair and the
 * TSC-to-ns scale, rewritten at each KVM_RUN and whenever the TSC or the
 * clock was moved, so the guest's extrapolation never strays far.
 * MSR_KVM_WALL_CLOCK(_NEW) writes a pvclock_wall_clock (the host's
 * real time at kvmclock 0) once, at the write. Layouts, versioning and
 * the rules are KVM's (x86.c: kvm_write_wall_clock, kvm_write_system_time,
 * kvm_setup_guest_pvclock, kvm_vm_ioctl_get/set_clock).
 *
 * Unlike KVM's master clock, hvx does not promise one TSC-to-clock
 * mapping for all vCPUs: the pvclock's PVCLOCK_TSC_STABLE_BIT stays clear
 * and KVM_GET_CLOCK never reports KVM_CLOCK_TSC_STABLE.
 */
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <asm/kvm_para.h>
#include <asm/pvclock-abi.h>
#include <asm/tsc.h>
#include "hvx_exit.h"

/* Bit 0 of the system-time MSR: the pvclock area is live. */
#define KVMCLOCK_ENABLED	KVM_MSR_ENABLED

static u64 hvx_kvmclock_ns(struct hvx_vm *vm, u64 boot_ns)
{
	return boot_ns + READ_ONCE(vm->pv.kvmclock_offset);
}

/*
 * ns = ((tsc << shift) * mul) >> 32 (shift may be negative), the
 * pvclock's scale: the rate scaled into (1 GHz, 2 GHz] keeps mul in
 * [2^31, 2^32), as precise as 32 bits allow.
 */
static void hvx_pvclock_scale(u64 hz, s8 *shift, u32 *mul)
{
	s8 s = 0;

	if (!hz)
		hz = NSEC_PER_SEC;
	while (hz > 2ULL * NSEC_PER_SEC) {
		hz >>= 1;
		s--;
	}
	while (hz <= NSEC_PER_SEC) {
		hz <<= 1;
		s++;
	}
	*shift = s;
	*mul = div64_u64((u64)NSEC_PER_SEC << 32, hz);
}

/* The guest's version word, made even, plus one: odd while we write. */
static int hvx_pv_version_begin(struct hvx_vm *vm, u64 gpa, u32 *version)
{
	u32 v;
	int r = hvx_read_guest(vm, gpa, &v, sizeof(v));

	if (r)
		return r;
	if (v & 1)
		v++;	/* first write: whatever was there */
	v++;
	*version = v;
	return hvx_write_guest(vm, gpa, &v, sizeof(v));
}

static void hvx_pv_version_end(struct hvx_vm *vm, u64 gpa, u32 version)
{
	version++;
	smp_wmb();
	hvx_write_guest(vm, gpa, &version, sizeof(version));
}

/* pvclock_wall_clock: real time at kvmclock 0 (KVM's kvm_write_wall_clock). */
static void hvx_kvmclock_write_wall(struct hvx_vcpu *vcpu, u64 gpa)
{
	struct hvx_vm *vm = vcpu->vm;
	struct pvclock_wall_clock wc = {};
	u64 wall;
	u32 version;

	/* KVM: GPA 0 turns it off (a VMM restoring the MSR writes 0). */
	if (!gpa || hvx_pv_version_begin(vm, gpa, &version))
		return;
	wall = ktime_get_real_ns() - hvx_kvmclock_ns(vm, ktime_get_boottime_ns());
	wc.version = version;
	wc.nsec = do_div(wall, NSEC_PER_SEC);
	wc.sec = (u32)wall;
	smp_wmb();
	hvx_write_guest(vm, gpa, &wc, sizeof(wc));
	hvx_pv_version_end(vm, gpa, version);
}

/* Rewrite the vCPU's pvclock_vcpu_time_info, if the guest enabled one. */
void hvx_kvmclock_update(struct hvx_vcpu *vcpu)
{
	struct hvx_vm *vm = vcpu->vm;
	struct pvclock_vcpu_time_info ti = {};
	u64 gpa = vcpu->pv.system_time & ~(u64)KVMCLOCK_ENABLED;
	unsigned long flags;
	u64 host_tsc, boot_ns;
	u32 version;

	if (!(vcpu->pv.system_time & KVMCLOCK_ENABLED))
		return;
	if (hvx_pv_version_begin(vm, gpa, &version))
		return;
	/* One (TSC, clock) pair, read back to back. */
	local_irq_save(flags);
	host_tsc = rdtsc();
	boot_ns = ktime_get_boottime_ns();
	local_irq_restore(flags);
	ti.version = version;
	ti.tsc_timestamp = host_tsc + vcpu->pv.tsc_offset;
	ti.system_time = hvx_kvmclock_ns(vm, boot_ns);
	hvx_pvclock_scale(tsc_khz * 1000ULL, &ti.tsc_shift, &ti.tsc_to_system_mul);
	ti.flags = 0;
	smp_wmb();
	hvx_write_guest(vm, gpa, &ti, sizeof(ti));
	hvx_pv_version_end(vm, gpa, version);
}

int hvx_kvmclock_get_msr(struct hvx_vcpu *vcpu, u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_WALL_CLOCK_NEW:
		*val = vcpu->vm->pv.wall_clock;
		return 0;
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_SYSTEM_TIME_NEW:
		*val = vcpu->pv.system_time;
		return 0;
	}
	return -ENOENT;
}

int hvx_kvmclock_set_msr(struct hvx_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	switch (msr) {
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_WALL_CLOCK_NEW:
		WRITE_ONCE(vcpu->vm->pv.wall_clock, val);
		hvx_kvmclock_write_wall(vcpu, val);
		return 0;
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_SYSTEM_TIME_NEW:
		vcpu->pv.system_time = val;
		set_bit(HVX_REQ_CLOCK_UPDATE, &vcpu->requests);
		return 0;
	}
	return -ENOENT;
}

/*
 * Host time and TSC together, when the host's clocksource is the TSC
 * (its counter value then lies between two RDTSCs around the snapshot):
 * what KVM_CLOCK_REALTIME and KVM_CLOCK_HOST_TSC promise.
 */
static bool hvx_host_clock_tsc(u64 *real_ns, u64 *host_tsc, u64 *boot_ns)
{
	struct system_time_snapshot snap;
	unsigned long flags;
	u64 before, after;

	local_irq_save(flags);
	before = rdtsc_ordered();
	ktime_get_snapshot(&snap);
	*boot_ns = ktime_get_boottime_ns();
	after = rdtsc_ordered();
	local_irq_restore(flags);
	*real_ns = ktime_to_ns(snap.real);
	*host_tsc = snap.cycles;
	return snap.cycles >= before && snap.cycles <= after;
}

/* KVM_CHECK_EXTENSION(KVM_CAP_ADJUST_CLOCK): the flags KVM_SET_CLOCK takes. */
u32 hvx_kvmclock_cap_flags(void)
{
	return KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC;
}

long hvx_vm_get_clock(struct hvx_vm *vm, void __user *argp)
{
	struct kvm_clock_data data = {};
	u64 real_ns, host_tsc, boot_ns;

	if (hvx_host_clock_tsc(&real_ns, &host_tsc, &boot_ns)) {
		data.flags = KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC;
		data.realtime = real_ns;
		data.host_tsc = host_tsc;
	} else {
		data.host_tsc = rdtsc();
	}
	data.clock = hvx_kvmclock_ns(vm, boot_ns);
	return copy_to_user(argp, &data, sizeof(data)) ? -EFAULT : 0;
}

long hvx_vm_set_clock(struct hvx_vm *vm, void __user *argp)
{
	struct kvm_clock_data data;
	u64 now_real;

	if (copy_from_user(&data, argp, sizeof(data)))
		return -EFAULT;
	if (data.flags & ~hvx_kvmclock_cap_flags())
		return -EINVAL;
	mutex_lock(&vm->lock);
	/* KVM: the time since @realtime passed too, never backwards. */
	if (data.flags & KVM_CLOCK_REALTIME) {
		now_real = ktime_get_real_ns();
		if (now_real > data.realtime)
			data.clock += now_real - data.realtime;
	}
	WRITE_ONCE(vm->pv.kvmclock_offset, data.clock - ktime_get_boottime_ns());
	mutex_unlock(&vm->lock);
	hvx_vm_request_all(vm, HVX_REQ_CLOCK_UPDATE);
	return 0;
}
