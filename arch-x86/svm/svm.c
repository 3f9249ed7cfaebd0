// SPDX-License-Identifier: GPL-2.0-only
/*
 * AMD SVM backend, CPU side: decide whether SVM is usable, report what the
 * CPU offers, set/clear EFER.SVME with the per-CPU save areas, and own the
 * permission maps every vCPU shares. Guests run in svm_vcpu.c/svm_run.c.
 */
#define pr_fmt(fmt) "hvx: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <asm/asm.h>
#include <asm/io.h>
#include <linux/percpu.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include "hvx_core.h"
#include "svm_caps.h"
#include "svm.h"
#include "tdp.h"

/* Per possible CPU, allocated once at load. */
DEFINE_PER_CPU(struct svm_cpu, svm_cpu);
u64 svm_iopm_pa, svm_msrpm_pa;
u32 svm_max_asid;
static struct page *svm_iopm, *svm_msrpm;

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
	if (ebx < 2) {
		pr_err("SVM: the CPU offers no guest ASID\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

static void svm_hardware_unsetup(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sc = &per_cpu(svm_cpu, cpu);

		if (sc->hsave)
			__free_page(sc->hsave);
		if (sc->host_save)
			__free_page(sc->host_save);
		sc->hsave = sc->host_save = NULL;
	}
	if (svm_iopm)
		__free_pages(svm_iopm, SVM_IOPM_PAGES_ORDER);
	if (svm_msrpm)
		__free_pages(svm_msrpm, SVM_MSRPM_PAGES_ORDER);
	svm_iopm = svm_msrpm = NULL;
}

/* All ones: every port access and every RDMSR/WRMSR exits. */
static struct page *svm_alloc_permission_map(unsigned int order, u64 *pa)
{
	struct page *page = alloc_pages(GFP_KERNEL, order);

	if (!page)
		return NULL;
	memset(page_address(page), 0xff, PAGE_SIZE << order);
	*pa = page_to_phys(page);
	return page;
}

static int svm_hardware_setup(void)
{
	int cpu;

	svm_max_asid = hvx_caps.nr_asids - 1;	/* ASID 0 is the host's */
	svm_iopm = svm_alloc_permission_map(SVM_IOPM_PAGES_ORDER, &svm_iopm_pa);
	svm_msrpm = svm_alloc_permission_map(SVM_MSRPM_PAGES_ORDER, &svm_msrpm_pa);
	if (!svm_iopm || !svm_msrpm)
		goto nomem;
	for_each_possible_cpu(cpu) {
		struct svm_cpu *sc = &per_cpu(svm_cpu, cpu);
		int node = cpu_to_node(cpu);

		sc->hsave = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
		sc->host_save = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
		if (!sc->hsave || !sc->host_save)
			goto nomem;
	}
	return 0;
nomem:
	svm_hardware_unsetup();
	return -ENOMEM;
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
	wrmsrl(SVM_MSR_VM_HSAVE_PA, page_to_phys(per_cpu(svm_cpu, cpu).hsave));
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	/*
	 * Whatever ran here before may have left ASID-tagged TLB entries:
	 * start a new generation, so each vCPU's first entry takes a fresh
	 * ASID and the first ASID handed out flushes everything.
	 */
	this_cpu_inc(svm_cpu.asid_generation);
	this_cpu_write(svm_cpu.next_asid, svm_max_asid + 1);
	return 0;
}

static void svm_cpu_disable(void)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
	wrmsrl(SVM_MSR_VM_HSAVE_PA, 0);
}

/*
 * Crash or emergency restart (kmod/hvx_virt.c): GIF=0 blocks INIT, so a
 * CPU stopped between CLGI and STGI gets GIF back first (6.1's own
 * cpu_emergency_svm_disable() does the same), then SVME goes.
 */
static void svm_cpu_emergency_disable(void)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (!(efer & EFER_SVME))
		return;
	asm goto("1: stgi\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : : "memory" : fault);
fault:
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
}

const struct hvx_arch_ops svm_arch_ops = {
	.name = "SVM",
	.probe = svm_probe,
	.hardware_setup = svm_hardware_setup,
	.hardware_unsetup = svm_hardware_unsetup,
	.cpu_in_use = svm_cpu_in_use,
	.cpu_enable = svm_cpu_enable,
	.cpu_disable = svm_cpu_disable,
	.cpu_emergency_disable = svm_cpu_emergency_disable,
	.vcpu_create = svm_vcpu_create,
	.vcpu_free = svm_vcpu_free,
	.vcpu_run = svm_vcpu_run,
	.cache_regs = svm_cache_regs,
	.tdp_format = &hvx_npt_format,
	.inject_event = svm_inject_event,
	.set_event_windows = svm_set_event_windows,
	.vcpu_reset = svm_vcpu_reset,
	.shadow_paging = true,
};
