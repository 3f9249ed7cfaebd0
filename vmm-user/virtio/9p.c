// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-9p (virtio 1.x, 5.x "9P transport"): one host directory served
 * to the guest with 9P2000.L (vmm-user/p9/), found by its mount tag
 * (VIRTIO_9P_MOUNT_TAG: the tag in config space):
 *
 *	mount -t 9p -o trans=virtio,version=9p2000.L TAG /mnt
 *
 * One request queue. Each chain carries one T-message in its readable
 * part and room for the R-message in its writable part; Linux's
 * zero-copy requests split both over several buffers (header, then the
 * user's pages), so both are treated as byte streams. Requests are
 * served in order on the device thread; none waits on another.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <linux/virtio_9p.h>
#include <linux/virtio_ids.h>
#include "virtio_mmio.h"
#include "../p9/p9_server.h"

#define BIT64(n)	(1ULL << (n))
#define P9_QUEUE	0

struct p9dev {
	struct p9_server srv;		/* device thread only */
	uint8_t *req, *resp;		/* P9_MAX_MSIZE each */
	struct virtq_elem elem;		/* device thread only */
	size_t config_len;
	uint8_t config[];		/* struct virtio_9p_config: tag_len, tag */
};

static uint32_t p9dev_handle(struct virtio_dev *vdev, struct virtq_elem *elem)
{
	struct p9dev *d = vdev->priv;
	size_t req_len, cap, n;

	req_len = iov_to_buf(elem->iov, elem->out_num, 0, d->req, P9_MAX_MSIZE);
	cap = elem->in_len < P9_MAX_MSIZE ? elem->in_len : P9_MAX_MSIZE;
	n = p9_server_handle(&d->srv, d->req, req_len, d->resp, cap);
	if (!n) {
		virtio_dev_set_needs_reset(vdev, "9p request without room for a reply");
		return 0;
	}
	iov_from_buf(virtq_elem_in(elem), elem->in_num, 0, d->resp, n);
	return n;
}

static void p9dev_queue_notify(struct virtio_dev *vdev, unsigned int q)
{
	struct p9dev *d = vdev->priv;

	if (q == P9_QUEUE)
		virtio_dev_process(vdev, q, &d->elem, p9dev_handle);
}

static void p9dev_free(struct p9dev *d)
{
	if (!d)
		return;
	p9_server_destroy(&d->srv);
	free(d->req);
	free(d->resp);
	free(d);
}

static void p9dev_destroy(struct virtio_dev *vdev)
{
	p9dev_free(vdev->priv);
}

static const struct virtio_dev_ops p9dev_ops = {
	.queue_notify = p9dev_queue_notify,
	.destroy = p9dev_destroy,
};

/*
 * Every fid is a host descriptor, and Linux's client keeps one per cached
 * dentry: a guest walking a source tree holds thousands. Take the hard
 * limit of descriptors as the soft one (once; failing that, fids past it
 * get EMFILE).
 */
static void p9dev_raise_fd_limit(void)
{
	static bool done;
	struct rlimit rl;

	if (done || getrlimit(RLIMIT_NOFILE, &rl))
		return;
	done = true;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			vmm_debug("virtio-9p: cannot raise the descriptor limit: %s", strerror(errno));
	}
}

bool virtio_9p_tag_ok(const char *tag)
{
	size_t len = strlen(tag), i;

	if (!len || len > VIRTIO_9P_TAG_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)tag[i]) && !strchr("._-", tag[i]))
			return false;
	return true;
}

int virtio_9p_create(struct vm *vm, const char *dir, const char *tag, bool read_only)
{
	static unsigned int instance;
	size_t tag_len = strlen(tag);
	struct virtio_dev *vdev;
	struct p9dev *d = NULL;
	uint16_t len16;
	char name[32];
	int r;

	if (!virtio_9p_tag_ok(tag)) {
		fprintf(stderr, "hvx: %s: bad 9p mount tag '%s'\n", dir, tag);
		return -EINVAL;
	}
	vdev = calloc(1, sizeof(*vdev));
	d = calloc(1, sizeof(*d) + sizeof(len16) + tag_len);
	if (!vdev || !d) {
		r = -ENOMEM;
		fprintf(stderr, "hvx: virtio-9p: %s\n", strerror(-r));
		free(d);
		free(vdev);
		return r;
	}
	p9dev_raise_fd_limit();
	d->srv.root_fd = -1;
	r = p9_server_init(&d->srv, dir, read_only);
	if (r) {
		fprintf(stderr, "hvx: %s: %s\n", dir,
			r == -EPERM ? "a kernel pseudo filesystem cannot be shared" : strerror(-r));
		goto err;
	}
	d->req = malloc(P9_MAX_MSIZE);
	d->resp = malloc(P9_MAX_MSIZE);
	if (!d->req || !d->resp) {
		r = -ENOMEM;
		fprintf(stderr, "hvx: virtio-9p: %s\n", strerror(-r));
		goto err;
	}
	len16 = tag_len;
	memcpy(d->config, &len16, sizeof(len16));
	memcpy(d->config + sizeof(len16), tag, tag_len);
	d->config_len = sizeof(len16) + tag_len;

	vdev->ops = &p9dev_ops;
	vdev->priv = d;
	vdev->device_id = VIRTIO_ID_9P;
	vdev->device_features = BIT64(VIRTIO_9P_MOUNT_TAG);
	vdev->config = d->config;
	vdev->config_len = d->config_len;
	vdev->nr_queues = 1;
	vdev->extra_fd = -1;
	snprintf(name, sizeof(name), "virtio-9p%u", instance);
	r = virtio_dev_start(vm, vdev, name);
	if (r)
		goto err;
	instance++;
	vmm_debug("%s: %s as '%s'%s", name, dir, tag, read_only ? ", read-only" : "");
	return 0;
err:
	p9dev_free(d);
	free(vdev);
	return r;
}
