// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VM-wide interrupt-controller object: KVM_CREATE_IRQCHIP, the VM
 * ioctls of the in-kernel devices, and the hvx_irq.h entry points the CPU
 * side calls to find and take the pending interrupt.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "irqchip.h"

unsigned int hvx_vm_nr_vcpus(struct hvx_vm *vm)
{
	unsigned int nr = READ_ONCE(vm->nr_vcpus);

	smp_rmb();	/* pairs with hvx_vcpu_create(): vcpus[] before nr_vcpus */
	return nr;
}

/* vm->lock held. */
static struct hvx_irqchip *hvx_irqchip_alloc_locked(struct hvx_vm *vm)
{
	struct hvx_irqchip *ic = vm->irqchip;

	if (ic)
		return ic;
	ic = kzalloc(sizeof(*ic), GFP_KERNEL_ACCOUNT);
	if (!ic)
		return NULL;
	ic->vm = vm;
	mutex_init(&ic->lock);
	INIT_LIST_HEAD(&ic->irqfds);
	INIT_LIST_HEAD(&ic->resamplers);
	INIT_LIST_HEAD(&ic->ioeventfds);
	INIT_LIST_HEAD(&ic->coalesced);
	smp_store_release(&vm->irqchip, ic);
	return ic;
}

struct hvx_irqchip *hvx_irqchip_get(struct hvx_vm *vm)
{
	struct hvx_irqchip *ic = smp_load_acquire(&vm->irqchip);

	if (ic)
		return ic;
	mutex_lock(&vm->lock);
	ic = hvx_irqchip_alloc_locked(vm);
	mutex_unlock(&vm->lock);
	return ic;
}

bool hvx_irqchip_in_kernel(struct hvx_vm *vm)
{
	struct hvx_irqchip *ic = smp_load_acquire(&vm->irqchip);

	return ic && smp_load_acquire(&ic->in_kernel);
}

/* The VM is going away and no vCPU runs: sources first, then devices. */
void hvx_irqchip_destroy(struct hvx_vm *vm)
{
	struct hvx_irqchip *ic = vm->irqchip;

	unsigned int i;

	if (!ic)
		return;
	mutex_lock(&ic->lock);
	/* No vCPU runs: drop the buses first so no device unregisters itself. */
	for (i = 0; i < HVX_NR_BUSES; i++) {
		kfree(rcu_dereference_protected(ic->buses[i], true));
		RCU_INIT_POINTER(ic->buses[i], NULL);
	}
	hvx_eventfds_destroy(vm);
	hvx_coalesced_destroy(vm);
	hvx_pit_destroy(vm);
	hvx_pic_destroy(vm);
	hvx_ioapic_destroy(vm);
	kvfree(rcu_dereference_protected(ic->routing, true));
	mutex_unlock(&ic->lock);
	vm->irqchip = NULL;
	kfree(ic);
}

static long hvx_create_irqchip(struct hvx_vm *vm)
{
	struct hvx_irqchip *ic;
	long r;

	mutex_lock(&vm->lock);
	r = -EEXIST;
	if (hvx_irqchip_in_kernel(vm))
		goto out;
	/* LAPICs are made with the vCPUs: none may exist yet (KVM). */
	r = -EINVAL;
	if (vm->nr_vcpus)
		goto out;
	r = -ENOMEM;
	ic = hvx_irqchip_alloc_locked(vm);
	if (!ic)
		goto out;
	mutex_lock(&ic->lock);
	r = hvx_pic_create(vm);
	if (!r)
		r = hvx_ioapic_create(vm);
	if (!r)
		r = hvx_routing_set_default(vm);
	if (r) {
		hvx_ioapic_destroy(vm);
		hvx_pic_destroy(vm);
	} else {
		smp_store_release(&ic->in_kernel, true);
	}
	mutex_unlock(&ic->lock);
out:
	mutex_unlock(&vm->lock);
	return r;
}

static long hvx_irq_line(struct hvx_vm *vm, void __user *argp, bool status)
{
	struct kvm_irq_level line;

	if (copy_from_user(&line, argp, sizeof(line)))
		return -EFAULT;
	if (!hvx_irqchip_in_kernel(vm))
		return -ENXIO;
	line.status = hvx_irq_set(vm, line.irq, line.level);
	if (status && copy_to_user(argp, &line, sizeof(line)))
		return -EFAULT;
	return 0;
}

static long hvx_irqchip_state(struct hvx_vm *vm, void __user *argp, bool set)
{
	struct hvx_irqchip *ic = vm->irqchip;
	struct kvm_irqchip *chip;
	long r = 0;

	chip = memdup_user(argp, sizeof(*chip));
	if (IS_ERR(chip))
		return PTR_ERR(chip);
	if (!hvx_irqchip_in_kernel(vm)) {
		r = -ENXIO;
		goto out;
	}
	switch (chip->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		if (set)
			hvx_pic_set_state(ic->pic, chip->chip_id, &chip->chip.pic);
		else
			hvx_pic_get_state(ic->pic, chip->chip_id, &chip->chip.pic);
		break;
	case KVM_IRQCHIP_IOAPIC:
		if (set)
			hvx_ioapic_set_state(ic->ioapic, &chip->chip.ioapic);
		else
			hvx_ioapic_get_state(ic->ioapic, &chip->chip.ioapic);
		break;
	default:
		r = -EINVAL;
		goto out;
	}
	if (!set && copy_to_user(argp, chip, sizeof(*chip)))
		r = -EFAULT;
out:
	kfree(chip);
	return r;
}

static long hvx_signal_msi(struct hvx_vm *vm, void __user *argp)
{
	struct kvm_msi msi;
	struct kvm_irq_routing_msi m = {};

	if (copy_from_user(&msi, argp, sizeof(msi)))
		return -EFAULT;
	/* KVM accepts (and on x86 ignores) a device ID. */
	if (msi.flags & ~KVM_MSI_VALID_DEVID || !hvx_irqchip_in_kernel(vm))
		return -EINVAL;
	m.address_lo = msi.address_lo;
	m.address_hi = msi.address_hi;
	m.data = msi.data;
	return hvx_irq_deliver_msi(vm, &m);
}

long hvx_irqchip_vm_ioctl(struct hvx_vm *vm, unsigned int ioctl, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (ioctl) {
	case KVM_CREATE_IRQCHIP:
		return hvx_create_irqchip(vm);
	case KVM_IRQ_LINE:
		return hvx_irq_line(vm, argp, false);
	case KVM_IRQ_LINE_STATUS:
		return hvx_irq_line(vm, argp, true);
	case KVM_GET_IRQCHIP:
		return hvx_irqchip_state(vm, argp, false);
	case KVM_SET_IRQCHIP:
		return hvx_irqchip_state(vm, argp, true);
	case KVM_SET_GSI_ROUTING:
		return hvx_routing_ioctl(vm, argp);
	case KVM_SIGNAL_MSI:
		return hvx_signal_msi(vm, argp);
	case KVM_IRQFD:
		return hvx_irqfd_ioctl(vm, argp);
	case KVM_IOEVENTFD:
		return hvx_ioeventfd_ioctl(vm, argp);
	case KVM_REGISTER_COALESCED_MMIO:
		return hvx_coalesced_ioctl(vm, argp, true);
	case KVM_UNREGISTER_COALESCED_MMIO:
		return hvx_coalesced_ioctl(vm, argp, false);
	case KVM_CREATE_PIT2:
		return hvx_pit_create(vm, argp);
	case KVM_GET_PIT2:
		return hvx_pit_get_state2(vm, argp);
	case KVM_SET_PIT2:
		return hvx_pit_set_state2(vm, argp);
	default:
		return -ENOTTY;
	}
}

/* ---- hvx_irq.h ------------------------------------------------------------ */

static struct hvx_pic *hvx_pic_for(struct hvx_vcpu *vcpu)
{
	struct hvx_irqchip *ic = vcpu->vm->irqchip;

	return ic && hvx_lapic_accepts_pic(vcpu) ? ic->pic : NULL;
}

int hvx_irqchip_pending_vector(struct hvx_vcpu *vcpu)
{
	struct hvx_pic *pic;

	if (!vcpu->lapic)
		return -1;
	/* The PIC through LINT0 (ExtINT) comes first, as in KVM. */
	pic = hvx_pic_for(vcpu);
	if (pic && hvx_pic_has_output(pic)) {
		int v = hvx_pic_peek_vector(pic);

		if (v >= 0)
			return v;
	}
	return hvx_lapic_pending(vcpu);
}

int hvx_irqchip_ack_vector(struct hvx_vcpu *vcpu)
{
	struct hvx_pic *pic;

	if (!vcpu->lapic)
		return -1;
	pic = hvx_pic_for(vcpu);
	if (pic && hvx_pic_has_output(pic))
		return hvx_pic_read_irq(pic);
	return hvx_lapic_ack(vcpu);
}
