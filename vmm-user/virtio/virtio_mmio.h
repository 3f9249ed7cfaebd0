/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio-mmio transport (virtio 1.x, section 4.2; version 2, modern
 * only) and the device thread every virtio device runs on.
 *
 * Why virtio-mmio: Debian's kernel finds it through ACPI "LNRO0005" nodes
 * (written by the platform code) with no PCI host bridge, config space,
 * BARs or MSI-X to emulate. The cost: one level-triggered IOAPIC line per
 * device, shared by its queues and config changes, and one register read
 * (InterruptStatus) per interrupt.
 *
 * Threads: register accesses run on the vCPU thread that trapped them and
 * never wait for I/O. QueueNotify writes wake the device thread through an
 * eventfd (KVM_IOEVENTFD when the hypervisor has it, else the trap handler
 * writes the eventfd), and the device's callbacks run there. Interrupts go
 * through vm_irq_line(): raised when InterruptStatus becomes non-zero,
 * lowered when the driver acknowledges the last bit.
 */
#ifndef HVX_VIRTIO_MMIO_H
#define HVX_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "../vmm_dev.h"
#include "virtqueue.h"

#define VIRTIO_MAX_QUEUES	2
#define VIRTIO_MMIO_VENDOR	0x00787668	/* "hvx\0" */

struct virtio_dev;

struct virtio_dev_ops {
	/* Device thread: the driver made buffers available on queue @q. */
	void (*queue_notify)(struct virtio_dev *vdev, unsigned int q);
	/* Device thread: vdev->extra_fd is readable (tap, console input). */
	void (*extra_ready)(struct virtio_dev *vdev);
	/* After the thread stopped: close and free what the device holds. */
	void (*destroy)(struct virtio_dev *vdev);
};

struct virtio_dev {
	struct vmm_device dev;		/* first: the core's list entry */
	struct vm *vm;
	const struct virtio_dev_ops *ops;
	void *priv;			/* the device model's own state */
	char name[32];

	/* Fixed at creation. */
	uint32_t device_id;		/* VIRTIO_ID_* */
	uint64_t device_features;	/* offered, transport bits included */
	const void *config;		/* device config space, read-only */
	uint32_t config_len;
	unsigned int nr_queues;
	uint64_t base;			/* MMIO window */
	uint32_t gsi;

	pthread_mutex_t lock;		/* guards everything below */
	pthread_cond_t idle;		/* signalled when busy drops to 0 */
	unsigned int busy;		/* chains popped, not yet pushed */
	uint32_t status;		/* VIRTIO_CONFIG_S_* */
	uint32_t interrupt_status;	/* VIRTIO_MMIO_INT_*; line high iff != 0 */
	uint32_t device_features_sel, driver_features_sel, queue_sel;
	uint64_t driver_features;
	struct virtq vqs[VIRTIO_MAX_QUEUES];

	/* Device thread and its wake-ups. */
	int notify_fd[VIRTIO_MAX_QUEUES];
	bool notify_ioeventfd[VIRTIO_MAX_QUEUES];	/* KVM_IOEVENTFD took it */
	int stop_fd;
	int extra_fd;			/* -1: none */
	bool extra_paused;		/* device thread only: don't poll it */
	pthread_t thread;
	bool thread_running;
};

/*
 * Set up @vdev (zeroed, with ops, priv, device_id, device-specific
 * features, config and nr_queues filled in, extra_fd set or -1): take an
 * MMIO window and GSI, claim the registers, start the device thread and
 * hand the device to the core. 0 or -errno; on error nothing is left
 * behind but ops->destroy has not been called.
 */
int virtio_dev_start(struct vm *vm, struct virtio_dev *vdev, const char *name);

/*
 * The device thread's side of a queue, each under the device lock.
 * virtio_dev_pop: 1 with @elem filled (and the device busy until the
 * matching virtio_dev_push), 0 when nothing is available or the queue is
 * not live, -EIO when the chain was malformed (the device is then
 * DEVICE_NEEDS_RESET and its queues stop).
 */
int virtio_dev_pop(struct virtio_dev *vdev, unsigned int q, struct virtq_elem *elem);
/* Hand back without consuming (RX found nothing to deliver after all). */
void virtio_dev_unpop(struct virtio_dev *vdev, unsigned int q);
/* Used ring entry with @len bytes written, interrupt if the driver wants one. */
void virtio_dev_push(struct virtio_dev *vdev, unsigned int q,
		     const struct virtq_elem *elem, uint32_t len);
/*
 * Nothing left to pop: arm the driver's next notification. True if more
 * arrived meanwhile (pop again).
 */
bool virtio_dev_arm_notify(struct virtio_dev *vdev, unsigned int q);
/* The device found an unrecoverable fault: DEVICE_NEEDS_RESET. */
void virtio_dev_set_needs_reset(struct virtio_dev *vdev, const char *why);

/*
 * The usual queue loop for devices that answer each chain in turn (blk,
 * rng, console TX, net TX): @handle gets each chain and returns the bytes
 * it wrote into the writable part.
 */
void virtio_dev_process(struct virtio_dev *vdev, unsigned int q, struct virtq_elem *elem,
			uint32_t (*handle)(struct virtio_dev *vdev, struct virtq_elem *elem));

/* ---- The devices' constructors used by the unit tests ------------------- */

/* virtio-net on any packet fd (a tap, or a socketpair in tests). */
int virtio_net_create_fd(struct vm *vm, int fd, const char *name);

#endif /* HVX_VIRTIO_MMIO_H */
