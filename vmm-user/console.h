/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The console: stdin attached to the guest's UART or to its virtio-console
 * (`hvx run --console`); both devices write to stdout. On a terminal, stdin goes
 * raw and Ctrl-A is the escape key (Ctrl-A x quits, Ctrl-A Ctrl-A sends one
 * Ctrl-A, Ctrl-A h lists them). Not a terminal (a pipe, a file, /dev/null):
 * bytes pass through as they are and end of input is not the end of the VM.
 */
#ifndef HVX_CONSOLE_H
#define HVX_CONSOLE_H

struct vm;
struct serial;

#define CONSOLE_ESCAPE_KEY	0x01	/* Ctrl-A, as in QEMU */

/*
 * Where the console's input goes: the UART (@pipe_fd -1), or the write end
 * of a non-blocking pipe whose read end is the virtio-console's input.
 */
struct console_sink {
	struct serial *uart;
	int pipe_fd;
};

/* Raw mode on a terminal (restored by console__restore, also at exit). */
int console__init(void);
void console__restore(void);
/*
 * The main thread's loop until the VM shuts down: stdin into @sink, and
 * SIGINT/SIGTERM/SIGHUP (blocked by the caller, read via signalfd) into
 * vm_request_shutdown().
 */
int console__run(struct vm *vm, const struct console_sink *sink, int signal_fd);

#endif /* HVX_CONSOLE_H */
