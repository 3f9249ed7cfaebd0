// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dual 8259A PIC: master on ports 0x20/0x21, slave on 0xa0/0xa1
 * cascaded on master IR2, edge/level control (ELCR) on 0x4d0/0x4d1.
 * ICW1-4, OCW1-3 (specific/non-specific/rotating EOI, poll, special
 * mask, read IRR/ISR), auto-EOI. The master's INTR reaches the CPU
 * through LINT0 in ExtINT mode (see hvx_irqchip_pending_vector()).
 *
 * State is KVM's struct kvm_pic_state per chip, which is also what
 * KVM_GET/SET_IRQCHIP carry.
 */
#include <linux/slab.h>
#include "irqchip.h"

#define PIC_MASTER_PORT		0x20
#define PIC_SLAVE_PORT		0xa0
#define PIC_ELCR_PORT		0x4d0
#define PIC_CASCADE_IRQ		2
/* ELCR bits that exist: IRQ 0, 1, 2 (master) and 8, 13 (slave) are edge-only. */
#define PIC_ELCR_MASK_MASTER	0xf8
#define PIC_ELCR_MASK_SLAVE	0xde

#define ICW1_INIT		0x10
#define ICW1_ICW4		0x01
#define OCW3_SELECT		0x08
#define OCW3_POLL		0x04
#define OCW3_READ_REG		0x02
#define OCW3_SPECIAL_MASK	0x40

/* Priority of the highest set bit of @mask relative to priority_add; 8: none. */
static int pic_get_priority(struct kvm_pic_state *s, u8 mask)
{
	int p = 0;

	if (!mask)
		return 8;
	while (!(mask & (1 << ((p + s->priority_add) & 7))))
		p++;
	return p;
}

/* The IR line this chip would raise INTR for, or -1. */
static int pic_get_irq(struct kvm_pic_state *s, bool master)
{
	int prio, cur;
	u8 mask;

	prio = pic_get_priority(s, s->irr & ~s->imr);
	if (prio == 8)
		return -1;
	/*
	 * In service blocks equal and lower priorities, except that special
	 * fully nested mode lets the slave interrupt a slave interrupt, and
	 * special mask mode ignores masked in-service levels.
	 */
	mask = s->isr;
	if (s->special_fully_nested_mode && master)
		mask &= ~(1 << PIC_CASCADE_IRQ);
	if (s->special_mask)
		mask &= ~s->imr;
	cur = pic_get_priority(s, mask);
	return prio < cur ? (prio + s->priority_add) & 7 : -1;
}

/* An input changed: 1 newly requested, 0 already, -1 masked (KVM's convention). */
static int pic_set_irq1(struct kvm_pic_state *s, int irq, int level)
{
	u8 mask = 1 << irq;
	int r = 1;

	if (s->elcr & mask) {		/* level triggered */
		if (level) {
			r = !(s->irr & mask);
			s->irr |= mask;
			s->last_irr |= mask;
		} else {
			s->irr &= ~mask;
			s->last_irr &= ~mask;
		}
	} else {			/* edge triggered */
		if (level) {
			if (!(s->last_irr & mask)) {
				r = !(s->irr & mask);
				s->irr |= mask;
			}
			s->last_irr |= mask;
		} else {
			s->last_irr &= ~mask;
		}
	}
	return (s->imr & mask) ? -1 : r;
}

/* Lock held: propagate the slave to IR2 and recompute INTR. */
static void pic_update_irq(struct hvx_pic *pic)
{
	if (pic_get_irq(&pic->chip[1], false) >= 0) {
		pic_set_irq1(&pic->chip[0], PIC_CASCADE_IRQ, 1);
		pic_set_irq1(&pic->chip[0], PIC_CASCADE_IRQ, 0);
	}
	pic->output = pic_get_irq(&pic->chip[0], true) >= 0;
}

/* Lock dropped: INTR went up; the vCPUs that take ExtINT must look. */
static void pic_kick(struct hvx_pic *pic)
{
	struct hvx_vm *vm = pic->vm;
	unsigned int i, nr = hvx_vm_nr_vcpus(vm);

	for (i = 0; i < nr; i++)
		if (hvx_lapic_accepts_pic(vm->vcpus[i]))
			hvx_vcpu_wake(vm->vcpus[i]);
}

static void pic_unlock(struct hvx_pic *pic, unsigned long flags)
{
	bool out = pic->output;

	spin_unlock_irqrestore(&pic->lock, flags);
	if (out)
		pic_kick(pic);
}

int hvx_pic_set_irq(struct hvx_pic *pic, unsigned int pin, int level)
{
	unsigned long flags;
	int r;

	if (pin >= HVX_PIC_NUM_PINS)
		return -1;
	spin_lock_irqsave(&pic->lock, flags);
	r = pic_set_irq1(&pic->chip[pin >> 3], pin & 7, level);
	pic_update_irq(pic);
	pic_unlock(pic, flags);
	return r;
}

bool hvx_pic_has_output(struct hvx_pic *pic)
{
	return READ_ONCE(pic->output);
}

/* Lock held: the INTA cycle on one chip. */
static void pic_intack(struct kvm_pic_state *s, int irq)
{
	s->isr |= 1 << irq;
	if (s->auto_eoi) {
		if (s->rotate_on_auto_eoi)
			s->priority_add = (irq + 1) & 7;
		s->isr &= ~(1 << irq);
	}
	/* An edge request is consumed; a level one stays while the line is high. */
	if (!(s->elcr & (1 << irq)))
		s->irr &= ~(1 << irq);
}

int hvx_pic_peek_vector(struct hvx_pic *pic)
{
	unsigned long flags;
	int irq, v = -1;

	spin_lock_irqsave(&pic->lock, flags);
	irq = pic_get_irq(&pic->chip[0], true);
	if (irq == PIC_CASCADE_IRQ) {
		int irq2 = pic_get_irq(&pic->chip[1], false);

		v = pic->chip[1].irq_base + (irq2 >= 0 ? irq2 : 7);
	} else if (irq >= 0) {
		v = pic->chip[0].irq_base + irq;
	}
	spin_unlock_irqrestore(&pic->lock, flags);
	return v;
}

int hvx_pic_read_irq(struct hvx_pic *pic)
{
	struct kvm_pic_state *m = &pic->chip[0], *sl = &pic->chip[1];
	unsigned long flags;
	int irq, irq2, v;

	spin_lock_irqsave(&pic->lock, flags);
	irq = pic_get_irq(m, true);
	if (irq >= 0) {
		pic_intack(m, irq);
		if (irq == PIC_CASCADE_IRQ) {
			irq2 = pic_get_irq(sl, false);
			if (irq2 >= 0)
				pic_intack(sl, irq2);
			else
				irq2 = 7;	/* spurious IRQ 15 */
			v = sl->irq_base + irq2;
		} else {
			v = m->irq_base + irq;
		}
	} else {
		v = m->irq_base + 7;	/* spurious IRQ 7 */
	}
	pic_update_irq(pic);
	pic_unlock(pic, flags);
	return v;
}

/* Lock held: a write to the command (even) port. */
static void pic_write_cmd(struct hvx_pic *pic, struct kvm_pic_state *s, u8 val)
{
	int prio, irq, cmd;

	if (val & ICW1_INIT) {
		s->init4 = val & ICW1_ICW4;
		s->last_irr = 0;
		s->irr &= s->elcr;
		s->imr = 0;
		s->priority_add = 0;
		s->special_mask = 0;
		s->read_reg_select = 0;
		if (!s->init4) {
			s->special_fully_nested_mode = 0;
			s->auto_eoi = 0;
		}
		s->init_state = 1;
		return;
	}
	if (val & OCW3_SELECT) {
		if (val & OCW3_POLL)
			s->poll = 1;
		if (val & OCW3_READ_REG)
			s->read_reg_select = val & 1;
		if (val & OCW3_SPECIAL_MASK)
			s->special_mask = (val >> 5) & 1;
		pic_update_irq(pic);
		return;
	}
	/* OCW2: EOIs and rotation. */
	cmd = val >> 5;
	switch (cmd) {
	case 0:		/* rotate in auto-EOI mode: clear */
	case 4:		/* rotate in auto-EOI mode: set */
		s->rotate_on_auto_eoi = cmd >> 2;
		break;
	case 1:		/* non-specific EOI */
	case 5:		/* rotate on non-specific EOI */
		prio = pic_get_priority(s, s->isr);
		if (prio != 8) {
			irq = (prio + s->priority_add) & 7;
			s->isr &= ~(1 << irq);
			if (cmd == 5)
				s->priority_add = (irq + 1) & 7;
		}
		break;
	case 3:		/* specific EOI */
		s->isr &= ~(1 << (val & 7));
		break;
	case 6:		/* set priority */
		s->priority_add = (val + 1) & 7;
		break;
	case 7:		/* rotate on specific EOI */
		irq = val & 7;
		s->isr &= ~(1 << irq);
		s->priority_add = (irq + 1) & 7;
		break;
	default:	/* 2: no operation */
		break;
	}
	pic_update_irq(pic);
}

/* Lock held: a write to the data (odd) port: ICW2-4 or OCW1 (the mask). */
static void pic_write_data(struct hvx_pic *pic, struct kvm_pic_state *s, u8 val)
{
	switch (s->init_state) {
	case 0:
		s->imr = val;
		pic_update_irq(pic);
		break;
	case 1:
		s->irq_base = val & 0xf8;
		s->init_state = 2;
		break;
	case 2:	/* ICW3: the cascade wiring is fixed */
		s->init_state = s->init4 ? 3 : 0;
		break;
	case 3:
		s->special_fully_nested_mode = (val >> 4) & 1;
		s->auto_eoi = (val >> 1) & 1;
		s->init_state = 0;
		break;
	}
}

/* Lock held: OCW3 poll: acknowledge the highest request and return it. */
static u8 pic_poll_read(struct hvx_pic *pic, struct kvm_pic_state *s, bool slave)
{
	int irq = pic_get_irq(s, !slave);

	if (irq < 0) {
		pic_update_irq(pic);
		return 0x07;
	}
	if (slave) {
		pic->chip[0].isr &= ~(1 << PIC_CASCADE_IRQ);
		pic->chip[0].irr &= ~(1 << PIC_CASCADE_IRQ);
	}
	s->irr &= ~(1 << irq);
	s->isr &= ~(1 << irq);
	pic_update_irq(pic);
	return irq | 0x80;
}

static struct hvx_pic *dev_to_pic(struct hvx_io_dev *dev, struct kvm_pic_state **s, bool *slave)
{
	struct hvx_pic *pic;

	if (dev->addr == PIC_SLAVE_PORT) {
		pic = container_of(dev, struct hvx_pic, dev_slave);
		*slave = true;
	} else {
		pic = container_of(dev, struct hvx_pic, dev_master);
		*slave = false;
	}
	*s = &pic->chip[*slave];
	return pic;
}

static int pic_port_read(struct hvx_io_dev *dev, struct hvx_vcpu *vcpu, u64 addr,
			 unsigned int len, void *val)
{
	struct kvm_pic_state *s;
	unsigned long flags;
	bool slave;
	struct hvx_pic *pic = dev_to_pic(dev, &s, &slave);
	u8 r;

	if (len != 1)
		return -EOPNOTSUPP;
	spin_lock_irqsave(&pic->lock, flags);
	if (s->poll) {
		r = pic_poll_read(pic, s, slave);
		s->poll = 0;
	} else if (!(addr & 1)) {
		r = s->read_reg_select ? s->isr : s->irr;
	} else {
		r = s->imr;
	}
	pic_unlock(pic, flags);
	*(u8 *)val = r;
	return 0;
}

static int pic_port_write(struct hvx_io_dev *dev, struct hvx_vcpu *vcpu, u64 addr,
			  unsigned int len, const void *val)
{
	struct kvm_pic_state *s;
	unsigned long flags;
	bool slave;
	struct hvx_pic *pic = dev_to_pic(dev, &s, &slave);

	if (len != 1)
		return -EOPNOTSUPP;
	spin_lock_irqsave(&pic->lock, flags);
	if (addr & 1)
		pic_write_data(pic, s, *(const u8 *)val);
	else
		pic_write_cmd(pic, s, *(const u8 *)val);
	pic_unlock(pic, flags);
	return 0;
}

static int pic_elcr_read(struct hvx_io_dev *dev, struct hvx_vcpu *vcpu, u64 addr,
			 unsigned int len, void *val)
{
	struct hvx_pic *pic = container_of(dev, struct hvx_pic, dev_elcr);

	if (len != 1)
		return -EOPNOTSUPP;
	*(u8 *)val = READ_ONCE(pic->chip[addr & 1].elcr);
	return 0;
}

static int pic_elcr_write(struct hvx_io_dev *dev, struct hvx_vcpu *vcpu, u64 addr,
			  unsigned int len, const void *val)
{
	struct hvx_pic *pic = container_of(dev, struct hvx_pic, dev_elcr);
	struct kvm_pic_state *s = &pic->chip[addr & 1];
	unsigned long flags;

	if (len != 1)
		return -EOPNOTSUPP;
	spin_lock_irqsave(&pic->lock, flags);
	s->elcr = *(const u8 *)val & s->elcr_mask;
	pic_unlock(pic, flags);
	return 0;
}

static const struct hvx_io_ops pic_port_ops = {
	.read = pic_port_read,
	.write = pic_port_write,
};

static const struct hvx_io_ops pic_elcr_ops = {
	.read = pic_elcr_read,
	.write = pic_elcr_write,
};

void hvx_pic_get_state(struct hvx_pic *pic, int which, struct kvm_pic_state *s)
{
	unsigned long flags;

	spin_lock_irqsave(&pic->lock, flags);
	*s = pic->chip[which];
	spin_unlock_irqrestore(&pic->lock, flags);
}

void hvx_pic_set_state(struct hvx_pic *pic, int which, const struct kvm_pic_state *s)
{
	unsigned long flags;

	spin_lock_irqsave(&pic->lock, flags);
	pic->chip[which] = *s;
	pic->chip[which].elcr_mask = which ? PIC_ELCR_MASK_SLAVE : PIC_ELCR_MASK_MASTER;
	pic->chip[which].elcr &= pic->chip[which].elcr_mask;
	pic_update_irq(pic);
	pic_unlock(pic, flags);
}

/* irqchip->lock held. */
int hvx_pic_create(struct hvx_vm *vm)
{
	struct hvx_pic *pic;
	int r;

	pic = kzalloc(sizeof(*pic), GFP_KERNEL_ACCOUNT);
	if (!pic)
		return -ENOMEM;
	spin_lock_init(&pic->lock);
	pic->vm = vm;
	pic->chip[0].elcr_mask = PIC_ELCR_MASK_MASTER;
	pic->chip[1].elcr_mask = PIC_ELCR_MASK_SLAVE;
	pic->dev_master = (struct hvx_io_dev){ &pic_port_ops, PIC_MASTER_PORT, 2 };
	pic->dev_slave = (struct hvx_io_dev){ &pic_port_ops, PIC_SLAVE_PORT, 2 };
	pic->dev_elcr = (struct hvx_io_dev){ &pic_elcr_ops, PIC_ELCR_PORT, 2 };
	vm->irqchip->pic = pic;
	r = hvx_io_bus_register(vm, HVX_BUS_PIO, &pic->dev_master);
	if (!r)
		r = hvx_io_bus_register(vm, HVX_BUS_PIO, &pic->dev_slave);
	if (!r)
		r = hvx_io_bus_register(vm, HVX_BUS_PIO, &pic->dev_elcr);
	return r;	/* on error the caller calls hvx_pic_destroy() */
}

/* irqchip->lock held, or the VM is being destroyed. */
void hvx_pic_destroy(struct hvx_vm *vm)
{
	struct hvx_pic *pic = vm->irqchip->pic;

	if (!pic)
		return;
	hvx_io_bus_unregister(vm, HVX_BUS_PIO, &pic->dev_master);
	hvx_io_bus_unregister(vm, HVX_BUS_PIO, &pic->dev_slave);
	hvx_io_bus_unregister(vm, HVX_BUS_PIO, &pic->dev_elcr);
	vm->irqchip->pic = NULL;
	kfree(pic);
}
