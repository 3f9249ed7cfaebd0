// SPDX-License-Identifier: GPL-2.0-only
/*
 * ttydrain: keep the testbed console's UART transmitting.
 *
 * Bochs 2.7's 16550 emulation now and then loses a transmit-holding-register
 * interrupt; Linux's 8250 driver then waits forever with output queued (a
 * writer blocks, and whatever is queued at power-off is lost).  Toggling
 * output flow control (TCOOFF/TCOON) makes the driver clear and set IER.THRI,
 * which raises a fresh interrupt.  Nothing is printed.
 *
 *   ttydrain          wait until the console's output queue is empty,
 *                     kicking the UART whenever it stops moving (max ~20 s)
 *   ttydrain watch    same check once a second, forever (run in background)
 *
 * Built without libc (-nostdlib -static): the initramfs has none.
 */
#include <asm/unistd.h>
#include <asm/ioctls.h>
#include <asm/termbits.h>

static long sys3(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c)
		     : "rcx", "r11", "memory");
	return ret;
}

struct ts { long sec, nsec; };

static void nap_ms(long ms)
{
	struct ts t = { ms / 1000, (ms % 1000) * 1000000L };

	sys3(__NR_nanosleep, (long)&t, 0, 0);
}

/* Bytes queued for the UART, or -1. */
static int outq(int fd)
{
	int n = 0;

	if (sys3(__NR_ioctl, fd, TIOCOUTQ, (long)&n) < 0)
		return -1;
	return n;
}

static void kick(int fd)
{
	sys3(__NR_ioctl, fd, TCXONC, TCOOFF);
	sys3(__NR_ioctl, fd, TCXONC, TCOON);
}

static int run(int watch)
{
	int fd = sys3(__NR_open, (long)"/dev/console", 01 /* O_WRONLY */ | 04000 /* O_NONBLOCK */, 0);
	int last = -1, stuck = 0, rounds = 0, n;

	if (fd < 0)
		return 1;
	for (;;) {
		n = outq(fd);
		if (n <= 0) {
			if (!watch) {
				nap_ms(50); /* let the 16-byte FIFO empty too */
				return n < 0;
			}
			stuck = 0;
		} else if (n == last && ++stuck >= 2) {
			kick(fd);
			stuck = 0;
		} else if (n != last) {
			stuck = 0;
		}
		last = n;
		if (!watch && ++rounds > 200)
			return 2;
		nap_ms(watch ? 500 : 100);
	}
}

void __attribute__((noreturn)) _start_c(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	int watch = argc > 1 && argv[1][0] == 'w';

	sys3(__NR_exit, run(watch), 0, 0);
	__builtin_unreachable();
}

/* Entry point: pass the initial stack (argc, argv...) to C, aligned. */
asm(".globl _start\n"
    "_start:\n"
    "	mov %rsp, %rdi\n"
    "	and $-16, %rsp\n"
    "	call _start_c\n");
