// SPDX-License-Identifier: GPL-2.0-only
/*
 * The console loop (see console.h). One thread, one poll(): stdin, the
 * signalfd, the VM's shutdown eventfd and the input sink's "room again"
 * event: the UART's eventfd, or the virtio-console's input pipe turning
 * writable. Input the sink cannot take yet waits here, and stdin is not
 * read meanwhile, so nothing is dropped however fast a script writes.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>
#include "vm.h"
#include "console.h"
#include "platform/platform.h"

static struct termios saved_termios;
static bool termios_saved;

void console__restore(void)
{
	if (termios_saved) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
		termios_saved = false;
	}
}

int console__init(void)
{
	struct termios raw;

	if (!isatty(STDIN_FILENO))
		return 0;
	if (tcgetattr(STDIN_FILENO, &saved_termios) < 0)
		return -errno;
	termios_saved = true;
	atexit(console__restore);
	raw = saved_termios;
	cfmakeraw(&raw);
	/* Keep output processing: hvx's own messages end in \r\n anyway. */
	raw.c_oflag = saved_termios.c_oflag;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
		return -errno;
	return 0;
}

struct console_input {
	uint8_t buf[4096];
	size_t len, off;		/* pending bytes: buf[off, len) */
	bool escape;			/* the last key was Ctrl-A */
	bool eof;
};

static void console_help(void)
{
	fprintf(stderr, "\r\nhvx console escapes:\r\n"
		"  Ctrl-A x       quit (ends the VM, exit status 0)\r\n"
		"  Ctrl-A Ctrl-A  send Ctrl-A to the guest\r\n"
		"  Ctrl-A h       this help\r\n");
}

/* Escapes are interpreted in place; returns false once the user quit. */
static bool console_filter(struct console_input *in, size_t n)
{
	uint8_t *src = in->buf + in->len, *dst = src;
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = src[i];

		if (in->escape) {
			in->escape = false;
			if (c == 'x' || c == 'X')
				return false;
			if (c == 'h' || c == 'H' || c == '?')
				console_help();
			else if (c == CONSOLE_ESCAPE_KEY)
				*dst++ = c;
			continue;
		}
		if (c == CONSOLE_ESCAPE_KEY && termios_saved) {
			in->escape = true;
			continue;
		}
		*dst++ = c;
	}
	in->len += dst - src;
	return true;
}

static void console_deliver(struct console_input *in, const struct console_sink *sink)
{
	size_t want = in->len - in->off;

	if (sink->pipe_fd < 0) {
		in->off += serial__receive(sink->uart, in->buf + in->off, want);
	} else {
		ssize_t n = write(sink->pipe_fd, in->buf + in->off, want);

		if (n > 0)
			in->off += n;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			in->off = in->len;	/* the device is gone: drop the input */
	}
	if (in->off == in->len)
		in->off = in->len = 0;
}

static void console_signal(struct vm *vm, int signal_fd)
{
	struct signalfd_siginfo si;
	char why[64];

	if (read(signal_fd, &si, sizeof(si)) != sizeof(si))
		return;
	snprintf(why, sizeof(why), "terminated by SIG%s", sigabbrev_np(si.ssi_signo) ?: "?");
	vm_request_shutdown(vm, RUN_EXIT_SIGNAL, why);
}

int console__run(struct vm *vm, const struct console_sink *sink, int signal_fd)
{
	struct console_input *in = calloc(1, sizeof(*in));
	uint64_t count;

	if (!in)
		return -ENOMEM;
	while (!vm__shutting_down(vm)) {
		bool want_stdin = !in->eof && in->len == 0;
		struct pollfd fds[] = {
			{ .fd = vm->shutdown_efd, .events = POLLIN },
			{ .fd = signal_fd, .events = POLLIN },
			/* Room again: the UART's eventfd, or the pipe while input waits. */
			sink->pipe_fd < 0 ? (struct pollfd){ .fd = serial__space_fd(sink->uart),
							    .events = POLLIN }
					  : (struct pollfd){ .fd = in->len ? sink->pipe_fd : -1,
							    .events = POLLOUT },
			{ .fd = want_stdin ? STDIN_FILENO : -1, .events = POLLIN },
		};

		if (poll(fds, ARRAY_SIZE(fds), -1) < 0) {
			if (errno == EINTR)
				continue;
			vmm_error("console: poll: %s", strerror(errno));
			vm_request_shutdown(vm, RUN_EXIT_ERROR, NULL);
			break;
		}
		if (fds[1].revents & POLLIN)
			console_signal(vm, signal_fd);
		if (sink->pipe_fd < 0 && (fds[2].revents & POLLIN)) {
			if (read(fds[2].fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
				vmm_debug("console: space eventfd: %s", strerror(errno));
		}
		if (fds[3].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(STDIN_FILENO, in->buf, sizeof(in->buf));

			if (n <= 0 && !(n < 0 && (errno == EINTR || errno == EAGAIN))) {
				vmm_debug("console: end of input");
				in->eof = true;
			} else if (n > 0 && !console_filter(in, n)) {
				vm_request_shutdown(vm, RUN_EXIT_POWEROFF, "quit from the console (Ctrl-A x)");
				break;
			}
		}
		if (in->len)
			console_deliver(in, sink);
	}
	free(in);
	return 0;
}
