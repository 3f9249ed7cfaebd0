// SPDX-License-Identifier: GPL-2.0-only
/*
 * Coalesced MMIO and port I/O (KVM_REGISTER_COALESCED_MMIO): guest writes
 * to a zone the VMM registered do not exit. They go into a ring that the
 * VMM maps from every vCPU fd (page HVX_VCPU_COALESCED_PAGE of the vCPU
 * mmap) and drains whenever it gets control, as on KVM. Meant for device
 * registers whose writes need no immediate answer (a framebuffer, an
 * RTC index port).
 *
 * The ring is struct kvm_coalesced_mmio_ring: hvx appends at `last`, the
 * VMM consumes from `first`. One slot always stays empty, so `last + 1 ==
 * first` means full; then the write exits to the VMM as an ordinary
 * KVM_EXIT_MMIO or KVM_EXIT_IO, which also tells the VMM to drain. Both
 * indices live in memory the VMM can write, so they are read once and
 * checked before hvx uses them.
 *
 * A zone is an I/O-bus device (iobus.c) claiming its range for writes
 * only; reads in it still exit.
 */
#include <linux/slab.h>
#include "irqchip.h"

struct hvx_coalesced_zone {
	struct hvx_io_dev dev;
	struct hvx_vm *vm;
	bool pio;
	struct list_head link;		/* irqchip->coalesced, under its lock */
};

int hvx_coalesced_ring_alloc(struct hvx_vm *vm)
{
	vm->coalesced_ring = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!vm->coalesced_ring)
		return -ENOMEM;
	spin_lock_init(&vm->coalesced_lock);
	return 0;
}

/* A live vCPU mapping holds its own reference to the page. */
void hvx_coalesced_ring_free(struct hvx_vm *vm)
{
	if (vm->coalesced_ring)
		__free_page(vm->coalesced_ring);
}

static int hvx_coalesced_write(struct hvx_io_dev *dev, struct hvx_vcpu *vcpu, u64 addr,
			       unsigned int len, const void *val)
{
	struct hvx_coalesced_zone *z = container_of(dev, struct hvx_coalesced_zone, dev);
	struct hvx_vm *vm = z->vm;
	struct kvm_coalesced_mmio_ring *ring = page_address(vm->coalesced_ring);
	struct kvm_coalesced_mmio *e;
	u32 last, first;
	int r = -EOPNOTSUPP;

	if (len > sizeof(e->data))
		return -EOPNOTSUPP;
	spin_lock(&vm->coalesced_lock);
	last = READ_ONCE(ring->last);
	first = READ_ONCE(ring->first);
	/* Full, or indices the VMM broke: exit, as KVM does. */
	if (last >= KVM_COALESCED_MMIO_MAX || (last + 1) % KVM_COALESCED_MMIO_MAX == first)
		goto out;
	e = &ring->coalesced_mmio[last];
	e->phys_addr = addr;
	e->len = len;
	e->pio = z->pio;
	memset(e->data, 0, sizeof(e->data));
	memcpy(e->data, val, len);
	/* The entry is complete before the VMM can see it. */
	smp_wmb();
	WRITE_ONCE(ring->last, (last + 1) % KVM_COALESCED_MMIO_MAX);
	r = 0;
out:
	spin_unlock(&vm->coalesced_lock);
	return r;
}

static const struct hvx_io_ops hvx_coalesced_ops = {
	.write = hvx_coalesced_write,
};

static long hvx_coalesced_register(struct hvx_vm *vm, const struct kvm_coalesced_mmio_zone *zone)
{
	struct hvx_irqchip *ic = hvx_irqchip_get(vm);
	struct hvx_coalesced_zone *z;
	long r;

	if (!ic)
		return -ENOMEM;
	/* KVM takes a zone of size 0 and never matches a write to it. */
	if (!zone->size)
		return 0;
	z = kzalloc(sizeof(*z), GFP_KERNEL_ACCOUNT);
	if (!z)
		return -ENOMEM;
	z->vm = vm;
	z->pio = zone->pio;
	z->dev = (struct hvx_io_dev){ &hvx_coalesced_ops, zone->addr, zone->size };
	mutex_lock(&ic->lock);
	r = hvx_io_bus_register(vm, z->pio ? HVX_BUS_PIO : HVX_BUS_MMIO, &z->dev);
	if (!r)
		list_add_tail(&z->link, &ic->coalesced);
	mutex_unlock(&ic->lock);
	if (r)
		kfree(z);
	return r;
}

/* Drops every zone of that kind that holds the whole range (KVM's rule). */
static long hvx_coalesced_unregister(struct hvx_vm *vm, const struct kvm_coalesced_mmio_zone *zone)
{
	struct hvx_irqchip *ic = smp_load_acquire(&vm->irqchip);
	struct hvx_coalesced_zone *z, *tmp;
	u64 end = zone->addr + zone->size;

	if (end < zone->addr)
		return 0;	/* no zone holds a wrapping range */

	if (!ic)
		return 0;
	mutex_lock(&ic->lock);
	list_for_each_entry_safe(z, tmp, &ic->coalesced, link) {
		if (z->pio != !!zone->pio || zone->addr < z->dev.addr ||
		    end > z->dev.addr + z->dev.len)
			continue;
		hvx_io_bus_unregister(vm, z->pio ? HVX_BUS_PIO : HVX_BUS_MMIO, &z->dev);
		list_del(&z->link);
		kfree(z);
	}
	mutex_unlock(&ic->lock);
	return 0;
}

long hvx_coalesced_ioctl(struct hvx_vm *vm, void __user *argp, bool add)
{
	struct kvm_coalesced_mmio_zone zone;

	if (copy_from_user(&zone, argp, sizeof(zone)))
		return -EFAULT;
	if (zone.pio > 1)
		return -EINVAL;
	return add ? hvx_coalesced_register(vm, &zone) : hvx_coalesced_unregister(vm, &zone);
}

/* irqchip->lock held, the buses already gone: no vCPU runs. */
void hvx_coalesced_destroy(struct hvx_vm *vm)
{
	struct hvx_irqchip *ic = vm->irqchip;
	struct hvx_coalesced_zone *z, *tmp;

	list_for_each_entry_safe(z, tmp, &ic->coalesced, link) {
		list_del(&z->link);
		kfree(z);
	}
}
