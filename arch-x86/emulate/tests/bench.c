// SPDX-License-Identifier: GPL-2.0-only
/*
 * Emulator cost in userspace, next to the native cost of the same
 * operation, all measured in this one run:
 *   decode of a typical MMIO store            vs a native 4-byte store
 *   fetch+decode+execute of a 4-byte MMIO store vs a native 4-byte store
 *   REP MOVSB of 4 KiB between RAM pages       vs native REP MOVSB 4 KiB
 * Each figure is the best of several timed batches (least disturbed by
 * other load on the machine).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../emulate.h"
#include "test_ops.h"

#define BATCHES	7

static const u8 mmio_store[] = { 0x89, 0x42, 0x10 };	/* mov [rdx+0x10], eax */

static u8 ram[3 * 4096] __attribute__((aligned(4096)));
static u8 mmio[4096];
static u8 code[4096];
static volatile u32 native_sink[64];

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

typedef void (*bench_fn)(unsigned long iters);

static double best_ns_per_op(bench_fn fn, unsigned long iters)
{
	double best = 1e30;
	int b;

	fn(iters / 10);		/* warm up */
	for (b = 0; b < BATCHES; b++) {
		double t0 = now_ns(), t;

		fn(iters);
		t = (now_ns() - t0) / (double)iters;
		if (t < best)
			best = t;
	}
	return best;
}

static struct test_vm vm;

static void setup_vm(void)
{
	test_vm_init(&vm, HVX_MODE_LONG64, 0);
	test_vm_add_region(&vm, 0x100000, sizeof(ram), ram, false);
	test_vm_add_region(&vm, 0xfee00000, sizeof(mmio), mmio, true);
	test_vm_add_region(&vm, 0x200000, sizeof(code), code, false);
	memcpy(code, mmio_store, sizeof(mmio_store));
	memcpy(code + 16, "\xf3\xa4", 2);		/* rep movsb */
}

static void bench_decode(unsigned long iters)
{
	struct hvx_decode_cfg cfg = { .mode = HVX_MODE_LONG64 };
	struct hvx_insn insn;
	unsigned long i;

	for (i = 0; i < iters; i++) {
		hvx_decode(&cfg, mmio_store, sizeof(mmio_store), &insn);
		__asm__ volatile("" : : "r"(&insn) : "memory");
	}
}

static void bench_emulate_store(unsigned long iters)
{
	unsigned long i;

	for (i = 0; i < iters; i++) {
		vm.ctxt.rip = 0x200000;
		vm.gpr[HVX_RDX] = 0xfee00300;
		vm.gpr[HVX_RAX] = i;
		if (hvx_emu_fetch_decode(&vm.ctxt) ||
		    hvx_emu_execute(&vm.ctxt))
			fprintf(stderr, "emulated store failed\n");
	}
}

static void bench_native_store(unsigned long iters)
{
	volatile u32 *p = native_sink;
	unsigned long i;

	for (i = 0; i < iters; i++)
		__asm__ volatile("movl %k1, 0x10(%0)"
				 : : "r"(p), "r"(i) : "memory");
}

static void bench_emulate_rep_movsb(unsigned long iters)
{
	unsigned long i;

	for (i = 0; i < iters; i++) {
		vm.ctxt.rip = 0x200010;
		vm.ctxt.rflags = HVX_FLAG_FIXED1;
		vm.gpr[HVX_RSI] = 0x100000;
		vm.gpr[HVX_RDI] = 0x101000;
		vm.gpr[HVX_RCX] = 4096;
		if (hvx_emu_fetch_decode(&vm.ctxt) ||
		    hvx_emu_execute(&vm.ctxt))
			fprintf(stderr, "emulated rep movsb failed\n");
	}
}

static void bench_native_rep_movsb(unsigned long iters)
{
	unsigned long i;

	for (i = 0; i < iters; i++) {
		void *d = ram + 4096, *s = ram;
		unsigned long n = 4096;

		__asm__ volatile("rep movsb"
				 : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	}
}

/* The same REP MOVSB with the bulk-copy op withdrawn: per-element cost. */
static void bench_emulate_rep_movsb_elementwise(unsigned long iters)
{
	static struct hvx_emu_ops ops;

	ops = test_emu_ops;
	ops.copy_phys = NULL;
	vm.ctxt.ops = &ops;
	bench_emulate_rep_movsb(iters);
	vm.ctxt.ops = &test_emu_ops;
}

int main(void)
{
	double dec, emu, nat, rep, nrep, rep_el;

	setup_vm();
	dec = best_ns_per_op(bench_decode, 2000000);
	emu = best_ns_per_op(bench_emulate_store, 1000000);
	nat = best_ns_per_op(bench_native_store, 20000000);
	rep = best_ns_per_op(bench_emulate_rep_movsb, 100000);
	nrep = best_ns_per_op(bench_native_rep_movsb, 100000);
	rep_el = best_ns_per_op(bench_emulate_rep_movsb_elementwise, 200);

	printf("%-46s %12s %12s %10s\n", "operation", "emulated ns",
	       "native ns", "ratio");
	printf("%-46s %12.2f %12.2f %9.1fx\n",
	       "decode: mov [rdx+0x10],eax (89 42 10)", dec, nat, dec / nat);
	printf("%-46s %12.2f %12.2f %9.1fx\n",
	       "fetch+decode+execute: 4-byte MMIO store", emu, nat, emu / nat);
	printf("%-46s %12.2f %12.2f %9.1fx\n",
	       "REP MOVSB 4 KiB RAM->RAM (bulk copy_phys)", rep, nrep,
	       rep / nrep);
	printf("%-46s %12.2f %12.2f %9.1fx\n",
	       "REP MOVSB 4 KiB RAM->RAM (element by element)", rep_el, nrep,
	       rep_el / nrep);
	return 0;
}
