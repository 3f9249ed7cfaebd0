// SPDX-License-Identifier: GPL-2.0-only
/*
 * /sys/module/kvm/parameters and /sys/module/kvm_{amd,intel}/parameters,
 * read-only, while hvx stands in for KVM (kvm_dev=1).
 *
 * Programs written for /dev/kvm read KVM's module parameters to learn what
 * the hypervisor does: Linux's KVM selftests (6.12 on) read
 * kvm/parameters/force_emulation_prefix at start-up and give up when it is
 * missing, and check enable_pmu, npt or ept before tests that need them.
 * hvx answers the same questions about itself, in KVM's names and formats
 * (bools as Y/N, integers in decimal). Nothing here can be written: these
 * describe hvx, they do not configure it.
 *
 * The directories exist only when no module of that name is loaded; kvm.ko
 * cannot load while they do (its own directory would collide), which the
 * minor hvx takes for /dev/kvm already implies.
 */
#include <linux/kernfs.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/sysfs.h>

#include "hvx_core.h"

struct hvx_kvm_param {
	struct kobj_attribute attr;
	bool (*value)(void);	/* a bool parameter, or */
	int constant;		/* an integer one when value is NULL */
};

static bool hvx_param_no(void) { return false; }
static bool hvx_param_npt(void) { return hvx_caps.paging == HVX_PAGING_NPT; }
/* hvx runs EPT guests with unrestricted guest, or not at all (vmx.h). */
static bool hvx_param_ept(void) { return hvx_caps.paging == HVX_PAGING_EPT; }

static ssize_t hvx_kvm_param_show(struct kobject *kobj, struct kobj_attribute *attr,
				  char *buf)
{
	const struct hvx_kvm_param *p = container_of(attr, struct hvx_kvm_param, attr);

	if (p->value)
		return sysfs_emit(buf, "%c\n", p->value() ? 'Y' : 'N');
	return sysfs_emit(buf, "%d\n", p->constant);
}

#define HVX_PARAM_BOOL(_name, _fn) \
	{ .attr = __ATTR(_name, 0444, hvx_kvm_param_show, NULL), .value = _fn }
#define HVX_PARAM_INT(_name, _val) \
	{ .attr = __ATTR(_name, 0444, hvx_kvm_param_show, NULL), .constant = _val }

/* kvm.ko's: no forced-emulation prefix, no PMU, no TDP MMU, no page splitting. */
static struct hvx_kvm_param hvx_kvm_common[] = {
	HVX_PARAM_INT(force_emulation_prefix, 0),
	HVX_PARAM_BOOL(enable_pmu, hvx_param_no),
	HVX_PARAM_BOOL(tdp_mmu, hvx_param_no),
	HVX_PARAM_BOOL(eager_page_split, hvx_param_no),
};

/* kvm_amd.ko's: nested paging as hvx uses it; no nested SVM, no AVIC. */
static struct hvx_kvm_param hvx_kvm_amd[] = {
	HVX_PARAM_BOOL(npt, hvx_param_npt),
	HVX_PARAM_INT(nested, 0),
	HVX_PARAM_BOOL(avic, hvx_param_no),
};

/* kvm_intel.ko's: EPT (with unrestricted guest) as hvx uses it; no nested VMX. */
static struct hvx_kvm_param hvx_kvm_intel[] = {
	HVX_PARAM_BOOL(ept, hvx_param_ept),
	HVX_PARAM_BOOL(unrestricted_guest, hvx_param_ept),
	HVX_PARAM_BOOL(nested, hvx_param_no),
};

struct hvx_kvm_module {
	const char *name;
	struct hvx_kvm_param *params;
	unsigned int nr;
	struct kobject *kobj;		/* /sys/module/<name> */
	struct kobject *params_kobj;	/* .../parameters */
};

static struct hvx_kvm_module hvx_kvm_modules[] = {
	{ "kvm", hvx_kvm_common, ARRAY_SIZE(hvx_kvm_common) },
	{ "kvm_amd", hvx_kvm_amd, ARRAY_SIZE(hvx_kvm_amd) },
	{ "kvm_intel", hvx_kvm_intel, ARRAY_SIZE(hvx_kvm_intel) },
};

/* Does /sys/module/<name> exist (kvm.ko loaded, or built in)? */
static bool hvx_sysfs_has(struct kobject *dir, const char *name)
{
	struct kernfs_node *kn = kernfs_find_and_get(dir->sd, name);

	kernfs_put(kn);
	return kn != NULL;
}

static void hvx_kvm_module_remove(struct hvx_kvm_module *m)
{
	kobject_put(m->params_kobj);
	kobject_put(m->kobj);
	m->params_kobj = m->kobj = NULL;
}

static int hvx_kvm_module_add(struct hvx_kvm_module *m, struct kobject *sys_module)
{
	unsigned int i;
	int r;

	if (hvx_sysfs_has(sys_module, m->name)) {
		pr_info("kvm_dev=1: /sys/module/%s exists already; its parameters stay KVM's\n",
			m->name);
		return 0;
	}
	m->kobj = kobject_create_and_add(m->name, sys_module);
	if (m->kobj)
		m->params_kobj = kobject_create_and_add("parameters", m->kobj);
	if (!m->params_kobj) {
		hvx_kvm_module_remove(m);
		return -ENOMEM;
	}
	for (i = 0; i < m->nr; i++) {
		r = sysfs_create_file(m->params_kobj, &m->params[i].attr.attr);
		if (r) {
			hvx_kvm_module_remove(m);
			return r;
		}
	}
	return 0;
}

/* The vendor directory of the backend hvx runs, and kvm's. */
int hvx_kvm_params_init(void)
{
	struct kobject *sys_module = THIS_MODULE->mkobj.kobj.parent;
	const char *vendor = hvx_caps.backend == HVX_BACKEND_SVM ? "kvm_amd" : "kvm_intel";
	unsigned int i;
	int r;

	for (i = 0; i < ARRAY_SIZE(hvx_kvm_modules); i++) {
		struct hvx_kvm_module *m = &hvx_kvm_modules[i];

		if (i && strcmp(m->name, vendor))
			continue;
		r = hvx_kvm_module_add(m, sys_module);
		if (r) {
			pr_err("kvm_dev=1: cannot create /sys/module/%s/parameters: %d\n",
			       m->name, r);
			hvx_kvm_params_exit();
			return r;
		}
	}
	return 0;
}

void hvx_kvm_params_exit(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hvx_kvm_modules); i++)
		hvx_kvm_module_remove(&hvx_kvm_modules[i]);
}
