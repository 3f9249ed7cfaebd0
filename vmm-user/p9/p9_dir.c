// SPDX-License-Identifier: GPL-2.0-only
/*
 * 9P2000.L requests on directories and names: reading a directory, and
 * creating, linking, renaming and removing entries. Every name here is
 * one component checked by p9_fs_name() and used with an *at() call on a
 * directory fid's O_PATH descriptor, so none of them can reach outside
 * the share or go through a symlink (see p9_fs.c).
 *
 * Host-side rules for what the guest creates: files belong to hvx's user
 * (the guest's uid and gid are not applied), set-user-ID and set-group-ID
 * bits are dropped, and no device node is made (mknod of a character or
 * block device is refused with EPERM); FIFOs and sockets are allowed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "p9_internal.h"

/* qid[13] offset[8] type[1] name[s]: the fixed part of a readdir entry. */
#define P9_DIRENT_FIXED		(P9_QID_SIZE + 8 + 1 + 2)
#define PROC_FD_PATH		sizeof("/proc/self/fd/-2147483648")

/*
 * The directory fid @fid, for a change in it: -EBADF, -ENOTDIR, -EROFS
 * on a read-only share, -EACCES in a pseudo filesystem shown empty.
 */
static int p9_dir_fid(struct p9_server *s, uint32_t fid, bool change, struct p9_fid **out)
{
	struct p9_fid *f = p9_fid_get(s, fid);

	if (!f || f->kind != P9_FID_FILE)
		return -EBADF;
	if (!S_ISDIR(f->type))
		return -ENOTDIR;
	if (change && s->read_only)
		return -EROFS;
	if (change && f->pseudo)
		return -EACCES;
	*out = f;
	return 0;
}

/* The qid of @name in @dirfd, a symlink itself if it is one. */
static int p9_name_qid(struct p9_server *s, int dirfd, const char *name, struct p9_qid *qid)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	p9_fs_qid(s, &st, qid);
	return 0;
}

int p9_readdir(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	struct p9_fid *f = p9_fid_get(s, p9_get32(r));
	uint64_t offset = p9_get64(r);
	uint32_t count = p9_get32(r);
	size_t count_off = w->off, end, pos;
	ssize_t n;

	if (r->bad)
		return -EPROTO;
	if (!f || f->kind != P9_FID_FILE || f->open_fd < 0)
		return -EBADF;
	if (!S_ISDIR(f->type))
		return -ENOTDIR;
	if (offset > INT64_MAX)
		return -EINVAL;
	if (count > p9_writer_left(w) - 4)
		count = p9_writer_left(w) - 4;
	p9_put32(w, 0);
	end = w->off + count;
	if (f->pseudo)
		goto done;
	/* Offsets are the host's d_off cookies: seek, then read on from there. */
	if (lseek(f->open_fd, offset, SEEK_SET) < 0)
		return -errno;
	n = getdents64(f->open_fd, s->dirbuf, count > P9_MIN_MSIZE ? count : P9_MIN_MSIZE);
	if (n < 0)
		return -errno;
	for (pos = 0; pos < (size_t)n;) {
		struct dirent64 *d = (struct dirent64 *)(s->dirbuf + pos);
		size_t len = strlen(d->d_name);
		struct stat st = { .st_dev = f->dev, .st_ino = d->d_ino,
				   .st_mode = DTTOIF(d->d_type) };
		struct p9_qid qid;

		/* Whole entries only; the next Treaddir starts after the last. */
		if (P9_DIRENT_FIXED + len > end - w->off)
			break;
		p9_fs_qid(s, &st, &qid);
		p9_put_qid(w, &qid);
		p9_put64(w, d->d_off);
		p9_put8(w, d->d_type);
		p9_put_str(w, d->d_name, len);
		pos += d->d_reclen;
	}
done:
	p9_patch32(w, count_off, w->off - count_off - 4);
	return 0;
}

/* An existing @name opened for Tlcreate without EXCL: a regular file only. */
static int p9_open_existing(int dirfd, const char *name, int flags, int *path_fd)
{
	struct stat st;
	int pfd = p9_fs_lookup(dirfd, name), fd;

	if (pfd < 0)
		return pfd;
	if (p9_fs_stat(pfd, &st) || !S_ISREG(st.st_mode)) {
		int err = p9_fs_stat(pfd, &st) ? -errno : S_ISDIR(st.st_mode) ? -EISDIR : -EEXIST;

		close(pfd);
		return err;
	}
	fd = p9_fs_reopen(pfd, flags);
	if (fd < 0) {
		close(pfd);
		return fd;
	}
	*path_fd = pfd;
	return fd;
}

int p9_lcreate(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t dfid = p9_get32(r);
	struct p9_str sname = p9_get_str(r);
	uint32_t p9_flags = p9_get32(r), mode = p9_get32(r);
	char name[P9_NAME_MAX + 1];
	int flags, fd, path_fd = -1, ret;
	struct p9_fid *df;
	struct p9_qid qid;
	struct stat st;

	p9_get32(r);		/* gid: files belong to hvx's user */
	if (r->bad)
		return -EPROTO;
	ret = p9_dir_fid(s, dfid, true, &df);
	if (!ret)
		ret = p9_fs_name(sname, name);
	if (ret)
		return ret;
	flags = p9_fs_open_flags(p9_flags);
	if (flags < 0)
		return flags;
	fd = p9_fs_create(df->path_fd, name, flags, p9_fs_safe_mode(mode));
	if (fd >= 0) {
		/* Exactly the mode asked for: hvx's umask is not the guest's. */
		fchmod(fd, p9_fs_safe_mode(mode));
		path_fd = p9_fs_reopen(fd, O_PATH);
	} else if (fd == -EEXIST && !(p9_flags & P9_DOTL_EXCL)) {
		fd = p9_open_existing(df->path_fd, name, flags, &path_fd);
	}
	if (fd < 0)
		return fd;
	if (path_fd < 0 || fstat(fd, &st)) {
		ret = path_fd < 0 ? path_fd : -errno;
		close(fd);
		if (path_fd >= 0)
			close(path_fd);
		return ret;
	}
	/* The fid now names the new file, open (create(5)). */
	p9_fid_set_file(df, path_fd, &st, false);
	df->open_fd = fd;
	df->open_flags = flags & ~(O_TRUNC | O_EXCL);
	p9_fs_qid(s, &st, &qid);
	p9_put_qid(w, &qid);
	p9_put32(w, 0);		/* iounit */
	return 0;
}

int p9_mkdir(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t dfid = p9_get32(r);
	struct p9_str sname = p9_get_str(r);
	uint32_t mode = p9_get32(r);
	char name[P9_NAME_MAX + 1];
	struct p9_fid *df;
	struct p9_qid qid;
	int ret, fd;

	p9_get32(r);		/* gid */
	if (r->bad)
		return -EPROTO;
	ret = p9_dir_fid(s, dfid, true, &df);
	if (!ret)
		ret = p9_fs_name(sname, name);
	if (ret)
		return ret;
	if (mkdirat(df->path_fd, name, p9_fs_safe_mode(mode)))
		return -errno;
	fd = p9_fs_lookup(df->path_fd, name);
	if (fd >= 0) {
		struct stat st;

		if (!p9_fs_stat(fd, &st) && S_ISDIR(st.st_mode))
			p9_fs_chmod(fd, p9_fs_safe_mode(mode));
		close(fd);
	}
	ret = p9_name_qid(s, df->path_fd, name, &qid);
	if (!ret)
		p9_put_qid(w, &qid);
	return ret;
}

int p9_symlink(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t dfid = p9_get32(r);
	struct p9_str sname = p9_get_str(r);
	struct p9_str starget = p9_get_str(r);
	char name[P9_NAME_MAX + 1], target[PATH_MAX];
	struct p9_fid *df;
	struct p9_qid qid;
	int ret;

	p9_get32(r);		/* gid */
	if (r->bad)
		return -EPROTO;
	ret = p9_dir_fid(s, dfid, true, &df);
	if (!ret)
		ret = p9_fs_name(sname, name);
	if (ret)
		return ret;
	/* Any text: the guest follows it in its own namespace, hvx never does. */
	if (!starget.len || memchr(starget.s, '\0', starget.len))
		return -EINVAL;
	if (starget.len >= sizeof(target))
		return -ENAMETOOLONG;
	memcpy(target, starget.s, starget.len);
	target[starget.len] = '\0';
	if (symlinkat(target, df->path_fd, name))
		return -errno;
	ret = p9_name_qid(s, df->path_fd, name, &qid);
	if (!ret)
		p9_put_qid(w, &qid);
	return ret;
}

int p9_mknod(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t dfid = p9_get32(r);
	struct p9_str sname = p9_get_str(r);
	uint32_t mode = p9_get32(r);
	char name[P9_NAME_MAX + 1];
	struct p9_fid *df;
	struct p9_qid qid;
	int ret, fd;

	p9_get32(r);		/* major */
	p9_get32(r);		/* minor */
	p9_get32(r);		/* gid */
	if (r->bad)
		return -EPROTO;
	ret = p9_dir_fid(s, dfid, true, &df);
	if (!ret)
		ret = p9_fs_name(sname, name);
	if (ret)
		return ret;
	switch (mode & S_IFMT) {
	case S_IFIFO: case S_IFSOCK: case S_IFREG:
		break;
	case S_IFCHR: case S_IFBLK:
		return -EPERM;		/* a device node would open the host's device */
	default:
		return -EINVAL;
	}
	if (mknodat(df->path_fd, name, (mode & S_IFMT) | p9_fs_safe_mode(mode), 0))
		return -errno;
	fd = p9_fs_lookup(df->path_fd, name);
	if (fd >= 0) {
		struct stat st;

		if (!p9_fs_stat(fd, &st) && (st.st_mode & S_IFMT) == (mode & S_IFMT))
			p9_fs_chmod(fd, p9_fs_safe_mode(mode));
		close(fd);
	}
	ret = p9_name_qid(s, df->path_fd, name, &qid);
	if (!ret)
		p9_put_qid(w, &qid);
	return ret;
}

int p9_link(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t dfid = p9_get32(r);
	struct p9_fid *f = p9_fid_get(s, p9_get32(r)), *df;
	struct p9_str sname = p9_get_str(r);
	char name[P9_NAME_MAX + 1], path[PROC_FD_PATH];
	int ret;

	(void)w;
	if (r->bad)
		return -EPROTO;
	ret = p9_dir_fid(s, dfid, true, &df);
	if (!ret)
		ret = p9_fs_name(sname, name);
	if (ret)
		return ret;
	if (!f || f->kind != P9_FID_FILE)
		return -EBADF;
	if (S_ISDIR(f->type))
		return -EPERM;
	if (!linkat(f->path_fd, "", df->path_fd, name, AT_EMPTY_PATH))
		return 0;
	/*
	 * Linking an fd needs CAP_DAC_READ_SEARCH; without it, link what the
	 * fd names through /proc (hvx's own descriptor, not a guest path).
	 * Not for symlinks: that would follow them.
	 */
	if (errno != ENOENT || S_ISLNK(f->type))
		return -errno;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", f->path_fd);
	return linkat(AT_FDCWD, path, df->path_fd, name, AT_SYMLINK_FOLLOW) ? -errno : 0;
}

int p9_renameat(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t odfid = p9_get32(r);
	struct p9_str soname = p9_get_str(r);
	uint32_t ndfid = p9_get32(r);
	struct p9_str snname = p9_get_str(r);
	char oname[P9_NAME_MAX + 1], nname[P9_NAME_MAX + 1];
	struct p9_fid *odf, *ndf;
	int ret;

	(void)w;
	if (r->bad)
		return -EPROTO;
	ret = p9_dir_fid(s, odfid, true, &odf);
	if (!ret)
		ret = p9_dir_fid(s, ndfid, true, &ndf);
	if (!ret)
		ret = p9_fs_name(soname, oname);
	if (!ret)
		ret = p9_fs_name(snname, nname);
	if (ret)
		return ret;
	return renameat(odf->path_fd, oname, ndf->path_fd, nname) ? -errno : 0;
}

int p9_unlinkat(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t dfid = p9_get32(r);
	struct p9_str sname = p9_get_str(r);
	uint32_t flags = p9_get32(r);
	char name[P9_NAME_MAX + 1];
	struct p9_fid *df;
	int ret;

	(void)w;
	if (r->bad)
		return -EPROTO;
	ret = p9_dir_fid(s, dfid, true, &df);
	if (!ret)
		ret = p9_fs_name(sname, name);
	if (ret)
		return ret;
	if (flags & ~P9_DOTL_AT_REMOVEDIR)
		return -EINVAL;
	return unlinkat(df->path_fd, name, flags ? AT_REMOVEDIR : 0) ? -errno : 0;
}
