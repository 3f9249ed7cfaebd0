// SPDX-License-Identifier: GPL-2.0-only
/*
 * Turning VMX/SVM on and off. hvx holds the extension on every online CPU
 * while at least one VM exists and gives it back when the last VM goes, so
 * KVM or VirtualBox can use the CPU while hvx is idle. CPU hotplug, suspend
 * and reboot keep the per-CPU state consistent with that rule.
 */
#define pr_fmt(fmt) "hvx: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/syscore_ops.h>
#include "hvx_core.h"

static DEFINE_MUTEX(hvx_virt_lock);	/* guards hvx_virt_users transitions */
/*
 * VMs alive. Written under hvx_virt_lock and cpus_read_lock(), so hotplug
 * callbacks (which run under the hotplug write lock) may read it bare.
 */
static unsigned int hvx_virt_users;
static bool hvx_rebooting;		/* hvx_virt_lock: no enabling after reboot starts */
static DEFINE_PER_CPU(bool, hvx_cpu_on);	/* only touched on its own CPU */
static atomic_t hvx_cpus_on = ATOMIC_INIT(0);
static enum cpuhp_state hvx_cpuhp_state;

static int hvx_cpu_enable_this(void)
{
	int r;

	if (__this_cpu_read(hvx_cpu_on))
		return 0;
	r = hvx_arch->cpu_enable();
	if (r)
		return r;
	__this_cpu_write(hvx_cpu_on, true);
	atomic_inc(&hvx_cpus_on);
	return 0;
}

static void hvx_cpu_disable_this(void)
{
	if (!__this_cpu_read(hvx_cpu_on))
		return;
	hvx_arch->cpu_disable();
	__this_cpu_write(hvx_cpu_on, false);
	atomic_dec(&hvx_cpus_on);
}

static void hvx_cpu_enable_ipi(void *first_error)
{
	int r = hvx_cpu_enable_this();

	if (r)
		atomic_cmpxchg(first_error, 0, r);
}

static void hvx_cpu_disable_ipi(void *unused)
{
	hvx_cpu_disable_this();
}

static void hvx_cpu_in_use_ipi(void *busy_cpus)
{
	if (hvx_arch->cpu_in_use())
		cpumask_set_cpu(smp_processor_id(), busy_cpus);
}

int hvx_virt_get(void)
{
	atomic_t first_error = ATOMIC_INIT(0);
	int r = 0;

	mutex_lock(&hvx_virt_lock);
	cpus_read_lock();
	if (hvx_rebooting) {
		r = -EBUSY;
	} else if (hvx_virt_users++ == 0) {
		on_each_cpu(hvx_cpu_enable_ipi, &first_error, 1);
		r = atomic_read(&first_error);
		if (r) {
			on_each_cpu(hvx_cpu_disable_ipi, NULL, 1);
			hvx_virt_users = 0;
		}
	}
	cpus_read_unlock();
	mutex_unlock(&hvx_virt_lock);
	return r;
}

void hvx_virt_put(void)
{
	mutex_lock(&hvx_virt_lock);
	cpus_read_lock();
	if (!WARN_ON_ONCE(hvx_virt_users == 0) && --hvx_virt_users == 0)
		on_each_cpu(hvx_cpu_disable_ipi, NULL, 1);
	cpus_read_unlock();
	mutex_unlock(&hvx_virt_lock);
}

unsigned int hvx_virt_enabled_cpus(void)
{
	return atomic_read(&hvx_cpus_on);
}

/* Hotplug callbacks run on the CPU coming up or going down. */
static int hvx_cpu_online(unsigned int cpu)
{
	int r = 0;

	if (READ_ONCE(hvx_virt_users) && !READ_ONCE(hvx_rebooting)) {
		preempt_disable();
		r = hvx_cpu_enable_this();
		preempt_enable();
	}
	return r;
}

static int hvx_cpu_offline(unsigned int cpu)
{
	preempt_disable();
	hvx_cpu_disable_this();
	preempt_enable();
	return 0;
}

/* Suspend and resume run on the last CPU standing, interrupts off. */
static int hvx_suspend(void)
{
	hvx_cpu_disable_this();
	return 0;
}

static void hvx_resume(void)
{
	if (hvx_virt_users && hvx_cpu_enable_this())
		pr_err("could not turn virtualization back on after resume\n");
}

/*
 * Some stable kernels (Debian's 6.12 among them) carry the newer syscore
 * API, whose callbacks take a data pointer; Kbuild detects which one.
 */
#ifdef HVX_SYSCORE_HAS_DATA
static int hvx_suspend_data(void *unused) { return hvx_suspend(); }
static void hvx_resume_data(void *unused) { hvx_resume(); }

static const struct syscore_ops hvx_syscore_ops = {
	.suspend = hvx_suspend_data,
	.resume = hvx_resume_data,
};
static struct syscore hvx_syscore = { .ops = &hvx_syscore_ops };
#define hvx_register_syscore()		register_syscore(&hvx_syscore)
#define hvx_unregister_syscore()	unregister_syscore(&hvx_syscore)
#else
static struct syscore_ops hvx_syscore_ops = {
	.suspend = hvx_suspend,
	.resume = hvx_resume,
};
#define hvx_register_syscore()		register_syscore_ops(&hvx_syscore_ops)
#define hvx_unregister_syscore()	unregister_syscore_ops(&hvx_syscore_ops)
#endif

/* VMX blocks INIT, so a warm reboot with VMX on could hang the machine. */
static int hvx_reboot(struct notifier_block *nb, unsigned long code, void *unused)
{
	mutex_lock(&hvx_virt_lock);
	hvx_rebooting = true;
	on_each_cpu(hvx_cpu_disable_ipi, NULL, 1);
	mutex_unlock(&hvx_virt_lock);
	return NOTIFY_OK;
}

static struct notifier_block hvx_reboot_nb = {
	.notifier_call = hvx_reboot,
};

/* Refuse to load while another hypervisor holds VMX/SVM on some CPU. */
static int hvx_check_cpus_free(void)
{
	cpumask_var_t busy;
	int r = 0;

	if (!zalloc_cpumask_var(&busy, GFP_KERNEL))
		return -ENOMEM;
	cpus_read_lock();
	on_each_cpu(hvx_cpu_in_use_ipi, busy, 1);
	cpus_read_unlock();
	if (!cpumask_empty(busy)) {
		pr_err("%s is already enabled on CPU(s) %*pbl: another hypervisor (KVM, VirtualBox, ...) holds it; unload it first\n",
		       hvx_arch->name, cpumask_pr_args(busy));
		r = -EBUSY;
	}
	free_cpumask_var(busy);
	return r;
}

int hvx_virt_init(void)
{
	int r;

	r = hvx_check_cpus_free();
	if (r)
		return r;
	r = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "hvx:online",
				      hvx_cpu_online, hvx_cpu_offline);
	if (r < 0)
		return r;
	hvx_cpuhp_state = r;
	hvx_register_syscore();
	register_reboot_notifier(&hvx_reboot_nb);
	return 0;
}

/* Called at unload, when no VM can exist: every fd held a module reference. */
void hvx_virt_exit(void)
{
	unregister_reboot_notifier(&hvx_reboot_nb);
	hvx_unregister_syscore();
	cpuhp_remove_state_nocalls(hvx_cpuhp_state);
}
