// SPDX-License-Identifier: GPL-2.0-only
/*
 * The memory map: conventional memory up to the EBDA, the BIOS area (where
 * the ACPI tables live) reserved, RAM from 1 MiB to the MMIO hole, and the
 * rest of RAM above 4 GiB. The IOAPIC/LAPIC pages lie in the hole, which
 * the map leaves out (Linux treats holes as MMIO).
 */
#include "../vm.h"
#include "e820.h"
#include "layout.h"

static void e820_add(struct e820_map *map, uint64_t addr, uint64_t size, uint32_t type)
{
	if (size && map->nr < ARRAY_SIZE(map->region))
		map->region[map->nr++] = (struct e820_region){ addr, size, type };
}

void e820__build(struct vm *vm, struct e820_map *map)
{
	unsigned int i;

	map->nr = 0;
	e820_add(map, 0, LAYOUT_LOW_RAM_END, E820_RAM);
	e820_add(map, LAYOUT_LOW_RAM_END, 0xa0000 - LAYOUT_LOW_RAM_END, E820_RESERVED);
	e820_add(map, LAYOUT_BIOS_AREA, LAYOUT_BIOS_AREA_END - LAYOUT_BIOS_AREA, E820_RESERVED);
	e820_add(map, LAYOUT_KERNEL, vm__low_ram_end(vm) - LAYOUT_KERNEL, E820_RAM);
	for (i = 1; i < vm->nr_ram; i++)
		e820_add(map, vm->ram[i].gpa, vm->ram[i].size, E820_RAM);
}
