// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ACPI fixed hardware the FADT points at: PM1a event (status, enable)
 * and control blocks, and the reset register. Entering S5 (SLP_TYP from
 * the DSDT's \_S5 package with SLP_EN) powers the VM off; writing the
 * reset value resets it. SCI_EN always reads set: the machine is in ACPI
 * mode from the start (the FADT has no SMI command port).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include "../vm.h"
#include "../acpi/acpi.h"
#include "layout.h"
#include "platform.h"

#define PM1_CNT_SCI_EN		(1u << 0)
#define PM1_CNT_SLP_TYP_SHIFT	10
#define PM1_CNT_SLP_TYP_MASK	(7u << PM1_CNT_SLP_TYP_SHIFT)
#define PM1_CNT_SLP_EN		(1u << 13)

struct acpi_pm {
	pthread_mutex_t lock;		/* guards the registers */
	uint16_t sts, en, cnt;
};

static struct acpi_pm pm = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void acpi_pm_cnt_write(struct vm *vm, uint16_t v)
{
	unsigned int slp_typ = (v & PM1_CNT_SLP_TYP_MASK) >> PM1_CNT_SLP_TYP_SHIFT;

	pm.cnt = v & ~PM1_CNT_SLP_EN;
	if (!(v & PM1_CNT_SLP_EN))
		return;
	if (slp_typ == ACPI_S5_SLP_TYP)
		vm_request_shutdown(vm, RUN_EXIT_POWEROFF, NULL);
	else
		vmm_info("the guest asked for sleep type %u, which hvx does not have", slp_typ);
}

static void acpi_pm_trap(void *opaque, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	struct vm *vm = opaque;
	uint16_t v = 0;

	memcpy(&v, data, len < 2 ? len : 2);
	pthread_mutex_lock(&pm.lock);
	switch (addr) {
	case PORT_ACPI_PM1A_EVT:	/* status: write 1 to clear */
		if (is_write)
			pm.sts &= ~v;
		v = pm.sts;
		break;
	case PORT_ACPI_PM1A_EVT + 2:
		if (is_write)
			pm.en = v;
		v = pm.en;
		break;
	case PORT_ACPI_PM1A_CNT:
		if (is_write)
			acpi_pm_cnt_write(vm, v);
		v = pm.cnt | PM1_CNT_SCI_EN;
		break;
	case PORT_ACPI_RESET:
		if (is_write && (v & 0xff) == ACPI_RESET_VALUE)
			vm_request_shutdown(vm, RUN_EXIT_RESET, "the guest reset the machine (ACPI)");
		v = 0;
		break;
	default:
		v = 0xffff;
		break;
	}
	pthread_mutex_unlock(&pm.lock);
	if (!is_write) {
		memset(data, 0, len);
		memcpy(data, &v, len < 2 ? len : 2);
	}
}

int acpi_pm__create(struct vm *vm)
{
	static const struct { uint16_t port, len; } regs[] = {
		{ PORT_ACPI_PM1A_EVT, 2 }, { PORT_ACPI_PM1A_EVT + 2, 2 },
		{ PORT_ACPI_PM1A_CNT, 2 }, { PORT_ACPI_RESET, 1 },
	};
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(regs); i++) {
		ret = trap_register(vm, TRAP_PIO, regs[i].port, regs[i].len, acpi_pm_trap, vm);
		if (ret) {
			vmm_error("ACPI PM registers: %s", strerror(-ret));
			return ret;
		}
	}
	return 0;
}
