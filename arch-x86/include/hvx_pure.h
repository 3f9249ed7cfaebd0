/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Types and errno values for hvx code that is built twice: into hvx.ko and
 * into the userspace unit tests (selftests/unit). Such code includes only
 * this header, so it can never grow a dependency on kernel internals.
 */
#ifndef HVX_PURE_H
#define HVX_PURE_H

#include <linux/types.h>

#ifdef __KERNEL__
#include <linux/errno.h>
#else
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#endif

#define HVX_BIT(n)		(1ULL << (n))
#define HVX_BITS(hi, lo)	((~0ULL >> (63 - (hi))) & ~((1ULL << (lo)) - 1))

#endif /* HVX_PURE_H */
