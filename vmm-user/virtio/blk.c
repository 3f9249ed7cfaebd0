// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk (virtio 1.x, 5.2) on a raw image file or block device: read,
 * write, flush, get-id, and a read-only mode (VIRTIO_BLK_F_RO) in which
 * writes fail with IOERR. Requests run on the device thread with plain
 * preadv/pwritev, one at a time, so the vCPU never waits for the disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>
#include "virtio_mmio.h"

#define BIT64(n)	(1ULL << (n))
#define SECTOR_SIZE	512
#define BLK_QUEUE	0

struct blk {
	int fd;
	bool read_only;
	uint64_t capacity;			/* in sectors */
	char id[VIRTIO_BLK_ID_BYTES];		/* not NUL-terminated when full */
	struct virtio_blk_config config;
	struct virtq_elem elem;			/* device thread only */
	struct iovec data[VIRTQ_MAX_SEGS];	/* device thread only */
};

static bool blk_range_ok(const struct blk *blk, uint64_t sector, uint64_t len)
{
	return !(len % SECTOR_SIZE) && sector <= blk->capacity &&
	       len / SECTOR_SIZE <= blk->capacity - sector;
}

/* All of [off, off + len) through @iov, or -1: short transfers continue. */
static int blk_rw(struct blk *blk, struct iovec *iov, unsigned int cnt, uint64_t off,
		  uint64_t len, bool write)
{
	while (len) {
		ssize_t n = write ? pwritev(blk->fd, iov, cnt, off) : preadv(blk->fd, iov, cnt, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += n;
		len -= n;
		/* Drop what was done from the front of the iovecs. */
		while (n && cnt) {
			size_t part = (size_t)n < iov->iov_len ? (size_t)n : iov->iov_len;

			iov->iov_base = (uint8_t *)iov->iov_base + part;
			iov->iov_len -= part;
			n -= part;
			if (!iov->iov_len) {
				iov++;
				cnt--;
			}
		}
	}
	return 0;
}

static uint8_t blk_read(struct blk *blk, struct virtq_elem *elem, uint64_t sector,
			uint64_t len)
{
	unsigned int cnt;

	if (!blk_range_ok(blk, sector, len))
		return VIRTIO_BLK_S_IOERR;
	cnt = iov_slice(virtq_elem_in(elem), elem->in_num, 0, len, blk->data, VIRTQ_MAX_SEGS);
	return blk_rw(blk, blk->data, cnt, sector * SECTOR_SIZE, len, false) ?
	       VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}

static uint8_t blk_write(struct blk *blk, struct virtq_elem *elem, uint64_t sector)
{
	uint64_t len = elem->out_len - sizeof(struct virtio_blk_outhdr);
	unsigned int cnt;

	if (blk->read_only || !blk_range_ok(blk, sector, len))
		return VIRTIO_BLK_S_IOERR;
	cnt = iov_slice(elem->iov, elem->out_num, sizeof(struct virtio_blk_outhdr), len,
			blk->data, VIRTQ_MAX_SEGS);
	return blk_rw(blk, blk->data, cnt, sector * SECTOR_SIZE, len, true) ?
	       VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}

/*
 * One request: a 16-byte header in the readable part, data, and a status
 * byte at the very end of the writable part. With VERSION_1 the guest may
 * split these across descriptors any way it likes (2.6.4), so they are
 * read as byte streams, not as descriptor 0, 1, 2.
 */
static uint32_t blk_handle(struct virtio_dev *vdev, struct virtq_elem *elem)
{
	struct blk *blk = vdev->priv;
	struct virtio_blk_outhdr hdr;
	uint64_t data_in;	/* writable bytes before the status byte */
	uint32_t written = 0;
	uint8_t status;

	if (!elem->in_len) {
		virtio_dev_set_needs_reset(vdev, "request without a status byte");
		return 0;
	}
	data_in = elem->in_len - 1;
	if (iov_to_buf(elem->iov, elem->out_num, 0, &hdr, sizeof(hdr)) < sizeof(hdr)) {
		status = VIRTIO_BLK_S_IOERR;
	} else {
		switch (hdr.type) {
		case VIRTIO_BLK_T_IN:
			status = blk_read(blk, elem, hdr.sector, data_in);
			if (status == VIRTIO_BLK_S_OK)
				written = data_in;
			break;
		case VIRTIO_BLK_T_OUT:
			status = blk_write(blk, elem, hdr.sector);
			break;
		case VIRTIO_BLK_T_FLUSH:
			status = fdatasync(blk->fd) ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
			break;
		case VIRTIO_BLK_T_GET_ID:
			written = data_in < VIRTIO_BLK_ID_BYTES ? data_in : VIRTIO_BLK_ID_BYTES;
			iov_from_buf(virtq_elem_in(elem), elem->in_num, 0, blk->id, written);
			status = VIRTIO_BLK_S_OK;
			break;
		default:
			status = VIRTIO_BLK_S_UNSUPP;
			break;
		}
	}
	iov_from_buf(virtq_elem_in(elem), elem->in_num, data_in, &status, 1);
	return written + 1;
}

static void blk_queue_notify(struct virtio_dev *vdev, unsigned int q)
{
	struct blk *blk = vdev->priv;

	if (q == BLK_QUEUE)
		virtio_dev_process(vdev, q, &blk->elem, blk_handle);
}

static void blk_destroy(struct virtio_dev *vdev)
{
	struct blk *blk = vdev->priv;

	close(blk->fd);
	free(blk);
}

static const struct virtio_dev_ops blk_ops = {
	.queue_notify = blk_queue_notify,
	.destroy = blk_destroy,
};

int virtio_blk_create(struct vm *vm, const char *path, bool read_only)
{
	static unsigned int instance;
	struct virtio_dev *vdev;
	const char *base;
	struct blk *blk;
	char name[32];
	off_t size;
	int r;

	vdev = calloc(1, sizeof(*vdev));
	blk = calloc(1, sizeof(*blk));
	if (!vdev || !blk) {
		r = -ENOMEM;
		fprintf(stderr, "hvx: virtio-blk: %s\n", strerror(-r));
		goto err_free;
	}
	blk->fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	size = blk->fd < 0 ? -1 : lseek(blk->fd, 0, SEEK_END);
	if (size < 0) {
		r = -errno;
		fprintf(stderr, "hvx: %s: %s\n", path, strerror(-r));
		goto err_close;
	}
	blk->read_only = read_only;
	blk->capacity = size / SECTOR_SIZE;	/* a partial last sector is not shown */
	/* The serial Linux shows in /sys/block/vdX/serial: the image's name. */
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	memcpy(blk->id, base, strnlen(base, sizeof(blk->id)));
	blk->config.capacity = blk->capacity;
	/* Header and status take two descriptors of a chain. */
	blk->config.seg_max = VIRTQ_MAX_SEGS - 2;

	vdev->ops = &blk_ops;
	vdev->priv = blk;
	vdev->device_id = VIRTIO_ID_BLOCK;
	vdev->device_features = BIT64(VIRTIO_BLK_F_SEG_MAX) | BIT64(VIRTIO_BLK_F_FLUSH) |
				(read_only ? BIT64(VIRTIO_BLK_F_RO) : 0);
	vdev->config = &blk->config;
	vdev->config_len = sizeof(blk->config);
	vdev->nr_queues = 1;
	vdev->extra_fd = -1;
	snprintf(name, sizeof(name), "virtio-blk%u", instance);
	r = virtio_dev_start(vm, vdev, name);
	if (r)
		goto err_close;
	instance++;
	vmm_debug("%s: %s, %llu sectors%s", name, path,
		  (unsigned long long)blk->capacity, read_only ? ", read-only" : "");
	return 0;

err_close:
	if (blk->fd >= 0)
		close(blk->fd);
err_free:
	free(blk);
	free(vdev);
	return r;
}
