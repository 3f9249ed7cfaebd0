// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exit handlers shared by the SVM and VMX backends, and the completion of
 * exits that went to userspace. As in KVM, an instruction that exits to
 * userspace (IN, OUT, HLT, VMMCALL) is retired only when KVM_RUN comes
 * back, so userspace sees RIP at the instruction.
 */
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <asm/debugreg.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include "hvx_exit.h"
#include "emulate.h"
#include "tdp.h"
#include "hvx_irq.h"
#include "irqchip/hooks.h"

void hvx_exit_io(struct hvx_vcpu *vcpu, u8 direction, u16 port,
		 unsigned int size, u32 count)
{
	struct kvm_run *run = hvx_vcpu_run_page(vcpu);

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = direction;
	run->io.size = size;
	run->io.port = port;
	run->io.count = count;
	run->io.data_offset = HVX_VCPU_PIO_PAGE * PAGE_SIZE;
}

static u64 hvx_rip_mask(struct hvx_vcpu *vcpu)
{
	return hvx_x86_cpu_mode(vcpu) == HVX_MODE_LONG64 ? ~0ULL : 0xffffffffULL;
}

/* Where the exiting instruction ends: the CPU told us, or decode it. */
static int hvx_next_rip(struct hvx_vcpu *vcpu, u64 *next)
{
	unsigned int len;
	int r;

	if (vcpu->x86.next_rip) {
		*next = vcpu->x86.next_rip;
		return 0;
	}
	r = hvx_emulate_insn_len(vcpu, &len);
	if (r)
		return r;
	*next = (vcpu->x86.rip + len) & hvx_rip_mask(vcpu);
	return 0;
}

/* The single-step trap after an instruction hvx retired: #DB with DR6.BS. */
static void hvx_singlestep_trap(struct hvx_vcpu *vcpu)
{
	struct hvx_x86 *x = &vcpu->x86;

	hvx_x86_get(vcpu, HVX_REG_DRS);
	x->dr6 = (x->dr6 & ~(u64)DR_TRAP_BITS) | DR_STEP;
	hvx_x86_put(vcpu, HVX_REG_DRS);
	hvx_queue_exception(vcpu, HVX_EXC_DB, false, 0);
}

/*
 * Retire the instruction at RIP, which hvx emulated or skipped: RIP moves
 * to @rip, an STI / MOV SS interrupt shadow ends, and if RFLAGS.TF was set
 * the single-step #DB follows, as the CPU would raise it (KVM:
 * kvm_skip_emulated_instruction and kvm_vcpu_do_singlestep).
 */
void hvx_retire_insn(struct hvx_vcpu *vcpu, u64 rip)
{
	vcpu->x86.rip = rip;
	vcpu->x86.retired = true;
	hvx_x86_get(vcpu, HVX_REG_EVENTS);
	if (vcpu->x86.interrupt_shadow) {
		vcpu->x86.interrupt_shadow = false;
		hvx_x86_put(vcpu, HVX_REG_EVENTS);
	}
	/* The VMM's debugger stepping the guest comes first (KVM's order). */
	if (hvx_debug_singlestep(vcpu))
		set_bit(HVX_REQ_DEBUG_STEP, &vcpu->requests);
	else if (vcpu->x86.rflags & X86_EFLAGS_TF)
		hvx_singlestep_trap(vcpu);
}

static void hvx_set_rip(struct hvx_vcpu *vcpu, u64 rip)
{
	hvx_retire_insn(vcpu, rip);
}

/*
 * Retire the exiting instruction. 0 on success; on a fault while fetching
 * it (the guest changed its code or page tables), the fault is queued and
 * the instruction is not retired.
 */
int hvx_skip_insn(struct hvx_vcpu *vcpu)
{
	u64 next;
	int r;

	r = hvx_next_rip(vcpu, &next);
	if (r)
		return r;
	hvx_set_rip(vcpu, next);
	return 0;
}

/*
 * Retire the exiting instruction, or say what to do instead:
 * HVX_SKIPPED, HVX_SKIP_REENTER (a fetch fault is queued for the guest)
 * or HVX_SKIP_TO_USER (it cannot be decoded; kvm_run says so).
 */
enum { HVX_SKIPPED, HVX_SKIP_REENTER, HVX_SKIP_TO_USER };

static int hvx_skip_or_fail(struct hvx_vcpu *vcpu)
{
	int r = hvx_skip_insn(vcpu);

	if (r == -EFAULT)
		return HVX_SKIP_REENTER;
	if (r) {
		hvx_exit_unexpected(vcpu, 0);
		return HVX_SKIP_TO_USER;
	}
	return HVX_SKIPPED;
}

/* In a handler: retire the instruction or return what the caller must. */
#define HVX_SKIP(vcpu) do {					\
	int __r = hvx_skip_or_fail(vcpu);			\
	if (__r != HVX_SKIPPED)					\
		return __r == HVX_SKIP_REENTER ? 1 : 0;		\
} while (0)

/* IN's result lands in AL/AX/EAX; a 32-bit destination zero-extends. */
static void hvx_pio_in_to_rax(struct hvx_x86 *x, unsigned int size, u32 val)
{
	if (size == 4)
		x->gprs[HVX_RAX] = val;
	else
		x->gprs[HVX_RAX] = (x->gprs[HVX_RAX] & ~((1ULL << (size * 8)) - 1)) | val;
}

int hvx_handle_io(struct hvx_vcpu *vcpu, u16 port, unsigned int size,
		  bool in, bool string)
{
	struct hvx_x86 *x = &vcpu->x86;
	u32 val;
	u64 next;
	int r;

	hvx_vcpu_stat_inc(vcpu, HVX_STAT_IO_EXITS);
	if (string)
		return hvx_emulate_string_io(vcpu, size);

	r = hvx_next_rip(vcpu, &next);
	if (r)
		return r == -EFAULT ? 1 : hvx_exit_unexpected(vcpu, 0);
	/*
	 * An in-kernel device (PIC, PIT, ioeventfd) completes it here; the
	 * next RIP is known first, so a device read with side effects (a
	 * latch, a poll) is never repeated.
	 */
	val = in ? 0 : x->gprs[HVX_RAX];
	if (!hvx_io_bus_pio(vcpu, port, size, in, &val)) {
		if (in)
			hvx_pio_in_to_rax(x, size, val);
		hvx_set_rip(vcpu, next);
		return 1;
	}
	x->resume_rip = next;
	if (in) {
		x->pending = HVX_PENDING_PIO_IN;
		x->pio_size = size;
		hvx_exit_io(vcpu, KVM_EXIT_IO_IN, port, size, 1);
	} else {
		memcpy(hvx_vcpu_pio_page(vcpu), &val, size);
		x->pending = HVX_PENDING_PIO_OUT;
		hvx_exit_io(vcpu, KVM_EXIT_IO_OUT, port, size, 1);
	}
	return 0;
}

int hvx_handle_mmio(struct hvx_vcpu *vcpu)
{
	/* One REP element per exit: each may need userspace. */
	return hvx_emulate(vcpu, 1);
}

/*
 * A nested page fault (NPT) or EPT violation at @gpa: map RAM, emulate
 * MMIO. Code cannot run from MMIO; KVM reports that as an emulation
 * failure too.
 */
int hvx_handle_tdp_fault(struct hvx_vcpu *vcpu, u64 gpa, bool write, bool fetch)
{
	int r;

	r = hvx_tdp_fault(vcpu, gpa, write, fetch);
	if (r < 0)
		return r;
	if (r != HVX_TDP_MMIO)
		return 1;
	return hvx_handle_mmio_access(vcpu, fetch);
}

/*
 * An access to a GPA with no RAM behind it (nested or shadow paging):
 * emulate it as MMIO. Code cannot run from MMIO; KVM reports that as an
 * emulation failure too.
 */
int hvx_handle_mmio_access(struct hvx_vcpu *vcpu, bool fetch)
{
	struct kvm_run *run = hvx_vcpu_run_page(vcpu);

	if (fetch) {
		memset(&run->emulation_failure, 0, sizeof(run->emulation_failure));
		run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
		run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
		run->emulation_failure.ndata = 1;
		return 0;
	}
	/* The emulator decodes the instruction itself. */
	vcpu->x86.next_rip = 0;
	return hvx_handle_mmio(vcpu);
}

int hvx_handle_cpuid(struct hvx_vcpu *vcpu)
{
	u64 *g = vcpu->x86.gprs;
	u32 a, b, c, d;

	/* CPUID faulting (MISC_FEATURES_ENABLES): only CPL 0 may execute it. */
	if (hvx_cpuid_faulting(vcpu)) {
		hvx_x86_get(vcpu, HVX_REG_SEGS);
		if (vcpu->x86.cpl) {
			hvx_inject_gp(vcpu, 0);
			return 1;
		}
	}
	hvx_guest_cpuid(vcpu, g[HVX_RAX], g[HVX_RCX], &a, &b, &c, &d);
	g[HVX_RAX] = a;
	g[HVX_RBX] = b;
	g[HVX_RCX] = c;
	g[HVX_RDX] = d;
	HVX_SKIP(vcpu);
	return 1;
}

/*
 * A guest RDMSR/WRMSR that hvx refused (@result: HVX_MSR_*): to the VMM
 * as KVM_EXIT_X86_RDMSR/WRMSR if it asked for that kind of failure
 * (KVM_CAP_X86_USER_SPACE_MSR), else #GP.
 */
static int hvx_msr_failed(struct hvx_vcpu *vcpu, int result, bool write, u64 data)
{
	struct kvm_run *run = hvx_vcpu_run_page(vcpu);
	u32 reason = hvx_msr_user_exit_reason(vcpu, result);
	u64 next;
	int r;

	if (!reason) {
		hvx_inject_gp(vcpu, 0);
		return 1;
	}
	r = hvx_next_rip(vcpu, &next);
	if (r)
		return r == -EFAULT ? 1 : hvx_exit_unexpected(vcpu, 0);
	run->exit_reason = write ? KVM_EXIT_X86_WRMSR : KVM_EXIT_X86_RDMSR;
	memset(&run->msr, 0, sizeof(run->msr));
	run->msr.reason = reason;
	run->msr.index = vcpu->x86.gprs[HVX_RCX];
	run->msr.data = data;
	vcpu->x86.resume_rip = next;
	vcpu->x86.pending = write ? HVX_PENDING_MSR_WRITE : HVX_PENDING_MSR_READ;
	return 0;
}

/* KVM_RUN after that exit: the VMM's error is #GP, else the access is done. */
static int hvx_msr_complete(struct hvx_vcpu *vcpu, struct kvm_run *run, bool write)
{
	struct hvx_x86 *x = &vcpu->x86;

	if (run->msr.error) {
		hvx_inject_gp(vcpu, 0);
		return 1;
	}
	if (!write) {
		x->gprs[HVX_RAX] = (u32)run->msr.data;
		x->gprs[HVX_RDX] = run->msr.data >> 32;
	}
	hvx_set_rip(vcpu, x->resume_rip);
	return 1;
}

int hvx_handle_rdmsr(struct hvx_vcpu *vcpu)
{
	u64 *g = vcpu->x86.gprs;
	u64 val;
	int r;

	r = hvx_guest_get_msr(vcpu, g[HVX_RCX], &val);
	if (r)
		return hvx_msr_failed(vcpu, r, false, 0);
	g[HVX_RAX] = (u32)val;
	g[HVX_RDX] = val >> 32;
	HVX_SKIP(vcpu);
	return 1;
}

int hvx_handle_wrmsr(struct hvx_vcpu *vcpu)
{
	u64 *g = vcpu->x86.gprs;
	u64 val = (u32)g[HVX_RAX] | (g[HVX_RDX] << 32);
	int r;

	r = hvx_guest_set_msr(vcpu, g[HVX_RCX], val);
	if (r)
		return hvx_msr_failed(vcpu, r, true, val);
	HVX_SKIP(vcpu);
	return 1;
}

int hvx_handle_xsetbv(struct hvx_vcpu *vcpu)
{
	u64 *g = vcpu->x86.gprs;
	u64 val = (u32)g[HVX_RAX] | (g[HVX_RDX] << 32);

	hvx_x86_get(vcpu, HVX_REG_SEGS);
	if (vcpu->x86.cpl != 0 || hvx_set_xcr(vcpu, g[HVX_RCX], val)) {
		hvx_inject_gp(vcpu, 0);
		return 1;
	}
	HVX_SKIP(vcpu);
	return 1;
}

int hvx_handle_rdtscp(struct hvx_vcpu *vcpu)
{
	u64 *g = vcpu->x86.gprs;
	u64 tsc;

	hvx_x86_get(vcpu, HVX_REG_SEGS | HVX_REG_CRS);
	if ((vcpu->x86.cr4 & X86_CR4_TSD) && vcpu->x86.cpl != 0) {
		hvx_inject_gp(vcpu, 0);
		return 1;
	}
	tsc = hvx_tsc_read(vcpu);
	g[HVX_RAX] = (u32)tsc;
	g[HVX_RDX] = tsc >> 32;
	g[HVX_RCX] = (u32)vcpu->x86.tsc_aux;
	HVX_SKIP(vcpu);
	return 1;
}

/*
 * With an in-kernel irqchip the vCPU sleeps in the kernel until something
 * ends HLT (hvx_event_before_run); without one, HLT is the VMM's business
 * (KVM_EXIT_HLT).
 */
int hvx_handle_hlt(struct hvx_vcpu *vcpu)
{
	hvx_vcpu_stat_inc(vcpu, HVX_STAT_HALT_EXITS);
	HVX_SKIP(vcpu);
	if (hvx_irqchip_in_kernel(vcpu->vm)) {
		/* A single-step #DB the retire queued comes first, as in KVM. */
		if (!vcpu->x86.exception.pending)
			vcpu->x86.mp_state = KVM_MP_STATE_HALTED;
		return 1;
	}
	hvx_vcpu_run_page(vcpu)->exit_reason = KVM_EXIT_HLT;
	return 0;
}

/*
 * VMMCALL/VMCALL: KVM's hypercalls, answered in the kernel
 * (arch-x86/pv/hypercall.c); KVM_HC_MAP_GPA_RANGE may go to the VMM.
 */
int hvx_handle_hypercall(struct hvx_vcpu *vcpu)
{
	hvx_vcpu_stat_inc(vcpu, HVX_STAT_HYPERCALLS);
	HVX_SKIP(vcpu);
	return hvx_pv_hypercall(vcpu);
}

/*
 * The GPR of a MOV to CR@cr exit without decode assists, from the
 * instruction at RIP; sets next_rip past it. 1 with *@gpr set; 1 with
 * *@gpr < 0 if the fetch faulted (the fault is queued); or the exit to
 * report (0, or -errno) if the bytes are not that instruction.
 */
static int hvx_decode_mov_to_cr(struct hvx_vcpu *vcpu, u8 cr, int *gpr)
{
	struct hvx_x86 *x = &vcpu->x86;
	struct hvx_insn insn;
	int r;

	r = hvx_decode_at_rip(vcpu, &insn);
	if (r)
		return r == -EFAULT ? 1 : hvx_exit_unexpected(vcpu, 0);
	if (insn.map != HVX_MAP_0F || insn.opcode != 0x22 || insn.reg != cr)
		return hvx_exit_unexpected(vcpu, 0);
	*gpr = insn.rm;
	x->next_rip = (x->rip + insn.len) & hvx_rip_mask(vcpu);
	return 1;
}

/*
 * MOV to CR4 exits so that the guest cannot set bits its CPU (or hvx) does
 * not support: the CPU would take some of them, and an emulated CPU may
 * even refuse the next entry. Changing CR4 also flushes the guest's TLB
 * (PGE toggles are how guests flush global pages), so request a flush.
 */
int hvx_handle_mov_to_cr4(struct hvx_vcpu *vcpu, int gpr)
{
	struct hvx_x86 *x = &vcpu->x86;
	u64 val;
	int r;

	if (gpr < 0) {
		r = hvx_decode_mov_to_cr(vcpu, 4, &gpr);
		if (r <= 0 || gpr < 0)
			return r;
	}
	hvx_x86_get(vcpu, HVX_REG_CRS);
	val = x->gprs[gpr];
	if (hvx_x86_cpu_mode(vcpu) != HVX_MODE_LONG64)
		val = (u32)val;	/* the upper half of a GPR is not the operand */
	if (!hvx_x86_cr4_write_ok(x, val)) {
		hvx_inject_gp(vcpu, 0);
		return 1;
	}
	x->cr4 = val;
	hvx_x86_put(vcpu, HVX_REG_CRS);
	set_bit(HVX_REQ_TLB_FLUSH, &vcpu->requests);
	HVX_SKIP(vcpu);
	return 1;
}

/*
 * MOV to CR8 where it exits (SVM with an in-kernel LAPIC, so that a lower
 * TPR is seen at once): the TPR, or #GP for reserved bits.
 */
int hvx_handle_mov_to_cr8(struct hvx_vcpu *vcpu, int gpr)
{
	struct hvx_x86 *x = &vcpu->x86;
	u64 val;
	int r;

	if (gpr < 0) {
		r = hvx_decode_mov_to_cr(vcpu, 8, &gpr);
		if (r <= 0 || gpr < 0)
			return r;
	}
	val = x->gprs[gpr];
	if (val & ~0xfULL) {
		hvx_inject_gp(vcpu, 0);
		return 1;
	}
	hvx_set_cr8(vcpu, val);
	HVX_SKIP(vcpu);
	return 1;
}

int hvx_handle_nop(struct hvx_vcpu *vcpu)
{
	HVX_SKIP(vcpu);
	return 1;
}

int hvx_handle_ud(struct hvx_vcpu *vcpu)
{
	hvx_inject_ud(vcpu);
	return 1;
}

int hvx_exit_shutdown(struct hvx_vcpu *vcpu)
{
	hvx_vcpu_run_page(vcpu)->exit_reason = KVM_EXIT_SHUTDOWN;
	return 0;
}

int hvx_exit_unexpected(struct hvx_vcpu *vcpu, u64 hw_reason)
{
	struct kvm_run *run = hvx_vcpu_run_page(vcpu);

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON;
	run->internal.ndata = 2;
	run->internal.data[0] = hw_reason;
	run->internal.data[1] = raw_smp_processor_id();
	return 0;
}

int hvx_exit_fail_entry(struct hvx_vcpu *vcpu, u64 hw_reason)
{
	struct kvm_run *run = hvx_vcpu_run_page(vcpu);
	struct hvx_state_error *e = &vcpu->x86.state_error;

	memset(e, 0, sizeof(*e));
	if (!hvx_x86_check_entry_state(vcpu)) {
		strscpy(e->field, "unknown", sizeof(e->field));
		strscpy(e->rule, "the CPU refused the entry; hvx's own checks found no broken rule",
			sizeof(e->rule));
	}
	e->source = HVX_STATE_ERR_FAIL_ENTRY;
	e->hardware_reason = hw_reason;
	run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason = hw_reason;
	run->fail_entry.cpu = raw_smp_processor_id();
	return 0;
}

int hvx_complete_userspace_exit(struct hvx_vcpu *vcpu)
{
	struct kvm_run *run = hvx_vcpu_run_page(vcpu);
	struct hvx_x86 *x = &vcpu->x86;
	u8 pending = x->pending;

	x->pending = HVX_PENDING_NONE;
	/*
	 * The VMM moved RIP (KVM_SET_REGS, e.g. to reset the vCPU from a
	 * reset port): the instruction is gone and so is its completion,
	 * as in KVM.
	 */
	if (pending != HVX_PENDING_NONE && x->rip != x->pending_rip) {
		x->nr_mmio_reads = x->nr_mmio_writes = x->next_mmio_write = 0;
		x->pio_count = x->pio_index = 0;
		return 1;
	}
	switch (pending) {
	case HVX_PENDING_PIO_IN: {
		u32 val = 0;

		memcpy(&val, hvx_vcpu_pio_page(vcpu), x->pio_size);
		hvx_pio_in_to_rax(x, x->pio_size, val);
		hvx_set_rip(vcpu, x->resume_rip);
		return 1;
	}
	case HVX_PENDING_PIO_OUT:
		hvx_set_rip(vcpu, x->resume_rip);
		return 1;
	case HVX_PENDING_EMULATE: {
		struct hvx_mmio_frag *f;

		if (x->nr_mmio_reads >= ARRAY_SIZE(x->mmio_reads))
			return hvx_exit_unexpected(vcpu, 0);
		f = &x->mmio_reads[x->nr_mmio_reads++];
		f->gpa = run->mmio.phys_addr;
		f->len = min_t(u32, run->mmio.len, 8);
		memcpy(f->data, run->mmio.data, f->len);
		x->next_rip = 0;
		return hvx_emulate(vcpu, 1);
	}
	case HVX_PENDING_STRING_IO:
		x->next_rip = 0;
		return hvx_emulate_string_io(vcpu, x->pio_size);
	case HVX_PENDING_MMIO_WRITE:
		if (hvx_emu_next_mmio_write(vcpu)) {
			x->pending = HVX_PENDING_MMIO_WRITE;
			return 0;
		}
		return 1;
	case HVX_PENDING_HYPERCALL:
		x->gprs[HVX_RAX] = run->hypercall.ret;
		return 1;
	case HVX_PENDING_MSR_READ:
	case HVX_PENDING_MSR_WRITE:
		return hvx_msr_complete(vcpu, run, pending == HVX_PENDING_MSR_WRITE);
	default:
		return 1;
	}
}
