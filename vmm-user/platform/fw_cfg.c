// SPDX-License-Identifier: GPL-2.0-only
/*
 * QEMU's fw_cfg, the traditional I/O port interface only: a 16-bit write of
 * a key to 0x510 selects an item, byte reads from 0x511 stream it. Items:
 * the signature, the interface ID (no DMA), the RAM size and the CPU
 * counts, plus an empty file directory.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "../vm.h"
#include "layout.h"
#include "platform.h"

enum fw_cfg_key {
	FW_CFG_SIGNATURE = 0x00, FW_CFG_ID = 0x01, FW_CFG_RAM_SIZE = 0x03,
	FW_CFG_NB_CPUS = 0x05, FW_CFG_MAX_CPUS = 0x0f, FW_CFG_FILE_DIR = 0x19,
};
#define FW_CFG_ID_TRADITIONAL	0x01
#define FW_CFG_PORT_SEL		PORT_FW_CFG
#define FW_CFG_PORT_DATA	(PORT_FW_CFG + 1)

struct fw_cfg {
	struct vmm_device dev;
	uint64_t ram_size;
	uint16_t nr_cpus;
	pthread_mutex_t lock;		/* guards item, offset */
	uint16_t key;
	uint8_t item[8];
	unsigned int item_len, offset;
};

static void fw_cfg_select(struct fw_cfg *fw, uint16_t key)
{
	uint32_t id = FW_CFG_ID_TRADITIONAL, none = 0;
	uint16_t cpus = fw->nr_cpus;

	fw->key = key;
	fw->offset = 0;
	fw->item_len = 0;
	switch (key) {
	case FW_CFG_SIGNATURE:
		memcpy(fw->item, "QEMU", 4);
		fw->item_len = 4;
		break;
	case FW_CFG_ID:
		memcpy(fw->item, &id, 4);
		fw->item_len = 4;
		break;
	case FW_CFG_RAM_SIZE:
		memcpy(fw->item, &fw->ram_size, 8);
		fw->item_len = 8;
		break;
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS:
		memcpy(fw->item, &cpus, 2);
		fw->item_len = 2;
		break;
	case FW_CFG_FILE_DIR:		/* a big-endian count of 0 files */
		memcpy(fw->item, &none, 4);
		fw->item_len = 4;
		break;
	}
}

static void fw_cfg_trap(void *opaque, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	struct fw_cfg *fw = opaque;
	uint32_t i;

	pthread_mutex_lock(&fw->lock);
	if (addr == FW_CFG_PORT_SEL) {
		if (is_write && len == 2)
			fw_cfg_select(fw, data[0] | data[1] << 8);
		else if (!is_write)
			memset(data, 0, len);
	} else if (!is_write) {
		/* Past the end of an item, or an unknown one, reads 0. */
		for (i = 0; i < len; i++)
			data[i] = fw->offset < fw->item_len ? fw->item[fw->offset++] : 0;
	}
	pthread_mutex_unlock(&fw->lock);
}

static void fw_cfg_exit(struct vmm_device *dev)
{
	free(dev);
}

int fw_cfg__create(struct vm *vm)
{
	struct fw_cfg *fw = calloc(1, sizeof(*fw));
	int ret;

	if (!fw)
		return -ENOMEM;
	fw->dev = (struct vmm_device){ .name = "fw_cfg", .exit = fw_cfg_exit };
	fw->ram_size = vm->ram_size;
	fw->nr_cpus = vm->nr_vcpus;
	pthread_mutex_init(&fw->lock, NULL);
	ret = trap_register(vm, TRAP_PIO, FW_CFG_PORT_SEL, 2, fw_cfg_trap, fw);
	if (ret) {
		vmm_error("fw_cfg: %s", strerror(-ret));
		free(fw);
		return ret;
	}
	vm_add_device(vm, &fw->dev);
	return 0;
}
