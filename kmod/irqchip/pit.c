// SPDX-License-Identifier: GPL-2.0-only
/*
 * The 8254 PIT (KVM_CREATE_PIT2): three channels on ports 0x40-0x42, the
 * mode/command port 0x43, and with KVM_PIT_SPEAKER_DUMMY port 0x61 (the
 * channel-2 gate and output, which Linux uses to calibrate the TSC).
 * Counters are computed from the time since the count was loaded, at the
 * PIT's 1.193182 MHz. Channel 0 drives GSI 0 from an hrtimer: periodic in
 * modes 2 and 3, one-shot in the others.
 *
 * The state is KVM's struct kvm_pit_channel_state per channel, which is
 * what KVM_GET/SET_PIT2 carry (count_load_time in ktime nanoseconds).
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "irqchip.h"

#define PIT_FREQ		1193182
#define PIT_BASE_PORT		0x40
#define PIT_MODE_PORT		3	/* offset of 0x43 */
#define PIT_SPEAKER_PORT	0x61
#define PIT_GSI			0

/* rw_mode / read_state / write_state values (8254 RW field). */
enum { RW_LATCH, RW_LSB, RW_MSB, RW_WORD0, RW_WORD1 };

static u64 pit_elapsed_ticks(struct kvm_pit_channel_state *c)
{
	s64 ns = ktime_to_ns(ktime_get()) - c->count_load_time;

	return ns <= 0 ? 0 : mul_u64_u32_div(ns, PIT_FREQ, NSEC_PER_SEC);
}

static u32 pit_count(struct kvm_pit_channel_state *c)
{
	return c->count ? c->count : 0x10000;
}

/* Lock held: the counter value now. */
static u16 pit_get_count(struct kvm_pit_channel_state *c)
{
	u64 d = pit_elapsed_ticks(c);
	u32 n = pit_count(c);

	switch (c->mode) {
	case 0: case 1: case 4: case 5:
		return (n - d) & 0xffff;
	case 3:	/* square wave counts down by two */
		return n - ((2 * d) % n);
	default:
		return n - (d % n);
	}
}

/* Lock held: the OUT pin now. */
static int pit_get_out(struct kvm_pit_channel_state *c)
{
	u64 d = pit_elapsed_ticks(c);
	u32 n = pit_count(c);

	switch (c->mode) {
	case 0:
		return d >= n;
	case 1:
		return d < n;
	case 2:
		return (d % n) == 0 && d != 0;
	case 3:
		return (d % n) < ((n + 1) >> 1);
	default:	/* 4, 5: a strobe at terminal count */
		return d == n;
	}
}

static enum hrtimer_restart pit_timer_expired(struct hrtimer *t)
{
	struct hvx_pit *pit = container_of(t, struct hvx_pit, timer);

	/* Edge on GSI 0; the PIC and the IOAPIC take it from the routing. */
	hvx_irq_set(pit->vm, PIT_GSI, 1);
	hvx_irq_set(pit->vm, PIT_GSI, 0);
	if (!pit->period)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, pit->period);
	return HRTIMER_RESTART;
}

/*
 * Lock held, channel 0 (re)loaded: (re)arm the timer as KVM does: modes
 * 2 and 3 periodic, 0, 1 and 4 one-shot, anything else (an unprogrammed
 * channel) none. The callback takes no PIT lock, so waiting for it here
 * cannot deadlock.
 */
static void pit_timer_start(struct hvx_pit *pit)
{
	struct kvm_pit_channel_state *c = &pit->ch[0].s;
	u64 ns = mul_u64_u32_div(pit_count(c), NSEC_PER_SEC, PIT_FREQ);

	hrtimer_cancel(&pit->timer);
	switch (c->mode) {
	case 2:
	case 3:
		/* KVM's floor, so a guest cannot storm the host. */
		ns = max_t(u64, ns, 200 * NSEC_PER_USEC);
		pit->period = ns_to_ktime(ns);
		break;
	case 0:
	case 1:
	case 4:
		pit->period = 0;
		break;
	default:
		return;
	}
	hrtimer_start(&pit->timer, ktime_add_ns(ktime_get(), ns), HRTIMER_MODE_ABS_HARD);
}

/* Lock held. */
static void pit_load_count(struct hvx_pit *pit, int ch, u32 val)
{
	struct kvm_pit_channel_state *c = &pit->ch[ch].s;

	c->count = val ? val : 0x10000;
	c->count_load_time = ktime_to_ns(ktime_get());
	if (ch == 0)
		pit_timer_start(pit);
}

/* Lock held. */
static void pit_latch_count(struct kvm_pit_channel_state *c)
{
	if (!c->count_latched) {
		c->latched_count = pit_get_count(c);
		c->count_latched = c->rw_mode;
	}
}

/* Lock held. */
static void pit_latch_status(struct kvm_pit_channel_state *c)
{
	if (!c->status_latched) {
		c->status = (pit_get_out(c) << 7) | (c->rw_mode << 4) | (c->mode << 1) | c->bcd;
		c->status_latched = 1;
	}
}

/* Lock held. */
static void pit_write_mode(struct hvx_pit *pit, u8 val)
{
	int ch = val >> 6, i;
	struct kvm_pit_channel_state *c;
	u8 access;

	if (ch == 3) {		/* read-back command */
		for (i = 0; i < 3; i++) {
			if (!(val & (2 << i)))
				continue;
			c = &pit->ch[i].s;
			if (!(val & 0x20))
				pit_latch_count(c);
			if (!(val & 0x10))
				pit_latch_status(c);
		}
		return;
	}
	c = &pit->ch[ch].s;
	access = (val >> 4) & 3;
	if (access == RW_LATCH) {
		pit_latch_count(c);
		return;
	}
	c->rw_mode = access;
	c->read_state = access;
	c->write_state = access;
	c->mode = (val >> 1) & 7;
	c->bcd = val & 1;
}

/* Lock held. */
static void pit_write_data(struct hvx_pit *pit, int ch, u8 val)
{
	struct kvm_pit_channel_state *c = &pit->ch[ch].s;

	switch (c->write_state) {
	default:
	case RW_LSB:
		pit_load_count(pit, ch, val);
		break;
	case RW_MSB:
		pit_load_count(pit, ch, val << 8);
		break;
	case RW_WORD0:
		c->write_latch = val;
		c->write_state = RW_WORD1;
		break;
	case RW_WORD1:
		pit_load_count(pit, ch, c->write_latch | (val << 8));
		c->write_state = RW_WORD0;
		break;
	}
}

/* Lock held. */
static u8 pit_read_data(struct kvm_pit_channel_state *c)
{
	u16 count;
	u8 r;

	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	if (c->count_latched) {
		switch (c->count_latched) {
		default:
		case RW_LSB:
			c->count_latched = 0;
			return c->latched_count & 0xff;
		case RW_MSB:
			c->count_latched = 0;
			return c->latched_count >> 8;
		case RW_WORD0:
			c->count_latched = RW_MSB;
			return c->latched_count & 0xff;
		}
	}
	count = pit_get_count(c);
	switch (c->read_state) {
	default:
	case RW_LSB:
		r = count & 0xff;
		break;
	case RW_MSB:
		r = count >> 8;
		break;
	case RW_WORD0:
		r = count & 0xff;
		c->read_state = RW_WORD1;
		break;
	case RW_WORD1:
		r = count >> 8;
		c->read_state = RW_WORD0;
		break;
	}
	return r;
}

static int pit_port_read(struct hvx_io_dev *dev, struct hvx_vcpu *vcpu, u64 addr,
			 unsigned int len, void *val)
{
	struct hvx_pit *pit = container_of(dev, struct hvx_pit, dev);
	unsigned int off = addr - PIT_BASE_PORT;
	unsigned long flags;

	if (len != 1)
		return -EOPNOTSUPP;
	if (off == PIT_MODE_PORT) {
		*(u8 *)val = 0xff;	/* the mode port is write-only */
		return 0;
	}
	spin_lock_irqsave(&pit->lock, flags);
	*(u8 *)val = pit_read_data(&pit->ch[off].s);
	spin_unlock_irqrestore(&pit->lock, flags);
	return 0;
}

static int pit_port_write(struct hvx_io_dev *dev, struct hvx_vcpu *vcpu, u64 addr,
			  unsigned int len, const void *val)
{
	struct hvx_pit *pit = container_of(dev, struct hvx_pit, dev);
	unsigned int off = addr - PIT_BASE_PORT;
	unsigned long flags;

	if (len != 1)
		return -EOPNOTSUPP;
	spin_lock_irqsave(&pit->lock, flags);
	if (off == PIT_MODE_PORT)
		pit_write_mode(pit, *(const u8 *)val);
	else
		pit_write_data(pit, off, *(const u8 *)val);
	spin_unlock_irqrestore(&pit->lock, flags);
	return 0;
}

/* Lock held: the gate input of @ch (only channel 2's is wired, to port 0x61). */
static void pit_set_gate(struct hvx_pit *pit, int ch, int val)
{
	struct kvm_pit_channel_state *c = &pit->ch[ch].s;

	/* Modes 1, 2, 3 and 5 (re)start counting on a rising edge. */
	if (c->mode != 0 && c->mode != 4 && c->gate < val)
		c->count_load_time = ktime_to_ns(ktime_get());
	c->gate = val;
}

static int pit_speaker_read(struct hvx_io_dev *dev, struct hvx_vcpu *vcpu, u64 addr,
			    unsigned int len, void *val)
{
	struct hvx_pit *pit = container_of(dev, struct hvx_pit, dev_speaker);
	/* Bit 4 toggles with the DRAM refresh, every ~15 us on a PC. */
	u8 refresh = (ktime_to_ns(ktime_get()) >> 14) & 1;
	unsigned long flags;

	if (len != 1)
		return -EOPNOTSUPP;
	spin_lock_irqsave(&pit->lock, flags);
	*(u8 *)val = (pit->speaker_data_on << 1) | pit->ch[2].s.gate |
		     (pit_get_out(&pit->ch[2].s) << 5) | (refresh << 4);
	spin_unlock_irqrestore(&pit->lock, flags);
	return 0;
}

static int pit_speaker_write(struct hvx_io_dev *dev, struct hvx_vcpu *vcpu, u64 addr,
			     unsigned int len, const void *val)
{
	struct hvx_pit *pit = container_of(dev, struct hvx_pit, dev_speaker);
	u8 v = *(const u8 *)val;
	unsigned long flags;

	if (len != 1)
		return -EOPNOTSUPP;
	spin_lock_irqsave(&pit->lock, flags);
	pit->speaker_data_on = (v >> 1) & 1;
	pit_set_gate(pit, 2, v & 1);
	spin_unlock_irqrestore(&pit->lock, flags);
	return 0;
}

static const struct hvx_io_ops pit_ops = {
	.read = pit_port_read,
	.write = pit_port_write,
};

static const struct hvx_io_ops pit_speaker_ops = {
	.read = pit_speaker_read,
	.write = pit_speaker_write,
};

/* Lock held: the power-on state, as KVM's reset. */
static void pit_reset(struct hvx_pit *pit)
{
	int i;

	for (i = 0; i < 3; i++) {
		struct kvm_pit_channel_state *c = &pit->ch[i].s;

		memset(c, 0, sizeof(*c));
		c->mode = 0xff;	/* unprogrammed, as KVM: no timer until a mode is set */
		c->gate = i != 2;
		c->count = 0x10000;
		c->count_load_time = ktime_to_ns(ktime_get());
	}
}

long hvx_pit_create(struct hvx_vm *vm, void __user *argp)
{
	struct kvm_pit_config config;
	struct hvx_irqchip *ic;
	struct hvx_pit *pit;
	long r;

	if (copy_from_user(&config, argp, sizeof(config)))
		return -EFAULT;
	if (config.flags & ~KVM_PIT_SPEAKER_DUMMY)
		return -EINVAL;
	/* The PIT raises GSI 0: it needs the in-kernel PIC/IOAPIC (KVM: -ENOENT). */
	if (!hvx_irqchip_in_kernel(vm))
		return -ENOENT;
	ic = vm->irqchip;
	pit = kzalloc(sizeof(*pit), GFP_KERNEL_ACCOUNT);
	if (!pit)
		return -ENOMEM;
	spin_lock_init(&pit->lock);
	pit->vm = vm;
	pit->config_flags = config.flags;
	hrtimer_init(&pit->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	pit->timer.function = pit_timer_expired;
	pit_reset(pit);
	pit->dev = (struct hvx_io_dev){ &pit_ops, PIT_BASE_PORT, 4 };
	pit->dev_speaker = (struct hvx_io_dev){ &pit_speaker_ops, PIT_SPEAKER_PORT, 1 };

	mutex_lock(&ic->lock);
	r = -EEXIST;
	if (ic->pit)
		goto err;
	r = hvx_io_bus_register(vm, HVX_BUS_PIO, &pit->dev);
	if (r)
		goto err;
	if (config.flags & KVM_PIT_SPEAKER_DUMMY) {
		r = hvx_io_bus_register(vm, HVX_BUS_PIO, &pit->dev_speaker);
		if (r) {
			hvx_io_bus_unregister(vm, HVX_BUS_PIO, &pit->dev);
			goto err;
		}
	}
	ic->pit = pit;
	mutex_unlock(&ic->lock);
	return 0;
err:
	mutex_unlock(&ic->lock);
	kfree(pit);
	return r;
}

/* irqchip->lock held. */
void hvx_pit_destroy(struct hvx_vm *vm)
{
	struct hvx_pit *pit = vm->irqchip->pit;

	if (!pit)
		return;
	hrtimer_cancel(&pit->timer);
	hvx_io_bus_unregister(vm, HVX_BUS_PIO, &pit->dev);
	if (pit->config_flags & KVM_PIT_SPEAKER_DUMMY)
		hvx_io_bus_unregister(vm, HVX_BUS_PIO, &pit->dev_speaker);
	vm->irqchip->pit = NULL;
	kfree(pit);
}

static struct hvx_pit *hvx_pit_of(struct hvx_vm *vm)
{
	struct hvx_irqchip *ic = smp_load_acquire(&vm->irqchip);

	return ic ? READ_ONCE(ic->pit) : NULL;
}

long hvx_pit_get_state2(struct hvx_vm *vm, void __user *argp)
{
	struct hvx_pit *pit = hvx_pit_of(vm);
	struct kvm_pit_state2 s = {};
	unsigned long flags;
	int i;

	if (!pit)
		return -ENXIO;
	spin_lock_irqsave(&pit->lock, flags);
	for (i = 0; i < 3; i++)
		s.channels[i] = pit->ch[i].s;
	s.flags = pit->flags;
	if (pit->speaker_data_on)
		s.flags |= KVM_PIT_FLAGS_SPEAKER_DATA_ON;
	spin_unlock_irqrestore(&pit->lock, flags);
	return copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
}

long hvx_pit_set_state2(struct hvx_vm *vm, void __user *argp)
{
	struct hvx_pit *pit = hvx_pit_of(vm);
	struct kvm_pit_state2 s;
	unsigned long flags;
	int i;

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	if (!pit)
		return -ENXIO;
	spin_lock_irqsave(&pit->lock, flags);
	pit->flags = s.flags & KVM_PIT_FLAGS_HPET_LEGACY;
	pit->speaker_data_on = !!(s.flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON);
	for (i = 0; i < 3; i++) {
		pit->ch[i].s = s.channels[i];
		/* As KVM: the count is reloaded now (count_load_time is not kept). */
		pit_load_count(pit, i, s.channels[i].count);
	}
	spin_unlock_irqrestore(&pit->lock, flags);
	return 0;
}
