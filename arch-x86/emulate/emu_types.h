/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Type and helper shim for the x86 emulator core.  The core (decode.c,
 * emulate.c, pagewalk.c) is built both into hvx.ko and into userspace
 * tests, so it includes nothing but this header for its basic types.
 */
#ifndef HVX_EMU_TYPES_H
#define HVX_EMU_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#else
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
#endif

#define HVX_EMU_BIT(n)		(1ULL << (n))
/* Bits h..l inclusive, 64-bit. */
#define HVX_EMU_GENMASK(h, l)	((~0ULL >> (63 - (h))) & (~0ULL << (l)))

#endif /* HVX_EMU_TYPES_H */
