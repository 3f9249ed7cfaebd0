// SPDX-License-Identifier: GPL-2.0-only
/*
 * Virtio-mmio windows: 4 KiB apart from LAYOUT_VIRTIO_MMIO, each with its
 * own IOAPIC pin from GSI 16 up (PCI's pins on a PC, unused here), so no
 * interrupt is shared. acpi/dsdt.c describes each to the guest.
 */
#include <assert.h>
#include <errno.h>
#include "../vm.h"
#include "layout.h"

#define VIRTIO_MMIO_MAX	(IOAPIC_PINS - GSI_VIRTIO_FIRST)
static_assert(VIRTIO_MMIO_MAX <= ARRAY_SIZE(((struct vm *)0)->virtio_mmio_base),
	      "room for every window");

int platform_alloc_virtio_mmio(struct vm *vm, uint64_t *base, uint32_t *gsi)
{
	unsigned int n = vm->nr_virtio_mmio;

	if (n >= VIRTIO_MMIO_MAX || n >= LAYOUT_VIRTIO_SLOTS)
		return -ENOSPC;
	*base = LAYOUT_VIRTIO_MMIO + n * LAYOUT_VIRTIO_SLOT;
	*gsi = GSI_VIRTIO_FIRST + n;
	vm->virtio_mmio_base[n] = *base;
	vm->virtio_mmio_gsi[n] = *gsi;
	vm->nr_virtio_mmio++;
	return 0;
}
