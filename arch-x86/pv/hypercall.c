// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM's hypercalls (VMCALL on VMX, VMMCALL on SVM), answered in the kernel
 * as KVM does (x86.c kvm_emulate_hypercall): number in RAX, arguments in
 * RBX, RCX, RDX, RSI, the result in RAX; everything truncated to 32 bits
 * outside 64-bit mode; -KVM_EPERM above CPL 0; -KVM_ENOSYS for a number
 * hvx does not implement or whose PV feature the guest's CPUID lacks
 * under KVM_CAP_ENFORCE_PV_FEATURE_CPUID. Only KVM_HC_MAP_GPA_RANGE goes
 * to the VMM (KVM_EXIT_HYPERCALL), and only when it enabled that with
 * KVM_CAP_EXIT_HYPERCALL.
 *
 * The other vendor's instruction (VMMCALL on Intel, VMCALL on AMD) is a
 * #UD; with KVM_X86_QUIRK_FIX_HYPERCALL_INSN (on unless
 * KVM_CAP_DISABLE_QUIRKS2 turned it off) hvx patches the native one over
 * it and lets the guest run it again, as KVM; without, the #UD stays.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <asm/kvm_para.h>
#include <uapi/linux/kvm_para.h>
#include "hvx_exit.h"

#define HYPERCALL_INSN_LEN	3
static const u8 hvx_vmcall[HYPERCALL_INSN_LEN] = { 0x0f, 0x01, 0xc1 };
static const u8 hvx_vmmcall[HYPERCALL_INSN_LEN] = { 0x0f, 0x01, 0xd9 };

/* KVM_HC_MAP_GPA_RANGE to the VMM, with KVM's argument checks. */
static int hvx_hypercall_map_gpa_range(struct hvx_vcpu *vcpu, u64 *a, bool longmode,
				       u64 *ret)
{
	struct kvm_run *run = hvx_vcpu_run_page(vcpu);
	u64 gpa = a[0], npages = a[1];

	if (!(READ_ONCE(vcpu->vm->pv.hypercall_exit_mask) & BIT(KVM_HC_MAP_GPA_RANGE))) {
		*ret = -KVM_ENOSYS;
		return 1;
	}
	if (!PAGE_ALIGNED(gpa) || !npages ||
	    (gpa >> PAGE_SHIFT) + npages <= (gpa >> PAGE_SHIFT)) {
		*ret = -KVM_EINVAL;
		return 1;
	}
	memset(&run->hypercall, 0, sizeof(run->hypercall));
	run->exit_reason = KVM_EXIT_HYPERCALL;
	run->hypercall.nr = KVM_HC_MAP_GPA_RANGE;
	run->hypercall.args[0] = gpa;
	run->hypercall.args[1] = npages;
	run->hypercall.args[2] = a[2];
#ifdef KVM_EXIT_HYPERCALL_LONG_MODE
	run->hypercall.flags = longmode ? KVM_EXIT_HYPERCALL_LONG_MODE : 0;
#else
	run->hypercall.longmode = longmode;
#endif
	/* run->hypercall.ret lands in RAX at the next KVM_RUN. */
	vcpu->x86.pending = HVX_PENDING_HYPERCALL;
	return 0;
}

/* The hypercall instruction was retired already (RIP is past it). */
int hvx_pv_hypercall(struct hvx_vcpu *vcpu)
{
	u64 *g = vcpu->x86.gprs;
	bool longmode = hvx_x86_cpu_mode(vcpu) == HVX_MODE_LONG64;
	u64 mask = longmode ? ~0ULL : 0xffffffffULL;
	u64 nr = g[HVX_RAX] & mask, ret = -KVM_ENOSYS;
	u64 a[4] = { g[HVX_RBX] & mask, g[HVX_RCX] & mask,
		     g[HVX_RDX] & mask, g[HVX_RSI] & mask };
	int r = 1;

	hvx_x86_get(vcpu, HVX_REG_SEGS);
	if (vcpu->x86.cpl != 0) {
		ret = -KVM_EPERM;
		goto out;
	}
	switch (nr) {
	case KVM_HC_VAPIC_POLL_IRQ:
		ret = 0;	/* KVM: a no-op the guest may rely on */
		break;
	case KVM_HC_SCHED_YIELD:
		if (!hvx_pv_has(vcpu, KVM_FEATURE_PV_SCHED_YIELD))
			break;
		/* The target vCPU (APIC id in a[0]) is a hint; give the CPU away. */
		yield();
		ret = 0;
		break;
	case KVM_HC_MAP_GPA_RANGE:
		r = hvx_hypercall_map_gpa_range(vcpu, a, longmode, &ret);
		if (!r)
			return 0;
		break;
	default:
		break;
	}
out:
	g[HVX_RAX] = longmode ? ret : (u32)ret;
	return r;
}

/*
 * #UD on the other vendor's hypercall instruction at RIP: patch in the
 * native one (the guest runs it next) or leave the #UD to the guest.
 */
int hvx_pv_fix_hypercall(struct hvx_vcpu *vcpu)
{
	const u8 *native = hvx_caps.backend == HVX_BACKEND_VMX ? hvx_vmcall : hvx_vmmcall;
	struct hvx_x86 *x = &vcpu->x86;
	u64 la = hvx_debug_linear_rip(vcpu);
	struct hvx_walk_result res;
	struct hvx_emu_exception fault;
	unsigned int i;

	if (vcpu->vm->pv.disabled_quirks & KVM_X86_QUIRK_FIX_HYPERCALL_INSN)
		return hvx_handle_ud(vcpu);
	hvx_x86_get(vcpu, HVX_REG_CRS | HVX_REG_SEGS);
	/* A data write at the guest's CPL, as KVM's emulator makes it. */
	for (i = 0; i < HYPERCALL_INSN_LEN; i++) {
		if (hvx_guest_walk(vcpu, la + i, HVX_ACC_WRITE |
				   (x->cpl == 3 ? HVX_ACC_USER : 0),
				   x->rflags, &res, &fault) != HVX_EMU_OK) {
			if (fault.vector == HVX_VEC_PF) {
				x->cr2 = fault.cr2;
				hvx_x86_put(vcpu, HVX_REG_CRS);
			}
			hvx_queue_exception(vcpu, fault.vector, fault.has_error_code,
					    fault.error_code);
			return 1;
		}
		if (hvx_write_guest(vcpu->vm, res.gpa, &native[i], 1))
			return hvx_handle_ud(vcpu);
	}
	return 1;	/* RIP unchanged: the guest executes the native instruction */
}

/* The other vendor's hypercall instruction: VMMCALL on VMX, VMCALL on SVM. */
bool hvx_pv_is_foreign_hypercall(const struct hvx_insn *insn)
{
	const u8 *foreign = hvx_caps.backend == HVX_BACKEND_VMX ? hvx_vmmcall : hvx_vmcall;

	return insn->map == HVX_MAP_0F && insn->opcode == foreign[1] &&
	       insn->modrm == foreign[2];
}
