// SPDX-License-Identifier: GPL-2.0-only
/*
 * kexec-now KERNEL INITRD CMDLINE: load a kernel with kexec_file_load(2)
 * and start it at once (reboot(2) with LINUX_REBOOT_CMD_KEXEC), the way
 * `kexec -s -l ... && kexec -e` does without kexec-tools, which the
 * testbed's busybox initramfs lacks. For the kexec-* stages: the host goes
 * through its reboot notifiers, hvx's included, with VMs running, and the
 * new kernel must come up (testbed/guest-run.sh, run-suite.sh).
 */
#include <fcntl.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int kernel, initrd;

	if (argc != 4) {
		fprintf(stderr, "usage: kexec-now KERNEL INITRD CMDLINE\n");
		return 64;
	}
	kernel = open(argv[1], O_RDONLY);
	initrd = open(argv[2], O_RDONLY);
	if (kernel < 0 || initrd < 0) {
		perror("kexec-now: open");
		return 1;
	}
	/* The command line's length counts its NUL. */
	if (syscall(SYS_kexec_file_load, kernel, initrd, strlen(argv[3]) + 1, argv[3], 0UL)) {
		perror("kexec-now: kexec_file_load");
		return 1;
	}
	sync();
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_KEXEC, NULL);
	perror("kexec-now: reboot(LINUX_REBOOT_CMD_KEXEC)");
	return 1;
}
