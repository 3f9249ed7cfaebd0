/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the 9P server's files share among themselves: fids, the host
 * filesystem layer that keeps every access beneath the share (p9_fs.c),
 * and the request handlers (p9_server.c: session and walks; p9_file.c:
 * files; p9_dir.c: directories and names).
 */
#ifndef HVX_P9_INTERNAL_H
#define HVX_P9_INTERNAL_H

#include <limits.h>
#include <sys/stat.h>
#include "p9_proto.h"
#include "p9_server.h"

enum p9_fid_kind {
	P9_FID_FILE,		/* a file or directory of the share */
	P9_FID_XATTR,		/* Txattrwalk's result: an empty attribute list */
};

struct p9_fid {
	uint32_t fid;
	enum p9_fid_kind kind;
	int path_fd;		/* O_PATH, O_NOFOLLOW; -1 for P9_FID_XATTR */
	int open_fd;		/* after Tlopen / Tlcreate, else -1 */
	int open_flags;		/* the host flags it was opened with */
	mode_t type;		/* S_IFMT of the file */
	dev_t dev;		/* its host filesystem */
	bool pseudo;		/* on proc, sysfs, ...: shown as an empty directory */
	struct p9_fid *next;	/* hash chain */
};

/* ---- Fids (p9_server.c) ---- */

struct p9_fid *p9_fid_get(struct p9_server *s, uint32_t fid);
/* A new fid number @fid; -EEXIST if in use, -EMFILE past P9_MAX_FIDS. */
int p9_fid_new(struct p9_server *s, uint32_t fid, struct p9_fid **out);
void p9_fid_clunk(struct p9_server *s, struct p9_fid *f);
/* Point @f at another file: close what it held, take @path_fd. */
void p9_fid_set_file(struct p9_fid *f, int path_fd, const struct stat *st, bool pseudo);

/* ---- The host side (p9_fs.c) ---- */

/* One path component from the guest, checked, as a C string. */
#define P9_NAME_MAX		NAME_MAX
int p9_fs_name(struct p9_str name, char out[P9_NAME_MAX + 1]);
/* @name beneath directory @dirfd as O_PATH (a symlink itself, never its target). */
int p9_fs_lookup(int dirfd, const char *name);
/* Create @name beneath @dirfd (never through a symlink), open with @flags. */
int p9_fs_create(int dirfd, const char *name, int flags, mode_t mode);
/* The parent of @fd, refused if it would leave the share (the root's is the root). */
int p9_fs_parent(struct p9_server *s, int fd);
/* The file @path_fd names, opened for I/O with @flags (through /proc/self/fd). */
int p9_fs_reopen(int path_fd, int flags);
/* fstat of an O_PATH descriptor, symlinks included. */
int p9_fs_stat(int fd, struct stat *st);
/* Is @fd on a kernel pseudo filesystem (proc, sysfs, debugfs, ...)? */
bool p9_fs_is_pseudo(int fd);
/* chmod / utimensat / truncate on what @path_fd names. */
int p9_fs_chmod(int path_fd, mode_t mode);
int p9_fs_utimens(int path_fd, const struct timespec ts[2]);
/* Modes the guest may set: no set-user-ID or set-group-ID bit on the host. */
mode_t p9_fs_safe_mode(uint32_t mode);
void p9_fs_qid(struct p9_server *s, const struct stat *st, struct p9_qid *qid);
/* The 9P open flags a guest may ask for, as host flags; -EINVAL for others. */
int p9_fs_open_flags(uint32_t p9_flags);

/* ---- Handlers: parse from @r, reply into @w; 0 or -errno ---- */

typedef int (*p9_handler_fn)(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);

int p9_getattr(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);
int p9_setattr(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);
int p9_statfs(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);
int p9_lopen(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);
int p9_read(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);
int p9_write(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);
int p9_fsync(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);
int p9_readlink(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);
int p9_lock(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);
int p9_getlock(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);
int p9_xattrwalk(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);
int p9_xattrcreate(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);

int p9_readdir(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);
int p9_lcreate(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);
int p9_mkdir(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);
int p9_symlink(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);
int p9_mknod(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);
int p9_link(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);
int p9_renameat(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);
int p9_unlinkat(struct p9_server *s, struct p9_reader *r, struct p9_writer *w);

#endif /* HVX_P9_INTERNAL_H */
