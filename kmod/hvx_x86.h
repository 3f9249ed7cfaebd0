/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A vCPU's architectural x86 state as the generic code sees it: the state
 * ioctls, the exit handlers and the emulator read and write this struct,
 * never a VMCB or a VMCS.
 *
 * GPRs, RIP and RFLAGS are always valid between exits (the backend copies
 * them at every exit and back at every entry). Everything else is cached
 * in classes: hvx_x86_get() asks the backend to fill a class on first use
 * after an exit, hvx_x86_put() marks a class changed, and the backend writes
 * the changed classes back before the next entry.
 */
#ifndef HVX_X86_H
#define HVX_X86_H

#include <linux/kvm.h>
#include <linux/types.h>
#include <linux/hvx.h>
#include "msr.h"

/* Register classes (bits of hvx_x86.avail / .dirty). */
#define HVX_REG_SEGS	BIT(0)	/* seg[], gdt, idt, cpl */
#define HVX_REG_CRS	BIT(1)	/* cr0, cr2, cr3, cr4, efer */
#define HVX_REG_DRS	BIT(2)	/* dr6, dr7 (dr0-3 are swapped in software) */
#define HVX_REG_MSRS	BIT(3)	/* syscall/sysenter MSRs, kernel_gs_base, pat */
#define HVX_REG_EVENTS	BIT(4)	/* interrupt shadow, NMI blocking */
#define HVX_REG_ALL	(BIT(5) - 1)

enum hvx_x86_seg {
	HVX_X86_ES, HVX_X86_CS, HVX_X86_SS, HVX_X86_DS, HVX_X86_FS, HVX_X86_GS,
	HVX_X86_TR, HVX_X86_LDTR, HVX_X86_NR_SEGS,
};

/*
 * One event as the backends deliver it (EVENTINJ / VM-entry interruption
 * information) and report it cut short (EXITINTINFO / IDT-vectoring info).
 */
enum hvx_event_type {
	HVX_EVENT_NONE,
	HVX_EVENT_EXCEPTION,
	HVX_EVENT_NMI,
	HVX_EVENT_INTR,		/* external interrupt */
	HVX_EVENT_SOFT_INTR,	/* INTn */
	HVX_EVENT_SOFT_EXCEPTION,	/* INT3, INTO, INT1 (ICEBP) */
};

struct hvx_event {
	u8 type;		/* enum hvx_event_type */
	u8 vector;
	bool has_error_code;
	u32 error_code;
	u8 insn_len;		/* soft events: length of the instruction, 0: unknown */
};

/*
 * KVM's event model (kvm_vcpu_events): an exception is *pending* (raised,
 * not yet delivered: the #DF rules still apply to it) or *injected* (was
 * being delivered when the last exit happened, goes in again exactly as it
 * was). soft: INT3/INTO/INT1, re-injected with event_insn_len.
 */
struct hvx_exception {
	bool pending;
	bool injected;
	bool soft;
	u8 vector;
	bool has_error_code;
	u32 error_code;
};

/* An external interrupt (or INTn when soft) to deliver or being delivered. */
struct hvx_interrupt {
	bool injected;
	bool soft;
	u8 nr;
};

/* What the vCPU owes userspace or the guest when KVM_RUN comes back. */
enum hvx_pending {
	HVX_PENDING_NONE,
	HVX_PENDING_PIO_IN,	/* copy the PIO page into RAX, then skip the insn */
	HVX_PENDING_PIO_OUT,	/* skip the insn */
	HVX_PENDING_EMULATE,	/* MMIO read answered: re-run the instruction */
	HVX_PENDING_STRING_IO,	/* INS data in / OUTS data out: re-run it */
	HVX_PENDING_MMIO_WRITE,	/* more MMIO writes of one instruction to hand out */
	HVX_PENDING_HYPERCALL,	/* run->hypercall.ret into RAX */
	HVX_PENDING_MSR_READ,	/* run->msr: the VMM's RDMSR answer, or #GP */
	HVX_PENDING_MSR_WRITE,	/* run->msr: the VMM's WRMSR verdict */
};

struct hvx_x86 {
	u64 gprs[16];		/* in enum hvx_gpr order (RAX, RCX, RDX, RBX, ...) */
	u64 rip;
	u64 rflags;
	u32 avail;		/* HVX_REG_* classes valid since the last exit */
	u32 dirty;		/* HVX_REG_* classes to write back before entry */

	/* HVX_REG_SEGS */
	struct kvm_segment seg[HVX_X86_NR_SEGS];
	struct kvm_dtable gdt, idt;
	u8 cpl;
	/* HVX_REG_CRS: efer is what the guest sees (no SVME) */
	u64 cr0, cr2, cr3, cr4, efer;
	/* HVX_REG_DRS */
	u64 dr6, dr7;
	/* HVX_REG_MSRS */
	u64 star, lstar, cstar, sfmask, kernel_gs_base;
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
	u64 pat;
	/* HVX_REG_EVENTS */
	bool interrupt_shadow;
	bool nmi_masked;	/* NMIs blocked until the next IRET */

	/* Kept in software only. */
	u64 db[4];		/* DR0-3, loaded around each entry */
	u64 cr8;		/* TPR without an in-kernel APIC */
	u64 xcr0;
	u64 apic_base;
	u64 tsc_aux;
	u64 spec_ctrl;
	u64 misc_enable;
	u64 mtrr_def_type;
	u64 mtrr_fixed[11];
	u64 mtrr_var[16];	/* base/mask pairs for 8 variable ranges */
	struct hvx_mce mce;		/* arch-x86/msr/msr_mce.c */
	struct hvx_msr_model model;	/* arch-x86/msr/msr_model.c */

	/* Events, see kmod/hvx_event.c. Owned by the vCPU thread. */
	struct hvx_exception exception;
	struct hvx_interrupt interrupt;
	bool nmi_injected;		/* an NMI was being delivered */
	u8 nmi_pending;			/* NMIs waiting for the NMI window (at most 2) */
	u8 event_insn_len;		/* of a soft interrupt/exception being re-injected */
	u32 mp_state;			/* KVM_MP_STATE_* */
	u8 pending;			/* enum hvx_pending */
	u8 pio_size;			/* HVX_PENDING_PIO_IN: 1, 2 or 4 */

	u64 next_rip;			/* after an instruction exit; 0: decode it */
	u64 resume_rip;			/* where PIO/HLT/hypercall exits continue */
	u64 pending_rip;		/* RIP when the pending exit went to userspace */
	struct hvx_state_error state_error;	/* HVX_GET_STATE_ERROR */

	/* MMIO reads userspace answered, valid while one instruction re-runs. */
	struct hvx_mmio_frag {
		u64 gpa;
		u32 len;
		u8 data[8];
	} mmio_reads[4];
	u8 nr_mmio_reads;
	/* MMIO writes of the last instruction, handed out one per exit. */
	struct hvx_mmio_frag mmio_writes[4];
	u8 nr_mmio_writes, next_mmio_write;
	/* String port I/O: elements buffered in the PIO page. */
	u32 pio_count, pio_index;

	/* KVM_SET_GUEST_DEBUG (arch-x86/guest_debug.c). */
	u32 guest_debug;		/* KVM_GUESTDBG_*, 0 when off */
	u64 entry_rflags;		/* the guest's RFLAGS at the last entry */
	/*
	 * hvx retired the instruction the last exit stopped at (emulated or
	 * skipped it): its single-step trap, if any, is hvx's to raise, and a
	 * backend drops one the CPU may have recorded for it (VMX pending
	 * debug exceptions, which Bochs sets for instruction exits under TF).
	 */
	bool retired;

	/* The guest's CPUID table, from KVM_SET_CPUID2. */
	struct kvm_cpuid_entry2 *cpuid;
	u32 cpuid_nent;
	bool has_run;			/* KVM_RUN entered the guest once */
};

/* Exception vectors the event rules name (SDM vol. 3 table 6-1). */
enum hvx_exc_vector {
	HVX_EXC_DE = 0, HVX_EXC_DB = 1, HVX_EXC_NMI = 2, HVX_EXC_BP = 3,
	HVX_EXC_OF = 4, HVX_EXC_DF = 8, HVX_EXC_TS = 10, HVX_EXC_NP = 11,
	HVX_EXC_SS = 12, HVX_EXC_GP = 13, HVX_EXC_PF = 14, HVX_EXC_MC = 18,
};

struct hvx_vcpu;

/* arch-x86/guest_debug.c: KVM_SET_GUEST_DEBUG. */
long hvx_guest_debug_valid_mask(void);
long hvx_vcpu_set_guest_debug(struct hvx_vcpu *vcpu, void __user *argp);
bool hvx_debug_singlestep(struct hvx_vcpu *vcpu);
bool hvx_debug_intercept_bp(struct hvx_vcpu *vcpu);
bool hvx_debug_blocks_irqs(struct hvx_vcpu *vcpu);
u64 hvx_debug_entry_rflags(struct hvx_vcpu *vcpu, u64 rflags);
u64 hvx_debug_exit_rflags(struct hvx_vcpu *vcpu, u64 guest_before, u64 hw);
int hvx_debug_exit(struct hvx_vcpu *vcpu, u8 vector, u64 pc, u64 dr6);
u64 hvx_debug_linear_rip(struct hvx_vcpu *vcpu);
int hvx_debug_step_exit(struct hvx_vcpu *vcpu);

/* hvx_x86.c: the state cache, reset, consistency rules. */
void hvx_x86_get(struct hvx_vcpu *vcpu, u32 classes);
void hvx_x86_put(struct hvx_vcpu *vcpu, u32 classes);
void hvx_x86_reset(struct hvx_vcpu *vcpu);
/* enum hvx_cpu_mode of the current state (for the decoder). */
int hvx_x86_cpu_mode(struct hvx_vcpu *vcpu);
/*
 * Check the cached CRs, EFER and segments against the rules the CPU
 * enforces at entry. 0 if they hold; else -EINVAL with the broken rule in
 * vcpu->x86.state_error (source set by the caller).
 */
int hvx_x86_check_state(struct hvx_vcpu *vcpu);		/* KVM_SET_SREGS's rules */
int hvx_x86_check_entry_state(struct hvx_vcpu *vcpu);	/* those, and the entry's */
bool hvx_x86_efer_valid(u64 efer);
bool hvx_x86_cr4_valid(u64 cr4);
bool hvx_x86_cr4_write_ok(const struct hvx_x86 *x, u64 val);
/* hvx_event.c: raise an exception for the instruction at RIP (#DF rules applied). */
void hvx_queue_exception(struct hvx_vcpu *vcpu, u8 vector, bool has_error,
			 u32 error_code);
static inline void hvx_inject_ud(struct hvx_vcpu *vcpu)
{
	hvx_queue_exception(vcpu, 6, false, 0);
}
static inline void hvx_inject_gp(struct hvx_vcpu *vcpu, u32 error_code)
{
	hvx_queue_exception(vcpu, 13, true, error_code);
}

#endif /* HVX_X86_H */
