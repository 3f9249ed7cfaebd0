// SPDX-License-Identifier: GPL-2.0-only
/*
 * 9P2000.L requests on one file: attributes, open, read, write, sync,
 * symlink targets, locks and extended attributes.
 *
 * Locks are granted without a host lock (as QEMU's 9p server does): the
 * guest's kernel keeps its own lock table, and a host lock would be held
 * by hvx on behalf of every guest process at once. Extended attributes:
 * the share has none (lists are empty, reads give ENODATA, creation is
 * refused), which overlayfs and Linux's client both accept.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "p9_internal.h"

#define NSEC_PER_SEC	1000000000L

/* A fid that names a file (not an xattr list), or NULL. */
static struct p9_fid *p9_file_fid(struct p9_server *s, uint32_t fid)
{
	struct p9_fid *f = p9_fid_get(s, fid);

	return f && f->kind == P9_FID_FILE ? f : NULL;
}

int p9_getattr(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	struct p9_fid *f = p9_file_fid(s, p9_get32(r));
	struct p9_qid qid;
	struct stat st;

	p9_get64(r);		/* request_mask: the basic set is always sent */
	if (r->bad)
		return -EPROTO;
	if (!f)
		return -EBADF;
	if (p9_fs_stat(f->path_fd, &st))
		return -errno;
	p9_fs_qid(s, &st, &qid);
	p9_put64(w, P9_GETATTR_BASIC);
	p9_put_qid(w, &qid);
	p9_put32(w, st.st_mode);
	p9_put32(w, st.st_uid);
	p9_put32(w, st.st_gid);
	p9_put64(w, st.st_nlink);
	p9_put64(w, st.st_rdev);
	p9_put64(w, st.st_size);
	p9_put64(w, st.st_blksize);
	p9_put64(w, st.st_blocks);
	p9_put64(w, st.st_atim.tv_sec);
	p9_put64(w, st.st_atim.tv_nsec);
	p9_put64(w, st.st_mtim.tv_sec);
	p9_put64(w, st.st_mtim.tv_nsec);
	p9_put64(w, st.st_ctim.tv_sec);
	p9_put64(w, st.st_ctim.tv_nsec);
	p9_put64(w, 0);		/* btime, gen, data_version: not in the basic set */
	p9_put64(w, 0);
	p9_put64(w, 0);
	p9_put64(w, 0);
	return 0;
}

static int p9_truncate(struct p9_fid *f, uint64_t size)
{
	int fd = f->open_fd, ret = 0;

	if (!S_ISREG(f->type))
		return -EINVAL;
	if (size > INT64_MAX)
		return -EFBIG;
	/* An fd open for writing may truncate even after a chmod a-w. */
	if (fd < 0 || (f->open_flags & O_ACCMODE) == O_RDONLY) {
		fd = p9_fs_reopen(f->path_fd, O_WRONLY);
		if (fd < 0)
			return fd;
	}
	if (ftruncate(fd, size))
		ret = -errno;
	if (fd != f->open_fd)
		close(fd);
	return ret;
}

static int p9_set_times(struct p9_fid *f, uint32_t valid, uint64_t atime_sec,
			uint64_t atime_nsec, uint64_t mtime_sec, uint64_t mtime_nsec)
{
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };

	if (valid & P9_SETATTR_ATIME)
		ts[0] = valid & P9_SETATTR_ATIME_SET ?
			(struct timespec){ atime_sec, atime_nsec } :
			(struct timespec){ .tv_nsec = UTIME_NOW };
	if (valid & P9_SETATTR_MTIME)
		ts[1] = valid & P9_SETATTR_MTIME_SET ?
			(struct timespec){ mtime_sec, mtime_nsec } :
			(struct timespec){ .tv_nsec = UTIME_NOW };
	if (((valid & P9_SETATTR_ATIME_SET) && atime_nsec >= NSEC_PER_SEC) ||
	    ((valid & P9_SETATTR_MTIME_SET) && mtime_nsec >= NSEC_PER_SEC))
		return -EINVAL;
	/* A symlink's times: not through /proc, which would follow it. */
	if (S_ISLNK(f->type))
		return 0;
	return p9_fs_utimens(f->path_fd, ts);
}

int p9_setattr(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	struct p9_fid *f = p9_file_fid(s, p9_get32(r));
	uint32_t valid = p9_get32(r), mode = p9_get32(r), uid = p9_get32(r), gid = p9_get32(r);
	uint64_t size = p9_get64(r);
	uint64_t atime_sec = p9_get64(r), atime_nsec = p9_get64(r);
	uint64_t mtime_sec = p9_get64(r), mtime_nsec = p9_get64(r);
	int ret = 0;

	(void)w;
	if (r->bad)
		return -EPROTO;
	if (!f)
		return -EBADF;
	if (s->read_only)
		return -EROFS;
	if (valid & P9_SETATTR_MODE)
		ret = S_ISLNK(f->type) ? -EOPNOTSUPP : p9_fs_chmod(f->path_fd, p9_fs_safe_mode(mode));
	if (!ret && (valid & (P9_SETATTR_UID | P9_SETATTR_GID)) &&
	    fchownat(f->path_fd, "", valid & P9_SETATTR_UID ? uid : (uid_t)-1,
		     valid & P9_SETATTR_GID ? gid : (gid_t)-1, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		ret = -errno;
	if (!ret && (valid & P9_SETATTR_SIZE))
		ret = p9_truncate(f, size);
	if (!ret && (valid & (P9_SETATTR_ATIME | P9_SETATTR_MTIME)))
		ret = p9_set_times(f, valid, atime_sec, atime_nsec, mtime_sec, mtime_nsec);
	/* P9_SETATTR_CTIME alone: any change above already set it. */
	return ret;
}

int p9_statfs(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	struct p9_fid *f = p9_file_fid(s, p9_get32(r));
	struct statfs sfs;
	uint64_t fsid;

	if (r->bad)
		return -EPROTO;
	if (!f)
		return -EBADF;
	if (fstatfs(f->path_fd, &sfs))
		return -errno;
	memcpy(&fsid, &sfs.f_fsid, sizeof(fsid));
	p9_put32(w, sfs.f_type);
	p9_put32(w, sfs.f_bsize);
	p9_put64(w, sfs.f_blocks);
	p9_put64(w, sfs.f_bfree);
	p9_put64(w, sfs.f_bavail);
	p9_put64(w, sfs.f_files);
	p9_put64(w, sfs.f_ffree);
	p9_put64(w, fsid);
	p9_put32(w, sfs.f_namelen);
	return 0;
}

int p9_lopen(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	struct p9_fid *f = p9_file_fid(s, p9_get32(r));
	uint32_t p9_flags = p9_get32(r);
	struct p9_qid qid;
	struct stat st;
	int flags, fd;
	bool writes;

	if (r->bad)
		return -EPROTO;
	if (!f)
		return -EBADF;
	if (f->open_fd >= 0)
		return -EINVAL;		/* opened once per fid */
	flags = p9_fs_open_flags(p9_flags);
	if (flags < 0)
		return flags;
	writes = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
	if (S_ISDIR(f->type)) {
		if (writes)
			return -EISDIR;
		flags = O_RDONLY | O_DIRECTORY;
	} else if (S_ISLNK(f->type)) {
		return -ELOOP;
	} else if (!S_ISREG(f->type)) {
		/* Host devices, FIFOs and sockets: the guest's kernel serves its own. */
		return -EPERM;
	}
	if (writes && s->read_only)
		return -EROFS;
	fd = p9_fs_reopen(f->path_fd, flags);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	f->open_fd = fd;
	f->open_flags = flags;
	p9_fs_qid(s, &st, &qid);
	p9_put_qid(w, &qid);
	p9_put32(w, 0);		/* iounit: 0, the client uses msize */
	return 0;
}

int p9_read(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	struct p9_fid *f = p9_fid_get(s, p9_get32(r));
	uint64_t offset = p9_get64(r);
	uint32_t count = p9_get32(r);
	size_t count_off = w->off;
	uint8_t *data;
	ssize_t n = 0;

	if (r->bad)
		return -EPROTO;
	if (!f)
		return -EBADF;
	if (offset > INT64_MAX)
		return -EINVAL;
	/* Never more than the reply can carry, whatever the guest asked. */
	if (count > p9_writer_left(w) - 4)
		count = p9_writer_left(w) - 4;
	p9_put32(w, 0);
	data = p9_put_space(w, count);
	if (f->kind == P9_FID_FILE) {
		if (f->open_fd < 0)
			return -EBADF;
		if (S_ISDIR(f->type))
			return -EISDIR;
		n = pread(f->open_fd, data, count, offset);
		if (n < 0)
			return -errno;
	}
	/* An xattr fid: the empty list, read as 0 bytes. */
	w->off = count_off + 4 + n;
	p9_patch32(w, count_off, n);
	return 0;
}

int p9_write(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	struct p9_fid *f = p9_fid_get(s, p9_get32(r));
	uint64_t offset = p9_get64(r);
	uint32_t count = p9_get32(r);
	const uint8_t *data = p9_get_bytes(r, count);
	ssize_t n;

	if (r->bad)
		return -EPROTO;
	if (!f)
		return -EBADF;
	if (s->read_only)
		return -EROFS;
	if (f->kind != P9_FID_FILE)
		return -EOPNOTSUPP;
	if (f->open_fd < 0 || (f->open_flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (offset > INT64_MAX)
		return -EINVAL;
	n = pwrite(f->open_fd, data, count, offset);
	if (n < 0)
		return -errno;
	p9_put32(w, n);
	return 0;
}

int p9_fsync(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	struct p9_fid *f = p9_file_fid(s, p9_get32(r));
	uint32_t datasync = p9_get32(r);

	(void)w;
	if (r->bad)
		return -EPROTO;
	if (!f)
		return -EBADF;
	if (f->open_fd < 0)
		return 0;
	return (datasync ? fdatasync(f->open_fd) : fsync(f->open_fd)) ? -errno : 0;
}

int p9_readlink(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	struct p9_fid *f = p9_file_fid(s, p9_get32(r));
	char target[PATH_MAX];
	ssize_t n;

	if (r->bad)
		return -EPROTO;
	if (!f)
		return -EBADF;
	if (!S_ISLNK(f->type))
		return -EINVAL;
	n = readlinkat(f->path_fd, "", target, sizeof(target));
	if (n < 0)
		return -errno;
	p9_put_str(w, target, n);
	return 0;
}

int p9_lock(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	struct p9_fid *f = p9_file_fid(s, p9_get32(r));

	p9_get8(r);		/* type */
	p9_get32(r);		/* flags */
	p9_get64(r);		/* start */
	p9_get64(r);		/* length */
	p9_get32(r);		/* proc_id */
	p9_get_str(r);		/* client_id */
	if (r->bad)
		return -EPROTO;
	if (!f)
		return -EBADF;
	p9_put8(w, P9_LOCK_SUCCESS);
	return 0;
}

int p9_getlock(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	struct p9_fid *f = p9_file_fid(s, p9_get32(r));
	uint64_t start, length;
	struct p9_str client;
	uint32_t proc_id;

	p9_get8(r);		/* type */
	start = p9_get64(r);
	length = p9_get64(r);
	proc_id = p9_get32(r);
	client = p9_get_str(r);
	if (r->bad)
		return -EPROTO;
	if (!f)
		return -EBADF;
	/* No conflicting lock: the range is free. */
	p9_put8(w, P9_LOCK_TYPE_UNLCK);
	p9_put64(w, start);
	p9_put64(w, length);
	p9_put32(w, proc_id);
	p9_put_str(w, client.s, client.len);
	return 0;
}

int p9_xattrwalk(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	struct p9_fid *f = p9_file_fid(s, p9_get32(r)), *nf;
	uint32_t newfid = p9_get32(r);
	struct p9_str name = p9_get_str(r);
	int ret;

	if (r->bad)
		return -EPROTO;
	if (!f)
		return -EBADF;
	if (name.len)
		return -ENODATA;
	ret = p9_fid_new(s, newfid, &nf);
	if (ret)
		return ret;
	nf->kind = P9_FID_XATTR;
	p9_put64(w, 0);		/* the list's size: empty */
	return 0;
}

int p9_xattrcreate(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	struct p9_fid *f = p9_file_fid(s, p9_get32(r));

	(void)w;
	p9_get_str(r);		/* name */
	p9_get64(r);		/* attr_size */
	p9_get32(r);		/* flags */
	if (r->bad)
		return -EPROTO;
	if (!f)
		return -EBADF;
	return s->read_only ? -EROFS : -EOPNOTSUPP;
}
