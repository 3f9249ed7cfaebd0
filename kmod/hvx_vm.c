// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VM object and its anon-inode fd. A VM lives while its fd or any of
 * its vCPU fds is open; vCPUs are freed with the VM, so the fds may be
 * closed in any order.
 */
#define pr_fmt(fmt) "hvx: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "hvx_core.h"
#include "shadow.h"
#include "tdp.h"
#include "irqchip/irqchip.h"

static atomic_t hvx_vms_alive = ATOMIC_INIT(0);

unsigned int hvx_vm_count(void)
{
	return atomic_read(&hvx_vms_alive);
}

static void hvx_vm_destroy(struct kref *ref)
{
	struct hvx_vm *vm = container_of(ref, struct hvx_vm, ref);
	unsigned int i;

	/* First: until the notifier is gone it may kick vm->vcpus[]. */
	hvx_memslots_destroy(vm);
	/* Then the interrupt sources (irqfds, PIT) that could reach a vCPU. */
	hvx_irqchip_destroy(vm);
	for (i = 0; i < vm->nr_vcpus; i++)
		hvx_vcpu_free(vm->vcpus[i]);
	hvx_vm_free_msr_filter(vm);
	hvx_coalesced_ring_free(vm);
	mmdrop(vm->mm);
	kvfree(vm);
	hvx_virt_put();
	atomic_dec(&hvx_vms_alive);
}

void hvx_vm_put(struct hvx_vm *vm)
{
	kref_put(&vm->ref, hvx_vm_destroy);
}

static int hvx_vm_release(struct inode *inode, struct file *filp)
{
	hvx_vm_put(filp->private_data);
	return 0;
}

static long hvx_vm_set_memory(struct hvx_vm *vm, void __user *argp)
{
	struct kvm_userspace_memory_region mem;

	if (copy_from_user(&mem, argp, sizeof(mem)))
		return -EFAULT;
	return hvx_set_user_memory_region(vm, &mem);
}

/*
 * KVM_SET_USER_MEMORY_REGION2: the same slot with room for a guest_memfd.
 * hvx has no private memory (as KVM's default VM type), so the
 * KVM_MEM_GUEST_MEMFD flag is refused with the other unknown flags and the
 * guest_memfd fields are not looked at, as on KVM.
 */
static long hvx_vm_set_memory2(struct hvx_vm *vm, void __user *argp)
{
	struct kvm_userspace_memory_region2 mem2;
	struct kvm_userspace_memory_region mem;

	if (copy_from_user(&mem2, argp, sizeof(mem2)))
		return -EFAULT;
	mem = (struct kvm_userspace_memory_region){
		.slot = mem2.slot,
		.flags = mem2.flags,
		.guest_phys_addr = mem2.guest_phys_addr,
		.memory_size = mem2.memory_size,
		.userspace_addr = mem2.userspace_addr,
	};
	return hvx_set_user_memory_region(vm, &mem);
}

static long hvx_vm_get_stats(struct hvx_vm *vm, void __user *argp)
{
	struct hvx_tdp_stats s;
	struct hvx_vm_stats out = {};

	hvx_tdp_get_stats(vm, &s);
	out.mapped_4k = s.mapped_4k;
	out.mapped_2m = s.mapped_2m;
	out.table_pages = s.table_pages;
	if (hvx_shadow_enabled())
		hvx_shadow_vm_stats(vm, &out);
	return copy_to_user(argp, &out, sizeof(out)) ? -EFAULT : 0;
}

/*
 * Which vCPU id resets as the BSP; only before the first vCPU, and within
 * the ids the VM may use (KVM_CAP_MAX_VCPU_ID), as KVM.
 */
static long hvx_vm_set_boot_cpu_id(struct hvx_vm *vm, unsigned long id)
{
	long r = 0;

	mutex_lock(&vm->lock);
	if (vm->nr_vcpus)
		r = -EBUSY;
	else if (id > HVX_MAX_VCPU_IDS || (vm->max_vcpu_ids && id > vm->max_vcpu_ids))
		r = -EINVAL;
	else
		vm->bsp_vcpu_id = id;
	mutex_unlock(&vm->lock);
	return r;
}

/*
 * KVM_SET_IDENTITY_MAP_ADDR: where VMX without unrestricted guest would keep
 * its real-mode page tables. hvx never needs them (SVM, and VMX with
 * unrestricted guest, run real mode natively; vm86 under shadow paging
 * uses hvx's own tables), so the address is only checked as KVM checks it:
 * EINVAL once a vCPU exists, EFAULT for a bad pointer. QEMU calls it at
 * start-up when KVM_CAP_SET_IDENTITY_MAP_ADDR says it exists.
 */
static long hvx_vm_set_identity_map_addr(struct hvx_vm *vm, void __user *argp)
{
	u64 addr;
	long r = -EINVAL;

	mutex_lock(&vm->lock);
	if (!vm->nr_vcpus)
		r = copy_from_user(&addr, argp, sizeof(addr)) ? -EFAULT : 0;
	mutex_unlock(&vm->lock);
	return r;
}

static long hvx_vm_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	struct hvx_vm *vm = filp->private_data;

	/* A VM belongs to the process that made it, as in KVM. */
	if (vm->mm != current->mm)
		return -EIO;

	switch (ioctl) {
	case KVM_CREATE_VCPU:
		return hvx_vcpu_create(vm, arg);
	case KVM_CHECK_EXTENSION:
		return hvx_check_extension(vm, arg);
	case KVM_ENABLE_CAP:
		return hvx_vm_enable_cap(vm, (void __user *)arg);
	case KVM_GET_STATS_FD:
		return hvx_vm_get_stats_fd(vm);
	case KVM_SET_BOOT_CPU_ID:
		return hvx_vm_set_boot_cpu_id(vm, arg);
	case KVM_X86_SET_MSR_FILTER:
		return hvx_vm_set_msr_filter(vm, (void __user *)arg);
	case KVM_GET_TSC_KHZ:
		/* The rate new vCPUs get: the host's (hvx does not scale the TSC). */
		return tsc_khz ? tsc_khz : -EIO;
	case KVM_SET_USER_MEMORY_REGION2:
		return hvx_vm_set_memory2(vm, (void __user *)arg);
	case KVM_SET_USER_MEMORY_REGION:
		return hvx_vm_set_memory(vm, (void __user *)arg);
	case HVX_GET_VM_STATS:
		return hvx_vm_get_stats(vm, (void __user *)arg);
	case KVM_GET_DIRTY_LOG:
		return hvx_dirty_log_get(vm, (void __user *)arg);
	case KVM_CLEAR_DIRTY_LOG:
		return hvx_dirty_log_clear(vm, (void __user *)arg);
	case KVM_SET_NR_MMU_PAGES:
		return hvx_shadow_set_nr_mmu_pages(vm, arg);
	case KVM_GET_NR_MMU_PAGES:
		return hvx_shadow_get_nr_mmu_pages(vm);
	case KVM_GET_CLOCK:
		return hvx_vm_get_clock(vm, (void __user *)arg);
	case KVM_SET_CLOCK:
		return hvx_vm_set_clock(vm, (void __user *)arg);
	case KVM_SET_IDENTITY_MAP_ADDR:
		return hvx_vm_set_identity_map_addr(vm, (void __user *)arg);
	case KVM_SET_TSS_ADDR:
		/* VMX without unrestricted guest needs it; hvx never does. */
		return arg > 0xffffffffUL - 3 * PAGE_SIZE ? -EINVAL : 0;
	default:
		/* KVM_CREATE_IRQCHIP and the other in-kernel device ioctls. */
		return hvx_irqchip_vm_ioctl(vm, ioctl, arg);
	}
}

static const struct file_operations hvx_vm_fops = {
	.owner = THIS_MODULE,
	.release = hvx_vm_release,
	.unlocked_ioctl = hvx_vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

int hvx_vm_create(unsigned long type)
{
	struct hvx_vm *vm;
	struct file *file;
	int fd, r;

	/* Only the default machine type exists on x86. */
	if (type != 0)
		return -EINVAL;

	r = hvx_virt_get();
	if (r)
		return r;
	atomic_inc(&hvx_vms_alive);

	/* Over a page (vcpus[]): kvzalloc, so no high-order allocation is needed. */
	vm = kvzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm) {
		r = -ENOMEM;
		goto err_virt;
	}
	kref_init(&vm->ref);
	mutex_init(&vm->lock);
	/* KVM's default; KVM_CAP_MSR_PLATFORM_INFO can take it away. */
	vm->guest_reads_platform_info = true;
	hvx_pv_vm_init(vm);
	vm->apic_bus_cycle_ns = HVX_APIC_BUS_CYCLE_NS_DEFAULT;
	mmgrab(current->mm);
	vm->mm = current->mm;
	r = hvx_coalesced_ring_alloc(vm);
	if (r)
		goto err_vm;
	r = hvx_memslots_init(vm);
	if (r)
		goto err_vm;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto err_slots;
	}
	file = anon_inode_getfile("hvx-vm", &hvx_vm_fops, vm, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		r = PTR_ERR(file);
		goto err_slots;
	}
	/* From here the file owns the VM's first reference. */
	fd_install(fd, file);
	return fd;

err_slots:
	hvx_memslots_destroy(vm);
err_vm:
	hvx_coalesced_ring_free(vm);
	mmdrop(vm->mm);
	kvfree(vm);
err_virt:
	hvx_virt_put();
	atomic_dec(&hvx_vms_alive);
	return r;
}
