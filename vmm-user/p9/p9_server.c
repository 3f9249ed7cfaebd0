// SPDX-License-Identifier: GPL-2.0-only
/*
 * The 9P server's core: the fid table, the dispatch of a request to its
 * handler (a table indexed by message type), the replies' framing and
 * Rlerror, and the session messages: Tversion, Tattach, Twalk, Tclunk,
 * Tremove, Tflush.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "p9_internal.h"

/* ---- Fids ---- */

static unsigned int p9_fid_bucket(uint32_t fid)
{
	return (fid * 2654435761u) % P9_FID_BUCKETS;
}

struct p9_fid *p9_fid_get(struct p9_server *s, uint32_t fid)
{
	struct p9_fid *f;

	for (f = s->fids[p9_fid_bucket(fid)]; f; f = f->next)
		if (f->fid == fid)
			return f;
	return NULL;
}

int p9_fid_new(struct p9_server *s, uint32_t fid, struct p9_fid **out)
{
	unsigned int b = p9_fid_bucket(fid);
	struct p9_fid *f;

	if (fid == P9_NOFID)
		return -EINVAL;
	if (p9_fid_get(s, fid))
		return -EEXIST;
	if (s->nr_fids >= P9_MAX_FIDS)
		return -EMFILE;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	*f = (struct p9_fid){ .fid = fid, .path_fd = -1, .open_fd = -1, .next = s->fids[b] };
	s->fids[b] = f;
	s->nr_fids++;
	*out = f;
	return 0;
}

static void p9_fid_close(struct p9_fid *f)
{
	if (f->open_fd >= 0)
		close(f->open_fd);
	if (f->path_fd >= 0)
		close(f->path_fd);
	f->open_fd = f->path_fd = -1;
}

void p9_fid_clunk(struct p9_server *s, struct p9_fid *f)
{
	struct p9_fid **pp = &s->fids[p9_fid_bucket(f->fid)];

	while (*pp != f)
		pp = &(*pp)->next;
	*pp = f->next;
	p9_fid_close(f);
	free(f);
	s->nr_fids--;
}

void p9_fid_set_file(struct p9_fid *f, int path_fd, const struct stat *st, bool pseudo)
{
	p9_fid_close(f);
	f->kind = P9_FID_FILE;
	f->path_fd = path_fd;
	f->type = st->st_mode & S_IFMT;
	f->dev = st->st_dev;
	f->pseudo = pseudo;
}

static void p9_clunk_all(struct p9_server *s)
{
	unsigned int b;

	for (b = 0; b < P9_FID_BUCKETS; b++)
		while (s->fids[b])
			p9_fid_clunk(s, s->fids[b]);
}

/* ---- Session ---- */

static int p9_version(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t msize = p9_get32(r);
	struct p9_str version = p9_get_str(r);
	bool dotl;

	if (r->bad)
		return -EPROTO;
	if (msize < P9_MIN_MSIZE)
		return -EINVAL;
	/* A new session: every fid of the old one is gone (9P's version(5)). */
	p9_clunk_all(s);
	dotl = version.len >= strlen(P9_VERSION_L) &&
	       !memcmp(version.s, P9_VERSION_L, strlen(P9_VERSION_L));
	s->msize = msize < P9_MAX_MSIZE ? msize : P9_MAX_MSIZE;
	s->versioned = dotl;
	p9_put32(w, s->msize);
	if (dotl)
		p9_put_str(w, P9_VERSION_L, strlen(P9_VERSION_L));
	else
		p9_put_str(w, P9_VERSION_UNKNOWN, strlen(P9_VERSION_UNKNOWN));
	return 0;
}

static int p9_auth(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	(void)s; (void)r; (void)w;
	return -EOPNOTSUPP;	/* no authentication: attach directly */
}

/* A new fid for the file @fd (taken), with its qid. */
static int p9_fid_new_file(struct p9_server *s, uint32_t fid, int fd, struct p9_qid *qid)
{
	struct p9_fid *f;
	struct stat st;
	int ret = p9_fs_stat(fd, &st);

	if (!ret)
		ret = p9_fid_new(s, fid, &f);
	if (ret) {
		close(fd);
		return ret;
	}
	p9_fid_set_file(f, fd, &st, false);
	p9_fs_qid(s, &st, qid);
	return 0;
}

static int p9_attach(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t fid = p9_get32(r);
	uint32_t afid = p9_get32(r);
	struct p9_str aname;
	struct p9_qid qid;
	int fd, ret;

	p9_get_str(r);			/* uname: the host's permissions apply */
	aname = p9_get_str(r);
	p9_get32(r);			/* n_uname */
	if (r->bad)
		return -EPROTO;
	if (afid != P9_NOFID)
		return -EOPNOTSUPP;
	fd = fcntl(s->root_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* An aname is a path beneath the share, walked a name at a time. */
	while (aname.len) {
		char name[P9_NAME_MAX + 1];
		struct p9_str comp = aname;
		const char *slash = memchr(aname.s, '/', aname.len);
		int next;

		if (slash)
			comp.len = slash - aname.s;
		aname.s += comp.len + !!slash;
		aname.len -= comp.len + !!slash;
		if (!comp.len)
			continue;
		ret = p9_fs_name(comp, name);
		next = ret ? ret : p9_fs_lookup(fd, name);
		close(fd);
		if (next < 0)
			return next;
		fd = next;
	}
	ret = p9_fid_new_file(s, fid, fd, &qid);
	if (!ret)
		p9_put_qid(w, &qid);
	return ret;
}

/* One step of a walk from @fd: a new O_PATH descriptor, or -errno. */
static int p9_walk1(struct p9_server *s, int fd, bool pseudo, struct p9_str wname)
{
	char name[P9_NAME_MAX + 1];
	int ret;

	if (wname.len == 1 && wname.s[0] == '.') {
		ret = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		return ret < 0 ? -errno : ret;
	}
	if (wname.len == 2 && !memcmp(wname.s, "..", 2))
		return p9_fs_parent(s, fd);
	ret = p9_fs_name(wname, name);
	if (ret)
		return ret;
	/* Nothing inside the host's /proc, /sys, ...: they look empty. */
	if (pseudo)
		return -ENOENT;
	return p9_fs_lookup(fd, name);
}

static int p9_walk(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t fid = p9_get32(r), newfid = p9_get32(r);
	uint16_t nwname = p9_get16(r), i;
	struct p9_str names[P9_MAXWELEM];
	struct p9_qid qids[P9_MAXWELEM];
	struct p9_fid *f = p9_fid_get(s, fid), *nf;
	struct stat st = { 0 };
	bool pseudo = false;
	int fd, ret = 0;

	if (nwname > P9_MAXWELEM)
		return -EINVAL;
	for (i = 0; i < nwname; i++)
		names[i] = p9_get_str(r);
	if (r->bad)
		return -EPROTO;
	if (!f || f->kind != P9_FID_FILE)
		return -EBADF;
	if (newfid != fid && p9_fid_get(s, newfid))
		return -EEXIST;
	fd = fcntl(f->path_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	pseudo = f->pseudo;
	if (p9_fs_stat(fd, &st))
		ret = -errno;
	for (i = 0; i < nwname && !ret; i++) {
		dev_t dev = st.st_dev;
		int next = p9_walk1(s, fd, pseudo, names[i]);

		if (next < 0) {
			ret = next;
			break;
		}
		close(fd);
		fd = next;
		if (p9_fs_stat(fd, &st)) {
			ret = -errno;
			break;
		}
		/* Crossing into another filesystem: is it one shown empty? */
		if (st.st_dev != dev)
			pseudo = p9_fs_is_pseudo(fd);
		p9_fs_qid(s, &st, &qids[i]);
	}
	/* The first name failed: an error; a later one: the qids so far (walk(5)). */
	if (ret && i == 0) {
		close(fd);
		return ret;
	}
	if (i == nwname) {
		if (newfid == fid) {
			p9_fid_set_file(f, fd, &st, pseudo);
		} else {
			ret = p9_fid_new(s, newfid, &nf);
			if (ret) {
				close(fd);
				return ret;
			}
			p9_fid_set_file(nf, fd, &st, pseudo);
		}
	} else {
		close(fd);
	}
	p9_put16(w, i);
	for (ret = 0; ret < i; ret++)
		p9_put_qid(w, &qids[ret]);
	return 0;
}

static int p9_clunk(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	struct p9_fid *f = p9_fid_get(s, p9_get32(r));

	(void)w;
	if (r->bad)
		return -EPROTO;
	if (!f)
		return -EBADF;
	p9_fid_clunk(s, f);
	return 0;
}

/*
 * Tremove names a file by fid alone, and a fid knows no parent: Linux's
 * client uses Tunlinkat and falls back to Tremove only on EOPNOTSUPP.
 * The fid is clunked either way (remove(5)).
 */
static int p9_remove(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	struct p9_fid *f = p9_fid_get(s, p9_get32(r));

	(void)w;
	if (r->bad)
		return -EPROTO;
	if (!f)
		return -EBADF;
	p9_fid_clunk(s, f);
	return s->read_only ? -EROFS : -EOPNOTSUPP;
}

/* Requests are answered in order, one at a time: nothing is ever in flight. */
static int p9_flush(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	(void)s; (void)w;
	p9_get16(r);	/* oldtag */
	return r->bad ? -EPROTO : 0;
}

/* Trename needs the fid's parent too: Linux uses Trenameat first. */
static int p9_rename(struct p9_server *s, struct p9_reader *r, struct p9_writer *w)
{
	(void)r; (void)w;
	return s->read_only ? -EROFS : -EOPNOTSUPP;
}

/* ---- Dispatch ---- */

static const p9_handler_fn p9_handlers[P9_TYPE_MAX] = {
	[P9_TSTATFS] = p9_statfs,
	[P9_TLOPEN] = p9_lopen,
	[P9_TLCREATE] = p9_lcreate,
	[P9_TSYMLINK] = p9_symlink,
	[P9_TMKNOD] = p9_mknod,
	[P9_TRENAME] = p9_rename,
	[P9_TREADLINK] = p9_readlink,
	[P9_TGETATTR] = p9_getattr,
	[P9_TSETATTR] = p9_setattr,
	[P9_TXATTRWALK] = p9_xattrwalk,
	[P9_TXATTRCREATE] = p9_xattrcreate,
	[P9_TREADDIR] = p9_readdir,
	[P9_TFSYNC] = p9_fsync,
	[P9_TLOCK] = p9_lock,
	[P9_TGETLOCK] = p9_getlock,
	[P9_TLINK] = p9_link,
	[P9_TMKDIR] = p9_mkdir,
	[P9_TRENAMEAT] = p9_renameat,
	[P9_TUNLINKAT] = p9_unlinkat,
	[P9_TVERSION] = p9_version,
	[P9_TAUTH] = p9_auth,
	[P9_TATTACH] = p9_attach,
	[P9_TFLUSH] = p9_flush,
	[P9_TWALK] = p9_walk,
	[P9_TREAD] = p9_read,
	[P9_TWRITE] = p9_write,
	[P9_TCLUNK] = p9_clunk,
	[P9_TREMOVE] = p9_remove,
};

static size_t p9_reply_error(uint8_t *resp, size_t resp_cap, uint16_t tag, int err)
{
	struct p9_writer w;

	p9_writer_init(&w, resp, resp_cap);
	p9_put32(&w, P9_RLERROR_SIZE);
	p9_put8(&w, P9_RLERROR);
	p9_put16(&w, tag);
	p9_put32(&w, err);
	return w.overflow ? 0 : w.off;
}

size_t p9_server_handle(struct p9_server *s, const uint8_t *req, size_t req_len,
			uint8_t *resp, size_t resp_cap)
{
	uint32_t limit = s->versioned ? s->msize : P9_MAX_MSIZE;
	struct p9_reader r;
	struct p9_writer w;
	uint32_t size;
	uint8_t type;
	uint16_t tag;
	int ret;

	if (resp_cap < P9_RLERROR_SIZE)
		return 0;
	p9_reader_init(&r, req, req_len);
	size = p9_get32(&r);
	type = p9_get8(&r);
	tag = p9_get16(&r);
	if (r.bad)
		return p9_reply_error(resp, resp_cap, P9_NOTAG, EPROTO);
	/* The size must cover the header and what arrived, and obey msize. */
	if (size < P9_HDR_SIZE || size > req_len || size > limit)
		return p9_reply_error(resp, resp_cap, tag, EMSGSIZE);
	r.len = size;
	if (resp_cap > limit)
		resp_cap = limit;
	if (!p9_handlers[type])
		return p9_reply_error(resp, resp_cap, tag, EOPNOTSUPP);
	/* Nothing but Tversion before the session is open. */
	if (!s->versioned && type != P9_TVERSION)
		return p9_reply_error(resp, resp_cap, tag, EPROTO);

	p9_writer_init(&w, resp, resp_cap);
	p9_put32(&w, 0);		/* size, patched below */
	p9_put8(&w, type + 1);
	p9_put16(&w, tag);
	ret = p9_handlers[type](s, &r, &w);
	if (!ret && w.overflow)
		ret = -EMSGSIZE;
	if (ret)
		return p9_reply_error(resp, resp_cap, tag, -ret);
	p9_patch32(&w, 0, w.off);
	return w.off;
}

int p9_server_init(struct p9_server *s, const char *root, bool read_only)
{
	struct stat st;
	int ret;

	memset(s, 0, sizeof(*s));
	s->read_only = read_only;
	s->msize = P9_MAX_MSIZE;
	s->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->root_fd < 0)
		return -errno;
	ret = p9_fs_stat(s->root_fd, &st);
	if (!ret && p9_fs_is_pseudo(s->root_fd))
		ret = -EPERM;
	if (!ret) {
		s->dirbuf = malloc(P9_MAX_MSIZE);
		ret = s->dirbuf ? 0 : -ENOMEM;
	}
	if (ret) {
		close(s->root_fd);
		s->root_fd = -1;
		return ret;
	}
	s->root_dev = st.st_dev;
	s->root_ino = st.st_ino;
	s->devs[s->nr_devs++] = st.st_dev;
	return 0;
}

void p9_server_destroy(struct p9_server *s)
{
	p9_clunk_all(s);
	if (s->root_fd >= 0)
		close(s->root_fd);
	s->root_fd = -1;
	free(s->dirbuf);
	s->dirbuf = NULL;
}
