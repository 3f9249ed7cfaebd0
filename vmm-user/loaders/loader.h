/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel loaders: each puts one image format into guest memory, writes the
 * boot information its protocol defines and sets the boot vCPU's entry
 * state. The format is recognised from the file's contents.
 */
#ifndef HVX_LOADERS_LOADER_H
#define HVX_LOADERS_LOADER_H

#include <stddef.h>
#include <stdint.h>

struct vm;
struct vcpu;

#define BOOT_MAX_INITRDS	16

struct boot_spec {
	const char *kernel;
	const char *initrds[BOOT_MAX_INITRDS];	/* multiboot: modules */
	unsigned int nr_initrds;
	const char *cmdline;			/* Linux's: hvx's defaults + the user's */
	const char *user_cmdline;		/* --cmdline alone, verbatim ("" if none) */
	uint64_t rsdp;				/* ACPI RSDP, for protocols that pass it */
};

/* A file read whole into memory. */
struct file_buf {
	const char *path;
	uint8_t *data;
	size_t size;
};

/* 0, or -errno after printing "hvx: PATH: reason". */
int file_buf__read(struct file_buf *f, const char *path);
void file_buf__free(struct file_buf *f);

/* Copy into guest RAM; -EFAULT (and a message naming @what) if it does not fit. */
int guest_write(struct vm *vm, uint64_t gpa, const void *src, uint64_t len, const char *what);

/* Recognise @spec->kernel's format and load it. 0, or -errno after one line. */
int loader__load(struct vm *vm, const struct boot_spec *spec);

/* The formats; each returns -ENOEXEC, silently, if the image is not its own. */
int bzimage__load(struct vm *vm, const struct file_buf *kernel, const struct boot_spec *spec);
int multiboot__load(struct vm *vm, const struct file_buf *kernel, const struct boot_spec *spec);
int pvh__load(struct vm *vm, const struct file_buf *kernel, const struct boot_spec *spec);

/* ELF PT_LOAD segments at their physical addresses; the highest end in @end. */
int elf__load_segments(struct vm *vm, const struct file_buf *image, uint64_t *end);

/* Boot vCPU entry states (boot_cpu.c). */
int boot_cpu__long_mode(struct vcpu *vcpu, uint64_t rip, uint64_t rsi);
int boot_cpu__protected_mode(struct vcpu *vcpu, uint32_t eip, uint32_t eax, uint32_t ebx);

#endif /* HVX_LOADERS_LOADER_H */
