// SPDX-License-Identifier: GPL-2.0-only
/*
 * ACPI tables in the BIOS area: RSDP first (16-byte aligned, where Linux's
 * scan of 0xe0000-0xfffff finds it), then FACS, DSDT, FADT, MADT, RSDT and
 * XSDT. The FADT describes a PC with the ACPI fixed hardware of
 * platform/acpi_pm.c (no SMI port: always in ACPI mode), a reset register,
 * no PM timer, no VGA and no i8042 to probe.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>
#include "../vm.h"
#include "../platform/layout.h"
#include "acpi.h"

#define ACPI_OEM_ID		"HVX   "
#define ACPI_OEM_TABLE_ID	"HVXPC   "
#define ACPI_CREATOR_ID		"HVX "

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;		/* of the first 20 bytes */
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum;	/* of all 36 */
	uint8_t reserved[3];
} __attribute__((packed));
static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP layout");
#define ACPI_RSDP_V1_LEN	20

struct acpi_gas {			/* Generic Address Structure */
	uint8_t space_id, bit_width, bit_offset, access_size;
	uint64_t address;
} __attribute__((packed));
#define ACPI_SPACE_IO		1
#define ACPI_ACCESS_BYTE	1
#define ACPI_ACCESS_WORD	2

struct acpi_fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl, dsdt;
	uint8_t reserved0, preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk, pm2_cnt_blk;
	uint32_t pm_tmr_blk, gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len, gpe0_blk_len;
	uint8_t gpe1_blk_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl, x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk, x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control_reg, sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __attribute__((packed));
static_assert(sizeof(struct acpi_fadt) == 276, "FADT layout (ACPI 6.x)");
static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT layout");
static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT layout");
#define FADT_REVISION		6
#define FADT_F_WBINVD		(1u << 0)
#define FADT_F_PWR_BUTTON	(1u << 4)	/* no fixed power button */
#define FADT_F_SLP_BUTTON	(1u << 5)	/* no fixed sleep button */
#define FADT_F_RESET_REG_SUP	(1u << 10)
#define FADT_BOOT_NO_VGA	(1u << 2)
#define RTC_CENTURY_INDEX	0x32

struct acpi_facs {
	char signature[4];
	uint32_t length;
	uint32_t hardware_signature, firmware_waking_vector, global_lock, flags;
	uint64_t x_firmware_waking_vector;
	uint8_t version, reserved[3];
	uint32_t ospm_flags;
	uint8_t reserved2[24];
} __attribute__((packed));
static_assert(sizeof(struct acpi_facs) == 64, "FACS layout");

struct acpi_madt {
	struct acpi_header h;
	uint32_t lapic_address, flags;
} __attribute__((packed));
#define MADT_PCAT_COMPAT	(1u << 0)	/* the 8259 PICs exist */

struct madt_lapic {
	uint8_t type, length, processor_id, apic_id;
	uint32_t flags;
} __attribute__((packed));
struct madt_ioapic {
	uint8_t type, length, id, reserved;
	uint32_t address, gsi_base;
} __attribute__((packed));
struct madt_irq_override {
	uint8_t type, length, bus, source;
	uint32_t gsi;
	uint16_t flags;
} __attribute__((packed));
static_assert(sizeof(struct madt_irq_override) == 10, "MADT override layout");
#define MADT_TYPE_LAPIC		0
#define MADT_TYPE_IOAPIC	1
#define MADT_TYPE_OVERRIDE	2
#define MADT_LAPIC_ENABLED	1
#define MADT_POLARITY_HIGH	0x1
#define MADT_TRIGGER_LEVEL	(0x3 << 2)
#define MADT_IOAPIC_ID		0xfe	/* out of the way of the vCPUs' APIC IDs */

/* Tables are laid out one after another in guest memory. */
struct acpi_area {
	struct vm *vm;
	uint8_t *base;			/* host address of LAYOUT_BIOS_AREA */
	uint64_t used;
};

static void *acpi_alloc(struct acpi_area *area, uint64_t size, uint64_t align, uint64_t *gpa)
{
	uint64_t off = ALIGN_UP(area->used, align);

	if (off + size > LAYOUT_BIOS_AREA_END - LAYOUT_BIOS_AREA)
		return NULL;
	area->used = off + size;
	*gpa = LAYOUT_BIOS_AREA + off;
	return area->base + off;
}

static uint8_t acpi_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return -sum;
}

static void acpi_header_init(struct acpi_header *h, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, ACPI_OEM_ID, 6);
	memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, ACPI_CREATOR_ID, 4);
	h->creator_revision = 1;
}

static void acpi_table_seal(struct acpi_header *h)
{
	h->checksum = 0;
	h->checksum = acpi_checksum(h, h->length);
}

static struct acpi_gas io_gas(uint16_t port, uint8_t bytes)
{
	return (struct acpi_gas){
		.space_id = ACPI_SPACE_IO, .bit_width = bytes * 8,
		.access_size = bytes == 1 ? ACPI_ACCESS_BYTE : ACPI_ACCESS_WORD, .address = port,
	};
}

static int acpi_build_madt(struct acpi_area *area, struct vm *vm, uint64_t *gpa)
{
	uint32_t len = sizeof(struct acpi_madt) + vm->nr_vcpus * sizeof(struct madt_lapic) +
		       sizeof(struct madt_ioapic) + sizeof(struct madt_irq_override);
	struct acpi_madt *madt = acpi_alloc(area, len, 16, gpa);
	struct madt_lapic *lapic;
	struct madt_ioapic *ioapic;
	struct madt_irq_override *sci;
	unsigned int i;

	if (!madt)
		return -ENOSPC;
	acpi_header_init(&madt->h, "APIC", len, 4);
	madt->lapic_address = LAYOUT_LAPIC;
	madt->flags = MADT_PCAT_COMPAT;
	lapic = (struct madt_lapic *)(madt + 1);
	for (i = 0; i < vm->nr_vcpus; i++)
		lapic[i] = (struct madt_lapic){
			.type = MADT_TYPE_LAPIC, .length = sizeof(*lapic),
			.processor_id = i, .apic_id = i, .flags = MADT_LAPIC_ENABLED,
		};
	ioapic = (struct madt_ioapic *)(lapic + vm->nr_vcpus);
	*ioapic = (struct madt_ioapic){
		.type = MADT_TYPE_IOAPIC, .length = sizeof(*ioapic), .id = MADT_IOAPIC_ID,
		.address = LAYOUT_IOAPIC, .gsi_base = 0,
	};
	/* The SCI is level-triggered, active high, as on every ACPI PC. */
	sci = (struct madt_irq_override *)(ioapic + 1);
	*sci = (struct madt_irq_override){
		.type = MADT_TYPE_OVERRIDE, .length = sizeof(*sci), .source = GSI_ACPI_SCI,
		.gsi = GSI_ACPI_SCI, .flags = MADT_POLARITY_HIGH | MADT_TRIGGER_LEVEL,
	};
	acpi_table_seal(&madt->h);
	return 0;
}

static int acpi_build_fadt(struct acpi_area *area, uint64_t dsdt, uint64_t facs, uint64_t *gpa)
{
	struct acpi_fadt *f = acpi_alloc(area, sizeof(*f), 16, gpa);

	if (!f)
		return -ENOSPC;
	acpi_header_init(&f->h, "FACP", sizeof(*f), FADT_REVISION);
	f->firmware_ctrl = facs;
	f->x_firmware_ctrl = facs;
	f->dsdt = dsdt;
	f->x_dsdt = dsdt;
	f->sci_int = GSI_ACPI_SCI;
	f->pm1a_evt_blk = PORT_ACPI_PM1A_EVT;
	f->pm1_evt_len = 4;
	f->x_pm1a_evt_blk = io_gas(PORT_ACPI_PM1A_EVT, 4);
	f->x_pm1a_evt_blk.access_size = ACPI_ACCESS_WORD;
	f->pm1a_cnt_blk = PORT_ACPI_PM1A_CNT;
	f->pm1_cnt_len = 2;
	f->x_pm1a_cnt_blk = io_gas(PORT_ACPI_PM1A_CNT, 2);
	f->century = RTC_CENTURY_INDEX;
	f->iapc_boot_arch = FADT_BOOT_NO_VGA;
	f->flags = FADT_F_WBINVD | FADT_F_PWR_BUTTON | FADT_F_SLP_BUTTON | FADT_F_RESET_REG_SUP;
	f->reset_reg = io_gas(PORT_ACPI_RESET, 1);
	f->reset_value = ACPI_RESET_VALUE;
	acpi_table_seal(&f->h);
	return 0;
}

int acpi__build(struct vm *vm, uint64_t *rsdp_gpa)
{
	struct acpi_area area = { .vm = vm };
	uint64_t rsdp_at, facs_at, dsdt_at, fadt_at, madt_at, rsdt_at, xsdt_at;
	struct acpi_header *dsdt, *rsdt, *xsdt;
	struct acpi_facs *facs;
	struct acpi_rsdp *rsdp;
	uint64_t tables[2];
	long aml_len;
	unsigned int i;
	int ret;

	area.base = gpa_to_hva(vm, LAYOUT_BIOS_AREA, LAYOUT_BIOS_AREA_END - LAYOUT_BIOS_AREA);
	if (!area.base)
		return -ENOMEM;
	memset(area.base, 0, LAYOUT_BIOS_AREA_END - LAYOUT_BIOS_AREA);
	rsdp = acpi_alloc(&area, sizeof(*rsdp), 16, &rsdp_at);
	facs = acpi_alloc(&area, sizeof(*facs), 64, &facs_at);
	memcpy(facs->signature, "FACS", 4);
	facs->length = sizeof(*facs);
	facs->version = 2;

	/* The DSDT's length is known once its AML is written, in place. */
	dsdt = acpi_alloc(&area, 0, 16, &dsdt_at);
	aml_len = dsdt__build_aml(vm, (uint8_t *)(dsdt + 1),
				  LAYOUT_BIOS_AREA_END - LAYOUT_BIOS_AREA - area.used - sizeof(*dsdt) -
				  4096);
	if (aml_len < 0)
		return aml_len;
	area.used += sizeof(*dsdt) + aml_len;
	acpi_header_init(dsdt, "DSDT", sizeof(*dsdt) + aml_len, 2);
	acpi_table_seal(dsdt);

	ret = acpi_build_fadt(&area, dsdt_at, facs_at, &fadt_at);
	if (!ret)
		ret = acpi_build_madt(&area, vm, &madt_at);
	if (ret)
		return ret;
	tables[0] = fadt_at;
	tables[1] = madt_at;

	rsdt = acpi_alloc(&area, sizeof(*rsdt) + 4 * ARRAY_SIZE(tables), 16, &rsdt_at);
	xsdt = acpi_alloc(&area, sizeof(*xsdt) + 8 * ARRAY_SIZE(tables), 16, &xsdt_at);
	if (!rsdt || !xsdt)
		return -ENOSPC;
	acpi_header_init(rsdt, "RSDT", sizeof(*rsdt) + 4 * ARRAY_SIZE(tables), 1);
	acpi_header_init(xsdt, "XSDT", sizeof(*xsdt) + 8 * ARRAY_SIZE(tables), 1);
	for (i = 0; i < ARRAY_SIZE(tables); i++) {
		uint32_t t32 = tables[i];

		memcpy((uint8_t *)(rsdt + 1) + 4 * i, &t32, 4);
		memcpy((uint8_t *)(xsdt + 1) + 8 * i, &tables[i], 8);
	}
	acpi_table_seal(rsdt);
	acpi_table_seal(xsdt);

	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, ACPI_OEM_ID, 6);
	rsdp->revision = 2;
	rsdp->rsdt_address = rsdt_at;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_address = xsdt_at;
	rsdp->checksum = acpi_checksum(rsdp, ACPI_RSDP_V1_LEN);
	rsdp->extended_checksum = acpi_checksum(rsdp, sizeof(*rsdp));
	*rsdp_gpa = rsdp_at;
	return 0;
}
