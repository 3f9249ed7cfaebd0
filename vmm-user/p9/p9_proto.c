// SPDX-License-Identifier: GPL-2.0-only
/*
 * The 9P wire reader and writer (p9_proto.h). Byte by byte, little
 * endian, so the buffers need no alignment and the code no byte swaps.
 */
#include <string.h>
#include "p9_proto.h"

static uint64_t p9_get_le(struct p9_reader *r, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int i;

	if (r->bad || bytes > r->len - r->off) {
		r->bad = true;
		return 0;
	}
	for (i = 0; i < bytes; i++)
		v |= (uint64_t)r->buf[r->off + i] << (8 * i);
	r->off += bytes;
	return v;
}

uint8_t p9_get8(struct p9_reader *r)
{
	return p9_get_le(r, 1);
}

uint16_t p9_get16(struct p9_reader *r)
{
	return p9_get_le(r, 2);
}

uint32_t p9_get32(struct p9_reader *r)
{
	return p9_get_le(r, 4);
}

uint64_t p9_get64(struct p9_reader *r)
{
	return p9_get_le(r, 8);
}

const uint8_t *p9_get_bytes(struct p9_reader *r, size_t len)
{
	const uint8_t *p;

	if (r->bad || len > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	p = r->buf + r->off;
	r->off += len;
	return p;
}

struct p9_str p9_get_str(struct p9_reader *r)
{
	uint16_t len = p9_get16(r);
	const uint8_t *p = p9_get_bytes(r, len);

	return p ? (struct p9_str){ (const char *)p, len } : (struct p9_str){ "", 0 };
}

static void p9_put_le(struct p9_writer *w, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	if (w->overflow || bytes > w->cap - w->off) {
		w->overflow = true;
		return;
	}
	for (i = 0; i < bytes; i++)
		w->buf[w->off + i] = v >> (8 * i);
	w->off += bytes;
}

void p9_put8(struct p9_writer *w, uint8_t v)
{
	p9_put_le(w, v, 1);
}

void p9_put16(struct p9_writer *w, uint16_t v)
{
	p9_put_le(w, v, 2);
}

void p9_put32(struct p9_writer *w, uint32_t v)
{
	p9_put_le(w, v, 4);
}

void p9_put64(struct p9_writer *w, uint64_t v)
{
	p9_put_le(w, v, 8);
}

uint8_t *p9_put_space(struct p9_writer *w, size_t len)
{
	uint8_t *p;

	if (w->overflow || len > w->cap - w->off) {
		w->overflow = true;
		return NULL;
	}
	p = w->buf + w->off;
	w->off += len;
	return p;
}

void p9_put_str(struct p9_writer *w, const char *s, size_t len)
{
	uint8_t *p;

	if (len > UINT16_MAX) {
		w->overflow = true;
		return;
	}
	p9_put16(w, len);
	p = p9_put_space(w, len);
	if (p)
		memcpy(p, s, len);
}

void p9_put_qid(struct p9_writer *w, const struct p9_qid *qid)
{
	p9_put8(w, qid->type);
	p9_put32(w, qid->version);
	p9_put64(w, qid->path);
}

void p9_patch32(struct p9_writer *w, size_t off, uint32_t v)
{
	unsigned int i;

	if (off > w->cap || 4 > w->cap - off)
		return;
	for (i = 0; i < 4; i++)
		w->buf[off + i] = v >> (8 * i);
}
