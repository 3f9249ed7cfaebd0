/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Vendor-neutral exit handling, called by the backends' exit dispatch.
 * Every handler returns 1 to re-enter the guest, 0 to return to userspace
 * with kvm_run filled in, or -errno for KVM_RUN to fail with.
 */
#ifndef HVX_EXIT_H
#define HVX_EXIT_H

#include "hvx_core.h"
#include "emulate.h"	/* enum hvx_gpr, enum hvx_cpu_mode */

/* hvx_exit.c */
void hvx_exit_io(struct hvx_vcpu *vcpu, u8 direction, u16 port,
		 unsigned int size, u32 count);
int hvx_skip_insn(struct hvx_vcpu *vcpu);
/* RIP past an instruction hvx emulated: shadow ends, single-step #DB with TF. */
void hvx_retire_insn(struct hvx_vcpu *vcpu, u64 rip);
int hvx_handle_io(struct hvx_vcpu *vcpu, u16 port, unsigned int size,
		  bool in, bool string);
int hvx_handle_mmio(struct hvx_vcpu *vcpu);
/* RAM-less GPA under nested or shadow paging: MMIO, or a fetch error. */
int hvx_handle_mmio_access(struct hvx_vcpu *vcpu, bool fetch);
int hvx_handle_tdp_fault(struct hvx_vcpu *vcpu, u64 gpa, bool write, bool fetch);
int hvx_handle_cpuid(struct hvx_vcpu *vcpu);
int hvx_handle_rdmsr(struct hvx_vcpu *vcpu);
int hvx_handle_wrmsr(struct hvx_vcpu *vcpu);
int hvx_handle_xsetbv(struct hvx_vcpu *vcpu);
int hvx_handle_rdtscp(struct hvx_vcpu *vcpu);
int hvx_handle_hlt(struct hvx_vcpu *vcpu);
int hvx_handle_hypercall(struct hvx_vcpu *vcpu);
int hvx_handle_nop(struct hvx_vcpu *vcpu);	/* INVD, WBINVD: skip */
int hvx_handle_mov_to_cr4(struct hvx_vcpu *vcpu, int gpr);	/* gpr < 0: decode it */
int hvx_handle_mov_to_cr8(struct hvx_vcpu *vcpu, int gpr);	/* gpr < 0: decode it */
int hvx_handle_ud(struct hvx_vcpu *vcpu);	/* inject #UD */
int hvx_exit_shutdown(struct hvx_vcpu *vcpu);
int hvx_exit_unexpected(struct hvx_vcpu *vcpu, u64 hw_reason);
int hvx_exit_fail_entry(struct hvx_vcpu *vcpu, u64 hw_reason);
/* KVM_RUN entry: finish what the last exit left to userspace. */
int hvx_complete_userspace_exit(struct hvx_vcpu *vcpu);

/* hvx_run.c: KVM_RUN */
long hvx_vcpu_run(struct hvx_vcpu *vcpu);

/* hvx_emul.c */
int hvx_emulate(struct hvx_vcpu *vcpu, u32 rep_budget);
int hvx_emulate_or_decline(struct hvx_vcpu *vcpu, bool *unhandled);
int hvx_emulate_string_io(struct hvx_vcpu *vcpu, unsigned int size);
int hvx_emulate_insn_len(struct hvx_vcpu *vcpu, unsigned int *len);
int hvx_decode_at_rip(struct hvx_vcpu *vcpu, struct hvx_insn *insn);
bool hvx_emu_next_mmio_write(struct hvx_vcpu *vcpu);
int hvx_guest_walk(struct hvx_vcpu *vcpu, u64 la, u32 access, u64 rflags,
		   struct hvx_walk_result *res, struct hvx_emu_exception *fault);

/* hvx_cpuid.c */
void hvx_guest_cpuid(struct hvx_vcpu *vcpu, u32 leaf, u32 subleaf,
		     u32 *eax, u32 *ebx, u32 *ecx, u32 *edx);
long hvx_get_supported_cpuid(void __user *argp);
long hvx_set_cpuid2(struct hvx_vcpu *vcpu, void __user *argp);
long hvx_get_cpuid2(struct hvx_vcpu *vcpu, void __user *argp);
u64 hvx_supported_xcr0(void);
long hvx_dev_device_attr(unsigned int ioctl, void __user *argp);

/* hvx_msr.c: 0 on success, 1 if the guest gets #GP (or the ioctl stops). */
int hvx_get_msr(struct hvx_vcpu *vcpu, u32 msr, u64 *val, bool host);
int hvx_set_msr(struct hvx_vcpu *vcpu, u32 msr, u64 val, bool host);
int hvx_set_xcr(struct hvx_vcpu *vcpu, u32 index, u64 val);
long hvx_get_msr_index_list(void __user *argp);
long hvx_vcpu_msrs_ioctl(struct hvx_vcpu *vcpu, void __user *argp, bool set);

/* hvx_state.c: the vCPU state ioctls. */
typedef long (*hvx_vcpu_ioctl_fn)(struct hvx_vcpu *vcpu, void __user *argp);
hvx_vcpu_ioctl_fn hvx_vcpu_state_ioctl(unsigned int ioctl);
/* KVM_CAP_SYNC_REGS around KVM_RUN. */
int hvx_sync_regs_in(struct hvx_vcpu *vcpu);
void hvx_sync_regs_out(struct hvx_vcpu *vcpu);

#endif /* HVX_EXIT_H */
