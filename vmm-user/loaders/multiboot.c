// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multiboot v1 kernels (the Multiboot Specification 0.6.96): the header in
 * the first 8 KiB says where to load the image (its address fields, or ELF
 * program headers without them); --initrd files become modules, placed
 * page-aligned after the image; the kernel starts in flat 32-bit protected
 * mode with EAX = 0x2BADB002 and EBX = the multiboot information.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>
#include "../vm.h"
#include "../platform/e820.h"
#include "../platform/layout.h"
#include "loader.h"

#define MB_HEADER_MAGIC		0x1badb002
#define MB_BOOTLOADER_MAGIC	0x2badb002
#define MB_SEARCH_LEN		8192
#define MB_HDR_MODS_ALIGN	(1u << 0)
#define MB_HDR_VIDEO_MODE	(1u << 2)
#define MB_HDR_ADDRESSES	(1u << 16)

#define MB_INFO_MEMORY		(1u << 0)
#define MB_INFO_CMDLINE		(1u << 2)
#define MB_INFO_MODS		(1u << 3)
#define MB_INFO_MMAP		(1u << 6)
#define MB_INFO_LOADER_NAME	(1u << 9)

struct mb_header {
	uint32_t magic, flags, checksum;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
} __attribute__((packed));
static_assert(offsetof(struct mb_info, mmap_addr) == 48, "multiboot info layout");
static_assert(offsetof(struct mb_info, boot_loader_name) == 64, "multiboot info layout");

struct mb_module {
	uint32_t mod_start, mod_end, string, reserved;
};

struct mb_mmap_entry {
	uint32_t size;			/* of the rest of the entry */
	uint64_t base_addr, length;
	uint32_t type;
} __attribute__((packed));
static_assert(sizeof(struct mb_mmap_entry) == 24, "multiboot mmap entry layout");

/* Offset of a valid header in the first 8 KiB, or -1. */
static long mb_find_header(const struct file_buf *k)
{
	size_t off, limit = k->size < MB_SEARCH_LEN ? k->size : MB_SEARCH_LEN;

	for (off = 0; off + 12 <= limit; off += 4) {
		struct mb_header h;

		memcpy(&h, k->data + off, 12);
		if (h.magic == MB_HEADER_MAGIC && h.magic + h.flags + h.checksum == 0)
			return off;
	}
	return -1;
}

/* The image per its address fields; the end of what it occupies in @end. */
static int mb_load_by_header(struct vm *vm, const struct file_buf *k, long hdr_off,
			     const struct mb_header *h, uint64_t *end)
{
	uint64_t file_off, load_len, mem_end;
	uint8_t *dst;

	if (sizeof(*h) > k->size - hdr_off || h->header_addr < h->load_addr ||
	    h->header_addr - h->load_addr > (uint64_t)hdr_off) {
		vmm_error("%s: multiboot address fields are inconsistent", k->path);
		return -EINVAL;
	}
	file_off = hdr_off - (h->header_addr - h->load_addr);
	load_len = h->load_end_addr ? (uint64_t)h->load_end_addr - h->load_addr :
				      k->size - file_off;
	if (h->load_end_addr && h->load_end_addr < h->load_addr) {
		vmm_error("%s: multiboot load_end_addr below load_addr", k->path);
		return -EINVAL;
	}
	if (load_len > k->size - file_off) {
		vmm_error("%s: truncated multiboot image (%zu bytes, the header asks for %llu)",
			  k->path, k->size, (unsigned long long)(file_off + load_len));
		return -EINVAL;
	}
	mem_end = h->bss_end_addr > h->load_addr + load_len ? h->bss_end_addr :
							      h->load_addr + load_len;
	dst = gpa_to_hva(vm, h->load_addr, mem_end - h->load_addr);
	if (!dst) {
		vmm_error("%s: loads at %#x..%#llx, outside guest RAM", k->path, h->load_addr,
			  (unsigned long long)mem_end);
		return -EINVAL;
	}
	memcpy(dst, k->data + file_off, load_len);
	memset(dst + load_len, 0, mem_end - h->load_addr - load_len);
	*end = mem_end;
	return 0;
}

int multiboot__load(struct vm *vm, const struct file_buf *kernel, const struct boot_spec *spec)
{
	struct {
		struct mb_info info;
		struct mb_module mods[BOOT_MAX_INITRDS];
		struct mb_mmap_entry mmap[ARRAY_SIZE(((struct e820_map *)0)->region)];
		char loader_name[8];
	} __attribute__((packed)) boot = { 0 };
	const uint64_t info_gpa = LAYOUT_BOOT_INFO;
	struct mb_header h;
	struct e820_map e820;
	uint64_t end, entry, addr;
	const char *cmdline;
	unsigned int i;
	long off;
	int ret;

	off = mb_find_header(kernel);
	if (off < 0)
		return -ENOEXEC;
	memcpy(&h, kernel->data + off, kernel->size - off < sizeof(h) ? kernel->size - off : sizeof(h));
	if (h.flags & MB_HDR_ADDRESSES) {
		ret = mb_load_by_header(vm, kernel, off, &h, &end);
		entry = h.entry_addr;
	} else if (kernel->size >= 4 && !memcmp(kernel->data, "\177ELF", 4)) {
		ret = elf__load_segments(vm, kernel, &end);
		entry = ((const uint32_t *)kernel->data)[6];	/* e_entry, 32-bit ELF */
	} else {
		vmm_error("%s: multiboot kernel neither ELF nor with address fields", kernel->path);
		return -EINVAL;
	}
	if (ret)
		return ret;
	if (h.flags & MB_HDR_VIDEO_MODE)
		vmm_info("%s: asks for a video mode; hvx has no display, ignored", kernel->path);

	/* A multiboot kernel is no Linux: it gets --cmdline verbatim. */
	cmdline = spec->user_cmdline ? spec->user_cmdline : "";
	ret = guest_write(vm, LAYOUT_CMDLINE, cmdline, strlen(cmdline) + 1, "command line");
	if (ret)
		return ret;
	boot.info.flags = MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MMAP |
			  MB_INFO_LOADER_NAME;
	boot.info.cmdline = LAYOUT_CMDLINE;
	boot.info.mem_lower = LAYOUT_LOW_RAM_END / KiB;
	boot.info.mem_upper = (vm__low_ram_end(vm) - LAYOUT_KERNEL) / KiB;

	/* Modules after the image (always page-aligned, which MB_HDR_MODS_ALIGN wants). */
	addr = ALIGN_UP(end, 4096);
	for (i = 0; i < spec->nr_initrds; i++) {
		struct file_buf f;

		ret = file_buf__read(&f, spec->initrds[i]);
		if (ret)
			return ret;
		ret = guest_write(vm, addr, f.data, f.size, f.path);
		if (!ret && addr + f.size > UINT32_MAX)
			ret = -ENOMEM;
		boot.mods[i] = (struct mb_module){ .mod_start = addr, .mod_end = addr + f.size };
		addr = ALIGN_UP(addr + f.size, 4096);
		file_buf__free(&f);
		if (ret)
			return ret;
	}
	boot.info.mods_count = spec->nr_initrds;
	boot.info.mods_addr = info_gpa + offsetof(typeof(boot), mods);

	e820__build(vm, &e820);
	for (i = 0; i < e820.nr; i++)
		boot.mmap[i] = (struct mb_mmap_entry){
			.size = sizeof(struct mb_mmap_entry) - sizeof(uint32_t),
			.base_addr = e820.region[i].addr, .length = e820.region[i].size,
			.type = e820.region[i].type,
		};
	boot.info.mmap_addr = info_gpa + offsetof(typeof(boot), mmap);
	boot.info.mmap_length = e820.nr * sizeof(struct mb_mmap_entry);
	memcpy(boot.loader_name, "hvx", 4);
	boot.info.boot_loader_name = info_gpa + offsetof(typeof(boot), loader_name);
	ret = guest_write(vm, info_gpa, &boot, sizeof(boot), "multiboot information");
	if (ret)
		return ret;
	vmm_debug("multiboot: entry %#llx, image ends at %#llx, %u modules",
		  (unsigned long long)entry, (unsigned long long)end, spec->nr_initrds);
	return boot_cpu__protected_mode(&vm->vcpus[0], entry, MB_BOOTLOADER_MAGIC, info_gpa);
}
