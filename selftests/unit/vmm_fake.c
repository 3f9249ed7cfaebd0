// SPDX-License-Identifier: GPL-2.0-only
/* The fake VMM core of vmm_fake.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vmm_fake.h"

struct vm *fake_vm_create(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	if (!vm)
		return NULL;
	vm->ram = calloc(1, FAKE_RAM_SIZE);
	if (!vm->ram) {
		free(vm);
		return NULL;
	}
	return vm;
}

void fake_vm_destroy(struct vm *vm)
{
	while (vm->devices) {
		struct vmm_device *dev = vm->devices;

		vm->devices = dev->next;
		dev->exit(dev);
	}
	free(vm->ram);
	free(vm);
}

int trap_register(struct vm *vm, enum trap_space space, uint64_t base,
		  uint64_t len, trap_fn fn, void *opaque)
{
	unsigned int i;

	for (i = 0; i < FAKE_MAX_TRAPS; i++)
		if (vm->traps[i].used && vm->traps[i].space == space &&
		    base < vm->traps[i].base + vm->traps[i].len &&
		    vm->traps[i].base < base + len)
			return -EEXIST;
	for (i = 0; i < FAKE_MAX_TRAPS; i++) {
		if (!vm->traps[i].used) {
			vm->traps[i] = (struct fake_trap){ true, space, base, len, fn, opaque };
			return 0;
		}
	}
	return -ENOSPC;
}

void trap_unregister(struct vm *vm, enum trap_space space, uint64_t base)
{
	unsigned int i;

	for (i = 0; i < FAKE_MAX_TRAPS; i++)
		if (vm->traps[i].used && vm->traps[i].space == space && vm->traps[i].base == base)
			vm->traps[i].used = false;
}

void *gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa >= FAKE_RAM_SIZE || len > FAKE_RAM_SIZE - gpa)
		return NULL;
	return vm->ram + gpa;
}

int vm_irq_line(struct vm *vm, uint32_t gsi, int level)
{
	if (gsi >= FAKE_MAX_GSI)
		return -EINVAL;
	__atomic_store_n(&vm->irq_level[gsi], level, __ATOMIC_SEQ_CST);
	return 0;
}

int fake_irq_level(struct vm *vm, uint32_t gsi)
{
	return __atomic_load_n(&vm->irq_level[gsi], __ATOMIC_SEQ_CST);
}

int vm_fd(struct vm *vm)
{
	(void)vm;
	return -1;
}

int platform_alloc_virtio_mmio(struct vm *vm, uint64_t *base, uint32_t *gsi)
{
	if (vm->slots >= FAKE_MAX_TRAPS)
		return -ENOSPC;
	*base = FAKE_MMIO_BASE + (uint64_t)vm->slots * FAKE_MMIO_STRIDE;
	*gsi = FAKE_FIRST_GSI + vm->slots;
	vm->slots++;
	return 0;
}

void vm_add_device(struct vm *vm, struct vmm_device *dev)
{
	dev->next = vm->devices;
	vm->devices = dev;
}

void vm_request_shutdown(struct vm *vm, int status, const char *why)
{
	(void)status;
	fprintf(stderr, "fake vm: shutdown requested: %s\n", why ? why : "");
	vm->shutdown_requested = true;
}

void vmm_debug(const char *fmt, ...)
{
	va_list ap;

	if (!getenv("HVX_UNIT_DEBUG"))
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void fake_mmio(struct vm *vm, uint64_t gpa, void *data, uint32_t len, bool is_write)
{
	unsigned int i;

	for (i = 0; i < FAKE_MAX_TRAPS; i++) {
		struct fake_trap *t = &vm->traps[i];

		if (t->used && t->space == TRAP_MMIO && gpa >= t->base && gpa - t->base < t->len) {
			t->fn(t->opaque, gpa, data, len, is_write);
			return;
		}
	}
	if (!is_write)
		memset(data, 0xff, len);	/* unclaimed MMIO reads all-ones */
}

uint32_t fake_mmio_read32(struct vm *vm, uint64_t gpa)
{
	uint32_t val;

	fake_mmio(vm, gpa, &val, sizeof(val), false);
	return val;
}

void fake_mmio_write32(struct vm *vm, uint64_t gpa, uint32_t val)
{
	fake_mmio(vm, gpa, &val, sizeof(val), true);
}
