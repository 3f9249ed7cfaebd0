/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * 9P2000.L on the wire: the message types and constants hvx's server
 * speaks, and the bounds-checked little-endian reader and writer that
 * every request is parsed and every reply built with.
 *
 * A message is size[4] type[1] tag[2] followed by the type's fields;
 * strings are len[2] and that many bytes, not NUL-terminated. Every read
 * past the end of a request sets the reader's `bad` flag and yields zeros,
 * so a handler parses all its fields first and checks `bad` once; a reply
 * that would not fit sets the writer's `overflow` flag instead of writing
 * past its buffer.
 */
#ifndef HVX_P9_PROTO_H
#define HVX_P9_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define P9_HDR_SIZE		7	/* size[4] type[1] tag[2] */
#define P9_QID_SIZE		13	/* type[1] version[4] path[8] */
#define P9_NOTAG		0xffff
#define P9_NOFID		0xffffffffu
#define P9_MAXWELEM		16	/* names in one Twalk */
/* Rread / Rreaddir: the header before the data, count[4] included. */
#define P9_RDATA_HDR_SIZE	(P9_HDR_SIZE + 4)
/* Twrite: fid[4] offset[8] count[4] after the header. */
#define P9_TWRITE_HDR_SIZE	(P9_HDR_SIZE + 4 + 8 + 4)
#define P9_RLERROR_SIZE		(P9_HDR_SIZE + 4)
#define P9_VERSION_L		"9P2000.L"
#define P9_VERSION_UNKNOWN	"unknown"

/* Message types (T = request, R = its reply, always T + 1). */
enum p9_type {
	P9_TLERROR = 6, P9_RLERROR,
	P9_TSTATFS = 8, P9_RSTATFS,
	P9_TLOPEN = 12, P9_RLOPEN,
	P9_TLCREATE = 14, P9_RLCREATE,
	P9_TSYMLINK = 16, P9_RSYMLINK,
	P9_TMKNOD = 18, P9_RMKNOD,
	P9_TRENAME = 20, P9_RRENAME,
	P9_TREADLINK = 22, P9_RREADLINK,
	P9_TGETATTR = 24, P9_RGETATTR,
	P9_TSETATTR = 26, P9_RSETATTR,
	P9_TXATTRWALK = 30, P9_RXATTRWALK,
	P9_TXATTRCREATE = 32, P9_RXATTRCREATE,
	P9_TREADDIR = 40, P9_RREADDIR,
	P9_TFSYNC = 50, P9_RFSYNC,
	P9_TLOCK = 52, P9_RLOCK,
	P9_TGETLOCK = 54, P9_RGETLOCK,
	P9_TLINK = 70, P9_RLINK,
	P9_TMKDIR = 72, P9_RMKDIR,
	P9_TRENAMEAT = 74, P9_RRENAMEAT,
	P9_TUNLINKAT = 76, P9_RUNLINKAT,
	P9_TVERSION = 100, P9_RVERSION,
	P9_TAUTH = 102, P9_RAUTH,
	P9_TATTACH = 104, P9_RATTACH,
	P9_TFLUSH = 108, P9_RFLUSH,
	P9_TWALK = 110, P9_RWALK,
	P9_TREAD = 116, P9_RREAD,
	P9_TWRITE = 118, P9_RWRITE,
	P9_TCLUNK = 120, P9_RCLUNK,
	P9_TREMOVE = 122, P9_RREMOVE,
	P9_TYPE_MAX = 256,
};

/* Qid types. */
#define P9_QTDIR		0x80
#define P9_QTSYMLINK		0x02
#define P9_QTFILE		0x00

/* Tlopen / Tlcreate flags (Linux's numbering, on every architecture). */
#define P9_DOTL_ACCMODE		00000003
#define P9_DOTL_WRONLY		00000001
#define P9_DOTL_RDWR		00000002
#define P9_DOTL_CREATE		00000100
#define P9_DOTL_EXCL		00000200
#define P9_DOTL_TRUNC		00001000
#define P9_DOTL_APPEND		00002000
#define P9_DOTL_DSYNC		00010000
#define P9_DOTL_SYNC		04000000

#define P9_DOTL_AT_REMOVEDIR	0x200	/* Tunlinkat */

/* Tgetattr: what Rgetattr fills (mode .. blocks). */
#define P9_GETATTR_BASIC	0x000007ffULL

/* Tsetattr valid bits. */
#define P9_SETATTR_MODE		0x001
#define P9_SETATTR_UID		0x002
#define P9_SETATTR_GID		0x004
#define P9_SETATTR_SIZE		0x008
#define P9_SETATTR_ATIME	0x010
#define P9_SETATTR_MTIME	0x020
#define P9_SETATTR_CTIME	0x040
#define P9_SETATTR_ATIME_SET	0x080
#define P9_SETATTR_MTIME_SET	0x100

/* Tlock / Tgetlock. */
#define P9_LOCK_SUCCESS		0
#define P9_LOCK_TYPE_UNLCK	2

struct p9_qid {
	uint8_t type;
	uint32_t version;
	uint64_t path;
};

/* A counted string inside a request: not NUL-terminated. */
struct p9_str {
	const char *s;
	uint16_t len;
};

struct p9_reader {
	const uint8_t *buf;
	size_t len, off;
	bool bad;		/* a read went past the end */
};

struct p9_writer {
	uint8_t *buf;
	size_t cap, off;
	bool overflow;		/* a write did not fit */
};

static inline void p9_reader_init(struct p9_reader *r, const uint8_t *buf, size_t len)
{
	*r = (struct p9_reader){ .buf = buf, .len = len };
}

static inline void p9_writer_init(struct p9_writer *w, uint8_t *buf, size_t cap)
{
	*w = (struct p9_writer){ .buf = buf, .cap = cap };
}

uint8_t p9_get8(struct p9_reader *r);
uint16_t p9_get16(struct p9_reader *r);
uint32_t p9_get32(struct p9_reader *r);
uint64_t p9_get64(struct p9_reader *r);
struct p9_str p9_get_str(struct p9_reader *r);
/* @len bytes of raw data (Twrite); NULL and `bad` if the request is shorter. */
const uint8_t *p9_get_bytes(struct p9_reader *r, size_t len);
static inline size_t p9_reader_left(const struct p9_reader *r)
{
	return r->len - r->off;
}

void p9_put8(struct p9_writer *w, uint8_t v);
void p9_put16(struct p9_writer *w, uint16_t v);
void p9_put32(struct p9_writer *w, uint32_t v);
void p9_put64(struct p9_writer *w, uint64_t v);
void p9_put_str(struct p9_writer *w, const char *s, size_t len);
void p9_put_qid(struct p9_writer *w, const struct p9_qid *qid);
/* Room for @len bytes the caller fills in place; NULL (and overflow) if none. */
uint8_t *p9_put_space(struct p9_writer *w, size_t len);
static inline size_t p9_writer_left(const struct p9_writer *w)
{
	return w->cap - w->off;
}
/* Overwrite a 32-bit field written earlier at @off (size and count fields). */
void p9_patch32(struct p9_writer *w, size_t off, uint32_t v);

#endif /* HVX_P9_PROTO_H */
