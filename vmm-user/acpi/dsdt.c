// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DSDT's body: \_S5 (the sleep type the PM1 control register takes to
 * power off) and, under \_SB, one device per virtio-mmio window with
 * _HID "LNRO0005" and _CRS = Memory32Fixed + Interrupt. That is how Linux's
 * virtio_mmio driver finds devices without virtio_mmio.device= parameters
 * (Debian builds VIRTIO_MMIO_CMDLINE_DEVICES off); QEMU's microvm does the same.
 */
#include <stdio.h>
#include "../vm.h"
#include "acpi.h"
#include "aml.h"

#define VIRTIO_MMIO_HID		"LNRO0005"

long dsdt__build_aml(struct vm *vm, uint8_t *buf, size_t cap)
{
	struct aml a;
	unsigned int i;

	aml_init(&a, buf, cap);
	/* Name(\_S5, Package() { SLP_TYPa, SLP_TYPb, 0, 0 }) */
	aml_name(&a, "\\_S5_");
	aml_package_open(&a, 4);
	aml_integer(&a, ACPI_S5_SLP_TYP);
	aml_integer(&a, ACPI_S5_SLP_TYP);
	aml_integer(&a, 0);
	aml_integer(&a, 0);
	aml_close(&a);

	aml_scope_open(&a, "\\_SB_");
	for (i = 0; i < vm->nr_virtio_mmio; i++) {
		char name[5];

		snprintf(name, sizeof(name), "VR%02u", i % 100);
		aml_device_open(&a, name);
		aml_name(&a, "_HID");
		aml_string(&a, VIRTIO_MMIO_HID);
		aml_name(&a, "_UID");
		aml_integer(&a, i);
		aml_name(&a, "_CRS");
		aml_buffer_open(&a);
		aml_memory32_fixed(&a, vm->virtio_mmio_base[i], VIRTIO_MMIO_WINDOW, 1);
		aml_interrupt(&a, vm->virtio_mmio_gsi[i], 1, 0);
		aml_end_tag(&a);
		aml_close(&a);	/* buffer */
		aml_close(&a);	/* device */
	}
	aml_close(&a);		/* \_SB */
	return a.error ? a.error : (long)a.len;
}
