// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPU hotplug while VMX/SVM is held: a CPU going offline gives the
 * extension back, a CPU coming online takes it if a VM exists.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "hvx_test.h"

#define CPU1_ONLINE "/sys/devices/system/cpu/cpu1/online"

static void set_cpu1(int online)
{
	int fd = open(CPU1_ONLINE, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		FAIL("open %s: %s", CPU1_ONLINE, strerror(errno));
	if (write(fd, online ? "1" : "0", 1) != 1)
		FAIL("write %d to %s: %s", online, CPU1_ONLINE, strerror(errno));
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
	ASSERT_EQ(hvx_info_get().enabled_cpus, 0);
}

static const struct ktest tests[] = {
	KTEST(offline_online_with_vm),
	KTEST(hotplug_without_vm),
	KTEST(vm_created_while_cpu_offline),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
