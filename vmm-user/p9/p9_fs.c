// SPDX-License-Identifier: GPL-2.0-only
/*
 * The 9P server's side of the host filesystem: the only place that turns
 * guest-supplied names into host files, so the confinement rules live
 * here.
 *
 * - A name from the guest is one component: 1 to NAME_MAX bytes, no '/',
 *   no NUL, never "." or ".." (Twalk handles those two itself).
 * - Lookups are openat2(dirfd, name, O_PATH | O_NOFOLLOW) with
 *   RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS, where
 *   dirfd is a fid's own O_PATH descriptor: a symlink yields a descriptor
 *   of the link itself and is never followed, and nothing resolves above
 *   dirfd. Creation and removal are *at() calls on such a descriptor with
 *   one checked name, which follow no symlink either.
 * - A fid is bound to its file, not to a path: renames and races between
 *   lookup and use cannot retarget it. I/O reopens the file a descriptor
 *   already names through /proc/self/fd/N (a magic link hvx builds itself,
 *   to its own descriptor), after checking that it is a regular file or
 *   a directory: devices, FIFOs and sockets on the host are never opened.
 * - ".." is the parent, unless that would leave the share: the share's
 *   root is its own parent, as in 9P.
 * - Kernel pseudo filesystems mounted beneath the share (the host's /proc,
 *   /sys, ... when / is shared) are empty directories to the guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include "p9_internal.h"

#define P9_RESOLVE	(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)
/* Deeper than any real tree; ends the walk up from a ".." in any case. */
#define P9_MAX_DEPTH	4096
#define PROC_FD_PATH	sizeof("/proc/self/fd/-2147483648")
/* Qid paths: the host device's index in the top byte, the inode below. */
#define QID_DEV_SHIFT	56
#define QID_INO_MASK	((1ULL << QID_DEV_SHIFT) - 1)
#define QID_HASHED	0xffULL		/* index for what does not fit */

int p9_fs_name(struct p9_str name, char out[P9_NAME_MAX + 1])
{
	if (!name.len)
		return -EINVAL;
	if (name.len > P9_NAME_MAX)
		return -ENAMETOOLONG;
	if (memchr(name.s, '/', name.len) || memchr(name.s, '\0', name.len))
		return -EINVAL;
	memcpy(out, name.s, name.len);
	out[name.len] = '\0';
	if (!strcmp(out, ".") || !strcmp(out, ".."))
		return -EINVAL;
	return 0;
}

static int p9_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode)
{
	struct open_how how = { .flags = flags, .mode = mode, .resolve = P9_RESOLVE };
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

int p9_fs_lookup(int dirfd, const char *name)
{
	return p9_openat2(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
}

int p9_fs_create(int dirfd, const char *name, int flags, mode_t mode)
{
	return p9_openat2(dirfd, name, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
}

int p9_fs_stat(int fd, struct stat *st)
{
	return fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) ? -errno : 0;
}

static bool same_file(const struct stat *a, dev_t dev, ino_t ino)
{
	return a->st_dev == dev && a->st_ino == ino;
}

int p9_fs_parent(struct p9_server *s, int fd)
{
	struct stat st, up_st;
	int parent, cur, up, depth, r = -EACCES;

	if (p9_fs_stat(fd, &st))
		return -errno;
	if (same_file(&st, s->root_dev, s->root_ino)) {
		parent = fcntl(s->root_fd, F_DUPFD_CLOEXEC, 0);
		return parent < 0 ? -errno : parent;
	}
	/* Not beneath: openat2 refuses ".." there. So go up, then check. */
	parent = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (parent < 0)
		return -errno;
	cur = fcntl(parent, F_DUPFD_CLOEXEC, 0);
	for (depth = 0; cur >= 0 && depth < P9_MAX_DEPTH; depth++) {
		if (p9_fs_stat(cur, &st))
			break;
		if (same_file(&st, s->root_dev, s->root_ino)) {
			r = 0;
			break;
		}
		up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (up < 0 || p9_fs_stat(up, &up_st) || same_file(&up_st, st.st_dev, st.st_ino)) {
			/* The host's / without passing the share's root: outside. */
			if (up >= 0)
				close(up);
			break;
		}
		close(cur);
		cur = up;
	}
	if (cur >= 0)
		close(cur);
	if (r) {
		close(parent);
		return r;
	}
	return parent;
}

static void proc_fd_path(char buf[PROC_FD_PATH], int fd)
{
	snprintf(buf, PROC_FD_PATH, "/proc/self/fd/%d", fd);
}

int p9_fs_reopen(int path_fd, int flags)
{
	char path[PROC_FD_PATH];
	int fd;

	proc_fd_path(path, path_fd);
	fd = open(path, flags | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

int p9_fs_chmod(int path_fd, mode_t mode)
{
	char path[PROC_FD_PATH];

	proc_fd_path(path, path_fd);
	return chmod(path, mode) ? -errno : 0;
}

int p9_fs_utimens(int path_fd, const struct timespec ts[2])
{
	char path[PROC_FD_PATH];

	proc_fd_path(path, path_fd);
	return utimensat(AT_FDCWD, path, ts, 0) ? -errno : 0;
}

bool p9_fs_is_pseudo(int fd)
{
	struct statfs sfs;

	if (fstatfs(fd, &sfs))
		return false;
	switch ((unsigned long)sfs.f_type) {
	case PROC_SUPER_MAGIC: case SYSFS_MAGIC: case DEBUGFS_MAGIC: case TRACEFS_MAGIC:
	case SECURITYFS_MAGIC: case SELINUX_MAGIC: case SMACK_MAGIC: case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC: case BPF_FS_MAGIC: case DEVPTS_SUPER_MAGIC:
	case EFIVARFS_MAGIC: case PSTOREFS_MAGIC: case BINFMTFS_MAGIC: case NSFS_MAGIC:
	case USBDEVICE_SUPER_MAGIC: case RDTGROUP_SUPER_MAGIC:
		return true;
	default:
		return false;
	}
}

mode_t p9_fs_safe_mode(uint32_t mode)
{
	return mode & (S_IRWXU | S_IRWXG | S_IRWXO | S_ISVTX);
}

/*
 * Linux's client makes inode numbers of qid paths and caches inodes by
 * them, so two host filesystems (a share of / spans many) must not give
 * one path to two files: the device's index goes into the top byte.
 */
void p9_fs_qid(struct p9_server *s, const struct stat *st, struct p9_qid *qid)
{
	uint64_t ino = st->st_ino, idx;

	for (idx = 0; idx < s->nr_devs && s->devs[idx] != st->st_dev; idx++)
		;
	if (idx == s->nr_devs && s->nr_devs < P9_MAX_DEVS)
		s->devs[s->nr_devs++] = st->st_dev;
	if (idx < s->nr_devs && !(ino & ~QID_INO_MASK)) {
		qid->path = idx << QID_DEV_SHIFT | ino;
	} else {
		/* Out of indexes, or a huge inode number: a hash, rarely shared. */
		uint64_t h = (ino ^ ((uint64_t)st->st_dev << 32)) * 0x9e3779b97f4a7c15ULL;

		qid->path = QID_HASHED << QID_DEV_SHIFT | (h >> 8);
	}
	qid->version = 0;
	if (S_ISDIR(st->st_mode))
		qid->type = P9_QTDIR;
	else if (S_ISLNK(st->st_mode))
		qid->type = P9_QTSYMLINK;
	else
		qid->type = P9_QTFILE;
}

int p9_fs_open_flags(uint32_t p9_flags)
{
	int flags;

	switch (p9_flags & P9_DOTL_ACCMODE) {
	case 0: flags = O_RDONLY; break;
	case P9_DOTL_WRONLY: flags = O_WRONLY; break;
	case P9_DOTL_RDWR: flags = O_RDWR; break;
	default: return -EINVAL;
	}
	if (p9_flags & P9_DOTL_TRUNC)
		flags |= O_TRUNC;
	if (p9_flags & P9_DOTL_APPEND)
		flags |= O_APPEND;
	if (p9_flags & P9_DOTL_SYNC)
		flags |= O_SYNC;
	else if (p9_flags & P9_DOTL_DSYNC)
		flags |= O_DSYNC;
	/*
	 * O_CREAT and O_EXCL are Tlcreate's to handle; O_DIRECT, O_NOATIME,
	 * O_NONBLOCK and the rest are the guest's business.
	 */
	return flags;
}
