// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest TSC, per vCPU as in KVM: guest TSC = host TSC + tsc_offset,
 * the offset loaded into the VMCB/VMCS at every entry. The rules are
 * KVM's (x86.c): a new vCPU's TSC starts at 0, or at the VM's TSC if
 * another vCPU was created within a second (kvm_synchronize_tsc); the
 * guest's TSC writes move IA32_TSC_ADJUST by the same amount, the host's
 * do not; a guest TSC_ADJUST write moves the TSC, a host one does not;
 * KVM_VCPU_TSC_OFFSET (vCPU device attribute) reads and sets the offset.
 * No TSC scaling: the guest runs at the host's tsc_khz.
 */
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>
#include "hvx_exit.h"

#define CPUID7_EBX_TSC_ADJUST	BIT(1)

u64 hvx_tsc_read(struct hvx_vcpu *vcpu)
{
	return rdtsc() + vcpu->pv.tsc_offset;
}

/* TSC cycles in @ns at the host's rate. */
static u64 hvx_tsc_cycles(u64 ns)
{
	return mul_u64_u32_div(ns, tsc_khz, USEC_PER_SEC);
}

/*
 * A host-side write: @offset unless it matches the VM's last write (then
 * that write's offset, so vCPUs stay in step), as kvm_synchronize_tsc().
 * @data is the guest TSC value the offset gives now; @is_value says it
 * came from the VMM as a TSC value (else as an offset: matched only if
 * equal, as KVM's KVM_VCPU_TSC_OFFSET).
 */
static void hvx_tsc_sync(struct hvx_vcpu *vcpu, s64 offset, u64 data, bool is_value)
{
	struct hvx_pv_vm *pv = &vcpu->vm->pv;
	u64 ns = ktime_get_boottime_ns();
	bool match = false;

	spin_lock(&pv->tsc_lock);
	if (pv->tsc_written && tsc_khz) {
		if (!is_value) {
			match = offset == pv->cur_tsc_offset;
		} else if (data == 0) {
			match = true;	/* a vCPU coming up joins the others */
		} else {
			u64 expect = pv->last_tsc_write + hvx_tsc_cycles(ns - pv->last_tsc_ns);
			u64 hz = tsc_khz * 1000ULL;

			match = data < expect + hz && data + hz > expect;
		}
	}
	if (match)
		offset = pv->cur_tsc_offset;
	pv->cur_tsc_offset = offset;
	pv->last_tsc_write = rdtsc() + offset;
	pv->last_tsc_ns = ns;
	pv->tsc_written = true;
	spin_unlock(&pv->tsc_lock);
	vcpu->pv.tsc_offset = offset;
}

static void hvx_tsc_host_write(struct hvx_vcpu *vcpu, u64 data)
{
	hvx_tsc_sync(vcpu, data - rdtsc(), data, true);
}

void hvx_pv_vcpu_init(struct hvx_vcpu *vcpu)
{
	hvx_tsc_host_write(vcpu, 0);
}

/* A guest write moves the TSC by @delta, and TSC_ADJUST with it (SDM 17.17.3). */
static void hvx_tsc_guest_adjust(struct hvx_vcpu *vcpu, s64 delta)
{
	vcpu->pv.tsc_offset += delta;
	/* The pvclock's tsc_timestamp is in guest TSC: rewrite it. */
	set_bit(HVX_REQ_CLOCK_UPDATE, &vcpu->requests);
}

static bool hvx_guest_has_tsc_adjust(struct hvx_vcpu *vcpu)
{
	u32 eax, ebx, ecx, edx;

	hvx_guest_cpuid(vcpu, 7, 0, &eax, &ebx, &ecx, &edx);
	return ebx & CPUID7_EBX_TSC_ADJUST;
}

int hvx_tsc_get_msr(struct hvx_vcpu *vcpu, u32 msr, u64 *val, bool host)
{
	switch (msr) {
	case MSR_IA32_TSC:
		*val = hvx_tsc_read(vcpu);
		return 0;
	case MSR_IA32_TSC_ADJUST:
		/* KVM reads it without a CPUID check. */
		*val = vcpu->pv.tsc_adjust;
		return 0;
	}
	return -ENOENT;
}

int hvx_tsc_set_msr(struct hvx_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	s64 delta;

	switch (msr) {
	case MSR_IA32_TSC:
		if (host) {
			hvx_tsc_host_write(vcpu, val);
		} else {
			delta = val - hvx_tsc_read(vcpu);
			hvx_tsc_guest_adjust(vcpu, delta);
			vcpu->pv.tsc_adjust += delta;
		}
		return 0;
	case MSR_IA32_TSC_ADJUST:
		/* Without the CPUID bit KVM drops the write (no #GP). */
		if (!hvx_guest_has_tsc_adjust(vcpu))
			return 0;
		if (!host)
			hvx_tsc_guest_adjust(vcpu, val - vcpu->pv.tsc_adjust);
		vcpu->pv.tsc_adjust = val;
		return 0;
	}
	return -ENOENT;
}

/* KVM_HAS/GET/SET_DEVICE_ATTR on a vCPU fd: group KVM_VCPU_TSC_CTRL only. */
long hvx_vcpu_device_attr(struct hvx_vcpu *vcpu, unsigned int ioctl, void __user *argp)
{
	struct kvm_device_attr attr;
	u64 __user *uaddr;
	u64 offset;

	if (copy_from_user(&attr, argp, sizeof(attr)))
		return -EFAULT;
	if (attr.group != KVM_VCPU_TSC_CTRL || attr.attr != KVM_VCPU_TSC_OFFSET)
		return -ENXIO;
	if (ioctl == KVM_HAS_DEVICE_ATTR)
		return 0;
	uaddr = u64_to_user_ptr(attr.addr);
	if ((uintptr_t)uaddr != attr.addr)
		return -EFAULT;
	if (ioctl == KVM_GET_DEVICE_ATTR)
		return put_user((u64)vcpu->pv.tsc_offset, uaddr) ? -EFAULT : 0;
	if (get_user(offset, uaddr))
		return -EFAULT;
	hvx_tsc_sync(vcpu, offset, 0, false);
	set_bit(HVX_REQ_CLOCK_UPDATE, &vcpu->requests);
	return 0;
}
