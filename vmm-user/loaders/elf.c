// SPDX-License-Identifier: GPL-2.0-only
/* ELF PT_LOAD segments, read with libelf, copied to their physical addresses. */
#include <errno.h>
#include <gelf.h>
#include <string.h>
#include "../vm.h"
#include "loader.h"

int elf__load_segments(struct vm *vm, const struct file_buf *image, uint64_t *end)
{
	size_t i, nr_phdrs;
	GElf_Phdr ph;
	Elf *elf;
	int ret = 0, loaded = 0;

	*end = 0;
	elf_version(EV_CURRENT);
	elf = elf_memory((char *)image->data, image->size);
	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &nr_phdrs)) {
		vmm_error("%s: corrupt ELF file: %s", image->path, elf_errmsg(-1));
		ret = -EINVAL;
		goto out;
	}
	for (i = 0; i < nr_phdrs; i++) {
		uint8_t *dst;

		if (!gelf_getphdr(elf, i, &ph)) {
			vmm_error("%s: corrupt ELF program header %zu", image->path, i);
			ret = -EINVAL;
			goto out;
		}
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > image->size ||
		    ph.p_filesz > image->size - ph.p_offset) {
			vmm_error("%s: segment %zu lies outside the file (truncated?)", image->path, i);
			ret = -EINVAL;
			goto out;
		}
		dst = gpa_to_hva(vm, ph.p_paddr, ph.p_memsz);
		if (!dst) {
			vmm_error("%s: segment %zu (%#llx, %llu bytes) is outside guest RAM",
				  image->path, i, (unsigned long long)ph.p_paddr,
				  (unsigned long long)ph.p_memsz);
			ret = -EINVAL;
			goto out;
		}
		memcpy(dst, image->data + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		if (ph.p_paddr + ph.p_memsz > *end)
			*end = ph.p_paddr + ph.p_memsz;
		loaded++;
	}
	if (!loaded) {
		vmm_error("%s: ELF file without loadable segments", image->path);
		ret = -EINVAL;
	}
out:
	if (elf)
		elf_end(elf);
	return ret;
}
