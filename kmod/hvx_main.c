// SPDX-License-Identifier: GPL-2.0-only
/*
 * hvx module entry: picks the VMX or SVM backend, registers /dev/hvx and
 * answers the system ioctls of KVM's ABI plus hvx's own HVX_GET_INFO.
 */
#define pr_fmt(fmt) "hvx: " fmt

#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include "hvx_core.h"
#include "hvx_exit.h"
#include "shadow.h"

const struct hvx_arch_ops *hvx_arch;
struct hvx_caps hvx_caps;

static char *paging = "auto";
module_param(paging, charp, 0444);
MODULE_PARM_DESC(paging, "auto (nested paging where the CPU has it, else shadow), tdp or shadow");

/*
 * Programs that hard-code /dev/kvm (QEMU, kvmtool, KVM's own selftests) run
 * on hvx unchanged when hvx also answers as the misc device "kvm" with
 * KVM's minor. Only one module can own that minor: with kvm.ko loaded the
 * load fails (EBUSY), and kvm.ko cannot load while hvx holds it.
 */
static bool kvm_dev;
module_param(kvm_dev, bool, 0444);
MODULE_PARM_DESC(kvm_dev, "also register /dev/kvm (misc minor 232) for programs that hard-code it");

static long hvx_get_info(void __user *argp)
{
	struct hvx_info info = {
		.abi_version = HVX_ABI_VERSION,
		.backend = hvx_caps.backend,
		.paging = hvx_caps.paging,
		.max_vcpus = HVX_MAX_VCPUS,
		.features = hvx_caps.features,
		.nr_asids = hvx_caps.nr_asids,
		.online_cpus = num_online_cpus(),
		.enabled_cpus = hvx_virt_enabled_cpus(),
		.active_vms = hvx_vm_count(),
		.active_vcpus = hvx_vcpu_count(),
	};

	if (copy_to_user(argp, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long hvx_dev_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_API_VERSION:
		return arg ? -EINVAL : KVM_API_VERSION;
	case KVM_CREATE_VM:
		return hvx_vm_create(arg);
	case KVM_CHECK_EXTENSION:
		return hvx_check_extension(NULL, arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : HVX_VCPU_MMAP_SIZE;
	case KVM_GET_SUPPORTED_CPUID:
		return hvx_get_supported_cpuid((void __user *)arg);
	case KVM_GET_MSR_INDEX_LIST:
		return hvx_get_msr_index_list((void __user *)arg);
	case KVM_GET_MSR_FEATURE_INDEX_LIST:
		return hvx_get_msr_feature_index_list((void __user *)arg);
	case KVM_GET_MSRS:
		return hvx_get_feature_msrs((void __user *)arg);
	case KVM_X86_GET_MCE_CAP_SUPPORTED:
		return hvx_get_mce_cap_supported((void __user *)arg);
	case KVM_HAS_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
		return hvx_dev_device_attr(ioctl, (void __user *)arg);
	case HVX_GET_INFO:
		return hvx_get_info((void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations hvx_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = hvx_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice hvx_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "hvx",
	.fops = &hvx_dev_fops,
	.mode = 0660,
};

/* The same device under KVM's name and minor (kvm_dev=1). */
static struct miscdevice hvx_kvm_dev = {
	.minor = KVM_MINOR,
	.name = "kvm",
	.fops = &hvx_dev_fops,
	.mode = 0660,
};

static int hvx_register_devices(void)
{
	int r;

	r = misc_register(&hvx_dev);
	if (r) {
		pr_err("cannot register /dev/hvx: %d\n", r);
		return r;
	}
	if (!kvm_dev)
		return 0;
	r = misc_register(&hvx_kvm_dev);
	if (r) {
		if (r == -EBUSY)
			pr_err("kvm_dev=1: misc minor %d (/dev/kvm) is taken, most likely by kvm.ko; unload kvm first\n",
			       KVM_MINOR);
		else
			pr_err("kvm_dev=1: cannot register /dev/kvm: %d\n", r);
		misc_deregister(&hvx_dev);
		return r;
	}
	r = hvx_kvm_params_init();
	if (r) {
		misc_deregister(&hvx_kvm_dev);
		misc_deregister(&hvx_dev);
	}
	return r;
}

static void hvx_deregister_devices(void)
{
	if (kvm_dev) {
		hvx_kvm_params_exit();
		misc_deregister(&hvx_kvm_dev);
	}
	misc_deregister(&hvx_dev);
}

/* The first backend whose extension the CPU has wins; VMX and SVM never coexist. */
static int hvx_pick_backend(void)
{
	static const struct hvx_arch_ops *const backends[] = {
		&vmx_arch_ops, &svm_arch_ops,
	};
	unsigned int i;
	int r;

	for (i = 0; i < ARRAY_SIZE(backends); i++) {
		r = backends[i]->probe(&hvx_caps);
		if (r == -ENODEV)
			continue;
		if (r)
			return r;	/* the backend said why */
		hvx_arch = backends[i];
		return 0;
	}
	pr_err("this CPU has neither VMX (Intel VT-x) nor SVM (AMD-V); hvx needs one of them\n");
	return -ENODEV;
}

static const char *hvx_paging_name(u32 paging)
{
	switch (paging) {
	case HVX_PAGING_EPT: return "EPT";
	case HVX_PAGING_NPT: return "NPT";
	case HVX_PAGING_SHADOW: return "shadow";
	default: return "none";
	}
}

/*
 * The paging=auto|tdp|shadow parameter against what the backend found
 * (hvx_caps.paging: EPT, NPT or none).
 */
static int hvx_pick_paging(void)
{
	bool has_tdp = hvx_caps.paging != HVX_PAGING_NONE;
	bool want_shadow;

	if (sysfs_streq(paging, "shadow"))
		want_shadow = true;
	else if (sysfs_streq(paging, "tdp"))
		want_shadow = false;
	else if (sysfs_streq(paging, "auto"))
		want_shadow = !has_tdp;
	else {
		pr_err("paging=%s: expected auto, tdp or shadow\n", paging);
		return -EINVAL;
	}
	if (!want_shadow && !has_tdp) {
		pr_err("paging=tdp: the CPU has no nested paging (EPT/NPT)\n");
		return -EOPNOTSUPP;
	}
	if (want_shadow && !hvx_arch->shadow_paging) {
		pr_err("%s backend: shadow paging is not implemented yet; nested paging is required\n",
		       hvx_arch->name);
		return -EOPNOTSUPP;
	}
	if (want_shadow)
		hvx_caps.paging = HVX_PAGING_SHADOW;
	return 0;
}

static int __init hvx_init(void)
{
	int r;

	r = hvx_pick_backend();
	if (r)
		return r;
	r = hvx_pick_paging();
	if (r)
		return r;
	r = hvx_arch->hardware_setup();
	if (r)
		return r;
	r = hvx_virt_init();
	if (r)
		goto err_unsetup;
	if (hvx_shadow_enabled()) {
		r = hvx_shadow_init();
		if (r)
			goto err_virt;
	}
	r = hvx_register_devices();
	if (r)
		goto err_shadow;
	pr_info("%s backend, %s paging, features %#llx; /dev/hvx%s ready\n",
		hvx_arch->name, hvx_paging_name(hvx_caps.paging), hvx_caps.features,
		kvm_dev ? " and /dev/kvm" : "");
	return 0;

err_shadow:
	if (hvx_shadow_enabled())
		hvx_shadow_exit();
err_virt:
	hvx_virt_exit();
err_unsetup:
	hvx_arch->hardware_unsetup();
	return r;
}

static void __exit hvx_exit(void)
{
	hvx_deregister_devices();
	/* Objects freed after an RCU grace period (MSR filters) are gone first. */
	rcu_barrier();
	if (hvx_shadow_enabled())
		hvx_shadow_exit();
	hvx_virt_exit();
	hvx_arch->hardware_unsetup();
}

module_init(hvx_init);
module_exit(hvx_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hvx: a type-2 hypervisor speaking KVM's ioctl ABI on /dev/hvx");
MODULE_AUTHOR("hvx developers");
