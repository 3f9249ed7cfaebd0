// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hvx run` boots Debian's 6.1 bzImage with a busybox initramfs (built by
 * testbed/mkvmmguest.sh into $HVX_VMM_DIR) on 2 vCPUs with a virtio-blk
 * disk and a virtio-net card on a tap, and this test drives the guest's
 * shell over the serial console: both CPUs are up, what the guest writes
 * to /dev/hvc0 (the virtio-console hvx creates next to the UART) shows in
 * hvx's output, an ext4 file written on
 * the host reads back in the guest, ping works both ways over the tap, the
 * guest's CMOS RTC shows today's date, its kernel log has no firmware
 * error or warning, and
 * `poweroff -f` ends hvx with status 0 and removes the tap. The cases share
 * one VM, in this order; once one that the rest need fails, the rest fail.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "ktap.h"
#include "vmm_run.h"

#define GUEST_PROMPT	"guest# "
#define GUEST_IP	"192.168.100.2"	/* the tap's host side is .1 (net/tap.h) */
#define HOST_IP		"192.168.100.1"
#define TAP_NAME	"hvx-tap0"

static char *read_token(const char *dir)
{
	static char token[128];
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/token", dir);
	f = fopen(path, "r");
	if (!f || !fgets(token, sizeof(token), f)) {
		if (f)
			fclose(f);
		return NULL;
	}
	fclose(f);
	token[strcspn(token, "\n")] = '\0';
	return token;
}

static bool tap_exists(void)
{
	struct stat st;

	return stat("/sys/class/net/" TAP_NAME, &st) == 0;
}

int main(void)
{
	const char *dir = getenv("HVX_VMM_DIR") ?: "/payload/vmm";
	const char *dev = getenv("HVX_DEV") ?: "/dev/hvx";
	int boot_timeout = vmm_env_int("HVX_VMM_BOOT_TIMEOUT", 600);
	int cmd_timeout = vmm_env_int("HVX_VMM_CMD_TIMEOUT", 120);
	char kernel[512], initrd[512], disk[512], *out = NULL, *token;
	struct vmm_run r;
	struct timespec t0, t1;
	bool up;
	int rc;

	snprintf(kernel, sizeof(kernel), "%s/vmlinuz", dir);
	snprintf(initrd, sizeof(initrd), "%s/initrd.cpio.gz", dir);
	snprintf(disk, sizeof(disk), "%s/disk.ext4", dir);
	token = read_token(dir);
	if (vmm_boot_skipped("vmm_boot_test"))
		return KSFT_SKIP;
	if (!getenv("HVX_BIN") || access(kernel, R_OK) || !token) {
		printf("TAP version 13\n1..0 # SKIP no $HVX_BIN or no guest in %s\n", dir);
		return KSFT_SKIP;
	}
	vmm_ktap_plan(9);
	char *argv[] = { "hvx", "run", "--dev", (char *)dev, "--kernel", kernel,
			 "--initrd", initrd, "--cpus", "2", "--mem", "256M",
			 "--disk", disk, "--net", "tap", "--cmdline", "quiet", NULL };

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (vmm_run_start(&r, argv)) {
		vmm_ktap_result(false, "boots_to_shell", "cannot start %s", getenv("HVX_BIN"));
		return KSFT_FAIL;
	}
	r.echo = true;
	up = vmm_run_wait_for(&r, GUEST_PROMPT, boot_timeout);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (up)
		vmm_ktap_diag("boot: %.1f s from hvx run to the guest's shell",
			      t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	vmm_ktap_result(up, "boots_to_shell", "no \"%s\" within %d s", GUEST_PROMPT, boot_timeout);

	rc = up ? vmm_run_command(&r, "grep -c ^processor /proc/cpuinfo", cmd_timeout, &out) : -1;
	vmm_ktap_result(rc == 0 && out && strstr(out, "\n2\r"), "two_cpus",
			"/proc/cpuinfo: status %d, output \"%s\"", rc, out ?: "");
	free(out);
	out = NULL;

	/*
	 * The marker is made by the guest's shell ($((6 * 7))), so the typed
	 * command's echo on ttyS0 is not it. It comes from the device thread,
	 * maybe before "@@E", maybe after: look from the command's start.
	 */
	{
		size_t from = r.seen, after;
		bool seen;

		rc = up ? vmm_run_command(&r, "echo hvc0-out-$((6 * 7))-ok >/dev/hvc0",
					  cmd_timeout, NULL) : -1;
		after = r.seen;
		r.seen = from;
		seen = rc == 0 && vmm_run_wait_for(&r, "hvc0-out-42-ok", cmd_timeout);
		r.seen = after > r.seen ? after : r.seen;
		vmm_ktap_result(seen, "virtio_console_output",
				"echo to /dev/hvc0: status %d, \"hvc0-out-42-ok\" %s in hvx's output",
				rc, seen ? "seen" : "not seen");
	}

	rc = up ? vmm_run_command(&r, "mount -t ext4 /dev/vda /mnt && cat /mnt/token.txt",
				  cmd_timeout, &out) : -1;
	vmm_ktap_result(rc == 0 && out && strstr(out, token), "ext4_on_virtio_blk",
			"status %d, output \"%s\", wanted \"%s\"", rc, out ?: "", token);
	free(out);
	out = NULL;

	rc = up ? vmm_run_command(&r, "ip addr add " GUEST_IP "/24 dev eth0 && ip link set eth0 up"
				  " && ping -c 1 -W 10 " HOST_IP, cmd_timeout, &out) : -1;
	vmm_ktap_result(rc == 0, "ping_guest_to_host", "status %d, output \"%s\"", rc, out ?: "");
	free(out);
	out = NULL;

	rc = up && tap_exists() ? system("ping -c 1 -W 10 " GUEST_IP " >/dev/null 2>&1") : -1;
	vmm_ktap_result(rc == 0, "ping_host_to_guest", "tap %s: %s, ping status %d", TAP_NAME,
			tap_exists() ? "present" : "missing", rc);

	/* The CMOS RTC runs on the host's UTC clock: the guest's RTC date is today. */
	rc = up ? vmm_run_command(&r, "cat /sys/class/rtc/rtc0/date", cmd_timeout, &out) : -1;
	{
		time_t now = time(NULL);
		char today[16];

		strftime(today, sizeof(today), "%Y-%m-%d", gmtime(&now));
		vmm_ktap_result(rc == 0 && out && strstr(out, today), "rtc_date_is_host_date",
				"status %d, output \"%s\", wanted %s", rc, out ?: "", today);
	}
	free(out);
	out = NULL;

	/*
	 * The guest's kernel log: what it made of hvx's firmware tables and
	 * devices (shown), and no firmware complaint, warning or oops (checked).
	 */
	if (up)
		vmm_run_command(&r, "dmesg | grep -iE 'acpi:|virtio|rtc|smp|ioapic' | head -n 40",
				cmd_timeout, NULL);
	/*
	 * The splat words are split in two ('WARN''ING:' is WARNING: to the
	 * shell): the typed command echoes onto the testbed's console, whose
	 * own log check must not take it for a splat.
	 */
	rc = up ? vmm_run_command(&r, "! dmesg | grep -iE 'ACPI (BIOS )?(Error|Warning)|"
				  "Firmware Bug|FW_BUG' && ! dmesg | grep -B2 -A6 -E 'WARN''ING:|BU''G:|"
				  "Oo''ps|Call Tr''ace'", cmd_timeout, &out) : -1;
	vmm_ktap_result(rc == 0, "guest_kernel_log_clean", "status %d, output \"%s\"", rc,
			out ?: "");
	free(out);
	out = NULL;

	if (up && vmm_run_command(&r, "sync", cmd_timeout, NULL) >= 0) {
		/* No "@@E" comes back from poweroff: hvx's exit is the answer. */
		if (write(r.in_fd, "poweroff -f\n", 12) != 12)
			vmm_ktap_diag("cannot type poweroff");
	}
	rc = up ? vmm_run_wait_exit(&r, cmd_timeout) : -1;
	vmm_ktap_result(rc == 0 && !tap_exists(), "poweroff_exits_0",
			"hvx exit status %d (0 wanted), tap %s", rc,
			tap_exists() ? "left behind" : "removed");
	if (r.status < 0) {
		/* The VM is stuck: SIGTERM must still end it cleanly. */
		kill(r.pid, SIGTERM);
		vmm_ktap_diag("after SIGTERM: exit status %d", vmm_run_wait_exit(&r, 30));
	}
	vmm_run_free(&r);
	return vmm_ktap_exit();
}
