/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hvx's 9P2000.L file server: one host directory (the share) served to
 * one guest client. The virtio-9p device (virtio/9p.c) hands it each
 * request as bytes and sends back the reply; nothing here knows about
 * virtio, so the unit tests drive it with plain buffers.
 *
 * The share is a security boundary (see p9_fs.c): the guest names files
 * only through fids, every fid holds an O_PATH descriptor of a file
 * beneath the share's root, every name is one path component resolved
 * with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS) or an *at() call on such a descriptor, and
 * symbolic links are never followed on the host (the guest's kernel
 * follows them in its own namespace). A read-only share refuses every
 * change with EROFS. A malformed request gets an Rlerror, never more.
 */
#ifndef HVX_P9_SERVER_H
#define HVX_P9_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The largest message either side may send: Linux's virtio transport
 * allows about 500 KB (125 pages); the client asks for 128 KiB unless
 * mounted with msize=.
 */
#define P9_MAX_MSIZE		(512 * 1024)
/* The smallest msize a client may negotiate: one page, as Linux requires. */
#define P9_MIN_MSIZE		4096
/* Fids one client may hold; each is a host file descriptor. */
#define P9_MAX_FIDS		(1u << 20)
#define P9_FID_BUCKETS		4096
/* Host filesystems told apart in qid paths by an index (see p9_qid_path). */
#define P9_MAX_DEVS		255

struct p9_fid;

struct p9_server {
	int root_fd;			/* O_PATH directory: the share */
	dev_t root_dev;
	ino_t root_ino;
	bool read_only;
	bool versioned;			/* a Tversion opened the session */
	uint32_t msize;			/* negotiated message size */
	/* Fids, hashed by number; nr_fids bounded by P9_MAX_FIDS. */
	struct p9_fid *fids[P9_FID_BUCKETS];
	unsigned int nr_fids;
	/* Host devices seen, so that qid paths of two filesystems differ. */
	dev_t devs[P9_MAX_DEVS];
	unsigned int nr_devs;
	uint8_t *dirbuf;		/* Treaddir's getdents buffer, msize bytes */
};

/*
 * Serve @root (a directory). 0, or -errno: the root cannot be opened, is
 * not a directory, or is a kernel pseudo filesystem (proc, sysfs, ...).
 */
int p9_server_init(struct p9_server *s, const char *root, bool read_only);
/* Clunk every fid and close the root. */
void p9_server_destroy(struct p9_server *s);
/*
 * One request: @req holds the @req_len bytes the client sent (a message
 * is at most msize bytes, so callers need not pass more than
 * P9_MAX_MSIZE), @resp has room for @resp_cap bytes. Returns the reply's
 * length, or 0 when @resp_cap cannot hold even an Rlerror (the caller
 * treats the request as malformed).
 */
size_t p9_server_handle(struct p9_server *s, const uint8_t *req, size_t req_len,
			uint8_t *resp, size_t resp_cap);

#endif /* HVX_P9_SERVER_H */
