// SPDX-License-Identifier: GPL-2.0-only
/*
 * The in-kernel I/O bus: devices claim port or guest-physical ranges, and
 * the exit paths offer each access here before it goes to userspace.
 *
 * Readers are vCPUs in their exit handlers; writers are rare ioctls
 * (KVM_CREATE_IRQCHIP, KVM_IOEVENTFD). The bus is an array replaced as a
 * whole under RCU: a reader takes no lock and never waits for a writer,
 * and the device callbacks only take spinlocks, so plain RCU (not SRCU)
 * is enough. Writers serialise on irqchip->lock and wait for readers with
 * synchronize_rcu() before a device they removed may be freed.
 */
#include <linux/slab.h>
#include "irqchip.h"
#include "hooks.h"

static bool hvx_io_dev_claims(const struct hvx_io_dev *d, u64 addr, unsigned int len)
{
	if (!d->len)
		return addr == d->addr;
	return addr >= d->addr && addr + len <= d->addr + d->len;
}

/* Caller holds irqchip->lock. */
int hvx_io_bus_register(struct hvx_vm *vm, enum hvx_bus idx, struct hvx_io_dev *dev)
{
	struct hvx_irqchip *ic = vm->irqchip;
	struct hvx_io_bus *old = rcu_dereference_protected(ic->buses[idx],
							   lockdep_is_held(&ic->lock));
	unsigned int nr = old ? old->nr : 0;
	struct hvx_io_bus *new;

	if (nr >= HVX_IO_BUS_MAX_DEVS)
		return -ENOSPC;
	new = kmalloc(struct_size(new, devs, nr + 1), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	if (nr)
		memcpy(new->devs, old->devs, nr * sizeof(new->devs[0]));
	new->devs[nr] = dev;
	new->nr = nr + 1;
	rcu_assign_pointer(ic->buses[idx], new);
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

/* Caller holds irqchip->lock; @dev may be freed once this returns. */
void hvx_io_bus_unregister(struct hvx_vm *vm, enum hvx_bus idx, struct hvx_io_dev *dev)
{
	struct hvx_irqchip *ic = vm->irqchip;
	struct hvx_io_bus *old = rcu_dereference_protected(ic->buses[idx],
							   lockdep_is_held(&ic->lock));
	struct hvx_io_bus *new;
	unsigned int i, j;

	if (!old)
		return;
	new = kmalloc(struct_size(new, devs, old->nr), GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
	for (i = j = 0; i < old->nr; i++)
		if (old->devs[i] != dev)
			new->devs[j++] = old->devs[i];
	new->nr = j;
	rcu_assign_pointer(ic->buses[idx], new);
	synchronize_rcu();	/* no reader still sees @dev */
	kfree(old);
}

static int hvx_io_bus_access(struct hvx_vcpu *vcpu, enum hvx_bus idx, u64 addr,
			     unsigned int len, bool write, void *val)
{
	struct hvx_irqchip *ic = READ_ONCE(vcpu->vm->irqchip);
	struct hvx_io_bus *bus;
	int r = -EOPNOTSUPP;
	unsigned int i;

	if (!ic)
		return -EOPNOTSUPP;
	rcu_read_lock();
	bus = rcu_dereference(ic->buses[idx]);
	for (i = 0; bus && i < bus->nr && r == -EOPNOTSUPP; i++) {
		struct hvx_io_dev *d = bus->devs[i];

		if (!hvx_io_dev_claims(d, addr, len))
			continue;
		if (write)
			r = d->ops->write ? d->ops->write(d, vcpu, addr, len, val) : -EOPNOTSUPP;
		else
			r = d->ops->read ? d->ops->read(d, vcpu, addr, len, val) : -EOPNOTSUPP;
	}
	rcu_read_unlock();
	return r;
}

int hvx_io_bus_pio(struct hvx_vcpu *vcpu, u16 port, unsigned int len, bool in, void *val)
{
	return hvx_io_bus_access(vcpu, HVX_BUS_PIO, port, len, !in, val);
}

int hvx_io_bus_mmio(struct hvx_vcpu *vcpu, u64 gpa, unsigned int len, bool write, void *val)
{
	int r;

	/* The LAPIC page is per vCPU (it moves with IA32_APIC_BASE). */
	if (vcpu->lapic) {
		r = write ? hvx_lapic_mmio_write(vcpu, gpa, len, val) :
			    hvx_lapic_mmio_read(vcpu, gpa, len, val);
		if (r != -EOPNOTSUPP)
			return r;
	}
	return hvx_io_bus_access(vcpu, HVX_BUS_MMIO, gpa, len, write, val);
}
