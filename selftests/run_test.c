// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_RUN itself: ucalls both ways, immediate_exit, HLT and SHUTDOWN exits,
 * a signal interrupting a running vCPU, a vCPU thread moved between CPUs
 * while its guest runs, and the library's own reporting of guest asserts
 * and unexpected exceptions.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "guest.h"
#include "guest_vm.h"

static void guest_sync_values(void)
{
	GUEST_SYNC(1, 2, 3, 0x123456789abcdef0ULL);
	GUEST_SYNC();
	GUEST_DONE();
}

static void ucall_roundtrip(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_sync_values);
	struct ucall uc;

	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.nargs, 4);
	ASSERT_EQ(uc.args[0], 1);
	ASSERT_EQ(uc.args[1], 2);
	ASSERT_EQ(uc.args[2], 3);
	ASSERT_EQ(uc.args[3], 0x123456789abcdef0ULL);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.nargs, 0);
	vcpu_run_ucall(vcpu, UCALL_DONE, &uc);
}

static void run_bad_arg(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_sync_values);

	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_RUN, 1), EINVAL);
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
}

static void immediate_exit(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_sync_values);
	struct kvm_regs before, after;
	struct ucall uc;

	vcpu_get_regs(vcpu, &before);
	vcpu->run->immediate_exit = 1;
	/*
	 * KVM fails with EINTR and leaves exit_reason as it was (KVM's own
	 * userspace_io_test relies on it): whatever the VMM left there stays.
	 */
	vcpu->run->exit_reason = KVM_EXIT_UNKNOWN;
	ASSERT_ERRNO(_vcpu_run(vcpu), EINTR);
	ASSERT_EQ(vcpu->run->exit_reason, KVM_EXIT_UNKNOWN);
	vcpu->run->exit_reason = KVM_EXIT_IO;
	ASSERT_ERRNO(_vcpu_run(vcpu), EINTR);
	ASSERT_EQ(vcpu->run->exit_reason, KVM_EXIT_IO);
	vcpu_get_regs(vcpu, &after);
	ASSERT_EQ(after.rip, before.rip);	/* the guest did not run */
	vcpu->run->immediate_exit = 0;
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 1);		/* the first ucall, not a later one */
}

static void guest_hlt_code(void)
{
	GUEST_SYNC(1);
	guest_hlt();
	GUEST_SYNC(2);
	guest_hlt();
	guest_hlt();
	GUEST_DONE();
}

/* No in-kernel irqchip: HLT goes to userspace, and the next run resumes after it. */
static void hlt_exit(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_hlt_code);
	struct kvm_regs regs;
	struct ucall uc;

	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	vcpu_run_expect(vcpu, KVM_EXIT_HLT);
	vcpu_get_regs(vcpu, &regs);
	ASSERT_EQ(((uint8_t *)gpa2hva(vm, regs.rip))[-1], 0xf4);	/* RIP is past the HLT */
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 2);
	vcpu_run_expect(vcpu, KVM_EXIT_HLT);
	vcpu_run_expect(vcpu, KVM_EXIT_HLT);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
}

static void guest_triple_fault(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) empty = { 0, 0 };

	GUEST_SYNC(0);
	/* No IDT: #UD cannot be delivered, nor the #DF, nor ... */
	asm volatile("lidt %0; ud2" :: "m"(empty) : "memory");
	GUEST_FAIL(1);
}

static void triple_fault_shutdown(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT), *vm2;
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_triple_fault), *vcpu2;
	struct kvm_regs regs;

	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	vcpu_run_expect(vcpu, KVM_EXIT_SHUTDOWN);
	vcpu_get_regs(vcpu, &regs);	/* the vCPU still answers */
	vm_destroy(vm);
	/* And the host runs the next guest as before. */
	vm2 = vm_create(VM_MEM_DEFAULT);
	vcpu2 = vm_vcpu_add(vm2, 0, guest_sync_values);
	vcpu_run_ucall(vcpu2, UCALL_SYNC, NULL);
}

/* --- a signal interrupts a running vCPU ---------------------------------- */

static volatile uint64_t guest_stop;
static volatile uint64_t guest_spins;

static void guest_spin(void)
{
	GUEST_SYNC(0);
	while (!guest_stop)
		guest_spins++;
	GUEST_DONE();
}

struct spin_thread {
	struct vcpu *vcpu;
	int r, err;
	uint32_t exit_reason;
	volatile int done;
};

static void on_sigusr1(int sig) { (void)sig; }

static void *spin_thread_fn(void *arg)
{
	struct spin_thread *t = arg;

	t->r = _vcpu_run(t->vcpu);
	t->err = errno;
	t->exit_reason = t->vcpu->run->exit_reason;
	t->done = 1;
	return NULL;
}

/*
 * Run the guest to its first GUEST_SYNC, then in a thread (@fn) into its
 * spin; kick that thread with SIGUSR1 until KVM_RUN gives up (the first
 * kick may land before it is in the guest). Returns the number of kicks.
 */
static int spin_and_kick(struct vm *vm, struct spin_thread *t, void *(*fn)(void *))
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };	/* no SA_RESTART */
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	pthread_t thread;
	int kicks = 0;

	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	vcpu_run_ucall(t->vcpu, UCALL_SYNC, NULL);
	ASSERT_EQ(pthread_create(&thread, NULL, fn, t), 0);
	while (*guest_var(vm, &guest_spins) == 0 && !t->done)
		nanosleep(&tick, NULL);
	while (!t->done && kicks < 500) {
		pthread_kill(thread, SIGUSR1);
		kicks++;
		nanosleep(&tick, NULL);
	}
	pthread_join(thread, NULL);
	ASSERT_TRUE(t->done, "KVM_RUN still running after %d signals", kicks);
	return kicks;
}

static void signal_interrupts_run(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct spin_thread t = { .vcpu = vm_vcpu_add(vm, 0, guest_spin) };
	int kicks = spin_and_kick(vm, &t, spin_thread_fn);

	ASSERT_EQ(t.r, -1);
	ASSERT_EQ(t.err, EINTR);
	ASSERT_EQ(t.exit_reason, KVM_EXIT_INTR);
	ktap_print("KVM_RUN returned EINTR after %d signal(s); guest spun %llu times", kicks,
		   (unsigned long long)*guest_var(vm, &guest_spins));
	/* The guest goes on where it was. */
	*guest_var(vm, &guest_stop) = 1;
	vcpu_run_ucall(t.vcpu, UCALL_DONE, NULL);
}

/*
 * KVM_SET_SIGNAL_MASK: the thread blocks SIGUSR1, the vCPU's mask lets it
 * through during KVM_RUN only. A kick ends KVM_RUN; afterwards the thread's
 * own mask is back, so the signal stays blocked (and pending).
 */
static void *masked_spin_thread_fn(void *arg)
{
	struct spin_thread *t = arg;
	struct { struct kvm_signal_mask head; uint64_t set; } mask = { { 8 }, 0 };
	sigset_t usr1, now, pending;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	mask.head.len = 4;
	t->err = ioctl(t->vcpu->fd, KVM_SET_SIGNAL_MASK, &mask) == -1 ? errno : 0;
	if (t->err != EINVAL) {
		t->done = 1;
		return NULL;
	}
	mask.head.len = 8;
	if (ioctl(t->vcpu->fd, KVM_SET_SIGNAL_MASK, &mask)) {
		t->err = errno;
		t->done = 1;
		return NULL;
	}
	t->r = _vcpu_run(t->vcpu);
	t->err = errno;
	t->exit_reason = t->vcpu->run->exit_reason;
	pthread_sigmask(SIG_BLOCK, NULL, &now);
	sigpending(&pending);
	/* Reported through r: 1 if the thread's mask and the pending signal are as expected. */
	t->r = t->r == -1 && sigismember(&now, SIGUSR1) && sigismember(&pending, SIGUSR1);
	ioctl(t->vcpu->fd, KVM_SET_SIGNAL_MASK, NULL);
	t->done = 1;
	return NULL;
}

static void signal_mask_during_run(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct spin_thread t = { .vcpu = vm_vcpu_add(vm, 0, guest_spin) };

	spin_and_kick(vm, &t, masked_spin_thread_fn);
	ASSERT_EQ(t.err, EINTR);
	ASSERT_EQ(t.exit_reason, KVM_EXIT_INTR);
	ASSERT_TRUE(t.r == 1, "after KVM_RUN the thread's mask must block SIGUSR1 again, with it pending");
	*guest_var(vm, &guest_stop) = 1;
	vcpu_run_ucall(t.vcpu, UCALL_DONE, NULL);
}

/* --- the library reports guest failures with their source location ------- */

static void guest_assert_fails(void)
{
	uint64_t x = 5;

	GUEST_ASSERT_EQ(x, 6);
	GUEST_DONE();
}

static void guest_unexpected_ud(void)
{
	asm volatile("ud2");
	GUEST_DONE();
}

/* Runs guest in a child whose output is captured; returns that output. */
static void run_failing_guest(void (*guest)(void), char *out, size_t size)
{
	int pipefd[2], status;
	ssize_t n, len = 0;
	pid_t pid;

	CHECK_OK(pipe(pipefd));
	fflush(stdout);
	pid = CHECK_OK(fork());
	if (pid == 0) {
		struct vm *vm;
		struct vcpu *vcpu;

		dup2(pipefd[1], STDOUT_FILENO);
		vm = vm_create(VM_MEM_DEFAULT);
		vcpu = vm_vcpu_add(vm, 0, guest);
		vcpu_run(vcpu);
		get_ucall(vcpu, &(struct ucall){ 0 });
		_exit(0);	/* not reached when the library does its job */
	}
	close(pipefd[1]);
	while (len + 1 < (ssize_t)size && (n = read(pipefd[0], out + len, size - 1 - len)) > 0)
		len += n;
	out[len] = '\0';
	close(pipefd[0]);
	CHECK_OK(waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == KSFT_FAIL,
		    "status %#x, output: %s", status, out);
}

static void guest_assert_reported(void)
{
	char out[1024];

	run_failing_guest(guest_assert_fails, out, sizeof(out));
	ASSERT_TRUE(strstr(out, "guest assertion failed at run_test.c:"), "%s", out);
	ASSERT_TRUE(strstr(out, "x == 6"), "%s", out);
	ASSERT_TRUE(strstr(out, "values 0x5 0x6"), "%s", out);
}

static void guest_exception_reported(void)
{
	char out[1024];

	run_failing_guest(guest_unexpected_ud, out, sizeof(out));
	ASSERT_TRUE(strstr(out, "unexpected guest exception #UD (vector 6)"), "%s", out);
}

/*
 * The vCPU thread moves to the other CPU before every KVM_RUN, so each run
 * enters on a CPU other than the last one (SVM: a new ASID there; VMX: the
 * VMCS cleared on the old CPU by IPI and loaded on the new one). The guest
 * checks that its memory, registers and page tables survive each move,
 * and exits in the kernel (CPUID) in between.
 */
#define MIGRATIONS	200

static void guest_migrate(void)
{
	static volatile uint64_t counter;
	uint32_t a, b, c, d;
	uint64_t i;

	for (i = 0; i < MIGRATIONS; i++) {
		counter = i * 3;
		cpuid_count(0, 0, &a, &b, &c, &d);
		GUEST_SYNC(i, counter);
		GUEST_ASSERT_EQ(counter, i * 3);
	}
	GUEST_DONE();
}

static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static void vcpu_migrates_between_cpus(void)
{
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
	int i, moved = 0;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP("one CPU online: nowhere to move the vCPU thread");
	vm = vm_create(VM_MEM_DEFAULT);
	vcpu = vm_vcpu_add(vm, 0, guest_migrate);
	for (i = 0; i < MIGRATIONS; i++) {
		ASSERT_EQ(pin_to(i % 2), 0);
		moved += sched_getcpu() == i % 2;
		vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
		ASSERT_EQ(uc.args[0], (uint64_t)i);
		ASSERT_EQ(uc.args[1], (uint64_t)i * 3);
	}
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
	ktap_print("%d runs, each entered on the other CPU (%d confirmed by sched_getcpu)",
		   MIGRATIONS, moved);
	ASSERT_EQ(moved, MIGRATIONS);
}

static const struct ktest tests[] = {
	KTEST(ucall_roundtrip),
	KTEST(run_bad_arg),
	KTEST(immediate_exit),
	KTEST(hlt_exit),
	KTEST(triple_fault_shutdown),
	KTEST(signal_interrupts_run),
	KTEST(signal_mask_during_run),
	KTEST(vcpu_migrates_between_cpus),
	KTEST(guest_assert_reported),
	KTEST(guest_exception_reported),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
