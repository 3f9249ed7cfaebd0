// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPU hotplug while VMX/SVM is held: a CPU going offline gives the
 * extension back, a CPU coming online takes it if a VM exists.
 *
 * For hunting intermittent hotplug hangs in the emulators:
 *   HVX_HOTPLUG_ROUNDS=N  run the whole list N times (default 1), each
 *                         write to cpu1/online logged with its duration,
 *                         so the last line in a hung log says where
 *   HVX_HOTPLUG_BARE=1    run only bare_offline_online (cpu1 offline and
 *                         online, never touching /dev/hvx): the control,
 *                         which also runs with hvx.ko not loaded
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "hvx_test.h"

#define CPU1_ONLINE "/sys/devices/system/cpu/cpu1/online"

static unsigned int rounds(void)
{
	const char *env = getenv("HVX_HOTPLUG_ROUNDS");
	int n = env ? atoi(env) : 1;

	return n > 0 ? n : 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void set_cpu1(int online)
{
	int fd = open(CPU1_ONLINE, O_WRONLY | O_CLOEXEC);
	double start = now_s();

	if (fd < 0)
		FAIL("open %s: %s", CPU1_ONLINE, strerror(errno));
	if (rounds() > 1) {
		printf("# cpu1 online <- %d\n", online);
		fflush(stdout);
	}
	if (write(fd, online ? "1" : "0", 1) != 1)
		FAIL("write %d to %s: %s", online, CPU1_ONLINE, strerror(errno));
	if (rounds() > 1)
		printf("# cpu1 online = %d after %.3f s\n", online, now_s() - start);
	close(fd);
}

static void need_cpu1(void)
{
	if (sysconf(_SC_NPROCESSORS_CONF) < 2 || access(CPU1_ONLINE, W_OK))
		SKIP("needs a second CPU that can go offline");
	set_cpu1(1);
}

static void offline_online_with_vm(void)
{
	struct hvx_info info;
	int dev, vm;

	need_cpu1();
	dev = hvx_open();
	vm = hvx_vm_create(dev);
	info = hvx_info_get();
	ASSERT_EQ(info.enabled_cpus, info.online_cpus);
	set_cpu1(0);
	info = hvx_info_get();
	ASSERT_EQ(info.enabled_cpus, info.online_cpus);
	set_cpu1(1);
	info = hvx_info_get();
	ASSERT_TRUE(info.online_cpus >= 2);
	ASSERT_EQ(info.enabled_cpus, info.online_cpus);
	close(vm);
	close(dev);
	ASSERT_EQ(hvx_info_get().enabled_cpus, 0);
}

static void hotplug_without_vm(void)
{
	need_cpu1();
	set_cpu1(0);
	ASSERT_EQ(hvx_info_get().enabled_cpus, 0);
	set_cpu1(1);
	ASSERT_EQ(hvx_info_get().enabled_cpus, 0);
}

static void vm_created_while_cpu_offline(void)
{
	struct hvx_info info;
	int dev, vm;

	need_cpu1();
	set_cpu1(0);
	dev = hvx_open();
	vm = hvx_vm_create(dev);
	info = hvx_info_get();
	ASSERT_EQ(info.enabled_cpus, info.online_cpus);
	set_cpu1(1);
	info = hvx_info_get();
	ASSERT_EQ(info.enabled_cpus, info.online_cpus);
	close(vm);
	close(dev);
	ASSERT_EQ(hvx_info_get().enabled_cpus, 0);
}

static void bare_offline_online(void)
{
	need_cpu1();
	set_cpu1(0);
	set_cpu1(1);
}

static const struct ktest tests[] = {
	KTEST(offline_online_with_vm),
	KTEST(hotplug_without_vm),
	KTEST(vm_created_while_cpu_offline),
	KTEST(bare_offline_online),
};

static const struct ktest bare_tests[] = {
	KTEST(bare_offline_online),
};

/* The list (or the bare control alone) HVX_HOTPLUG_ROUNDS times over. */
int main(void)
{
	bool bare = getenv("HVX_HOTPLUG_BARE") != NULL;
	const struct ktest *list = bare ? bare_tests : tests;
	unsigned int n = bare ? KTEST_COUNT(bare_tests) : KTEST_COUNT(tests);
	struct ktest *all = calloc((size_t)n * rounds(), sizeof(*all));

	if (!all)
		return KSFT_FAIL;
	for (unsigned int i = 0; i < n * rounds(); i++)
		all[i] = list[i % n];
	return ktap_main(all, n * rounds());
}
