// SPDX-License-Identifier: GPL-2.0-only
/*
 * Messages of `hvx run`, all on stderr with an "hvx: " prefix: errors
 * always, information unless --quiet, debugging only with --debug. The
 * console may be in raw mode, so every line ends in "\r\n".
 */
#include <stdarg.h>
#include <stdio.h>
#include "vm.h"

int vmm_verbosity = 1;

static void vmm_vlog(const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "hvx: %s\r\n", line);
}

void vmm_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmm_vlog(fmt, ap);
	va_end(ap);
}

void vmm_info(const char *fmt, ...)
{
	va_list ap;

	if (vmm_verbosity < 1)
		return;
	va_start(ap, fmt);
	vmm_vlog(fmt, ap);
	va_end(ap);
}

void vmm_debug(const char *fmt, ...)
{
	va_list ap;

	if (vmm_verbosity < 2)
		return;
	va_start(ap, fmt);
	vmm_vlog(fmt, ap);
	va_end(ap);
}
