// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-net (virtio 1.x, 5.1) on a packet fd: the tap hvx creates
 * (net/tap.c), or a datagram socket in the unit tests. No offloads: every
 * frame carries a zero virtio_net_hdr_v1 (12 bytes, num_buffers = 1)
 * that the device adds on RX and strips on TX. Queue 0 is receiveq1,
 * queue 1 transmitq1; RX runs on the device thread when the fd is
 * readable and the guest has buffers posted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include "virtio_mmio.h"
#include "../net/tap.h"

#define BIT64(n)	(1ULL << (n))
#define NET_RX_QUEUE	0
#define NET_TX_QUEUE	1
/* RX frames per wake-up, so a flood cannot starve TX on the same thread. */
#define NET_RX_BATCH	64

struct net {
	int fd;
	struct virtio_net_config config;
	struct virtq_elem elem;			/* device thread only */
	struct iovec frame[VIRTQ_MAX_SEGS];	/* device thread only */
};

static uint32_t net_tx(struct virtio_dev *vdev, struct virtq_elem *elem)
{
	struct net *net = vdev->priv;
	const size_t hdr = sizeof(struct virtio_net_hdr_v1);
	unsigned int cnt;

	if (elem->out_len <= hdr)
		return 0;	/* nothing after the header: nothing to send */
	cnt = iov_slice(elem->iov, elem->out_num, hdr, elem->out_len - hdr,
			net->frame, VIRTQ_MAX_SEGS);
	/* A full tap drops the frame, as a NIC with a full queue would. */
	while (writev(net->fd, net->frame, cnt) < 0 && errno == EINTR)
		;
	return 0;
}

/* One frame from the fd into one receive buffer: 1 done, 0 stop for now. */
static int net_rx_one(struct virtio_dev *vdev)
{
	struct net *net = vdev->priv;
	struct virtq_elem *elem = &net->elem;
	const size_t hdr_len = sizeof(struct virtio_net_hdr_v1);
	struct virtio_net_hdr_v1 hdr = { .num_buffers = 1 };
	unsigned int cnt;
	ssize_t n;

	if (virtio_dev_pop(vdev, NET_RX_QUEUE, elem) <= 0) {
		/* No buffer posted: leave the frames queued in the tap. */
		vdev->extra_paused = true;
		return 0;
	}
	if (elem->in_len <= hdr_len) {
		virtio_dev_push(vdev, NET_RX_QUEUE, elem, 0);
		virtio_dev_set_needs_reset(vdev, "receive buffer smaller than the header");
		return 0;
	}
	cnt = iov_slice(virtq_elem_in(elem), elem->in_num, hdr_len, elem->in_len - hdr_len,
			net->frame, VIRTQ_MAX_SEGS);
	do
		n = readv(net->fd, net->frame, cnt);	/* a frame too long is cut */
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		virtio_dev_unpop(vdev, NET_RX_QUEUE);
		return 0;
	}
	iov_from_buf(virtq_elem_in(elem), elem->in_num, 0, &hdr, hdr_len);
	virtio_dev_push(vdev, NET_RX_QUEUE, elem, hdr_len + n);
	return 1;
}

static void net_rx(struct virtio_dev *vdev)
{
	unsigned int i;

	for (i = 0; i < NET_RX_BATCH && net_rx_one(vdev); i++)
		;
}

static void net_queue_notify(struct virtio_dev *vdev, unsigned int q)
{
	struct net *net = vdev->priv;

	if (q == NET_RX_QUEUE) {
		vdev->extra_paused = false;	/* buffers posted: poll the fd again */
		net_rx(vdev);
	} else if (q == NET_TX_QUEUE) {
		virtio_dev_process(vdev, q, &net->elem, net_tx);
	}
}

static void net_destroy(struct virtio_dev *vdev)
{
	struct net *net = vdev->priv;

	/* The last close of a tap hvx created removes the interface. */
	close(net->fd);
	free(net);
}

static const struct virtio_dev_ops net_ops = {
	.queue_notify = net_queue_notify,
	.extra_ready = net_rx,
	.destroy = net_destroy,
};

/* Takes @fd: closed on error and when the device exits. */
int virtio_net_create_fd(struct vm *vm, int fd, const char *name)
{
	static unsigned int instance;
	struct virtio_dev *vdev = calloc(1, sizeof(*vdev));
	struct net *net = calloc(1, sizeof(*net));
	char devname[32];
	int r;

	if (!vdev || !net) {
		r = -ENOMEM;
		fprintf(stderr, "hvx: virtio-net: %s\n", strerror(-r));
		goto err_free;
	}
	net->fd = fd;
	/* Locally administered, "hvx", then the instance. */
	memcpy(net->config.mac, (uint8_t[]){ 0x02, 0x68, 0x76, 0x78, 0x00, instance & 0xff },
	       sizeof(net->config.mac));
	net->config.status = VIRTIO_NET_S_LINK_UP;
	vdev->ops = &net_ops;
	vdev->priv = net;
	vdev->device_id = VIRTIO_ID_NET;
	vdev->device_features = BIT64(VIRTIO_NET_F_MAC) | BIT64(VIRTIO_NET_F_STATUS);
	vdev->config = &net->config;
	vdev->config_len = sizeof(net->config);
	vdev->nr_queues = 2;
	vdev->extra_fd = fd;
	/* Until the driver posts RX buffers there is nowhere to put frames. */
	vdev->extra_paused = true;
	snprintf(devname, sizeof(devname), "virtio-net%u", instance);
	r = virtio_dev_start(vm, vdev, devname);
	if (r)
		goto err_free;
	vmm_debug("%s: on %s", devname, name);
	instance++;
	return 0;

err_free:
	close(fd);
	free(net);
	free(vdev);
	return r;
}

int virtio_net_create(struct vm *vm, const char *tap_name)
{
	char ifname[TAP_NAME_MAX];
	int fd;

	fd = tap_create(tap_name, ifname);
	if (fd < 0)
		return fd;
	return virtio_net_create_fd(vm, fd, ifname);
}
