/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hvx's PC: the legacy devices every guest expects at fixed ports. Each
 * *_create registers its traps and adds itself to the VM's device list;
 * 0 or -errno after a message.
 */
#ifndef HVX_PLATFORM_H
#define HVX_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct serial;

/* 16550A UART; output goes to @out_fd, input comes through serial__receive. */
int serial__create(struct vm *vm, uint16_t port, uint32_t gsi, int out_fd, struct serial **out);
/* Queue guest input; returns how many bytes fit (the rest must wait). */
size_t serial__receive(struct serial *uart, const uint8_t *buf, size_t len);
/* An eventfd that becomes readable when the guest drained received bytes. */
int serial__space_fd(struct serial *uart);

int i8042__create(struct vm *vm);	/* reset line only */
int rtc__create(struct vm *vm);		/* MC146818 CMOS clock and RAM */
/* QEMU isa-debug-exit at 0xf4; @exact: V ends hvx with V, not (V << 1) | 1. */
int debug_exit__create(struct vm *vm, bool exact);
int fw_cfg__create(struct vm *vm);	/* QEMU fw_cfg, I/O port interface */
int acpi_pm__create(struct vm *vm);	/* ACPI PM1 event/control, reset register */

#endif /* HVX_PLATFORM_H */
