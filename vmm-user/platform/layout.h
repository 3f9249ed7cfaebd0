/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest-physical and port map of hvx's PC: where the loaders put boot
 * structures, where the firmware tables live, where devices sit. One place,
 * so that no two users pick the same address.
 */
#ifndef HVX_PLATFORM_LAYOUT_H
#define HVX_PLATFORM_LAYOUT_H

/* ---- Low memory: boot structures written by the loaders ---- */
#define LAYOUT_BOOT_GDT		0x500ULL	/* flat code/data GDT */
#define LAYOUT_BOOT_PARAMS	0x7000ULL	/* Linux zero page */
#define LAYOUT_BOOT_PML4	0x9000ULL	/* identity map of 4 GiB: */
#define LAYOUT_BOOT_PDPT	0xa000ULL	/*   PML4, PDPT and four  */
#define LAYOUT_BOOT_PD		0xb000ULL	/*   page directories     */
#define LAYOUT_BOOT_INFO	0x10000ULL	/* multiboot / PVH start info */
#define LAYOUT_BOOT_INFO_SIZE	0x10000ULL
#define LAYOUT_CMDLINE		0x20000ULL
#define LAYOUT_CMDLINE_MAX	0x10000ULL
#define LAYOUT_LOW_RAM_END	0x9fc00ULL	/* conventional memory ends, EBDA */
#define LAYOUT_BIOS_AREA	0xe0000ULL	/* ACPI tables, RSDP (scanned here) */
#define LAYOUT_BIOS_AREA_END	0x100000ULL
#define LAYOUT_KERNEL		0x100000ULL	/* 1 MiB: kernels load here */

/* ---- The 32-bit MMIO hole and above ---- */
#define LAYOUT_MMIO_HOLE	0xc0000000ULL	/* RAM below 3 GiB, the rest above 4 GiB */
#define LAYOUT_VIRTIO_MMIO	0xd0000000ULL	/* virtio-mmio windows, 4 KiB apart */
#define LAYOUT_VIRTIO_SLOT	0x1000ULL
#define LAYOUT_VIRTIO_SLOTS	32
#define LAYOUT_IOAPIC		0xfec00000ULL
#define LAYOUT_LAPIC		0xfee00000ULL
#define LAYOUT_HIGH_RAM		0x100000000ULL

/* ---- Interrupts (IOAPIC pins = GSIs, ISA IRQs identity mapped) ---- */
#define GSI_COM1		4
#define GSI_ACPI_SCI		9
#define GSI_VIRTIO_FIRST	16	/* level, active high */
#define IOAPIC_PINS		24

/* ---- Ports ---- */
#define PORT_I8042_DATA		0x60
#define PORT_I8042_CMD		0x64
#define PORT_RTC_INDEX		0x70
#define PORT_RTC_DATA		0x71
#define PORT_POST		0x80
#define PORT_DEBUG_EXIT		0xf4	/* QEMU's isa-debug-exit */
#define PORT_COM1		0x3f8
#define PORT_FW_CFG		0x510	/* selector (16 bit), data at +1 */
#define PORT_ACPI_PM1A_EVT	0x600	/* status (2 bytes), enable (2 bytes) */
#define PORT_ACPI_PM1A_CNT	0x604	/* control (2 bytes) */
#define PORT_ACPI_RESET		0x608	/* FADT reset register (1 byte) */

#endif /* HVX_PLATFORM_LAYOUT_H */
