// SPDX-License-Identifier: GPL-2.0-only
/*
 * AMD SVM backend. For now: decide whether SVM is usable, report what the
 * CPU offers, and set/clear EFER.SVME with the host save area on a CPU.
 */
#define pr_fmt(fmt) "hvx: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <asm/io.h>
#include <linux/percpu.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include "hvx_core.h"
#include "svm_caps.h"

/* Host state-save area per possible CPU (VM_HSAVE_PA); allocated once at load. */
static DEFINE_PER_CPU(struct page *, svm_hsave_area);

static int svm_probe(struct hvx_caps *caps)
{
	const char *reason;
	u64 vm_cr;
	u32 eax, ebx, ecx, edx;
	int r;

	/* Raw CPUID: the kernel hides SVM when VM_CR.SVMDIS is set. */
	if (cpuid_eax(0x80000000) < CPUID_SVM_FEATURES ||
	    !(cpuid_ecx(CPUID_EXT_FEATURES) & CPUID_EXT_ECX_SVM))
		return -ENODEV;
	if (rdmsrl_safe(SVM_MSR_VM_CR, &vm_cr)) {
		pr_err("SVM: cannot read MSR VM_CR\n");
		return -EIO;
	}
	r = svm_caps_check(vm_cr, &reason);
	if (r) {
		pr_err("SVM: %s\n", reason);
		return r;
	}
	cpuid(CPUID_SVM_FEATURES, &eax, &ebx, &ecx, &edx);
	caps->backend = HVX_BACKEND_SVM;
	caps->features = svm_caps_features(edx);
	caps->paging = (caps->features & HVX_FEATURE_SVM_NPT) ?
		       HVX_PAGING_NPT : HVX_PAGING_NONE;
	caps->nr_asids = ebx;
	return 0;
}

static void svm_hardware_unsetup(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct page *page = per_cpu(svm_hsave_area, cpu);

		if (page)
			__free_page(page);
		per_cpu(svm_hsave_area, cpu) = NULL;
	}
}

static int svm_hardware_setup(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct page *page;

		page = alloc_pages_node(cpu_to_node(cpu), GFP_KERNEL | __GFP_ZERO, 0);
		if (!page) {
			svm_hardware_unsetup();
			return -ENOMEM;
		}
		per_cpu(svm_hsave_area, cpu) = page;
	}
	return 0;
}

static bool svm_cpu_in_use(void)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	return efer & EFER_SVME;
}

static int svm_cpu_enable(void)
{
	int cpu = smp_processor_id();
	const char *reason;
	u64 efer, vm_cr;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		pr_err("CPU %d: EFER.SVME is already set: another hypervisor holds SVM\n", cpu);
		return -EBUSY;
	}
	if (rdmsrl_safe(SVM_MSR_VM_CR, &vm_cr) || svm_caps_check(vm_cr, &reason)) {
		pr_err("CPU %d: SVM is disabled by the firmware\n", cpu);
		return -EPERM;
	}
	wrmsrl(SVM_MSR_VM_HSAVE_PA, page_to_phys(per_cpu(svm_hsave_area, cpu)));
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	return 0;
}

static void svm_cpu_disable(void)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
	wrmsrl(SVM_MSR_VM_HSAVE_PA, 0);
}

const struct hvx_arch_ops svm_arch_ops = {
	.name = "SVM",
	.probe = svm_probe,
	.hardware_setup = svm_hardware_setup,
	.hardware_unsetup = svm_hardware_unsetup,
	.cpu_in_use = svm_cpu_in_use,
	.cpu_enable = svm_cpu_enable,
	.cpu_disable = svm_cpu_disable,
};
