// SPDX-License-Identifier: GPL-2.0-only
/*
 * Turning VMX/SVM on and off. hvx holds the extension on every online CPU
 * while at least one VM exists and gives it back when the last VM goes, so
 * KVM or VirtualBox can use the CPU while hvx is idle. CPU hotplug, suspend
 * and reboot keep the per-CPU state consistent with that rule. Reboot,
 * power-off, kexec and crash also end guest entries for good
 * (hvx_rebooting) and turn the extension off under running vCPUs.
 */
#define pr_fmt(fmt) "hvx: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/syscore_ops.h>
#include <asm/reboot.h>
#include "hvx_core.h"

static DEFINE_MUTEX(hvx_virt_lock);	/* guards hvx_virt_users transitions */
/*
 * VMs alive. Written under hvx_virt_lock and cpus_read_lock(), so hotplug
 * callbacks (which run under the hotplug write lock) may read it bare.
 */
static unsigned int hvx_virt_users;
/*
 * Written once, false -> true, by the reboot notifier or the emergency
 * callback; read bare anywhere (hvx_virt_rebooting()). Under
 * hvx_virt_lock it also means: no enabling any more.
 */
bool hvx_rebooting;
/* hvx_virt_lock: hvx_emergency_disable is the kernel's emergency callback. */
static bool hvx_emergency_registered;
/* hvx_virt_lock: kvm.ko is loaded (it may claim the emergency callback). */
static bool hvx_kvm_loaded;
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

/*
 * The kernel's emergency hook (cpu_emergency_register_virt_callback(),
 * Debian's 6.1 and 6.12 alike): a crash (kdump), kexec on panic and an
 * emergency restart call it on every CPU, the others through an NMI
 * shootdown, so that no CPU is left in VMX operation (which blocks INIT
 * and makes the kexec'd kernel's first CR4 write fault) or with GIF=0.
 * The hook has one slot, and KVM claims it while it holds VMX/SVM (6.12)
 * or while kvm_intel is loaded (6.1), warning if it is taken: hvx claims
 * it only while it holds VMX/SVM itself and kvm.ko is not loaded.
 */
static void hvx_emergency_disable(void)
{
	WRITE_ONCE(hvx_rebooting, true);
	hvx_arch->cpu_emergency_disable();
}

/* hvx_virt_lock held: claim or free the slot as the rule above says. */
static void hvx_emergency_update(void)
{
	bool want = hvx_virt_users && !hvx_kvm_loaded;

	if (want == hvx_emergency_registered)
		return;
	if (want)
		cpu_emergency_register_virt_callback(hvx_emergency_disable);
	else
		cpu_emergency_unregister_virt_callback(hvx_emergency_disable);
	hvx_emergency_registered = want;
}

/* kvm.ko coming or going: it must find the emergency slot free. */
static int hvx_module_event(struct notifier_block *nb, unsigned long state, void *data)
{
	struct module *mod = data;

	if (strcmp(mod->name, "kvm") ||
	    (state != MODULE_STATE_COMING && state != MODULE_STATE_GOING))
		return NOTIFY_DONE;
	mutex_lock(&hvx_virt_lock);
	hvx_kvm_loaded = state == MODULE_STATE_COMING;
	hvx_emergency_update();
	mutex_unlock(&hvx_virt_lock);
	return NOTIFY_DONE;
}

static struct notifier_block hvx_module_nb = {
	.notifier_call = hvx_module_event,
};

/* Is kvm.ko loaded now? Its exported kvm_rebooting says so. */
static bool hvx_kvm_present(void)
{
	if (!__symbol_get("kvm_rebooting"))
		return false;
	__symbol_put("kvm_rebooting");
	return true;
}

/*
 * A VMX/SVM instruction faulted: its exception-table fixup skipped it and
 * the caller lands here. After a reboot, kexec or crash turned the
 * extension off under a vCPU this is expected and stays quiet (KVM's
 * kvm_spurious_fault() ignores the same faults); any other time it is a
 * bug, or someone else's VMXOFF/EFER write, and said loudly. Either way the
 * host goes on and the vCPU's next entry fails (KVM_RUN returns -EIO).
 */
void hvx_virt_insn_fault(const char *insn)
{
	if (hvx_virt_rebooting())
		return;
	pr_err_ratelimited("%s faulted on CPU %d: %s is off on this CPU, and not by hvx\n",
			   insn, raw_smp_processor_id(), hvx_arch->name);
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
		hvx_emergency_update();
	}
	cpus_read_unlock();
	mutex_unlock(&hvx_virt_lock);
	return r;
}

void hvx_virt_put(void)
{
	mutex_lock(&hvx_virt_lock);
	cpus_read_lock();
	if (!WARN_ON_ONCE(hvx_virt_users == 0) && --hvx_virt_users == 0) {
		on_each_cpu(hvx_cpu_disable_ipi, NULL, 1);
		hvx_emergency_update();
	}
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

/*
 * Power-off, reboot and kexec (the reboot notifier chain runs for all
 * three): VMX blocks INIT, so a warm reboot with VMX on could hang the
 * machine. vCPU threads go on running meanwhile (poweroff -f kills no
 * process). hvx_rebooting is set first: a vCPU checks it with interrupts
 * off right before each entry (hvx_enter_guest_mode()), and the disable
 * IPI below cannot land between that check and the exit, so a vCPU either
 * sees the flag and stays out (KVM_RUN: -EIO) or finishes its entry first.
 * Anything that still touches VMX/SVM afterwards (a VMREAD in exit
 * handling, a vCPU freed) faults into a fixup that stays quiet.
 */
static int hvx_reboot(struct notifier_block *nb, unsigned long code, void *unused)
{
	WRITE_ONCE(hvx_rebooting, true);
	/* Before the IPIs: on_each_cpu() orders it ahead of them. */
	smp_mb();
	mutex_lock(&hvx_virt_lock);
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
	/* Notifier first, then the look: a kvm.ko loading in between is seen. */
	register_module_notifier(&hvx_module_nb);
	mutex_lock(&hvx_virt_lock);
	hvx_kvm_loaded = hvx_kvm_loaded || hvx_kvm_present();
	mutex_unlock(&hvx_virt_lock);
	return 0;
}

/* Called at unload, when no VM can exist: every fd held a module reference. */
void hvx_virt_exit(void)
{
	unregister_module_notifier(&hvx_module_nb);
	unregister_reboot_notifier(&hvx_reboot_nb);
	hvx_unregister_syscore();
	cpuhp_remove_state_nocalls(hvx_cpuhp_state);
}
