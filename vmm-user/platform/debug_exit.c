// SPDX-License-Identifier: GPL-2.0-only
/*
 * QEMU's isa-debug-exit at port 0xf4: a write of V ends `hvx run` with
 * status (V << 1) | 1, so test kernels can report a result that can never
 * be mistaken for a clean power-off (0). With --rootfs, hvx's own init
 * reports its command's exit status there, and V is the status itself.
 */
#include <string.h>
#include "../vm.h"
#include "layout.h"
#include "platform.h"

static void debug_exit_write(struct vm *vm, uint8_t *data, uint32_t len, bool is_write,
			     bool exact)
{
	uint32_t v = 0;

	if (!is_write) {
		memset(data, 0xff, len);
		return;
	}
	memcpy(&v, data, len < sizeof(v) ? len : sizeof(v));
	vmm_debug("isa-debug-exit: %#x", v);
	vm_request_shutdown(vm, (int)((exact ? v : (v << 1) | 1) & 0xff), NULL);
}

static void debug_exit_trap(void *opaque, uint64_t addr, uint8_t *data, uint32_t len,
			    bool is_write)
{
	(void)addr;
	debug_exit_write(opaque, data, len, is_write, false);
}

static void debug_exit_exact_trap(void *opaque, uint64_t addr, uint8_t *data, uint32_t len,
				  bool is_write)
{
	(void)addr;
	debug_exit_write(opaque, data, len, is_write, true);
}

int debug_exit__create(struct vm *vm, bool exact)
{
	int ret = trap_register(vm, TRAP_PIO, PORT_DEBUG_EXIT, 4,
			       exact ? debug_exit_exact_trap : debug_exit_trap, vm);

	if (ret)
		vmm_error("isa-debug-exit: %s", strerror(-ret));
	return ret;
}
