// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hvx run` boots Debian's 6.1 kernel as an ELF vmlinux through its PVH
 * note (the vmlinux inside the bzImage vmm_boot_test boots; both made by
 * testbed/mkvmmguest.sh into $HVX_VMM_DIR), on 1 vCPU with
 * `--console virtio`. The busybox initramfs runs /pvh-init: it prints a
 * marker on ttyS0, opens hvc0, answers one line typed on hvx's stdin
 * there, and powers off. So one short boot checks the PVH entry, that
 * stdin reaches the guest through the virtio-console, and that power-off
 * ends hvx with status 0. The cases share one VM, in this order.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "ktap.h"
#include "vmm_run.h"

int main(void)
{
	const char *dir = getenv("HVX_VMM_DIR") ?: "/payload/vmm";
	const char *dev = getenv("HVX_DEV") ?: "/dev/hvx";
	int boot_timeout = vmm_env_int("HVX_VMM_BOOT_TIMEOUT", 600);
	int cmd_timeout = vmm_env_int("HVX_VMM_CMD_TIMEOUT", 120);
	char kernel[512], initrd[512], line[64], answer[96];
	struct vmm_run r;
	struct timespec t0, t1;
	bool up, ready, answered;
	int rc;

	snprintf(kernel, sizeof(kernel), "%s/vmlinux", dir);
	snprintf(initrd, sizeof(initrd), "%s/initrd.cpio.gz", dir);
	if (vmm_boot_skipped("vmm_pvh_test"))
		return KSFT_SKIP;
	if (!getenv("HVX_BIN") || access(kernel, R_OK) || access(initrd, R_OK)) {
		printf("TAP version 13\n1..0 # SKIP no $HVX_BIN or no vmlinux in %s\n", dir);
		return KSFT_SKIP;
	}
	vmm_ktap_plan(3);
	/*
	 * console=ttyS0 after hvx's console=hvc0: the kernel's log and
	 * /pvh-init's own output on the UART, hvc0 for the line typed.
	 */
	char *argv[] = { "hvx", "run", "--dev", (char *)dev, "--kernel", kernel,
			 "--initrd", initrd, "--cpus", "1", "--mem", "256M", "--console", "virtio",
			 "--cmdline", "console=ttyS0 quiet rdinit=/pvh-init", NULL };

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (vmm_run_start(&r, argv)) {
		vmm_ktap_result(false, "pvh_boot_reaches_init", "cannot start %s", getenv("HVX_BIN"));
		return KSFT_FAIL;
	}
	r.echo = true;
	up = vmm_run_wait_for(&r, "hvx-pvh: init reached", boot_timeout);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (up)
		vmm_ktap_diag("boot: %.1f s from hvx run to the guest's init (PVH)",
			      t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	vmm_ktap_result(up, "pvh_boot_reaches_init", "no \"hvx-pvh: init reached\" within %d s",
			boot_timeout);

	/*
	 * A line only the test knows, typed on hvx's stdin: with --console
	 * virtio it reaches the guest on hvc0 alone. The guest's answer
	 * wraps it in <>, which hvc0's echo of the typed line does not.
	 */
	snprintf(line, sizeof(line), "hvc-in-%d-%ld", getpid(), (long)t0.tv_nsec);
	snprintf(answer, sizeof(answer), "hvc0 read <%s>", line);
	ready = up && vmm_run_wait_for(&r, "hvx-pvh: hvc0 ready", cmd_timeout);
	if (ready && (dprintf(r.in_fd, "%s\n", line) < 0))
		vmm_ktap_diag("cannot type the line");
	answered = ready && vmm_run_wait_for(&r, answer, cmd_timeout);
	vmm_ktap_result(answered, "virtio_console_input", "hvc0 %s, answer \"%s\" %s",
			ready ? "ready" : "never ready", answer, answered ? "seen" : "missing");

	/*
	 * /pvh-init powers off after the answer (or at once without hvc0).
	 * Not up: hvx may have ended already (a crash): show its status.
	 */
	rc = vmm_run_wait_exit(&r, up ? cmd_timeout : 5);
	vmm_ktap_result(rc == 0, "poweroff_exits_0", "hvx exit status %d (0 wanted)", rc);
	if (r.status < 0) {
		kill(r.pid, SIGTERM);
		vmm_ktap_diag("after SIGTERM: exit status %d", vmm_run_wait_exit(&r, 30));
	}
	vmm_run_free(&r);
	return vmm_ktap_exit();
}
