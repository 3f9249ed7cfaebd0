// SPDX-License-Identifier: GPL-2.0-only
/*
 * hvx's init for `hvx run --rootfs DIR`, PID 1 in the guest. Built twice:
 * statically as /init of the small initramfs hvx makes for kernels whose
 * virtio/9p/overlay drivers are modules, and into hvx itself, which the
 * kernel runs as init= from the shared root when those are built in
 * (`hvx guest-init`).
 *
 * 1. /proc, /dev; the modules the initramfs carries, in order.
 * 2. The root: the share "hvxroot" mounted read-only (initramfs), or the
 *    kernel's own root (already that share), as the lower layer of an
 *    overlay whose upper layer is a tmpfs: the guest may write anywhere,
 *    the host's files never change.
 * 3. In the new root: proc, sysfs, devtmpfs, devpts, tmpfs on /tmp, /run
 *    and /dev/shm, then every other share at its host path (--share,
 *    --rw), then the overlay becomes / (MS_MOVE and chroot).
 * 4. The command (hvx.exec) or a shell, in the host's directory, with
 *    stdin and stdout on /dev/hvc0 (the virtio-console: hvx's stdin and
 *    stdout) and stderr on /dev/console (the UART: hvx's stderr).
 * 5. Its exit status (128 + signal when killed) goes to hvx through port
 *    0xf4, which with --rootfs ends `hvx run` with exactly that status.
 *    A failure of the init itself says why on the console and reports
 *    ROOTFS_INIT_FAILED.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/module.h>
#include "rootfs.h"
#include "../platform/layout.h"

/*
 * 9p: Linux's virtio transport takes up to about 500 KB per message;
 * 256 KiB halves the requests of big reads against the 128 KiB default.
 * The root is read-only for the guest and nobody writes it during a run,
 * so the guest may cache it (cache=loose); other shares stay coherent.
 */
#define P9_OPTS			"trans=virtio,version=9p2000.L,msize=262144"
#define ROOT_OPTS		P9_OPTS ",cache=loose"
#define MAX_SHARES		16
#define WAIT_STEP_MS		10
#define MOUNT_WAIT_MS		5000	/* a 9p channel appears when its driver binds */
#define HVC_WAIT_MS		2000
#define CMDLINE_MAX		4096
#define DEFAULT_PATH		"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define SIGNAL_STATUS_BASE	128

struct init_config {
	char *root;			/* tag to mount, NULL: the kernel's root */
	char *cwd, *exec, *path, *term;
	char *shares[MAX_SHARES];	/* "TAG,PATH,ro|rw" */
	unsigned int nr_shares;
	bool debug;
	bool no_stdin;			/* hvx's stdin is /dev/null */
};

static struct init_config cfg;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/* stderr is /dev/console from the kernel: the UART, hvx's stderr. */
	if (write(STDERR_FILENO, "hvx-init: ", 10) < 0 || write(STDERR_FILENO, buf, n) < 0)
		return;
}

#define debug(...) do { if (cfg.debug) say(__VA_ARGS__); } while (0)

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * The status to hvx: port 0xf4 (isa-debug-exit), which hvx --rootfs
 * turns into its own exit status. Output first: hvc0's and the UART's
 * buffers drained (what is written there is on hvx's stdout or stderr
 * once the device took it), files synced.
 */
static __attribute__((noreturn)) void report(int status, int out_fd)
{
	sync();
	if (out_fd >= 0)
		tcdrain(out_fd);
	tcdrain(STDERR_FILENO);
	if (!ioperm(PORT_DEBUG_EXIT, 1, 1))
		outb(status, PORT_DEBUG_EXIT);
	/* Not hvx, or no I/O port access: power off, the status is lost. */
	say("cannot report exit status %d through port %#x (%s); powering off",
	    status, PORT_DEBUG_EXIT, strerror(errno));
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static __attribute__((noreturn)) void fail(const char *what)
{
	say("%s: %s", what, strerror(errno));
	report(ROOTFS_INIT_FAILED, -1);
}

/* @a then @b in @out (PATH_MAX bytes); a path too long is the init's failure. */
static char *join(char *out, const char *a, const char *b)
{
	if (snprintf(out, PATH_MAX, "%s%s", a, b) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		fail(b);
	}
	return out;
}

static void mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	char *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
	mkdir(buf, 0755);
}

static void do_mount(const char *src, const char *target, const char *type,
		     unsigned long flags, const char *data)
{
	char what[PATH_MAX + 64];

	mkdir_p(target);
	if (!mount(src, target, type, flags, data))
		return;
	snprintf(what, sizeof(what), "mount %s (%s) on %s", src, type, target);
	fail(what);
}

/* ---- Configuration: /proc/cmdline ---- */

static void decode(char *val, const char *what)
{
	if (rootfs_decode(val))
		return;
	say("bad value of %s", what);
	report(ROOTFS_INIT_FAILED, -1);
}

/* @tok is name=VALUE: VALUE, decoded unless it is a share's (split first). */
static bool param(char *tok, const char *name, char **val)
{
	size_t len = strlen(name);

	if (strncmp(tok, name, len) || tok[len] != '=')
		return false;
	*val = tok + len + 1;
	if (strcmp(name, ROOTFS_P_SHARE))
		decode(*val, name);
	return true;
}

static void read_config(void)
{
	static char buf[CMDLINE_MAX];
	char *tok, *save, *share;
	ssize_t n;
	int fd;

	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail("/proc/cmdline");
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		fail("/proc/cmdline");
	buf[n] = '\0';
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		if (!strcmp(tok, ROOTFS_P_DEBUG)) {
			cfg.debug = true;
		} else if (!strcmp(tok, ROOTFS_P_NOSTDIN)) {
			cfg.no_stdin = true;
		} else if (param(tok, ROOTFS_P_SHARE, &share)) {
			if (cfg.nr_shares < MAX_SHARES)
				cfg.shares[cfg.nr_shares++] = share;
		} else if (!param(tok, ROOTFS_P_ROOT, &cfg.root) &&
			   !param(tok, ROOTFS_P_CWD, &cfg.cwd) &&
			   !param(tok, ROOTFS_P_EXEC, &cfg.exec) &&
			   !param(tok, ROOTFS_P_PATH, &cfg.path)) {
			param(tok, ROOTFS_P_TERM, &cfg.term);
		}
	}
}

/* ---- Modules and mounts ---- */

static bool compressed(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot && (!strcmp(dot, ".xz") || !strcmp(dot, ".zst") || !strcmp(dot, ".gz"));
}

/* The initramfs's modules, in its order (dependencies first). */
static void load_modules(void)
{
	char line[NAME_MAX + 2], path[PATH_MAX];
	FILE *order = fopen(ROOTFS_MODULES_ORDER, "re");

	if (!order)
		return;		/* none: everything is built in */
	while (fgets(line, sizeof(line), order)) {
		int fd, flags;

		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		snprintf(path, sizeof(path), "%s/%s", ROOTFS_MODULES_DIR, line);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fail(path);
		/* Compressed modules: the kernel unpacks them (CONFIG_MODULE_DECOMPRESS). */
		flags = compressed(line) ? MODULE_INIT_COMPRESSED_FILE : 0;
		if (syscall(SYS_finit_module, fd, "", flags) && errno != EEXIST) {
			snprintf(path, sizeof(path), "load module %s%s", line, flags ?
				 " (compressed: the kernel needs CONFIG_MODULE_DECOMPRESS)" : "");
			fail(path);
		}
		debug("loaded %s", line);
		close(fd);
	}
	fclose(order);
}

/* 9p: the channel appears when virtio_mmio and 9pnet_virtio have bound. */
static void mount_9p(const char *tag, const char *target, bool ro, const char *opts)
{
	unsigned int waited;

	mkdir_p(target);
	for (waited = 0; ; waited += WAIT_STEP_MS) {
		if (!mount(tag, target, "9p", ro ? MS_RDONLY : 0, opts))
			break;
		if (errno != ENOENT || waited >= MOUNT_WAIT_MS) {
			char what[PATH_MAX + 64];

			snprintf(what, sizeof(what), "mount 9p share '%s' on %s", tag, target);
			fail(what);
		}
		sleep_ms(WAIT_STEP_MS);
	}
	debug("9p '%s' on %s%s", tag, target, ro ? " (read-only)" : "");
}

static void symlink_if_missing(const char *target, const char *path)
{
	if (symlink(target, path) && errno != EEXIST)
		debug("symlink %s: %s", path, strerror(errno));
}

/* proc, sys, dev and the tmpfs's a system expects, under @root. */
static void mount_system(const char *root)
{
	static const struct { const char *src, *dir, *type; unsigned long flags; const char *data; } m[] = {
		{ "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
		{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
		{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755" },
		{ "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "mode=0620,ptmxmode=0666" },
		{ "tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" },
		{ "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" },
		{ "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755" },
	};
	char path[PATH_MAX];
	unsigned int i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		do_mount(m[i].src, join(path, root, m[i].dir), m[i].type, m[i].flags, m[i].data);
	/* What udev would make: the kselftest runner writes to /dev/stdout. */
	symlink_if_missing("/proc/self/fd", join(path, root, "/dev/fd"));
	symlink_if_missing("/proc/self/fd/0", join(path, root, "/dev/stdin"));
	symlink_if_missing("/proc/self/fd/1", join(path, root, "/dev/stdout"));
	symlink_if_missing("/proc/self/fd/2", join(path, root, "/dev/stderr"));
}

/* Every --share / --rw at its host path, over whatever the root has there. */
static void mount_shares(const char *root)
{
	char target[PATH_MAX];
	unsigned int i;

	for (i = 0; i < cfg.nr_shares; i++) {
		char *tag = cfg.shares[i], *path = strchr(tag, ','), *mode;

		mode = path ? strchr(path + 1, ',') : NULL;
		if (!path || !mode || path[1] != '/' || mode - path < 2) {
			say("bad %s=%s", ROOTFS_P_SHARE, cfg.shares[i]);
			report(ROOTFS_INIT_FAILED, -1);
		}
		*path++ = '\0';
		*mode++ = '\0';
		decode(path, ROOTFS_P_SHARE);
		mount_9p(tag, join(target, root, path), !strcmp(mode, "ro"), P9_OPTS);
	}
}

/*
 * The overlay of the root share and a tmpfs, with everything mounted in
 * it, made the root. Returns nothing: on failure, the init fails.
 */
static void switch_root(void)
{
	const char *lower = ROOTFS_LOWER, *scratch = ROOTFS_SCRATCH;
	char opts[3 * PATH_MAX + 64], root[PATH_MAX];

	if (cfg.root) {
		mount_9p(cfg.root, lower, true, ROOT_OPTS);
	} else {
		/* The kernel mounted the share as /: a tmpfs for the rest on /dev. */
		lower = "/";
		scratch = "/dev/.hvx";
	}
	do_mount("tmpfs", scratch, "tmpfs", 0, "mode=0755");
	mkdir_p(join(opts, scratch, "/upper"));
	mkdir_p(join(opts, scratch, "/work"));
	join(root, scratch, "/root");
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s/upper,workdir=%s/work",
		 lower, scratch, scratch);
	do_mount("overlay", root, "overlay", 0, opts);
	mount_system(root);
	mount_shares(root);
	if (chdir(root) || mount(".", "/", NULL, MS_MOVE, NULL) || chroot("."))
		fail("switch to the new root");
	if (chdir("/"))
		fail("chdir /");
}

/* ---- The command ---- */

static int open_hvc(void)
{
	unsigned int waited;
	int fd;

	for (waited = 0; waited < HVC_WAIT_MS; waited += WAIT_STEP_MS) {
		fd = open("/dev/hvc0", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		sleep_ms(WAIT_STEP_MS);
	}
	say("no /dev/hvc0 (virtio_console): the command's output goes to the console");
	return -1;
}

/*
 * A command's bytes pass unchanged (no echo, no CR added); on a terminal
 * (hvx.term given) Ctrl-C still interrupts it. A shell keeps the tty's
 * usual line discipline.
 */
static void set_modes(int hvc)
{
	struct termios t;

	if (!tcgetattr(STDERR_FILENO, &t)) {
		t.c_oflag &= ~OPOST;
		tcsetattr(STDERR_FILENO, TCSANOW, &t);
	}
	if (hvc < 0 || !cfg.exec || tcgetattr(hvc, &t))
		return;
	cfmakeraw(&t);
	if (cfg.term)
		t.c_lflag |= ISIG;
	tcsetattr(hvc, TCSANOW, &t);
}

static __attribute__((noreturn)) void exec_command(int hvc)
{
	char env_path[PATH_MAX + 8], env_term[128], env_pwd[PATH_MAX + 8];
	char *envp[] = { env_path, env_term, env_pwd, "HOME=/root", "USER=root",
			 "LOGNAME=root", "SHELL=/bin/sh", NULL };
	char *argv_exec[] = { "sh", "-c", cfg.exec, NULL };
	char *argv_shell[] = { "sh", NULL };

	setsid();
	if (hvc >= 0) {
		dup2(hvc, STDIN_FILENO);
		dup2(hvc, STDOUT_FILENO);
		ioctl(STDIN_FILENO, TIOCSCTTY, 1);
	}
	/* hvc0 has no end of input to give: /dev/null has. */
	if (cfg.no_stdin) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0 && null != STDIN_FILENO) {
			dup2(null, STDIN_FILENO);
			close(null);
		}
	}
	snprintf(env_path, sizeof(env_path), "PATH=%s", cfg.path ? cfg.path : DEFAULT_PATH);
	snprintf(env_term, sizeof(env_term), "TERM=%s", cfg.term ? cfg.term : "dumb");
	snprintf(env_pwd, sizeof(env_pwd), "PWD=%s", cfg.cwd ? cfg.cwd : "/");
	execve("/bin/sh", cfg.exec ? argv_exec : argv_shell, envp);
	say("/bin/sh: %s", strerror(errno));
	_exit(ROOTFS_INIT_FAILED);
}

/* Start the command, reap every process until it ends; its status. */
static int run_command(int hvc)
{
	int status;
	pid_t pid, w;

	pid = fork();
	if (pid < 0)
		fail("fork");
	if (!pid)
		exec_command(hvc);
	/* PID 1 also reaps the orphans the command leaves behind. */
	do {
		w = wait(&status);
	} while (w != pid && (w > 0 || errno == EINTR));
	if (w != pid)
		fail("wait");
	if (WIFSIGNALED(status))
		return SIGNAL_STATUS_BASE + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int guest_init_main(int argc, char **argv)
{
	int hvc, status;

	(void)argc;
	(void)argv;
	if (getpid() != 1) {
		fprintf(stderr, "hvx: guest-init runs as a guest's init (PID 1), nowhere else\n");
		return 2;
	}
	mkdir("/proc", 0555);
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) && errno != EBUSY)
		fail("mount /proc");
	read_config();
	/* devtmpfs may be mounted already (CONFIG_DEVTMPFS_MOUNT): EBUSY is fine. */
	mkdir("/dev", 0755);
	if (mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755") && errno != EBUSY)
		debug("mount /dev: %s", strerror(errno));
	load_modules();
	switch_root();
	if (cfg.cwd && chdir(cfg.cwd)) {
		say("cd %s: %s; running in /", cfg.cwd, strerror(errno));
		cfg.cwd = NULL;
	}
	hvc = open_hvc();
	set_modes(hvc);
	debug("running %s", cfg.exec ? cfg.exec : "a shell");
	status = run_command(hvc);
	debug("exit status %d", status);
	report(status, hvc);
}

#ifdef HVX_INIT_STANDALONE
/* The initramfs's /init: the same code, linked statically on its own. */
int main(int argc, char **argv)
{
	return guest_init_main(argc, argv);
}
#endif
