// SPDX-License-Identifier: GPL-2.0-only
/*
 * Percent-encoding of the values hvx puts on the kernel command line for
 * its init (rootfs.h): commands and paths with spaces, quotes or any
 * other byte travel as %XX, so the kernel's parser sees one plain word.
 */
#include <string.h>
#include "rootfs.h"

static bool plain(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("/._+-:=@~^", c);
}

/* ',' stays encoded: hvx.share's fields are separated by it. */
void rootfs_encode(const char *in, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)in; *p; p++) {
		if (*p && plain((char)*p)) {
			*out++ = *p;
			continue;
		}
		*out++ = '%';
		*out++ = hex[*p >> 4];
		*out++ = hex[*p & 0xf];
	}
	*out = '\0';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool rootfs_decode(char *s)
{
	char *out = s;

	for (; *s; s++) {
		int hi, lo;

		if (*s != '%') {
			*out++ = *s;
			continue;
		}
		hi = hex_value(s[1]);
		lo = hi < 0 ? -1 : hex_value(s[2]);
		if (lo < 0 || (!hi && !lo))
			return false;
		*out++ = (char)(hi << 4 | lo);
		s += 2;
	}
	*out = '\0';
	return true;
}
