/* SPDX-License-Identifier: GPL-2.0-only */
/* The guest's memory map, as every boot protocol hands it over. */
#ifndef HVX_PLATFORM_E820_H
#define HVX_PLATFORM_E820_H

#include <stdint.h>
#include <asm/e820.h>		/* E820_RAM, E820_RESERVED */

struct vm;

struct e820_region {
	uint64_t addr, size;
	uint32_t type;
};

struct e820_map {
	unsigned int nr;
	struct e820_region region[8];
};

void e820__build(struct vm *vm, struct e820_map *map);

#endif /* HVX_PLATFORM_E820_H */
