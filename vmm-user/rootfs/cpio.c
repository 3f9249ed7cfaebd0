// SPDX-License-Identifier: GPL-2.0-only
/* The newc cpio writer of cpio.h (the format: Linux's early-userspace docs). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cpio.h"

#define NEWC_MAGIC	"070701"
#define NEWC_HDR_LEN	110		/* magic and 13 fields of 8 hex digits */
#define NEWC_ALIGN	4
#define NEWC_TRAILER	"TRAILER!!!"

static void cpio_put(struct cpio *c, const void *data, size_t len)
{
	size_t pad = (NEWC_ALIGN - (c->len + len) % NEWC_ALIGN) % NEWC_ALIGN;

	if (c->err)
		return;
	if (c->len + len + pad > c->cap) {
		size_t cap = (c->cap ? c->cap * 2 : 1 << 20) + len + pad;
		uint8_t *n = realloc(c->buf, cap);

		if (!n) {
			c->err = -ENOMEM;
			return;
		}
		c->buf = n;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, data, len);
	memset(c->buf + c->len + len, 0, pad);
	c->len += len + pad;
}

static void cpio_entry(struct cpio *c, const char *name, mode_t mode, const void *data,
		       size_t len, unsigned int rmajor, unsigned int rminor)
{
	char hdr[2 * NEWC_HDR_LEN];
	size_t namesize = strlen(name) + 1;

	/* ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check */
	if (len > UINT32_MAX || snprintf(hdr, sizeof(hdr), NEWC_MAGIC "%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		 ++c->next_ino, (unsigned int)mode, 0, 0, S_ISDIR(mode) ? 2 : 1, 0, len,
		 0, 0, rmajor, rminor, namesize, 0) != NEWC_HDR_LEN)
		c->err = c->err ? c->err : -EFBIG;
	/* Header and name are padded together, then the data. */
	if (c->err)
		return;
	{
		size_t total = NEWC_HDR_LEN + namesize;
		char *both = malloc(total);

		if (!both) {
			c->err = -ENOMEM;
			return;
		}
		memcpy(both, hdr, NEWC_HDR_LEN);
		memcpy(both + NEWC_HDR_LEN, name, namesize);
		cpio_put(c, both, total);
		free(both);
	}
	if (len)
		cpio_put(c, data, len);
}

void cpio_dir(struct cpio *c, const char *name, mode_t perm)
{
	cpio_entry(c, name, S_IFDIR | perm, NULL, 0, 0, 0);
}

void cpio_file(struct cpio *c, const char *name, mode_t perm, const void *data, size_t len)
{
	cpio_entry(c, name, S_IFREG | perm, data, len, 0, 0);
}

void cpio_chardev(struct cpio *c, const char *name, mode_t perm,
		  unsigned int major, unsigned int minor)
{
	cpio_entry(c, name, S_IFCHR | perm, NULL, 0, major, minor);
}

void cpio_finish(struct cpio *c)
{
	cpio_entry(c, NEWC_TRAILER, 0, NULL, 0, 0, 0);
}

void cpio_free(struct cpio *c)
{
	free(c->buf);
	*c = (struct cpio){ 0 };
}
