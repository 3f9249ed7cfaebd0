// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_IRQFD: an eventfd whose signal raises a GSI (an edge: raise then
 * lower), or, with KVM_IRQFD_FLAG_RESAMPLE, holds it high until the guest
 * EOIs the level-triggered interrupt, when the line is lowered and the
 * resamplefd is signalled so the VMM can re-check its device.
 *
 * KVM_IOEVENTFD: a guest write to a port or guest-physical address
 * (optionally only with a given value) signals an eventfd from the exit
 * handler, without a return to userspace.
 *
 * The irqfd is woken from eventfd_signal() with the eventfd's wait-queue
 * lock held and interrupts off; it injects there directly, since every
 * device lock is an irqsave spinlock. When the eventfd is closed (EPOLLHUP)
 * the irqfd is detached at once and freed by the next KVM_IRQFD or with
 * the VM.
 */
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "irqchip.h"

struct hvx_irqfd {
	struct hvx_vm *vm;
	struct eventfd_ctx *eventfd;
	struct eventfd_ctx *resamplefd;	/* NULL: edge mode */
	u32 gsi;
	wait_queue_entry_t wait;
	wait_queue_head_t *wqh;
	poll_table pt;
	bool detached;			/* EPOLLHUP: off the wait queue */
	struct list_head link;		/* irqchip->irqfds, irqchip->lock */
	struct list_head resample_link;	/* RCU list walked on EOI */
};

struct hvx_ioeventfd {
	struct hvx_io_dev dev;
	struct list_head link;		/* irqchip->ioeventfds */
	struct eventfd_ctx *eventfd;
	enum hvx_bus bus;
	u64 addr;
	u32 len;			/* 0: any length */
	bool wildcard;			/* no datamatch */
	u64 datamatch;
};

/* ---- irqfd ----------------------------------------------------------------- */

static int hvx_irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync, void *key)
{
	struct hvx_irqfd *irqfd = container_of(wait, struct hvx_irqfd, wait);
	__poll_t flags = key_to_poll(key);
	u64 cnt;

	if (flags & EPOLLIN) {
		eventfd_ctx_do_read(irqfd->eventfd, &cnt);
		hvx_irq_set(irqfd->vm, irqfd->gsi, 1);
		if (!irqfd->resamplefd)
			hvx_irq_set(irqfd->vm, irqfd->gsi, 0);
	}
	if (flags & EPOLLHUP) {
		/* The wait-queue lock is held: unhook ourselves. */
		list_del_init(&wait->entry);
		WRITE_ONCE(irqfd->detached, true);
	}
	return 0;
}

static void hvx_irqfd_ptable_queue(struct file *file, wait_queue_head_t *wqh, poll_table *pt)
{
	struct hvx_irqfd *irqfd = container_of(pt, struct hvx_irqfd, pt);

	irqfd->wqh = wqh;
	add_wait_queue(wqh, &irqfd->wait);
}

/* irqchip->lock held: unhook, unlink and free. */
static void hvx_irqfd_free(struct hvx_irqfd *irqfd)
{
	u64 cnt;

	if (irqfd->wqh)
		eventfd_ctx_remove_wait_queue(irqfd->eventfd, &irqfd->wait, &cnt);
	list_del(&irqfd->link);
	if (irqfd->resamplefd) {
		list_del_rcu(&irqfd->resample_link);
		synchronize_rcu();	/* no EOI still walks to it */
		eventfd_ctx_put(irqfd->resamplefd);
	}
	eventfd_ctx_put(irqfd->eventfd);
	kfree(irqfd);
}

/* irqchip->lock held: free irqfds whose eventfd was closed. */
static void hvx_irqfd_reap(struct hvx_irqchip *ic)
{
	struct hvx_irqfd *irqfd, *tmp;

	list_for_each_entry_safe(irqfd, tmp, &ic->irqfds, link)
		if (READ_ONCE(irqfd->detached))
			hvx_irqfd_free(irqfd);
}

void hvx_irqfd_resample(struct hvx_vm *vm, u32 gsi)
{
	struct hvx_irqchip *ic = vm->irqchip;
	struct hvx_irqfd *irqfd;
	bool lowered = false;

	rcu_read_lock();
	list_for_each_entry_rcu(irqfd, &ic->resamplers, resample_link) {
		if (irqfd->gsi != gsi)
			continue;
		if (!lowered) {
			hvx_irq_set(vm, gsi, 0);
			lowered = true;
		}
		hvx_eventfd_signal(irqfd->resamplefd);
	}
	rcu_read_unlock();
}

static long hvx_irqfd_assign(struct hvx_vm *vm, const struct kvm_irqfd *args)
{
	struct hvx_irqchip *ic = vm->irqchip;
	struct hvx_irqfd *irqfd, *tmp;
	struct file *file;
	__poll_t events;
	long r;

	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT);
	if (!irqfd)
		return -ENOMEM;
	irqfd->vm = vm;
	irqfd->gsi = args->gsi;
	INIT_LIST_HEAD(&irqfd->resample_link);
	file = fget(args->fd);
	r = -EBADF;
	if (!file)
		goto err_free;
	irqfd->eventfd = eventfd_ctx_fileget(file);
	if (IS_ERR(irqfd->eventfd)) {
		r = PTR_ERR(irqfd->eventfd);
		goto err_fput;
	}
	if (args->flags & KVM_IRQFD_FLAG_RESAMPLE) {
		irqfd->resamplefd = eventfd_ctx_fdget(args->resamplefd);
		if (IS_ERR(irqfd->resamplefd)) {
			r = PTR_ERR(irqfd->resamplefd);
			irqfd->resamplefd = NULL;
			goto err_put;
		}
	}
	init_waitqueue_func_entry(&irqfd->wait, hvx_irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, hvx_irqfd_ptable_queue);

	mutex_lock(&ic->lock);
	hvx_irqfd_reap(ic);
	list_for_each_entry(tmp, &ic->irqfds, link) {
		if (tmp->eventfd == irqfd->eventfd) {
			mutex_unlock(&ic->lock);
			r = -EBUSY;	/* one eventfd drives one GSI */
			goto err_put;
		}
	}
	list_add_tail(&irqfd->link, &ic->irqfds);
	if (irqfd->resamplefd)
		list_add_tail_rcu(&irqfd->resample_link, &ic->resamplers);
	/* Hook onto the eventfd; a signal that came before counts too. */
	events = vfs_poll(file, &irqfd->pt);
	if (events & EPOLLIN) {
		u64 cnt;
		unsigned long flags;

		spin_lock_irqsave(&irqfd->wqh->lock, flags);
		eventfd_ctx_do_read(irqfd->eventfd, &cnt);
		spin_unlock_irqrestore(&irqfd->wqh->lock, flags);
		hvx_irq_set(vm, irqfd->gsi, 1);
		if (!irqfd->resamplefd)
			hvx_irq_set(vm, irqfd->gsi, 0);
	}
	mutex_unlock(&ic->lock);
	fput(file);
	return 0;

err_put:
	if (irqfd->resamplefd)
		eventfd_ctx_put(irqfd->resamplefd);
	eventfd_ctx_put(irqfd->eventfd);
err_fput:
	fput(file);
err_free:
	kfree(irqfd);
	return r;
}

static long hvx_irqfd_deassign(struct hvx_vm *vm, const struct kvm_irqfd *args)
{
	struct hvx_irqchip *ic = vm->irqchip;
	struct hvx_irqfd *irqfd, *tmp;
	struct eventfd_ctx *eventfd;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);
	mutex_lock(&ic->lock);
	hvx_irqfd_reap(ic);
	/* KVM: deassigning an irqfd that does not exist succeeds. */
	list_for_each_entry_safe(irqfd, tmp, &ic->irqfds, link)
		if (irqfd->eventfd == eventfd && irqfd->gsi == args->gsi)
			hvx_irqfd_free(irqfd);
	mutex_unlock(&ic->lock);
	eventfd_ctx_put(eventfd);
	return 0;
}

long hvx_irqfd_ioctl(struct hvx_vm *vm, void __user *argp)
{
	struct kvm_irqfd args;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE))
		return -EINVAL;
	if (args.flags & KVM_IRQFD_FLAG_DEASSIGN)
		return vm->irqchip ? hvx_irqfd_deassign(vm, &args) : 0;
	/* KVM: irqfds need the in-kernel irqchip. */
	if (!hvx_irqchip_in_kernel(vm))
		return -EINVAL;
	return hvx_irqfd_assign(vm, &args);
}

/* ---- ioeventfd --------------------------------------------------------------- */

static int hvx_ioeventfd_write(struct hvx_io_dev *dev, struct hvx_vcpu *vcpu, u64 addr,
			       unsigned int len, const void *val)
{
	struct hvx_ioeventfd *p = container_of(dev, struct hvx_ioeventfd, dev);
	u64 v;

	if (addr != p->addr || (p->len && len != p->len))
		return -EOPNOTSUPP;
	if (!p->wildcard) {
		switch (len) {
		case 1: v = *(const u8 *)val; break;
		case 2: v = *(const u16 *)val; break;
		case 4: v = *(const u32 *)val; break;
		case 8: v = *(const u64 *)val; break;
		default: return -EOPNOTSUPP;
		}
		if (v != p->datamatch)
			return -EOPNOTSUPP;
	}
	hvx_eventfd_signal(p->eventfd);
	return 0;
}

static const struct hvx_io_ops hvx_ioeventfd_ops = {
	.write = hvx_ioeventfd_write,
};

/* KVM's collision rule: same bus and address, and lengths or matches overlap. */
static bool hvx_ioeventfd_collides(struct hvx_irqchip *ic, const struct hvx_ioeventfd *p)
{
	struct hvx_ioeventfd *q;

	list_for_each_entry(q, &ic->ioeventfds, link)
		if (q->bus == p->bus && q->addr == p->addr &&
		    (!q->len || !p->len ||
		     (q->len == p->len && (q->wildcard || p->wildcard ||
					   q->datamatch == p->datamatch))))
			return true;
	return false;
}

static long hvx_ioeventfd_assign(struct hvx_vm *vm, const struct kvm_ioeventfd *args)
{
	struct hvx_irqchip *ic = hvx_irqchip_get(vm);
	struct hvx_ioeventfd *p;
	long r;

	if (!ic)
		return -ENOMEM;
	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(p->eventfd)) {
		r = PTR_ERR(p->eventfd);
		kfree(p);
		return r;
	}
	p->bus = args->flags & KVM_IOEVENTFD_FLAG_PIO ? HVX_BUS_PIO : HVX_BUS_MMIO;
	p->addr = args->addr;
	p->len = args->len;
	p->wildcard = !(args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);
	p->datamatch = args->datamatch;
	p->dev = (struct hvx_io_dev){ &hvx_ioeventfd_ops, p->addr, p->len };

	mutex_lock(&ic->lock);
	r = -EEXIST;
	if (hvx_ioeventfd_collides(ic, p))
		goto err_unlock;
	r = hvx_io_bus_register(vm, p->bus, &p->dev);
	if (r)
		goto err_unlock;
	list_add_tail(&p->link, &ic->ioeventfds);
	mutex_unlock(&ic->lock);
	return 0;

err_unlock:
	mutex_unlock(&ic->lock);
	eventfd_ctx_put(p->eventfd);
	kfree(p);
	return r;
}

static long hvx_ioeventfd_deassign(struct hvx_vm *vm, const struct kvm_ioeventfd *args)
{
	struct hvx_irqchip *ic = vm->irqchip;
	enum hvx_bus bus = args->flags & KVM_IOEVENTFD_FLAG_PIO ? HVX_BUS_PIO : HVX_BUS_MMIO;
	bool wildcard = !(args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);
	struct eventfd_ctx *eventfd;
	struct hvx_ioeventfd *p;
	long r = -ENOENT;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);
	if (!ic)
		goto out;
	mutex_lock(&ic->lock);
	list_for_each_entry(p, &ic->ioeventfds, link) {
		if (p->bus != bus || p->eventfd != eventfd || p->addr != args->addr ||
		    p->len != args->len || p->wildcard != wildcard ||
		    (!wildcard && p->datamatch != args->datamatch))
			continue;
		hvx_io_bus_unregister(vm, bus, &p->dev);
		list_del(&p->link);
		eventfd_ctx_put(p->eventfd);
		kfree(p);
		r = 0;
		break;
	}
	mutex_unlock(&ic->lock);
out:
	eventfd_ctx_put(eventfd);
	return r;
}

long hvx_ioeventfd_ioctl(struct hvx_vm *vm, void __user *argp)
{
	struct kvm_ioeventfd args;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	/* In KVM's order of checks. */
	switch (args.len) {
	case 0: case 1: case 2: case 4: case 8:
		break;
	default:
		return -EINVAL;
	}
	if (args.addr + args.len < args.addr)
		return -EINVAL;
	if (args.flags & ~(KVM_IOEVENTFD_FLAG_DATAMATCH | KVM_IOEVENTFD_FLAG_PIO |
			   KVM_IOEVENTFD_FLAG_DEASSIGN))
		return -EINVAL;
	if (!args.len && (args.flags & KVM_IOEVENTFD_FLAG_DATAMATCH))
		return -EINVAL;
	if (args.flags & KVM_IOEVENTFD_FLAG_DEASSIGN)
		return hvx_ioeventfd_deassign(vm, &args);
	return hvx_ioeventfd_assign(vm, &args);
}

/* ---- VM teardown -------------------------------------------------------------- */

/* irqchip->lock held; no vCPU runs any more. */
void hvx_eventfds_destroy(struct hvx_vm *vm)
{
	struct hvx_irqchip *ic = vm->irqchip;
	struct hvx_irqfd *irqfd, *itmp;
	struct hvx_ioeventfd *p, *ptmp;

	list_for_each_entry_safe(irqfd, itmp, &ic->irqfds, link)
		hvx_irqfd_free(irqfd);
	list_for_each_entry_safe(p, ptmp, &ic->ioeventfds, link) {
		list_del(&p->link);
		eventfd_ctx_put(p->eventfd);
		kfree(p);
	}
}
