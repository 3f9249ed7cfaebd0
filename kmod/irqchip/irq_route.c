// SPDX-License-Identifier: GPL-2.0-only
/*
 * GSI routing: which controller pins (or which MSI message) a GSI drives.
 * The default table is KVM's: GSI 0-15 to the PIC and the IOAPIC, GSI
 * 16-23 to the IOAPIC only, GSI n to IOAPIC pin n. (GSI 0 reaches pin 0
 * as in KVM, checked on kvmref by irqchip_api_test; VMMs that want the
 * PC wiring, PIT on pin 2, set their own table as QEMU does.) KVM_SET_GSI_ROUTING replaces it whole; injectors (KVM_IRQ_LINE,
 * irqfds, the PIT in hardirq context) read it under RCU.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "irqchip.h"

#define MSI_ADDR_DEST_SHIFT	12
#define MSI_ADDR_DEST_LOGICAL	(1 << 2)
#define MSI_DATA_VECTOR_MASK	0xff
#define MSI_DATA_MODE_SHIFT	8
#define MSI_DATA_LEVEL_ASSERT	(1 << 14)
#define MSI_DATA_TRIGGER_LEVEL	(1 << 15)

/* Caller holds irqchip->lock; @new is owned by the table from here. */
static void hvx_routing_replace(struct hvx_vm *vm, struct hvx_routing *new)
{
	struct hvx_irqchip *ic = vm->irqchip;
	struct hvx_routing *old = rcu_dereference_protected(ic->routing,
							    lockdep_is_held(&ic->lock));

	rcu_assign_pointer(ic->routing, new);
	if (old)
		kvfree_rcu(old, rcu);
}

int hvx_routing_set_default(struct hvx_vm *vm)
{
	struct hvx_routing *rt;
	unsigned int gsi, n = 0;

	rt = kzalloc(struct_size(rt, entries, HVX_PIC_NUM_PINS + HVX_IOAPIC_NUM_PINS),
		     GFP_KERNEL_ACCOUNT);
	if (!rt)
		return -ENOMEM;
	for (gsi = 0; gsi < HVX_IOAPIC_NUM_PINS; gsi++) {
		if (gsi < HVX_PIC_NUM_PINS) {
			rt->entries[n].gsi = gsi;
			rt->entries[n].type = KVM_IRQ_ROUTING_IRQCHIP;
			rt->entries[n].chip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER :
							       KVM_IRQCHIP_PIC_SLAVE;
			rt->entries[n].chip.pin = gsi % 8;
			n++;
		}
		rt->entries[n].gsi = gsi;
		rt->entries[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		rt->entries[n].chip.irqchip = KVM_IRQCHIP_IOAPIC;
		rt->entries[n].chip.pin = gsi;
		n++;
	}
	rt->nr = n;
	hvx_routing_replace(vm, rt);
	return 0;
}

/* KVM's kvm_msi_route_invalid(): address_hi 7:0 set in the x2APIC format. */
static bool hvx_msi_invalid(struct hvx_vm *vm, const struct kvm_irq_routing_msi *m)
{
	return READ_ONCE(vm->x2apic_format) && (m->address_hi & 0xff);
}

/* One userspace entry, checked as KVM checks it. */
static int hvx_route_from_user(struct hvx_vm *vm, struct hvx_route *r,
			       const struct kvm_irq_routing_entry *ue)
{
	if (ue->gsi >= HVX_MAX_IRQ_ROUTES || ue->flags)
		return -EINVAL;
	r->gsi = ue->gsi;
	r->type = ue->type;
	switch (ue->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		r->chip.irqchip = ue->u.irqchip.irqchip;
		r->chip.pin = ue->u.irqchip.pin;
		switch (r->chip.irqchip) {
		case KVM_IRQCHIP_PIC_MASTER:
		case KVM_IRQCHIP_PIC_SLAVE:
			return r->chip.pin < 8 ? 0 : -EINVAL;
		case KVM_IRQCHIP_IOAPIC:
			return r->chip.pin < HVX_IOAPIC_NUM_PINS ? 0 : -EINVAL;
		default:
			return -EINVAL;
		}
	case KVM_IRQ_ROUTING_MSI:
		r->msi = ue->u.msi;
		return hvx_msi_invalid(vm, &r->msi) ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

/*
 * KVM's rule: a GSI may have several irqchip routes (one per chip), or a
 * single route of another type.
 */
static int hvx_route_check_gsi(const struct hvx_routing *rt, const struct hvx_route *r)
{
	unsigned int i;

	for (i = 0; i < rt->nr; i++) {
		const struct hvx_route *e = &rt->entries[i];

		if (e->gsi != r->gsi)
			continue;
		if (e->type != KVM_IRQ_ROUTING_IRQCHIP || r->type != KVM_IRQ_ROUTING_IRQCHIP ||
		    e->chip.irqchip == r->chip.irqchip)
			return -EINVAL;
	}
	return 0;
}

long hvx_routing_ioctl(struct hvx_vm *vm, void __user *argp)
{
	struct kvm_irq_routing __user *urt = argp;
	struct kvm_irq_routing hdr;
	struct kvm_irq_routing_entry *ue = NULL;
	struct hvx_irqchip *ic = vm->irqchip;
	struct hvx_routing *rt;
	unsigned int i;
	long r;

	/* KVM's order of checks. */
	if (!hvx_irqchip_in_kernel(vm))
		return -EINVAL;
	if (copy_from_user(&hdr, urt, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nr > HVX_MAX_IRQ_ROUTES || hdr.flags)
		return -EINVAL;
	if (hdr.nr) {
		ue = vmemdup_user(urt->entries, array_size(sizeof(*ue), hdr.nr));
		if (IS_ERR(ue))
			return PTR_ERR(ue);
	}
	rt = kvzalloc(struct_size(rt, entries, hdr.nr), GFP_KERNEL_ACCOUNT);
	r = -ENOMEM;
	if (!rt)
		goto out;
	for (i = 0; i < hdr.nr; i++) {
		r = hvx_route_from_user(vm, &rt->entries[i], &ue[i]);
		if (!r)
			r = hvx_route_check_gsi(rt, &rt->entries[i]);
		if (r) {
			kvfree(rt);
			goto out;
		}
		rt->nr = i + 1;
	}
	mutex_lock(&ic->lock);
	hvx_routing_replace(vm, rt);
	mutex_unlock(&ic->lock);
	r = 0;
out:
	kvfree(ue);
	return r;
}

/* An MSI message (address/data) to the LAPICs. */
int hvx_irq_deliver_msi(struct hvx_vm *vm, const struct kvm_irq_routing_msi *m)
{
	struct hvx_irq_msg msg = {
		.dest = (m->address_lo >> MSI_ADDR_DEST_SHIFT) & 0xff,
		.vector = m->data & MSI_DATA_VECTOR_MASK,
		.delivery_mode = (m->data >> MSI_DATA_MODE_SHIFT) & 7,
		.logical = m->address_lo & MSI_ADDR_DEST_LOGICAL,
		.level_trig = m->data & MSI_DATA_TRIGGER_LEVEL,
		.assert = m->data & MSI_DATA_LEVEL_ASSERT,
	};

	u32 dest_hi;

	/*
	 * As KVM (kvm_set_msi_irq), only the destination and mode bits of the
	 * address count, not its 0xfee base: QEMU sends the MSIs of its own
	 * device models with the offset into its APIC MSI window as address.
	 * With KVM_X2APIC_API_USE_32BIT_IDS, address_hi bits 31:8 carry
	 * destination bits 31:8 (KVM's x2APIC MSI format) and bits 7:0 must
	 * be 0; otherwise address_hi is ignored.
	 */
	if (hvx_msi_invalid(vm, m))
		return -EINVAL;
	dest_hi = READ_ONCE(vm->x2apic_format) ? m->address_hi & 0xffffff00 : 0;
	if (dest_hi) {
		msg.dest |= dest_hi;
		msg.x2apic_dest = true;
	}
	return hvx_lapic_deliver(vm, NULL, &msg);
}

static int hvx_route_set(struct hvx_vm *vm, const struct hvx_route *e, int level)
{
	struct hvx_irqchip *ic = vm->irqchip;

	switch (e->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		if (e->chip.irqchip == KVM_IRQCHIP_IOAPIC)
			return ic->ioapic ? hvx_ioapic_set_irq(ic->ioapic, e->chip.pin, level) : -1;
		return ic->pic ? hvx_pic_set_irq(ic->pic, e->chip.irqchip * 8 + e->chip.pin,
						 level) : -1;
	case KVM_IRQ_ROUTING_MSI:
		/* An MSI is an edge: raising the GSI sends it, lowering does nothing. */
		return level ? hvx_irq_deliver_msi(vm, &e->msi) : -1;
	default:
		return -1;
	}
}

int hvx_irq_set(struct hvx_vm *vm, u32 gsi, int level)
{
	struct hvx_irqchip *ic = READ_ONCE(vm->irqchip);
	struct hvx_routing *rt;
	unsigned int i;
	int r = -1;

	if (!ic)
		return -1;
	rcu_read_lock();
	rt = rcu_dereference(ic->routing);
	for (i = 0; rt && i < rt->nr; i++) {
		int one;

		if (rt->entries[i].gsi != gsi)
			continue;
		one = hvx_route_set(vm, &rt->entries[i], level);
		/* KVM: the sum of the deliveries, or -1 if none took it. */
		if (one >= 0)
			r = (r < 0 ? 0 : r) + one;
	}
	rcu_read_unlock();
	return r;
}

int hvx_routing_pin_to_gsi(struct hvx_vm *vm, u32 irqchip, u32 pin)
{
	struct hvx_irqchip *ic = vm->irqchip;
	struct hvx_routing *rt;
	unsigned int i;
	int gsi = -1;

	rcu_read_lock();
	rt = rcu_dereference(ic->routing);
	for (i = 0; rt && i < rt->nr; i++) {
		const struct hvx_route *e = &rt->entries[i];

		if (e->type == KVM_IRQ_ROUTING_IRQCHIP && e->chip.irqchip == irqchip &&
		    e->chip.pin == pin) {
			gsi = e->gsi;
			break;
		}
	}
	rcu_read_unlock();
	return gsi;
}
