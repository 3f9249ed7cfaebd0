// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hvx run` with small guests and bad input: the multiboot test kernel
 * (vmm_multiboot_guest.S, flat and ELF) prints on the serial port, sees its
 * command line, module and fw_cfg's CPU count and RAM size, and exits through port 0xf4 with the status the
 * module chose; a triple fault ends hvx with status 8 and the vCPU's state,
 * an i8042 reset with status 4; SIGTERM ends a running VM cleanly (status
 * 130, no tap left); on a terminal, Ctrl-A x quits with 0 and the terminal's
 * modes come back;
 * a truncated bzImage, a non-kernel file, --mem 1M, a missing disk file and
 * a tap that cannot be created each get a clear message and a non-zero exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include "ktap.h"
#include "vmm_run.h"

#define RUN_TIMEOUT_S	120
#define MODULE_BYTE	0x21		/* exit status (0x21 << 1) | 1 = 67 */
#define TAP_NAME	"hvx-sigterm0"

static const char *dev, *selftests_dir;
static char tmp_dir[] = "/tmp/vmm_cli_test.XXXXXX";

static void path_in(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static bool has(const struct vmm_run *r, const char *text)
{
	return r->out && strstr(r->out, text);
}

static void multiboot_exit_status(const char *image, const char *name)
{
	char kernel[512], module[512];
	struct vmm_run r;
	int status;
	FILE *f;

	path_in(kernel, sizeof(kernel), selftests_dir, image);
	path_in(module, sizeof(module), tmp_dir, "module");
	f = fopen(module, "w");
	if (f) {
		fputc(MODULE_BYTE, f);
		fclose(f);
	}
	char *argv[] = { "hvx", "run", "--dev", (char *)dev, "--kernel", kernel, "--initrd", module,
			 "--mem", "32M", "--cpus", "2", "--cmdline", "mb-test-arg", "--quiet", NULL };
	status = vmm_run_once(&r, argv, RUN_TIMEOUT_S);
	/*
	 * fw_cfg as the kernel read it: signature, 2 CPUs, 32 MiB in hex. The
	 * command line is --cmdline verbatim: no Linux defaults in front.
	 */
	vmm_ktap_result(status == ((MODULE_BYTE << 1) | 1) && has(&r, "hello from a multiboot kernel") &&
			has(&r, "cmdline: mb-test-arg") && has(&r, "fw_cfg: QEMU cpus=0002 ram=02000000"), name,
			"status %d (want %d), output:\n%s", status, (MODULE_BYTE << 1) | 1, r.out);
	vmm_run_free(&r);
}

/* A module byte the test kernel acts on: the status and words hvx must give. */
static void multiboot_action(const char *name, int byte, int want_status, const char *want1,
			     const char *want2)
{
	char kernel[512], module[512];
	struct vmm_run r;
	int status;
	FILE *f;

	path_in(kernel, sizeof(kernel), selftests_dir, "vmm_multiboot.bin");
	path_in(module, sizeof(module), tmp_dir, "module");
	f = fopen(module, "w");
	if (f) {
		fputc(byte, f);
		fclose(f);
	}
	char *argv[] = { "hvx", "run", "--dev", (char *)dev, "--kernel", kernel, "--initrd", module,
			 "--mem", "32M", NULL };
	status = vmm_run_once(&r, argv, RUN_TIMEOUT_S);
	vmm_ktap_result(status == want_status && has(&r, want1) && has(&r, want2), name,
			"status %d (want %d), want \"%s\" and \"%s\" in:\n%s", status, want_status,
			want1, want2, r.out);
	vmm_run_free(&r);
}

static void sigterm_ends_vm(void)
{
	char kernel[512];
	struct vmm_run r;
	struct stat st;
	bool up, tap_seen;
	int status;

	path_in(kernel, sizeof(kernel), selftests_dir, "vmm_multiboot.bin");
	/* No module: the kernel greets, then halts forever. */
	char *argv[] = { "hvx", "run", "--dev", (char *)dev, "--kernel", kernel, "--mem", "32M",
			 "--net", "tap=" TAP_NAME, NULL };
	if (vmm_run_start(&r, argv)) {
		vmm_ktap_result(false, "sigterm_ends_vm", "cannot start hvx");
		return;
	}
	up = vmm_run_wait_for(&r, "hello from a multiboot kernel", RUN_TIMEOUT_S);
	tap_seen = stat("/sys/class/net/" TAP_NAME, &st) == 0;
	kill(r.pid, SIGTERM);
	status = vmm_run_wait_exit(&r, RUN_TIMEOUT_S);
	vmm_ktap_result(up && tap_seen && status == 130 &&
			stat("/sys/class/net/" TAP_NAME, &st) != 0, "sigterm_ends_vm",
			"greeting %s, tap while running %s, status %d (want %d), tap after: %s; output:\n%s",
			up ? "seen" : "missing", tap_seen ? "present" : "missing", status,
			130, stat("/sys/class/net/" TAP_NAME, &st) ? "gone" : "left behind",
			r.out);
	vmm_run_free(&r);
}

/*
 * On a terminal: raw mode, and Ctrl-A x quits with status 0 (the escape key
 * is only live on a tty, so the test gives hvx a pseudo-terminal as stdin);
 * at exit the terminal's modes are back. @console: --console's value, for
 * stdin going to the UART or to the virtio-console.
 */
static void console_escape_quits(const char *name, const char *console)
{
	const char *bin = getenv("HVX_BIN");
	char kernel[512], *slave_name;
	struct termios before, during, after;
	struct vmm_run r;
	int master, slave, out[2];
	bool up, raw = false;
	int status;

	path_in(kernel, sizeof(kernel), selftests_dir, "vmm_multiboot.bin");
	char *argv[] = { "hvx", "run", "--dev", (char *)dev, "--kernel", kernel, "--mem", "32M",
			 "--console", (char *)console, NULL };
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master) || !(slave_name = ptsname(master)) ||
	    pipe(out)) {
		vmm_ktap_result(false, name, "no pseudo-terminal: %s", strerror(errno));
		return;
	}
	slave = open(slave_name, O_RDWR | O_NOCTTY);
	tcgetattr(slave, &before);
	memset(&r, 0, sizeof(r));
	r.status = -1;
	r.cap = 1 << 16;
	r.out = calloc(1, r.cap);
	r.pid = fork();
	if (r.pid == 0) {
		setsid();
		dup2(slave, 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		execv(bin, argv);
		_exit(127);
	}
	close(out[1]);
	r.out_fd = out[0];
	r.in_fd = master;
	up = vmm_run_wait_for(&r, "hello from a multiboot kernel", RUN_TIMEOUT_S);
	if (up && !tcgetattr(slave, &during))
		raw = !(during.c_lflag & (ICANON | ECHO | ISIG));
	if (write(master, "\x01x", 2) != 2)
		vmm_ktap_diag("cannot type Ctrl-A x");
	status = vmm_run_wait_exit(&r, RUN_TIMEOUT_S);
	tcgetattr(slave, &after);
	vmm_ktap_result(up && raw && status == 0 && has(&r, "Ctrl-A x") &&
			after.c_lflag == before.c_lflag, name,
			"greeting %s, raw mode %s, status %d (want 0), modes %s; output:\n%s",
			up ? "seen" : "missing", raw ? "on" : "off", status,
			after.c_lflag == before.c_lflag ? "restored" : "not restored", r.out);
	vmm_run_free(&r);
	close(slave);
}

/* hvx run with @extra arguments must fail with @want_status and say @want_text. */
static void bad_input(const char *name, char *const extra[], int want_status, const char *want_text)
{
	char *argv[24] = { "hvx", "run", "--dev", (char *)dev };
	struct vmm_run r;
	int i, n = 4, status;

	for (i = 0; extra[i] && n < 22; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	status = vmm_run_once(&r, argv, RUN_TIMEOUT_S);
	vmm_ktap_result(status == want_status && has(&r, want_text), name,
			"status %d (want %d), output lacks \"%s\"?\n%s", status, want_status,
			want_text, r.out);
	vmm_run_free(&r);
}

int main(void)
{
	char truncated[512], bzimage[512], mbbin[512], missing_disk[512];
	const char *vmm_dir = getenv("HVX_VMM_DIR") ?: "/payload/vmm";
	char *data = NULL;
	size_t size = 0;
	FILE *f;

	dev = getenv("HVX_DEV") ?: "/dev/hvx";
	selftests_dir = getenv("HVX_SELFTESTS_DIR") ?: ".";
	path_in(bzimage, sizeof(bzimage), vmm_dir, "vmlinuz");
	path_in(mbbin, sizeof(mbbin), selftests_dir, "vmm_multiboot.bin");
	if (!getenv("HVX_BIN") || access(bzimage, R_OK) || access(mbbin, R_OK) || !mkdtemp(tmp_dir)) {
		printf("TAP version 13\n1..0 # SKIP no $HVX_BIN, %s or %s\n", bzimage, mbbin);
		return KSFT_SKIP;
	}
	vmm_ktap_plan(15);
	multiboot_exit_status("vmm_multiboot.bin", "multiboot_flat_exit_status");
	multiboot_exit_status("vmm_multiboot.elf", "multiboot_elf_exit_status");
	/* Status 3 with the vCPU's registers; status 4 for a reset. */
	multiboot_action("triple_fault_dumps_state", 0xff, 8, "triple fault", "rip ");
	multiboot_action("i8042_reset_reported", 0xfe, 4, "reset the machine", "i8042");
	sigterm_ends_vm();
	console_escape_quits("console_escape_quits", "serial");
	console_escape_quits("console_escape_quits_virtio", "virtio");

	/* The first 100 KiB of a real bzImage: the header is fine, the payload is not. */
	path_in(truncated, sizeof(truncated), tmp_dir, "truncated-bzImage");
	f = fopen(bzimage, "r");
	if (f) {
		data = malloc(100 * 1024);
		size = data ? fread(data, 1, 100 * 1024, f) : 0;
		fclose(f);
	}
	f = fopen(truncated, "w");
	if (f) {
		fwrite(data, 1, size, f);
		fclose(f);
	}
	free(data);
	bad_input("truncated_bzimage", (char *[]){ "--kernel", truncated, NULL }, 6, "truncated bzImage");
	bad_input("not_a_kernel", (char *[]){ "--kernel", "/payload/run.sh", NULL }, 6,
		  "not a kernel hvx can boot");
	bad_input("mem_too_small", (char *[]){ "--kernel", bzimage, "--mem", "1M", NULL }, 2,
		  "allowed: 16M to 1T");
	path_in(missing_disk, sizeof(missing_disk), tmp_dir, "no-such-disk.img");
	bad_input("missing_disk", (char *[]){ "--kernel", bzimage, "--disk", missing_disk, NULL }, 2,
		  "No such file or directory");
	/* Linux refuses interface names with spaces: the tap cannot be created. */
	bad_input("tap_cannot_be_created", (char *[]){ "--kernel", mbbin, "--net", "tap=bad name", NULL },
		  6, "bad name");
	bad_input("bad_console_value", (char *[]){ "--kernel", mbbin, "--console", "hvc", NULL }, 2,
		  "allowed: serial or virtio");
	bad_input("help_lists_console", (char *[]){ "--help", NULL }, 0, "--console serial|virtio");
	bad_input("help_lists_options", (char *[]){ "--help", NULL }, 0, "--disk FILE[,ro]");

	unlink(truncated);
	path_in(truncated, sizeof(truncated), tmp_dir, "module");
	unlink(truncated);
	rmdir(tmp_dir);
	return vmm_ktap_exit();
}
