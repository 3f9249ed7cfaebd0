/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host side of `hvx run --rootfs DIR` (rootfs.c): which kernel
 * version is booting, whether its virtio-mmio, 9p and overlay drivers are
 * built in or modules, the initramfs with hvx's init and those modules
 * (or none), and the kernel command line that tells the init what to do.
 */
#ifndef HVX_ROOTFS_BOOT_H
#define HVX_ROOTFS_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../vmm_dev.h"
#include "cpio.h"

struct rootfs_share {
	char *host_path;		/* absolute, resolved */
	char tag[VIRTIO_9P_TAG_MAX + 1];
	bool read_only;
};

struct rootfs_config {
	const char *dir;		/* --rootfs */
	const char *exec;		/* --exec, NULL: a shell */
	const char *kernel;		/* --kernel */
	const struct rootfs_share *shares;
	unsigned int nr_shares;
	bool debug;			/* --debug: the boot log and the init's steps */
	bool tty;			/* stdin is a terminal: pass TERM, Ctrl-C works */
	bool no_stdin;			/* stdin is /dev/null: so is the command's */
};

struct rootfs_boot {
	char *root;			/* DIR, resolved */
	char *cmdline;			/* for the kernel command line */
	int initrd_fd;			/* memfd with the initramfs, -1: none */
	char initrd_path[32];		/* /proc/self/fd/N, for --initrd */
	/* What was decided, for messages and tests. */
	char version[128];		/* the kernel's release, from its image */
	unsigned int nr_modules;	/* modules put into the initramfs */
	char *init_path;		/* the init= path in the guest, no initramfs */
};

/* The pieces, each 0 or -errno after a message (also for the unit tests). */
int rootfs_kernel_version(const char *kernel, char *out, size_t len);
/*
 * The modules @moddir (DIR/lib/modules/VERSION) needs for a --rootfs
 * guest, dependencies first, as paths relative to @moddir, put in @order
 * (up to @max). Built-in ones are left out. The count, or -errno.
 */
int rootfs_resolve_modules(const char *moddir, char **order, unsigned int max);
/*
 * Without DIR/lib/modules/VERSION: the kernel's config (a .config beside
 * the kernel's build tree, or DIR/boot/config-VERSION) must have the
 * drivers built in. 0: built in (or no config found, so assumed);
 * -ENOENT after a message saying what is missing.
 */
int rootfs_check_config(const char *kernel, const char *root, const char *version);
/* The initramfs: hvx's init, and @nr modules read from @moddir. */
int rootfs_build_initramfs(struct cpio *c, const char *moddir, char *const *modules,
			   unsigned int nr);

/* Everything above, for `hvx run`: 0 or -errno after a message. */
int rootfs__prepare(const struct rootfs_config *cfg, struct rootfs_boot *out);
void rootfs__release(struct rootfs_boot *b);

/* hvx's own init as a static program (rootfs/init_blob.S). */
extern const uint8_t hvx_init_blob[];
extern const uint8_t hvx_init_blob_end[];

#endif /* HVX_ROOTFS_BOOT_H */
