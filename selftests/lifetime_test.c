// SPDX-License-Identifier: GPL-2.0-only
/*
 * Object lifetime: /dev/hvx, VM, vCPU fds and the kvm_run mapping may go
 * away in any order, and everything is freed once the last one goes.
 */
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "hvx_test.h"

enum { DEV, VM, VCPU, MAP, NR_HANDLES };

struct handles {
	int fd[3];
	struct kvm_run *run;
	size_t size;
};

static void release(struct handles *h, int which)
{
	if (which == MAP)
		CHECK_OK(munmap(h->run, h->size));
	else
		CHECK_OK(close(h->fd[which]));
}

/* A live vCPU answers KVM_GET_REGS with its (RESET) state; a dead fd gives EBADF. */
static bool vcpu_answers(int vcpu, struct kvm_regs *regs)
{
	return ioctl(vcpu, KVM_GET_REGS, regs) == 0 && regs->rip == 0xfff0;
}

static void expect_empty(void)
{
	struct hvx_info info = hvx_info_get();

	ASSERT_EQ(info.active_vms, 0);
	ASSERT_EQ(info.active_vcpus, 0);
	ASSERT_EQ(info.enabled_cpus, 0);
}

/* All 24 orders of releasing the four handles. */
static void close_in_every_order(void)
{
	int perm[NR_HANDLES] = { 0, 1, 2, 3 }, orders = 0;

	for (;;) {
		struct handles h;
		struct kvm_regs regs;
		int i, j, k;

		h.size = hvx_vcpu_mmap_size();
		h.fd[DEV] = hvx_open();
		h.fd[VM] = hvx_vm_create(h.fd[DEV]);
		h.fd[VCPU] = hvx_vcpu_create(h.fd[VM], 3);
		h.run = hvx_vcpu_map(h.fd[VCPU]);
		for (i = 0; i < NR_HANDLES; i++) {
			release(&h, perm[i]);
			/* What is left keeps working. */
			for (j = i + 1; j < NR_HANDLES; j++) {
				if (perm[j] == VCPU)
					ASSERT_TRUE(vcpu_answers(h.fd[VCPU], &regs));
				if (perm[j] == VM)
					ASSERT_EQ(hvx_check_cap(h.fd[VM], KVM_CAP_MAX_VCPUS), 1024);
				if (perm[j] == MAP) {
					h.run->immediate_exit = i;
					ASSERT_EQ(h.run->immediate_exit, i);
				}
			}
		}
		expect_empty();
		orders++;

		/* Next permutation in lexicographic order. */
		for (i = NR_HANDLES - 2; i >= 0 && perm[i] > perm[i + 1]; i--)
			;
		if (i < 0)
			break;
		for (j = NR_HANDLES - 1; perm[j] < perm[i]; j--)
			;
		k = perm[i]; perm[i] = perm[j]; perm[j] = k;
		for (j = i + 1, k = NR_HANDLES - 1; j < k; j++, k--) {
			int t = perm[j]; perm[j] = perm[k]; perm[k] = t;
		}
	}
	ASSERT_EQ(orders, 24);
}

static void vcpu_fd_keeps_vm_alive(void)
{
	struct kvm_regs regs;
	int dev = hvx_open(), vm = hvx_vm_create(dev), vcpu = hvx_vcpu_create(vm, 0);

	close(vm);
	close(dev);
	ASSERT_EQ(hvx_info_get().active_vms, 1);
	ASSERT_TRUE(hvx_info_get().enabled_cpus > 0);
	ASSERT_TRUE(vcpu_answers(vcpu, &regs));
	close(vcpu);
	expect_empty();
}

static void mapping_keeps_vcpu_alive(void)
{
	int dev = hvx_open(), vm = hvx_vm_create(dev), vcpu = hvx_vcpu_create(vm, 0);
	struct kvm_run *run = hvx_vcpu_map(vcpu);

	close(vcpu);
	close(vm);
	close(dev);
	ASSERT_EQ(hvx_info_get().active_vcpus, 1);
	run->immediate_exit = 1;
	ASSERT_EQ(run->immediate_exit, 1);
	munmap(run, hvx_vcpu_mmap_size());
	expect_empty();
}

/* A process that dies holding everything leaves nothing behind. */
static void exit_without_closing(void)
{
	int status, i;

	for (i = 0; i < 8; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			int dev = hvx_open(), vm = hvx_vm_create(dev);
			int vcpu = hvx_vcpu_create(vm, i);

			hvx_vcpu_map(vcpu);
			_exit(0);
		}
		ASSERT_TRUE(waitpid(pid, &status, 0) == pid);
		ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	expect_empty();
}

static void dup_fds(void)
{
	int dev = hvx_open(), vm = hvx_vm_create(dev), vm2 = CHECK_OK(dup(vm));

	close(vm);
	close(hvx_vcpu_create(vm2, 5));
	ASSERT_EQ(hvx_info_get().active_vms, 1);
	close(vm2);
	expect_empty();
}

static const struct ktest tests[] = {
	KTEST(close_in_every_order),
	KTEST(vcpu_fd_keeps_vm_alive),
	KTEST(mapping_keeps_vcpu_alive),
	KTEST(exit_without_closing),
	KTEST(dup_fds),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
