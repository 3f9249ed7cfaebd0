// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vCPU object, its anon-inode fd, the shared kvm_run mapping and the
 * ioctl dispatch to KVM_RUN (hvx_run.c) and the state ioctls (hvx_state.c).
 */
#define pr_fmt(fmt) "hvx: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include "hvx_core.h"
#include "hvx_exit.h"
#include "hvx_irq.h"
#include "shadow.h"


static atomic_t hvx_vcpus_alive = ATOMIC_INIT(0);

unsigned int hvx_vcpu_count(void)
{
	return atomic_read(&hvx_vcpus_alive);
}

void hvx_vcpu_free(struct hvx_vcpu *vcpu)
{
	unsigned int i;

	if (vcpu->lapic)
		hvx_lapic_free(vcpu);
	if (vcpu->arch)
		hvx_arch->vcpu_free(vcpu);
	if (vcpu->shadow)
		hvx_shadow_vcpu_destroy(vcpu);
	if (vcpu->fpu.fpstate)
		fpu_free_guest_fpstate(&vcpu->fpu);
	kvfree(vcpu->x86.cpuid);
	/* A live mapping holds its own page references; see hvx_vcpu_fault(). */
	for (i = 0; i < HVX_VCPU_MMAP_PAGES; i++)
		__free_page(vcpu->pages[i]);
	kfree(vcpu);
	atomic_dec(&hvx_vcpus_alive);
}

static vm_fault_t hvx_vcpu_fault(struct vm_fault *vmf)
{
	struct hvx_vcpu *vcpu = vmf->vma->vm_file->private_data;

	if (vmf->pgoff == HVX_VCPU_COALESCED_PAGE)
		vmf->page = vcpu->vm->coalesced_ring;
	else if (vmf->pgoff < HVX_VCPU_MMAP_PAGES)
		vmf->page = vcpu->pages[vmf->pgoff];
	else
		return VM_FAULT_SIGBUS;
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct hvx_vcpu_vm_ops = {
	.fault = hvx_vcpu_fault,
};

static int hvx_vcpu_mmap(struct file *filp, struct vm_area_struct *vma)
{
	/* Refuse up front what could only SIGBUS later. */
	if (vma->vm_pgoff >= HVX_VCPU_MMAP_SIZE / PAGE_SIZE ||
	    vma_pages(vma) > HVX_VCPU_MMAP_SIZE / PAGE_SIZE - vma->vm_pgoff)
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


/*
 * KVM_SET_SIGNAL_MASK: the signals blocked while this vCPU is in KVM_RUN
 * (NULL: the thread's own mask), so a VMM can keep signals blocked in its
 * own code and let one interrupt the guest, as KVM. SIGKILL and SIGSTOP
 * are never blocked.
 */
static long hvx_vcpu_set_signal_mask(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_signal_mask __user *user = argp;
	struct kvm_signal_mask head;
	sigset_t set;

	if (!argp) {
		vcpu->sigset_active = false;
		return 0;
	}
	if (copy_from_user(&head, user, sizeof(head)))
		return -EFAULT;
	if (head.len != sizeof(set))
		return -EINVAL;
	if (copy_from_user(&set, user->sigset, sizeof(set)))
		return -EFAULT;
	sigdelsetmask(&set, sigmask(SIGKILL) | sigmask(SIGSTOP));
	vcpu->sigset = set;
	vcpu->sigset_active = true;
	return 0;
}

/*
 * KVM's swap: ->real_blocked holds the thread's mask while the vCPU's is
 * in force; only this thread changes it, and readers only need it to be a
 * subset of ->blocked.
 */
static long hvx_vcpu_run_with_sigmask(struct hvx_vcpu *vcpu)
{
	long r;

	if (!vcpu->sigset_active)
		return hvx_vcpu_run(vcpu);
	sigprocmask(SIG_SETMASK, &vcpu->sigset, &current->real_blocked);
	r = hvx_vcpu_run(vcpu);
	sigprocmask(SIG_SETMASK, &current->real_blocked, NULL);
	sigemptyset(&current->real_blocked);
	return r;
}

static long hvx_vcpu_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	struct hvx_vcpu *vcpu = filp->private_data;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;

	if (mutex_lock_killable(&vcpu->lock))
		return -EINTR;
	if (ioctl == KVM_RUN) {
		r = arg ? -EINVAL : hvx_vcpu_run_with_sigmask(vcpu);
	} else if (ioctl == KVM_SET_SIGNAL_MASK) {
		r = hvx_vcpu_set_signal_mask(vcpu, (void __user *)arg);
	} else if (ioctl == KVM_ENABLE_CAP) {
		r = hvx_vcpu_enable_cap(vcpu, (void __user *)arg);
	} else if (ioctl == KVM_GET_STATS_FD) {
		r = hvx_vcpu_get_stats_fd(vcpu);
	} else if (ioctl == KVM_HAS_DEVICE_ATTR || ioctl == KVM_GET_DEVICE_ATTR ||
		   ioctl == KVM_SET_DEVICE_ATTR) {
		r = hvx_vcpu_device_attr(vcpu, ioctl, (void __user *)arg);
	} else {
		hvx_vcpu_ioctl_fn fn = hvx_vcpu_state_ioctl(ioctl);

		r = fn ? fn(vcpu, (void __user *)arg) : -ENOTTY;
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
	int r;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < HVX_VCPU_MMAP_PAGES; i++) {
		vcpu->pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!vcpu->pages[i])
			goto err;
	}
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->cpu = -1;
	mutex_init(&vcpu->lock);
	/* MSR state that, as in KVM, a vCPU has from creation, not from RESET. */
	hvx_mce_vcpu_init(vcpu);
	hvx_msr_model_vcpu_init(vcpu);
	hvx_event_vcpu_init(vcpu);
	atomic_inc(&hvx_vcpus_alive);
	r = fpu_alloc_guest_fpstate(&vcpu->fpu) ? 0 : -ENOMEM;
	if (!r && hvx_shadow_enabled())
		r = hvx_shadow_vcpu_init(vcpu);
	if (!r)
		r = hvx_arch->vcpu_create(vcpu);
	if (!r)
		hvx_pv_vcpu_init(vcpu);
	/* After the backend's reset: the LAPIC may set its own APIC base. */
	if (!r && hvx_irqchip_in_kernel(vm))
		r = hvx_lapic_create(vcpu);
	if (r) {
		hvx_vcpu_free(vcpu);
		return ERR_PTR(r);
	}
	return vcpu;
err:
	while (i--)
		__free_page(vcpu->pages[i]);
	kfree(vcpu);
	return ERR_PTR(-ENOMEM);
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
	if (vm->nr_vcpus >= HVX_MAX_VCPUS ||
	    (vm->max_vcpu_ids && id >= vm->max_vcpu_ids)) {
		r = -EINVAL;
		goto out;
	}
	if (hvx_vcpu_id_taken(vm, id)) {
		r = -EEXIST;
		goto out;
	}
	vcpu = hvx_vcpu_alloc(vm, id);
	if (IS_ERR(vcpu)) {
		r = PTR_ERR(vcpu);
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
	vm->vcpus[vm->nr_vcpus] = vcpu;
	smp_wmb();	/* hvx_vm_request_all() reads nr_vcpus without the lock */
	WRITE_ONCE(vm->nr_vcpus, vm->nr_vcpus + 1);
	fd_install(fd, file);
	r = fd;
	goto out;

err_free:
	hvx_vcpu_free(vcpu);
out:
	mutex_unlock(&vm->lock);
	return r;
}
