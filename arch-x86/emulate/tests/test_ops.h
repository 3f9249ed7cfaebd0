/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small userspace "vCPU" behind struct hvx_emu_ops for the tests, the
 * fuzzer and the benchmark: a register file, guest-physical regions backed
 * by host buffers (RAM or MMIO-like), an optional guest page-table walk
 * through hvx_pagewalk(), and recording port I/O / MSR / hypercall /
 * INVPCID hooks.
 */
#ifndef HVX_EMU_TEST_OPS_H
#define HVX_EMU_TEST_OPS_H

#include <stddef.h>
#include <string.h>

#include "../emulate.h"

#define TEST_MAX_REGIONS	8

struct test_region {
	u64 gpa;
	u64 size;
	u8 *host;
	bool mmio;		/* count accesses, refuse bulk copies */
	u64 mirror;		/* non-zero: host buffer of this size repeats */
};

struct test_vm {
	struct hvx_emu_ctxt ctxt;
	u64 gpr[HVX_NR_GPRS];
	u64 cr[5];
	u64 efer;
	struct hvx_segment seg[6];
	struct test_region region[TEST_MAX_REGIONS];
	unsigned int nr_regions;

	/* Paging: off means linear == physical within the regions. */
	bool paging;
	struct hvx_paging_state ps;

	/* Recorded side effects. */
	unsigned int mmio_reads, mmio_writes;
	u64 last_mmio_gpa, last_mmio_val;
	u32 pio_in_val;
	u16 last_port;
	u32 last_out_val;
	unsigned int pio_outs, pio_ins;
	bool io_needed_once;	/* first pio_in answers IO_NEEDED */
	u64 msr_tsc_aux, tsc;
	u32 last_msr;
	u64 last_msr_val;
	unsigned int halts, hypercalls;
	u64 xcr0;
	unsigned int invpcids, invpcid_type;
	u64 invpcid_pcid, invpcid_la;
	int invpcid_ret;	/* what the invpcid op returns */
};

static inline struct test_vm *test_vm_of(struct hvx_emu_ctxt *ctxt)
{
	return (struct test_vm *)ctxt->opaque;
}

static inline struct test_region *test_find(struct test_vm *vm, u64 gpa,
					    unsigned int size)
{
	unsigned int i;

	for (i = 0; i < vm->nr_regions; i++) {
		struct test_region *r = &vm->region[i];

		if (gpa >= r->gpa && size <= r->size &&
		    gpa - r->gpa <= r->size - size)
			return r;
	}
	return NULL;
}

/* Host pointer for [gpa, gpa+size) inside @r, or NULL. */
static inline u8 *test_host(const struct test_region *r, u64 gpa,
			    unsigned int size)
{
	u64 off = gpa - r->gpa;

	if (!r->mirror)
		return r->host + off;
	off %= r->mirror;
	return off + size <= r->mirror ? r->host + off : NULL;
}

static u64 test_read_gpr(struct hvx_emu_ctxt *c, unsigned int reg)
{
	return test_vm_of(c)->gpr[reg & 15];
}

static void test_write_gpr(struct hvx_emu_ctxt *c, unsigned int reg, u64 v)
{
	test_vm_of(c)->gpr[reg & 15] = v;
}

static void test_get_segment(struct hvx_emu_ctxt *c, unsigned int seg,
			     struct hvx_segment *out)
{
	*out = test_vm_of(c)->seg[seg < 6 ? seg : HVX_SEG_DS];
}

static u64 test_read_cr(struct hvx_emu_ctxt *c, unsigned int cr)
{
	return cr < 5 ? test_vm_of(c)->cr[cr] : 0;
}

static int test_read_pte(void *opaque, u64 gpa, u64 *val, unsigned int size)
{
	struct test_region *r = test_find(opaque, gpa, size);

	*val = 0;
	if (!r || !test_host(r, gpa, size))
		return HVX_EMU_UNHANDLEABLE;
	memcpy(val, test_host(r, gpa, size), size);
	return HVX_EMU_OK;
}

static int test_cmpxchg_pte(void *opaque, u64 gpa, u64 old, u64 new,
			    unsigned int size)
{
	struct test_region *r = test_find(opaque, gpa, size);
	u64 cur = 0;

	if (!r || !test_host(r, gpa, size))
		return HVX_EMU_UNHANDLEABLE;
	memcpy(&cur, test_host(r, gpa, size), size);
	if (cur != old)
		return HVX_EMU_RETRY;
	memcpy(test_host(r, gpa, size), &new, size);
	return HVX_EMU_OK;
}

static const struct hvx_walk_ops test_walk_ops = {
	.read_pte = test_read_pte,
	.cmpxchg_pte = test_cmpxchg_pte,
};

static int test_translate(struct hvx_emu_ctxt *c, u64 la, u32 access,
			  u64 *gpa, struct hvx_emu_exception *fault)
{
	struct test_vm *vm = test_vm_of(c);
	struct hvx_walk_result res;
	int r;

	if (vm->paging) {
		vm->ps.rflags = c->rflags;
		r = hvx_pagewalk(&test_walk_ops, vm, &vm->ps, la, access, &res,
				 fault);
		*gpa = res.gpa;
		return r;
	}
	/* Identity map of the regions; anything else is not present. */
	if (!test_find(vm, la, 1)) {
		fault->vector = HVX_VEC_PF;
		fault->has_error_code = true;
		fault->error_code = ((access & HVX_ACC_WRITE) ? HVX_PFEC_W : 0) |
				    ((access & HVX_ACC_USER) ? HVX_PFEC_U : 0) |
				    ((access & HVX_ACC_FETCH) ? HVX_PFEC_I : 0);
		fault->cr2 = la;
		return HVX_EMU_EXCEPTION;
	}
	*gpa = la;
	return HVX_EMU_OK;
}

static int test_read_phys(struct hvx_emu_ctxt *c, u64 gpa, void *buf,
			  unsigned int size)
{
	struct test_vm *vm = test_vm_of(c);
	struct test_region *r = test_find(vm, gpa, size);

	if (!r || !test_host(r, gpa, size))
		return HVX_EMU_UNHANDLEABLE;
	memcpy(buf, test_host(r, gpa, size), size);
	if (r->mmio) {
		vm->mmio_reads++;
		vm->last_mmio_gpa = gpa;
	}
	return HVX_EMU_OK;
}

static int test_write_phys(struct hvx_emu_ctxt *c, u64 gpa, const void *buf,
			   unsigned int size)
{
	struct test_vm *vm = test_vm_of(c);
	struct test_region *r = test_find(vm, gpa, size);

	if (!r || !test_host(r, gpa, size))
		return HVX_EMU_UNHANDLEABLE;
	memcpy(test_host(r, gpa, size), buf, size);
	if (r->mmio) {
		vm->mmio_writes++;
		vm->last_mmio_gpa = gpa;
		vm->last_mmio_val = 0;
		memcpy(&vm->last_mmio_val, buf, size < 8 ? size : 8);
	}
	return HVX_EMU_OK;
}

static int test_cmpxchg_phys(struct hvx_emu_ctxt *c, u64 gpa, const void *old,
			     const void *new, unsigned int size)
{
	struct test_region *r = test_find(test_vm_of(c), gpa, size);

	if (!r || !test_host(r, gpa, size))
		return HVX_EMU_UNHANDLEABLE;
	if (memcmp(test_host(r, gpa, size), old, size))
		return HVX_EMU_RETRY;
	memcpy(test_host(r, gpa, size), new, size);
	return HVX_EMU_OK;
}

static int test_copy_phys(struct hvx_emu_ctxt *c, u64 dst, u64 src,
			  unsigned int size)
{
	struct test_vm *vm = test_vm_of(c);
	struct test_region *d = test_find(vm, dst, size);
	struct test_region *s = test_find(vm, src, size);

	if (!d || !s || d->mmio || s->mmio || d->mirror || s->mirror)
		return HVX_EMU_UNHANDLEABLE;
	memmove(d->host + (dst - d->gpa), s->host + (src - s->gpa), size);
	return HVX_EMU_OK;
}

static int test_pio_in(struct hvx_emu_ctxt *c, u16 port, unsigned int size,
		       u32 *val)
{
	struct test_vm *vm = test_vm_of(c);

	if (vm->io_needed_once) {
		vm->io_needed_once = false;
		return HVX_EMU_IO_NEEDED;
	}
	vm->last_port = port;
	vm->pio_ins++;
	*val = vm->pio_in_val & (u32)((1ULL << (8 * size)) - 1);
	vm->pio_in_val += 0x01010101u;
	return HVX_EMU_OK;
}

static int test_pio_out(struct hvx_emu_ctxt *c, u16 port, unsigned int size,
			u32 val)
{
	struct test_vm *vm = test_vm_of(c);

	(void)size;
	vm->last_port = port;
	vm->last_out_val = val;
	vm->pio_outs++;
	return HVX_EMU_OK;
}

static void test_cpuid(struct hvx_emu_ctxt *c, u32 leaf, u32 subleaf,
		       u32 *a, u32 *b, u32 *cx, u32 *d)
{
	(void)c;
	*a = leaf ^ 0x11111111u;
	*b = subleaf ^ 0x22222222u;
	*cx = 0x33333333u;
	*d = 0x44444444u;
}

#define TEST_MSR_VALID	0x10u	/* only this MSR and TSC_AUX exist */

static int test_read_msr(struct hvx_emu_ctxt *c, u32 msr, u64 *val)
{
	struct test_vm *vm = test_vm_of(c);

	if (msr == HVX_MSR_TSC_AUX) {
		*val = vm->msr_tsc_aux;
		return HVX_EMU_OK;
	}
	if (msr != TEST_MSR_VALID)
		return HVX_EMU_EXCEPTION;
	*val = vm->last_msr_val;
	return HVX_EMU_OK;
}

static int test_write_msr(struct hvx_emu_ctxt *c, u32 msr, u64 val)
{
	struct test_vm *vm = test_vm_of(c);

	if (msr != TEST_MSR_VALID)
		return HVX_EMU_EXCEPTION;
	vm->last_msr = msr;
	vm->last_msr_val = val;
	return HVX_EMU_OK;
}

static int test_set_xcr(struct hvx_emu_ctxt *c, u32 index, u64 val)
{
	if (index != 0 || !(val & 1))
		return HVX_EMU_EXCEPTION;
	test_vm_of(c)->xcr0 = val;
	return HVX_EMU_OK;
}

static u64 test_read_tsc(struct hvx_emu_ctxt *c)
{
	return test_vm_of(c)->tsc;
}

static int test_halt(struct hvx_emu_ctxt *c)
{
	test_vm_of(c)->halts++;
	return HVX_EMU_OK;
}

static int test_hypercall(struct hvx_emu_ctxt *c)
{
	struct test_vm *vm = test_vm_of(c);

	vm->hypercalls++;
	vm->gpr[HVX_RAX] = 0;	/* "success" return value */
	return HVX_EMU_OK;
}

static int test_invpcid(struct hvx_emu_ctxt *c, unsigned int type, u64 pcid,
			u64 la)
{
	struct test_vm *vm = test_vm_of(c);

	vm->invpcids++;
	vm->invpcid_type = type;
	vm->invpcid_pcid = pcid;
	vm->invpcid_la = la;
	return vm->invpcid_ret;
}

static const struct hvx_emu_ops test_emu_ops = {
	.read_gpr = test_read_gpr,
	.write_gpr = test_write_gpr,
	.get_segment = test_get_segment,
	.read_cr = test_read_cr,
	.translate = test_translate,
	.read_phys = test_read_phys,
	.write_phys = test_write_phys,
	.cmpxchg_phys = test_cmpxchg_phys,
	.copy_phys = test_copy_phys,
	.pio_in = test_pio_in,
	.pio_out = test_pio_out,
	.cpuid = test_cpuid,
	.read_msr = test_read_msr,
	.write_msr = test_write_msr,
	.set_xcr = test_set_xcr,
	.read_tsc = test_read_tsc,
	.halt = test_halt,
	.hypercall = test_hypercall,
	.invpcid = test_invpcid,
};

/* A flat 64-bit vCPU at CPL @cpl; the caller adds regions. */
static inline void test_vm_init(struct test_vm *vm, u8 mode, u8 cpl)
{
	unsigned int i;

	memset(vm, 0, sizeof(*vm));
	vm->ctxt.ops = &test_emu_ops;
	vm->ctxt.opaque = vm;
	vm->ctxt.cfg.mode = mode;
	vm->ctxt.cpl = cpl;
	vm->ctxt.rflags = HVX_FLAG_FIXED1;
	vm->cr[0] = HVX_CR0_PE | HVX_CR0_PG | HVX_CR0_WP;
	for (i = 0; i < 6; i++) {
		vm->seg[i].limit = 0xffffffffu;
		vm->seg[i].present = true;
		vm->seg[i].db = true;
		vm->seg[i].type = i == HVX_SEG_CS ? 0xb : 0x3;
	}
}

static inline struct test_region *test_vm_add_region(struct test_vm *vm,
						    u64 gpa, u64 size,
						    void *host, bool mmio)
{
	if (vm->nr_regions >= TEST_MAX_REGIONS)
		return &vm->region[TEST_MAX_REGIONS - 1];
	vm->region[vm->nr_regions] = (struct test_region){
		.gpa = gpa, .size = size, .host = host, .mmio = mmio };
	return &vm->region[vm->nr_regions++];
}

#endif /* HVX_EMU_TEST_OPS_H */
