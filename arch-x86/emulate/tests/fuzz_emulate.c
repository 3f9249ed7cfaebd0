// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the decoder, the emulator and the page walker,
 * built with ASan+UBSan.  Input: a small header selecting CPU mode, CPL,
 * control registers, RFLAGS, paging and REP budget, then register values,
 * then instruction bytes.  The instruction bytes are handed to the decoder
 * in a heap buffer of exactly their length so that ASan flags any read
 * past them; REP instructions get counts up to 2^64-1 and must come back
 * in bounded time through HVX_EMU_YIELD.
 */
#include <stdlib.h>
#include <string.h>

#include "../emulate.h"
#include "test_ops.h"

#define RAM_GPA		0x1000ULL
#define RAM_SIZE	0x3000ULL
#define MMIO_GPA	0xfee00000ULL
#define MIRROR_GPA	0x100000000ULL

static u8 ram[RAM_SIZE], mmio[0x1000], mirror[0x1000];

struct fuzz_header {
	u8 mode, cpl, flags_lo, flags_hi;
	u8 cr0_bits, cr4_bits, efer_bits, misc;
	u8 rep_budget;
	u8 seg_bits;
};

static u64 pick_reg(const u8 *p, u8 sel)
{
	u64 v;

	memcpy(&v, p, 8);
	switch (sel & 3) {
	case 0:
		return RAM_GPA + (v % RAM_SIZE);	/* pointer into RAM */
	case 1:
		return MIRROR_GPA + (v & 0xffffffffULL);
	case 2:
		return MMIO_GPA + (v & 0xfff);
	default:
		return v;
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct test_vm vm;
	struct hvx_decode_cfg cfg;
	struct fuzz_header h;
	struct hvx_insn insn;
	struct test_region *m;
	unsigned int i, n, rounds;
	u8 *insn_bytes;
	int r;

	if (size < sizeof(h) + 16 * 8 + 1)
		return 0;
	memcpy(&h, data, sizeof(h));
	data += sizeof(h);
	size -= sizeof(h);

	test_vm_init(&vm, h.mode % 5, h.cpl & 3);
	test_vm_add_region(&vm, RAM_GPA, RAM_SIZE, ram, false);
	test_vm_add_region(&vm, MMIO_GPA, sizeof(mmio), mmio, true);
	m = test_vm_add_region(&vm, MIRROR_GPA, 1ULL << 40, mirror, false);
	m->mirror = sizeof(mirror);
	for (i = 0; i < 16; i++)
		vm.gpr[i] = pick_reg(data + 8 * i, data[8 * i] >> 5 ^ h.misc);
	data += 16 * 8;
	size -= 16 * 8;

	vm.ctxt.cfg.vendor_amd = h.misc & 1;
	vm.ctxt.rflags = HVX_FLAG_FIXED1 | h.flags_lo |
			 ((u64)(h.flags_hi & 0x0f) << 8) |
			 ((h.flags_hi & 0x10) ? HVX_FLAG_AC : 0);
	vm.ctxt.rep_budget = (h.misc & 0x80) ? 0 : h.rep_budget + 1u;
	vm.cr[0] = HVX_CR0_PE | HVX_CR0_PG |
		   ((h.cr0_bits & 1) ? HVX_CR0_WP : 0) |
		   ((h.cr0_bits & 2) ? HVX_CR0_AM : 0);
	vm.cr[4] = (u64)h.cr4_bits << 2;	/* TSD, PSE, PAE, ... */
	if (h.cr4_bits & 0x80)
		vm.cr[4] |= HVX_CR4_LA57 | HVX_CR4_SMEP | HVX_CR4_SMAP |
			    HVX_CR4_PKE;
	for (i = 0; i < 6; i++) {
		vm.seg[i].base = (h.seg_bits & (1u << i)) ? RAM_GPA : 0;
		vm.seg[i].limit = (h.seg_bits & 0x40) ? 0xfff : 0xffffffffu;
		vm.seg[i].type = (h.seg_bits & 0x80) ? (u8)(i * 3) : 3;
		vm.seg[i].db = h.misc & 2;
		vm.seg[i].unusable = (h.misc & 4) && i == HVX_SEG_ES;
		vm.seg[i].present = true;
	}

	/* Guest page tables living in fuzzed RAM. */
	if (h.misc & 8) {
		vm.paging = true;
		vm.ps.cr0 = vm.cr[0];
		vm.ps.cr4 = vm.cr[4];
		vm.ps.efer = (u64)h.efer_bits << 8;
		vm.ps.cr3 = RAM_GPA + ((u64)(h.efer_bits & 3) << 12);
		vm.ps.maxphyaddr = 36 + (h.misc >> 4);
		vm.ps.pkru = (u32)vm.gpr[HVX_R15];
		n = size > RAM_SIZE ? RAM_SIZE : (unsigned int)size;
		memcpy(ram, data, n);
	} else {
		memset(ram, 0xa5, sizeof(ram));
	}

	/* Decoder alone, on an exactly sized copy: catches over-reads. */
	n = size > HVX_INSN_MAX_LEN ? HVX_INSN_MAX_LEN : (unsigned int)size;
	insn_bytes = malloc(n ? n : 1);
	if (!insn_bytes)
		return 0;
	memcpy(insn_bytes, data, n);
	cfg = vm.ctxt.cfg;
	r = hvx_decode(&cfg, insn_bytes, n, &insn);
	if (r == HVX_EMU_OK && (insn.len == 0 || insn.len > n))
		abort();

	/* Full path: the instruction sits in RAM at RIP. */
	if (!vm.paging) {
		memcpy(ram + 0x800, insn_bytes, n);
		vm.ctxt.rip = RAM_GPA + 0x800;
		vm.seg[HVX_SEG_CS].base = 0;
	} else {
		vm.ctxt.rip = vm.gpr[HVX_R14];
	}
	free(insn_bytes);

	r = hvx_emu_fetch_decode(&vm.ctxt);
	/* Bounded: rep_budget (or the default) elements per round. */
	for (rounds = 0; r == HVX_EMU_OK && rounds < 4; rounds++) {
		r = hvx_emu_execute(&vm.ctxt);
		if (r != HVX_EMU_YIELD)
			break;
		r = HVX_EMU_OK;
	}
	if (r == HVX_EMU_EXCEPTION && vm.ctxt.exception.vector > 31)
		abort();
	return 0;
}
