// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for hvx's 9P2000.L server (vmm-user/p9/), run as a plain
 * process with ASan and UBSan: the test is the client, builds T-messages
 * byte by byte and checks the R-messages against the host files.
 *
 * - the protocol: version and msize, attach, walk, getattr, open, read,
 *   readdir, create, write, mkdir, symlink, link, rename, unlink,
 *   setattr, statfs, xattrs, locks;
 * - confinement: names with '/', "..", ".", NUL, empty or too long in
 *   every message that takes one; ".." at the root; symlinks that point
 *   out of the share (never followed, never written through); host
 *   devices and FIFOs never opened; a fid keeps naming its file when the
 *   host renames its directory and puts a symlink to the outside there;
 *   the host's /proc is empty when / is shared;
 * - a read-only share refuses every change with EROFS;
 * - malformed messages: sizes, truncated fields of every type, bad
 *   counts, unknown types, bad fids, msize games, a reply buffer too
 *   small, and 200000 random messages; every reply well framed.
 */
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "ktap.h"
#include "p9/p9_proto.h"
#include "p9/p9_server.h"

#define TAG		0x1234
#define ROOT_FID	1
#define MSIZE		65536
#define SECRET		"outside-the-share"
#define FUZZ_ROUNDS	200000

/* ---- The test's client ---------------------------------------------------- */

struct client {
	struct p9_server srv;
	uint8_t req[P9_MAX_MSIZE + 64];
	uint8_t resp[P9_MAX_MSIZE + 64];
	size_t resp_cap;		/* what the next rpc offers for the reply */
	struct p9_writer w;
	struct p9_reader r;		/* the last reply, after its header */
	char dir[64];			/* the temporary tree */
};

static void msg_begin(struct client *c, uint8_t type)
{
	p9_writer_init(&c->w, c->req, sizeof(c->req));
	p9_put32(&c->w, 0);
	p9_put8(&c->w, type);
	p9_put16(&c->w, TAG);
}

static void put_cstr(struct client *c, const char *s)
{
	p9_put_str(&c->w, s, strlen(s));
}

/* Send what msg_begin started; the reply's type, or -ecode for Rlerror. */
static int rpc_raw(struct client *c, size_t len)
{
	size_t n = p9_server_handle(&c->srv, c->req, len, c->resp, c->resp_cap);
	struct p9_reader r;
	uint32_t size;
	uint8_t type;
	uint16_t tag;

	ASSERT_TRUE(n >= P9_HDR_SIZE, "reply of %zu bytes", n);
	ASSERT_TRUE(n <= c->resp_cap);
	p9_reader_init(&r, c->resp, n);
	size = p9_get32(&r);
	type = p9_get8(&r);
	tag = p9_get16(&r);
	ASSERT_EQ(size, n);
	ASSERT_TRUE(tag == TAG || tag == P9_NOTAG, "tag %#x", tag);
	c->r = r;
	if (type == P9_RLERROR) {
		uint32_t ecode = p9_get32(&c->r);

		ASSERT_EQ(n, P9_RLERROR_SIZE);
		ASSERT_TRUE(ecode > 0 && ecode < 4096, "ecode %u", ecode);
		return -(int)ecode;
	}
	return type;
}

static int rpc(struct client *c)
{
	ASSERT_TRUE(!c->w.overflow);
	p9_patch32(&c->w, 0, c->w.off);
	return rpc_raw(c, c->w.off);
}

/* A request that must succeed with the reply type @type - 1 + 1. */
#define RPC_OK(c, ttype) do {						\
	int _t = rpc(c);						\
	if (_t != (ttype) + 1)						\
		FAIL("T%d: got %d (%s)", (ttype), _t,			\
		     _t < 0 ? strerrorname_np(-_t) : "reply");		\
} while (0)

#define RPC_ERR(c, err) do {						\
	int _t = rpc(c);						\
	if (_t != -(err))						\
		FAIL("expected %s, got %d (%s)", strerrorname_np(err), _t, \
		     _t < 0 ? strerrorname_np(-_t) : "a reply");	\
} while (0)

static void get_qid(struct client *c, struct p9_qid *q)
{
	q->type = p9_get8(&c->r);
	q->version = p9_get32(&c->r);
	q->path = p9_get64(&c->r);
	ASSERT_TRUE(!c->r.bad);
}

static void t_version(struct client *c, uint32_t msize)
{
	msg_begin(c, P9_TVERSION);
	p9_put32(&c->w, msize);
	put_cstr(c, P9_VERSION_L);
	RPC_OK(c, P9_TVERSION);
}

static void t_attach(struct client *c, uint32_t fid, const char *aname, struct p9_qid *q)
{
	struct p9_qid dummy;

	msg_begin(c, P9_TATTACH);
	p9_put32(&c->w, fid);
	p9_put32(&c->w, P9_NOFID);
	put_cstr(c, "root");
	put_cstr(c, aname);
	p9_put32(&c->w, 0);
	RPC_OK(c, P9_TATTACH);
	get_qid(c, q ? q : &dummy);
}

/* Twalk of "a/b/c" (split here) from @fid to @newfid; -errno or names walked. */
static int walk(struct client *c, uint32_t fid, uint32_t newfid, const char *path,
		struct p9_qid *last)
{
	char buf[256], *save, *name;
	const char *names[P9_MAXWELEM];
	unsigned int n = 0, i;
	int t;

	snprintf(buf, sizeof(buf), "%s", path);
	for (name = strtok_r(buf, "/", &save); name; name = strtok_r(NULL, "/", &save))
		names[n++] = name;
	msg_begin(c, P9_TWALK);
	p9_put32(&c->w, fid);
	p9_put32(&c->w, newfid);
	p9_put16(&c->w, n);
	for (i = 0; i < n; i++)
		put_cstr(c, names[i]);
	t = rpc(c);
	if (t < 0)
		return t;
	ASSERT_EQ(t, P9_RWALK);
	t = p9_get16(&c->r);
	for (i = 0; i < (unsigned int)t; i++) {
		struct p9_qid q;

		get_qid(c, &q);
		if (last)
			*last = q;
	}
	return t;
}

/* One name, given as bytes (so NUL and '/' can be in it). */
static int walk_raw(struct client *c, uint32_t fid, uint32_t newfid, const char *name,
		    size_t len)
{
	msg_begin(c, P9_TWALK);
	p9_put32(&c->w, fid);
	p9_put32(&c->w, newfid);
	p9_put16(&c->w, 1);
	p9_put_str(&c->w, name, len);
	return rpc(c);
}

static void walk_ok(struct client *c, uint32_t fid, uint32_t newfid, const char *path)
{
	unsigned int n = 0;
	const char *p;

	for (p = path; *p; p++)
		n += *p != '/' && (p == path || p[-1] == '/');
	ASSERT_EQ(walk(c, fid, newfid, path, NULL), n);
}

static int t_lopen(struct client *c, uint32_t fid, uint32_t flags)
{
	msg_begin(c, P9_TLOPEN);
	p9_put32(&c->w, fid);
	p9_put32(&c->w, flags);
	return rpc(c);
}

static void t_clunk(struct client *c, uint32_t fid)
{
	msg_begin(c, P9_TCLUNK);
	p9_put32(&c->w, fid);
	RPC_OK(c, P9_TCLUNK);
}

/* Tread into @buf; the count read. */
static uint32_t t_read(struct client *c, uint32_t fid, uint64_t off, uint32_t count,
		       char *buf, size_t buflen)
{
	uint32_t n;
	const uint8_t *data;

	msg_begin(c, P9_TREAD);
	p9_put32(&c->w, fid);
	p9_put64(&c->w, off);
	p9_put32(&c->w, count);
	RPC_OK(c, P9_TREAD);
	n = p9_get32(&c->r);
	data = p9_get_bytes(&c->r, n);
	ASSERT_TRUE(data && !c->r.bad && p9_reader_left(&c->r) == 0);
	if (buf) {
		ASSERT_TRUE(n < buflen);
		memcpy(buf, data, n);
		buf[n] = '\0';
	}
	return n;
}

static void read_file(struct client *c, const char *path, char *buf, size_t len)
{
	walk_ok(c, ROOT_FID, 50, path);
	ASSERT_EQ(t_lopen(c, 50, 0), P9_RLOPEN);
	t_read(c, 50, 0, len - 1, buf, len);
	t_clunk(c, 50);
}

static int t_lcreate(struct client *c, uint32_t dfid, const char *name, uint32_t flags,
		     uint32_t mode)
{
	msg_begin(c, P9_TLCREATE);
	p9_put32(&c->w, dfid);
	put_cstr(c, name);
	p9_put32(&c->w, flags);
	p9_put32(&c->w, mode);
	p9_put32(&c->w, 0);
	return rpc(c);
}

static int t_write(struct client *c, uint32_t fid, uint64_t off, const char *data)
{
	msg_begin(c, P9_TWRITE);
	p9_put32(&c->w, fid);
	p9_put64(&c->w, off);
	p9_put32(&c->w, strlen(data));
	memcpy(p9_put_space(&c->w, strlen(data)), data, strlen(data));
	return rpc(c);
}

static int t_mkdir(struct client *c, uint32_t dfid, const char *name, size_t len, uint32_t mode)
{
	msg_begin(c, P9_TMKDIR);
	p9_put32(&c->w, dfid);
	p9_put_str(&c->w, name, len);
	p9_put32(&c->w, mode);
	p9_put32(&c->w, 0);
	return rpc(c);
}

static int t_symlink(struct client *c, uint32_t dfid, const char *name, const char *target)
{
	msg_begin(c, P9_TSYMLINK);
	p9_put32(&c->w, dfid);
	put_cstr(c, name);
	put_cstr(c, target);
	p9_put32(&c->w, 0);
	return rpc(c);
}

static int t_mknod(struct client *c, uint32_t dfid, const char *name, uint32_t mode)
{
	msg_begin(c, P9_TMKNOD);
	p9_put32(&c->w, dfid);
	put_cstr(c, name);
	p9_put32(&c->w, mode);
	p9_put32(&c->w, 1);
	p9_put32(&c->w, 3);
	p9_put32(&c->w, 0);
	return rpc(c);
}

static int t_renameat(struct client *c, uint32_t odfid, const char *oname, uint32_t ndfid,
		      const char *nname)
{
	msg_begin(c, P9_TRENAMEAT);
	p9_put32(&c->w, odfid);
	put_cstr(c, oname);
	p9_put32(&c->w, ndfid);
	put_cstr(c, nname);
	return rpc(c);
}

static int t_unlinkat(struct client *c, uint32_t dfid, const char *name, uint32_t flags)
{
	msg_begin(c, P9_TUNLINKAT);
	p9_put32(&c->w, dfid);
	put_cstr(c, name);
	p9_put32(&c->w, flags);
	return rpc(c);
}

static int t_link(struct client *c, uint32_t dfid, uint32_t fid, const char *name)
{
	msg_begin(c, P9_TLINK);
	p9_put32(&c->w, dfid);
	p9_put32(&c->w, fid);
	put_cstr(c, name);
	return rpc(c);
}

static int t_setattr(struct client *c, uint32_t fid, uint32_t valid, uint32_t mode,
		     uint64_t size)
{
	msg_begin(c, P9_TSETATTR);
	p9_put32(&c->w, fid);
	p9_put32(&c->w, valid);
	p9_put32(&c->w, mode);
	p9_put32(&c->w, 0);
	p9_put32(&c->w, 0);
	p9_put64(&c->w, size);
	p9_put64(&c->w, 1000000);	/* atime */
	p9_put64(&c->w, 0);
	p9_put64(&c->w, 2000000);	/* mtime */
	p9_put64(&c->w, 0);
	return rpc(c);
}

/* ---- Fixture: a share with files, and a secret beside it ----------------- */

static void write_host(const char *path, const char *text)
{
	int fd = CHECK_OK(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644));

	CHECK_OK(write(fd, text, strlen(text)));
	close(fd);
}

static char *host_path(struct client *c, const char *rel)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", c->dir, rel);
	return buf[i];
}

static void read_host(struct client *c, const char *rel, char *buf, size_t len)
{
	int fd = CHECK_OK(open(host_path(c, rel), O_RDONLY));
	ssize_t n = CHECK_OK(read(fd, buf, len - 1));

	buf[n] = '\0';
	close(fd);
}

/*
 * DIR/share: hello.txt, sub/inner.txt, out -> ../secret.txt,
 * abs -> DIR (absolute), updir -> .. ; DIR/secret.txt beside the share.
 */
static struct client *setup(bool read_only)
{
	struct client *c = calloc(1, sizeof(*c));
	char target[128];

	ASSERT_TRUE(c);
	umask(022);
	strcpy(c->dir, "/tmp/hvx-p9-test-XXXXXX");
	ASSERT_TRUE(mkdtemp(c->dir));
	CHECK_OK(mkdir(host_path(c, "share"), 0755));
	CHECK_OK(mkdir(host_path(c, "share/sub"), 0755));
	write_host(host_path(c, "share/hello.txt"), "hello, guest\n");
	write_host(host_path(c, "share/sub/inner.txt"), "inner\n");
	write_host(host_path(c, "secret.txt"), SECRET);
	CHECK_OK(symlink("../secret.txt", host_path(c, "share/out")));
	snprintf(target, sizeof(target), "%s", c->dir);
	CHECK_OK(symlink(target, host_path(c, "share/abs")));
	CHECK_OK(symlink("..", host_path(c, "share/updir")));
	ASSERT_EQ(p9_server_init(&c->srv, host_path(c, "share"), read_only), 0);
	c->resp_cap = sizeof(c->resp);
	t_version(c, MSIZE);
	t_attach(c, ROOT_FID, "", NULL);
	return c;
}

static void secret_untouched(struct client *c)
{
	char buf[64];
	struct stat st;

	read_host(c, "secret.txt", buf, sizeof(buf));
	ASSERT_TRUE(!strcmp(buf, SECRET), "secret.txt now '%s'", buf);
	CHECK_OK(lstat(host_path(c, "secret.txt"), &st));
	ASSERT_TRUE(S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644, "mode %o", st.st_mode);
	/* Nothing new beside the share. */
	ASSERT_ERRNO(access(host_path(c, "evil"), F_OK), ENOENT);
	ASSERT_ERRNO(access(host_path(c, "evil.txt"), F_OK), ENOENT);
}

static void teardown(struct client *c)
{
	char cmd[128];

	p9_server_destroy(&c->srv);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", c->dir);
	ASSERT_EQ(system(cmd), 0);
	free(c);
}

/* ---- Protocol ----------------------------------------------------------- */

static void test_version_and_msize(void)
{
	struct client *c = setup(false);

	/* Nothing but Tversion before a session. */
	p9_server_destroy(&c->srv);
	ASSERT_EQ(p9_server_init(&c->srv, host_path(c, "share"), false), 0);
	msg_begin(c, P9_TATTACH);
	p9_put32(&c->w, 9);
	RPC_ERR(c, EPROTO);
	/* Too small an msize; then the server's cap; then an unknown version. */
	msg_begin(c, P9_TVERSION);
	p9_put32(&c->w, 100);
	put_cstr(c, P9_VERSION_L);
	RPC_ERR(c, EINVAL);
	msg_begin(c, P9_TVERSION);
	p9_put32(&c->w, 0xffffffff);
	put_cstr(c, P9_VERSION_L);
	RPC_OK(c, P9_TVERSION);
	ASSERT_EQ(p9_get32(&c->r), P9_MAX_MSIZE);
	msg_begin(c, P9_TVERSION);
	p9_put32(&c->w, MSIZE);
	put_cstr(c, "9P2000.u");
	RPC_OK(c, P9_TVERSION);
	ASSERT_EQ(p9_get32(&c->r), MSIZE);
	{
		struct p9_str v = p9_get_str(&c->r);

		ASSERT_TRUE(v.len == 7 && !memcmp(v.s, "unknown", 7));
	}
	/* A session again: fids of the old one are gone. */
	t_version(c, MSIZE);
	t_attach(c, ROOT_FID, "", NULL);
	t_version(c, MSIZE);
	ASSERT_EQ(walk(c, ROOT_FID, 2, "", NULL), -EBADF);
	teardown(c);
}

static void test_attach_walk_getattr(void)
{
	struct client *c = setup(false);
	struct p9_qid root, q, q2;
	struct stat st;
	char buf[64];

	t_attach(c, 2, "", &root);
	ASSERT_EQ(root.type, P9_QTDIR);
	ASSERT_EQ(walk(c, ROOT_FID, 3, "sub/inner.txt", &q), 2);
	ASSERT_EQ(q.type, P9_QTFILE);
	CHECK_OK(stat(host_path(c, "share/sub/inner.txt"), &st));
	ASSERT_EQ(q.path & ((1ULL << 56) - 1), st.st_ino);
	msg_begin(c, P9_TGETATTR);
	p9_put32(&c->w, 3);
	p9_put64(&c->w, P9_GETATTR_BASIC);
	RPC_OK(c, P9_TGETATTR);
	ASSERT_EQ(p9_get64(&c->r), P9_GETATTR_BASIC);
	get_qid(c, &q2);
	ASSERT_EQ(q2.path, q.path);
	ASSERT_EQ(p9_get32(&c->r), st.st_mode);
	p9_get32(&c->r);
	p9_get32(&c->r);
	ASSERT_EQ(p9_get64(&c->r), 1);		/* nlink */
	p9_get64(&c->r);
	ASSERT_EQ(p9_get64(&c->r), 6);		/* size of "inner\n" */
	/* A partial walk: the qids up to the failing name, no new fid. */
	ASSERT_EQ(walk(c, ROOT_FID, 4, "sub/nope/x", NULL), 1);
	ASSERT_EQ(walk(c, 4, 5, "", NULL), -EBADF);
	ASSERT_EQ(walk(c, ROOT_FID, 4, "nope", NULL), -ENOENT);
	/* newfid in use; walk in place (fid == newfid); clone (no names). */
	ASSERT_EQ(walk(c, ROOT_FID, 3, "sub", NULL), -EEXIST);
	walk_ok(c, ROOT_FID, 6, "sub");
	walk_ok(c, 6, 6, "inner.txt");
	ASSERT_EQ(walk(c, 6, 7, "", &q2), 0);
	ASSERT_EQ(t_lopen(c, 7, 0), P9_RLOPEN);
	t_read(c, 7, 0, 100, buf, sizeof(buf));
	ASSERT_TRUE(!strcmp(buf, "inner\n"));
	/* aname: a directory beneath the share, a name at a time. */
	t_attach(c, 8, "sub", &q);
	ASSERT_EQ(walk(c, 8, 9, "inner.txt", NULL), 1);
	teardown(c);
}

static void test_read_and_readdir(void)
{
	struct client *c = setup(false);
	const char *want[] = { ".", "..", "hello.txt", "sub", "out", "abs", "updir" };
	bool seen[7] = { false };
	uint64_t offset = 0;
	char buf[128];
	unsigned int i, total = 0;

	read_file(c, "hello.txt", buf, sizeof(buf));
	ASSERT_TRUE(!strcmp(buf, "hello, guest\n"), "read '%s'", buf);
	/* Offsets and short reads. */
	walk_ok(c, ROOT_FID, 2, "hello.txt");
	ASSERT_EQ(t_lopen(c, 2, 0), P9_RLOPEN);
	ASSERT_EQ(t_read(c, 2, 7, 5, buf, sizeof(buf)), 5);
	ASSERT_TRUE(!strcmp(buf, "guest"));
	ASSERT_EQ(t_read(c, 2, 1000, 5, buf, sizeof(buf)), 0);
	/* Opened once; a directory cannot be opened for writing nor read. */
	ASSERT_EQ(t_lopen(c, 2, 0), -EINVAL);
	walk_ok(c, ROOT_FID, 3, "");
	ASSERT_EQ(t_lopen(c, 3, P9_DOTL_WRONLY), -EISDIR);
	ASSERT_EQ(t_lopen(c, 3, 0), P9_RLOPEN);
	msg_begin(c, P9_TREAD);
	p9_put32(&c->w, 3);
	p9_put64(&c->w, 0);
	p9_put32(&c->w, 10);
	RPC_ERR(c, EISDIR);
	/* Readdir, in small pieces so that offsets are used. */
	for (;;) {
		uint32_t count;

		msg_begin(c, P9_TREADDIR);
		p9_put32(&c->w, 3);
		p9_put64(&c->w, offset);
		p9_put32(&c->w, 40);
		RPC_OK(c, P9_TREADDIR);
		count = p9_get32(&c->r);
		ASSERT_EQ(count, p9_reader_left(&c->r));
		if (!count)
			break;
		while (p9_reader_left(&c->r)) {
			struct p9_qid q;
			struct p9_str name;

			get_qid(c, &q);
			offset = p9_get64(&c->r);
			p9_get8(&c->r);
			name = p9_get_str(&c->r);
			ASSERT_TRUE(!c->r.bad);
			for (i = 0; i < 7; i++)
				if (strlen(want[i]) == name.len && !memcmp(want[i], name.s, name.len))
					seen[i] = true;
			total++;
			ASSERT_TRUE(total < 100, "readdir does not end");
		}
	}
	for (i = 0; i < 7; i++)
		ASSERT_TRUE(seen[i], "%s not listed", want[i]);
	ASSERT_EQ(total, 7);
	teardown(c);
}

static void test_create_write_and_names(void)
{
	struct client *c = setup(false);
	struct stat st;
	char buf[64];

	/* lcreate: the fid becomes the new open file; exact mode, no setuid. */
	walk_ok(c, ROOT_FID, 2, "");
	ASSERT_EQ(t_lcreate(c, 2, "new.txt", P9_DOTL_RDWR, 04751), P9_RLCREATE);
	ASSERT_EQ(t_write(c, 2, 0, "written by the guest"), P9_RWRITE);
	ASSERT_EQ(p9_get32(&c->r), 20);
	read_host(c, "share/new.txt", buf, sizeof(buf));
	ASSERT_TRUE(!strcmp(buf, "written by the guest"));
	CHECK_OK(stat(host_path(c, "share/new.txt"), &st));
	ASSERT_EQ(st.st_mode & 07777, 0751);
	/* Existing file without EXCL: opened (and truncated); with EXCL: EEXIST. */
	walk_ok(c, ROOT_FID, 3, "");
	ASSERT_EQ(t_lcreate(c, 3, "new.txt", P9_DOTL_WRONLY | P9_DOTL_TRUNC, 0644), P9_RLCREATE);
	CHECK_OK(stat(host_path(c, "share/new.txt"), &st));
	ASSERT_EQ(st.st_size, 0);
	walk_ok(c, ROOT_FID, 4, "");
	ASSERT_EQ(t_lcreate(c, 4, "new.txt", P9_DOTL_WRONLY | P9_DOTL_EXCL, 0644), -EEXIST);
	/* mkdir, with mode exactly; symlink; hard link; rename; unlink. */
	ASSERT_EQ(t_mkdir(c, ROOT_FID, "d", 1, 02775), P9_RMKDIR);
	CHECK_OK(stat(host_path(c, "share/d"), &st));
	ASSERT_TRUE(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0775, "mode %o", st.st_mode);
	ASSERT_EQ(t_symlink(c, ROOT_FID, "ln", "/etc/passwd"), P9_RSYMLINK);
	ASSERT_EQ(readlink(host_path(c, "share/ln"), buf, sizeof(buf)), 11);
	walk_ok(c, ROOT_FID, 5, "ln");
	msg_begin(c, P9_TREADLINK);
	p9_put32(&c->w, 5);
	RPC_OK(c, P9_TREADLINK);
	{
		struct p9_str t = p9_get_str(&c->r);

		ASSERT_TRUE(t.len == 11 && !memcmp(t.s, "/etc/passwd", 11));
	}
	walk_ok(c, ROOT_FID, 6, "hello.txt");
	ASSERT_EQ(t_link(c, ROOT_FID, 6, "hard.txt"), P9_RLINK);
	CHECK_OK(stat(host_path(c, "share/hard.txt"), &st));
	ASSERT_EQ(st.st_nlink, 2);
	walk_ok(c, ROOT_FID, 7, "d");
	ASSERT_EQ(t_renameat(c, ROOT_FID, "hard.txt", 7, "moved.txt"), P9_RRENAMEAT);
	ASSERT_EQ(access(host_path(c, "share/d/moved.txt"), F_OK), 0);
	ASSERT_EQ(t_unlinkat(c, 7, "moved.txt", 0), P9_RUNLINKAT);
	ASSERT_EQ(t_unlinkat(c, ROOT_FID, "d", 0), -EISDIR);
	ASSERT_EQ(t_unlinkat(c, ROOT_FID, "d", P9_DOTL_AT_REMOVEDIR), P9_RUNLINKAT);
	ASSERT_EQ(t_unlinkat(c, ROOT_FID, "ln", 0x1), -EINVAL);
	/* mknod: FIFOs yes, devices never. */
	ASSERT_EQ(t_mknod(c, ROOT_FID, "fifo", S_IFIFO | 0600), P9_RMKNOD);
	CHECK_OK(lstat(host_path(c, "share/fifo"), &st));
	ASSERT_TRUE(S_ISFIFO(st.st_mode));
	ASSERT_EQ(t_mknod(c, ROOT_FID, "disk", S_IFBLK | 0600), -EPERM);
	ASSERT_EQ(t_mknod(c, ROOT_FID, "tty", S_IFCHR | 0666), -EPERM);
	ASSERT_ERRNO(access(host_path(c, "share/disk"), F_OK), ENOENT);
	/* setattr: mode (setuid dropped), size, times. */
	ASSERT_EQ(t_setattr(c, 6, P9_SETATTR_MODE, 06755, 0), P9_RSETATTR);
	CHECK_OK(stat(host_path(c, "share/hello.txt"), &st));
	ASSERT_EQ(st.st_mode & 07777, 0755);
	ASSERT_EQ(t_setattr(c, 6, P9_SETATTR_SIZE, 0, 5), P9_RSETATTR);
	ASSERT_EQ(t_setattr(c, 6, P9_SETATTR_ATIME | P9_SETATTR_ATIME_SET |
			    P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET, 0, 0), P9_RSETATTR);
	CHECK_OK(stat(host_path(c, "share/hello.txt"), &st));
	ASSERT_EQ(st.st_size, 5);
	ASSERT_EQ(st.st_mtim.tv_sec, 2000000);
	ASSERT_EQ(st.st_atim.tv_sec, 1000000);
	/* statfs, fsync, locks, xattrs. */
	msg_begin(c, P9_TSTATFS);
	p9_put32(&c->w, ROOT_FID);
	RPC_OK(c, P9_TSTATFS);
	msg_begin(c, P9_TFSYNC);
	p9_put32(&c->w, 2);
	p9_put32(&c->w, 0);
	RPC_OK(c, P9_TFSYNC);
	msg_begin(c, P9_TLOCK);
	p9_put32(&c->w, 2);
	p9_put8(&c->w, 1);
	p9_put32(&c->w, 0);
	p9_put64(&c->w, 0);
	p9_put64(&c->w, 0);
	p9_put32(&c->w, 42);
	put_cstr(c, "guest");
	RPC_OK(c, P9_TLOCK);
	ASSERT_EQ(p9_get8(&c->r), P9_LOCK_SUCCESS);
	msg_begin(c, P9_TXATTRWALK);
	p9_put32(&c->w, 2);
	p9_put32(&c->w, 20);
	put_cstr(c, "user.x");
	RPC_ERR(c, ENODATA);
	msg_begin(c, P9_TXATTRWALK);
	p9_put32(&c->w, 2);
	p9_put32(&c->w, 20);
	put_cstr(c, "");
	RPC_OK(c, P9_TXATTRWALK);
	ASSERT_EQ(p9_get64(&c->r), 0);
	ASSERT_EQ(t_read(c, 20, 0, 100, NULL, 0), 0);
	/* Tremove and Trename: EOPNOTSUPP (Linux falls back); the fid goes. */
	msg_begin(c, P9_TREMOVE);
	p9_put32(&c->w, 20);
	RPC_ERR(c, EOPNOTSUPP);
	ASSERT_EQ(walk(c, 20, 21, "", NULL), -EBADF);	/* clunked */
	secret_untouched(c);
	teardown(c);
}

/* ---- Confinement --------------------------------------------------------- */

static void test_names_refused(void)
{
	static const struct { const char *s; size_t len; int err; } bad[] = {
		{ "..", 2, EINVAL }, { ".", 1, EINVAL }, { "", 0, EINVAL },
		{ "../secret.txt", 13, EINVAL }, { "/etc", 4, EINVAL },
		{ "a/..", 4, EINVAL }, { "x\0y", 3, EINVAL }, { "sub/inner.txt", 13, EINVAL },
	};
	struct client *c = setup(false);
	char longname[NAME_MAX + 2];
	unsigned int i;

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = bad[i].err;

		ktap_print("name '%.*s' (%zu bytes)", (int)bad[i].len, bad[i].s, bad[i].len);
		/* Walk takes "." and ".." (confined, below); the rest are refused. */
		if (bad[i].len != 1 && bad[i].len != 2)
			ASSERT_EQ(walk_raw(c, ROOT_FID, 2, bad[i].s, bad[i].len), -err);
		ASSERT_EQ(t_mkdir(c, ROOT_FID, bad[i].s, bad[i].len, 0755), -err);
		msg_begin(c, P9_TLCREATE);
		p9_put32(&c->w, ROOT_FID);
		p9_put_str(&c->w, bad[i].s, bad[i].len);
		p9_put32(&c->w, P9_DOTL_RDWR);
		p9_put32(&c->w, 0644);
		p9_put32(&c->w, 0);
		RPC_ERR(c, err);
		msg_begin(c, P9_TSYMLINK);
		p9_put32(&c->w, ROOT_FID);
		p9_put_str(&c->w, bad[i].s, bad[i].len);
		put_cstr(c, "x");
		p9_put32(&c->w, 0);
		RPC_ERR(c, err);
		msg_begin(c, P9_TUNLINKAT);
		p9_put32(&c->w, ROOT_FID);
		p9_put_str(&c->w, bad[i].s, bad[i].len);
		p9_put32(&c->w, 0);
		RPC_ERR(c, err);
		msg_begin(c, P9_TRENAMEAT);
		p9_put32(&c->w, ROOT_FID);
		put_cstr(c, "hello.txt");
		p9_put32(&c->w, ROOT_FID);
		p9_put_str(&c->w, bad[i].s, bad[i].len);
		RPC_ERR(c, err);
		msg_begin(c, P9_TRENAMEAT);
		p9_put32(&c->w, ROOT_FID);
		p9_put_str(&c->w, bad[i].s, bad[i].len);
		p9_put32(&c->w, ROOT_FID);
		put_cstr(c, "evil");
		RPC_ERR(c, err);
		walk_ok(c, ROOT_FID, 3, "hello.txt");
		msg_begin(c, P9_TLINK);
		p9_put32(&c->w, ROOT_FID);
		p9_put32(&c->w, 3);
		p9_put_str(&c->w, bad[i].s, bad[i].len);
		RPC_ERR(c, err);
		t_clunk(c, 3);
	}
	ASSERT_EQ(t_mkdir(c, ROOT_FID, longname, strlen(longname), 0755), -ENAMETOOLONG);
	ASSERT_EQ(walk_raw(c, ROOT_FID, 2, longname, strlen(longname)), -ENAMETOOLONG);
	secret_untouched(c);
	teardown(c);
}

/* Tattach's aname: a path beneath the share, one checked name at a time. */
static void test_attach_aname(void)
{
	static const struct { const char *aname; size_t len; int err; } cases[] = {
		{ "", 0, 0 }, { "/", 1, 0 }, { "sub", 3, 0 }, { "/sub//inner.txt", 15, 0 },
		{ "..", 2, EINVAL }, { "sub/..", 6, EINVAL }, { "../secret.txt", 13, EINVAL },
		{ "sub/../../secret.txt", 20, EINVAL }, { "./sub", 5, EINVAL },
		{ "x\0y", 3, EINVAL }, { "out/x", 5, ENOTDIR }, { "abs/secret.txt", 14, ENOTDIR },
		{ "nope", 4, ENOENT },
	};
	struct client *c = setup(false);
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ktap_print("aname '%.*s'", (int)cases[i].len, cases[i].aname);
		msg_begin(c, P9_TATTACH);
		p9_put32(&c->w, 4);
		p9_put32(&c->w, P9_NOFID);
		put_cstr(c, "u");
		p9_put_str(&c->w, cases[i].aname, cases[i].len);
		p9_put32(&c->w, 0);
		if (cases[i].err) {
			RPC_ERR(c, cases[i].err);
		} else {
			RPC_OK(c, P9_TATTACH);
			t_clunk(c, 4);
		}
	}
	/* An aname that is a symlink gives the link; nothing beyond it. */
	t_attach(c, 5, "out", NULL);
	ASSERT_EQ(walk(c, 5, 6, "x", NULL), -ENOTDIR);
	ASSERT_EQ(t_lopen(c, 5, 0), -ELOOP);
	secret_untouched(c);
	teardown(c);
}

static void test_dotdot_stays_inside(void)
{
	struct client *c = setup(false);
	struct p9_qid root, q;

	t_attach(c, 2, "", &root);
	/* ".." of the root is the root; of sub, the root; never beyond. */
	ASSERT_EQ(walk(c, ROOT_FID, 3, "..", &q), 1);
	ASSERT_EQ(q.path, root.path);
	ASSERT_EQ(walk(c, ROOT_FID, 4, "sub/../../../..", &q), 5);
	ASSERT_EQ(q.path, root.path);
	ASSERT_EQ(walk(c, 4, 5, "secret.txt", NULL), -ENOENT);
	ASSERT_EQ(walk(c, ROOT_FID, 6, "sub/./..", &q), 3);
	ASSERT_EQ(q.path, root.path);
	/* ".." then a name beside the share: the walk stops at the root. */
	ASSERT_EQ(walk(c, ROOT_FID, 7, "../secret.txt", &q), 1);
	ASSERT_EQ(q.path, root.path);
	ASSERT_EQ(walk(c, 7, 8, "", NULL), -EBADF);
	teardown(c);
}

static void test_symlinks_never_followed(void)
{
	struct client *c = setup(false);
	struct p9_qid q;
	struct stat st;

	/* Walking to a link gives the link; through it, nothing. */
	ASSERT_EQ(walk(c, ROOT_FID, 2, "out", &q), 1);
	ASSERT_EQ(q.type, P9_QTSYMLINK);
	ASSERT_EQ(t_lopen(c, 2, 0), -ELOOP);
	ASSERT_EQ(t_lopen(c, 2, P9_DOTL_RDWR | P9_DOTL_TRUNC), -ELOOP);
	ASSERT_EQ(walk(c, ROOT_FID, 3, "abs/secret.txt", NULL), 1);	/* stops at abs */
	ASSERT_EQ(walk(c, ROOT_FID, 3, "updir/secret.txt", NULL), 1);
	ASSERT_EQ(walk(c, ROOT_FID, 3, "updir/share/hello.txt", NULL), 1);
	/* Names that are links: create, mkdir, mknod do not go through them. */
	ASSERT_EQ(t_lcreate(c, ROOT_FID, "out", P9_DOTL_WRONLY | P9_DOTL_TRUNC, 0644), -EEXIST);
	walk_ok(c, ROOT_FID, 4, "");
	ASSERT_EQ(t_lcreate(c, 4, "out", P9_DOTL_WRONLY | P9_DOTL_TRUNC, 0644), -EEXIST);
	ASSERT_EQ(t_mkdir(c, ROOT_FID, "abs", 3, 0755), -EEXIST);
	ASSERT_EQ(t_mknod(c, ROOT_FID, "out", S_IFIFO | 0644), -EEXIST);
	/* setattr on a link: its target keeps its mode, size and times. */
	ASSERT_EQ(t_setattr(c, 2, P9_SETATTR_MODE, 0777, 0), -EOPNOTSUPP);
	ASSERT_EQ(t_setattr(c, 2, P9_SETATTR_SIZE, 0, 0), -EINVAL);
	ASSERT_EQ(t_setattr(c, 2, P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET, 0, 0), P9_RSETATTR);
	/* A hard link of the link is a link, not the secret. */
	ASSERT_EQ(t_link(c, ROOT_FID, 2, "out2"), P9_RLINK);
	CHECK_OK(lstat(host_path(c, "share/out2"), &st));
	ASSERT_TRUE(S_ISLNK(st.st_mode), "mode %o", st.st_mode);
	/* Renaming and unlinking links act on the links. */
	ASSERT_EQ(t_renameat(c, ROOT_FID, "hello.txt", ROOT_FID, "out"), P9_RRENAMEAT);
	CHECK_OK(lstat(host_path(c, "share/out"), &st));
	ASSERT_TRUE(S_ISREG(st.st_mode));
	ASSERT_EQ(t_unlinkat(c, ROOT_FID, "abs", 0), P9_RUNLINKAT);
	ASSERT_EQ(t_unlinkat(c, ROOT_FID, "updir", P9_DOTL_AT_REMOVEDIR), -ENOTDIR);
	/* A link the guest makes is never followed by the server either. */
	ASSERT_EQ(t_symlink(c, ROOT_FID, "evil", "/"), P9_RSYMLINK);
	ASSERT_EQ(walk(c, ROOT_FID, 5, "evil/tmp", NULL), 1);
	ASSERT_EQ(walk(c, ROOT_FID, 5, "evil", NULL), 1);
	ASSERT_EQ(t_lcreate(c, 5, "x", P9_DOTL_RDWR, 0644), -ENOTDIR);
	ASSERT_EQ(t_mkdir(c, 5, "x", 1, 0755), -ENOTDIR);
	secret_untouched(c);
	teardown(c);
}

static void test_host_specials_not_opened(void)
{
	struct client *c = setup(false);

	/* A FIFO made on the host: opening it would block the device. */
	CHECK_OK(mkfifo(host_path(c, "share/hostfifo"), 0666));
	walk_ok(c, ROOT_FID, 2, "hostfifo");
	ASSERT_EQ(t_lopen(c, 2, 0), -EPERM);
	ASSERT_EQ(t_lopen(c, 2, P9_DOTL_WRONLY), -EPERM);
	walk_ok(c, ROOT_FID, 3, "");
	ASSERT_EQ(t_lcreate(c, 3, "hostfifo", P9_DOTL_WRONLY, 0644), -EEXIST);
	/* /dev/null, shared: walkable, never opened. */
	p9_server_destroy(&c->srv);
	ASSERT_EQ(p9_server_init(&c->srv, "/dev", true), 0);
	t_version(c, MSIZE);
	t_attach(c, ROOT_FID, "", NULL);
	walk_ok(c, ROOT_FID, 2, "null");
	ASSERT_EQ(t_lopen(c, 2, 0), -EPERM);
	teardown(c);
}

static void test_fid_survives_host_swap(void)
{
	struct client *c = setup(false);
	char buf[64];

	/* fids to sub and to sub/inner.txt, then the host moves sub away... */
	walk_ok(c, ROOT_FID, 2, "sub");
	walk_ok(c, ROOT_FID, 3, "sub/inner.txt");
	CHECK_OK(rename(host_path(c, "share/sub"), host_path(c, "share/sub2")));
	/* ...and puts a link to the outside where it was. */
	CHECK_OK(symlink(c->dir, host_path(c, "share/sub")));
	write_host(host_path(c, "inner.txt"), SECRET);
	ASSERT_EQ(t_lopen(c, 3, 0), P9_RLOPEN);
	t_read(c, 3, 0, 100, buf, sizeof(buf));
	ASSERT_TRUE(!strcmp(buf, "inner\n"), "read '%s'", buf);
	walk_ok(c, 2, 4, "inner.txt");
	ASSERT_EQ(t_lopen(c, 4, 0), P9_RLOPEN);
	t_read(c, 4, 0, 100, buf, sizeof(buf));
	ASSERT_TRUE(!strcmp(buf, "inner\n"), "read '%s'", buf);
	/* Creating in the moved directory creates in it, not outside. */
	ASSERT_EQ(t_lcreate(c, 2, "made.txt", P9_DOTL_RDWR, 0600), P9_RLCREATE);
	ASSERT_EQ(access(host_path(c, "share/sub2/made.txt"), F_OK), 0);
	ASSERT_ERRNO(access(host_path(c, "made.txt"), F_OK), ENOENT);
	/* A fresh walk meets the link and stops. */
	ASSERT_EQ(walk(c, ROOT_FID, 5, "sub/inner.txt", NULL), 1);
	teardown(c);
}

static void test_parent_moved_out(void)
{
	struct client *c = setup(false);
	struct p9_qid q;

	/* The host moves a directory the guest holds out of the share. */
	walk_ok(c, ROOT_FID, 2, "sub");
	CHECK_OK(rename(host_path(c, "share/sub"), host_path(c, "moved-out")));
	ASSERT_EQ(walk(c, 2, 3, "..", &q), -EACCES);
	teardown(c);
}

static void test_pseudo_fs_empty(void)
{
	struct client *c = calloc(1, sizeof(*c));
	uint32_t count;

	ASSERT_TRUE(c);
	if (access("/proc/self", F_OK))
		SKIP("no /proc here");
	ASSERT_EQ(p9_server_init(&c->srv, "/", true), 0);
	c->resp_cap = sizeof(c->resp);
	t_version(c, MSIZE);
	t_attach(c, ROOT_FID, "", NULL);
	walk_ok(c, ROOT_FID, 2, "proc");
	/* Walks stop at the pseudo filesystem's root: nothing inside. */
	ASSERT_EQ(walk(c, ROOT_FID, 3, "proc/self", NULL), 1);
	ASSERT_EQ(walk(c, ROOT_FID, 3, "proc/1/environ", NULL), 1);
	ASSERT_EQ(walk(c, 2, 3, "self", NULL), -ENOENT);
	ASSERT_EQ(walk(c, ROOT_FID, 3, "proc/..", NULL), 2);
	ASSERT_EQ(t_lopen(c, 2, 0), P9_RLOPEN);
	msg_begin(c, P9_TREADDIR);
	p9_put32(&c->w, 2);
	p9_put64(&c->w, 0);
	p9_put32(&c->w, 4096);
	RPC_OK(c, P9_TREADDIR);
	count = p9_get32(&c->r);
	ASSERT_EQ(count, 0);
	/* The share's root itself may not be one. */
	p9_server_destroy(&c->srv);
	ASSERT_EQ(p9_server_init(&c->srv, "/proc", true), -EPERM);
	free(c);
}

static void test_read_only_share(void)
{
	struct client *c = setup(true);
	struct stat st;

	walk_ok(c, ROOT_FID, 2, "hello.txt");
	ASSERT_EQ(t_lopen(c, 2, P9_DOTL_WRONLY), -EROFS);
	ASSERT_EQ(t_lopen(c, 2, P9_DOTL_RDWR), -EROFS);
	ASSERT_EQ(t_lopen(c, 2, P9_DOTL_TRUNC), -EROFS);
	ASSERT_EQ(t_lopen(c, 2, 0), P9_RLOPEN);
	ASSERT_EQ(t_write(c, 2, 0, "x"), -EROFS);
	walk_ok(c, ROOT_FID, 3, "");
	ASSERT_EQ(t_lcreate(c, 3, "new", P9_DOTL_RDWR, 0644), -EROFS);
	ASSERT_EQ(t_mkdir(c, ROOT_FID, "d", 1, 0755), -EROFS);
	ASSERT_EQ(t_symlink(c, ROOT_FID, "l", "x"), -EROFS);
	ASSERT_EQ(t_mknod(c, ROOT_FID, "f", S_IFIFO | 0644), -EROFS);
	ASSERT_EQ(t_link(c, ROOT_FID, 2, "h"), -EROFS);
	ASSERT_EQ(t_renameat(c, ROOT_FID, "hello.txt", ROOT_FID, "x"), -EROFS);
	ASSERT_EQ(t_unlinkat(c, ROOT_FID, "hello.txt", 0), -EROFS);
	ASSERT_EQ(t_setattr(c, 2, P9_SETATTR_MODE, 0777, 0), -EROFS);
	ASSERT_EQ(t_setattr(c, 2, P9_SETATTR_SIZE, 0, 0), -EROFS);
	msg_begin(c, P9_TXATTRCREATE);
	p9_put32(&c->w, 2);
	put_cstr(c, "user.x");
	p9_put64(&c->w, 1);
	p9_put32(&c->w, 0);
	RPC_ERR(c, EROFS);
	msg_begin(c, P9_TRENAME);
	p9_put32(&c->w, 2);
	p9_put32(&c->w, ROOT_FID);
	put_cstr(c, "x");
	RPC_ERR(c, EROFS);
	msg_begin(c, P9_TREMOVE);
	p9_put32(&c->w, 2);
	RPC_ERR(c, EROFS);
	ASSERT_EQ(walk(c, 2, 9, "", NULL), -EBADF);	/* clunked all the same */
	CHECK_OK(stat(host_path(c, "share/hello.txt"), &st));
	ASSERT_EQ(st.st_size, 13);
	ASSERT_EQ(st.st_mode & 07777, 0644);
	ASSERT_ERRNO(access(host_path(c, "share/new"), F_OK), ENOENT);
	teardown(c);
}

/* ---- Malformed messages ---------------------------------------------------- */

static void test_bad_framing(void)
{
	struct client *c = setup(false);
	uint8_t small[P9_RLERROR_SIZE - 1];

	/* Shorter than a header: an error with no tag to echo. */
	memcpy(c->req, "\x05\0\0", 3);
	ASSERT_EQ(rpc_raw(c, 3), -EPROTO);
	/* size smaller than the header, larger than what came, larger than msize. */
	msg_begin(c, P9_TCLUNK);
	p9_put32(&c->w, ROOT_FID);
	p9_patch32(&c->w, 0, 3);
	ASSERT_EQ(rpc_raw(c, c->w.off), -EMSGSIZE);
	p9_patch32(&c->w, 0, c->w.off + 1);
	ASSERT_EQ(rpc_raw(c, c->w.off), -EMSGSIZE);
	msg_begin(c, P9_TWRITE);
	p9_put32(&c->w, ROOT_FID);
	p9_put64(&c->w, 0);
	p9_put32(&c->w, MSIZE);
	p9_put_space(&c->w, MSIZE);
	ASSERT_EQ(rpc(c), -EMSGSIZE);
	/* Unknown types, and R-messages sent as requests. */
	msg_begin(c, 0);
	ASSERT_EQ(rpc(c), -EOPNOTSUPP);
	msg_begin(c, 255);
	ASSERT_EQ(rpc(c), -EOPNOTSUPP);
	msg_begin(c, P9_RWALK);
	ASSERT_EQ(rpc(c), -EOPNOTSUPP);
	msg_begin(c, P9_TLERROR);
	ASSERT_EQ(rpc(c), -EOPNOTSUPP);
	/* No room for a reply at all: nothing written, 0 returned. */
	msg_begin(c, P9_TCLUNK);
	p9_put32(&c->w, 77);
	p9_patch32(&c->w, 0, c->w.off);
	ASSERT_EQ(p9_server_handle(&c->srv, c->req, c->w.off, small, sizeof(small)), 0);
	/* The session still works. */
	walk_ok(c, ROOT_FID, 2, "sub");
	teardown(c);
}

static void test_truncated_fields(void)
{
	struct client *c = setup(false);
	unsigned int type, cut;
	uint8_t full[256];
	size_t len;

	/* Each T-message, well formed, then cut short at every byte. */
	for (type = 0; type < 256; type += 2) {
		struct p9_writer w;

		p9_writer_init(&w, full, sizeof(full));
		p9_put32(&w, 0);
		p9_put8(&w, type);
		p9_put16(&w, TAG);
		/* A generic body: a fid, names, numbers; parsers read what they need. */
		p9_put32(&w, ROOT_FID);
		p9_put32(&w, 900);
		p9_put16(&w, 2);
		p9_put_str(&w, "sub", 3);
		p9_put_str(&w, "zz", 2);
		p9_put32(&w, 0);
		p9_put64(&w, 0);
		len = w.off;
		for (cut = P9_HDR_SIZE; cut <= len; cut++) {
			int t;

			if (type == P9_TVERSION || type == P9_TCLUNK || type == P9_TREMOVE)
				continue;	/* would end the session or the root fid */
			memcpy(c->req, full, cut);
			p9_patch32(&(struct p9_writer){ .buf = c->req, .cap = cut }, 0, cut);
			t = rpc_raw(c, cut);
			ASSERT_TRUE(t < 0 || t == (int)type + 1, "type %u cut %u: %d", type, cut, t);
			/* Anything created under fid 900 goes again. */
			if (t == (int)type + 1) {
				msg_begin(c, P9_TCLUNK);
				p9_put32(&c->w, 900);
				rpc(c);
			}
		}
	}
	walk_ok(c, ROOT_FID, 2, "sub");
	secret_untouched(c);
	teardown(c);
}

static void test_bad_fields(void)
{
	struct client *c = setup(false);
	uint32_t n;

	/* Too many names, a name longer than the message. */
	msg_begin(c, P9_TWALK);
	p9_put32(&c->w, ROOT_FID);
	p9_put32(&c->w, 2);
	p9_put16(&c->w, P9_MAXWELEM + 1);
	RPC_ERR(c, EINVAL);
	msg_begin(c, P9_TWALK);
	p9_put32(&c->w, ROOT_FID);
	p9_put32(&c->w, 2);
	p9_put16(&c->w, 1);
	p9_put16(&c->w, 60000);
	put_cstr(c, "short");
	RPC_ERR(c, EPROTO);
	/* Unknown fids, NOFID, a fid in use, an xattr fid where a file is needed. */
	ASSERT_EQ(walk(c, 77, 2, "sub", NULL), -EBADF);
	ASSERT_EQ(walk(c, ROOT_FID, P9_NOFID, "sub", NULL), -EINVAL);
	ASSERT_EQ(t_lopen(c, 77, 0), -EBADF);
	msg_begin(c, P9_TCLUNK);
	p9_put32(&c->w, 77);
	RPC_ERR(c, EBADF);
	ASSERT_EQ(t_lopen(c, ROOT_FID, P9_DOTL_ACCMODE), -EINVAL);
	msg_begin(c, P9_TATTACH);
	p9_put32(&c->w, 3);
	p9_put32(&c->w, 5);		/* an afid: no auth */
	put_cstr(c, "u");
	put_cstr(c, "");
	p9_put32(&c->w, 0);
	RPC_ERR(c, EOPNOTSUPP);
	/* Huge counts: capped by msize, never past the reply buffer. */
	walk_ok(c, ROOT_FID, 2, "hello.txt");
	ASSERT_EQ(t_lopen(c, 2, 0), P9_RLOPEN);
	n = t_read(c, 2, 0, 0xffffffff, NULL, 0);
	ASSERT_EQ(n, 13);
	c->resp_cap = 20;
	n = t_read(c, 2, 0, 0xffffffff, NULL, 0);
	ASSERT_EQ(n, 20 - P9_RDATA_HDR_SIZE);
	c->resp_cap = sizeof(c->resp);
	msg_begin(c, P9_TREAD);
	p9_put32(&c->w, 2);
	p9_put64(&c->w, 0x8000000000000000ULL);
	p9_put32(&c->w, 1);
	RPC_ERR(c, EINVAL);
	/* A write whose count runs past the message. */
	walk_ok(c, ROOT_FID, 3, "");
	ASSERT_EQ(t_lcreate(c, 3, "w.txt", P9_DOTL_RDWR, 0644), P9_RLCREATE);
	msg_begin(c, P9_TWRITE);
	p9_put32(&c->w, 3);
	p9_put64(&c->w, 0);
	p9_put32(&c->w, 1000);
	put_cstr(c, "only this");
	RPC_ERR(c, EPROTO);
	/* Readdir on a file, and on a directory not opened. */
	msg_begin(c, P9_TREADDIR);
	p9_put32(&c->w, 2);
	p9_put64(&c->w, 0);
	p9_put32(&c->w, 0xffffffff);
	RPC_ERR(c, ENOTDIR);
	msg_begin(c, P9_TREADDIR);
	p9_put32(&c->w, ROOT_FID);
	p9_put64(&c->w, 0);
	p9_put32(&c->w, 100);
	RPC_ERR(c, EBADF);
	/* Walking from a file, creating in a file. */
	ASSERT_EQ(walk(c, 2, 4, "x", NULL), -ENOTDIR);
	ASSERT_EQ(t_mkdir(c, 2, "x", 1, 0755), -ENOTDIR);
	/* Many fids, then all clunked. */
	for (n = 100; n < 2100; n++)
		ASSERT_EQ(walk(c, ROOT_FID, n, "", NULL), 0);
	for (n = 100; n < 2100; n++)
		t_clunk(c, n);
	teardown(c);
}

static unsigned int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned int n = 0;

	ASSERT_TRUE(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void test_fuzz(void)
{
	struct client *c = setup(false);
	unsigned int before, i, seed = 12345, replies = 0;
	/* Types weighted towards real ones, so handlers see random fields. */
	static const uint8_t types[] = {
		P9_TWALK, P9_TLOPEN, P9_TREAD, P9_TREADDIR, P9_TGETATTR, P9_TLCREATE,
		P9_TWRITE, P9_TMKDIR, P9_TSYMLINK, P9_TXATTRWALK, P9_TSETATTR, P9_TREADLINK,
		P9_TLOCK, P9_TGETLOCK, P9_TSTATFS, P9_TFSYNC, P9_TLINK, P9_TRENAMEAT,
		P9_TUNLINKAT, P9_TATTACH, P9_TFLUSH, P9_TCLUNK,
	};

	/* The fuzz's changes stay inside a scratch directory of the share. */
	CHECK_OK(chmod(host_path(c, "share"), 0555));
	CHECK_OK(mkdir(host_path(c, "share/sub/scratch"), 0777));
	before = open_fds();
	for (i = 0; i < FUZZ_ROUNDS; i++) {
		size_t len = P9_HDR_SIZE + rand_r(&seed) % 48, k;
		int t;

		msg_begin(c, types[rand_r(&seed) % sizeof(types)]);
		if (rand_r(&seed) % 64 == 0)
			c->req[4] = rand_r(&seed);
		for (k = P9_HDR_SIZE; k < len; k++) {
			unsigned int v = rand_r(&seed);

			/* Small fid numbers and lengths, so some are valid. */
			c->req[k] = v % 3 == 0 ? v % 8 : v % 3 == 1 ? 0 : v >> 8;
		}
		p9_patch32(&(struct p9_writer){ .buf = c->req, .cap = len }, 0, len);
		c->resp_cap = rand_r(&seed) % 8 == 0 ? (size_t)P9_RLERROR_SIZE + rand_r(&seed) % 40 :
			      sizeof(c->resp);
		t = rpc_raw(c, len);
		replies += t > 0;
		if (i % 1000 == 0) {
			/* Now and then, make sure fid 1..7 name something. */
			c->resp_cap = sizeof(c->resp);
			for (k = 2; k < 8; k++) {
				msg_begin(c, P9_TCLUNK);
				p9_put32(&c->w, k);
				rpc(c);
				walk(c, ROOT_FID, k, k % 2 ? "sub/scratch" : "sub", NULL);
			}
		}
	}
	/* Enough got past the parsers to reach the file code. */
	ktap_print("%u of %u random requests answered with a reply, not Rlerror",
		   replies, FUZZ_ROUNDS);
	ASSERT_TRUE(replies > FUZZ_ROUNDS / 100);
	c->resp_cap = sizeof(c->resp);
	t_version(c, MSIZE);		/* clunks everything */
	t_attach(c, ROOT_FID, "", NULL);
	ASSERT_EQ(open_fds(), before);
	secret_untouched(c);
	CHECK_OK(chmod(host_path(c, "share"), 0755));
	teardown(c);
}

static void test_no_fd_leak(void)
{
	unsigned int before = open_fds();
	struct client *c = setup(false);

	walk_ok(c, ROOT_FID, 2, "hello.txt");
	ASSERT_EQ(t_lopen(c, 2, 0), P9_RLOPEN);
	walk_ok(c, ROOT_FID, 3, "sub");
	ASSERT_EQ(t_lopen(c, 3, 0), P9_RLOPEN);
	teardown(c);
	ASSERT_EQ(open_fds(), before);
}

static const struct ktest tests[] = {
	KTEST(test_version_and_msize),
	KTEST(test_attach_walk_getattr),
	KTEST(test_read_and_readdir),
	KTEST(test_create_write_and_names),
	KTEST(test_names_refused),
	KTEST(test_attach_aname),
	KTEST(test_dotdot_stays_inside),
	KTEST(test_symlinks_never_followed),
	KTEST(test_host_specials_not_opened),
	KTEST(test_fid_survives_host_swap),
	KTEST(test_parent_moved_out),
	KTEST(test_pseudo_fs_empty),
	KTEST(test_read_only_share),
	KTEST(test_bad_framing),
	KTEST(test_truncated_fields),
	KTEST(test_bad_fields),
	KTEST(test_fuzz),
	KTEST(test_no_fd_leak),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
