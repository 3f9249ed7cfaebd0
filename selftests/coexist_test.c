// SPDX-License-Identifier: GPL-2.0-only
/*
 * Coexistence with KVM: VMX/SVM has one owner per CPU at a time. hvx must
 * refuse (cleanly, with EBUSY and a reason) while KVM holds it, and give it
 * back when idle so KVM can take it with hvx.ko still loaded.
 *
 * Needs root, hvx.ko loaded, $HVX_KO, and $HVX_KVM_MODULES: the KVM module
 * files in load order, separated by ':' (irqbypass.ko:kvm.ko:kvm-amd.ko).
 *
 * KVM plays "the other hypervisor" through its enable_virt_at_load mode
 * (6.12 and later): it holds VMX/SVM from module load to unload, with no VM.
 * Older KVM (6.1) takes the CPU only while a VM exists, and creating and
 * destroying KVM VMs flips a static key in __schedule(); under QEMU TCG that
 * live code patching hangs the guest now and then (seen in about one run in
 * four). So on such kernels these tests skip, saying why.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "hvx_test.h"

#define KVM_DEV			"/dev/kvm"
#define VIRT_AT_LOAD_PARAM	"/sys/module/kvm/parameters/enable_virt_at_load"
#define SYSLOG_ACTION_READ_ALL	3
/* What hvx.ko logs when it finds the CPU taken, at VM creation and at load. */
#define HELD_AT_RUNTIME		"another hypervisor holds"
#define HELD_AT_LOAD		"another hypervisor (KVM, VirtualBox, ...) holds it"

static int load_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	return r;
}

static int unload_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

/* "/payload/kvm/kvm-amd.ko" -> "kvm_amd" */
static void module_name(const char *path, char *name, size_t size)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t i;

	for (i = 0; base[i] && base[i] != '.' && i + 1 < size; i++)
		name[i] = base[i] == '-' ? '_' : base[i];
	name[i] = '\0';
}

static char *kvm_module_list(void)
{
	const char *env = getenv("HVX_KVM_MODULES");

	if (!env || !getenv("HVX_KO"))
		SKIP("HVX_KVM_MODULES and HVX_KO are not set");
	return strdup(env);
}

/* Load KVM in order. Returns 0, or -1 with errno from the module that failed. */
static int kvm_load(void)
{
	char *list = kvm_module_list(), *path;
	int r = 0;

	for (path = strtok(list, ":"); path && !r; path = strtok(NULL, ":"))
		if (load_module(path) && errno != EEXIST)
			r = -1;
	free(list);
	return r;
}

/* The vendor module (the last one) goes first, then the rest, in reverse. */
static void kvm_unload(void)
{
	char *list = kvm_module_list(), *paths[8], name[64];
	int n = 0;

	for (char *p = strtok(list, ":"); p && n < 8; p = strtok(NULL, ":"))
		paths[n++] = p;
	while (n--) {
		module_name(paths[n], name, sizeof(name));
		if (unload_module(name) && errno != ENOENT)
			FAIL("rmmod %s: %s", name, strerror(errno));
	}
	free(list);
}

/* KVM holding the CPU from load on; skip where this KVM cannot. */
static void kvm_take_cpu(void)
{
	if (kvm_load())
		SKIP("KVM does not load on this CPU model: %s", strerror(errno));
	if (access(VIRT_AT_LOAD_PARAM, F_OK)) {
		kvm_unload();
		SKIP("this KVM takes VMX/SVM only with a VM (no enable_virt_at_load), and "
		     "KVM VM create/destroy patches __schedule live, which hangs QEMU TCG "
		     "guests now and then (Documentation/testbed.md)");
	}
	if (access(KVM_DEV, F_OK))
		FAIL("KVM loaded but %s did not appear", KVM_DEV);
}

/*
 * How often the kernel log holds text. Tests compare counts before and after
 * instead of clearing the log: the testbed checks the whole log afterwards.
 */
static int kernel_log_count(const char *text)
{
	static char log[1 << 20];
	int n = CHECK_OK(klogctl(SYSLOG_ACTION_READ_ALL, log, sizeof(log) - 1));
	const char *p = log;
	int count = 0;

	log[n] = '\0';
	while ((p = strstr(p, text))) {
		count++;
		p += strlen(text);
	}
	return count;
}

/* hvx is loaded but idle: KVM may take the CPU, and then hvx must say no. */
static void hvx_vm_refused_while_kvm_holds_cpu(void)
{
	int dev = hvx_open(), said;

	kvm_take_cpu();
	said = kernel_log_count(HELD_AT_RUNTIME);
	ASSERT_ERRNO(ioctl(dev, KVM_CREATE_VM, 0), EBUSY);
	ASSERT_TRUE(kernel_log_count(HELD_AT_RUNTIME) > said, "the kernel log says why");
	/* CPUs hvx enabled before it met KVM's are given back. */
	ASSERT_EQ(hvx_info_get().enabled_cpus, 0);
	ASSERT_EQ(hvx_info_get().active_vms, 0);
	kvm_unload();
	close(hvx_vm_create(dev));
}

/* An hvx VM holds the CPU: KVM must fail cleanly, and work once it is gone. */
static void kvm_refused_while_hvx_vm_exists(void)
{
	int dev = hvx_open(), vm = hvx_vm_create(dev);

	if (kvm_load() == 0) {
		int at_load = access(VIRT_AT_LOAD_PARAM, F_OK) == 0;

		kvm_unload();
		if (!at_load)
			SKIP("this KVM takes VMX/SVM only with a VM (no enable_virt_at_load)");
		FAIL("KVM loaded and took the CPU while an hvx VM held it");
	}
	ktap_print("KVM refused to load: %s", strerror(errno));
	kvm_unload();		/* kvm.ko itself may have loaded */
	close(vm);
	kvm_take_cpu();		/* now it can */
	kvm_unload();
	ASSERT_EQ(hvx_info_get().enabled_cpus, 0);
}

/* hvx.ko refuses to load at all while another hypervisor holds a CPU. */
static void hvx_load_refused_while_kvm_holds_cpu(void)
{
	const char *ko = getenv("HVX_KO");
	int said;

	kvm_take_cpu();
	CHECK_OK(unload_module("hvx"));
	said = kernel_log_count(HELD_AT_LOAD);
	errno = 0;
	if (load_module(ko) == 0)
		FAIL("hvx.ko loaded while KVM held the CPU");
	ASSERT_EQ(errno, EBUSY);
	ASSERT_TRUE(kernel_log_count(HELD_AT_LOAD) > said, "the kernel log says why");
	kvm_unload();
	/* And it loads once KVM lets go. */
	CHECK_OK(load_module(ko));
	ASSERT_EQ(hvx_info_get().active_vms, 0);
}

static const struct ktest tests[] = {
	KTEST(hvx_vm_refused_while_kvm_holds_cpu),
	KTEST(kvm_refused_while_hvx_vm_exists),
	KTEST(hvx_load_refused_while_kvm_holds_cpu),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
