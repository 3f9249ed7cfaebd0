// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm_hold: keep one VM with one vCPU (no in-kernel irqchip) alive in the
 * background, for the kvmref testbed. KVM flips static keys (preempt
 * notifiers; on older kernels kvm_has_noapic_vcpu) when the first VM or
 * irqchip-less vCPU appears and the last goes away; under QEMU TCG that
 * live code patching has hung the guest now and then. With one of each held
 * for the whole run, the keys stay on and the selftests' VMs never patch.
 *
 * usage: kvm_hold   (returns once the VM exists; a child keeps it)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "hvx_test.h"

int main(void)
{
	const char *path = hvx_dev_path();
	int dev = open(path, O_RDWR | O_CLOEXEC), vm, vcpu;
	pid_t pid;

	if (dev < 0) {
		fprintf(stderr, "kvm_hold: open %s: %s\n", path, strerror(errno));
		return 1;
	}
	vm = ioctl(dev, KVM_CREATE_VM, 0);
	vcpu = vm < 0 ? -1 : ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0) {
		fprintf(stderr, "kvm_hold: VM/vCPU on %s: %s\n", path, strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("kvm_hold: fork");
		return 1;
	}
	if (pid == 0) {
		/* Let go of the caller's pipes, so that `kvm_hold | sed` ends. */
		int null = open("/dev/null", O_RDWR);

		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		setsid();
		for (;;)
			pause();
	}
	printf("kvm_hold: holding a VM on %s (pid %d)\n", path, pid);
	return 0;
}
