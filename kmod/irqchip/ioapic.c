// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IOAPIC (82093AA, version 0x11, 24 pins) at 0xfec00000: IOREGSEL at
 * +0x00, IOWIN at +0x10; registers ID, version, arbitration and the
 * redirection table. A level-triggered pin sets remote IRR when delivered
 * and is re-delivered on the LAPIC's EOI broadcast if its line is still
 * high; that EOI also signals the irqfd resamplers of the pin's GSI.
 */
#include <linux/slab.h>
#include "irqchip.h"

#define IOAPIC_REGSEL		0x00
#define IOAPIC_WINDOW		0x10
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_REDIR	0x10
#define IOAPIC_VERSION		(0x11 | ((HVX_IOAPIC_NUM_PINS - 1) << 16))
#define IOAPIC_EDGE		0
#define IOAPIC_LEVEL		1
/* Bits of a redirection entry the guest cannot write. */
#define IOAPIC_RO_BITS		((1ULL << 12) | (1ULL << 14))	/* delivery status, remote IRR */

/* Lock held: send pin @pin's interrupt; KVM's return convention. */
static int ioapic_service(struct hvx_ioapic *ioapic, unsigned int pin)
{
	union hvx_ioapic_redir *e = &ioapic->redir[pin];
	struct hvx_irq_msg msg = {
		.dest = e->fields.dest_id,
		.vector = e->fields.vector,
		.delivery_mode = e->fields.delivery_mode,
		.logical = e->fields.dest_mode,
		.level_trig = e->fields.trig_mode == IOAPIC_LEVEL,
		.assert = true,
	};
	int r;

	if (e->fields.mask || (msg.level_trig && e->fields.remote_irr))
		return -1;
	r = hvx_lapic_deliver(ioapic->vm, NULL, &msg);
	if (msg.level_trig && r >= 0)
		e->fields.remote_irr = 1;
	if (!msg.level_trig)
		ioapic->irr &= ~(1U << pin);
	return r;
}

int hvx_ioapic_set_irq(struct hvx_ioapic *ioapic, unsigned int pin, int level)
{
	u32 bit = 1U << pin;
	unsigned long flags;
	bool edge;
	int r;

	if (pin >= HVX_IOAPIC_NUM_PINS)
		return -1;
	spin_lock_irqsave(&ioapic->lock, flags);
	edge = ioapic->redir[pin].fields.trig_mode == IOAPIC_EDGE;
	if (!level) {
		ioapic->line &= ~bit;
		if (!edge)
			ioapic->irr &= ~bit;
		r = 1;
	} else if (edge && (ioapic->line & bit)) {
		r = 0;			/* no rising edge */
	} else {
		ioapic->line |= bit;
		ioapic->irr |= bit;
		if (!edge && ioapic->redir[pin].fields.remote_irr)
			r = 0;		/* coalesced until the EOI */
		else
			r = ioapic_service(ioapic, pin);
	}
	spin_unlock_irqrestore(&ioapic->lock, flags);
	return r;
}

void hvx_ioapic_eoi(struct hvx_vm *vm, u8 vector)
{
	struct hvx_ioapic *ioapic = vm->irqchip ? vm->irqchip->ioapic : NULL;
	unsigned long flags, pins = 0;
	unsigned int pin;

	if (!ioapic)
		return;
	spin_lock_irqsave(&ioapic->lock, flags);
	for (pin = 0; pin < HVX_IOAPIC_NUM_PINS; pin++) {
		union hvx_ioapic_redir *e = &ioapic->redir[pin];

		if (e->fields.vector != vector || e->fields.trig_mode != IOAPIC_LEVEL ||
		    !e->fields.remote_irr)
			continue;
		e->fields.remote_irr = 0;
		pins |= 1UL << pin;
	}
	spin_unlock_irqrestore(&ioapic->lock, flags);
	if (!pins)
		return;
	/* Resamplers lower their line first, so the re-check below sees it. */
	for_each_set_bit(pin, &pins, HVX_IOAPIC_NUM_PINS) {
		int gsi = hvx_routing_pin_to_gsi(vm, KVM_IRQCHIP_IOAPIC, pin);

		if (gsi >= 0)
			hvx_irqfd_resample(vm, gsi);
	}
	spin_lock_irqsave(&ioapic->lock, flags);
	for_each_set_bit(pin, &pins, HVX_IOAPIC_NUM_PINS)
		if (ioapic->irr & (1U << pin))
			ioapic_service(ioapic, pin);
	spin_unlock_irqrestore(&ioapic->lock, flags);
}

/* Lock held. */
static u32 ioapic_read_indirect(struct hvx_ioapic *ioapic)
{
	u32 sel = ioapic->ioregsel;

	switch (sel) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		return (ioapic->id & 0xf) << 24;
	case IOAPIC_REG_VERSION:
		return IOAPIC_VERSION;
	default:
		if (sel >= IOAPIC_REG_REDIR && sel < IOAPIC_REG_REDIR + 2 * HVX_IOAPIC_NUM_PINS) {
			u64 bits = ioapic->redir[(sel - IOAPIC_REG_REDIR) / 2].bits;

			return sel & 1 ? bits >> 32 : (u32)bits;
		}
		return ~0U;
	}
}

/* Lock held. */
static void ioapic_write_indirect(struct hvx_ioapic *ioapic, u32 val)
{
	u32 sel = ioapic->ioregsel;
	union hvx_ioapic_redir *e;
	unsigned int pin;
	u64 old;

	if (sel == IOAPIC_REG_ID) {
		ioapic->id = (val >> 24) & 0xf;
		return;
	}
	if (sel < IOAPIC_REG_REDIR || sel >= IOAPIC_REG_REDIR + 2 * HVX_IOAPIC_NUM_PINS)
		return;
	pin = (sel - IOAPIC_REG_REDIR) / 2;
	e = &ioapic->redir[pin];
	old = e->bits;
	if (sel & 1)
		e->bits = (old & 0xffffffffULL) | ((u64)val << 32);
	else
		e->bits = (old & ~0xffffffffULL) | val;
	e->bits = (e->bits & ~IOAPIC_RO_BITS) | (old & IOAPIC_RO_BITS);
	/* Remote IRR means nothing for an edge pin. */
	if (e->fields.trig_mode == IOAPIC_EDGE)
		e->fields.remote_irr = 0;
	/* A level line held high while masked fires on unmask. */
	if (e->fields.trig_mode == IOAPIC_LEVEL && (ioapic->irr & (1U << pin)) &&
	    !e->fields.mask && !e->fields.remote_irr)
		ioapic_service(ioapic, pin);
}

static int ioapic_mmio_read(struct hvx_io_dev *dev, struct hvx_vcpu *vcpu, u64 addr,
			    unsigned int len, void *val)
{
	struct hvx_ioapic *ioapic = container_of(dev, struct hvx_ioapic, dev);
	u32 off = addr - ioapic->base, r;
	unsigned long flags;

	spin_lock_irqsave(&ioapic->lock, flags);
	switch (off & ~3) {
	case IOAPIC_REGSEL:
		r = ioapic->ioregsel;
		break;
	case IOAPIC_WINDOW:
		r = ioapic_read_indirect(ioapic);
		break;
	default:
		r = 0;
		break;
	}
	spin_unlock_irqrestore(&ioapic->lock, flags);
	memset(val, 0, len);
	memcpy(val, &r, min(len, 4u));
	return 0;
}

static int ioapic_mmio_write(struct hvx_io_dev *dev, struct hvx_vcpu *vcpu, u64 addr,
			     unsigned int len, const void *val)
{
	struct hvx_ioapic *ioapic = container_of(dev, struct hvx_ioapic, dev);
	u32 off = addr - ioapic->base, v = 0;
	unsigned long flags;

	memcpy(&v, val, min(len, 4u));
	spin_lock_irqsave(&ioapic->lock, flags);
	switch (off & ~3) {
	case IOAPIC_REGSEL:
		ioapic->ioregsel = v & 0xff;
		break;
	case IOAPIC_WINDOW:
		ioapic_write_indirect(ioapic, v);
		break;
	}
	spin_unlock_irqrestore(&ioapic->lock, flags);
	return 0;
}

static const struct hvx_io_ops ioapic_ops = {
	.read = ioapic_mmio_read,
	.write = ioapic_mmio_write,
};

void hvx_ioapic_get_state(struct hvx_ioapic *ioapic, struct kvm_ioapic_state *s)
{
	unsigned long flags;
	unsigned int i;

	memset(s, 0, sizeof(*s));
	spin_lock_irqsave(&ioapic->lock, flags);
	s->base_address = ioapic->base;
	s->ioregsel = ioapic->ioregsel;
	s->id = ioapic->id;
	s->irr = ioapic->irr;
	for (i = 0; i < HVX_IOAPIC_NUM_PINS; i++)
		s->redirtbl[i].bits = ioapic->redir[i].bits;
	spin_unlock_irqrestore(&ioapic->lock, flags);
}

void hvx_ioapic_set_state(struct hvx_ioapic *ioapic, const struct kvm_ioapic_state *s)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&ioapic->lock, flags);
	/* The base stays where the bus has it, as in KVM. */
	ioapic->ioregsel = s->ioregsel;
	ioapic->id = s->id;
	ioapic->irr = s->irr;
	ioapic->line = s->irr;
	for (i = 0; i < HVX_IOAPIC_NUM_PINS; i++)
		ioapic->redir[i].bits = s->redirtbl[i].bits;
	for (i = 0; i < HVX_IOAPIC_NUM_PINS; i++)
		if (ioapic->irr & (1U << i))
			ioapic_service(ioapic, i);
	spin_unlock_irqrestore(&ioapic->lock, flags);
}

/* irqchip->lock held. */
int hvx_ioapic_create(struct hvx_vm *vm)
{
	struct hvx_ioapic *ioapic;
	unsigned int i;

	ioapic = kzalloc(sizeof(*ioapic), GFP_KERNEL_ACCOUNT);
	if (!ioapic)
		return -ENOMEM;
	spin_lock_init(&ioapic->lock);
	ioapic->vm = vm;
	ioapic->base = HVX_IOAPIC_BASE;
	for (i = 0; i < HVX_IOAPIC_NUM_PINS; i++)
		ioapic->redir[i].fields.mask = 1;
	ioapic->dev = (struct hvx_io_dev){ &ioapic_ops, HVX_IOAPIC_BASE, HVX_IOAPIC_MMIO_SIZE };
	vm->irqchip->ioapic = ioapic;
	return hvx_io_bus_register(vm, HVX_BUS_MMIO, &ioapic->dev);
}

void hvx_ioapic_destroy(struct hvx_vm *vm)
{
	struct hvx_ioapic *ioapic = vm->irqchip->ioapic;

	if (!ioapic)
		return;
	hvx_io_bus_unregister(vm, HVX_BUS_MMIO, &ioapic->dev);
	vm->irqchip->ioapic = NULL;
	kfree(ioapic);
}
