// SPDX-License-Identifier: GPL-2.0-only
/*
 * ELF vmlinux through its PVH entry (Xen's HVM direct boot ABI, which Linux
 * implements with CONFIG_PVH): the XEN_ELFNOTE_PHYS32_ENTRY note names a
 * 32-bit entry point, entered in flat protected mode without paging with
 * EBX pointing at an hvm_start_info (command line, modules, memory map,
 * RSDP).
 */
#include <assert.h>
#include <errno.h>
#include <gelf.h>
#include <string.h>
#include "../vm.h"
#include "../platform/e820.h"
#include "../platform/layout.h"
#include "loader.h"

#define XEN_ELFNOTE_PHYS32_ENTRY	18
#define XEN_NOTE_NAME			"Xen"
#define HVM_START_MAGIC			0x336ec578
#define HVM_START_VERSION		1

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries, reserved;
};
static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info layout");

struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};
static_assert(sizeof(struct hvm_memmap_entry) == 24, "hvm_memmap_entry layout");

/* The PVH entry point, or 0 if the image has none. */
static uint64_t pvh_find_entry(Elf *elf)
{
	Elf_Scn *scn = NULL;
	size_t nr, i;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &nr))
		return 0;
	for (i = 0; i < nr; i++) {
		Elf_Data *data;
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_NOTE)
			continue;
		data = elf_getdata_rawchunk(elf, ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		if (!data)
			continue;
		while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			const char *name = (const char *)data->d_buf + name_off;
			const uint8_t *desc = (const uint8_t *)data->d_buf + desc_off;
			uint64_t entry = 0;

			if (nh.n_type != XEN_ELFNOTE_PHYS32_ENTRY || nh.n_namesz != sizeof(XEN_NOTE_NAME) ||
			    memcmp(name, XEN_NOTE_NAME, sizeof(XEN_NOTE_NAME)))
				continue;
			memcpy(&entry, desc, nh.n_descsz < 8 ? nh.n_descsz : 8);
			return entry;
		}
	}
	(void)scn;
	return 0;
}

int pvh__load(struct vm *vm, const struct file_buf *kernel, const struct boot_spec *spec)
{
	struct {
		struct hvm_start_info info;
		struct hvm_memmap_entry memmap[ARRAY_SIZE(((struct e820_map *)0)->region)];
		struct hvm_modlist_entry mods[BOOT_MAX_INITRDS];
	} boot = { 0 };
	const uint64_t info_gpa = LAYOUT_BOOT_INFO;
	uint64_t entry, end, mod_addr;
	struct e820_map e820;
	unsigned int i;
	Elf *elf;
	int ret;

	if (kernel->size < SELFMAG || memcmp(kernel->data, ELFMAG, SELFMAG))
		return -ENOEXEC;
	elf_version(EV_CURRENT);
	elf = elf_memory((char *)kernel->data, kernel->size);
	entry = elf ? pvh_find_entry(elf) : 0;
	if (elf)
		elf_end(elf);
	if (!entry) {
		vmm_error("%s: ELF file without a PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)",
			  kernel->path);
		return -EINVAL;
	}
	if (entry > UINT32_MAX) {
		vmm_error("%s: PVH entry %#llx is above 4 GiB", kernel->path,
			  (unsigned long long)entry);
		return -EINVAL;
	}
	ret = elf__load_segments(vm, kernel, &end);
	if (ret)
		return ret;

	boot.info.magic = HVM_START_MAGIC;
	boot.info.version = HVM_START_VERSION;
	boot.info.cmdline_paddr = LAYOUT_CMDLINE;
	boot.info.rsdp_paddr = spec->rsdp;
	ret = guest_write(vm, LAYOUT_CMDLINE, spec->cmdline, strlen(spec->cmdline) + 1,
			  "command line");
	if (ret)
		return ret;

	mod_addr = ALIGN_UP(end, 4096);
	for (i = 0; i < spec->nr_initrds; i++) {
		struct file_buf f;

		ret = file_buf__read(&f, spec->initrds[i]);
		if (ret)
			return ret;
		ret = guest_write(vm, mod_addr, f.data, f.size, f.path);
		boot.mods[i] = (struct hvm_modlist_entry){ .paddr = mod_addr, .size = f.size };
		mod_addr = ALIGN_UP(mod_addr + f.size, 4096);
		file_buf__free(&f);
		if (ret)
			return ret;
	}
	boot.info.nr_modules = spec->nr_initrds;
	boot.info.modlist_paddr = spec->nr_initrds ? info_gpa + offsetof(typeof(boot), mods) : 0;

	e820__build(vm, &e820);
	for (i = 0; i < e820.nr; i++)
		boot.memmap[i] = (struct hvm_memmap_entry){
			.addr = e820.region[i].addr, .size = e820.region[i].size,
			.type = e820.region[i].type,
		};
	boot.info.memmap_paddr = info_gpa + offsetof(typeof(boot), memmap);
	boot.info.memmap_entries = e820.nr;
	ret = guest_write(vm, info_gpa, &boot, sizeof(boot), "PVH start info");
	if (ret)
		return ret;
	vmm_debug("PVH: entry %#llx, image ends at %#llx", (unsigned long long)entry,
		  (unsigned long long)end);
	return boot_cpu__protected_mode(&vm->vcpus[0], entry, 0, info_gpa);
}
