// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VMM core's pure parts, in a plain process (ASan, UBSan): the trap
 * table, the ACPI tables and DSDT, the e820 map, and the bzImage, PVH and
 * multiboot loaders against real images (Debian's 6.1 bzImage and the
 * vmlinux inside it, the selftests' multiboot kernel). Guest RAM is a heap buffer in a real
 * struct vm; the boot vCPU's entry state is recorded instead of set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <asm/bootparam.h>
#include "ktap.h"
#include "vm.h"
#include "acpi/acpi.h"
#include "loaders/loader.h"
#include "platform/e820.h"
#include "platform/layout.h"

#define TEST_RAM	(256 * MiB)

/* ---- The parts of vm.c and boot_cpu.c these tests replace ---- */

static struct { uint64_t rip, rsi; uint32_t eax, ebx; int mode; } entry;

int boot_cpu__long_mode(struct vcpu *vcpu, uint64_t rip, uint64_t rsi)
{
	(void)vcpu;
	entry.rip = rip;
	entry.rsi = rsi;
	entry.mode = 64;
	return 0;
}

int boot_cpu__protected_mode(struct vcpu *vcpu, uint32_t eip, uint32_t eax, uint32_t ebx)
{
	(void)vcpu;
	entry.rip = eip;
	entry.eax = eax;
	entry.ebx = ebx;
	entry.mode = 32;
	return 0;
}

void *gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	const struct guest_ram *r = &vm->ram[0];

	return gpa >= r->gpa && len <= r->size && gpa - r->gpa <= r->size - len ?
	       r->hva + (gpa - r->gpa) : NULL;
}

uint64_t vm__low_ram_end(struct vm *vm)
{
	return vm->ram[0].size;
}

static struct vm *test_vm(unsigned int cpus)
{
	static struct vm vm;

	free(vm.ram[0].hva);
	memset(&vm, 0, sizeof(vm));
	vm.nr_vcpus = cpus;
	vm.ram_size = TEST_RAM;
	vm.nr_ram = 1;
	vm.ram[0] = (struct guest_ram){ .gpa = 0, .size = TEST_RAM, .hva = calloc(1, TEST_RAM) };
	ASSERT_TRUE(vm.ram[0].hva);
	ASSERT_EQ(trap__init(&vm), 0);
	memset(&entry, 0, sizeof(entry));
	return &vm;
}

static char *top_path(const char *rel)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s/%s", HVX_TOP, rel);
	return path;
}

/* ---- Traps ---- */

static int hits;
static void count_trap(void *opaque, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	(void)opaque; (void)addr; (void)data; (void)len; (void)is_write;
	hits++;
}

static void traps_lookup_and_overlap(void)
{
	struct vm *vm = test_vm(1);
	uint8_t b = 0;

	ASSERT_EQ(trap_register(vm, TRAP_PIO, 0x3f8, 8, count_trap, NULL), 0);
	ASSERT_EQ(trap_register(vm, TRAP_PIO, 0x60, 1, count_trap, NULL), 0);
	ASSERT_EQ(trap_register(vm, TRAP_PIO, 0x3fc, 1, count_trap, NULL), -EEXIST);
	ASSERT_EQ(trap_register(vm, TRAP_PIO, 0x3f0, 9, count_trap, NULL), -EEXIST);
	ASSERT_EQ(trap_register(vm, TRAP_PIO, 0x3f0, 8, count_trap, NULL), 0);
	/* The same address in the other space is free. */
	ASSERT_EQ(trap_register(vm, TRAP_MMIO, 0x3f8, 8, count_trap, NULL), 0);
	hits = 0;
	ASSERT_EQ(trap__dispatch(vm, TRAP_PIO, 0x3ff, &b, 1, false), 0);
	ASSERT_EQ(trap__dispatch(vm, TRAP_PIO, 0x400, &b, 1, false), -ENOENT);
	ASSERT_EQ(trap__dispatch(vm, TRAP_PIO, 0x3f7, &b, 1, false), 0);
	ASSERT_EQ(trap__dispatch(vm, TRAP_PIO, 0x61, &b, 1, false), -ENOENT);
	ASSERT_EQ(hits, 2);
	trap_unregister(vm, TRAP_PIO, 0x3f8);
	ASSERT_EQ(trap__dispatch(vm, TRAP_PIO, 0x3f8, &b, 1, false), -ENOENT);
	ASSERT_EQ(trap__dispatch(vm, TRAP_MMIO, 0x3f8, &b, 1, false), 0);
	trap__exit(vm);
}

/* ---- ACPI ---- */

static uint8_t sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s += *b++;
	return s;
}

static struct acpi_header *table_at(struct vm *vm, uint64_t gpa)
{
	struct acpi_header *h = gpa_to_hva(vm, gpa, sizeof(*h));

	ASSERT_TRUE(h, "table at %#llx outside RAM", (unsigned long long)gpa);
	ASSERT_TRUE(gpa_to_hva(vm, gpa, h->length));
	ASSERT_EQ(sum(h, h->length), 0);
	return h;
}

static void acpi_tables_consistent(void)
{
	struct vm *vm = test_vm(3);
	uint64_t rsdp, base, xsdt_gpa, madt_gpa = 0, fadt_gpa = 0;
	uint32_t gsi, dsdt_gpa;
	struct acpi_header *xsdt, *dsdt, *madt;
	unsigned int i, n, lapics = 0;
	uint8_t *r, *p;

	ASSERT_EQ(platform_alloc_virtio_mmio(vm, &base, &gsi), 0);
	ASSERT_EQ(base, LAYOUT_VIRTIO_MMIO);
	ASSERT_EQ(gsi, GSI_VIRTIO_FIRST);
	ASSERT_EQ(platform_alloc_virtio_mmio(vm, &base, &gsi), 0);
	ASSERT_EQ(acpi__build(vm, &rsdp), 0);
	ASSERT_TRUE(rsdp >= LAYOUT_BIOS_AREA && rsdp < LAYOUT_BIOS_AREA_END && !(rsdp & 15));
	r = gpa_to_hva(vm, rsdp, 36);
	ASSERT_TRUE(!memcmp(r, "RSD PTR ", 8));
	ASSERT_EQ(sum(r, 20), 0);
	ASSERT_EQ(sum(r, 36), 0);
	memcpy(&xsdt_gpa, r + 24, 8);
	xsdt = table_at(vm, xsdt_gpa);
	ASSERT_TRUE(!memcmp(xsdt->signature, "XSDT", 4));
	n = (xsdt->length - sizeof(*xsdt)) / 8;
	for (i = 0; i < n; i++) {
		uint64_t t;
		struct acpi_header *h;

		memcpy(&t, (uint8_t *)(xsdt + 1) + 8 * i, 8);
		h = table_at(vm, t);
		if (!memcmp(h->signature, "APIC", 4))
			madt_gpa = t;
		if (!memcmp(h->signature, "FACP", 4))
			fadt_gpa = t;
	}
	ASSERT_TRUE(madt_gpa && fadt_gpa, "XSDT lacks the MADT or FADT");
	memcpy(&dsdt_gpa, (uint8_t *)table_at(vm, fadt_gpa) + 40, 4);
	dsdt = table_at(vm, dsdt_gpa);
	ASSERT_TRUE(!memcmp(dsdt->signature, "DSDT", 4));
	/* One LNRO0005 device per window, each with its own memory and GSI. */
	p = (uint8_t *)(dsdt + 1);
	for (i = 0; p && i < 2; i++) {
		p = memmem(p, dsdt->length - (p - (uint8_t *)dsdt), "LNRO0005", 8);
		ASSERT_TRUE(p, "DSDT has %u LNRO0005 devices, wanted 2", i);
		p += 8;
	}
	ASSERT_TRUE(!memmem(p, dsdt->length - (p - (uint8_t *)dsdt), "LNRO0005", 8));
	base = LAYOUT_VIRTIO_MMIO + LAYOUT_VIRTIO_SLOT;
	ASSERT_TRUE(memmem(dsdt, dsdt->length, &(uint32_t){ (uint32_t)base }, 4),
		    "second window's base missing");
	ASSERT_TRUE(memmem(dsdt, dsdt->length, "_S5_", 4));
	madt = table_at(vm, madt_gpa);
	for (p = (uint8_t *)madt + 44; p < (uint8_t *)madt + madt->length; p += p[1]) {
		ASSERT_TRUE(p[1] >= 2, "MADT entry of length %u", p[1]);
		if (p[0] == 0) {
			ASSERT_EQ(p[3], lapics);	/* APIC ID = vCPU index */
			ASSERT_TRUE(p[4] & 1, "local APIC %u not enabled", lapics);
			lapics++;
		}
	}
	ASSERT_EQ(lapics, 3);
}

/* ---- Loaders ---- */

static void bzimage_boot_params(void)
{
	const char *kernel = top_path("build/kernels/6.1/vmlinuz");
	char initrd_path[] = "/tmp/vmm_core_test.XXXXXX";
	struct boot_spec spec = { .kernel = kernel, .cmdline = "console=ttyS0 hello" };
	struct vm *vm = test_vm(1);
	const struct boot_params *bp;
	const uint8_t *initrd;
	unsigned int i, fd;
	uint64_t ram = 0;

	if (access(kernel, R_OK))
		SKIP("no %s (testbed/fetch-kernels.sh 6.1)", kernel);
	fd = mkstemp(initrd_path);
	ASSERT_TRUE(write(fd, "INITRD!", 7) == 7);
	close(fd);
	spec.initrds[spec.nr_initrds++] = initrd_path;
	spec.rsdp = 0xe0000;
	ASSERT_EQ(loader__load(vm, &spec), 0);
	unlink(initrd_path);
	bp = gpa_to_hva(vm, LAYOUT_BOOT_PARAMS, sizeof(*bp));
	ASSERT_EQ(entry.mode, 64);
	ASSERT_EQ(entry.rsi, LAYOUT_BOOT_PARAMS);
	ASSERT_EQ(bp->hdr.header, 0x53726448);
	ASSERT_EQ(entry.rip, bp->hdr.pref_address + 0x200);
	ASSERT_EQ(bp->hdr.type_of_loader, 0xff);
	ASSERT_EQ(bp->acpi_rsdp_addr, 0xe0000);
	ASSERT_TRUE(!strcmp(gpa_to_hva(vm, bp->hdr.cmd_line_ptr, 1), spec.cmdline));
	/* The initrd: aligned, below the limit, above the kernel's unpack space. */
	ASSERT_EQ(bp->hdr.ramdisk_size, 7);
	ASSERT_EQ(bp->hdr.ramdisk_image % 4096, 0);
	ASSERT_TRUE(bp->hdr.ramdisk_image + 7ULL <= bp->hdr.initrd_addr_max + 1ULL);
	ASSERT_TRUE(bp->hdr.ramdisk_image >= bp->hdr.pref_address + bp->hdr.init_size);
	initrd = gpa_to_hva(vm, bp->hdr.ramdisk_image, 7);
	ASSERT_TRUE(!memcmp(initrd, "INITRD!", 7));
	ASSERT_TRUE(bp->e820_entries >= 3);
	for (i = 0; i < bp->e820_entries; i++)
		if (bp->e820_table[i].type == E820_RAM)
			ram += bp->e820_table[i].size;
	ASSERT_TRUE(ram > TEST_RAM - 2 * MiB && ram <= TEST_RAM, "e820 RAM %llu",
		    (unsigned long long)ram);
}

static void bzimage_truncated(void)
{
	const char *kernel = top_path("build/kernels/6.1/vmlinuz");
	char path[] = "/tmp/vmm_core_test.XXXXXX";
	struct boot_spec spec = { .kernel = path, .cmdline = "" };
	struct file_buf f;
	int fd;

	if (access(kernel, R_OK))
		SKIP("no %s", kernel);
	ASSERT_EQ(file_buf__read(&f, kernel), 0);
	fd = mkstemp(path);
	ASSERT_TRUE(write(fd, f.data, 64 * 1024) == 64 * 1024);
	close(fd);
	file_buf__free(&f);
	ASSERT_EQ(loader__load(test_vm(1), &spec), -EINVAL);
	ASSERT_EQ(entry.mode, 0);
	unlink(path);
}

static void multiboot_info(const char *image)
{
	char path[] = "/tmp/vmm_core_test.XXXXXX";
	/* Linux's line holds hvx's defaults; a multiboot kernel gets --cmdline alone. */
	struct boot_spec spec = { .kernel = top_path(image), .cmdline = "console=ttyS0 panic=-1 mb args",
				  .user_cmdline = "mb args" };
	struct vm *vm = test_vm(1);
	const uint32_t *mbi, *mod;
	int fd;

	if (access(spec.kernel, R_OK))
		SKIP("no %s (make -C selftests)", spec.kernel);
	fd = mkstemp(path);
	ASSERT_TRUE(write(fd, "\x21", 1) == 1);
	close(fd);
	spec.initrds[spec.nr_initrds++] = path;
	ASSERT_EQ(loader__load(vm, &spec), 0);
	unlink(path);
	ASSERT_EQ(entry.mode, 32);
	ASSERT_EQ(entry.eax, 0x2badb002);
	ASSERT_TRUE(entry.rip >= LAYOUT_KERNEL && entry.rip < LAYOUT_KERNEL + 64 * KiB);
	/* The entry point holds the kernel's first instruction, cli (0xfa). */
	ASSERT_EQ(*(uint8_t *)gpa_to_hva(vm, entry.rip, 1), 0xfa);
	mbi = gpa_to_hva(vm, entry.ebx, 88);
	ASSERT_TRUE(mbi);
	ASSERT_TRUE(!strcmp(gpa_to_hva(vm, mbi[4], 1), "mb args"));	/* cmdline */
	ASSERT_EQ(mbi[5], 1);						/* mods_count */
	mod = gpa_to_hva(vm, mbi[6], 16);
	ASSERT_EQ(mod[0] % 4096, 0);
	ASSERT_EQ(mod[1] - mod[0], 1);
	ASSERT_EQ(*(uint8_t *)gpa_to_hva(vm, mod[0], 1), 0x21);
	ASSERT_TRUE(mbi[11] && mbi[11] % 24 == 0);			/* mmap_length */
}

static void multiboot_flat(void) { multiboot_info("build/selftests/vmm_multiboot.bin"); }
static void multiboot_elf(void) { multiboot_info("build/selftests/vmm_multiboot.elf"); }

/* hvm_start_info, as pvh.c writes it (Xen's public/arch-x86/hvm/start_info.h). */
struct test_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};

static void pvh_start_info(void)
{
	const char *vmlinux = top_path("build/unit/vmlinux-6.1");
	struct boot_spec spec = { .kernel = vmlinux, .cmdline = "console=ttyS0 pvh", .rsdp = 0xe0000 };
	struct vm *vm = test_vm(1);
	const struct test_start_info *si;
	const uint64_t *mm;
	unsigned int i;
	uint64_t ram = 0;

	if (access(vmlinux, R_OK))
		SKIP("no %s (made from build/kernels/6.1/vmlinuz)", vmlinux);
	ASSERT_EQ(loader__load(vm, &spec), 0);
	ASSERT_EQ(entry.mode, 32);
	/* Debian 6.1's XEN_ELFNOTE_PHYS32_ENTRY: pvh_start_xen, in .head.text at 16 MiB. */
	ASSERT_TRUE(entry.rip > 16 * MiB && entry.rip < 17 * MiB, "entry %#llx",
		    (unsigned long long)entry.rip);
	si = gpa_to_hva(vm, entry.ebx, sizeof(*si));
	ASSERT_TRUE(si);
	ASSERT_EQ(si->magic, 0x336ec578);
	ASSERT_EQ(si->version, 1);
	ASSERT_EQ(si->rsdp_paddr, 0xe0000);
	ASSERT_TRUE(!strcmp(gpa_to_hva(vm, si->cmdline_paddr, 1), spec.cmdline));
	ASSERT_EQ(si->nr_modules, 0);
	ASSERT_TRUE(si->memmap_entries >= 3);
	mm = gpa_to_hva(vm, si->memmap_paddr, si->memmap_entries * 24);
	for (i = 0; i < si->memmap_entries; i++)
		if (((const uint32_t *)&mm[3 * i + 2])[0] == E820_RAM)
			ram += mm[3 * i + 1];
	ASSERT_TRUE(ram > TEST_RAM - 2 * MiB && ram <= TEST_RAM);
	/* The kernel's first bytes are at 16 MiB, as its first PT_LOAD says. */
	ASSERT_TRUE(memcmp(gpa_to_hva(vm, 16 * MiB, 64), (uint8_t[64]){ 0 }, 64));
}

static void not_a_kernel(void)
{
	struct boot_spec spec = { .kernel = top_path("README.md"), .cmdline = "" };

	ASSERT_EQ(loader__load(test_vm(1), &spec), -ENOEXEC);
}

static const struct ktest tests[] = {
	KTEST(traps_lookup_and_overlap),
	KTEST(acpi_tables_consistent),
	KTEST(bzimage_boot_params),
	KTEST(bzimage_truncated),
	KTEST(multiboot_flat),
	KTEST(multiboot_elf),
	KTEST(pvh_start_info),
	KTEST(not_a_kernel),
};

int main(void)
{
	vmm_verbosity = 0;
	return ktap_main(tests, KTEST_COUNT(tests));
}
