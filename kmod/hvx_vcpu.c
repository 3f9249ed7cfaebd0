// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vCPU object, its anon-inode fd and the shared kvm_run mapping.
 * Until a backend runs guests, KVM_RUN fails with -EOPNOTSUPP.
 */
#define pr_fmt(fmt) "hvx: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "hvx_core.h"

static atomic_t hvx_vcpus_alive = ATOMIC_INIT(0);

unsigned int hvx_vcpu_count(void)
{
	return atomic_read(&hvx_vcpus_alive);
}

void hvx_vcpu_free(struct hvx_vcpu *vcpu)
{
	unsigned int i;

	/* A live mapping holds its own page references; see hvx_vcpu_fault(). */
	for (i = 0; i < HVX_VCPU_MMAP_PAGES; i++)
		__free_page(vcpu->pages[i]);
	kfree(vcpu);
	atomic_dec(&hvx_vcpus_alive);
}

static vm_fault_t hvx_vcpu_fault(struct vm_fault *vmf)
{
	struct hvx_vcpu *vcpu = vmf->vma->vm_file->private_data;

	if (vmf->pgoff >= HVX_VCPU_MMAP_PAGES)
		return VM_FAULT_SIGBUS;
	vmf->page = vcpu->pages[vmf->pgoff];
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct hvx_vcpu_vm_ops = {
	.fault = hvx_vcpu_fault,
};

static int hvx_vcpu_mmap(struct file *filp, struct vm_area_struct *vma)
{
	/* Refuse up front what could only SIGBUS later. */
	if (vma->vm_pgoff >= HVX_VCPU_MMAP_PAGES ||
	    vma_pages(vma) > HVX_VCPU_MMAP_PAGES - vma->vm_pgoff)
		return -EINVAL;
	vma->vm_ops = &hvx_vcpu_vm_ops;
	return 0;
}

static int hvx_vcpu_release(struct inode *inode, struct file *filp)
{
	struct hvx_vcpu *vcpu = filp->private_data;

	hvx_vm_put(vcpu->vm);
	return 0;
}

static long hvx_vcpu_run(struct hvx_vcpu *vcpu, unsigned long arg)
{
	if (arg)
		return -EINVAL;
	/* No backend runs guests yet: documented in Documentation/api.md. */
	return -EOPNOTSUPP;
}

static long hvx_vcpu_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	struct hvx_vcpu *vcpu = filp->private_data;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;

	if (mutex_lock_killable(&vcpu->lock))
		return -EINTR;
	switch (ioctl) {
	case KVM_RUN:
		r = hvx_vcpu_run(vcpu, arg);
		break;
	default:
		r = -ENOTTY;
		break;
	}
	mutex_unlock(&vcpu->lock);
	return r;
}

static const struct file_operations hvx_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = hvx_vcpu_release,
	.unlocked_ioctl = hvx_vcpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = hvx_vcpu_mmap,
	.llseek = noop_llseek,
};

static struct hvx_vcpu *hvx_vcpu_alloc(struct hvx_vm *vm, u32 id)
{
	struct hvx_vcpu *vcpu;
	unsigned int i;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return NULL;
	for (i = 0; i < HVX_VCPU_MMAP_PAGES; i++) {
		vcpu->pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!vcpu->pages[i])
			goto err;
	}
	vcpu->vm = vm;
	vcpu->id = id;
	mutex_init(&vcpu->lock);
	atomic_inc(&hvx_vcpus_alive);
	return vcpu;
err:
	while (i--)
		__free_page(vcpu->pages[i]);
	kfree(vcpu);
	return NULL;
}

static bool hvx_vcpu_id_taken(struct hvx_vm *vm, u32 id)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i]->id == id)
			return true;
	return false;
}

int hvx_vcpu_create(struct hvx_vm *vm, unsigned long id)
{
	struct hvx_vcpu *vcpu;
	struct file *file;
	int fd, r;

	if (id >= HVX_MAX_VCPU_IDS)
		return -EINVAL;

	mutex_lock(&vm->lock);
	if (vm->nr_vcpus >= HVX_MAX_VCPUS) {
		r = -EINVAL;
		goto out;
	}
	if (hvx_vcpu_id_taken(vm, id)) {
		r = -EEXIST;
		goto out;
	}
	vcpu = hvx_vcpu_alloc(vm, id);
	if (!vcpu) {
		r = -ENOMEM;
		goto out;
	}
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto err_free;
	}
	file = anon_inode_getfile("hvx-vcpu", &hvx_vcpu_fops, vcpu, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		r = PTR_ERR(file);
		goto err_free;
	}
	/* The vCPU fd keeps the VM alive; the VM frees the vCPU. */
	kref_get(&vm->ref);
	vm->vcpus[vm->nr_vcpus++] = vcpu;
	fd_install(fd, file);
	r = fd;
	goto out;

err_free:
	hvx_vcpu_free(vcpu);
out:
	mutex_unlock(&vm->lock);
	return r;
}
