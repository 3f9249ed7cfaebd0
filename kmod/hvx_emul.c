// SPDX-License-Identifier: GPL-2.0-only
/*
 * The emulator (arch-x86/emulate) wired to a vCPU: guest registers from the
 * state cache, guest memory through the memslots, MMIO and string port I/O
 * through kvm_run. Used where the CPU gives no decode assist: MMIO (nested
 * page faults outside RAM), INS/OUTS, and next-RIP without NRIP save.
 *
 * MMIO reads follow the emulator's restart rule: the first time a read
 * reaches MMIO we exit to userspace and nothing of the instruction is
 * committed; when KVM_RUN comes back with the data, the instruction runs
 * again from the start and the read is answered from vcpu->x86.mmio_reads.
 * Writes complete at once into vcpu->x86.mmio_writes and go out after the
 * instruction retired, one KVM_EXIT_MMIO each.
 */
#include <linux/kernel.h>
#include <linux/uaccess.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include "hvx_core.h"
#include "hvx_exit.h"
#include "emulate.h"
#include "irqchip/hooks.h"
#include "shadow.h"

static struct hvx_vcpu *to_vcpu(struct hvx_emu_ctxt *ctxt)
{
	return ctxt->opaque;
}

static u64 emu_read_gpr(struct hvx_emu_ctxt *ctxt, unsigned int reg)
{
	return to_vcpu(ctxt)->x86.gprs[reg];
}

static void emu_write_gpr(struct hvx_emu_ctxt *ctxt, unsigned int reg, u64 val)
{
	to_vcpu(ctxt)->x86.gprs[reg] = val;
}

static void emu_get_segment(struct hvx_emu_ctxt *ctxt, unsigned int seg,
			    struct hvx_segment *out)
{
	const struct kvm_segment *s = &to_vcpu(ctxt)->x86.seg[seg];

	out->base = s->base;
	out->limit = s->limit;
	out->selector = s->selector;
	out->type = s->type;
	out->present = s->present;
	out->db = s->db;
	out->unusable = s->unusable || !s->present;
}

static u64 emu_read_cr(struct hvx_emu_ctxt *ctxt, unsigned int cr)
{
	struct hvx_x86 *x = &to_vcpu(ctxt)->x86;

	switch (cr) {
	case 0: return x->cr0;
	case 2: return x->cr2;
	case 3: return x->cr3;
	case 4: return x->cr4;
	default: return 0;
	}
}

/* Guest page tables live in guest RAM: read and update them through the slots. */
static int walk_read_pte(void *opaque, u64 gpa, u64 *val, unsigned int size)
{
	*val = 0;
	if (hvx_read_guest(((struct hvx_vcpu *)opaque)->vm, gpa, val, size))
		return HVX_EMU_UNHANDLEABLE;
	return HVX_EMU_OK;
}

/* Through hvx_cmpxchg_guest(), which logs the page where the slot logs dirty pages. */
static int walk_cmpxchg_pte(void *opaque, u64 gpa, u64 old, u64 new, unsigned int size)
{
	struct hvx_vcpu *vcpu = opaque;
	int r = hvx_cmpxchg_guest(vcpu->vm, gpa, old, new, size);

	if (r < 0)
		return HVX_EMU_UNHANDLEABLE;
	return r ? HVX_EMU_RETRY : HVX_EMU_OK;
}

static const struct hvx_walk_ops hvx_walk_ops = {
	.read_pte = walk_read_pte,
	.cmpxchg_pte = walk_cmpxchg_pte,
};

/*
 * Walk the guest's page tables as the CPU would for @access at @la (A/D
 * set, exact #PF in @fault). CRs and EFER must be in the cache.
 */
int hvx_guest_walk(struct hvx_vcpu *vcpu, u64 la, u32 access, u64 rflags,
		   struct hvx_walk_result *res, struct hvx_emu_exception *fault)
{
	struct hvx_x86 *x = &vcpu->x86;
	struct hvx_paging_state ps = {
		.cr0 = x->cr0, .cr3 = x->cr3, .cr4 = x->cr4, .efer = x->efer,
		.rflags = rflags,
		.maxphyaddr = boot_cpu_data.x86_phys_bits,
	};

	return hvx_pagewalk(&hvx_walk_ops, vcpu, &ps, la, access, res, fault);
}

static int emu_translate(struct hvx_emu_ctxt *ctxt, u64 la, u32 access,
			 u64 *gpa, struct hvx_emu_exception *fault)
{
	struct hvx_walk_result res;
	int r;

	r = hvx_guest_walk(to_vcpu(ctxt), la, access, ctxt->rflags, &res, fault);
	if (r == HVX_EMU_OK)
		*gpa = res.gpa;
	return r;
}

static int emu_read_phys(struct hvx_emu_ctxt *ctxt, u64 gpa, void *buf, unsigned int size)
{
	struct hvx_vcpu *vcpu = to_vcpu(ctxt);
	struct hvx_x86 *x = &vcpu->x86;
	struct kvm_run *run = hvx_vcpu_run_page(vcpu);
	unsigned int i;
	int r;

	r = hvx_read_guest(vcpu->vm, gpa, buf, size);
	if (r != -ENOENT)
		return r ? HVX_EMU_UNHANDLEABLE : HVX_EMU_OK;
	/* In-kernel devices (LAPIC, IOAPIC) answer without an exit. */
	if (size <= 8 && !hvx_io_bus_mmio(vcpu, gpa, size, false, buf))
		return HVX_EMU_OK;

	for (i = 0; i < x->nr_mmio_reads; i++) {
		if (x->mmio_reads[i].gpa == gpa && x->mmio_reads[i].len == size) {
			memcpy(buf, x->mmio_reads[i].data, size);
			return HVX_EMU_OK;
		}
	}
	if (size > 8 || x->nr_mmio_reads == ARRAY_SIZE(x->mmio_reads))
		return HVX_EMU_UNHANDLEABLE;
	run->exit_reason = KVM_EXIT_MMIO;
	hvx_vcpu_stat_inc(vcpu, HVX_STAT_MMIO_EXITS);
	run->mmio.phys_addr = gpa;
	run->mmio.len = size;
	run->mmio.is_write = 0;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	x->pending = HVX_PENDING_EMULATE;
	return HVX_EMU_IO_NEEDED;
}

static int emu_write_phys(struct hvx_emu_ctxt *ctxt, u64 gpa, const void *buf,
			  unsigned int size)
{
	struct hvx_vcpu *vcpu = to_vcpu(ctxt);
	struct hvx_x86 *x = &vcpu->x86;
	int r;

	r = hvx_write_guest(vcpu->vm, gpa, buf, size);
	if (!r && hvx_shadow_enabled())	/* maybe a guest page table */
		hvx_shadow_guest_write(vcpu, gpa, size);
	if (r != -ENOENT)
		return r ? HVX_EMU_UNHANDLEABLE : HVX_EMU_OK;
	if (size <= 8 && !hvx_io_bus_mmio(vcpu, gpa, size, true, (void *)buf))
		return HVX_EMU_OK;
	/* kvm_run.mmio carries at most 8 bytes: larger writes go in pieces. */
	while (size) {
		unsigned int n = min(size, 8u);
		struct hvx_mmio_frag *f;

		if (x->nr_mmio_writes == ARRAY_SIZE(x->mmio_writes))
			return HVX_EMU_UNHANDLEABLE;
		f = &x->mmio_writes[x->nr_mmio_writes++];
		f->gpa = gpa;
		f->len = n;
		memcpy(f->data, buf, n);
		gpa += n;
		buf += n;
		size -= n;
	}
	return HVX_EMU_OK;
}

static int emu_cmpxchg_phys(struct hvx_emu_ctxt *ctxt, u64 gpa, const void *old,
			    const void *new, unsigned int size)
{
	struct hvx_vcpu *vcpu = to_vcpu(ctxt);
	u64 o = 0, n = 0;
	int r;

	/* MMIO (and a READONLY slot, and odd sizes): a plain write. */
	if (size != sizeof(u32) && size != sizeof(u64))
		return emu_write_phys(ctxt, gpa, new, size);
	memcpy(&o, old, size);
	memcpy(&n, new, size);
	r = hvx_cmpxchg_guest(vcpu->vm, gpa, o, n, size);
	if (r == -ENOENT)
		return emu_write_phys(ctxt, gpa, new, size);
	if (r < 0)
		return HVX_EMU_UNHANDLEABLE;
	if (r)
		return HVX_EMU_RETRY;
	if (hvx_shadow_enabled())	/* maybe a guest page table */
		hvx_shadow_guest_write(vcpu, gpa, size);
	return HVX_EMU_OK;
}

/*
 * String port I/O: OUTS elements collect in the PIO page and go out in one
 * KVM_EXIT_IO when the emulator yields (rep_budget = what the page holds);
 * INS asks userspace for as many elements as the REP count and the page
 * allow, then re-runs and consumes them.
 */
static int emu_pio_in(struct hvx_emu_ctxt *ctxt, u16 port, unsigned int size, u32 *val)
{
	struct hvx_vcpu *vcpu = to_vcpu(ctxt);
	struct hvx_x86 *x = &vcpu->x86;
	u8 *page = hvx_vcpu_pio_page(vcpu);
	u64 count = 1;

	*val = 0;
	if (!x->pio_count && !hvx_io_bus_pio(vcpu, port, size, true, val))
		return HVX_EMU_OK;
	if (x->pio_index < x->pio_count) {
		*val = 0;
		memcpy(val, page + x->pio_index * size, size);
		x->pio_index++;
		return HVX_EMU_OK;
	}
	if (ctxt->insn.rep != HVX_REP_NONE) {
		u64 rcx = x->gprs[HVX_RCX];

		if (ctxt->insn.addr_size < 8)
			rcx &= (1ULL << (ctxt->insn.addr_size * 8)) - 1;
		count = clamp_t(u64, rcx, 1, PAGE_SIZE / size);
	}
	hvx_exit_io(vcpu, KVM_EXIT_IO_IN, port, size, count);
	x->pio_count = count;
	x->pio_index = 0;
	x->pio_size = size;
	x->pending = HVX_PENDING_STRING_IO;
	return HVX_EMU_IO_NEEDED;
}

static int emu_pio_out(struct hvx_emu_ctxt *ctxt, u16 port, unsigned int size, u32 val)
{
	struct hvx_vcpu *vcpu = to_vcpu(ctxt);
	struct hvx_x86 *x = &vcpu->x86;
	u8 *page = hvx_vcpu_pio_page(vcpu);

	if (!x->pio_count && !hvx_io_bus_pio(vcpu, port, size, false, &val))
		return HVX_EMU_OK;
	if ((x->pio_count + 1) * size > PAGE_SIZE)
		return HVX_EMU_UNHANDLEABLE;	/* rep_budget keeps us below */
	memcpy(page + x->pio_count * size, &val, size);
	x->pio_count++;
	hvx_exit_io(vcpu, KVM_EXIT_IO_OUT, port, size, x->pio_count);
	return HVX_EMU_OK;
}

static void emu_cpuid(struct hvx_emu_ctxt *ctxt, u32 leaf, u32 subleaf,
		      u32 *eax, u32 *ebx, u32 *ecx, u32 *edx)
{
	hvx_guest_cpuid(to_vcpu(ctxt), leaf, subleaf, eax, ebx, ecx, edx);
}

static int emu_read_msr(struct hvx_emu_ctxt *ctxt, u32 msr, u64 *val)
{
	return hvx_guest_get_msr(to_vcpu(ctxt), msr, val) ? HVX_EMU_EXCEPTION : HVX_EMU_OK;
}

static int emu_write_msr(struct hvx_emu_ctxt *ctxt, u32 msr, u64 val)
{
	return hvx_guest_set_msr(to_vcpu(ctxt), msr, val) ? HVX_EMU_EXCEPTION : HVX_EMU_OK;
}

static int emu_set_xcr(struct hvx_emu_ctxt *ctxt, u32 index, u64 val)
{
	return hvx_set_xcr(to_vcpu(ctxt), index, val) ? HVX_EMU_EXCEPTION : HVX_EMU_OK;
}

static u64 emu_read_tsc(struct hvx_emu_ctxt *ctxt)
{
	return hvx_tsc_read(to_vcpu(ctxt));
}

/*
 * INVPCID, any type: under shadow paging the roots are in sync with the
 * guest's tables and the CPU's TLB holds only the current root's
 * translations, so flushing this vCPU's TLB covers every type (a TLB may
 * always drop more than asked).
 */
static int emu_invpcid(struct hvx_emu_ctxt *ctxt, unsigned int type, u64 pcid, u64 la)
{
	set_bit(HVX_REQ_TLB_FLUSH, &to_vcpu(ctxt)->requests);
	return HVX_EMU_OK;
}

/* HLT and VMMCALL reach the emulator only inside other exits: not emulated. */
static int emu_unhandleable(struct hvx_emu_ctxt *ctxt)
{
	return HVX_EMU_UNHANDLEABLE;
}

static const struct hvx_emu_ops hvx_emu_ops = {
	.read_gpr = emu_read_gpr,
	.write_gpr = emu_write_gpr,
	.get_segment = emu_get_segment,
	.read_cr = emu_read_cr,
	.translate = emu_translate,
	.read_phys = emu_read_phys,
	.write_phys = emu_write_phys,
	.cmpxchg_phys = emu_cmpxchg_phys,
	.pio_in = emu_pio_in,
	.pio_out = emu_pio_out,
	.cpuid = emu_cpuid,
	.read_msr = emu_read_msr,
	.write_msr = emu_write_msr,
	.set_xcr = emu_set_xcr,
	.read_tsc = emu_read_tsc,
	.halt = emu_unhandleable,
	.hypercall = emu_unhandleable,
	.invpcid = emu_invpcid,
};

static void hvx_emu_init(struct hvx_vcpu *vcpu, struct hvx_emu_ctxt *ctxt)
{
	struct hvx_x86 *x = &vcpu->x86;

	hvx_x86_get(vcpu, HVX_REG_SEGS | HVX_REG_CRS);
	memset(ctxt, 0, sizeof(*ctxt));
	ctxt->ops = &hvx_emu_ops;
	ctxt->opaque = vcpu;
	ctxt->cfg.mode = hvx_x86_cpu_mode(vcpu);
	ctxt->cfg.vendor_amd = hvx_caps.backend == HVX_BACKEND_SVM;
	ctxt->cpl = x->cpl;
	ctxt->rip = x->rip;
	ctxt->rflags = x->rflags;
}

/* KVM_EXIT_INTERNAL_ERROR / EMULATION with the bytes at RIP, as KVM reports it. */
static int hvx_emulation_failed(struct hvx_vcpu *vcpu, const struct hvx_insn *insn)
{
	struct kvm_run *run = hvx_vcpu_run_page(vcpu);

	memset(&run->emulation_failure, 0, sizeof(run->emulation_failure));
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.ndata = 1;	/* flags */
	if (insn && insn->len) {
		run->emulation_failure.ndata = 3;	/* + insn_size and insn_bytes */
		run->emulation_failure.flags = KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
		run->emulation_failure.insn_size = insn->len;
		memcpy(run->emulation_failure.insn_bytes, insn->bytes, insn->len);
	}
	return 0;
}

static int hvx_emu_result(struct hvx_vcpu *vcpu, struct hvx_emu_ctxt *ctxt, int r)
{
	struct hvx_x86 *x = &vcpu->x86;

	switch (r) {
	case HVX_EMU_OK:
		x->rflags = ctxt->rflags;
		hvx_retire_insn(vcpu, ctxt->rip);
		x->nr_mmio_reads = 0;
		return 1;
	case HVX_EMU_YIELD:	/* a REP instruction not finished: not retired */
		x->rip = ctxt->rip;
		x->rflags = ctxt->rflags;
		x->nr_mmio_reads = 0;
		return 1;
	case HVX_EMU_EXCEPTION:
		x->nr_mmio_reads = 0;
		x->nr_mmio_writes = 0;
		if (ctxt->exception.vector == HVX_VEC_PF) {
			hvx_x86_get(vcpu, HVX_REG_CRS);
			x->cr2 = ctxt->exception.cr2;
			hvx_x86_put(vcpu, HVX_REG_CRS);
		}
		hvx_queue_exception(vcpu, ctxt->exception.vector,
				    ctxt->exception.has_error_code,
				    ctxt->exception.error_code);
		return 1;
	case HVX_EMU_RETRY:
		return 1;	/* re-enter: the guest executes it again */
	case HVX_EMU_IO_NEEDED:
		return 0;	/* kvm_run is filled in */
	default:
		x->nr_mmio_reads = 0;
		/*
		 * As KVM: an instruction user mode made hvx emulate and that
		 * hvx cannot is the guest's #UD, unless the VMM asked to see
		 * every failure; the kernel's (CPL 0) always exits.
		 */
		if (ctxt->cpl && !READ_ONCE(vcpu->vm->exit_on_emulation_failure)) {
			hvx_queue_exception(vcpu, HVX_VEC_UD, false, 0);
			return 1;
		}
		return hvx_emulation_failed(vcpu, &ctxt->insn);
	}
}

/* Hand out the next buffered MMIO write; true if kvm_run now holds one. */
bool hvx_emu_next_mmio_write(struct hvx_vcpu *vcpu)
{
	struct hvx_x86 *x = &vcpu->x86;
	struct kvm_run *run = hvx_vcpu_run_page(vcpu);
	struct hvx_mmio_frag *f;

	if (x->next_mmio_write >= x->nr_mmio_writes) {
		x->nr_mmio_writes = x->next_mmio_write = 0;
		return false;
	}
	f = &x->mmio_writes[x->next_mmio_write++];
	run->exit_reason = KVM_EXIT_MMIO;
	hvx_vcpu_stat_inc(vcpu, HVX_STAT_MMIO_EXITS);
	run->mmio.phys_addr = f->gpa;
	run->mmio.len = f->len;
	run->mmio.is_write = 1;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	memcpy(run->mmio.data, f->data, f->len);
	return true;
}

/*
 * Emulate the instruction at RIP. @rep_budget limits REP iterations (0: the
 * emulator's default). Returns 1 to re-enter the guest, 0 with kvm_run
 * filled in, or -errno.
 */
/* Fetch, decode and execute the instruction at RIP: an emulator result. */
static int hvx_emu_run(struct hvx_vcpu *vcpu, struct hvx_emu_ctxt *ctxt, u32 rep_budget)
{
	int r;

	hvx_emu_init(vcpu, ctxt);
	ctxt->rep_budget = rep_budget;
	r = hvx_emu_fetch_decode(ctxt);
	if (r == HVX_EMU_OK)
		r = hvx_emu_execute(ctxt);
	/* Bytes missing at the end of the guest's memory: not decodable. */
	return r == HVX_EMU_TRUNCATED ? HVX_EMU_UNHANDLEABLE : r;
}

int hvx_emulate(struct hvx_vcpu *vcpu, u32 rep_budget)
{
	struct hvx_emu_ctxt ctxt;
	int r;

	hvx_vcpu_stat_inc(vcpu, HVX_STAT_INSN_EMULATION);
	r = hvx_emu_result(vcpu, &ctxt, hvx_emu_run(vcpu, &ctxt, rep_budget));
	if (r == 1 && hvx_emu_next_mmio_write(vcpu)) {
		vcpu->x86.pending = HVX_PENDING_MMIO_WRITE;
		return 0;
	}
	return r;
}

/*
 * Emulate the instruction at RIP where the caller has another way out:
 * a write to a write-protected guest page table (shadow paging), a
 * real-mode instruction virtual-8086 mode cannot run yet (vmx_vm86.c).
 * Like hvx_emulate(), except that an instruction the emulator cannot
 * handle sets *@unhandled (nothing was committed) and returns 1.
 */
int hvx_emulate_or_decline(struct hvx_vcpu *vcpu, bool *unhandled)
{
	struct hvx_emu_ctxt ctxt;
	int r;

	*unhandled = false;
	vcpu->x86.next_rip = 0;
	r = hvx_emu_run(vcpu, &ctxt, 0);
	if (r == HVX_EMU_UNHANDLEABLE) {
		vcpu->x86.nr_mmio_reads = 0;
		vcpu->x86.nr_mmio_writes = 0;
		*unhandled = true;
		return 1;
	}
	r = hvx_emu_result(vcpu, &ctxt, r);
	if (r == 1 && hvx_emu_next_mmio_write(vcpu)) {
		vcpu->x86.pending = HVX_PENDING_MMIO_WRITE;
		return 0;
	}
	return r;
}

/* String I/O: emulate with as many elements as the PIO page holds. */
int hvx_emulate_string_io(struct hvx_vcpu *vcpu, unsigned int size)
{
	struct hvx_x86 *x = &vcpu->x86;
	struct hvx_emu_ctxt ctxt;
	u32 budget;
	int r;

	/* INS re-runs consume exactly the elements userspace supplied. */
	budget = x->pio_count > x->pio_index ? x->pio_count : PAGE_SIZE / size;
	if (x->pio_count <= x->pio_index)
		x->pio_count = x->pio_index = 0;
	r = hvx_emu_run(vcpu, &ctxt, budget);
	if (r == HVX_EMU_IO_NEEDED)
		return 0;	/* INS: kvm_run asks for the data */
	if (r != HVX_EMU_OK && r != HVX_EMU_YIELD) {
		x->pio_count = x->pio_index = 0;
		return hvx_emu_result(vcpu, &ctxt, r);
	}
	hvx_emu_result(vcpu, &ctxt, r);
	/* OUTS: elements are in the PIO page, kvm_run.io says how many. */
	if (x->pio_count && x->pio_index == 0) {
		x->pio_count = 0;
		x->pio_size = size;
		x->pending = r == HVX_EMU_YIELD ? HVX_PENDING_STRING_IO : HVX_PENDING_NONE;
		return 0;
	}
	/* INS: buffer used up; REP continues by re-entering (it exits again). */
	x->pio_count = x->pio_index = 0;
	return 1;
}

/*
 * Decode the instruction at RIP (for exits the CPU does not describe:
 * no NRIP save, no decode assists). 0, -EFAULT with the fetch fault
 * queued for the guest, or -EIO if it cannot be decoded.
 */
int hvx_decode_at_rip(struct hvx_vcpu *vcpu, struct hvx_insn *insn)
{
	struct hvx_emu_ctxt ctxt;
	int r;

	hvx_emu_init(vcpu, &ctxt);
	r = hvx_emu_fetch_decode(&ctxt);
	if (r == HVX_EMU_EXCEPTION) {
		hvx_emu_result(vcpu, &ctxt, r);
		return -EFAULT;
	}
	if (r != HVX_EMU_OK)
		return -EIO;
	*insn = ctxt.insn;
	return 0;
}

/* Length of the instruction at RIP, for exits without a next RIP. */
int hvx_emulate_insn_len(struct hvx_vcpu *vcpu, unsigned int *len)
{
	struct hvx_insn insn;
	int r = hvx_decode_at_rip(vcpu, &insn);

	if (!r)
		*len = insn.len;
	return r;
}
