// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VM: opens the device, creates the VM with the in-kernel irqchip and
 * PIT, backs guest RAM with anonymous memory in up to two slots (below the
 * 32-bit MMIO hole and above 4 GiB), keeps the device list and ends the
 * VM from whichever thread asks first.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "vm.h"
#include "platform/layout.h"

/* Unused by hvx; KVM on VMX needs them placed out of the guest's way. */
#define KVM_TSS_ADDR		0xfffbd000ULL
#define KVM_IDENTITY_MAP_ADDR	0xfffbc000ULL

static int vm_map_ram(struct vm *vm, uint64_t gpa, uint64_t size)
{
	struct guest_ram *r = &vm->ram[vm->nr_ram];
	struct kvm_userspace_memory_region region;
	void *hva;

	hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (hva == MAP_FAILED)
		return -errno;
	madvise(hva, size, MADV_MERGEABLE);
	region = (struct kvm_userspace_memory_region){
		.slot = vm->nr_ram,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		int err = -errno;

		munmap(hva, size);
		return err;
	}
	*r = (struct guest_ram){ .gpa = gpa, .size = size, .hva = hva };
	vm->nr_ram++;
	return 0;
}

static int vm_create_ram(struct vm *vm)
{
	uint64_t low = vm->ram_size < LAYOUT_MMIO_HOLE ? vm->ram_size : LAYOUT_MMIO_HOLE;
	int ret;

	ret = vm_map_ram(vm, 0, low);
	if (ret || vm->ram_size == low)
		return ret;
	return vm_map_ram(vm, LAYOUT_HIGH_RAM, vm->ram_size - low);
}

uint64_t vm__low_ram_end(struct vm *vm)
{
	return vm->ram[0].size;
}

static int vm_create_irqchip(struct vm *vm)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP) < 0) {
		vmm_error("%s: KVM_CREATE_IRQCHIP: %s (this device has no in-kernel irqchip)",
			  vm->dev_path, strerror(errno));
		return -errno;
	}
	if (ioctl(vm->fd, KVM_CREATE_PIT2, &pit) < 0) {
		vmm_error("%s: KVM_CREATE_PIT2: %s", vm->dev_path, strerror(errno));
		return -errno;
	}
	return 0;
}

int vm__create(struct vm *vm, const char *dev_path, uint64_t ram_size, unsigned int nr_vcpus)
{
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->dev_fd = vm->fd = vm->shutdown_efd = -1;
	vm->dev_path = dev_path;
	vm->ram_size = ram_size;
	vm->nr_vcpus = nr_vcpus;
	pthread_mutex_init(&vm->shutdown_lock, NULL);
	ret = trap__init(vm);
	if (ret)
		return ret;
	vm->shutdown_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->shutdown_efd < 0)
		return -errno;

	vm->dev_fd = open(dev_path, O_RDWR | O_CLOEXEC);
	if (vm->dev_fd < 0) {
		ret = -errno;
		vmm_error("%s: %s", dev_path, strerror(errno));
		return ret;
	}
	if (ioctl(vm->dev_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		vmm_error("%s: not a KVM API %d device", dev_path, KVM_API_VERSION);
		return -ENOTTY;
	}
	vm->vcpu_mmap_size = ioctl(vm->dev_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->vcpu_mmap_size <= 0) {
		vmm_error("%s: KVM_GET_VCPU_MMAP_SIZE: %s", dev_path, strerror(errno));
		return -EINVAL;
	}
	vm->fd = ioctl(vm->dev_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		ret = -errno;
		vmm_error("%s: KVM_CREATE_VM: %s", dev_path, strerror(errno));
		return ret;
	}
	/* Accepted and unused by hvx; KVM on VMX wants them (errors are harmless). */
	ioctl(vm->fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR);
	{
		uint64_t ident = KVM_IDENTITY_MAP_ADDR;

		ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &ident);
	}
	ret = vm_create_ram(vm);
	if (ret) {
		vmm_error("cannot back %llu MiB of guest memory: %s",
			  (unsigned long long)(ram_size / MiB), strerror(-ret));
		return ret;
	}
	/* Before the vCPUs: their LAPICs are created with them. */
	return vm_create_irqchip(vm);
}

void vm__exit_devices(struct vm *vm)
{
	struct vmm_device *dev;

	while ((dev = vm->devices)) {
		vm->devices = dev->next;
		vmm_debug("%s: exit", dev->name);
		if (dev->exit)
			dev->exit(dev);
	}
}

void vm__destroy(struct vm *vm)
{
	unsigned int i;

	vm__exit_devices(vm);
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			munmap(v->run, v->run_size);
		if (v->fd > 0)
			close(v->fd);
	}
	if (vm->fd >= 0)
		close(vm->fd);
	for (i = 0; i < vm->nr_ram; i++)
		munmap(vm->ram[i].hva, vm->ram[i].size);
	if (vm->dev_fd >= 0)
		close(vm->dev_fd);
	if (vm->shutdown_efd >= 0)
		close(vm->shutdown_efd);
	trap__exit(vm);
	free(vm->exit_why);
	pthread_mutex_destroy(&vm->shutdown_lock);
}

void *gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < vm->nr_ram; i++) {
		const struct guest_ram *r = &vm->ram[i];

		if (gpa >= r->gpa && len <= r->size && gpa - r->gpa <= r->size - len)
			return r->hva + (gpa - r->gpa);
	}
	return NULL;
}

int vm_irq_line(struct vm *vm, uint32_t gsi, int level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = level };

	return ioctl(vm->fd, KVM_IRQ_LINE, &irq) < 0 ? -errno : 0;
}

int vm_fd(struct vm *vm)
{
	return vm->fd;
}

void vm_add_device(struct vm *vm, struct vmm_device *dev)
{
	dev->next = vm->devices;
	vm->devices = dev;
}

bool vm__shutting_down(struct vm *vm)
{
	return __atomic_load_n(&vm->shutting_down, __ATOMIC_ACQUIRE);
}

void vm_request_shutdown(struct vm *vm, int status, const char *why)
{
	uint64_t one = 1;

	pthread_mutex_lock(&vm->shutdown_lock);
	if (vm->shutting_down) {
		pthread_mutex_unlock(&vm->shutdown_lock);
		return;
	}
	vm->exit_status = status;
	vm->exit_why = why ? strdup(why) : NULL;
	__atomic_store_n(&vm->shutting_down, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&vm->shutdown_lock);
	vmm_debug("shutdown requested: status %d (%s)", status, why ? why : "-");
	if (write(vm->shutdown_efd, &one, sizeof(one)) < 0)
		vmm_debug("shutdown eventfd: %s", strerror(errno));
	vcpu__kick_all(vm);
}
