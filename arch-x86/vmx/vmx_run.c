// SPDX-License-Identifier: GPL-2.0-only
/*
 * One VMX guest entry and the dispatch of its exit.
 *
 * As on SVM, the switch runs with preemption off from making the VMCS
 * current to the exit, and with interrupts off from the last check of
 * vcpu->requests until the host state is whole again: a vCPU that
 * migrated just VMCLEARs on the old CPU and VMLAUNCHes on the new one.
 *
 * What VM entry/exit do not switch is switched here: the SYSCALL MSRs,
 * KERNEL_GS_BASE, TSC_AUX, XCR0, SPEC_CTRL, CR2, DR0-3 and DR6, and the
 * host's data-segment selectors, LDT, GDT limit and TSS limit, which a VM
 * exit loads with fixed values. External interrupts exit and stay pending
 * ("acknowledge interrupt on exit" is off), so the host takes them when
 * interrupts are enabled after the exit; an NMI that caused an exit is
 * re-raised through the host's NMI vector before anything else runs.
 */
#define pr_fmt(fmt) "hvx: " fmt

#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include "vmx.h"
#include "vmx_caps.h"
#include "hvx_exit.h"
#include "hvx_irq.h"
#include "tdp.h"

/* Host state a VM exit overwrites with fixed values, saved around one entry. */
struct vmx_host_state {
	struct hvx_host_regs regs;	/* XCR0, SPEC_CTRL, TSC_AUX: hvx_switch_to_guest() */
	u16 ds_sel, es_sel, fs_sel, gs_sel, ldt_sel;
	u64 kernel_gs_base, star, lstar, cstar, sfmask, tsc_aux;
	unsigned long debugctl;
	bool swap_star, swap_lstar, swap_cstar, swap_sfmask, swap_tsc_aux;
};

static u16 vmx_read_ldt(void)
{
	u16 sel;

	asm volatile("sldt %0" : "=r"(sel));
	return sel;
}

static void vmx_load_ldt(u16 sel)
{
	asm volatile("lldt %0" : : "rm"(sel) : "memory");
}

static void vmx_flush_tlb(struct vmx_vcpu *vmx)
{
	u64 cap = vmx_config.ept_vpid_cap;

	/* Without EPT (shadow paging) linear mappings are all there is. */
	if (!hvx_shadow_enabled()) {
		if (cap & EPT_CAP_INVEPT_SINGLE)
			vmx_invept(INVEPT_SINGLE_CONTEXT, vmx->eptp);
		else
			vmx_invept(INVEPT_ALL_CONTEXT, 0);
	}
	if (vmx->vpid) {
		if (cap & VPID_CAP_INVVPID_SINGLE)
			vmx_invvpid(INVVPID_SINGLE_CONTEXT, vmx->vpid);
		else
			vmx_invvpid(INVVPID_ALL_CONTEXT, 0);
	}
	vmx->flush_tlb = false;
}

/* Exceptions whose delivery pushes an error code (SDM 6.13). */
static bool vmx_vector_has_error_code(u8 vector)
{
	switch (vector) {
	case 8: case 10: case 11: case 12: case 13: case 14: case 17: case 21:
		return true;
	default:
		return false;
	}
}

/* hvx_arch_ops.inject_event: the VM-entry interruption information. VMCS current, interrupts off. */
void vmx_inject_event(struct hvx_vcpu *vcpu, const struct hvx_event *ev)
{
	u32 info;
	bool pe;

	/* Real mode in vm86: hvx delivers events itself (vmx_vm86.c). */
	if (hvx_shadow_enabled() && vmx_vm86_inject(vcpu, ev))
		return;
	switch (ev->type) {
	case HVX_EVENT_INTR:
		info = INTR_TYPE_EXT_INTR | ev->vector;
		break;
	case HVX_EVENT_NMI:
		info = INTR_TYPE_NMI | VMX_VECTOR_NMI;
		break;
	case HVX_EVENT_SOFT_INTR:
		info = INTR_TYPE_SOFT_INTR | ev->vector;
		/* The pushed return address is RIP + this length (SDM 26.6.1.1). */
		vmcs_write32(VMCS_ENTRY_INSTRUCTION_LEN, ev->insn_len ?: 2);
		break;
	case HVX_EVENT_SOFT_EXCEPTION:
		/* INT1 (ICEBP) is a privileged software exception, INT3/INTO software ones. */
		info = (ev->vector == VMX_VECTOR_DB ? INTR_TYPE_PRIV_SW_EXCEPTION :
						      INTR_TYPE_SOFT_EXCEPTION) | ev->vector;
		vmcs_write32(VMCS_ENTRY_INSTRUCTION_LEN, ev->insn_len ?: 1);
		break;
	default:
		info = INTR_TYPE_HW_EXCEPTION | ev->vector;
		/* With unrestricted guest, real mode delivers no error code (SDM 26.2.1.3). */
		pe = vmcs_readl(VMCS_GUEST_CR0) & X86_CR0_PE;
		if (pe && vmx_vector_has_error_code(ev->vector)) {
			info |= INTR_INFO_ERROR_VALID;
			vmcs_write32(VMCS_ENTRY_EXCEPTION_ERROR_CODE,
				     ev->has_error_code ? ev->error_code : 0);
		}
		break;
	}
	vmcs_write32(VMCS_ENTRY_INTR_INFO, info | INTR_INFO_VALID);
}

/*
 * hvx_arch_ops.set_event_windows: interrupt-window and NMI-window exiting
 * exit as soon as the guest can take one (SDM 25.2). VMCS current.
 */
void vmx_set_event_windows(struct hvx_vcpu *vcpu, bool irq, bool nmi)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 proc = vmx->proc & ~(PROC_INTR_WINDOW_EXITING | PROC_NMI_WINDOW_EXITING);

	if (irq)
		proc |= PROC_INTR_WINDOW_EXITING;
	if (nmi)
		proc |= PROC_NMI_WINDOW_EXITING;
	if (proc != vmx->proc) {
		vmx->proc = proc;
		vmcs_write32(VMCS_PROC_CONTROLS, proc);
	}
}

/* An event in interruption-information format back into the generic queue. */
static void vmx_requeue_event(struct hvx_vcpu *vcpu, u32 info, u32 err, u32 len)
{
	struct hvx_event ev = {};

	if (!(info & INTR_INFO_VALID))
		return;
	switch (info & INTR_INFO_TYPE_MASK) {
	case INTR_TYPE_EXT_INTR:
		ev.type = HVX_EVENT_INTR;
		break;
	case INTR_TYPE_NMI:
		ev.type = HVX_EVENT_NMI;
		/* The NMI was not delivered: it does not block NMIs yet (SDM 28.2.3). */
		vmcs_clear_bits32(VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_NMI);
		break;
	case INTR_TYPE_HW_EXCEPTION:
		ev.type = HVX_EVENT_EXCEPTION;
		break;
	case INTR_TYPE_SOFT_INTR:
		ev.type = HVX_EVENT_SOFT_INTR;
		break;
	default:	/* INT3, INTO, INT1: again with their length */
		ev.type = HVX_EVENT_SOFT_EXCEPTION;
		break;
	}
	ev.vector = info & INTR_INFO_VECTOR_MASK;
	ev.has_error_code = info & INTR_INFO_ERROR_VALID;
	ev.error_code = err;
	ev.insn_len = len;
	hvx_event_complete(vcpu, &ev);
}

static void vmx_load_host_state(struct vmx_vcpu *vmx, struct vmx_host_state *h)
{
	unsigned long cr3 = __read_cr3(), cr4 = cr4_read_shadow(), fs_base;
	u16 host_fs, host_gs;

	if (cr3 != vmx->host_cr3) {
		vmcs_writel(VMCS_HOST_CR3, cr3);
		vmx->host_cr3 = cr3;
	}
	if (cr4 != vmx->host_cr4) {
		vmcs_writel(VMCS_HOST_CR4, cr4);
		vmx->host_cr4 = cr4;
	}
	savesegment(ds, h->ds_sel);
	savesegment(es, h->es_sel);
	savesegment(fs, h->fs_sel);
	savesegment(gs, h->gs_sel);
	h->ldt_sel = vmx_read_ldt();
	/* Host selector fields need RPL=0, TI=0 (SDM 26.2.3): reload others by hand. */
	host_fs = (h->fs_sel & 7) ? 0 : h->fs_sel;
	host_gs = (h->gs_sel & 7) ? 0 : h->gs_sel;
	if (host_fs != vmx->host_fs_sel) {
		vmcs_write16(VMCS_HOST_FS_SELECTOR, host_fs);
		vmx->host_fs_sel = host_fs;
	}
	if (host_gs != vmx->host_gs_sel) {
		vmcs_write16(VMCS_HOST_GS_SELECTOR, host_gs);
		vmx->host_gs_sel = host_gs;
	}
	rdmsrl(MSR_FS_BASE, fs_base);
	if (fs_base != vmx->host_fs_base) {
		vmcs_writel(VMCS_HOST_FS_BASE, fs_base);
		vmx->host_fs_base = fs_base;
	}
}

#define VMX_SWAP_MSR(h, vmx, msr, name)				\
	do {							\
		rdmsrl(msr, (h)->name);				\
		(h)->swap_##name = (h)->name != (vmx)->name;	\
		if ((h)->swap_##name)				\
			wrmsrl(msr, (vmx)->name);		\
	} while (0)

/*
 * The guest's copies of what VMX does not switch, beyond the generic part
 * (hvx_switch_to_guest: XCR0, SPEC_CTRL, DR0-3, TSC_AUX where RDPID exists).
 * Interrupts off.
 */
static void vmx_load_guest_extra(struct hvx_vcpu *vcpu, struct vmx_host_state *h)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct hvx_x86 *x = &vcpu->x86;

	hvx_switch_to_guest(vcpu, &h->regs);
	VMX_SWAP_MSR(h, vmx, MSR_STAR, star);
	VMX_SWAP_MSR(h, vmx, MSR_LSTAR, lstar);
	VMX_SWAP_MSR(h, vmx, MSR_CSTAR, cstar);
	VMX_SWAP_MSR(h, vmx, MSR_SYSCALL_MASK, sfmask);
	rdmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	wrmsrl(MSR_KERNEL_GS_BASE, vmx->kernel_gs_base);
	/* RDTSCP runs natively: without RDPID the generic code left TSC_AUX alone. */
	h->swap_tsc_aux = false;
	if (vmx_config.rdtscp && !h->regs.swap_tsc_aux) {
		rdmsrl(MSR_TSC_AUX, h->tsc_aux);
		h->swap_tsc_aux = h->tsc_aux != x->tsc_aux;
		if (h->swap_tsc_aux)
			wrmsrl(MSR_TSC_AUX, x->tsc_aux);
	}
	/* DR6 is not in the VMCS (DR7 is); a VM exit clears DEBUGCTL. */
	h->debugctl = get_debugctlmsr();
	set_debugreg(vmx->dr6, 6);
	if (native_read_cr2() != vmx->cr2)
		native_write_cr2(vmx->cr2);
}

/* Back to the host's values, before anything can use them. Interrupts off. */
static void vmx_restore_host(struct hvx_vcpu *vcpu, struct vmx_host_state *h)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx->cr2 = native_read_cr2();
	get_debugreg(vmx->dr6, 6);
	hvx_switch_to_host(vcpu, &h->regs);	/* restores host breakpoints, DR6 included */
	if (!hw_breakpoint_active() && vmx->dr6 != DR6_RESERVED)
		set_debugreg(DR6_RESERVED, 6);
	if (h->debugctl)
		update_debugctlmsr(h->debugctl);

	/* The exit loaded null DS/ES/LDTR and our FS/GS selectors. */
	if (h->ds_sel | h->es_sel) {
		loadsegment(ds, h->ds_sel);
		loadsegment(es, h->es_sel);
	}
	if (h->ldt_sel)
		vmx_load_ldt(h->ldt_sel);
	if (h->gs_sel & 7)
		load_gs_index(h->gs_sel);
	if (h->fs_sel & 7)
		loadsegment(fs, h->fs_sel);
	/* SWAPGS needs no exit: the guest's KERNEL_GS_BASE may have changed. */
	rdmsrl(MSR_KERNEL_GS_BASE, vmx->kernel_gs_base);
	wrmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	if (h->swap_star)
		wrmsrl(MSR_STAR, h->star);
	if (h->swap_lstar)
		wrmsrl(MSR_LSTAR, h->lstar);
	if (h->swap_cstar)
		wrmsrl(MSR_CSTAR, h->cstar);
	if (h->swap_sfmask)
		wrmsrl(MSR_SYSCALL_MASK, h->sfmask);
	if (h->swap_tsc_aux)
		wrmsrl(MSR_TSC_AUX, h->tsc_aux);
	/* The exit set the GDT limit to 0xffff and the TSS limit to 0x67. */
	load_fixmap_gdt(smp_processor_id());
	invalidate_tss_limit();
}

static bool vmx_exit_is_insn(u32 basic)
{
	switch (basic) {
	case EXIT_REASON_CPUID: case EXIT_REASON_HLT: case EXIT_REASON_INVD:
	case EXIT_REASON_INVLPG: case EXIT_REASON_RDPMC: case EXIT_REASON_VMCALL:
	case EXIT_REASON_CR_ACCESS: case EXIT_REASON_IO_INSTRUCTION:
	case EXIT_REASON_MSR_READ: case EXIT_REASON_MSR_WRITE:
	case EXIT_REASON_RDTSCP: case EXIT_REASON_WBINVD: case EXIT_REASON_XSETBV:
		return true;
	default:
		return false;
	}
}

/* Right after the exit, VMCS still current: everything the handlers need. */
static void vmx_read_exit(struct hvx_vcpu *vcpu, int result)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmx_exit_info *e = &vmx->exit;
	struct hvx_x86 *x = &vcpu->x86;
	u32 basic;

	memset(e, 0, sizeof(*e));
	x->next_rip = 0;
	if (result == VMX_ENTER_FAIL_VALID)
		e->insn_error = vmcs_read32(VMCS_INSTRUCTION_ERROR);
	if (result != VMX_ENTER_EXITED)
		return;
	e->reason = vmcs_read32(VMCS_EXIT_REASON);
	basic = e->reason & EXIT_REASON_BASIC_MASK;
	e->qualification = vmcs_readl(VMCS_EXIT_QUALIFICATION);
	e->intr_info = vmcs_read32(VMCS_EXIT_INTR_INFO);
	e->intr_error = vmcs_read32(VMCS_EXIT_INTR_ERROR_CODE);
	e->idt_info = vmcs_read32(VMCS_IDT_VECTORING_INFO);
	e->idt_error = vmcs_read32(VMCS_IDT_VECTORING_ERROR_CODE);
	e->insn_len = vmcs_read32(VMCS_EXIT_INSTRUCTION_LEN);
	if (basic == EXIT_REASON_EPT_VIOLATION || basic == EXIT_REASON_EPT_MISCONFIG)
		e->gpa = vmcs_read64(VMCS_GUEST_PHYSICAL_ADDRESS);
	x->gprs[HVX_RSP] = vmcs_readl(VMCS_GUEST_RSP);
	x->rip = vmcs_readl(VMCS_GUEST_RIP);
	x->rflags = hvx_debug_exit_rflags(vcpu, x->entry_rflags,
					  vmx_vm86_rflags_out(vcpu, vmcs_readl(VMCS_GUEST_RFLAGS)));
	if (e->reason & EXIT_REASON_FAILED_ENTRY)
		return;
	/* VM exits keep "IA-32e mode guest" equal to EFER.LMA (SDM 28.2). */
	vmx->entry = vmcs_read32(VMCS_ENTRY_CONTROLS);
	/*
	 * An exit in the guest's NMI handler's IRET unblocked NMIs that the
	 * IRET never finished: block them again (SDM 28.2.3).
	 */
	if ((vmx_config.pin & PIN_VIRTUAL_NMIS) && !(e->idt_info & INTR_INFO_VALID) &&
	    ((basic == EXIT_REASON_EPT_VIOLATION && (e->qualification & EPT_QUAL_NMI_UNBLOCK_IRET)) ||
	     (basic == EXIT_REASON_EXCEPTION_NMI && (e->intr_info & INTR_INFO_NMI_UNBLOCK_IRET))))
		vmcs_set_bits32(VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_NMI);
	if (vmx_exit_is_insn(basic)) {
		u64 next = x->rip + e->insn_len;
		bool long64 = (vmx->entry & ENTRY_IA32E_MODE_GUEST) &&
			      (vmcs_read32(VMCS_GUEST_CS_AR) & VMX_AR_L);

		x->next_rip = long64 ? next : (u32)next;
	}
}

/* Host NMIs and machine checks that exited the guest go to the host's handlers. */
static void vmx_forward_host_events(struct vmx_vcpu *vmx)
{
	u32 info = vmx->exit.intr_info;

	if ((vmx->exit.reason & EXIT_REASON_BASIC_MASK) != EXIT_REASON_EXCEPTION_NMI ||
	    !(info & INTR_INFO_VALID))
		return;
	if ((info & INTR_INFO_TYPE_MASK) == INTR_TYPE_NMI)
		asm volatile("int $2");
	else if ((info & INTR_INFO_VECTOR_MASK) == VMX_VECTOR_MC)
		asm volatile("int $18");
}

/*
 * The world switch. Returns 1 if the guest was entered (*result says how
 * it went), 0 if a request, reschedule or signal made us back out first,
 * or -EIO if the VMCS cannot be loaded on this CPU.
 */
static int vmx_enter(struct hvx_vcpu *vcpu, int *result)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct hvx_x86 *x = &vcpu->x86;
	struct vmx_host_state h;

	preempt_disable();
	if (vmx_vcpu_load(vmx)) {
		preempt_enable();
		return -EIO;
	}
	vmx_flush_regs(vcpu);
	if (!hvx_enter_guest_mode(vcpu)) {
		preempt_enable();
		return 0;
	}
	if (test_and_clear_bit(HVX_REQ_TLB_FLUSH, &vcpu->requests) || vmx->flush_tlb)
		vmx_flush_tlb(vmx);

	/* Decided last, with interrupts off: see hvx_event_inject(). */
	hvx_event_inject(vcpu);
	vmcs_writel(VMCS_GUEST_RSP, x->gprs[HVX_RSP]);
	vmcs_writel(VMCS_GUEST_RIP, x->rip);
	x->entry_rflags = x->rflags;
	if (x->retired) {
		x->retired = false;
		vmcs_writel(VMCS_GUEST_PENDING_DBG,
			    vmcs_readl(VMCS_GUEST_PENDING_DBG) & ~PENDING_DBG_BS);
	}
	vmx_sync_exception_bitmap(vcpu);
	vmcs_writel(VMCS_GUEST_RFLAGS, hvx_debug_entry_rflags(vcpu, vmx_vm86_rflags_in(vcpu)));
	/* Single-stepping out of an interrupt shadow needs a pending #DB (SDM 26.3.1.5). */
	if ((hvx_debug_entry_rflags(vcpu, x->rflags) & X86_EFLAGS_TF) &&
	    (vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY) &
	     (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)))
		vmcs_writel(VMCS_GUEST_PENDING_DBG,
			    vmcs_readl(VMCS_GUEST_PENDING_DBG) | PENDING_DBG_BS);
	vmcs_write64(VMCS_TSC_OFFSET, vcpu->pv.tsc_offset);
	vmx_load_host_state(vmx, &h);
	vmx_load_guest_extra(vcpu, &h);

	*result = hvx_vmx_vmenter(x->gprs, vmx->launched);

	vmx_restore_host(vcpu, &h);
	if (*result != VMX_ENTER_FAULT) {
		vmx_read_exit(vcpu, *result);
		vmx_vm86_after_exit(vmx);
	}
	vmx_forward_host_events(vmx);
	if (*result == VMX_ENTER_EXITED && !(vmx->exit.reason & EXIT_REASON_FAILED_ENTRY))
		vmx->launched = true;
	if (*result == VMX_ENTER_EXITED) {
		/* An event whose delivery the exit interrupted is delivered again. */
		vmx_requeue_event(vcpu, vmx->exit.idt_info, vmx->exit.idt_error,
				  vmx->exit.insn_len);
	}
	if (*result != VMX_ENTER_FAULT &&
	    (*result != VMX_ENTER_EXITED || (vmx->exit.reason & EXIT_REASON_FAILED_ENTRY))) {
		/* A refused entry delivered nothing: keep the event for the VMM to see. */
		u32 info = vmcs_read32(VMCS_ENTRY_INTR_INFO);

		vmx->exit.failed_entry_intr = info;
		vmx_requeue_event(vcpu, info, vmcs_read32(VMCS_ENTRY_EXCEPTION_ERROR_CODE),
				  vmcs_read32(VMCS_ENTRY_INSTRUCTION_LEN));
		vmcs_write32(VMCS_ENTRY_INTR_INFO, 0);
	}

	hvx_leave_guest_mode(vcpu);	/* held interrupts are taken here */
	preempt_enable();
	return 1;
}

/* --- exit handlers --- */

static int vmx_handle_ept_violation(struct hvx_vcpu *vcpu)
{
	struct vmx_exit_info *e = &to_vmx(vcpu)->exit;
	bool write = e->qualification & EPT_QUAL_WRITE;
	bool fetch = e->qualification & EPT_QUAL_FETCH;

	return hvx_handle_tdp_fault(vcpu, e->gpa, write, fetch);
}

/* hvx never builds a misconfigured EPT entry: this is a bug to report. */
static int vmx_handle_ept_misconfig(struct hvx_vcpu *vcpu)
{
	struct kvm_run *run = hvx_vcpu_run_page(vcpu);

	hvx_exit_unexpected(vcpu, EXIT_REASON_EPT_MISCONFIG);
	run->internal.ndata = 3;
	run->internal.data[2] = to_vmx(vcpu)->exit.gpa;
	pr_err_ratelimited("vCPU %u: EPT misconfiguration at GPA %#llx\n",
			   vcpu->id, to_vmx(vcpu)->exit.gpa);
	return 0;
}

static int vmx_handle_io(struct hvx_vcpu *vcpu)
{
	unsigned long q = to_vmx(vcpu)->exit.qualification;
	unsigned int size = (q & IO_QUAL_SIZE_MASK) + 1;

	if (size != 1 && size != 2 && size != 4)
		return hvx_exit_unexpected(vcpu, EXIT_REASON_IO_INSTRUCTION);
	return hvx_handle_io(vcpu, q >> IO_QUAL_PORT_SHIFT, size,
			     q & IO_QUAL_IN, q & IO_QUAL_STRING);
}

static bool vmx_long_mode(struct hvx_x86 *x)
{
	return (x->efer & EFER_LMA) && x->seg[HVX_X86_CS].l;
}

/* MOV to CR0 that changed a host-owned bit: what the CPU would do. 0, or 1 for #GP. */
static int vmx_set_cr0(struct hvx_vcpu *vcpu, u64 val)
{
	struct hvx_x86 *x = &vcpu->x86;

	val |= X86_CR0_ET;	/* hardwired to 1 since the i486 */
	if (val >> 32)
		return 1;
	if ((val & X86_CR0_PG) && !(val & X86_CR0_PE))
		return 1;
	if ((val & X86_CR0_NW) && !(val & X86_CR0_CD))
		return 1;
	if ((val & X86_CR0_PG) && !(x->cr0 & X86_CR0_PG) && (x->efer & EFER_LME)) {
		if (!(x->cr4 & X86_CR4_PAE) || x->seg[HVX_X86_CS].l)
			return 1;
		x->efer |= EFER_LMA;
	}
	if (!(val & X86_CR0_PG) && (x->cr0 & X86_CR0_PG) && (x->cr4 & X86_CR4_PCIDE))
		return 1;
	if (!(val & X86_CR0_PG) && (x->cr0 & X86_CR0_PG) && (x->efer & EFER_LMA)) {
		if (vmx_long_mode(x))
			return 1;
		x->efer &= ~EFER_LMA;
	}
	/* Paging on or off changes every translation, as the CPU would flush. */
	if ((val ^ x->cr0) & X86_CR0_PG)
		set_bit(HVX_REQ_TLB_FLUSH, &vcpu->requests);
	x->cr0 = val;
	return 0;
}

static int vmx_set_cr4(struct hvx_vcpu *vcpu, u64 val)
{
	struct hvx_x86 *x = &vcpu->x86;

	if (!hvx_x86_cr4_write_ok(x, val))
		return 1;
	set_bit(HVX_REQ_TLB_FLUSH, &vcpu->requests);
	x->cr4 = val;
	return 0;
}

static int vmx_handle_cr(struct hvx_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct hvx_x86 *x = &vcpu->x86;
	unsigned long q = vmx->exit.qualification;
	unsigned int cr = q & CR_QUAL_CR_MASK;
	unsigned int type = (q & CR_QUAL_TYPE_MASK) >> CR_QUAL_TYPE_SHIFT;
	unsigned int gpr = (q & CR_QUAL_GPR_MASK) >> CR_QUAL_GPR_SHIFT;
	u64 val;
	int fault = 0;

	hvx_x86_get(vcpu, HVX_REG_CRS | HVX_REG_SEGS);
	val = x->gprs[gpr];
	if (!vmx_long_mode(x))
		val = (u32)val;
	switch (type) {
	case CR_QUAL_TYPE_MOV_TO_CR:
		switch (cr) {
		case 0: fault = vmx_set_cr0(vcpu, val); break;
		case 3:	/* shadow paging, or a CPU that forces CR3 exiting */
			fault = !hvx_set_cr3(vcpu, val);
			break;
		case 4: fault = vmx_set_cr4(vcpu, val); break;
		case 8:
			if (val & ~0xfULL)
				fault = 1;
			else
				hvx_set_cr8(vcpu, val);
			break;
		default:
			return hvx_exit_unexpected(vcpu, EXIT_REASON_CR_ACCESS);
		}
		if (fault) {
			hvx_inject_gp(vcpu, 0);
			return 1;
		}
		if (cr != 8)
			hvx_x86_put(vcpu, HVX_REG_CRS);
		break;
	case CR_QUAL_TYPE_MOV_FROM_CR:
		if (cr == 8)
			x->gprs[gpr] = hvx_get_cr8(vcpu);
		else if (cr == 3)
			x->gprs[gpr] = x->cr3;
		else
			return hvx_exit_unexpected(vcpu, EXIT_REASON_CR_ACCESS);
		break;
	case CR_QUAL_TYPE_CLTS:
		x->cr0 &= ~X86_CR0_TS;
		hvx_x86_put(vcpu, HVX_REG_CRS);
		break;
	default:	/* LMSW: PE can be set but not cleared; MP, EM, TS follow the operand */
		val = (q >> CR_QUAL_LMSW_SHIFT) & 0xf;
		x->cr0 = (x->cr0 & ~0xeULL) | val | (x->cr0 & X86_CR0_PE);
		hvx_x86_put(vcpu, HVX_REG_CRS);
		break;
	}
	return hvx_handle_nop(vcpu);	/* retire the instruction */
}

/* #UD in the guest: AMD's VMMCALL is a hypercall to patch, anything else goes back. */
static int vmx_handle_ud(struct hvx_vcpu *vcpu)
{
	struct hvx_insn insn;
	int r;

	r = hvx_decode_at_rip(vcpu, &insn);
	if (r == -EFAULT)
		return 1;	/* the fetch fault is queued instead */
	if (!r && hvx_pv_is_foreign_hypercall(&insn)) {
		vcpu->x86.next_rip = 0;
		return hvx_pv_fix_hypercall(vcpu);
	}
	return hvx_handle_ud(vcpu);
}

static int vmx_handle_exception(struct hvx_vcpu *vcpu)
{
	u32 info = to_vmx(vcpu)->exit.intr_info;
	bool hw = (info & INTR_INFO_TYPE_MASK) == INTR_TYPE_HW_EXCEPTION;
	u8 vector = info & INTR_INFO_VECTOR_MASK;

	/* Host NMIs and machine checks were forwarded right after the exit. */
	if (hw && vector == VMX_VECTOR_UD)
		return vmx_handle_ud(vcpu);
	/* KVM_SET_GUEST_DEBUG: the debugger's step (DR6 bits in the qualification) and INT3. */
	if (vector == VMX_VECTOR_DB && hvx_debug_singlestep(vcpu))
		return hvx_debug_exit(vcpu, HVX_EXC_DB, hvx_debug_linear_rip(vcpu),
				      DR6_RESERVED | to_vmx(vcpu)->exit.qualification);
	if (vector == VMX_VECTOR_BP && hvx_debug_intercept_bp(vcpu))
		return hvx_debug_exit(vcpu, HVX_EXC_BP, hvx_debug_linear_rip(vcpu), 0);
	if (to_vmx(vcpu)->vm86_active)
		return vmx_vm86_handle_exception(vcpu);
	if (hw && vector == 14 && hvx_shadow_enabled())
		return vmx_shadow_handle_pf(vcpu);
	return 1;
}

static int vmx_handle_triple_fault(struct hvx_vcpu *vcpu)
{
	int r;

	/* As on SVM: the vCPU is back at RESET, and the VMM hears of it. */
	preempt_disable();
	r = vmx_vcpu_load(to_vmx(vcpu));
	if (!r)
		vmx_init_vmcs(vcpu);
	preempt_enable();
	if (r)
		return r;
	return hvx_exit_shutdown(vcpu);
}

static int vmx_fail_entry(struct hvx_vcpu *vcpu, int result)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct hvx_state_error *e = &vcpu->x86.state_error;
	u32 basic = vmx->exit.reason & EXIT_REASON_BASIC_MASK;
	const char *field = NULL, *rule = NULL;
	bool generic_bad;
	u64 hw;
	int r;

	/* KVM's convention: the VM-instruction error, or the full exit reason. */
	hw = result == VMX_ENTER_EXITED ? vmx->exit.reason : vmx->exit.insn_error;
	generic_bad = hvx_x86_check_state(vcpu) != 0;
	r = hvx_exit_fail_entry(vcpu, hw);
	if (result == VMX_ENTER_FAIL_VALID) {
		strscpy(e->field, "VM-instruction error", sizeof(e->field));
		scnprintf(e->rule, sizeof(e->rule), "%u: %s", vmx->exit.insn_error,
			  vmx_insn_error_name(vmx->exit.insn_error));
	} else if (result == VMX_ENTER_FAIL_INVALID) {
		strscpy(e->field, "VMCS", sizeof(e->field));
		strscpy(e->rule, "VMfailInvalid: no current VMCS on this CPU", sizeof(e->rule));
	} else if (basic == EXIT_REASON_MSR_LOAD_FAIL) {
		strscpy(e->field, "msr load list", sizeof(e->field));
		strscpy(e->rule, "VM entry failed while loading MSRs (exit reason 34)", sizeof(e->rule));
	} else if (basic == EXIT_REASON_MCE_DURING_ENTRY) {
		strscpy(e->field, "machine check", sizeof(e->field));
		strscpy(e->rule, "a machine check occurred during VM entry (exit reason 41)", sizeof(e->rule));
	} else if (!generic_bad && vmx_check_guest_state(vcpu, &field, &rule)) {
		strscpy(e->field, field, sizeof(e->field));
		strscpy(e->rule, rule, sizeof(e->rule));
	}
	hvx_x86_get(vcpu, HVX_REG_CRS);
	pr_info_ratelimited("vCPU %u: VM entry failed (%s: %s); exit reason %#x, insn error %u; rip %#llx cr0 %#llx cr4 %#llx efer %#llx\n",
			    vcpu->id, e->field, e->rule, vmx->exit.reason, vmx->exit.insn_error,
			    vcpu->x86.rip, vcpu->x86.cr0, vcpu->x86.cr4, vcpu->x86.efer);
	return r;
}

static int vmx_handle_exit(struct hvx_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 basic = vmx->exit.reason & EXIT_REASON_BASIC_MASK;

	hvx_vcpu_stat_exit(vcpu, basic);
	if (vmx->exit.reason & EXIT_REASON_FAILED_ENTRY)
		return vmx_fail_entry(vcpu, VMX_ENTER_EXITED);

	switch (basic) {
	case EXIT_REASON_EXCEPTION_NMI:	return vmx_handle_exception(vcpu);
	case EXIT_REASON_EXTERNAL_INTERRUPT:	/* the host took it after the exit */
	case EXIT_REASON_INIT_SIGNAL:		/* ignored, as the SVM side ignores INIT */
	case EXIT_REASON_SIPI:
	case EXIT_REASON_IO_SMI:
	case EXIT_REASON_OTHER_SMI:
	case EXIT_REASON_INTERRUPT_WINDOW:	/* the queued event goes in at the next entry */
		hvx_vcpu_stat_inc(vcpu, HVX_STAT_IRQ_WINDOW_EXITS);
		return 1;
	case EXIT_REASON_NMI_WINDOW:
		hvx_vcpu_stat_inc(vcpu, HVX_STAT_NMI_WINDOW_EXITS);
		return 1;
	case EXIT_REASON_PREEMPTION_TIMER:	/* the slice is over: see vmx_setup_config() */
		return 1;
	case EXIT_REASON_PAUSE:
		schedule();	/* the guest spins: let someone else run */
		return 1;
	case EXIT_REASON_TRIPLE_FAULT:	return vmx_handle_triple_fault(vcpu);
	case EXIT_REASON_EPT_VIOLATION:	return vmx_handle_ept_violation(vcpu);
	case EXIT_REASON_EPT_MISCONFIG:	return vmx_handle_ept_misconfig(vcpu);
	case EXIT_REASON_IO_INSTRUCTION: return vmx_handle_io(vcpu);
	case EXIT_REASON_CR_ACCESS:	return vmx_handle_cr(vcpu);
	case EXIT_REASON_CPUID:		return hvx_handle_cpuid(vcpu);
	case EXIT_REASON_MSR_READ:	return hvx_handle_rdmsr(vcpu);
	case EXIT_REASON_MSR_WRITE:	return hvx_handle_wrmsr(vcpu);
	case EXIT_REASON_HLT:		return hvx_handle_hlt(vcpu);
	case EXIT_REASON_XSETBV:	return hvx_handle_xsetbv(vcpu);
	case EXIT_REASON_RDTSCP:	return hvx_handle_rdtscp(vcpu);
	case EXIT_REASON_VMCALL:	return hvx_handle_hypercall(vcpu);
	case EXIT_REASON_INVD:		/* never drop dirty host lines: INVD acts as WBINVD */
	case EXIT_REASON_WBINVD:	return hvx_handle_nop(vcpu);
	case EXIT_REASON_INVLPG:	/* shadow paging, or the CPU forces it */
		if (hvx_shadow_enabled())
			return vmx_shadow_handle_invlpg(vcpu);
		vmx->flush_tlb = true;
		return hvx_handle_nop(vcpu);
	case EXIT_REASON_INVPCID:	/* with INVLPG exiting: shadow paging */
		return hvx_handle_invpcid(vcpu);
	case EXIT_REASON_RDPMC:		/* no virtual PMU: host counters stay private */
		hvx_inject_gp(vcpu, 0);
		return 1;
	case EXIT_REASON_GETSEC:
	case EXIT_REASON_VMCLEAR:
	case EXIT_REASON_VMLAUNCH:
	case EXIT_REASON_VMPTRLD:
	case EXIT_REASON_VMPTRST:
	case EXIT_REASON_VMREAD:
	case EXIT_REASON_VMRESUME:
	case EXIT_REASON_VMWRITE:
	case EXIT_REASON_VMXOFF:
	case EXIT_REASON_VMXON:
	case EXIT_REASON_INVEPT:
	case EXIT_REASON_INVVPID:
	case EXIT_REASON_VMFUNC:
	case EXIT_REASON_MONITOR:
	case EXIT_REASON_MWAIT:
		return hvx_handle_ud(vcpu);	/* VMX, SMX and MONITOR are hidden */
	default:
		return hvx_exit_unexpected(vcpu, basic);
	}
}

int vmx_vcpu_run(struct hvx_vcpu *vcpu)
{
	int result = VMX_ENTER_FAULT;
	int r;

	if (hvx_shadow_enabled()) {
		bool enter;

		r = vmx_shadow_check_state(vcpu);
		if (r != 1)
			return r;
		r = vmx_vm86_prepare(vcpu, &enter);
		if (!enter)
			return r;
		vmx_shadow_prepare(vcpu);
	}
	vmx_prepare_flush(vcpu);
	r = vmx_enter(vcpu, &result);
	if (r <= 0)	/* VMPTRLD failed (and said why), or not entered */
		return r ? r : 1;	/* not entered: the caller's loop checks why */
	vcpu->x86.avail = 0;
	switch (result) {
	case VMX_ENTER_EXITED:
		/* As KVM, before the exit is handled (a TPR write there wins). */
		hvx_vapic_sync_from_guest(vcpu);
		return vmx_handle_exit(vcpu);
	case VMX_ENTER_FAULT:
		/* VMX was switched off under the vCPU (see vmx_vmenter.S). */
		hvx_virt_insn_fault("VMWRITE/VMLAUNCH/VMRESUME");
		return -EIO;
	default:
		return vmx_fail_entry(vcpu, result);
	}
}
