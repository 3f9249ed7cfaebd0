// SPDX-License-Identifier: GPL-2.0-only
/*
 * Intel VT-x backend, CPU side: decide whether VMX is usable, fit the
 * VM-execution, exit and entry controls every VMCS gets to the capability
 * MSRs (refusing to load, with the control named, when a required one is
 * missing), and enter/leave VMX root operation (VMXON/VMXOFF) on a CPU.
 * Guests run in vmx_vcpu.c/vmx_run.c.
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
#include <asm/tsc.h>
#include "hvx_core.h"
#include "vmx_caps.h"
#include "vmx.h"
#include "tdp.h"

#define CPUID_1_ECX_VMX		BIT(5)
/* The longest a guest runs without an exit (VMX-preemption timer). */
#define VMX_GUEST_SLICE_US	2000

/* VMXON region per possible CPU; allocated once at load. */
static DEFINE_PER_CPU(struct page *, vmx_vmxon_region);
struct vmx_config vmx_config;

/* A control hvx cannot run guests without, by name for the load-time error. */
struct vmx_ctl_name {
	u32 bit;
	const char *name;
};

static const struct vmx_ctl_name vmx_pin_names[] = {
	{ PIN_EXT_INTR_EXITING, "external-interrupt exiting" },
	{ PIN_NMI_EXITING, "NMI exiting" },
	{ PIN_VIRTUAL_NMIS, "virtual NMIs" },
	{ 0, NULL },
};

static const struct vmx_ctl_name vmx_proc_names[] = {
	{ PROC_HLT_EXITING, "HLT exiting" },
	{ PROC_TSC_OFFSETTING, "use TSC offsetting" },
	{ PROC_CR8_LOAD_EXITING, "CR8-load exiting" },
	{ PROC_CR8_STORE_EXITING, "CR8-store exiting" },
	{ PROC_USE_IO_BITMAPS, "use I/O bitmaps" },
	{ PROC_USE_MSR_BITMAPS, "use MSR bitmaps" },
	{ PROC_RDPMC_EXITING, "RDPMC exiting" },
	{ PROC_MWAIT_EXITING, "MWAIT exiting" },
	{ PROC_MONITOR_EXITING, "MONITOR exiting" },
	{ PROC_SECONDARY_CONTROLS, "activate secondary controls" },
	{ 0, NULL },
};

static const struct vmx_ctl_name vmx_proc2_names[] = {
	{ PROC2_EPT, "enable EPT" },
	{ PROC2_UNRESTRICTED_GUEST, "unrestricted guest" },
	{ 0, NULL },
};

static const struct vmx_ctl_name vmx_exit_names[] = {
	{ EXIT_HOST_ADDR_SPACE_SIZE, "host address-space size" },
	{ EXIT_SAVE_DEBUG_CONTROLS, "save debug controls" },
	{ EXIT_SAVE_IA32_PAT, "save IA32_PAT" },
	{ EXIT_LOAD_IA32_PAT, "load IA32_PAT" },
	{ EXIT_SAVE_IA32_EFER, "save IA32_EFER" },
	{ EXIT_LOAD_IA32_EFER, "load IA32_EFER" },
	{ 0, NULL },
};

static const struct vmx_ctl_name vmx_entry_names[] = {
	{ ENTRY_LOAD_DEBUG_CONTROLS, "load debug controls" },
	{ ENTRY_LOAD_IA32_PAT, "load IA32_PAT" },
	{ ENTRY_LOAD_IA32_EFER, "load IA32_EFER" },
	{ 0, NULL },
};

/* Fit one control field; -EOPNOTSUPP naming the first missing required bit. */
/* Can every control in @bits be 1? */
static bool vmx_ctl_allowed(u32 msr, u32 bits)
{
	u64 cap;

	return !rdmsrl_safe(msr, &cap) && ((cap >> 32) & bits) == bits;
}

static int vmx_fit_ctl(u32 msr, const char *what, const struct vmx_ctl_name *names,
		       u32 required, u32 optional, u32 *out)
{
	u64 cap;
	u32 missing;

	if (rdmsrl_safe(msr, &cap)) {
		pr_err("VMX: cannot read the %s capability MSR %#x\n", what, msr);
		return -EIO;
	}
	missing = vmx_caps_adjust_ctl(cap, required, optional, out);
	if (!missing)
		return 0;
	for (; names->name; names++) {
		if (missing & names->bit) {
			pr_err("VMX: the CPU lacks the %s control \"%s\" (bit %lu), which hvx requires\n",
			       what, names->name, __ffs(names->bit));
			return -EOPNOTSUPP;
		}
	}
	pr_err("VMX: the CPU lacks %s controls %#x, which hvx requires\n", what, missing);
	return -EOPNOTSUPP;
}

/* CR4 bits a guest may own: those hvx lets a VMM put in the guest's CR4. */
static unsigned long vmx_cr4_guest_bits(void)
{
	unsigned long bits = 0;
	int i;

	for (i = 0; i < BITS_PER_LONG; i++)
		if (hvx_x86_cr4_valid(BIT_ULL(i)))
			bits |= BIT(i);
	return bits;
}

/*
 * The controls every VMCS starts with (vmx_init_vmcs), from the capability
 * MSRs: the TRUE_* ones when IA32_VMX_BASIC says they exist, since only
 * they allow clearing the default-1 controls (CR3 exiting and the like).
 */
static int vmx_setup_config(const struct vmx_cap_msrs *m)
{
	struct vmx_config *c = &vmx_config;
	bool true_ctls = m->basic & BASIC_TRUE_CTLS;
	u32 proc2_opt = PROC2_VPID | PROC2_RDTSCP | PROC2_WBINVD_EXITING |
			PROC2_PAUSE_LOOP_EXITING;
	int r;

	memset(c, 0, sizeof(*c));
	c->revision_id = m->basic & BASIC_REVISION_ID;
	c->ept_vpid_cap = m->ept_vpid;
	if (boot_cpu_has(X86_FEATURE_INVPCID))
		proc2_opt |= PROC2_INVPCID;	/* the guest's CPUID may offer it */

	r = vmx_fit_ctl(true_ctls ? VMX_MSR_TRUE_PINBASED_CTLS : VMX_MSR_PINBASED_CTLS,
			"pin-based", vmx_pin_names,
			PIN_EXT_INTR_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS,
			PIN_PREEMPTION_TIMER, &c->pin);
	if (!r)
		r = vmx_fit_ctl(true_ctls ? VMX_MSR_TRUE_PROCBASED_CTLS : VMX_MSR_PROCBASED_CTLS,
				"processor-based", vmx_proc_names,
				PROC_HLT_EXITING | PROC_TSC_OFFSETTING |
				PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING |
				PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS |
				PROC_RDPMC_EXITING |
				PROC_MWAIT_EXITING | PROC_MONITOR_EXITING |
				PROC_SECONDARY_CONTROLS, 0, &c->proc);
	if (!r)
		r = vmx_fit_ctl(VMX_MSR_PROCBASED_CTLS2, "secondary processor-based",
				vmx_proc2_names, 0,
				proc2_opt | PROC2_EPT | PROC2_UNRESTRICTED_GUEST, &c->proc2);
	if (!r)
		r = vmx_fit_ctl(true_ctls ? VMX_MSR_TRUE_EXIT_CTLS : VMX_MSR_EXIT_CTLS,
				"VM-exit", vmx_exit_names,
				EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_DEBUG_CONTROLS |
				EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT |
				EXIT_SAVE_IA32_EFER | EXIT_LOAD_IA32_EFER, 0, &c->exit);
	if (!r)
		r = vmx_fit_ctl(true_ctls ? VMX_MSR_TRUE_ENTRY_CTLS : VMX_MSR_ENTRY_CTLS,
				"VM-entry", vmx_entry_names,
				ENTRY_LOAD_DEBUG_CONTROLS | ENTRY_LOAD_IA32_PAT |
				ENTRY_LOAD_IA32_EFER, 0, &c->entry);
	if (r)
		return r;
	/* Interrupts must stay pending in the APIC across the exit. */
	if (c->exit & EXIT_ACK_INTR_ON_EXIT) {
		pr_err("VMX: the CPU forces \"acknowledge interrupt on exit\", which hvx cannot handle\n");
		return -EOPNOTSUPP;
	}
	c->entry &= ~ENTRY_IA32E_MODE_GUEST;	/* set per vCPU from EFER.LMA */

	/*
	 * Nested paging needs EPT with 4-level walks, write-back tables and
	 * INVEPT, and unrestricted guest (real mode on EPT); without all of
	 * them guests run on shadow paging (vmx_shadow.c), which needs CR3
	 * and INVLPG exiting.
	 */
	c->tdp = (c->proc2 & PROC2_EPT) && (c->proc2 & PROC2_UNRESTRICTED_GUEST) &&
		 (m->ept_vpid & EPT_CAP_WALK_4) && (m->ept_vpid & EPT_CAP_WB) &&
		 (m->ept_vpid & EPT_CAP_INVEPT) &&
		 (m->ept_vpid & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL));
	if (!c->tdp) {
		pr_info("VMX: no EPT with unrestricted guest, 4-level walks, write-back tables and INVEPT: nested paging is not available\n");
		c->proc2 &= ~(PROC2_EPT | PROC2_UNRESTRICTED_GUEST);
	}
	c->shadow_ok = vmx_ctl_allowed(true_ctls ? VMX_MSR_TRUE_PROCBASED_CTLS :
				       VMX_MSR_PROCBASED_CTLS,
				       PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING |
				       PROC_INVLPG_EXITING);
	c->ept_ad = c->tdp && (m->ept_vpid & EPT_CAP_AD);
	/* Without A/D the CPU never sets them: aging then calls every page young. */
	if (!c->ept_ad) {
		hvx_ept_format.accessed_bit = 0;
		hvx_ept_format.dirty_bit = 0;
	}
	/* VPIDs are optional: without INVVPID, run untagged (flushed at every entry/exit). */
	if ((c->proc2 & PROC2_VPID) &&
	    (!(m->ept_vpid & VPID_CAP_INVVPID) ||
	     !(m->ept_vpid & (VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL))))
		c->proc2 &= ~PROC2_VPID;
	c->vpid = c->proc2 & PROC2_VPID;
	if (c->pin & PIN_PREEMPTION_TIMER) {
		u64 misc = 0;

		/*
		 * A guest that spins with interrupts off must still come out
		 * now and then: Bochs 2.7 takes no external-interrupt exit
		 * from such a guest (the host's IF at VM entry masks them), so
		 * signals, kicks and the host's own timer would wait forever.
		 * The VMX-preemption timer bounds every stay in the guest.
		 */
		rdmsrl_safe(VMX_MSR_MISC, &misc);
		c->preemption_timer = clamp_t(u64, ((u64)tsc_khz * VMX_GUEST_SLICE_US / 1000) >>
					      (misc & MISC_PREEMPT_TIMER_RATE), 1, U32_MAX);
	}
	c->rdtscp = c->proc2 & PROC2_RDTSCP;

	if (rdmsrl_safe(VMX_MSR_CR0_FIXED0, &c->cr0_fixed0) ||
	    rdmsrl_safe(VMX_MSR_CR0_FIXED1, &c->cr0_fixed1) ||
	    rdmsrl_safe(VMX_MSR_CR4_FIXED0, &c->cr4_fixed0) ||
	    rdmsrl_safe(VMX_MSR_CR4_FIXED1, &c->cr4_fixed1)) {
		pr_err("VMX: cannot read the CR0/CR4 fixed-bit MSRs\n");
		return -EIO;
	}
	/*
	 * Unrestricted guest frees PE and PG; the other fixed-1 bits (NE)
	 * are forced on behind a read shadow. The guest owns only the CR4
	 * bits hvx supports; writing any other (VMXE among them) exits.
	 */
	c->cr0_fixed1_set = c->cr0_fixed0 & ~(unsigned long)(X86_CR0_PE | X86_CR0_PG);
	c->cr0_host_owned = c->cr0_fixed1_set;
	c->cr4_fixed1_set = c->cr4_fixed0;
	c->cr4_host_owned = c->cr4_fixed0 | ~vmx_cr4_guest_bits();
	return 0;
}

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
	caps->backend = HVX_BACKEND_VMX;
	caps->features = vmx_caps_features(&m);
	r = vmx_setup_config(&m);
	if (r)
		return r;
	caps->paging = vmx_config.tdp ? HVX_PAGING_EPT : HVX_PAGING_NONE;
	caps->nr_asids = vmx_config.vpid ? 65535 : 0;
	return 0;
}

u64 vmx_io_bitmap_a_pa, vmx_io_bitmap_b_pa, vmx_msr_bitmap_pa;
static struct page *vmx_bitmaps[3];	/* I/O A, I/O B, MSR */

static void vmx_hardware_unsetup(void)
{
	int cpu, i;

	for (i = 0; i < ARRAY_SIZE(vmx_bitmaps); i++) {
		if (vmx_bitmaps[i])
			__free_page(vmx_bitmaps[i]);
		vmx_bitmaps[i] = NULL;
	}

	vmx_vm86_unsetup();
	for_each_possible_cpu(cpu) {
		struct page *page = per_cpu(vmx_vmxon_region, cpu);

		if (page)
			__free_page(page);
		per_cpu(vmx_vmxon_region, cpu) = NULL;
	}
}

static int vmx_hardware_setup(void)
{
	int cpu, i;

	if (hvx_shadow_enabled()) {
		if (!vmx_config.shadow_ok) {
			pr_err("VMX: shadow paging needs CR3-load, CR3-store and INVLPG exiting, which this CPU cannot set\n");
			return -EOPNOTSUPP;
		}
		if (vmx_vm86_setup())
			return -ENOMEM;
	}

	for (i = 0; i < ARRAY_SIZE(vmx_bitmaps); i++) {
		vmx_bitmaps[i] = alloc_page(GFP_KERNEL);
		if (!vmx_bitmaps[i]) {
			vmx_hardware_unsetup();
			return -ENOMEM;
		}
		memset(page_address(vmx_bitmaps[i]), VMX_BITMAP_ALL_EXIT, PAGE_SIZE);
	}
	vmx_io_bitmap_a_pa = page_to_phys(vmx_bitmaps[0]);
	vmx_io_bitmap_b_pa = page_to_phys(vmx_bitmaps[1]);
	vmx_msr_bitmap_pa = page_to_phys(vmx_bitmaps[2]);

	for_each_possible_cpu(cpu) {
		struct page *page;

		INIT_LIST_HEAD(&per_cpu(vmx_cpu, cpu).loaded);
		per_cpu(vmx_cpu, cpu).current_vmcs = NULL;

		page = alloc_pages_node(cpu_to_node(cpu), GFP_KERNEL | __GFP_ZERO, 0);
		if (!page) {
			vmx_hardware_unsetup();
			return -ENOMEM;
		}
		/* SDM 24.11.5: the region starts with the VMCS revision identifier. */
		*(u32 *)page_address(page) = vmx_config.revision_id;
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
	/* No VMCS may stay active in a CPU leaving VMX operation. */
	vmx_cpu_clear_all();
	/* VMXOFF only faults outside VMX operation; leaving CR4.VMXE set would be worse. */
	asm goto("1: vmxoff\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : : "cc", "memory" : fault);
	cr4_clear_bits(X86_CR4_VMXE);
	return;
fault:
	hvx_virt_insn_fault("VMXOFF");
	cr4_clear_bits(X86_CR4_VMXE);
}

/*
 * Crash or emergency restart (kmod/hvx_virt.c): VMX operation blocks INIT
 * and makes the next kernel's first CR4 write fault. VMXOFF alone: the
 * active VMCSs are not VMCLEARed (an NMI may have stopped this CPU in the
 * middle of changing its list of them), so their cached state may not
 * reach memory, which only a crash dump could miss.
 */
static void vmx_cpu_emergency_disable(void)
{
	if (!(__read_cr4() & X86_CR4_VMXE))
		return;
	asm goto("1: vmxoff\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : : "cc", "memory" : fault);
fault:
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
	.cpu_emergency_disable = vmx_cpu_emergency_disable,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_free = vmx_vcpu_free,
	.vcpu_run = vmx_vcpu_run,
	.cache_regs = vmx_cache_regs,
	.tdp_format = &hvx_ept_format,
	.shadow_paging = true,
	.inject_event = vmx_inject_event,
	.set_event_windows = vmx_set_event_windows,
	.vcpu_reset = vmx_vcpu_reset,
};
