/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The console: stdio attached to the guest's UART. On a terminal, stdin goes
 * raw and Ctrl-A is the escape key (Ctrl-A x quits, Ctrl-A Ctrl-A sends one
 * Ctrl-A, Ctrl-A h lists them). Not a terminal (a pipe, a file, /dev/null):
 * bytes pass through as they are and end of input is not the end of the VM.
 */
#ifndef HVX_CONSOLE_H
#define HVX_CONSOLE_H

struct vm;
struct serial;

#define CONSOLE_ESCAPE_KEY	0x01	/* Ctrl-A, as in QEMU */

/* Raw mode on a terminal (restored by console__restore, also at exit). */
int console__init(void);
void console__restore(void);
/*
 * The main thread's loop until the VM shuts down: stdin into @uart, and
 * SIGINT/SIGTERM/SIGHUP (blocked by the caller, read via signalfd) into
 * vm_request_shutdown().
 */
int console__run(struct vm *vm, struct serial *uart, int signal_fd);

#endif /* HVX_CONSOLE_H */
