/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared between the VMX backend's files; nothing outside arch-x86/vmx. */
#ifndef HVX_VMX_H
#define HVX_VMX_H

#include <linux/list.h>
#include <linux/percpu.h>
#include "hvx_core.h"
#include "vmcs.h"
#include "shadow.h"

/* What hvx programs into every VMCS, decided once at load (vmx.c). */
struct vmx_config {
	u32 revision_id;
	u32 pin, proc, proc2, exit, entry;	/* the controls every VMCS starts with */
	u64 ept_vpid_cap;
	/* CR0/CR4 bits the host owns: fixed to 1 by VMX, or not the guest's to set. */
	unsigned long cr0_host_owned, cr4_host_owned;
	unsigned long cr0_fixed1_set, cr4_fixed1_set;	/* forced to 1 in the real CRs */
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool vpid, rdtscp, ept_ad;
	bool tdp;			/* EPT with unrestricted guest, usable */
	bool shadow_ok;			/* CR3-load/-store and INVLPG exiting can be set */
	u32 preemption_timer;		/* VMX-preemption timer value per entry, if used */
};
extern struct vmx_config vmx_config;

/*
 * The I/O bitmaps (A: ports 0-0x7fff, B: 0x8000-0xffff, a bit per port)
 * and the MSR bitmap (read/write halves for the low and high MSR ranges),
 * shared by every vCPU: all bits set, so every port access and every
 * RDMSR/WRMSR exits to hvx's policy (kmod/hvx_msr.c), as on SVM. An MSR
 * or port is passed through by clearing its bit here.
 */
#define VMX_BITMAP_ALL_EXIT	0xff
extern u64 vmx_io_bitmap_a_pa, vmx_io_bitmap_b_pa, vmx_msr_bitmap_pa;

/* What each CPU keeps while VMX is on. Only touched on its own CPU, IRQs off. */
struct vmx_cpu {
	struct list_head loaded;	/* VMCSs active (not clear) on this CPU */
	struct vmx_vcpu *current_vmcs;	/* the current VMCS, NULL: none */
};
DECLARE_PER_CPU(struct vmx_cpu, vmx_cpu);

/* The exit, read right after it while the VMCS is still current. */
struct vmx_exit_info {
	u32 reason;			/* VMCS_EXIT_REASON, full */
	u32 intr_info, intr_error;
	u32 idt_info, idt_error;
	u32 insn_len;
	u32 insn_error;			/* VM-instruction error after VMfailValid */
	u32 failed_entry_intr;		/* the injection a failed entry refused */
	unsigned long qualification;
	u64 gpa;
};

/* Results of hvx_vmx_vmenter(). */
enum vmx_enter_result {
	VMX_ENTER_EXITED = 0,		/* the guest ran and exited */
	VMX_ENTER_FAIL_VALID = 1,	/* VMfailValid: see VM-instruction error */
	VMX_ENTER_FAIL_INVALID = 2,	/* VMfailInvalid: no current VMCS */
	VMX_ENTER_FAULT = 3,		/* VMLAUNCH/VMRESUME faulted: VMX is off */
};

struct vmx_vcpu {
	struct hvx_vcpu *vcpu;
	void *vmcs;
	u64 vmcs_pa;
	/*
	 * The CPU the VMCS is active on, -1 when clear. Written on that CPU
	 * (or, when -1, by the vCPU thread) with IRQs off; see vmx_vcpu_load().
	 */
	int cpu;
	bool launched;			/* VMLAUNCH done since the last VMCLEAR */
	struct list_head loaded_link;	/* on vmx_cpu.loaded of ->cpu */
	bool flush_tlb;			/* INVEPT/INVVPID before the next entry */
	u16 vpid;			/* 0: none */
	u64 eptp;

	/* Host state last written to the VMCS, to skip unchanged VMWRITEs. */
	unsigned long host_cr3, host_cr4, host_fs_base;
	u16 host_fs_sel, host_gs_sel;

	/* Controls as currently in the VMCS. */
	u32 proc;
	u32 entry;

	/* Guest state VMX does not switch, kept here between entries. */
	u64 dr6;
	unsigned long cr2;
	u64 star, lstar, cstar, sfmask, kernel_gs_base;
	u64 pdptrs[4];			/* PAE PDPTEs, read before the entry that loads them */
	bool pdptrs_valid;

	struct vmx_exit_info exit;

	/* Shadow paging (vmx_shadow.c): what the CPU runs the guest with. */
	struct hvx_shadow_hw shadow_hw;
	/* Real mode as virtual-8086 mode (vmx_vm86.c). */
	bool vm86_active;		/* the VMCS holds vm86 state */
	struct kvm_segment vm86_segs[HVX_X86_NR_SEGS];	/* the guest's own */
	u64 vm86_iopl;			/* the guest's RFLAGS.IOPL */
	bool vm86_capture, vm86_kick;
	struct hvx_event vm86_event;

	/* VMCS_EXCEPTION_BITMAP: the mode's (vmx_set_exception_bitmap) and as written. */
	u32 exc_bitmap_base, exc_bitmap;
};

static inline struct vmx_vcpu *to_vmx(struct hvx_vcpu *vcpu)
{
	return vcpu->arch;
}

int hvx_vmx_vmenter(u64 *gprs, u32 launched);

/* vmx_vcpu.c */
int vmx_vcpu_create(struct hvx_vcpu *vcpu);
void vmx_vcpu_free(struct hvx_vcpu *vcpu);
int vmx_vcpu_load(struct vmx_vcpu *vmx);
void vmx_cpu_clear_all(void);
void vmx_cache_regs(struct hvx_vcpu *vcpu, u32 mask);
void vmx_prepare_flush(struct hvx_vcpu *vcpu);
void vmx_flush_regs(struct hvx_vcpu *vcpu);
void vmx_init_vmcs(struct hvx_vcpu *vcpu);
/* The exception bitmap a mode needs; the debugger's #DB/#BP are added to it. */
void vmx_set_exception_bitmap(struct vmx_vcpu *vmx, u32 base);
void vmx_sync_exception_bitmap(struct hvx_vcpu *vcpu);
int vmx_invept(int type, u64 eptp);
int vmx_invvpid(int type, u16 vpid);

/* vmx_run.c */
int vmx_vcpu_run(struct hvx_vcpu *vcpu);
void vmx_inject_event(struct hvx_vcpu *vcpu, const struct hvx_event *ev);
void vmx_set_event_windows(struct hvx_vcpu *vcpu, bool irq, bool nmi);
void vmx_vcpu_reset(struct hvx_vcpu *vcpu);

/* vmx_vcpu.c: one guest segment register <-> its VMCS fields; EFER. */
void vmx_seg_from_vmcs(int seg, struct kvm_segment *s);
void vmx_seg_to_vmcs(int seg, const struct kvm_segment *s);
void vmx_write_efer(struct vmx_vcpu *vmx, u64 efer);

/* vmx_shadow.c */
void vmx_shadow_init_vmcs(struct vmx_vcpu *vmx);
void vmx_shadow_prepare(struct hvx_vcpu *vcpu);
void vmx_shadow_write_crs(struct hvx_vcpu *vcpu);
int vmx_shadow_check_state(struct hvx_vcpu *vcpu);
int vmx_shadow_handle_invlpg(struct hvx_vcpu *vcpu);
int vmx_shadow_handle_pf(struct hvx_vcpu *vcpu);

/* vmx_vm86.c */
int vmx_vm86_setup(void);
void vmx_vm86_unsetup(void);
bool vmx_vm86_wanted(struct hvx_vcpu *vcpu);
bool vmx_vm86_private_fault(struct hvx_vcpu *vcpu, u64 la);
void vmx_vm86_write_segs(struct hvx_vcpu *vcpu);
void vmx_vm86_read_segs(struct hvx_vcpu *vcpu);
void vmx_vm86_switch(struct hvx_vcpu *vcpu);
u64 vmx_vm86_rflags_in(struct hvx_vcpu *vcpu);
u64 vmx_vm86_rflags_out(struct hvx_vcpu *vcpu, u64 rflags);
int vmx_vm86_take_event(struct hvx_vcpu *vcpu);
bool vmx_vm86_inject(struct hvx_vcpu *vcpu, const struct hvx_event *ev);
void vmx_vm86_after_exit(struct vmx_vcpu *vmx);
int vmx_vm86_handle_exception(struct hvx_vcpu *vcpu);
int vmx_vm86_prepare(struct hvx_vcpu *vcpu, bool *enter);

/* vmx_check.c */
const char *vmx_insn_error_name(u32 error);
bool vmx_check_guest_state(struct hvx_vcpu *vcpu, const char **field,
			   const char **rule);

#endif /* HVX_VMX_H */
