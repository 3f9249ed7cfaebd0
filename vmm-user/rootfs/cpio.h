/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A newc ("070701") cpio archive built in memory: what Linux unpacks as
 * an initramfs. Names are relative ("hvx/modules/9p.ko"); entries in the
 * order added (directories before what is in them).
 */
#ifndef HVX_ROOTFS_CPIO_H
#define HVX_ROOTFS_CPIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cpio {
	uint8_t *buf;
	size_t len, cap;
	unsigned int next_ino;
	int err;		/* the first failure (-ENOMEM): nothing added after */
};

void cpio_dir(struct cpio *c, const char *name, mode_t perm);
void cpio_file(struct cpio *c, const char *name, mode_t perm, const void *data, size_t len);
void cpio_chardev(struct cpio *c, const char *name, mode_t perm,
		  unsigned int major, unsigned int minor);
/* The trailer; then c->buf holds c->len bytes, or c->err says why not. */
void cpio_finish(struct cpio *c);
void cpio_free(struct cpio *c);

#endif /* HVX_ROOTFS_CPIO_H */
