// SPDX-License-Identifier: GPL-2.0-only
/*
 * Split virtqueues, device side: take chains from the available ring,
 * return them through the used ring, decide when the driver wants an
 * interrupt. The transport (virtio_mmio.c) serializes all calls on one
 * queue under its device lock.
 */
#include <errno.h>
#include <string.h>
#include "virtqueue.h"
#include "../vmm_dev.h"

#define BIT64(n)	(1ULL << (n))

void virtq_reset(struct virtq *vq)
{
	memset(vq, 0, sizeof(*vq));
	vq->num = VIRTQ_MAX_SIZE;
}

static bool is_aligned(uint64_t gpa, uint64_t align)
{
	return !(gpa & (align - 1));
}

int virtq_enable(struct virtq *vq, struct vm *vm, uint64_t features)
{
	uint16_t num = vq->num;

	/* Split rings have a power-of-two size (2.7). */
	if (!num || num > VIRTQ_MAX_SIZE || (num & (num - 1)))
		return -EINVAL;
	if (!is_aligned(vq->desc_gpa, VRING_DESC_ALIGN_SIZE) ||
	    !is_aligned(vq->avail_gpa, VRING_AVAIL_ALIGN_SIZE) ||
	    !is_aligned(vq->used_gpa, VRING_USED_ALIGN_SIZE))
		return -EINVAL;
	/* flags, idx, ring[num], and used_event / avail_event after it. */
	vq->desc = gpa_to_hva(vm, vq->desc_gpa, sizeof(struct vring_desc) * num);
	vq->avail = gpa_to_hva(vm, vq->avail_gpa, sizeof(uint16_t) * (3 + num));
	vq->used = gpa_to_hva(vm, vq->used_gpa,
			      sizeof(uint16_t) * 3 + sizeof(struct vring_used_elem) * num);
	if (!vq->desc || !vq->avail || !vq->used)
		return -EINVAL;
	vq->event_idx = features & BIT64(VIRTIO_RING_F_EVENT_IDX);
	vq->indirect = features & BIT64(VIRTIO_RING_F_INDIRECT_DESC);
	vq->last_avail_idx = 0;
	vq->used_idx = 0;
	vq->signalled_used_valid = false;
	vq->ready = true;
	return 0;
}

/* The guest writes these concurrently: read each exactly once. */
static uint16_t guest_load16(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static int virtq_add_segment(struct virtq_elem *elem, struct vm *vm,
			     const struct vring_desc *d)
{
	bool writable = d->flags & VRING_DESC_F_WRITE;
	struct iovec *iov;
	void *hva;

	/* Device-readable buffers come before device-writable ones (2.7.4). */
	if (!writable && elem->in_num)
		return -EIO;
	if (!d->len)
		return 0;
	if (elem->out_num + elem->in_num >= VIRTQ_MAX_SEGS)
		return -EIO;
	hva = gpa_to_hva(vm, d->addr, d->len);
	if (!hva)
		return -EIO;
	iov = &elem->iov[elem->out_num + elem->in_num];
	iov->iov_base = hva;
	iov->iov_len = d->len;
	if (writable) {
		elem->in_num++;
		elem->in_len += d->len;
	} else {
		elem->out_num++;
		elem->out_len += d->len;
	}
	return 0;
}

int virtq_pop(struct virtq *vq, struct vm *vm, struct virtq_elem *elem)
{
	const uint8_t *table = (const uint8_t *)vq->desc;
	unsigned int table_size = vq->num, visited = 0;
	bool in_indirect = false;
	uint16_t avail_idx, head, idx;
	struct vring_desc d;
	int r;

	/* Acquire: the ring entries and descriptors were written before idx. */
	avail_idx = __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE);
	if (avail_idx == vq->last_avail_idx)
		return 0;
	/* More outstanding entries than the ring holds: a corrupt index. */
	if ((uint16_t)(avail_idx - vq->last_avail_idx) > vq->num)
		return -EIO;
	head = guest_load16(&vq->avail->ring[vq->last_avail_idx % vq->num]);
	if (head >= vq->num)
		return -EIO;

	elem->head = head;
	elem->out_num = elem->in_num = 0;
	elem->out_len = elem->in_len = 0;
	idx = head;
	for (;;) {
		/* A chain longer than its table has a loop in it. */
		if (++visited > table_size)
			return -EIO;
		memcpy(&d, table + (size_t)idx * sizeof(d), sizeof(d));
		if (d.flags & VRING_DESC_F_INDIRECT) {
			/* Negotiated, not nested, not chained on (2.7.5.3.1). */
			if (!vq->indirect || in_indirect || (d.flags & VRING_DESC_F_NEXT))
				return -EIO;
			if (!d.len || d.len % sizeof(d) || d.len / sizeof(d) > VIRTQ_MAX_SEGS)
				return -EIO;
			table = gpa_to_hva(vm, d.addr, d.len);
			if (!table)
				return -EIO;
			table_size = d.len / sizeof(d);
			in_indirect = true;
			visited = 0;
			idx = 0;
			continue;
		}
		r = virtq_add_segment(elem, vm, &d);
		if (r)
			return r;
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		idx = d.next;
		if (idx >= table_size)
			return -EIO;
	}
	vq->last_avail_idx++;
	return 1;
}

void virtq_unpop(struct virtq *vq)
{
	vq->last_avail_idx--;
}

void virtq_push(struct virtq *vq, const struct virtq_elem *elem, uint32_t len)
{
	struct vring_used_elem *ue = &vq->used->ring[vq->used_idx % vq->num];

	ue->id = elem->head;
	ue->len = len;
	vq->used_idx++;
	/* Release: the entry is visible before the index that covers it. */
	__atomic_store_n(&vq->used->idx, vq->used_idx, __ATOMIC_RELEASE);
}

bool virtq_need_interrupt(struct virtq *vq)
{
	uint16_t old = vq->signalled_used, used_event;
	bool valid = vq->signalled_used_valid;

	/* Our used->idx store before the driver's flags / used_event. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(guest_load16(&vq->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
	used_event = guest_load16(&vq->avail->ring[vq->num]);
	vq->signalled_used = vq->used_idx;
	vq->signalled_used_valid = true;
	return !valid || vring_need_event(used_event, vq->used_idx, old);
}

bool virtq_arm_notify(struct virtq *vq)
{
	if (vq->event_idx) {
		uint16_t *avail_event = (uint16_t *)&vq->used->ring[vq->num];

		__atomic_store_n(avail_event, vq->last_avail_idx, __ATOMIC_RELAXED);
	}
	/* Our avail_event store before the re-read of the driver's idx. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE) != vq->last_avail_idx;
}

/* ---- iovec helpers ------------------------------------------------------ */

static size_t iov_copy(const struct iovec *iov, unsigned int cnt, size_t offset,
		       void *buf, size_t len, bool to_buf)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < cnt && done < len; i++) {
		size_t n;

		if (offset >= iov[i].iov_len) {
			offset -= iov[i].iov_len;
			continue;
		}
		n = iov[i].iov_len - offset;
		if (n > len - done)
			n = len - done;
		if (to_buf)
			memcpy((uint8_t *)buf + done, (uint8_t *)iov[i].iov_base + offset, n);
		else
			memcpy((uint8_t *)iov[i].iov_base + offset, (uint8_t *)buf + done, n);
		done += n;
		offset = 0;
	}
	return done;
}

size_t iov_to_buf(const struct iovec *iov, unsigned int cnt, size_t offset,
		  void *buf, size_t len)
{
	return iov_copy(iov, cnt, offset, buf, len, true);
}

size_t iov_from_buf(const struct iovec *iov, unsigned int cnt, size_t offset,
		    const void *buf, size_t len)
{
	return iov_copy(iov, cnt, offset, (void *)buf, len, false);
}

unsigned int iov_slice(const struct iovec *iov, unsigned int cnt, size_t offset,
		       size_t len, struct iovec *out, unsigned int max)
{
	unsigned int i, n = 0;

	for (i = 0; i < cnt && len && n < max; i++) {
		size_t part;

		if (offset >= iov[i].iov_len) {
			offset -= iov[i].iov_len;
			continue;
		}
		part = iov[i].iov_len - offset;
		if (part > len)
			part = len;
		out[n].iov_base = (uint8_t *)iov[i].iov_base + offset;
		out[n].iov_len = part;
		n++;
		len -= part;
		offset = 0;
	}
	return n;
}
