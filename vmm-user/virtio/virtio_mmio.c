// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-mmio version 2 (virtio 1.x, 4.2.2): the register window, feature
 * negotiation, the status state machine, the level-triggered interrupt
 * line, and the device thread that serves queue notifications.
 */
#define VIRTIO_MMIO_NO_LEGACY
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include "virtio_mmio.h"

#define BIT64(n)		(1ULL << (n))
#define VIRTIO_MMIO_MAGIC	0x74726976	/* "virt" */
#define VIRTIO_MMIO_MODERN	2		/* Version register: no legacy */
/* What every device offers on top of its own features. */
#define VIRTIO_TRANSPORT_FEATURES (BIT64(VIRTIO_F_VERSION_1) | \
				   BIT64(VIRTIO_RING_F_EVENT_IDX) | \
				   BIT64(VIRTIO_RING_F_INDIRECT_DESC))

/* ---- Interrupt line ------------------------------------------------------- */

static void virtio_dev_raise_locked(struct virtio_dev *vdev, uint32_t bits)
{
	if (!vdev->interrupt_status)
		vm_irq_line(vdev->vm, vdev->gsi, 1);
	vdev->interrupt_status |= bits;
}

static void virtio_dev_ack_locked(struct virtio_dev *vdev, uint32_t bits)
{
	if (!vdev->interrupt_status)
		return;
	vdev->interrupt_status &= ~bits;
	if (!vdev->interrupt_status)
		vm_irq_line(vdev->vm, vdev->gsi, 0);
}

/* ---- Queue side, for the device thread --------------------------------------- */

static void virtio_dev_wait_idle_locked(struct virtio_dev *vdev)
{
	while (vdev->busy)
		pthread_cond_wait(&vdev->idle, &vdev->lock);
}

static void virtio_dev_unbusy_locked(struct virtio_dev *vdev)
{
	if (!--vdev->busy)
		pthread_cond_broadcast(&vdev->idle);
}

static bool virtio_dev_queue_live_locked(struct virtio_dev *vdev, unsigned int q)
{
	return q < vdev->nr_queues && vdev->vqs[q].ready &&
	       (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	       !(vdev->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void virtio_dev_set_needs_reset_locked(struct virtio_dev *vdev, const char *why)
{
	if (vdev->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		return;
	/* The guest's fault, not ours: a debug message, and the spec's signal. */
	vmm_debug("%s: %s: device needs reset", vdev->name, why);
	vdev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	virtio_dev_raise_locked(vdev, VIRTIO_MMIO_INT_CONFIG);
}

void virtio_dev_set_needs_reset(struct virtio_dev *vdev, const char *why)
{
	pthread_mutex_lock(&vdev->lock);
	virtio_dev_set_needs_reset_locked(vdev, why);
	pthread_mutex_unlock(&vdev->lock);
}

int virtio_dev_pop(struct virtio_dev *vdev, unsigned int q, struct virtq_elem *elem)
{
	int r = 0;

	pthread_mutex_lock(&vdev->lock);
	if (virtio_dev_queue_live_locked(vdev, q)) {
		r = virtq_pop(&vdev->vqs[q], vdev->vm, elem);
		if (r > 0)
			vdev->busy++;
		else if (r < 0)
			virtio_dev_set_needs_reset_locked(vdev, "malformed descriptor chain");
	}
	pthread_mutex_unlock(&vdev->lock);
	return r;
}

void virtio_dev_unpop(struct virtio_dev *vdev, unsigned int q)
{
	pthread_mutex_lock(&vdev->lock);
	virtq_unpop(&vdev->vqs[q]);
	virtio_dev_unbusy_locked(vdev);
	pthread_mutex_unlock(&vdev->lock);
}

void virtio_dev_push(struct virtio_dev *vdev, unsigned int q,
		     const struct virtq_elem *elem, uint32_t len)
{
	struct virtq *vq = &vdev->vqs[q];

	pthread_mutex_lock(&vdev->lock);
	/*
	 * Reset and QueueReady=0 wait for busy to drop: the ring is still
	 * ours. A device that needs reset leaves it alone from then on.
	 */
	if (!(vdev->status & VIRTIO_CONFIG_S_NEEDS_RESET)) {
		virtq_push(vq, elem, len);
		if (virtq_need_interrupt(vq))
			virtio_dev_raise_locked(vdev, VIRTIO_MMIO_INT_VRING);
	}
	virtio_dev_unbusy_locked(vdev);
	pthread_mutex_unlock(&vdev->lock);
}

bool virtio_dev_arm_notify(struct virtio_dev *vdev, unsigned int q)
{
	bool more = false;

	pthread_mutex_lock(&vdev->lock);
	if (virtio_dev_queue_live_locked(vdev, q))
		more = virtq_arm_notify(&vdev->vqs[q]);
	pthread_mutex_unlock(&vdev->lock);
	return more;
}

void virtio_dev_process(struct virtio_dev *vdev, unsigned int q, struct virtq_elem *elem,
			uint32_t (*handle)(struct virtio_dev *vdev, struct virtq_elem *elem))
{
	int r;

	do {
		while ((r = virtio_dev_pop(vdev, q, elem)) > 0)
			virtio_dev_push(vdev, q, elem, handle(vdev, elem));
	} while (r == 0 && virtio_dev_arm_notify(vdev, q));
}

/* ---- Registers (vCPU thread) ------------------------------------------------- */

static void virtio_dev_reset_locked(struct virtio_dev *vdev)
{
	unsigned int q;

	/* The device thread may hold a chain: after reset the rings are the driver's. */
	virtio_dev_wait_idle_locked(vdev);
	for (q = 0; q < vdev->nr_queues; q++)
		virtq_reset(&vdev->vqs[q]);
	vdev->status = 0;
	vdev->driver_features = 0;
	vdev->device_features_sel = vdev->driver_features_sel = vdev->queue_sel = 0;
	virtio_dev_ack_locked(vdev, vdev->interrupt_status);
}

static bool virtio_dev_features_ok(const struct virtio_dev *vdev)
{
	return !(vdev->driver_features & ~vdev->device_features) &&
	       (vdev->driver_features & BIT64(VIRTIO_F_VERSION_1));
}

static void virtio_dev_write_status_locked(struct virtio_dev *vdev, uint32_t val)
{
	uint32_t old = vdev->status;
	unsigned int q;

	if (!val) {
		virtio_dev_reset_locked(vdev);
		return;
	}
	/* Refusing FEATURES_OK is how a device rejects a feature set (3.1.1). */
	if ((val & VIRTIO_CONFIG_S_FEATURES_OK) && !(old & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !virtio_dev_features_ok(vdev))
		val &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	vdev->status = val | (old & VIRTIO_CONFIG_S_NEEDS_RESET);
	/* Buffers (or tap packets) may have waited for DRIVER_OK. */
	if ((val & VIRTIO_CONFIG_S_DRIVER_OK) && !(old & VIRTIO_CONFIG_S_DRIVER_OK))
		for (q = 0; q < vdev->nr_queues; q++)
			eventfd_write(vdev->notify_fd[q], 1);
}

static struct virtq *virtio_dev_selected_queue(struct virtio_dev *vdev)
{
	return vdev->queue_sel < vdev->nr_queues ? &vdev->vqs[vdev->queue_sel] : NULL;
}

static void virtio_dev_write_queue_ready_locked(struct virtio_dev *vdev, struct virtq *vq,
						uint32_t val)
{
	if (!val) {
		virtio_dev_wait_idle_locked(vdev);
		vq->ready = false;
		return;
	}
	if (vq->ready)
		return;
	if (virtq_enable(vq, vdev->vm, vdev->driver_features))
		virtio_dev_set_needs_reset_locked(vdev, "bad queue size or ring address");
}

static void set_low(uint64_t *v, uint32_t val)
{
	*v = (*v & ~0xffffffffULL) | val;
}

static void set_high(uint64_t *v, uint32_t val)
{
	*v = (*v & 0xffffffffULL) | (uint64_t)val << 32;
}

static uint32_t virtio_mmio_read_reg(struct virtio_dev *vdev, uint64_t off)
{
	struct virtq *vq = virtio_dev_selected_queue(vdev);

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return VIRTIO_MMIO_MODERN;
	case VIRTIO_MMIO_DEVICE_ID:
		return vdev->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		if (vdev->device_features_sel > 1)
			return 0;
		return vdev->device_features >> (32 * vdev->device_features_sel);
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vq ? VIRTQ_MAX_SIZE : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return vq ? vq->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return vdev->interrupt_status;
	case VIRTIO_MMIO_STATUS:
		return vdev->status;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
		return 0xffffffff;	/* no shared memory regions (4.2.2) */
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return 0;		/* config space never changes */
	default:
		return 0;
	}
}

static void virtio_mmio_write_reg(struct virtio_dev *vdev, uint64_t off, uint32_t val)
{
	struct virtq *vq = virtio_dev_selected_queue(vdev);
	/* Queue layout is fixed while the queue is live (4.2.2.3). */
	struct virtq *vq_cfg = vq && !vq->ready ? vq : NULL;

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		vdev->device_features_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (vdev->driver_features_sel > 1 || (vdev->status & VIRTIO_CONFIG_S_FEATURES_OK))
			break;
		if (vdev->driver_features_sel)
			set_high(&vdev->driver_features, val);
		else
			set_low(&vdev->driver_features, val);
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		vdev->driver_features_sel = val;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		vdev->queue_sel = val;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		if (vq_cfg)
			vq_cfg->num = val > 0xffff ? 0 : val;	/* 0: rejected when enabled */
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (vq)
			virtio_dev_write_queue_ready_locked(vdev, vq, val);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		/* Reached only without KVM_IOEVENTFD (or with a bad index). */
		if (val < vdev->nr_queues)
			eventfd_write(vdev->notify_fd[val], 1);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		virtio_dev_ack_locked(vdev, val);
		break;
	case VIRTIO_MMIO_STATUS:
		virtio_dev_write_status_locked(vdev, val);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		if (vq_cfg)
			set_low(&vq_cfg->desc_gpa, val);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		if (vq_cfg)
			set_high(&vq_cfg->desc_gpa, val);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
		if (vq_cfg)
			set_low(&vq_cfg->avail_gpa, val);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		if (vq_cfg)
			set_high(&vq_cfg->avail_gpa, val);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
		if (vq_cfg)
			set_low(&vq_cfg->used_gpa, val);
		break;
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		if (vq_cfg)
			set_high(&vq_cfg->used_gpa, val);
		break;
	default:
		break;	/* read-only or unknown: ignored */
	}
}

static void virtio_mmio_trap(void *opaque, uint64_t addr, uint8_t *data,
			     uint32_t len, bool is_write)
{
	struct virtio_dev *vdev = opaque;
	uint64_t off = addr - vdev->base;
	uint32_t val = 0;

	if (off >= VIRTIO_MMIO_CONFIG) {
		uint64_t coff = off - VIRTIO_MMIO_CONFIG;

		/* Config space: any width, read-only (no writable fields offered). */
		if (!is_write) {
			memset(data, 0, len);
			if (coff < vdev->config_len && len <= vdev->config_len - coff)
				memcpy(data, (const uint8_t *)vdev->config + coff, len);
		}
		return;
	}
	/* Registers are 32 bits wide and accessed as such (4.2.2.2). */
	if (len != 4 || (off & 3)) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	pthread_mutex_lock(&vdev->lock);
	if (is_write) {
		memcpy(&val, data, sizeof(val));
		virtio_mmio_write_reg(vdev, off, val);
	} else {
		val = virtio_mmio_read_reg(vdev, off);
		memcpy(data, &val, sizeof(val));
	}
	pthread_mutex_unlock(&vdev->lock);
}

/* ---- Device thread ---------------------------------------------------------- */

static void *virtio_dev_thread(void *arg)
{
	struct virtio_dev *vdev = arg;
	struct pollfd pfd[VIRTIO_MAX_QUEUES + 2];
	unsigned int q, n;
	eventfd_t cnt;

	for (;;) {
		pfd[0] = (struct pollfd){ .fd = vdev->stop_fd, .events = POLLIN };
		for (q = 0; q < vdev->nr_queues; q++)
			pfd[1 + q] = (struct pollfd){ .fd = vdev->notify_fd[q], .events = POLLIN };
		n = 1 + vdev->nr_queues;
		if (vdev->extra_fd >= 0 && !vdev->extra_paused)
			pfd[n++] = (struct pollfd){ .fd = vdev->extra_fd, .events = POLLIN };
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			vm_request_shutdown(vdev->vm, 1, "virtio device thread: poll failed");
			break;
		}
		if (pfd[0].revents)
			break;
		for (q = 0; q < vdev->nr_queues; q++)
			if (pfd[1 + q].revents && !eventfd_read(vdev->notify_fd[q], &cnt))
				vdev->ops->queue_notify(vdev, q);
		if (n > 1 + vdev->nr_queues && pfd[n - 1].revents) {
			/* Hang-up without data would spin: stop polling it. */
			if (!(pfd[n - 1].revents & POLLIN))
				vdev->extra_paused = true;
			else if (vdev->ops->extra_ready)
				vdev->ops->extra_ready(vdev);
		}
	}
	return NULL;
}

static int virtio_dev_start_thread(struct virtio_dev *vdev)
{
	sigset_t all, old;
	int r;

	/* Signals are for the main and vCPU threads, not for device threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&vdev->thread, NULL, virtio_dev_thread, vdev);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		return -r;
	vdev->thread_running = true;
	return 0;
}

/* ---- Notifications through KVM_IOEVENTFD ------------------------------------- */

static int virtio_dev_ioeventfd(struct virtio_dev *vdev, unsigned int q, bool assign)
{
	struct kvm_ioeventfd ioe = {
		.datamatch = q,
		.addr = vdev->base + VIRTIO_MMIO_QUEUE_NOTIFY,
		.len = 4,
		.fd = vdev->notify_fd[q],
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH |
			 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};
	int fd = vm_fd(vdev->vm);

	if (fd < 0)
		return -EBADF;
	return ioctl(fd, KVM_IOEVENTFD, &ioe) ? -errno : 0;
}

static void virtio_dev_register_notify(struct virtio_dev *vdev)
{
	unsigned int q;
	int r = 0;

	for (q = 0; q < vdev->nr_queues; q++) {
		r = virtio_dev_ioeventfd(vdev, q, true);
		vdev->notify_ioeventfd[q] = !r;
	}
	vmm_debug("%s: queue notifications %s", vdev->name,
		  r ? "through the MMIO trap" : "through KVM_IOEVENTFD");
}

/* ---- Lifecycle ------------------------------------------------------------------ */

static void virtio_dev_release(struct virtio_dev *vdev)
{
	unsigned int q;

	for (q = 0; q < vdev->nr_queues; q++) {
		if (vdev->notify_ioeventfd[q])
			virtio_dev_ioeventfd(vdev, q, false);
		if (vdev->notify_fd[q] >= 0)
			close(vdev->notify_fd[q]);
	}
	if (vdev->stop_fd >= 0)
		close(vdev->stop_fd);
	pthread_cond_destroy(&vdev->idle);
	pthread_mutex_destroy(&vdev->lock);
}

static void virtio_dev_exit(struct vmm_device *dev)
{
	struct virtio_dev *vdev = (struct virtio_dev *)dev;

	if (vdev->thread_running) {
		eventfd_write(vdev->stop_fd, 1);
		pthread_join(vdev->thread, NULL);
	}
	trap_unregister(vdev->vm, TRAP_MMIO, vdev->base);
	pthread_mutex_lock(&vdev->lock);
	virtio_dev_ack_locked(vdev, vdev->interrupt_status);
	pthread_mutex_unlock(&vdev->lock);
	virtio_dev_release(vdev);
	vdev->ops->destroy(vdev);
	free(vdev);
}

int virtio_dev_start(struct vm *vm, struct virtio_dev *vdev, const char *name)
{
	unsigned int q;
	int r;

	vdev->vm = vm;
	snprintf(vdev->name, sizeof(vdev->name), "%s", name);
	vdev->dev.name = vdev->name;
	vdev->dev.exit = virtio_dev_exit;
	vdev->device_features |= VIRTIO_TRANSPORT_FEATURES;
	pthread_mutex_init(&vdev->lock, NULL);
	pthread_cond_init(&vdev->idle, NULL);
	for (q = 0; q < vdev->nr_queues; q++) {
		virtq_reset(&vdev->vqs[q]);
		vdev->notify_fd[q] = -1;
	}
	vdev->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r = vdev->stop_fd < 0 ? -errno : 0;
	for (q = 0; q < vdev->nr_queues && !r; q++) {
		vdev->notify_fd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vdev->notify_fd[q] < 0)
			r = -errno;
	}
	if (r) {
		fprintf(stderr, "hvx: %s: eventfd: %s\n", name, strerror(-r));
		goto err_release;
	}
	r = platform_alloc_virtio_mmio(vm, &vdev->base, &vdev->gsi);
	if (r) {
		fprintf(stderr, "hvx: %s: no virtio-mmio slot left: %s\n", name, strerror(-r));
		goto err_release;
	}
	r = trap_register(vm, TRAP_MMIO, vdev->base, VIRTIO_MMIO_WINDOW, virtio_mmio_trap, vdev);
	if (r) {
		fprintf(stderr, "hvx: %s: MMIO window at %#llx: %s\n", name,
			(unsigned long long)vdev->base, strerror(-r));
		goto err_release;
	}
	virtio_dev_register_notify(vdev);
	r = virtio_dev_start_thread(vdev);
	if (r) {
		fprintf(stderr, "hvx: %s: device thread: %s\n", name, strerror(-r));
		trap_unregister(vm, TRAP_MMIO, vdev->base);
		goto err_release;
	}
	vmm_debug("%s: virtio-mmio at %#llx, GSI %u", name,
		  (unsigned long long)vdev->base, vdev->gsi);
	vm_add_device(vm, &vdev->dev);
	return 0;

err_release:
	virtio_dev_release(vdev);
	return r;
}
