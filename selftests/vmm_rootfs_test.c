// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hvx run --rootfs / --exec CMD`, the kernel developer's workflow, end
 * to end in a testbed: Debian's 6.1 kernel (modules, so hvx builds the
 * initramfs from the testbed's /lib/modules) boots on the testbed's own
 * files over virtio-9p and runs a script from here that
 *
 * - runs the kselftest target built from linux-source-6.1 (size) through
 *   kselftest's runner, whose KTAP is checked here, on hvx's stdout;
 * - prints its directory (this one), and a line on stderr;
 * - writes into the overlay (the testbed's file must not change), into a
 *   --rw directory (it must), into a read-only --share (refused);
 * - attacks a share's confinement with raw 9P messages from inside the
 *   guest (p9_attack: its own virtio driver, hostile names, fids, sizes);
 * - and exits with 3, which must be hvx's status.
 *
 * A second boot checks that a command killed by a signal gives 128+N and
 * that a /dev/null stdin reaches it as an end of input. Without a boot:
 * the option errors. HVX_ROOTFS_BENCH=1 instead measures the time from
 * `hvx run` to the first output and to the exit, against the same
 * command run from an initramfs (make bench).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "ktap.h"
#include "vmm_run.h"

/* Not under /tmp: the guest has a tmpfs of its own there. */
#define WORK		"/root/hvx-rootfs-test"
#define SECRET		"host-secret-not-for-the-guest"
#define RO_TEXT		"host-ro-text"
#define EXEC_STATUS	3
#define SIGNAL_STATUS	(128 + SIGTERM)
#define BUF_MAX		(1 << 20)

struct run {
	char out[BUF_MAX], err[BUF_MAX];
	size_t out_len, err_len;
	const char *marker;		/* what marker_s waits for on stdout */
	double first_out_s, marker_s, exit_s;	/* from the start; -1: never */
	int status;			/* -1: timed out (killed) */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void append(char *buf, size_t *len, int fd, int *open_fd)
{
	ssize_t n = *len < BUF_MAX - 1 ? read(fd, buf + *len, BUF_MAX - 1 - *len) : 0;

	if (n <= 0) {
		close(fd);
		*open_fd = -1;
		return;
	}
	*len += n;
	buf[*len] = '\0';
}

/*
 * hvx with stdin /dev/null, stdout and stderr apart; the times they took:
 * to the first byte on stdout, to @marker on it (if given), to the exit.
 */
static void run_hvx(struct run *r, char *const argv[], int timeout_s, const char *marker)
{
	int out[2], err[2], status;
	double t0 = now_s();
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->marker = marker;
	r->first_out_s = r->marker_s = r->exit_s = -1;
	r->status = -1;
	if (pipe(out) || pipe(err))
		return;
	pid = fork();
	if (pid < 0)
		return;
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		execv(getenv("HVX_BIN"), argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	while (out[0] >= 0 || err[0] >= 0) {
		struct pollfd p[2] = { { .fd = out[0], .events = POLLIN },
				       { .fd = err[0], .events = POLLIN } };
		int left = (int)((t0 + timeout_s - now_s()) * 1000);

		if (left <= 0 || poll(p, 2, left) <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		if (p[0].revents) {
			if (r->first_out_s < 0)
				r->first_out_s = now_s() - t0;
			append(r->out, &r->out_len, out[0], &out[0]);
			if (r->marker && r->marker_s < 0 && strstr(r->out, r->marker))
				r->marker_s = now_s() - t0;
		}
		if (p[1].revents)
			append(r->err, &r->err_len, err[0], &err[0]);
	}
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		r->status = WEXITSTATUS(status);
	r->exit_s = now_s() - t0;
	if (out[0] >= 0)
		close(out[0]);
	if (err[0] >= 0)
		close(err[0]);
}

/* The run's output as KTAP diagnostics, for a failure's reader. */
static void show(const char *what, const char *text)
{
	const char *line = text;

	while (*line) {
		size_t n = strcspn(line, "\n");

		printf("# %s| %.*s\n", what, (int)n, line);
		line += n + !!line[n];
	}
	fflush(stdout);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static bool file_is(const char *path, const char *text)
{
	char buf[256] = "";
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return !strcmp(buf, text);
}

/*
 * The guest's script. Busybox's timeout lacks coreutils' --foreground,
 * which kselftest's runner passes: a wrapper replaces it, in the guest's
 * overlay only (the testbed's /usr/bin/timeout must stay as it is).
 */
static void write_script(const char *kselftest_dir, const char *attack)
{
	FILE *f = fopen(WORK "/guest.sh", "w");

	if (!f)
		return;
	fprintf(f,
		"#!/bin/sh\n"
		"echo \"cwd=$(pwd)\"\n"
		"echo \"stderr-marker-$((6 * 7))\" >&2\n"
		"rm -f /usr/bin/timeout\n"
		"printf '#!/bin/sh\\n[ \"$1\" = --foreground ] && shift\\nexec busybox timeout \"$@\"\\n' >/usr/bin/timeout\n"
		"chmod 755 /usr/bin/timeout\n"
		"%s/run_kselftest.sh\n"
		"echo \"kselftest-rc=$?\"\n"
		"echo guest-wrote >" WORK "/overlay-probe && cat " WORK "/overlay-probe\n"
		"echo \"result-$((7 * 6))\" >" WORK "/rw/result.txt\n"
		"if echo x 2>" WORK "/rw/ro-error >" WORK "/ro/keep.txt; then echo ro-write=allowed;"
		" else echo ro-write=refused; fi\n"
		"cat " WORK "/rw/ro-error\n"
		"%s attack " WORK "/attack\n"
		"echo \"attack-rc=$?\"\n"
		"%s rodata " WORK "/ro ro\n"
		"echo \"attack-ro-rc=$?\"\n"
		"exit %d\n", kselftest_dir, attack, attack, EXEC_STATUS);
	fclose(f);
	chmod(WORK "/guest.sh", 0755);
}

static void __attribute__((noreturn)) bail(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(KSFT_FAIL);
}

static void setup_work(void)
{
	if (system("rm -rf " WORK " && mkdir -p " WORK "/rw " WORK "/ro " WORK "/attack/sub"))
		bail("cannot make " WORK);
	write_file(WORK "/secret.txt", SECRET);
	write_file(WORK "/ro/keep.txt", RO_TEXT);
	write_file(WORK "/attack/inside.txt", "inside");
	/* Links the host made, pointing out of the share. */
	if (symlink("../secret.txt", WORK "/attack/out") || symlink(WORK, WORK "/attack/abs") ||
	    symlink("..", WORK "/attack/up"))
		bail("symlinks in " WORK "/attack");
}

static bool has(const char *text, const char *want)
{
	return strstr(text, want) != NULL;
}

/* No option errors need a boot: each ends hvx at once with its message. */
static void option_errors(const char *kernel, const char *dev)
{
	/* hvx's statuses (Documentation/vmm.md): 2 a bad command line, 6 hvx failed. */
	static const struct {
		const char *args[4], *message;
		int status;
	} cases[] = {
		{ { "--exec", "true" }, "--exec needs --rootfs", 2 },
		{ { "--rootfs", "/nonexistent" }, "--rootfs /nonexistent: No such file", 2 },
		{ { "--rootfs", "/", "--console", "virtio" }, "no --console with it", 2 },
		{ { "--rootfs", "/", "--initrd", "/etc/hostname" }, "no --initrd with it", 2 },
		{ { "--share", "/nonexistent" }, "--share /nonexistent: No such file", 2 },
		{ { "--share", WORK ":bad/tag" }, "mount tag 'bad/tag' is not allowed", 2 },
		{ { "--share", WORK, "--rw", WORK }, "used twice", 2 },
		/*
		 * A modules directory without modules.dep: told to run depmod.
		 * The command line is fine; building the guest's initramfs failed.
		 */
		{ { "--rootfs", WORK "/fakeroot" }, "run depmod", 6 },
	};
	char release[128] = "", path[512];
	bool all = true;
	unsigned int i;
	FILE *f;

	/* The guest kernel's release: the testbed's /lib/modules has only it. */
	f = popen("ls /lib/modules", "r");
	if (f) {
		if (fgets(release, sizeof(release), f))
			release[strcspn(release, "\n")] = '\0';
		pclose(f);
	}
	snprintf(path, sizeof(path), "mkdir -p " WORK "/fakeroot/lib/modules/%s/kernel", release);
	if (system(path))
		all = false;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[16] = { "hvx", "run", "--dev", (char *)dev, "--kernel", (char *)kernel };
		unsigned int n = 6, k;
		struct run *r = malloc(sizeof(*r));
		bool ok;

		for (k = 0; k < 4 && cases[i].args[k]; k++)
			argv[n++] = (char *)cases[i].args[k];
		argv[n] = NULL;
		run_hvx(r, argv, 60, NULL);
		ok = r->status == cases[i].status && has(r->err, cases[i].message);
		if (!ok) {
			vmm_ktap_diag("'%s %s': status %d, expected %d and \"%s\"", cases[i].args[0],
				      cases[i].args[1], r->status, cases[i].status, cases[i].message);
			show("err", r->err);
		}
		all &= ok;
		free(r);
	}
	vmm_ktap_result(all, "option_errors", "");
}

/*
 * make bench: the same command (an echo) run by `hvx run --rootfs /
 * --exec` and from the busybox initramfs (/exec-init); the time from the
 * start of hvx to its output (there the kernel's console is stdout too,
 * so the output's own line, not the first byte) and to hvx's exit.
 */
static int bench(const char *dir, const char *dev, int timeout_s)
{
	int rounds = vmm_env_int("HVX_ROOTFS_BENCH_ROUNDS", 1), i;
	char kernel[512], initrd[512];
	struct run *r = malloc(sizeof(*r));
	char *rootfs_argv[] = { "hvx", "run", "--dev", (char *)dev, "--kernel", kernel,
				"--rootfs", "/", "--exec", "echo hvx-exec-output", NULL };
	char *initrd_argv[] = { "hvx", "run", "--dev", (char *)dev, "--kernel", kernel,
				"--initrd", initrd, "--cmdline", "quiet rdinit=/exec-init", NULL };

	snprintf(kernel, sizeof(kernel), "%s/vmlinuz", dir);
	snprintf(initrd, sizeof(initrd), "%s/initrd.cpio.gz", dir);
	for (i = 0; i < rounds; i++) {
		run_hvx(r, rootfs_argv, timeout_s, "hvx-exec-output");
		if (r->status == 0 && r->marker_s >= 0)
			printf("bench: hvx run --rootfs / --exec, to the command's output  %.1f s, to exit  %.1f s\n",
			       r->marker_s, r->exit_s);
		else
			printf("# bench: --rootfs run failed, status %d\n", r->status);
		run_hvx(r, initrd_argv, timeout_s, "hvx-exec-output");
		if (r->status == 0 && r->marker_s >= 0)
			printf("bench: hvx run --initrd, same command, to its output  %.1f s, to exit  %.1f s\n",
			       r->marker_s, r->exit_s);
		else
			printf("# bench: --initrd run failed, status %d\n", r->status);
		fflush(stdout);
	}
	free(r);
	return 0;
}

int main(void)
{
	const char *dir = getenv("HVX_VMM_DIR") ?: "/payload/vmm";
	const char *dev = getenv("HVX_DEV") ?: "/dev/hvx";
	const char *ks = getenv("HVX_KSELFTEST_DIR") ?: "/payload/kselftest";
	int timeout_s = vmm_env_int("HVX_VMM_BOOT_TIMEOUT", 600);
	char kernel[512], attack[512], ks_runner[600];
	struct run *r;
	bool ok;

	snprintf(kernel, sizeof(kernel), "%s/vmlinuz", dir);
	snprintf(attack, sizeof(attack), "%s/p9_attack", getenv("HVX_SELFTESTS_DIR") ?: "/payload/selftests");
	snprintf(ks_runner, sizeof(ks_runner), "%s/run_kselftest.sh", ks);
	if (vmm_boot_skipped("vmm_rootfs_test"))
		return KSFT_SKIP;
	if (getenv("HVX_ROOTFS_BENCH"))
		return getenv("HVX_BIN") && !access(kernel, R_OK) ? bench(dir, dev, timeout_s) : 0;
	if (!getenv("HVX_BIN") || access(kernel, R_OK) || access(ks_runner, X_OK) ||
	    access("/lib/modules", F_OK) || access(attack, X_OK)) {
		printf("TAP version 13\n1..0 # SKIP needs $HVX_BIN, %s, %s, %s and /lib/modules"
		       " (testbed/mkvmmguest.sh, run-suite.sh)\n", kernel, ks_runner, attack);
		return KSFT_SKIP;
	}
	r = malloc(sizeof(*r));
	vmm_ktap_plan(11);
	setup_work();
	option_errors(kernel, dev);
	write_script(ks, attack);
	if (chdir(WORK))
		bail("chdir " WORK);

	{
		char *argv[] = { "hvx", "run", "--dev", (char *)dev, "--kernel", kernel,
				 "--rootfs", "/", "--rw", WORK "/rw", "--share", WORK "/ro:rodata,ro",
				 "--share", WORK "/attack:attack", "--exec", "./guest.sh", NULL };

		run_hvx(r, argv, timeout_s, NULL);
	}
	vmm_ktap_diag("rootfs: hvx run to the first output %.1f s, to its exit %.1f s",
		      r->first_out_s, r->exit_s);
	show("out", r->out);
	show("err", r->err);

	vmm_ktap_result(r->status == EXEC_STATUS, "exit_status_exact",
			"hvx exited with %d, the command with %d", r->status, EXEC_STATUS);
	/* kselftest's runner: its KTAP plan and result, get_size's own nested TAP. */
	ok = has(r->out, "TAP version 13\n") && has(r->out, "1..1\n") &&
	     has(r->out, "# selftests: size: get_size\n") &&
	     has(r->out, "ok 1 selftests: size: get_size\n") &&
	     !has(r->out, "not ok 1 selftests: size") &&
	     has(r->out, "# ok 1 get runtime memory use") && has(r->out, "kselftest-rc=0\n");
	vmm_ktap_result(ok, "kselftest_size_ktap", "no passing KTAP from run_kselftest.sh");
	vmm_ktap_result(has(r->out, "cwd=" WORK "\n"), "runs_in_hosts_directory", "");
	vmm_ktap_result(has(r->err, "stderr-marker-42") && !has(r->out, "stderr-marker-42") &&
			!has(r->err, "cwd="), "stdout_and_stderr_apart", "");
	{
		struct stat st;

		/* The guest wrote a file and replaced /usr/bin/timeout: not here. */
		vmm_ktap_result(has(r->out, "guest-wrote\n") && access(WORK "/overlay-probe", F_OK) &&
				!lstat("/usr/bin/timeout", &st) && S_ISLNK(st.st_mode),
				"overlay_leaves_host_unchanged",
				"the guest's writes reached the testbed's files");
	}
	vmm_ktap_result(file_is(WORK "/rw/result.txt", "result-42\n"), "rw_dir_reaches_host", "");
	vmm_ktap_result(has(r->out, "ro-write=refused") && file_is(WORK "/ro/keep.txt", RO_TEXT) &&
			file_is(WORK "/rw/ro-error", "") == false &&
			has(r->out, "Read-only file system"), "ro_share_refuses_writes", "");
	/* p9_attack's verdicts, and the host's files it tried to reach. */
	ok = has(r->out, "p9_attack attack: all ") && has(r->out, "attack-rc=0\n") &&
	     has(r->out, "p9_attack rodata: all ") && has(r->out, "attack-ro-rc=0\n") &&
	     !has(r->out, "p9_attack attack: FAIL") && !has(r->out, "p9_attack rodata: FAIL") &&
	     file_is(WORK "/secret.txt", SECRET) && file_is(WORK "/ro/keep.txt", RO_TEXT) &&
	     access(WORK "/evil", F_OK) && access("/evil", F_OK);
	vmm_ktap_result(ok, "confinement_attack_from_guest", "");
	{
		struct stat st;

		/* The host's link is still a link to where it pointed. */
		vmm_ktap_result(!lstat(WORK "/attack/out", &st) && S_ISLNK(st.st_mode) &&
				file_is(WORK "/secret.txt", SECRET), "host_symlinks_untouched", "");
	}

	/* A command killed by a signal; stdin /dev/null gives cat its end. */
	{
		char *argv[] = { "hvx", "run", "--dev", (char *)dev, "--kernel", kernel,
				 "--rootfs", "/", "--exec", "cat; echo cat-ended; kill -TERM $$", NULL };

		run_hvx(r, argv, timeout_s, NULL);
	}
	show("out", r->out);
	vmm_ktap_result(r->status == SIGNAL_STATUS && has(r->out, "cat-ended"),
			"signal_status_and_stdin_end", "status %d, expected %d", r->status,
			SIGNAL_STATUS);
	free(r);
	if (chdir("/") || system("rm -rf " WORK))
		vmm_ktap_diag("could not remove " WORK);
	return vmm_ktap_exit();
}
