// SPDX-License-Identifier: GPL-2.0-only
/*
 * The in-kernel irqchip at the ioctl level, checked against what KVM
 * answers (HVX_DEV=/dev/kvm on the kvmref testbed): KVM_CREATE_IRQCHIP's
 * rules, state round trips (KVM_GET/SET_IRQCHIP, _LAPIC, _PIT2), the
 * default GSI routing as the PIC and IOAPIC see it, and the argument
 * errors of KVM_SET_GSI_ROUTING, KVM_IRQFD and KVM_IOEVENTFD. Guest-visible
 * interrupt delivery is tested by the guest-code tests (ipi_test, ...).
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "hvx_test.h"

/* The xAPIC register page offsets KVM_GET/SET_LAPIC carry. */
#define APIC_ID		0x20
#define APIC_LVR	0x30
#define APIC_TASKPRI	0x80
#define APIC_SPIV	0xf0
#define APIC_LVT0	0x350
#define APIC_LVTT	0x320
#define APIC_TDCR	0x3e0
#define APIC_LVT_MASKED	(1 << 16)
#define APIC_MODE_EXTINT 0x700

#define IOAPIC_NUM_PINS	24

static int vm_with_irqchip(void)
{
	int vm = hvx_vm_create(hvx_open());

	CHECK_OK(ioctl(vm, KVM_CREATE_IRQCHIP, 0));
	return vm;
}

static unsigned int lapic_reg(const struct kvm_lapic_state *s, unsigned int off)
{
	unsigned int v;

	memcpy(&v, s->regs + off, 4);
	return v;
}

static void lapic_set_reg(struct kvm_lapic_state *s, unsigned int off, unsigned int v)
{
	memcpy(s->regs + off, &v, 4);
}

static struct kvm_irqchip get_chip(int vm, unsigned int id)
{
	struct kvm_irqchip c;

	memset(&c, 0, sizeof(c));
	c.chip_id = id;
	CHECK_OK(ioctl(vm, KVM_GET_IRQCHIP, &c));
	return c;
}

static void capabilities(void)
{
	static const long caps[] = {
		KVM_CAP_IRQCHIP, KVM_CAP_IRQ_ROUTING, KVM_CAP_IRQ_INJECT_STATUS,
		KVM_CAP_SIGNAL_MSI, KVM_CAP_IRQFD, KVM_CAP_IRQFD_RESAMPLE,
		KVM_CAP_IOEVENTFD, KVM_CAP_IOEVENTFD_ANY_LENGTH, KVM_CAP_PIT2,
		KVM_CAP_PIT_STATE2, KVM_CAP_TSC_DEADLINE_TIMER,
	};
	int dev = hvx_open();
	unsigned int i;

	for (i = 0; i < KTEST_COUNT(caps); i++)
		ASSERT_TRUE(hvx_check_cap(dev, caps[i]) > 0, "capability %ld", caps[i]);
	/* KVM's KVM_MAX_IRQ_ROUTES. */
	ASSERT_EQ(hvx_check_cap(dev, KVM_CAP_IRQ_ROUTING), 4096);
}

static void create_irqchip_rules(void)
{
	int dev = hvx_open(), vm = hvx_vm_create(dev), vm2 = hvx_vm_create(dev);

	CHECK_OK(ioctl(vm, KVM_CREATE_IRQCHIP, 0));
	ASSERT_ERRNO(ioctl(vm, KVM_CREATE_IRQCHIP, 0), EEXIST);
	/* LAPICs come with the vCPUs: too late once one exists. */
	close(hvx_vcpu_create(vm2, 0));
	ASSERT_ERRNO(ioctl(vm2, KVM_CREATE_IRQCHIP, 0), EINVAL);
}

static void no_irqchip_errors(void)
{
	int vm = hvx_vm_create(hvx_open()), vcpu, efd = eventfd(0, 0);
	struct kvm_irq_level line = { .irq = 4, .level = 1 };
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct kvm_irq_routing rt = { .nr = 0 };
	struct kvm_irqfd irqfd = { .fd = efd, .gsi = 4 };
	struct kvm_lapic_state lapic;
	struct kvm_pit_state2 pit;
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x41 };

	ASSERT_ERRNO(ioctl(vm, KVM_SIGNAL_MSI, &msi), EINVAL);	/* KVM: not ENXIO */
	ASSERT_ERRNO(ioctl(vm, KVM_IRQ_LINE, &line), ENXIO);
	ASSERT_ERRNO(ioctl(vm, KVM_IRQ_LINE_STATUS, &line), ENXIO);
	ASSERT_ERRNO(ioctl(vm, KVM_GET_IRQCHIP, &chip), ENXIO);
	ASSERT_ERRNO(ioctl(vm, KVM_SET_IRQCHIP, &chip), ENXIO);
	ASSERT_ERRNO(ioctl(vm, KVM_SET_GSI_ROUTING, &rt), EINVAL);
	ASSERT_ERRNO(ioctl(vm, KVM_IRQFD, &irqfd), EINVAL);
	ASSERT_ERRNO(ioctl(vm, KVM_GET_PIT2, &pit), ENXIO);
	vcpu = hvx_vcpu_create(vm, 0);
	ASSERT_ERRNO(ioctl(vcpu, KVM_GET_LAPIC, &lapic), EINVAL);
	ASSERT_ERRNO(ioctl(vcpu, KVM_SET_LAPIC, &lapic), EINVAL);
}

static void pic_state_roundtrip(void)
{
	int vm = vm_with_irqchip();
	struct kvm_irqchip c = get_chip(vm, KVM_IRQCHIP_PIC_SLAVE), back;

	c.chip.pic.imr = 0x5a;
	c.chip.pic.irq_base = 0x70;
	c.chip.pic.auto_eoi = 1;
	c.chip.pic.elcr = 0x0c;		/* within the slave's ELCR mask */
	CHECK_OK(ioctl(vm, KVM_SET_IRQCHIP, &c));
	back = get_chip(vm, KVM_IRQCHIP_PIC_SLAVE);
	ASSERT_EQ(back.chip.pic.imr, 0x5a);
	ASSERT_EQ(back.chip.pic.irq_base, 0x70);
	ASSERT_EQ(back.chip.pic.auto_eoi, 1);
	ASSERT_EQ(back.chip.pic.elcr, 0x0c);
	/* The master is a different chip. */
	ASSERT_TRUE(get_chip(vm, KVM_IRQCHIP_PIC_MASTER).chip.pic.imr != 0x5a);

	c.chip_id = 3;
	ASSERT_ERRNO(ioctl(vm, KVM_GET_IRQCHIP, &c), EINVAL);
	ASSERT_ERRNO(ioctl(vm, KVM_SET_IRQCHIP, &c), EINVAL);
}

static void ioapic_state_roundtrip(void)
{
	int vm = vm_with_irqchip();
	struct kvm_irqchip c = get_chip(vm, KVM_IRQCHIP_IOAPIC), back;
	unsigned int i;

	ASSERT_EQ(c.chip.ioapic.base_address, 0xfec00000);
	/* Every pin comes up masked. */
	for (i = 0; i < IOAPIC_NUM_PINS; i++)
		ASSERT_TRUE(c.chip.ioapic.redirtbl[i].fields.mask, "pin %u", i);
	c.chip.ioapic.id = 5;
	c.chip.ioapic.redirtbl[7].fields.vector = 0x41;
	c.chip.ioapic.redirtbl[7].fields.dest_id = 3;
	c.chip.ioapic.redirtbl[7].fields.trig_mode = 1;
	c.chip.ioapic.redirtbl[7].fields.mask = 1;
	CHECK_OK(ioctl(vm, KVM_SET_IRQCHIP, &c));
	back = get_chip(vm, KVM_IRQCHIP_IOAPIC);
	ASSERT_EQ(back.chip.ioapic.id, 5);
	ASSERT_EQ(back.chip.ioapic.redirtbl[7].bits, c.chip.ioapic.redirtbl[7].bits);
	ASSERT_EQ(back.chip.ioapic.redirtbl[6].bits, c.chip.ioapic.redirtbl[6].bits);
}

/*
 * The default routing as the chips see it: GSI n raises PIC line n (0-15)
 * and an IOAPIC pin; the IOAPIC latches the edge in its IRR even while
 * the pin is masked.
 */
static void default_routing(void)
{
	int vm = vm_with_irqchip();
	struct kvm_irq_level line = { .irq = 0, .level = 1 };
	struct kvm_irqchip pic, ioapic;

	CHECK_OK(ioctl(vm, KVM_IRQ_LINE_STATUS, &line));
	/* The PIC is unmasked after reset: it takes the edge. */
	ASSERT_EQ(line.status, 1);
	pic = get_chip(vm, KVM_IRQCHIP_PIC_MASTER);
	ioapic = get_chip(vm, KVM_IRQCHIP_IOAPIC);
	ASSERT_EQ(pic.chip.pic.irr, 0x01);
	ktap_print("GSI 0 reaches IOAPIC IRR %#x", ioapic.chip.ioapic.irr);
	ASSERT_EQ(ioapic.chip.ioapic.irr, 1 << 0);

	/* GSI 9: the slave's line 1 (cascaded to the master's IR2), IOAPIC pin 9. */
	line.irq = 9;
	CHECK_OK(ioctl(vm, KVM_IRQ_LINE, &line));
	ASSERT_EQ(get_chip(vm, KVM_IRQCHIP_PIC_SLAVE).chip.pic.irr, 1 << 1);
	ASSERT_EQ(get_chip(vm, KVM_IRQCHIP_PIC_MASTER).chip.pic.irr, (1 << 0) | (1 << 2));
	ASSERT_EQ(get_chip(vm, KVM_IRQCHIP_IOAPIC).chip.ioapic.irr, (1 << 0) | (1 << 9));

	/* GSI 20: the IOAPIC only; neither PIC changes. */
	line.irq = 20;
	CHECK_OK(ioctl(vm, KVM_IRQ_LINE, &line));
	ASSERT_EQ(get_chip(vm, KVM_IRQCHIP_IOAPIC).chip.ioapic.irr,
		  (1 << 0) | (1 << 9) | (1 << 20));
	ASSERT_EQ(get_chip(vm, KVM_IRQCHIP_PIC_MASTER).chip.pic.irr, (1 << 0) | (1 << 2));
	ASSERT_EQ(get_chip(vm, KVM_IRQCHIP_PIC_SLAVE).chip.pic.irr, 1 << 1);
}

static void lapic_state_roundtrip(void)
{
	int vm = vm_with_irqchip(), bsp = hvx_vcpu_create(vm, 0), ap = hvx_vcpu_create(vm, 3);
	struct kvm_lapic_state s, back;

	CHECK_OK(ioctl(ap, KVM_GET_LAPIC, &s));
	ASSERT_EQ(lapic_reg(&s, APIC_ID), 3u << 24);
	ASSERT_EQ(lapic_reg(&s, APIC_LVR) & 0xff, 0x14);
	/* After reset: LINT0 is the BSP's ExtINT input, masked elsewhere. */
	ASSERT_TRUE(lapic_reg(&s, APIC_LVT0) & APIC_LVT_MASKED);
	CHECK_OK(ioctl(bsp, KVM_GET_LAPIC, &back));
	ASSERT_EQ(lapic_reg(&back, APIC_ID), 0);
	ASSERT_EQ(lapic_reg(&back, APIC_LVT0), APIC_MODE_EXTINT);

	lapic_set_reg(&s, APIC_SPIV, 0x1ff);
	lapic_set_reg(&s, APIC_TASKPRI, 0x20);
	lapic_set_reg(&s, APIC_LVT0, 0x8031);	/* level, vector 0x31 */
	lapic_set_reg(&s, APIC_LVTT, APIC_LVT_MASKED | 0xec);
	lapic_set_reg(&s, APIC_TDCR, 0x3);
	CHECK_OK(ioctl(ap, KVM_SET_LAPIC, &s));
	CHECK_OK(ioctl(ap, KVM_GET_LAPIC, &back));
	ASSERT_EQ(lapic_reg(&back, APIC_SPIV), 0x1ff);
	ASSERT_EQ(lapic_reg(&back, APIC_TASKPRI), 0x20);
	ASSERT_EQ(lapic_reg(&back, APIC_LVT0), 0x8031);
	ASSERT_EQ(lapic_reg(&back, APIC_LVTT), APIC_LVT_MASKED | 0xec);
	ASSERT_EQ(lapic_reg(&back, APIC_TDCR), 0x3);
	/* The BSP's LAPIC is its own. */
	CHECK_OK(ioctl(bsp, KVM_GET_LAPIC, &back));
	ASSERT_EQ(lapic_reg(&back, APIC_TASKPRI), 0);
}

static void pit_create_and_roundtrip(void)
{
	int dev = hvx_open(), plain = hvx_vm_create(dev), vm = vm_with_irqchip();
	struct kvm_pit_config cfg = { .flags = KVM_PIT_SPEAKER_DUMMY };
	struct kvm_pit_state2 s, back;

	/* The PIT drives GSI 0: it needs the in-kernel PIC. */
	ASSERT_ERRNO(ioctl(plain, KVM_CREATE_PIT2, &cfg), ENOENT);
	ASSERT_ERRNO(ioctl(vm, KVM_GET_PIT2, &s), ENXIO);
	CHECK_OK(ioctl(vm, KVM_CREATE_PIT2, &cfg));
	ASSERT_ERRNO(ioctl(vm, KVM_CREATE_PIT2, &cfg), EEXIST);

	CHECK_OK(ioctl(vm, KVM_GET_PIT2, &s));
	ASSERT_EQ(s.channels[0].count, 0x10000);
	ASSERT_EQ(s.channels[0].gate, 1);
	ASSERT_EQ(s.channels[2].gate, 0);
	s.channels[2].mode = 2;
	s.channels[2].count = 1000;
	s.channels[2].rw_mode = 3;
	s.channels[2].read_state = 3;
	s.channels[2].write_state = 3;
	s.channels[2].gate = 1;
	s.channels[1].mode = 4;
	s.channels[1].count = 0x1234;
	CHECK_OK(ioctl(vm, KVM_SET_PIT2, &s));
	CHECK_OK(ioctl(vm, KVM_GET_PIT2, &back));
	ASSERT_EQ(back.channels[2].mode, 2);
	ASSERT_EQ(back.channels[2].count, 1000);
	ASSERT_EQ(back.channels[2].rw_mode, 3);
	ASSERT_EQ(back.channels[2].gate, 1);
	ASSERT_EQ(back.channels[1].mode, 4);
	ASSERT_EQ(back.channels[1].count, 0x1234);
	ASSERT_EQ(back.channels[0].count, 0x10000);
}

static long set_routing(int vm, const struct kvm_irq_routing_entry *e, unsigned int n,
			unsigned int flags)
{
	struct kvm_irq_routing *rt = calloc(1, sizeof(*rt) + n * sizeof(*e));
	long r;

	rt->nr = n;
	rt->flags = flags;
	memcpy(rt->entries, e, n * sizeof(*e));
	r = ioctl(vm, KVM_SET_GSI_ROUTING, rt);
	free(rt);
	return r;
}

#define CHIP_ROUTE(g, c, p) { .gsi = (g), .type = KVM_IRQ_ROUTING_IRQCHIP, \
			      .u.irqchip = { .irqchip = (c), .pin = (p) } }

static void routing_errors(void)
{
	int vm = vm_with_irqchip();
	struct kvm_irq_routing_entry ok[] = {
		CHIP_ROUTE(3, KVM_IRQCHIP_PIC_MASTER, 3),
		CHIP_ROUTE(3, KVM_IRQCHIP_IOAPIC, 3),
		{ .gsi = 30, .type = KVM_IRQ_ROUTING_MSI,
		  .u.msi = { .address_lo = 0xfee00000, .data = 0x41 } },
	};
	struct kvm_irq_routing_entry e;
	struct kvm_irq_routing hdr = { .nr = 4097 };

	CHECK_OK(set_routing(vm, ok, 3, 0));
	CHECK_OK(set_routing(vm, ok, 0, 0));	/* an empty table is fine */
	ASSERT_ERRNO(set_routing(vm, ok, 1, 1), EINVAL);
	ASSERT_ERRNO(ioctl(vm, KVM_SET_GSI_ROUTING, &hdr), EINVAL);

	e = (struct kvm_irq_routing_entry)CHIP_ROUTE(1, KVM_IRQCHIP_PIC_SLAVE, 8);
	ASSERT_ERRNO(set_routing(vm, &e, 1, 0), EINVAL);
	e = (struct kvm_irq_routing_entry)CHIP_ROUTE(1, KVM_IRQCHIP_IOAPIC, 24);
	ASSERT_ERRNO(set_routing(vm, &e, 1, 0), EINVAL);
	e = (struct kvm_irq_routing_entry)CHIP_ROUTE(1, 3, 0);
	ASSERT_ERRNO(set_routing(vm, &e, 1, 0), EINVAL);
	e = (struct kvm_irq_routing_entry)CHIP_ROUTE(4096, KVM_IRQCHIP_IOAPIC, 1);
	ASSERT_ERRNO(set_routing(vm, &e, 1, 0), EINVAL);
	e = (struct kvm_irq_routing_entry)CHIP_ROUTE(1, KVM_IRQCHIP_IOAPIC, 1);
	e.type = 77;
	ASSERT_ERRNO(set_routing(vm, &e, 1, 0), EINVAL);
	e = (struct kvm_irq_routing_entry)CHIP_ROUTE(1, KVM_IRQCHIP_IOAPIC, 1);
	e.flags = 1;
	ASSERT_ERRNO(set_routing(vm, &e, 1, 0), EINVAL);
	/* One route per chip for a GSI; an MSI GSI has nothing else. */
	{
		struct kvm_irq_routing_entry dup[] = {
			CHIP_ROUTE(5, KVM_IRQCHIP_IOAPIC, 5),
			CHIP_ROUTE(5, KVM_IRQCHIP_IOAPIC, 6),
		};
		struct kvm_irq_routing_entry mix[] = {
			ok[2],
			CHIP_ROUTE(30, KVM_IRQCHIP_IOAPIC, 6),
		};

		ASSERT_ERRNO(set_routing(vm, dup, 2, 0), EINVAL);
		ASSERT_ERRNO(set_routing(vm, mix, 2, 0), EINVAL);
	}
}

/* A custom route takes effect: GSI 100 -> IOAPIC pin 12. */
static void routing_applies(void)
{
	int vm = vm_with_irqchip();
	struct kvm_irq_routing_entry e = CHIP_ROUTE(100, KVM_IRQCHIP_IOAPIC, 12);
	struct kvm_irq_level line = { .irq = 100, .level = 1 };

	CHECK_OK(set_routing(vm, &e, 1, 0));
	CHECK_OK(ioctl(vm, KVM_IRQ_LINE, &line));
	ASSERT_EQ(get_chip(vm, KVM_IRQCHIP_IOAPIC).chip.ioapic.irr, 1 << 12);
	/* GSI 3 has no route any more. */
	line.irq = 3;
	CHECK_OK(ioctl(vm, KVM_IRQ_LINE, &line));
	ASSERT_EQ(get_chip(vm, KVM_IRQCHIP_PIC_MASTER).chip.pic.irr, 0);
}

static void irqfd_errors(void)
{
	int vm = vm_with_irqchip(), efd = eventfd(0, 0), efd2 = eventfd(0, 0);
	int notfd = open("/dev/null", O_RDONLY);
	struct kvm_irqfd a = { .fd = efd, .gsi = 5 };

	a.flags = 1u << 2;
	ASSERT_ERRNO(ioctl(vm, KVM_IRQFD, &a), EINVAL);
	a.flags = 0;
	a.fd = -1;
	ASSERT_ERRNO(ioctl(vm, KVM_IRQFD, &a), EBADF);
	a.fd = notfd;
	ASSERT_ERRNO(ioctl(vm, KVM_IRQFD, &a), EINVAL);
	a.fd = efd;
	CHECK_OK(ioctl(vm, KVM_IRQFD, &a));
	/* One eventfd, one GSI. */
	a.gsi = 6;
	ASSERT_ERRNO(ioctl(vm, KVM_IRQFD, &a), EBUSY);
	/* Resample needs a valid resamplefd. */
	a.fd = efd2;
	a.flags = KVM_IRQFD_FLAG_RESAMPLE;
	a.resamplefd = -1;
	ASSERT_ERRNO(ioctl(vm, KVM_IRQFD, &a), EBADF);
	/* Deassigning what is not there succeeds (KVM). */
	a.flags = KVM_IRQFD_FLAG_DEASSIGN;
	a.gsi = 9;
	CHECK_OK(ioctl(vm, KVM_IRQFD, &a));
	a.fd = efd;
	a.gsi = 5;
	CHECK_OK(ioctl(vm, KVM_IRQFD, &a));
	/* Gone: the same eventfd may now drive another GSI. */
	a.flags = 0;
	a.gsi = 6;
	CHECK_OK(ioctl(vm, KVM_IRQFD, &a));
}

/* Wait up to a second for @bits in the PIC master's IRR (KVM injects from a work item). */
static unsigned int wait_pic_irr(int vm, unsigned int bits)
{
	struct timespec ts = { 0, 1000 * 1000 };
	unsigned int irr = 0;
	int i;

	for (i = 0; i < 1000; i++) {
		irr = get_chip(vm, KVM_IRQCHIP_PIC_MASTER).chip.pic.irr;
		if ((irr & bits) == bits)
			break;
		nanosleep(&ts, NULL);
	}
	return irr;
}

static void irqfd_signals_gsi(void)
{
	int vm = vm_with_irqchip(), efd = eventfd(0, 0), pending = eventfd(0, 0);
	struct kvm_irqfd a = { .fd = efd, .gsi = 5 };
	uint64_t one = 1;

	CHECK_OK(ioctl(vm, KVM_IRQFD, &a));
	ASSERT_EQ(get_chip(vm, KVM_IRQCHIP_PIC_MASTER).chip.pic.irr, 0);
	ASSERT_EQ(write(efd, &one, 8), 8);
	ASSERT_EQ(wait_pic_irr(vm, 1 << 5), 1 << 5);
	/* A signal that came before the assignment counts too. */
	ASSERT_EQ(write(pending, &one, 8), 8);
	a.fd = pending;
	a.gsi = 7;
	CHECK_OK(ioctl(vm, KVM_IRQFD, &a));
	ASSERT_EQ(wait_pic_irr(vm, 1 << 7), (1 << 5) | (1 << 7));
	/* After deassign, signals go nowhere. */
	a.fd = efd;
	a.gsi = 5;
	a.flags = KVM_IRQFD_FLAG_DEASSIGN;
	CHECK_OK(ioctl(vm, KVM_IRQFD, &a));
}

static long ioeventfd(int vm, uint64_t addr, uint32_t len, int fd, uint32_t flags,
		      uint64_t datamatch)
{
	struct kvm_ioeventfd io = {
		.datamatch = datamatch, .addr = addr, .len = len, .fd = fd, .flags = flags,
	};

	return ioctl(vm, KVM_IOEVENTFD, &io);
}

static void ioeventfd_errors(void)
{
	int vm = hvx_vm_create(hvx_open()), efd = eventfd(0, 0), efd2 = eventfd(0, 0);
	const uint32_t PIO = KVM_IOEVENTFD_FLAG_PIO, DM = KVM_IOEVENTFD_FLAG_DATAMATCH;
	const uint32_t DE = KVM_IOEVENTFD_FLAG_DEASSIGN;

	/* No irqchip needed. */
	ASSERT_ERRNO(ioeventfd(vm, 0x600, 3, efd, PIO, 0), EINVAL);
	ASSERT_ERRNO(ioeventfd(vm, 0x600, 16, efd, PIO, 0), EINVAL);
	ASSERT_ERRNO(ioeventfd(vm, 0x600, 2, efd, 1u << 7, 0), EINVAL);
	ASSERT_ERRNO(ioeventfd(vm, 0x600, 0, efd, PIO | DM, 0), EINVAL);
	ASSERT_ERRNO(ioeventfd(vm, ~0ULL - 1, 4, efd, 0, 0), EINVAL);
	ASSERT_ERRNO(ioeventfd(vm, 0x600, 2, -1, PIO, 0), EBADF);

	CHECK_OK(ioeventfd(vm, 0x600, 2, efd, PIO | DM, 0x11));
	/* Same address, length and value: taken; another value is not. */
	ASSERT_ERRNO(ioeventfd(vm, 0x600, 2, efd2, PIO | DM, 0x11), EEXIST);
	CHECK_OK(ioeventfd(vm, 0x600, 2, efd2, PIO | DM, 0x22));
	/* A wildcard or a no-length one overlaps both. */
	ASSERT_ERRNO(ioeventfd(vm, 0x600, 2, efd2, PIO, 0), EEXIST);
	ASSERT_ERRNO(ioeventfd(vm, 0x600, 0, efd2, PIO, 0), EEXIST);
	/* Another length, another bus: no collision. */
	CHECK_OK(ioeventfd(vm, 0x600, 4, efd, PIO, 0));
	CHECK_OK(ioeventfd(vm, 0x600, 2, efd, DM, 0x11));
	CHECK_OK(ioeventfd(vm, 0xd0000000, 0, efd, 0, 0));
	CHECK_OK(ioeventfd(vm, 0xd0000008, 8, efd, 0, 0));

	/* Deassign must name it exactly. */
	ASSERT_ERRNO(ioeventfd(vm, 0x600, 2, efd, PIO | DM | DE, 0x22), ENOENT);
	ASSERT_ERRNO(ioeventfd(vm, 0x601, 2, efd, PIO | DM | DE, 0x11), ENOENT);
	ASSERT_ERRNO(ioeventfd(vm, 0x600, 2, efd, PIO | DE, 0x11), ENOENT);
	CHECK_OK(ioeventfd(vm, 0x600, 2, efd, PIO | DM | DE, 0x11));
	ASSERT_ERRNO(ioeventfd(vm, 0x600, 2, efd, PIO | DM | DE, 0x11), ENOENT);
	/* Freed: it can be assigned again. */
	CHECK_OK(ioeventfd(vm, 0x600, 2, efd, PIO | DM, 0x11));
	CHECK_OK(ioeventfd(vm, 0xd0000000, 0, efd, DE, 0));
	ASSERT_ERRNO(ioeventfd(vm, 0xd0000000, 0, efd, DE, 0), ENOENT);
}

static bool lapic_irr_has(int vcpu, unsigned int vec, bool *tmr)
{
	struct kvm_lapic_state s;

	CHECK_OK(ioctl(vcpu, KVM_GET_LAPIC, &s));
	if (tmr)
		*tmr = lapic_reg(&s, 0x180 + (vec / 32) * 0x10) & (1u << (vec % 32));
	return lapic_reg(&s, 0x200 + (vec / 32) * 0x10) & (1u << (vec % 32));
}

static void lapic_sw_enable(int vcpu)
{
	struct kvm_lapic_state s;

	CHECK_OK(ioctl(vcpu, KVM_GET_LAPIC, &s));
	lapic_set_reg(&s, APIC_SPIV, 0x1ff);
	CHECK_OK(ioctl(vcpu, KVM_SET_LAPIC, &s));
}

/*
 * KVM_SIGNAL_MSI: >0 delivered, 0 blocked by the guest. Where no LAPIC
 * matches, KVM answers 0 or -1 (EPERM) depending on its APIC map: only
 * "not delivered" is checked there.
 */
static bool msi_not_delivered(int vm, struct kvm_msi *msi)
{
	long r = ioctl(vm, KVM_SIGNAL_MSI, msi);

	return r == 0 || (r == -1 && errno == EPERM);
}

static void signal_msi(void)
{
	int vm = vm_with_irqchip(), vcpu;
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x41, .flags = 2 };

	ASSERT_ERRNO(ioctl(vm, KVM_SIGNAL_MSI, &msi), EINVAL);
	msi.flags = 0;
	ASSERT_TRUE(msi_not_delivered(vm, &msi), "no LAPIC at all");
	vcpu = hvx_vcpu_create(vm, 0);
	/* Software-disabled after reset: the LAPIC drops it. */
	ASSERT_EQ(ioctl(vm, KVM_SIGNAL_MSI, &msi), 0);
	ASSERT_TRUE(!lapic_irr_has(vcpu, 0x41, NULL));
	lapic_sw_enable(vcpu);
	ASSERT_EQ(ioctl(vm, KVM_SIGNAL_MSI, &msi), 1);
	ASSERT_TRUE(lapic_irr_has(vcpu, 0x41, NULL), "MSI vector 0x41 in IRR");
	/* Physical destination 1 does not exist. */
	msi.address_lo = 0xfee01000;
	msi.data = 0x42;
	ASSERT_TRUE(msi_not_delivered(vm, &msi), "destination 1");
	ASSERT_TRUE(!lapic_irr_has(vcpu, 0x42, NULL));
	/*
	 * As KVM, only the destination bits of the address count: QEMU sends
	 * its device models' MSIs with the offset into its APIC window
	 * (0x0000 for APIC ID 0). Without KVM_X2APIC_API, address_hi is
	 * ignored.
	 */
	msi.address_lo = 0;
	msi.data = 0x43;
	ASSERT_EQ(ioctl(vm, KVM_SIGNAL_MSI, &msi), 1);
	ASSERT_TRUE(lapic_irr_has(vcpu, 0x43, NULL), "MSI at offset 0 -> vector 0x43");
	msi.address_hi = 0x1ff;
	msi.data = 0x44;
	ASSERT_EQ(ioctl(vm, KVM_SIGNAL_MSI, &msi), 1);
	ASSERT_TRUE(lapic_irr_has(vcpu, 0x44, NULL), "address_hi ignored -> vector 0x44");
}

/*
 * KVM_X2APIC_API_USE_32BIT_IDS: address_hi 31:8 are destination bits, and
 * an MSI (or MSI route) with any of address_hi 7:0 set is EINVAL.
 */
static void signal_msi_x2apic_format(void)
{
	int vm = vm_with_irqchip(), vcpu;
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X2APIC_API,
				      .args = { KVM_X2APIC_API_USE_32BIT_IDS } };
	struct kvm_msi msi = { .address_lo = 0xfee00000, .address_hi = 1, .data = 0x45 };
	struct {
		struct kvm_irq_routing hdr;
		struct kvm_irq_routing_entry e;
	} rt = { .hdr.nr = 1, .e = { .gsi = 30, .type = KVM_IRQ_ROUTING_MSI,
				     .u.msi = { .address_lo = 0xfee00000, .address_hi = 0x80,
						.data = 0x46 } } };

	CHECK_OK(ioctl(vm, KVM_ENABLE_CAP, &cap));
	vcpu = hvx_vcpu_create(vm, 0);
	lapic_sw_enable(vcpu);
	ASSERT_ERRNO(ioctl(vm, KVM_SIGNAL_MSI, &msi), EINVAL);
	ASSERT_ERRNO(ioctl(vm, KVM_SET_GSI_ROUTING, &rt), EINVAL);
	/* Destination bits 31:8 = 1: APIC ID 0x100, which no vCPU has. */
	msi.address_hi = 0x100;
	ASSERT_TRUE(msi_not_delivered(vm, &msi), "destination 0x100");
	msi.address_hi = 0;
	ASSERT_EQ(ioctl(vm, KVM_SIGNAL_MSI, &msi), 1);
	ASSERT_TRUE(lapic_irr_has(vcpu, 0x45, NULL), "vector 0x45");
}

/* An unmasked IOAPIC pin delivers to the LAPIC; a level one sets remote IRR. */
static void ioapic_reaches_lapic(void)
{
	int vm = vm_with_irqchip(), vcpu = hvx_vcpu_create(vm, 0);
	struct kvm_irqchip c = get_chip(vm, KVM_IRQCHIP_IOAPIC);
	struct kvm_irq_level line = { .irq = 10, .level = 1 };
	bool tmr;

	lapic_sw_enable(vcpu);
	c.chip.ioapic.redirtbl[10].fields.vector = 0x51;
	c.chip.ioapic.redirtbl[10].fields.dest_id = 0;
	c.chip.ioapic.redirtbl[10].fields.mask = 0;
	c.chip.ioapic.redirtbl[11].fields.vector = 0x52;
	c.chip.ioapic.redirtbl[11].fields.trig_mode = 1;
	c.chip.ioapic.redirtbl[11].fields.mask = 0;
	CHECK_OK(ioctl(vm, KVM_SET_IRQCHIP, &c));

	CHECK_OK(ioctl(vm, KVM_IRQ_LINE_STATUS, &line));
	ASSERT_TRUE(line.status > 0, "status %d", line.status);
	ASSERT_TRUE(lapic_irr_has(vcpu, 0x51, &tmr), "edge pin 10 -> vector 0x51");
	ASSERT_TRUE(!tmr, "edge: TMR clear");

	line.irq = 11;
	CHECK_OK(ioctl(vm, KVM_IRQ_LINE_STATUS, &line));
	ASSERT_TRUE(lapic_irr_has(vcpu, 0x52, &tmr), "level pin 11 -> vector 0x52");
	ASSERT_TRUE(tmr, "level: TMR set");
	ASSERT_TRUE(get_chip(vm, KVM_IRQCHIP_IOAPIC).chip.ioapic.redirtbl[11].fields.remote_irr);
	/* Until the EOI, raising it again is coalesced. */
	CHECK_OK(ioctl(vm, KVM_IRQ_LINE_STATUS, &line));
	ASSERT_EQ(line.status, 0);
}

static const struct ktest tests[] = {
	KTEST(capabilities),
	KTEST(create_irqchip_rules),
	KTEST(no_irqchip_errors),
	KTEST(pic_state_roundtrip),
	KTEST(ioapic_state_roundtrip),
	KTEST(default_routing),
	KTEST(lapic_state_roundtrip),
	KTEST(pit_create_and_roundtrip),
	KTEST(routing_errors),
	KTEST(routing_applies),
	KTEST(irqfd_errors),
	KTEST(irqfd_signals_gsi),
	KTEST(ioeventfd_errors),
	KTEST(signal_msi),
	KTEST(signal_msi_x2apic_format),
	KTEST(ioapic_reaches_lapic),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
