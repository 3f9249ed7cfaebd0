// SPDX-License-Identifier: GPL-2.0-only
/*
 * bzImage through the Linux x86 boot protocol's 64-bit entry
 * (Documentation/arch/x86/boot.rst): the protected-mode kernel goes to its
 * preferred address, the setup header is copied into a zero page
 * (boot_params) that also carries the e820 map, the command line, the
 * initrd's place and the ACPI RSDP; the boot vCPU starts at the 64-bit
 * entry (load address + 0x200) with RSI pointing at boot_params.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <asm/bootparam.h>
#include "../vm.h"
#include "../platform/e820.h"
#include "../platform/layout.h"
#include "loader.h"

#define BZ_SETUP_HEADER_OFFSET	0x1f1	/* offsetof(struct boot_params, hdr) */
#define BZ_BOOT_FLAG		0xaa55
#define BZ_HDRS_MAGIC		0x53726448	/* "HdrS" */
#define BZ_MIN_VERSION		0x020c		/* 2.12: xloadflags, 64-bit entry */
#define BZ_ENTRY_64_OFFSET	0x200
/* The header ends at 0x202 + the displacement of the short jump at 0x200. */
#define BZ_JUMP_END		0x202
#define BZ_JUMP_DISP		0x201
#define BZ_DEFAULT_SETUP_SECTS	4
#define BZ_SECTOR		512
#define BZ_LOADER_UNDEFINED	0xff		/* type_of_loader: "other" */
#define BZ_INITRD_ALIGN		4096

static_assert(offsetof(struct boot_params, hdr) == BZ_SETUP_HEADER_OFFSET,
	      "setup header offset");
static_assert(sizeof(struct boot_params) == 4096, "zero page size");

/* Concatenate every --initrd (Linux unpacks concatenated cpio archives). */
static int bz_read_initrds(const struct boot_spec *spec, uint8_t **data, uint64_t *size)
{
	uint64_t total = 0;
	unsigned int i;
	int ret;

	*data = NULL;
	*size = 0;
	for (i = 0; i < spec->nr_initrds; i++) {
		struct file_buf f;
		uint8_t *n;

		ret = file_buf__read(&f, spec->initrds[i]);
		if (ret)
			goto fail;
		n = realloc(*data, ALIGN_UP(total, 4) + f.size + 1);
		if (!n) {
			file_buf__free(&f);
			ret = -ENOMEM;
			vmm_error("%s: out of memory", spec->initrds[i]);
			goto fail;
		}
		memset(n + total, 0, ALIGN_UP(total, 4) - total);
		total = ALIGN_UP(total, 4);
		memcpy(n + total, f.data, f.size);
		total += f.size;
		*data = n;
		file_buf__free(&f);
	}
	*size = total;
	return 0;
fail:
	free(*data);
	*data = NULL;
	return ret;
}

static int bz_place_initrd(struct vm *vm, const struct boot_spec *spec, struct boot_params *bp,
			   uint64_t kernel_end)
{
	uint64_t size, addr, limit = vm__low_ram_end(vm);
	uint8_t *data;
	int ret;

	ret = bz_read_initrds(spec, &data, &size);
	if (ret || !size)
		return ret;
	if (bp->hdr.initrd_addr_max && bp->hdr.initrd_addr_max + 1ULL < limit)
		limit = bp->hdr.initrd_addr_max + 1ULL;
	/* As high as allowed, away from the kernel's decompression space. */
	addr = limit > size ? ALIGN_DOWN(limit - size, BZ_INITRD_ALIGN) : 0;
	if (addr < kernel_end) {
		vmm_error("%s: the initrd (%llu MiB) does not fit below %#llx beside the kernel; try a larger --mem",
			  spec->initrds[0], (unsigned long long)(size / MiB),
			  (unsigned long long)limit);
		free(data);
		return -ENOMEM;
	}
	ret = guest_write(vm, addr, data, size, spec->initrds[0]);
	free(data);
	if (ret)
		return ret;
	bp->hdr.ramdisk_image = (uint32_t)addr;
	bp->hdr.ramdisk_size = (uint32_t)size;
	bp->ext_ramdisk_image = addr >> 32;
	bp->ext_ramdisk_size = size >> 32;
	vmm_debug("initrd at %#llx, %llu bytes", (unsigned long long)addr,
		  (unsigned long long)size);
	return 0;
}

int bzimage__load(struct vm *vm, const struct file_buf *kernel, const struct boot_spec *spec)
{
	static struct boot_params bp;
	const struct setup_header *hdr;
	struct e820_map e820;
	uint64_t setup_size, load_addr, kernel_size, kernel_end, hdr_len;
	size_t cmdline_len = strlen(spec->cmdline) + 1;
	unsigned int i, setup_sects;
	int ret;

	if (kernel->size < BZ_SETUP_HEADER_OFFSET + sizeof(*hdr))
		return -ENOEXEC;
	hdr = (const struct setup_header *)(kernel->data + BZ_SETUP_HEADER_OFFSET);
	if (hdr->boot_flag != BZ_BOOT_FLAG || hdr->header != BZ_HDRS_MAGIC)
		return -ENOEXEC;

	if (hdr->version < BZ_MIN_VERSION || !(hdr->xloadflags & XLF_KERNEL_64)) {
		vmm_error("%s: boot protocol %u.%02u without a 64-bit entry point (needs 2.12 and XLF_KERNEL_64)",
			  kernel->path, hdr->version >> 8, hdr->version & 0xff);
		return -EINVAL;
	}
	setup_sects = hdr->setup_sects ? hdr->setup_sects : BZ_DEFAULT_SETUP_SECTS;
	setup_size = (setup_sects + 1ULL) * BZ_SECTOR;
	hdr_len = BZ_JUMP_END + kernel->data[BZ_JUMP_DISP] - BZ_SETUP_HEADER_OFFSET;
	if (setup_size >= kernel->size || hdr_len > sizeof(bp.hdr) ||
	    (uint64_t)hdr->syssize * 16 > kernel->size - setup_size) {
		vmm_error("%s: truncated bzImage (%zu bytes, the header promises more)",
			  kernel->path, kernel->size);
		return -EINVAL;
	}
	kernel_size = kernel->size - setup_size;
	if (cmdline_len > LAYOUT_CMDLINE_MAX ||
	    (hdr->cmdline_size && cmdline_len > hdr->cmdline_size + 1ULL)) {
		vmm_error("%s: command line too long (%zu bytes, the kernel takes %u)",
			  kernel->path, cmdline_len - 1, hdr->cmdline_size);
		return -E2BIG;
	}

	/* A relocatable kernel runs where it prefers, which is where it links. */
	load_addr = hdr->relocatable_kernel && hdr->pref_address ? hdr->pref_address : LAYOUT_KERNEL;
	kernel_end = load_addr + (hdr->init_size > kernel_size ? hdr->init_size : kernel_size);
	if (kernel_end > vm__low_ram_end(vm)) {
		vmm_error("%s: needs %llu MiB of memory from %#llx to unpack; try a larger --mem",
			  kernel->path, (unsigned long long)((kernel_end - load_addr) / MiB),
			  (unsigned long long)load_addr);
		return -ENOMEM;
	}
	ret = guest_write(vm, load_addr, kernel->data + setup_size, kernel_size, kernel->path);
	if (ret)
		return ret;

	memset(&bp, 0, sizeof(bp));
	memcpy(&bp.hdr, hdr, hdr_len);
	bp.hdr.type_of_loader = BZ_LOADER_UNDEFINED;
	bp.hdr.loadflags |= LOADED_HIGH;
	bp.hdr.cmd_line_ptr = LAYOUT_CMDLINE;
	bp.hdr.code32_start = load_addr;
	bp.acpi_rsdp_addr = spec->rsdp;
	ret = guest_write(vm, LAYOUT_CMDLINE, spec->cmdline, cmdline_len, "command line");
	if (!ret)
		ret = bz_place_initrd(vm, spec, &bp, kernel_end);
	if (ret)
		return ret;

	e820__build(vm, &e820);
	for (i = 0; i < e820.nr; i++)
		bp.e820_table[i] = (struct boot_e820_entry){
			.addr = e820.region[i].addr,
			.size = e820.region[i].size,
			.type = e820.region[i].type,
		};
	bp.e820_entries = e820.nr;
	ret = guest_write(vm, LAYOUT_BOOT_PARAMS, &bp, sizeof(bp), "boot_params");
	if (ret)
		return ret;
	vmm_debug("bzImage: protocol %u.%02u, kernel at %#llx, %llu bytes",
		  hdr->version >> 8, hdr->version & 0xff, (unsigned long long)load_addr,
		  (unsigned long long)kernel_size);
	return boot_cpu__long_mode(&vm->vcpus[0], load_addr + BZ_ENTRY_64_OFFSET,
				   LAYOUT_BOOT_PARAMS);
}
