/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The in-kernel interrupt controllers (KVM_CREATE_IRQCHIP and friends):
 * the declarations kmod/irqchip/ shares between its files. The CPU side
 * sees only kmod/hvx_irq.h.
 *
 * Locking, outermost first (never the other way round):
 *   irqchip->lock (mutex: ioctls that change routing, irqfds, ioeventfds)
 *   pit->lock > pic->lock > ioapic->lock > lapic->lock   (irqsave spinlocks)
 * Every device lock is an irqsave spinlock because interrupts are raised
 * from hrtimer callbacks (PIT, LAPIC timer) and eventfd wakeups. A LAPIC
 * never holds its own lock while it takes another LAPIC's (IPIs) or the
 * IOAPIC's (EOI broadcast): it drops it first.
 */
#ifndef HVX_IRQCHIP_H
#define HVX_IRQCHIP_H

#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/eventfd.h>
#include <linux/wait.h>
#include "hvx_core.h"
#include "hvx_irq.h"

/* As KVM: GSIs and routing entries are below this. */
#define HVX_MAX_IRQ_ROUTES	4096
#define HVX_IOAPIC_NUM_PINS	24
#define HVX_PIC_NUM_PINS	16
#define HVX_IOAPIC_BASE		0xfec00000ULL
#define HVX_IOAPIC_MMIO_SIZE	0x100
#define HVX_LAPIC_MMIO_SIZE	0x1000

/* ---- The I/O bus (iobus.c) ------------------------------------------- */

enum hvx_bus { HVX_BUS_PIO, HVX_BUS_MMIO, HVX_NR_BUSES };

struct hvx_io_dev;

/* 0 if the device handled the access, -EOPNOTSUPP if it is not its. */
struct hvx_io_ops {
	int (*read)(struct hvx_io_dev *dev, struct hvx_vcpu *vcpu, u64 addr,
		    unsigned int len, void *val);
	int (*write)(struct hvx_io_dev *dev, struct hvx_vcpu *vcpu, u64 addr,
		     unsigned int len, const void *val);
};

/* Embedded in a device; addr/len is the range it claims (len 0: addr only). */
struct hvx_io_dev {
	const struct hvx_io_ops *ops;
	u64 addr;
	u64 len;
};

/* An RCU-replaced array: readers never block, writers copy. */
struct hvx_io_bus {
	struct rcu_head rcu;
	unsigned int nr;
	struct hvx_io_dev *devs[];
};

#define HVX_IO_BUS_MAX_DEVS	1000	/* as KVM's NR_IOBUS_DEVS */

int hvx_io_bus_register(struct hvx_vm *vm, enum hvx_bus bus, struct hvx_io_dev *dev);
void hvx_io_bus_unregister(struct hvx_vm *vm, enum hvx_bus bus, struct hvx_io_dev *dev);

/* ---- The dual 8259 PIC (pic.c) --------------------------------------- */

struct hvx_pic {
	spinlock_t lock;
	struct hvx_vm *vm;
	struct kvm_pic_state chip[2];	/* master, slave */
	bool output;			/* INTR of the master */
	struct hvx_io_dev dev_master, dev_slave, dev_elcr;
};

int hvx_pic_create(struct hvx_vm *vm);
void hvx_pic_destroy(struct hvx_vm *vm);
int hvx_pic_set_irq(struct hvx_pic *pic, unsigned int pin, int level);
int hvx_pic_read_irq(struct hvx_pic *pic);	/* the INTA cycle */
int hvx_pic_peek_vector(struct hvx_pic *pic);	/* what INTA would return, or -1 */
bool hvx_pic_has_output(struct hvx_pic *pic);
void hvx_pic_get_state(struct hvx_pic *pic, int which, struct kvm_pic_state *s);
void hvx_pic_set_state(struct hvx_pic *pic, int which, const struct kvm_pic_state *s);

/* ---- The IOAPIC (ioapic.c) ------------------------------------------- */

union hvx_ioapic_redir {
	u64 bits;
	struct {
		u8 vector;
		u8 delivery_mode:3;
		u8 dest_mode:1;
		u8 delivery_status:1;
		u8 polarity:1;
		u8 remote_irr:1;
		u8 trig_mode:1;
		u8 mask:1;
		u8 reserve:7;
		u8 reserved[4];
		u8 dest_id;
	} fields;
};

struct hvx_ioapic {
	spinlock_t lock;
	struct hvx_vm *vm;
	u64 base;
	u32 id;
	u32 ioregsel;
	u32 irr;		/* pin levels (level) / latched edges */
	u32 line;		/* current input levels */
	union hvx_ioapic_redir redir[HVX_IOAPIC_NUM_PINS];
	struct hvx_io_dev dev;
};

int hvx_ioapic_create(struct hvx_vm *vm);
void hvx_ioapic_destroy(struct hvx_vm *vm);
int hvx_ioapic_set_irq(struct hvx_ioapic *ioapic, unsigned int pin, int level);
/* A LAPIC EOI for a level-triggered @vector. */
void hvx_ioapic_eoi(struct hvx_vm *vm, u8 vector);
void hvx_ioapic_get_state(struct hvx_ioapic *ioapic, struct kvm_ioapic_state *s);
void hvx_ioapic_set_state(struct hvx_ioapic *ioapic, const struct kvm_ioapic_state *s);

/* ---- The 8254 PIT (pit.c) -------------------------------------------- */

struct hvx_pit_channel {
	struct kvm_pit_channel_state s;	/* count_load_time in ktime ns */
};

struct hvx_pit {
	spinlock_t lock;
	struct hvx_vm *vm;
	struct hvx_pit_channel ch[3];
	u32 flags;			/* kvm_pit_state2.flags */
	u32 config_flags;		/* kvm_pit_config.flags */
	bool speaker_data_on;
	struct hrtimer timer;		/* channel 0 */
	ktime_t period;			/* 0: one-shot */
	struct hvx_io_dev dev, dev_speaker;
};

long hvx_pit_create(struct hvx_vm *vm, void __user *argp);
void hvx_pit_destroy(struct hvx_vm *vm);
long hvx_pit_get_state2(struct hvx_vm *vm, void __user *argp);
long hvx_pit_set_state2(struct hvx_vm *vm, void __user *argp);

/* ---- The local APIC (lapic.c) ---------------------------------------- */

#define HVX_LAPIC_REGS_SIZE	KVM_APIC_REG_SIZE	/* 1 KiB, as kvm_lapic_state */

struct hvx_lapic {
	spinlock_t lock;
	struct hvx_vcpu *vcpu;
	u8 regs[HVX_LAPIC_REGS_SIZE];
	struct hrtimer timer;
	ktime_t timer_period;		/* periodic mode; 0 otherwise */
	ktime_t timer_target;		/* expiry of the running count */
	u64 tsc_deadline;		/* IA32_TSC_DEADLINE */
	u64 vapic_addr;			/* KVM_SET_VAPIC_ADDR, 0: none (vapic.c) */
};

/* An interrupt message: an IPI, an IOAPIC redirection entry or an MSI. */
struct hvx_irq_msg {
	u32 dest;
	u8 vector;
	u8 delivery_mode;	/* APIC_DM_* >> 8 */
	bool logical;
	bool level_trig;
	bool assert;		/* level: assert or de-assert (INIT) */
	bool x2apic_dest;	/* 32-bit destination: x2APIC ICR, or an MSI with 32-bit ids */
	bool ipi;		/* from a LAPIC's ICR (not an IOAPIC or MSI) */
	u8 shorthand;		/* APIC_DEST_SELF/ALLINC/ALLBUT >> 18, 0: none */
};

/*
 * Deliver @msg (@src: the sending vCPU for shorthands, or NULL).
 * Returns KVM's count: the number of LAPICs that took it, 0 if those that
 * matched refused it (software-disabled, illegal vector), -1 if none
 * matched.
 */
int hvx_lapic_deliver(struct hvx_vm *vm, struct hvx_vcpu *src,
		      const struct hvx_irq_msg *msg);
bool hvx_lapic_accepts_pic(struct hvx_vcpu *vcpu);
int hvx_lapic_mmio_read(struct hvx_vcpu *vcpu, u64 gpa, unsigned int len, void *val);
int hvx_lapic_mmio_write(struct hvx_vcpu *vcpu, u64 gpa, unsigned int len, const void *val);
int hvx_lapic_pending(struct hvx_vcpu *vcpu);
int hvx_lapic_ack(struct hvx_vcpu *vcpu);

/* ---- GSI routing and injection (irq_route.c) ------------------------- */

struct hvx_route {
	u32 gsi;
	u32 type;		/* KVM_IRQ_ROUTING_IRQCHIP / _MSI */
	union {
		struct { u32 irqchip, pin; } chip;
		struct kvm_irq_routing_msi msi;
	};
};

struct hvx_routing {
	struct rcu_head rcu;
	u32 nr;
	struct hvx_route entries[];
};

int hvx_routing_set_default(struct hvx_vm *vm);
long hvx_routing_ioctl(struct hvx_vm *vm, void __user *argp);
/* Raise or lower @gsi: KVM's kvm_set_irq() return convention. Any context. */
int hvx_irq_set(struct hvx_vm *vm, u32 gsi, int level);
int hvx_irq_deliver_msi(struct hvx_vm *vm, const struct kvm_irq_routing_msi *msi);
/* The GSI that reaches IOAPIC @pin, or -1. */
int hvx_routing_pin_to_gsi(struct hvx_vm *vm, u32 irqchip, u32 pin);

/* ---- irqfd and ioeventfd (eventfd.c) --------------------------------- */

long hvx_irqfd_ioctl(struct hvx_vm *vm, void __user *argp);
long hvx_ioeventfd_ioctl(struct hvx_vm *vm, void __user *argp);
/* A level-triggered interrupt on @gsi was EOIed: signal its resamplers. */
void hvx_irqfd_resample(struct hvx_vm *vm, u32 gsi);
void hvx_eventfds_destroy(struct hvx_vm *vm);

/* coalesced.c: KVM_(UN)REGISTER_COALESCED_MMIO and their ring. */
long hvx_coalesced_ioctl(struct hvx_vm *vm, void __user *argp, bool add);
void hvx_coalesced_destroy(struct hvx_vm *vm);

static inline void hvx_eventfd_signal(struct eventfd_ctx *ctx)
{
#ifdef HVX_EVENTFD_SIGNAL_HAS_COUNT
	eventfd_signal(ctx, 1);
#else
	eventfd_signal(ctx);
#endif
}

/* ---- The VM-wide object (irqchip.c) ---------------------------------- */

struct hvx_irqchip {
	struct hvx_vm *vm;
	/*
	 * Allocated by the first ioctl that needs it (an ioeventfd needs the
	 * bus, not the interrupt controllers); in_kernel says whether
	 * KVM_CREATE_IRQCHIP made the controllers.
	 */
	bool in_kernel;
	struct mutex lock;		/* routing, irqfds, ioeventfds, bus writers */
	struct hvx_io_bus __rcu *buses[HVX_NR_BUSES];
	struct hvx_routing __rcu *routing;
	struct hvx_pic *pic;
	struct hvx_ioapic *ioapic;
	struct hvx_pit *pit;
	struct list_head irqfds;	/* lock */
	struct list_head resamplers;	/* irqfds with a resamplefd: RCU, lock */
	struct list_head ioeventfds;	/* lock */
	struct list_head coalesced;	/* lock: coalesced MMIO/PIO zones */
};

/* The VM's irqchip object, allocated on first use; NULL on -ENOMEM. */
struct hvx_irqchip *hvx_irqchip_get(struct hvx_vm *vm);
void hvx_irqchip_destroy(struct hvx_vm *vm);
/* The vCPUs in creation order; stable once seen (never removed). */
unsigned int hvx_vm_nr_vcpus(struct hvx_vm *vm);

/* VM ioctls, dispatched by hvx_vm.c; -ENOTTY if not an irqchip ioctl. */
long hvx_irqchip_vm_ioctl(struct hvx_vm *vm, unsigned int ioctl, unsigned long arg);

#endif /* HVX_IRQCHIP_H */
