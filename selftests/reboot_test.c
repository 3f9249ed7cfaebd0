// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest half of the testbed's poweroff-* and reboot-* stages: the host
 * must survive `poweroff -f` and `reboot -f` with vCPUs in KVM_RUN on every
 * CPU. The reboot notifier turns VMX/SVM off on every CPU while those vCPU
 * threads keep entering their guests; before hvx_rebooting the next CLGI
 * took an invalid-opcode Oops (issue 18).
 *
 * This program checks that hvx.ko cannot be unloaded while VMs run and can
 * once they are killed, then leaves busy VMs running in the background and
 * returns: testbed/guest-run.sh powers off or reboots next, and the host
 * reads the console log up to the end (run-suite.sh, ktap-results.py).
 *
 * Busy VMs: one vCPU per online CPU, each thread pinned to its CPU. The
 * "exiting" VM's guests leave for userspace every few microseconds (a port
 * write), so their threads are in and out of KVM_RUN all the time; the
 * "spinning" VM's guests make one port write and then never exit to
 * userspace, so their vCPUs sit in the guest (host interrupts aside).
 * After the host turns VMX/SVM off, KVM_RUN fails with EIO and the threads
 * call it again, and again.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>
#include "guest.h"
#include "guest_vm.h"

#define BUSY_PORT	0x510
#define READY_EXITS	200	/* exits per vCPU before the VM counts as busy */

/* Leave for userspace now and then, spin in the guest in between. */
static void guest_exiting(void)
{
	for (;;) {
		outb(BUSY_PORT, 0);
		for (volatile int i = 0; i < 200; i++)
			guest_pause();
	}
}

/* One exit to say it runs, then stay in the guest for good. */
static void guest_spinning(void)
{
	outb(BUSY_PORT, 1);
	for (;;)
		guest_pause();
}

struct busy_vcpu {
	struct vcpu *vcpu;
	int cpu;
	unsigned int ready_exits;
	atomic_uint *ready;
};

static void *busy_vcpu_thread(void *arg)
{
	struct busy_vcpu *b = arg;
	unsigned long exits = 0, errors = 0;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(b->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		dprintf(2, "reboot_test: vCPU %u: cannot pin to CPU %d: %s\n",
			b->vcpu->id, b->cpu, strerror(errno));
	for (;;) {
		if (ioctl(b->vcpu->fd, KVM_RUN, 0) == 0) {
			if (++exits == b->ready_exits)
				atomic_fetch_add(b->ready, 1);
			continue;
		}
		/* EIO once the host began to reboot; say it once, keep trying. */
		if (errors++ == 0)
			dprintf(2, "reboot_test: vCPU %u on CPU %d: KVM_RUN: %s after %lu exits\n",
				b->vcpu->id, sched_getcpu(), strerror(errno), exits);
		sched_yield();
	}
	return NULL;
}

/* In the child: the VM, its threads, a byte on @ready_fd when all run. */
static void __attribute__((noreturn)) busy_vm_run(void (*guest)(void), unsigned int ready_exits,
						 int ready_fd)
{
	int ncpus = sysconf(_SC_NPROCESSORS_ONLN), i;
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct busy_vcpu *b = calloc(ncpus, sizeof(*b));
	atomic_uint ready = 0;
	pthread_t tid;

	for (i = 0; i < ncpus; i++) {
		b[i] = (struct busy_vcpu){ vm_vcpu_add(vm, i, guest), i, ready_exits, &ready };
		if (pthread_create(&tid, NULL, busy_vcpu_thread, &b[i]))
			FAIL("pthread_create");
	}
	while (atomic_load(&ready) < (unsigned int)ncpus)
		usleep(10000);
	if (write(ready_fd, "r", 1) != 1)
		FAIL("write");
	close(ready_fd);
	for (;;)
		pause();
}

/* Fork a busy VM; returns once every vCPU ran (its pid). */
static pid_t busy_vm_start(void (*guest)(void), unsigned int ready_exits)
{
	int fds[2];
	char c;
	pid_t pid;

	CHECK_OK(pipe(fds));
	fflush(stdout);
	pid = CHECK_OK(fork());
	if (pid == 0) {
		/*
		 * Off the test's pipes (run_tests.sh's sed would wait for it)
		 * and out of its process group; KVM_RUN errors still reach
		 * the console, where the power-off log is read.
		 */
		int null = open("/dev/null", O_RDWR), con = open("/dev/console", O_WRONLY);

		setsid();
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(con >= 0 ? con : null, STDERR_FILENO);
		close(fds[0]);
		busy_vm_run(guest, ready_exits, fds[1]);
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1)
		FAIL("the busy VM (pid %d) died before its vCPUs ran", pid);
	close(fds[0]);
	return pid;
}

static void busy_vm_kill(pid_t pid)
{
	int status;

	CHECK_OK(kill(pid, SIGKILL));
	CHECK_OK(waitpid(pid, &status, 0));
}

static int hvx_unload(void)
{
	return syscall(SYS_delete_module, "hvx", O_NONBLOCK);
}

static int hvx_load(void)
{
	const char *ko = getenv("HVX_KO");
	int fd, r;

	if (!ko)
		SKIP("HVX_KO is not set");
	fd = CHECK_OK(open(ko, O_RDONLY | O_CLOEXEC));
	r = syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	return r;
}

/* rmmod is refused while VMs run, and works once they are gone. */
static void rmmod_refused_while_vcpus_run(void)
{
	pid_t exiting, spinning;

	if (!dev_is_hvx())
		SKIP("not hvx");
	if (!getenv("HVX_KO"))
		SKIP("HVX_KO is not set");
	exiting = busy_vm_start(guest_exiting, READY_EXITS);
	spinning = busy_vm_start(guest_spinning, 1);
	ASSERT_ERRNO(hvx_unload(), EWOULDBLOCK);
	busy_vm_kill(spinning);
	ASSERT_ERRNO(hvx_unload(), EWOULDBLOCK);
	busy_vm_kill(exiting);
	CHECK_OK(hvx_unload());
	CHECK_OK(hvx_load());
}

/* Leave both kinds of busy VM running for the power-off or reboot. */
static void vcpus_busy_on_every_cpu(void)
{
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	pid_t exiting = busy_vm_start(guest_exiting, READY_EXITS);
	pid_t spinning = busy_vm_start(guest_spinning, 1);

	ktap_print("%ld CPUs: busy VMs left running, pids %d (exiting) and %d (spinning)",
		   ncpus, exiting, spinning);
	ASSERT_EQ(hvx_info_get().active_vms, 2);
}

static const struct ktest tests[] = {
	KTEST(rmmod_refused_while_vcpus_run),
	KTEST(vcpus_busy_on_every_cpu),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
