// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-console (virtio 1.x, 5.3), port 0 only (no MULTIPORT): what the
 * guest writes to /dev/hvc0 goes to an output fd (stdout for `hvx run`),
 * what arrives on an input fd (for `hvx run --console virtio`, a pipe the
 * console loop fills from stdin; none otherwise) is offered to the guest. Queue 0
 * is port 0's receiveq, queue 1 its transmitq.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>
#include "virtio_mmio.h"

#define CONSOLE_RX_QUEUE	0
#define CONSOLE_TX_QUEUE	1

struct console {
	int out_fd;				/* not ours: never closed */
	struct virtio_console_config config;	/* all zero: no size, one port */
	struct virtq_elem elem;			/* device thread only */
};

/* All of @iov to @fd, waiting when it is non-blocking and full. */
static int write_all(int fd, struct iovec *iov, unsigned int cnt)
{
	while (cnt) {
		ssize_t n = writev(fd, iov, cnt);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			poll(&pfd, 1, -1);
			continue;
		}
		if (n < 0)
			return -errno;
		while (cnt && (size_t)n >= iov->iov_len) {
			n -= iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= n;
		}
	}
	return 0;
}

static uint32_t console_tx(struct virtio_dev *vdev, struct virtq_elem *elem)
{
	struct console *con = vdev->priv;

	/* A closed stdout loses the guest's output, nothing else. */
	write_all(con->out_fd, elem->iov, elem->out_num);
	return 0;
}

/* Input is readable: fill one receive buffer per read. */
static void console_rx(struct virtio_dev *vdev)
{
	struct console *con = vdev->priv;
	ssize_t n;
	int r;

	r = virtio_dev_pop(vdev, CONSOLE_RX_QUEUE, &con->elem);
	if (r <= 0) {
		/* No buffer: stop polling the input until the guest adds one. */
		vdev->extra_paused = true;
		return;
	}
	n = readv(vdev->extra_fd, virtq_elem_in(&con->elem), con->elem.in_num);
	if (n > 0) {
		virtio_dev_push(vdev, CONSOLE_RX_QUEUE, &con->elem, n);
		return;
	}
	virtio_dev_unpop(vdev, CONSOLE_RX_QUEUE);
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		vdev->extra_fd = -1;	/* end of input: the guest sees none again */
}

static void console_queue_notify(struct virtio_dev *vdev, unsigned int q)
{
	struct console *con = vdev->priv;

	if (q == CONSOLE_RX_QUEUE)
		vdev->extra_paused = false;
	else if (q == CONSOLE_TX_QUEUE)
		virtio_dev_process(vdev, q, &con->elem, console_tx);
}

static void console_destroy(struct virtio_dev *vdev)
{
	free(vdev->priv);
}

static const struct virtio_dev_ops console_ops = {
	.queue_notify = console_queue_notify,
	.extra_ready = console_rx,
	.destroy = console_destroy,
};

int virtio_console_create(struct vm *vm, int in_fd, int out_fd)
{
	struct virtio_dev *vdev = calloc(1, sizeof(*vdev));
	struct console *con = calloc(1, sizeof(*con));
	int r;

	if (!vdev || !con) {
		r = -ENOMEM;
		fprintf(stderr, "hvx: virtio-console: %s\n", strerror(-r));
		goto err_free;
	}
	con->out_fd = out_fd;
	vdev->ops = &console_ops;
	vdev->priv = con;
	vdev->device_id = VIRTIO_ID_CONSOLE;
	vdev->config = &con->config;
	vdev->config_len = sizeof(con->config);
	vdev->nr_queues = 2;
	vdev->extra_fd = in_fd;
	r = virtio_dev_start(vm, vdev, "virtio-console");
	if (!r)
		return 0;
err_free:
	free(con);
	free(vdev);
	return r;
}
