// SPDX-License-Identifier: GPL-2.0-only
/* KVM_CREATE_VCPU, the vCPU fd, its kvm_run mapping and KVM_RUN's errno. */
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "hvx_test.h"

static void create_vcpu(void)
{
	int dev = hvx_open(), vm = hvx_vm_create(dev);
	unsigned int before = hvx_info_get().active_vcpus;
	int vcpu = hvx_vcpu_create(vm, 0);

	ASSERT_TRUE(fd_cloexec(vcpu));
	ASSERT_TRUE(fd_is_anon_inode(vcpu, "hvx-vcpu"));
	ASSERT_EQ(hvx_info_get().active_vcpus, before + 1);
	/* vCPUs live as long as their VM, as in KVM. */
	close(vcpu);
	ASSERT_EQ(hvx_info_get().active_vcpus, before + 1);
	close(vm);
	ASSERT_EQ(hvx_info_get().active_vcpus, before);
}

static void vcpu_id_range(void)
{
	int dev = hvx_open(), vm = hvx_vm_create(dev);
	long max_id = hvx_check_cap(dev, KVM_CAP_MAX_VCPU_ID);

	ASSERT_ERRNO(ioctl(vm, KVM_CREATE_VCPU, max_id), EINVAL);
	ASSERT_ERRNO(ioctl(vm, KVM_CREATE_VCPU, 0xffffffffUL), EINVAL);
	ASSERT_ERRNO(ioctl(vm, KVM_CREATE_VCPU, 1UL << 32), EINVAL);
	ASSERT_ERRNO(ioctl(vm, KVM_CREATE_VCPU, ~0UL), EINVAL);
	ASSERT_EQ(hvx_info_get().active_vcpus, 0);
	close(hvx_vcpu_create(vm, max_id - 1));
	close(hvx_vcpu_create(vm, 0));
}

static void vcpu_duplicate_id(void)
{
	int dev = hvx_open(), vm = hvx_vm_create(dev);

	hvx_vcpu_create(vm, 7);
	ASSERT_ERRNO(ioctl(vm, KVM_CREATE_VCPU, 7), EEXIST);
	ASSERT_EQ(hvx_info_get().active_vcpus, 1);
	/* The same id in another VM is fine. */
	hvx_vcpu_create(hvx_vm_create(dev), 7);
}

static void vcpu_limit(void)
{
	int dev = hvx_open(), vm = hvx_vm_create(dev);
	long max = hvx_check_cap(vm, KVM_CAP_MAX_VCPUS);
	long i;

	for (i = 0; i < max; i++)
		close(hvx_vcpu_create(vm, 2 * i));	/* ids need not be dense */
	ASSERT_ERRNO(ioctl(vm, KVM_CREATE_VCPU, 1), EINVAL);
	ASSERT_ERRNO(ioctl(vm, KVM_CREATE_VCPU, 2 * max + 1), EINVAL);
	ASSERT_EQ(hvx_info_get().active_vcpus, max);
}

/* Fewer ids than the vCPU limit, so every loser sees EEXIST, not EINVAL. */
#define RACE_IDS 32

struct race { int vm, created, exists; };

static void *race_thread(void *arg)
{
	struct race *r = arg;
	int id;

	for (id = 0; id < RACE_IDS; id++) {
		int fd = ioctl(r->vm, KVM_CREATE_VCPU, id);

		if (fd >= 0)
			__atomic_add_fetch(&r->created, 1, __ATOMIC_RELAXED);
		else if (errno == EEXIST)
			__atomic_add_fetch(&r->exists, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Four threads race to create the same ids: each id exactly once. */
static void vcpu_create_race(void)
{
	int dev = hvx_open();
	struct race r = { .vm = hvx_vm_create(dev) };
	pthread_t t[4];
	int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, race_thread, &r), 0);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	ASSERT_EQ(r.created, RACE_IDS);
	ASSERT_EQ(r.exists, 3 * RACE_IDS);
	ASSERT_EQ(hvx_info_get().active_vcpus, RACE_IDS);
}

static int all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		if (*c++)
			return 0;
	return 1;
}

static void kvm_run_mmap(void)
{
	int dev = hvx_open(), vm = hvx_vm_create(dev), vcpu = hvx_vcpu_create(vm, 0);
	size_t size = hvx_vcpu_mmap_size(), page = getpagesize();
	struct kvm_run *a = hvx_vcpu_map(vcpu), *b = hvx_vcpu_map(vcpu);
	char *pio;

	ASSERT_TRUE(all_zero(a, size), "a new kvm_run starts zeroed");
	/* Both mappings see the one shared page. */
	a->immediate_exit = 1;
	a->request_interrupt_window = 1;
	ASSERT_EQ(b->immediate_exit, 1);
	ASSERT_EQ(b->request_interrupt_window, 1);
	pio = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, page);
	ASSERT_TRUE(pio != MAP_FAILED, "the port-I/O page maps at offset 1 page");
	pio[5] = 42;
	ASSERT_EQ(((char *)a)[page + 5], 42);
	ASSERT_TRUE(mmap(NULL, size + page, PROT_READ, MAP_SHARED, vcpu, 0) == MAP_FAILED);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_TRUE(mmap(NULL, page, PROT_READ, MAP_SHARED, vcpu, size) == MAP_FAILED);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_TRUE(mmap(NULL, page, PROT_READ, MAP_SHARED, vcpu, 1UL << 40) == MAP_FAILED);
	ASSERT_EQ(errno, EINVAL);
}

/*
 * With no memory at all the reset vector (0xfffffff0) is MMIO: the
 * instruction fetch cannot be emulated and KVM_RUN says so, as KVM does.
 */
static void run_without_memory(void)
{
	int dev = hvx_open(), vm = hvx_vm_create(dev), vcpu = hvx_vcpu_create(vm, 0);
	struct kvm_run *run = hvx_vcpu_map(vcpu);

	ASSERT_ERRNO(ioctl(vcpu, KVM_RUN, 1), EINVAL);
	ASSERT_EQ(ioctl(vcpu, KVM_RUN, 0), 0);
	ASSERT_EQ(run->exit_reason, KVM_EXIT_INTERNAL_ERROR);
	ASSERT_EQ(run->internal.suberror, KVM_INTERNAL_ERROR_EMULATION);
}

static void vcpu_unknown_ioctls(void)
{
	static const unsigned long cmds[] = {
		KVM_CREATE_VCPU, KVM_SET_USER_MEMORY_REGION, KVM_CREATE_IRQCHIP,
		KVM_CREATE_VM, KVM_GET_API_VERSION, KVM_CHECK_EXTENSION,
		HVX_GET_INFO, _IO(KVMIO, 0xff), 0,
	};
	int dev = hvx_open(), vm = hvx_vm_create(dev), vcpu = hvx_vcpu_create(vm, 0);
	unsigned int i;

	for (i = 0; i < KTEST_COUNT(cmds); i++)
		ASSERT_ERRNO(ioctl(vcpu, cmds[i], 0), ENOTTY);
}

static void vcpu_other_process(void)
{
	int dev = hvx_open(), vm = hvx_vm_create(dev), vcpu = hvx_vcpu_create(vm, 0);
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		ASSERT_ERRNO(ioctl(vcpu, KVM_RUN, 0), EIO);
		_exit(0);
	}
	ASSERT_TRUE(waitpid(pid, &status, 0) == pid);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child checks failed");
}

static const struct ktest tests[] = {
	KTEST(create_vcpu),
	KTEST(vcpu_id_range),
	KTEST(vcpu_duplicate_id),
	KTEST(vcpu_limit),
	KTEST(vcpu_create_race),
	KTEST(kvm_run_mmap),
	KTEST(run_without_memory),
	KTEST(vcpu_unknown_ioctls),
	KTEST(vcpu_other_process),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
