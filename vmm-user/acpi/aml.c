// SPDX-License-Identifier: GPL-2.0-only
/* The AML writer (see aml.h). Encodings from the ACPI 6.x spec, chapter 20 and 6.4. */
#include <errno.h>
#include <string.h>
#include "aml.h"

enum aml_opcode {
	AML_ZERO_OP = 0x00, AML_ONE_OP = 0x01, AML_NAME_OP = 0x08, AML_BYTE_PREFIX = 0x0a,
	AML_WORD_PREFIX = 0x0b, AML_DWORD_PREFIX = 0x0c, AML_STRING_PREFIX = 0x0d,
	AML_QWORD_PREFIX = 0x0e, AML_SCOPE_OP = 0x10, AML_BUFFER_OP = 0x11,
	AML_PACKAGE_OP = 0x12, AML_EXT_OP_PREFIX = 0x5b, AML_DEVICE_OP = 0x82,
	AML_ROOT_CHAR = 0x5c,
};

/* Large resource items (ACPI 6.4.3). */
#define RES_MEMORY32_FIXED	0x86
#define RES_EXTENDED_IRQ	0x89
#define RES_END_TAG		0x79
#define RES_IRQ_CONSUMER	(1u << 0)
#define RES_IRQ_EDGE		(1u << 1)
#define RES_IRQ_ACTIVE_LOW	(1u << 2)

/* A buffer's size is a BytePrefix or WordPrefix integer; the close fills it. */
#define AML_BUFFER_SIZE_BYTES	3

void aml_init(struct aml *a, uint8_t *buf, size_t cap)
{
	*a = (struct aml){ .buf = buf, .cap = cap };
}

static void aml_byte(struct aml *a, uint8_t b)
{
	if (a->len < a->cap)
		a->buf[a->len++] = b;
	else
		a->error = -ENOSPC;
}

void aml_bytes(struct aml *a, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len--)
		aml_byte(a, *p++);
}

static void aml_le(struct aml *a, uint64_t v, unsigned int bytes)
{
	while (bytes--) {
		aml_byte(a, v & 0xff);
		v >>= 8;
	}
}

/* A NameSeg is 4 characters, '_'-padded; a path may start with '\'. */
static void aml_namestring(struct aml *a, const char *name)
{
	unsigned int i;

	if (*name == '\\') {
		aml_byte(a, AML_ROOT_CHAR);
		name++;
	}
	for (i = 0; i < 4; i++)
		aml_byte(a, *name ? (uint8_t)*name++ : '_');
}

void aml_name(struct aml *a, const char *name)
{
	aml_byte(a, AML_NAME_OP);
	aml_namestring(a, name);
}

void aml_integer(struct aml *a, uint64_t v)
{
	if (v == 0) {
		aml_byte(a, AML_ZERO_OP);
	} else if (v == 1) {
		aml_byte(a, AML_ONE_OP);
	} else if (v <= 0xff) {
		aml_byte(a, AML_BYTE_PREFIX);
		aml_le(a, v, 1);
	} else if (v <= 0xffff) {
		aml_byte(a, AML_WORD_PREFIX);
		aml_le(a, v, 2);
	} else if (v <= 0xffffffff) {
		aml_byte(a, AML_DWORD_PREFIX);
		aml_le(a, v, 4);
	} else {
		aml_byte(a, AML_QWORD_PREFIX);
		aml_le(a, v, 8);
	}
}

void aml_string(struct aml *a, const char *s)
{
	aml_byte(a, AML_STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1);
}

static void aml_open(struct aml *a)
{
	if (a->depth == AML_MAX_DEPTH) {
		a->error = -ENOSPC;
		return;
	}
	a->open[a->depth++] = a->len;
}

void aml_scope_open(struct aml *a, const char *path)
{
	aml_byte(a, AML_SCOPE_OP);
	aml_open(a);
	aml_namestring(a, path);
}

void aml_device_open(struct aml *a, const char *name)
{
	aml_byte(a, AML_EXT_OP_PREFIX);
	aml_byte(a, AML_DEVICE_OP);
	aml_open(a);
	aml_namestring(a, name);
}

void aml_package_open(struct aml *a, unsigned int nr_elements)
{
	aml_byte(a, AML_PACKAGE_OP);
	aml_open(a);
	aml_byte(a, nr_elements);
}

void aml_buffer_open(struct aml *a)
{
	aml_byte(a, AML_BUFFER_OP);
	aml_open(a);
	aml_byte(a, AML_WORD_PREFIX);	/* size: filled in by aml_close */
	aml_le(a, 0, 2);
}

/*
 * PkgLength counts itself: one byte up to 63, else a lead byte holding the
 * count of follow bytes in bits 7:6 and the low nibble, then 8 bits each.
 */
static unsigned int aml_pkglength_size(size_t body)
{
	if (body + 1 < 64)
		return 1;
	if (body + 2 < (1u << 12))
		return 2;
	if (body + 3 < (1u << 20))
		return 3;
	return 4;
}

void aml_close(struct aml *a)
{
	size_t start, body, total;
	unsigned int n, i;
	uint8_t enc[4];

	if (!a->depth || a->error) {
		a->error = a->error ?: -EINVAL;
		return;
	}
	start = a->open[--a->depth];
	body = a->len - start;
	/* A buffer's first item is its size (a WordPrefix we reserved). */
	if (start >= 1 && a->buf[start - 1] == AML_BUFFER_OP && a->buf[start] == AML_WORD_PREFIX) {
		size_t size = body - AML_BUFFER_SIZE_BYTES;

		a->buf[start + 1] = size & 0xff;
		a->buf[start + 2] = size >> 8;
	}
	n = aml_pkglength_size(body);
	total = body + n;
	if (n == 1) {
		enc[0] = total;
	} else {
		enc[0] = ((n - 1) << 6) | (total & 0x0f);
		for (i = 1; i < n; i++)
			enc[i] = total >> (4 + 8 * (i - 1));
	}
	if (a->len + n > a->cap) {
		a->error = -ENOSPC;
		return;
	}
	memmove(a->buf + start + n, a->buf + start, body);
	memcpy(a->buf + start, enc, n);
	a->len += n;
}

void aml_memory32_fixed(struct aml *a, uint32_t base, uint32_t len, int writable)
{
	aml_byte(a, RES_MEMORY32_FIXED);
	aml_le(a, 9, 2);		/* length of what follows */
	aml_byte(a, writable ? 1 : 0);
	aml_le(a, base, 4);
	aml_le(a, len, 4);
}

void aml_interrupt(struct aml *a, uint32_t gsi, int level, int active_low)
{
	aml_byte(a, RES_EXTENDED_IRQ);
	aml_le(a, 6, 2);		/* flags, count, one interrupt */
	aml_byte(a, RES_IRQ_CONSUMER | (level ? 0 : RES_IRQ_EDGE) |
		    (active_low ? RES_IRQ_ACTIVE_LOW : 0));
	aml_byte(a, 1);
	aml_le(a, gsi, 4);
}

void aml_end_tag(struct aml *a)
{
	aml_byte(a, RES_END_TAG);
	aml_byte(a, 0);			/* checksum 0: "treat as correct" */
}
