// SPDX-License-Identifier: GPL-2.0-only
/*
 * Just enough of the i8042 keyboard controller for the reset line: the
 * "pulse output port" command 0xfe resets the machine (Linux's reboot=k,
 * and its fallback after ACPI). There is no keyboard: the status register
 * reads empty buffers and the data port reads 0.
 */
#include <string.h>
#include "../vm.h"
#include "layout.h"
#include "platform.h"

#define I8042_CMD_RESET		0xfe
#define I8042_STATUS_EMPTY	0x00

static void i8042_trap(void *opaque, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	struct vm *vm = opaque;

	if (!is_write) {
		memset(data, addr == PORT_I8042_CMD ? I8042_STATUS_EMPTY : 0, len);
		return;
	}
	if (addr == PORT_I8042_CMD && data[0] == I8042_CMD_RESET)
		vm_request_shutdown(vm, RUN_EXIT_RESET, "the guest reset the machine (i8042)");
}

int i8042__create(struct vm *vm)
{
	int ret = trap_register(vm, TRAP_PIO, PORT_I8042_DATA, 1, i8042_trap, vm);

	if (!ret)
		ret = trap_register(vm, TRAP_PIO, PORT_I8042_CMD, 1, i8042_trap, vm);
	if (ret)
		vmm_error("i8042: %s", strerror(-ret));
	return ret;
}
