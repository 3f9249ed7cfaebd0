/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A stand-in for the VMM core behind vmm-user/vmm_dev.h, so the device
 * models run in a plain process: guest RAM is a heap buffer at GPA 0, the
 * "vCPU" is the test itself calling the trap handlers, interrupt lines
 * are recorded, and there is no VM fd (so no KVM_IOEVENTFD: notifications
 * take the trap path).
 */
#ifndef HVX_VMM_FAKE_H
#define HVX_VMM_FAKE_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm_dev.h"

#define FAKE_RAM_SIZE		(4u << 20)
#define FAKE_MMIO_BASE		0xd0000000ull	/* first virtio-mmio slot */
#define FAKE_MMIO_STRIDE	0x1000
#define FAKE_FIRST_GSI		5
#define FAKE_MAX_TRAPS		8
#define FAKE_MAX_GSI		32

struct fake_trap {
	bool used;
	enum trap_space space;
	uint64_t base, len;
	trap_fn fn;
	void *opaque;
};

struct vm {
	uint8_t *ram;
	struct fake_trap traps[FAKE_MAX_TRAPS];
	int irq_level[FAKE_MAX_GSI];		/* written by device threads */
	unsigned int slots;
	struct vmm_device *devices;		/* newest first */
	bool shutdown_requested;
};

struct vm *fake_vm_create(void);
/* Every device's exit, newest first (as the core does), then free. */
void fake_vm_destroy(struct vm *vm);
/* An access by the "vCPU": dispatched to the trap that covers @gpa. */
void fake_mmio(struct vm *vm, uint64_t gpa, void *data, uint32_t len, bool is_write);
uint32_t fake_mmio_read32(struct vm *vm, uint64_t gpa);
void fake_mmio_write32(struct vm *vm, uint64_t gpa, uint32_t val);
int fake_irq_level(struct vm *vm, uint32_t gsi);

#endif /* HVX_VMM_FAKE_H */
