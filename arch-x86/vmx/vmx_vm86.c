// SPDX-License-Identifier: GPL-2.0-only
/*
 * Real mode under VMX without unrestricted guest (shadow paging): the CPU
 * cannot run CR0.PE=0, so the guest's real mode runs in virtual-8086 mode,
 * as KVM's did before unrestricted guest. The guest never sees it:
 * - the VMCS holds vm86 segments (base = selector << 4, limit 0xffff,
 *   DPL 3); the guest's own segment state (limits, attributes, TR, LDTR)
 *   is kept in vm86_segs and reported through KVM_GET_SREGS;
 * - RFLAGS.VM and IOPL=3 are set behind its back, so CLI/STI/PUSHF/POPF/
 *   IRET run natively on the real IF; the read shadow keeps CR0.PE=0;
 * - CR4.VME with an all-zero interrupt-redirection bitmap in hvx's TSS
 *   sends INT n to the real-mode vector table without an exit, and an
 *   all-zero I/O bitmap lets IN/OUT reach their VM exits. The TSS is three
 *   host pages mapped read-only, supervisor-only, into the shadow at
 *   VM86_TSS_LA, above anything a real-mode address reaches (0x10ffef);
 * - every exception exits: the #GP of an instruction vm86 forbids but
 *   real mode allows (MOV CR, LGDT, HLT, RDMSR...) is emulated here, the
 *   guest's own exceptions go to its vector table;
 * - hvx delivers interrupts and exceptions itself, as real mode would
 *   (push FLAGS, CS, IP; CS:IP from the IVT; clear IF, TF, AC): VM-entry
 *   injection would use the protected-mode IDT.
 * Real-mode states vm86 cannot hold (a segment base other than selector
 * << 4: the reset vector's CS, or segments left over from protected mode)
 * are stepped in the emulator until it can, far jumps and segment loads
 * included. An instruction the emulator cannot do there makes hvx fall
 * back to what KVM did without its emulator: selector := base >> 4.
 * Not modelled: "unreal mode" limits above 0xffff (vm86 faults beyond
 * 0xffff) and a real-mode IDTR other than 0 for INT n (the CPU's vm86
 * redirection always uses the table at 0).
 */
#define pr_fmt(fmt) "hvx: " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <asm/processor-flags.h>
#include "hvx_core.h"
#include "hvx_exit.h"
#include "emulate.h"
#include "shadow.h"
#include "vmcs.h"
#include "vmx.h"

#define VM86_TSS_LA		0xfffe0000ULL
#define VM86_TSS_PAGES		3
#define VM86_TSS_IOMAP_FIELD	0x66	/* 32-bit TSS: I/O map base address */
#define VM86_TSS_REDIR		0x68	/* interrupt-redirection bitmap, 32 bytes */
#define VM86_TSS_IOMAP		(VM86_TSS_REDIR + 32)
/* The I/O bitmap (64 Ki ports) and the all-ones byte the CPU reads past it. */
#define VM86_TSS_LIMIT		(VM86_TSS_IOMAP + 65536 / 8)
#define SEG_TYPE_DATA_RW	3
#define SEG_TYPE_TSS_BUSY	11
#define VMX_VECTOR_GP		13
#define VMX_VECTOR_PF		14

static struct page *vm86_tss[VM86_TSS_PAGES];

int vmx_vm86_setup(void)
{
	u8 *p;
	int i;

	for (i = 0; i < VM86_TSS_PAGES; i++) {
		vm86_tss[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!vm86_tss[i]) {
			vmx_vm86_unsetup();
			return -ENOMEM;
		}
	}
	p = page_address(vm86_tss[0]);
	*(u16 *)(p + VM86_TSS_IOMAP_FIELD) = VM86_TSS_IOMAP;
	p = page_address(vm86_tss[VM86_TSS_LIMIT >> PAGE_SHIFT]);
	p[VM86_TSS_LIMIT & ~PAGE_MASK] = 0xff;
	return 0;
}

void vmx_vm86_unsetup(void)
{
	int i;

	for (i = 0; i < VM86_TSS_PAGES; i++) {
		if (vm86_tss[i])
			__free_page(vm86_tss[i]);
		vm86_tss[i] = NULL;
	}
}

bool vmx_vm86_wanted(struct hvx_vcpu *vcpu)
{
	/* Under shadow paging the guest's CR0 lives in vcpu->x86 only. */
	return hvx_shadow_enabled() && !(vcpu->x86.cr0 & X86_CR0_PE);
}

/* The CPU touched hvx's TSS (INT n, IN/OUT): map it. True if it was that. */
bool vmx_vm86_private_fault(struct hvx_vcpu *vcpu, u64 la)
{
	u64 off = la - VM86_TSS_LA;

	if (!to_vmx(vcpu)->vm86_active || la < VM86_TSS_LA ||
	    off >= VM86_TSS_PAGES * PAGE_SIZE)
		return false;
	/* On -ENOMEM the CPU faults again and we try again. */
	hvx_shadow_map_private(vcpu, la, vm86_tss[off >> PAGE_SHIFT]);
	return true;
}

static bool vm86_seg_fits(const struct kvm_segment *s)
{
	return s->base == (u64)s->selector << 4;
}

/* Can vm86 run the guest's real-mode segments as they are? */
static bool vm86_representable(struct hvx_vcpu *vcpu)
{
	int i;

	hvx_x86_get(vcpu, HVX_REG_SEGS);
	for (i = HVX_X86_ES; i <= HVX_X86_GS; i++)
		if (!vm86_seg_fits(&vcpu->x86.seg[i]))
			return false;
	return true;
}

/* --- guest state <-> VMCS (VMCS current) --- */

void vmx_vm86_write_segs(struct hvx_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct hvx_x86 *x = &vcpu->x86;
	int i;

	const struct kvm_segment tr = {
		.base = VM86_TSS_LA, .limit = VM86_TSS_LIMIT,
		.type = SEG_TYPE_TSS_BUSY, .present = 1,
	};
	const struct kvm_segment ldtr = { .unusable = 1 };

	memcpy(vmx->vm86_segs, x->seg, sizeof(vmx->vm86_segs));
	for (i = HVX_X86_ES; i <= HVX_X86_GS; i++) {
		/* What vm86 requires: base = selector << 4, 64 KiB, DPL 3 data. */
		const struct kvm_segment s = {
			.selector = x->seg[i].selector,
			.base = (u32)x->seg[i].selector << 4, .limit = 0xffff,
			.type = SEG_TYPE_DATA_RW, .s = 1, .dpl = 3, .present = 1,
		};

		vmx_seg_to_vmcs(i, &s);
	}
	vmx_seg_to_vmcs(HVX_X86_TR, &tr);
	vmx_seg_to_vmcs(HVX_X86_LDTR, &ldtr);
}

/* What vm86 did to the segments, onto the guest's real-mode view. */
void vmx_vm86_read_segs(struct hvx_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct hvx_x86 *x = &vcpu->x86;
	int i;

	memcpy(x->seg, vmx->vm86_segs, sizeof(x->seg));
	for (i = HVX_X86_ES; i <= HVX_X86_GS; i++) {
		struct kvm_segment s;

		vmx_seg_from_vmcs(i, &s);
		/* A real-mode load changes selector and base, nothing else. */
		if (s.selector != x->seg[i].selector) {
			x->seg[i].selector = s.selector;
			x->seg[i].base = s.base;
		}
	}
	x->cpl = 0;
}

/*
 * Before the registers go in: enter or leave vm86 as the guest's CR0.PE
 * says, with the exception bitmap to match. VMCS current.
 */
void vmx_vm86_switch(struct hvx_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	bool want = vmx_vm86_wanted(vcpu);

	if (want == vmx->vm86_active)
		return;
	hvx_x86_get(vcpu, HVX_REG_SEGS);	/* read as the old mode wrote them */
	vmx->vm86_active = want;
	hvx_x86_put(vcpu, HVX_REG_SEGS);
	vmx_set_exception_bitmap(vmx, want ? ~0U : VMX_EXCEPTION_BITMAP | BIT(VMX_VECTOR_PF));
}

u64 vmx_vm86_rflags_in(struct hvx_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 rflags = vcpu->x86.rflags;

	if (!vmx->vm86_active)
		return rflags;
	vmx->vm86_iopl = rflags & X86_EFLAGS_IOPL;
	return rflags | X86_EFLAGS_VM | X86_EFLAGS_IOPL;
}

u64 vmx_vm86_rflags_out(struct hvx_vcpu *vcpu, u64 rflags)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	if (!vmx->vm86_active)
		return rflags;
	return (rflags & ~(X86_EFLAGS_VM | X86_EFLAGS_IOPL)) | vmx->vm86_iopl;
}

/* --- events: delivered by hvx, as real mode delivers them --- */

static int vm86_push16(struct hvx_vcpu *vcpu, u16 val)
{
	struct hvx_x86 *x = &vcpu->x86;
	u16 sp = x->gprs[HVX_RSP] - 2;
	u64 gpa = x->seg[HVX_X86_SS].base + sp;

	/* Paging is off: linear is physical. */
	if (hvx_write_guest(vcpu->vm, gpa, &val, 2))
		return -EFAULT;
	hvx_shadow_guest_write(vcpu, gpa, 2);
	x->gprs[HVX_RSP] = (x->gprs[HVX_RSP] & ~0xffffULL) | sp;
	return 0;
}

/* SDM vol. 3, 20.1.4: an interrupt or exception in real-address mode. */
static int vm86_deliver(struct hvx_vcpu *vcpu, const struct hvx_event *ev)
{
	struct hvx_x86 *x = &vcpu->x86;
	u64 ip = x->rip;
	u16 vec[2];

	hvx_x86_get(vcpu, HVX_REG_SEGS);
	if (ev->type == HVX_EVENT_SOFT_INTR || ev->type == HVX_EVENT_SOFT_EXCEPTION)
		ip += ev->insn_len;
	if (hvx_read_guest(vcpu->vm, x->idt.base + ev->vector * 4, vec, sizeof(vec)) ||
	    vm86_push16(vcpu, x->rflags) ||
	    vm86_push16(vcpu, x->seg[HVX_X86_CS].selector) ||
	    vm86_push16(vcpu, ip))
		return -EFAULT;
	x->rflags &= ~(X86_EFLAGS_IF | X86_EFLAGS_TF | X86_EFLAGS_AC | X86_EFLAGS_RF);
	x->rip = vec[0];
	x->seg[HVX_X86_CS].selector = vec[1];
	x->seg[HVX_X86_CS].base = (u32)vec[1] << 4;
	hvx_x86_put(vcpu, HVX_REG_SEGS);
	if (ev->type == HVX_EVENT_NMI) {
		/* Virtual-NMI blocking: the guest's IRET lifts it, vm86 or not. */
		hvx_x86_get(vcpu, HVX_REG_EVENTS);
		x->nmi_masked = true;
		hvx_x86_put(vcpu, HVX_REG_EVENTS);
	}
	return 0;
}

/*
 * Before the entry, preemptible: let the generic code pick the event that
 * goes in now (as it does right before every entry), and deliver it
 * through guest memory, which needs a context that may fault pages in.
 * 1 to enter, 0 with kvm_run filled in.
 */
int vmx_vm86_take_event(struct hvx_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct hvx_event ev;
	int r;

	preempt_disable();
	r = vmx_vcpu_load(vmx);
	if (!r) {
		vmx->vm86_event.type = HVX_EVENT_NONE;
		vmx->vm86_capture = true;
		local_irq_disable();
		hvx_event_inject(vcpu);
		local_irq_enable();
		vmx->vm86_capture = false;
	}
	preempt_enable();
	ev = vmx->vm86_event;
	if (r || ev.type == HVX_EVENT_NONE)
		return 1;
	if (!vm86_deliver(vcpu, &ev))
		return 1;
	/* The vector table or the stack is not RAM: nothing sane to do. */
	hvx_event_complete(vcpu, &ev);
	return hvx_exit_unexpected(vcpu, EXIT_REASON_EXCEPTION_NMI);
}

/*
 * hvx_arch_ops.inject_event in vm86 mode. From vmx_vm86_take_event() we
 * keep the event; right before the entry (interrupts off: an event raised
 * since) it goes back to the queue and the guest exits at once to take it.
 */
bool vmx_vm86_inject(struct hvx_vcpu *vcpu, const struct hvx_event *ev)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	if (vmx->vm86_capture) {
		vmx->vm86_event = *ev;
		return true;
	}
	if (!vmx->vm86_active)
		return false;
	hvx_event_complete(vcpu, ev);
	if (vmx_config.pin & PIN_PREEMPTION_TIMER) {
		vmcs_write32(VMCS_PREEMPTION_TIMER_VALUE, 0);
		vmx->vm86_kick = true;
	}
	return true;
}

/* After the exit: the VMX-preemption timer back to its slice. VMCS current. */
void vmx_vm86_after_exit(struct vmx_vcpu *vmx)
{
	if (vmx->vm86_kick) {
		vmcs_write32(VMCS_PREEMPTION_TIMER_VALUE, vmx_config.preemption_timer);
		vmx->vm86_kick = false;
	}
}

/* --- exceptions in vm86 --- */

/* LGDT / LIDT in real mode: 16-bit limit, 24- or 32-bit base. */
static int vm86_load_dtable(struct hvx_vcpu *vcpu, const struct hvx_insn *insn)
{
	struct hvx_x86 *x = &vcpu->x86;
	struct kvm_dtable *dt = insn->reg == 2 ? &x->gdt : &x->idt;
	u8 buf[6];

	hvx_x86_get(vcpu, HVX_REG_SEGS);
	if (hvx_read_guest(vcpu->vm, hvx_insn_linear(vcpu, insn), buf, sizeof(buf)))
		return hvx_exit_unexpected(vcpu, EXIT_REASON_EXCEPTION_NMI);
	dt->limit = buf[0] | (buf[1] << 8);
	dt->base = buf[2] | (buf[3] << 8) | (buf[4] << 16);
	if (insn->op_size != 2)
		dt->base |= (u32)buf[5] << 24;
	hvx_x86_put(vcpu, HVX_REG_SEGS);
	x->next_rip = (x->rip + insn->len) & 0xffffffffULL;
	return hvx_handle_nop(vcpu);
}

/* #GP in vm86: a real-mode instruction vm86 forbids, or the guest's own #GP. */
static int vm86_handle_gp(struct hvx_vcpu *vcpu, u32 error_code)
{
	struct hvx_insn insn;
	int r;

	r = hvx_decode_at_rip(vcpu, &insn);
	if (r == -EFAULT)
		return 1;	/* the fetch fault is queued */
	if (r)		/* not in RAM, or not an instruction: as KVM says it */
		return hvx_handle_mmio_access(vcpu, true);
	vcpu->x86.next_rip = 0;	/* handlers decode again to retire it */
	if (insn.map == HVX_MAP_ONEBYTE && insn.opcode == 0xf4)
		return hvx_handle_hlt(vcpu);
	if (insn.map == HVX_MAP_0F) {
		switch (insn.opcode) {
		case 0x06:			/* CLTS */
		case 0x20:			/* MOV from CR */
		case 0x22:			/* MOV to CR */
			return hvx_handle_cr_access(vcpu);
		case 0x01:
			if (insn.reg == 6)	/* LMSW */
				return hvx_handle_cr_access(vcpu);
			if (insn.reg == 7 && insn.has_mem)
				return hvx_handle_invlpg(vcpu);
			if ((insn.reg == 2 || insn.reg == 3) && insn.has_mem)
				return vm86_load_dtable(vcpu, &insn);
			if (insn.modrm == 0xd1)	/* XSETBV */
				return hvx_handle_xsetbv(vcpu);
			break;
		case 0x08:			/* INVD */
		case 0x09:			/* WBINVD */
			return hvx_handle_nop(vcpu);
		case 0x30:
			return hvx_handle_wrmsr(vcpu);
		case 0x32:
			return hvx_handle_rdmsr(vcpu);
		}
	}
	hvx_queue_exception(vcpu, VMX_VECTOR_GP, true, error_code);
	return 1;
}

/* An exception exit while in vm86 (all of them exit there); not #UD. */
int vmx_vm86_handle_exception(struct hvx_vcpu *vcpu)
{
	struct vmx_exit_info *e = &to_vmx(vcpu)->exit;
	u32 type = e->intr_info & INTR_INFO_TYPE_MASK;
	u8 vector = e->intr_info & INTR_INFO_VECTOR_MASK;
	struct hvx_event ev = { .type = HVX_EVENT_SOFT_EXCEPTION, .vector = vector,
				.insn_len = e->insn_len };

	/* Host NMIs and machine checks were forwarded right after the exit. */
	if (type == INTR_TYPE_NMI || vector == VMX_VECTOR_MC)
		return 1;
	switch (vector) {
	case VMX_VECTOR_PF:
		return vmx_shadow_handle_pf(vcpu);
	case VMX_VECTOR_GP:
		return vm86_handle_gp(vcpu, e->intr_error);
	}
	if (type == INTR_TYPE_SOFT_EXCEPTION || type == INTR_TYPE_PRIV_SW_EXCEPTION) {
		/* INT3, INTO, INT1: the return address is past the instruction. */
		hvx_event_complete(vcpu, &ev);
		return 1;
	}
	hvx_queue_exception(vcpu, vector, false, 0);
	return 1;
}

/* --- real-mode states vm86 cannot hold: the emulator steps them --- */

static void vm86_load_seg(struct hvx_vcpu *vcpu, int seg, u16 sel)
{
	vcpu->x86.seg[seg].selector = sel;
	vcpu->x86.seg[seg].base = (u32)sel << 4;
}

/* What KVM did without its emulator: make each segment fit, visibly. */
static void vm86_force_fit(struct hvx_vcpu *vcpu, const struct hvx_insn *insn)
{
	struct hvx_x86 *x = &vcpu->x86;
	int i;

	pr_info_ratelimited("vCPU %u: real mode at %04x:%04llx with segments virtual-8086 mode cannot hold, and an instruction (%02x %02x) the emulator cannot step: selectors set from the bases\n",
			    vcpu->id, x->seg[HVX_X86_CS].selector, x->rip,
			    insn->bytes[0], insn->bytes[1]);
	for (i = HVX_X86_ES; i <= HVX_X86_GS; i++) {
		struct kvm_segment *s = &x->seg[i];

		if (!vm86_seg_fits(s))
			vm86_load_seg(vcpu, i, (s->base >> 4) & 0xffff);
	}
}

/*
 * Instead of an entry: one instruction of a real-mode state vm86 cannot
 * hold. Far JMP and MOV to a segment register are done here (they are
 * what ends such a state), the rest by the emulator. Run-loop convention.
 */
static int vm86_step(struct hvx_vcpu *vcpu)
{
	struct hvx_x86 *x = &vcpu->x86;
	struct hvx_insn insn;
	bool unhandled;
	int r;

	r = hvx_decode_at_rip(vcpu, &insn);
	if (r == -EFAULT)
		return 1;	/* the fetch fault is queued */
	if (r)		/* not in RAM, or not an instruction: as KVM says it */
		return hvx_handle_mmio_access(vcpu, true);
	if (insn.map == HVX_MAP_ONEBYTE && insn.opcode == 0xea) {	/* JMP ptr16:16/32 */
		vm86_load_seg(vcpu, HVX_X86_CS, insn.imm2);
		x->rip = insn.op_size == 2 ? (u16)insn.imm : (u32)insn.imm;
		hvx_x86_put(vcpu, HVX_REG_SEGS);
		return 1;
	}
	if (insn.map == HVX_MAP_ONEBYTE && insn.opcode == 0x8e && insn.mod == 3 &&
	    insn.reg <= 5 && insn.reg != HVX_X86_CS) {		/* MOV Sreg, r16 */
		vm86_load_seg(vcpu, insn.reg, x->gprs[insn.rm]);
		x->rip = (x->rip + insn.len) & 0xffff;
		hvx_x86_put(vcpu, HVX_REG_SEGS);
		return 1;
	}
	r = hvx_emulate_or_decline(vcpu, &unhandled);
	if (unhandled) {
		vm86_force_fit(vcpu, &insn);
		hvx_x86_put(vcpu, HVX_REG_SEGS);
	}
	return r;
}

/*
 * Before each entry under shadow paging, preemptible. 1 to enter, or the
 * run-loop convention when the entry is replaced (stepping, an event that
 * cannot be delivered).
 */
int vmx_vm86_prepare(struct hvx_vcpu *vcpu, bool *enter)
{
	int r;

	*enter = false;
	if (!vmx_vm86_wanted(vcpu)) {
		*enter = true;
		return 1;
	}
	if (!vm86_representable(vcpu))
		return vm86_step(vcpu);
	r = vmx_vm86_take_event(vcpu);
	*enter = r == 1;
	return r;
}
