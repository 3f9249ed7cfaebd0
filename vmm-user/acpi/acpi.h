/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's ACPI tables (ACPI 6.x layouts): RSDP, XSDT and RSDT, FADT
 * (with FACS), MADT and a DSDT holding \_S5 and the virtio-mmio devices.
 * Written once, after every device has its resources, into the BIOS area
 * (where an RSDP scan finds them); the RSDP's address also goes to the
 * boot protocols that carry it.
 */
#ifndef HVX_ACPI_H
#define HVX_ACPI_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

/* The SLP_TYP of S5 in \_S5, and the reset register's value: acpi_pm.c checks both. */
#define ACPI_S5_SLP_TYP		5
#define ACPI_RESET_VALUE	0x01

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));
static_assert(sizeof(struct acpi_header) == 36, "ACPI table header");

/* Builds every table; the RSDP's guest-physical address in @rsdp. */
int acpi__build(struct vm *vm, uint64_t *rsdp);

/* The DSDT's AML body (dsdt.c): into @buf, returns its length or -errno. */
long dsdt__build_aml(struct vm *vm, uint8_t *buf, size_t cap);

#endif /* HVX_ACPI_H */
