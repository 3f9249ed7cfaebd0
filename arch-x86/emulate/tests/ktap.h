/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Minimal result reporting for the emulator's userspace tests.  Each test
 * program prints unnumbered "ok NAME" / "not ok NAME" lines and "# "
 * diagnostics; run_check.sh numbers them into one KTAP stream with the
 * header and plan, so programs can be run and counted together.
 */
#ifndef HVX_EMU_TEST_KTAP_H
#define HVX_EMU_TEST_KTAP_H

#include <stdarg.h>
#include <stdio.h>

static int ktap_failures;

static inline void ktap_diag(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline void ktap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

static inline void ktap_result(int pass, const char *name)
{
	printf("%sok %s\n", pass ? "" : "not ", name);
	if (!pass)
		ktap_failures++;
	fflush(stdout);
}

static inline void ktap_skip(const char *name, const char *reason)
{
	printf("ok %s # SKIP %s\n", name, reason);
	fflush(stdout);
}

#endif /* HVX_EMU_TEST_KTAP_H */
