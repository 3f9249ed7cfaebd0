// SPDX-License-Identifier: GPL-2.0-only
/*
 * Intel VT-x backend. For now: decide whether VMX is usable, report what
 * the CPU offers, and enter/leave VMX root operation (VMXON/VMXOFF) on a CPU.
 */
#define pr_fmt(fmt) "hvx: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <asm/io.h>
#include <linux/percpu.h>
#include <asm/asm.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include "hvx_core.h"
#include "vmx_caps.h"

#define CPUID_1_ECX_VMX		BIT(5)

/* VMXON region per possible CPU; allocated once at load. */
static DEFINE_PER_CPU(struct page *, vmx_vmxon_region);
static u32 vmx_revision_id;

static int vmx_read_cap_msrs(struct vmx_cap_msrs *m)
{
	memset(m, 0, sizeof(*m));
	if (rdmsrl_safe(VMX_MSR_FEATURE_CONTROL, &m->feature_control) ||
	    rdmsrl_safe(VMX_MSR_BASIC, &m->basic) ||
	    rdmsrl_safe(VMX_MSR_PINBASED_CTLS, &m->pinbased) ||
	    rdmsrl_safe(VMX_MSR_PROCBASED_CTLS, &m->procbased))
		return -EIO;
	if (vmx_caps_has_procbased2(m->procbased) &&
	    rdmsrl_safe(VMX_MSR_PROCBASED_CTLS2, &m->procbased2))
		return -EIO;
	if (vmx_caps_has_ept_vpid_msr(m->procbased2) &&
	    rdmsrl_safe(VMX_MSR_EPT_VPID_CAP, &m->ept_vpid))
		return -EIO;
	return 0;
}

static int vmx_probe(struct hvx_caps *caps)
{
	struct vmx_cap_msrs m;
	const char *reason;
	int r;

	/*
	 * Raw CPUID, not boot_cpu_has(): the kernel clears X86_FEATURE_VMX
	 * when the firmware locked VMX off, and the user deserves to hear
	 * "disabled by firmware" rather than "no VMX".
	 */
	if (!(cpuid_ecx(1) & CPUID_1_ECX_VMX))
		return -ENODEV;
	if (vmx_read_cap_msrs(&m)) {
		pr_err("VMX: cannot read the VMX capability MSRs\n");
		return -EIO;
	}
	r = vmx_caps_check(&m, &reason);
	if (r) {
		pr_err("VMX: %s\n", reason);
		return r;
	}
	vmx_revision_id = m.basic & BASIC_REVISION_ID;
	caps->backend = HVX_BACKEND_VMX;
	caps->features = vmx_caps_features(&m);
	caps->paging = (caps->features & HVX_FEATURE_VMX_EPT) ?
		       HVX_PAGING_EPT : HVX_PAGING_NONE;
	caps->nr_asids = (caps->features & HVX_FEATURE_VMX_VPID) ? 65535 : 0;
	return 0;
}

static void vmx_hardware_unsetup(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct page *page = per_cpu(vmx_vmxon_region, cpu);

		if (page)
			__free_page(page);
		per_cpu(vmx_vmxon_region, cpu) = NULL;
	}
}

static int vmx_hardware_setup(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct page *page;

		page = alloc_pages_node(cpu_to_node(cpu), GFP_KERNEL | __GFP_ZERO, 0);
		if (!page) {
			vmx_hardware_unsetup();
			return -ENOMEM;
		}
		/* SDM 24.11.5: the region starts with the VMCS revision identifier. */
		*(u32 *)page_address(page) = vmx_revision_id;
		per_cpu(vmx_vmxon_region, cpu) = page;
	}
	return 0;
}

static bool vmx_cpu_in_use(void)
{
	return __read_cr4() & X86_CR4_VMXE;
}

/* 0, -EFAULT on a fault, -EIO on VMfailInvalid/VMfailValid. */
static int vmx_vmxon(u64 phys)
{
	asm goto("1: vmxon %[pa]\n\t"
		 "jbe %l[vmfail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m"(phys) : "cc", "memory" : vmfail, fault);
	return 0;
vmfail:
	return -EIO;
fault:
	return -EFAULT;
}

static int vmx_cpu_enable(void)
{
	int cpu = smp_processor_id();
	u64 feature_control, fixed0, fixed1;
	const char *why;
	int r;

	if (vmx_cpu_in_use()) {
		pr_err("CPU %d: CR4.VMXE is already set: another hypervisor holds VMX\n", cpu);
		return -EBUSY;
	}
	/* Firmware may have set up the CPUs differently. */
	if (rdmsrl_safe(VMX_MSR_FEATURE_CONTROL, &feature_control) ||
	    !(feature_control & FEATURE_CONTROL_LOCKED) ||
	    !(feature_control & FEATURE_CONTROL_VMXON_OUTSIDE_SMX)) {
		pr_err("CPU %d: VMX is disabled by the firmware\n", cpu);
		return -EPERM;
	}

	cr4_set_bits(X86_CR4_VMXE);

	/* SDM 24.8: CR0 and CR4 must satisfy the fixed bits in VMX operation. */
	why = NULL;
	if (rdmsrl_safe(VMX_MSR_CR0_FIXED0, &fixed0) ||
	    rdmsrl_safe(VMX_MSR_CR0_FIXED1, &fixed1) ||
	    !vmx_caps_cr_valid(read_cr0(), fixed0, fixed1))
		why = "CR0";
	else if (rdmsrl_safe(VMX_MSR_CR4_FIXED0, &fixed0) ||
		 rdmsrl_safe(VMX_MSR_CR4_FIXED1, &fixed1) ||
		 !vmx_caps_cr_valid(__read_cr4(), fixed0, fixed1))
		why = "CR4";
	if (why) {
		pr_err("CPU %d: %s does not satisfy the VMX fixed-bit MSRs\n", cpu, why);
		cr4_clear_bits(X86_CR4_VMXE);
		return -EIO;
	}

	r = vmx_vmxon(page_to_phys(per_cpu(vmx_vmxon_region, cpu)));
	if (r) {
		pr_err("CPU %d: VMXON failed (%s)\n", cpu,
		       r == -EFAULT ? "fault" : "VMfail");
		cr4_clear_bits(X86_CR4_VMXE);
		return r;
	}
	return 0;
}

static void vmx_cpu_disable(void)
{
	/* VMXOFF only faults outside VMX operation; leaving CR4.VMXE set would be worse. */
	asm goto("1: vmxoff\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : : "cc", "memory" : fault);
	cr4_clear_bits(X86_CR4_VMXE);
	return;
fault:
	pr_err("CPU %d: VMXOFF faulted\n", smp_processor_id());
	cr4_clear_bits(X86_CR4_VMXE);
}

const struct hvx_arch_ops vmx_arch_ops = {
	.name = "VMX",
	.probe = vmx_probe,
	.hardware_setup = vmx_hardware_setup,
	.hardware_unsetup = vmx_hardware_unsetup,
	.cpu_in_use = vmx_cpu_in_use,
	.cpu_enable = vmx_cpu_enable,
	.cpu_disable = vmx_cpu_disable,
};
