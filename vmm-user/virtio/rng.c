// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-rng (virtio 1.x, 5.4): fills every writable buffer the guest
 * offers with bytes from getrandom(). No config space, no features.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <linux/virtio_ids.h>
#include "virtio_mmio.h"

#define RNG_QUEUE	0

struct rng {
	struct virtq_elem elem;		/* device thread only */
};

/* Bytes written; getrandom() without flags blocks only before the host's pool is ready. */
static uint32_t rng_handle(struct virtio_dev *vdev, struct virtq_elem *elem)
{
	struct iovec *iov = virtq_elem_in(elem);
	uint32_t written = 0;
	unsigned int i;

	(void)vdev;
	for (i = 0; i < elem->in_num; i++) {
		size_t done = 0;

		while (done < iov[i].iov_len) {
			ssize_t n = getrandom((uint8_t *)iov[i].iov_base + done,
					      iov[i].iov_len - done, 0);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return written;
			done += n;
			written += n;
		}
	}
	return written;
}

static void rng_queue_notify(struct virtio_dev *vdev, unsigned int q)
{
	struct rng *rng = vdev->priv;

	if (q == RNG_QUEUE)
		virtio_dev_process(vdev, q, &rng->elem, rng_handle);
}

static void rng_destroy(struct virtio_dev *vdev)
{
	free(vdev->priv);
}

static const struct virtio_dev_ops rng_ops = {
	.queue_notify = rng_queue_notify,
	.destroy = rng_destroy,
};

int virtio_rng_create(struct vm *vm)
{
	struct virtio_dev *vdev = calloc(1, sizeof(*vdev));
	struct rng *rng = calloc(1, sizeof(*rng));
	int r;

	if (!vdev || !rng) {
		r = -ENOMEM;
		fprintf(stderr, "hvx: virtio-rng: %s\n", strerror(-r));
		goto err_free;
	}
	vdev->ops = &rng_ops;
	vdev->priv = rng;
	vdev->device_id = VIRTIO_ID_RNG;
	vdev->nr_queues = 1;
	vdev->extra_fd = -1;
	r = virtio_dev_start(vm, vdev, "virtio-rng");
	if (!r)
		return 0;
err_free:
	free(rng);
	free(vdev);
	return r;
}
