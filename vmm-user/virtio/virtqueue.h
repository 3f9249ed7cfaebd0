/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device side of a split virtqueue (virtio 1.x, section 2.7).
 *
 * The rings live in guest RAM and the guest may rewrite them at any time,
 * so every descriptor is copied once into a local before it is checked and
 * used, every address and length goes through gpa_to_hva(), and a chain is
 * at most VIRTQ_MAX_SEGS descriptors long (which also ends descriptor
 * loops). A chain that breaks a rule makes virtq_pop() return -EIO; the
 * transport then marks the device DEVICE_NEEDS_RESET.
 */
#ifndef HVX_VIRTQUEUE_H
#define HVX_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/virtio_ring.h>

struct vm;

/* QueueNumMax of every queue: Linux then allocates 256-entry rings. */
#define VIRTQ_MAX_SIZE		256
/*
 * Descriptors in one chain, direct and indirect together. virtio-blk
 * advertises seg_max = VIRTQ_MAX_SEGS - 2 (header and status) so Linux
 * never builds a longer one.
 */
#define VIRTQ_MAX_SEGS		256

/* One popped chain: device-readable buffers first, then device-writable. */
struct virtq_elem {
	uint16_t head;			/* descriptor index, for the used ring */
	uint16_t out_num;		/* iov[0 .. out_num): device reads */
	uint16_t in_num;		/* iov[out_num .. +in_num): device writes */
	uint64_t out_len, in_len;	/* their total bytes */
	struct iovec iov[VIRTQ_MAX_SEGS];
};

static inline struct iovec *virtq_elem_in(struct virtq_elem *elem)
{
	return elem->iov + elem->out_num;
}

struct virtq {
	/* Written by the driver through the transport registers. */
	uint16_t num;			/* QueueNum */
	bool ready;			/* QueueReady, after virtq_enable() */
	uint64_t desc_gpa, avail_gpa, used_gpa;

	/* Resolved by virtq_enable(). */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	bool event_idx;			/* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;			/* VIRTIO_RING_F_INDIRECT_DESC negotiated */

	uint16_t last_avail_idx;	/* next available entry to consume */
	uint16_t used_idx;		/* our copy of used->idx */
	uint16_t signalled_used;	/* used_idx at the last interrupt */
	bool signalled_used_valid;
};

/* Back to the state after device reset (QueueNum = max, not ready). */
void virtq_reset(struct virtq *vq);
/*
 * QueueReady = 1: check the size and alignment the driver chose and map
 * the three rings. -EINVAL if any of it is bad or not guest RAM.
 */
int virtq_enable(struct virtq *vq, struct vm *vm, uint64_t features);
/*
 * Take the next available chain into @elem. 1: got one; 0: none
 * available; -EIO: the guest broke a ring rule (bad index, address,
 * length, order or nesting, or a chain longer than VIRTQ_MAX_SEGS).
 */
int virtq_pop(struct virtq *vq, struct vm *vm, struct virtq_elem *elem);
/* Give back the chain last popped, unconsumed (no RX data after all). */
void virtq_unpop(struct virtq *vq);
/* Return @elem to the driver, @len bytes written into its writable part. */
void virtq_push(struct virtq *vq, const struct virtq_elem *elem, uint32_t len);
/* After pushing: does the driver want an interrupt (flags or used_event)? */
bool virtq_need_interrupt(struct virtq *vq);
/*
 * Before going idle: ask the driver to notify us about the next buffer
 * (avail_event with EVENT_IDX). Returns true if buffers arrived meanwhile
 * and the caller must pop again instead of sleeping.
 */
bool virtq_arm_notify(struct virtq *vq);

/* ---- iovec helpers ------------------------------------------------------ */

/* Copy up to @len bytes at byte @offset of the iovecs to/from @buf. */
size_t iov_to_buf(const struct iovec *iov, unsigned int cnt, size_t offset,
		  void *buf, size_t len);
size_t iov_from_buf(const struct iovec *iov, unsigned int cnt, size_t offset,
		    const void *buf, size_t len);
/*
 * The bytes [offset, offset + len) of @iov as iovecs in @out (at most
 * @max of them). Returns how many; fewer bytes if @iov is shorter.
 */
unsigned int iov_slice(const struct iovec *iov, unsigned int cnt, size_t offset,
		       size_t len, struct iovec *out, unsigned int max);

#endif /* HVX_VIRTQUEUE_H */
