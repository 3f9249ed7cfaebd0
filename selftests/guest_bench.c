// SPDX-License-Identifier: GPL-2.0-only
/*
 * guest_bench: what an exit costs, in guest TSC cycles per operation, timed
 * by the guest around a loop of N operations:
 *   cpuid    CPUID, handled in the kernel
 *   pio      OUT to a port, out to this program and back
 *   mmio     a write to a GPA with no slot, out to this program and back
 *   fault    first touch of a 4 KiB page: a nested-page fault-in (the host
 *            page is new too, as for any first touch of guest RAM)
 *   fork     one round of a fork-heavy loop: load the CR3 of one of 8
 *            address spaces, rewrite 16 of its PTEs (as copy-on-write
 *            does) and write to those 16 pages
 * and each one's ratio to the CPUID figure. Not a KTAP test: `make bench`
 * runs it in the testbeds (testbed/run-suite.sh bench-<testbed>).
 * env: HVX_BENCH_ITERS (default 20000), HVX_DEV (default /dev/hvx).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include "guest.h"
#include "guest_vm.h"

#define BENCH_PORT	0x510
#define MMIO_GPA	0xc0000000ULL
#define FAULT_GPA	0x40000000ULL		/* 1 GiB: a slot of its own */
#define FAULT_PAGES	4096			/* 16 MiB */

#define FORK_SPACES	8
#define FORK_PAGES	16
#define FORK_VA		0x0000400000000000ULL	/* PML4 slot 128 */

enum { B_CPUID, B_PIO, B_MMIO, B_FAULT, B_FORK, B_COUNT };

static const char *const bench_names[B_COUNT] = {
	"cpuid (in-kernel exit)", "pio (exit to VMM and back)",
	"mmio (exit to VMM and back)", "fault-in per 4 KiB page",
	"fork-like round (CR3+16 PTEs)",
};

/* Guest page allocator for the fork loop: zeroed pages from @next on. */
static uint64_t bench_next;

static uint64_t bench_page(void)
{
	volatile uint64_t *p = (volatile uint64_t *)bench_next;
	int i;

	for (i = 0; i < 512; i++)
		p[i] = 0;
	bench_next += GUEST_PAGE_SIZE;
	return (uint64_t)p;
}

/* An address space: the identity map plus one PT of FORK_PAGES at FORK_VA. */
static uint64_t bench_space(volatile uint64_t **pt)
{
	volatile uint64_t *pml4 = (volatile uint64_t *)bench_page();
	volatile uint64_t *pdpt = (volatile uint64_t *)bench_page();
	volatile uint64_t *pd = (volatile uint64_t *)bench_page();

	*pt = (volatile uint64_t *)bench_page();
	pml4[0] = ((volatile uint64_t *)GUEST_PML4_GPA)[0];
	pml4[(FORK_VA >> 39) & 511] = (uint64_t)pdpt | 7;
	pdpt[0] = (uint64_t)pd | 7;
	pd[0] = (uint64_t)*pt | 7;
	return (uint64_t)pml4;
}

static void guest_fork_loop(uint64_t iters, uint64_t pool)
{
	uint64_t space[FORK_SPACES], frames[2][FORK_PAGES], orig, t0, t1, i;
	volatile uint64_t *pt[FORK_SPACES];
	int s, p;

	bench_next = pool;
	for (s = 0; s < FORK_SPACES; s++)
		space[s] = bench_space(&pt[s]);
	for (p = 0; p < FORK_PAGES; p++) {
		frames[0][p] = bench_page();
		frames[1][p] = bench_page();
	}
	orig = get_cr3();
	t0 = rdtsc();
	for (i = 0; i < iters; i++) {
		s = i % FORK_SPACES;
		asm volatile("mov %0, %%cr3" :: "r"(space[s]) : "memory");
		for (p = 0; p < FORK_PAGES; p++)
			pt[s][p] = frames[(i / FORK_SPACES) & 1][p] | 3;
		/* The CR3 load above does not cover PTEs written after it. */
		asm volatile("mov %0, %%cr3" :: "r"(space[s]) : "memory");
		for (p = 0; p < FORK_PAGES; p++)
			*(volatile uint64_t *)(FORK_VA + p * GUEST_PAGE_SIZE) = i;
	}
	t1 = rdtsc();
	asm volatile("mov %0, %%cr3" :: "r"(orig) : "memory");
	GUEST_SYNC(B_FORK, t1 - t0, iters);
}

static void guest_bench(uint64_t iters, uint64_t pool)
{
	uint64_t i, t0, t1;
	uint32_t a, b, c, d;

	cpuid_count(0, 0, &a, &b, &c, &d);		/* warm up */
	t0 = rdtsc();
	for (i = 0; i < iters; i++)
		cpuid_count(0, 0, &a, &b, &c, &d);
	t1 = rdtsc();
	GUEST_SYNC(B_CPUID, t1 - t0, iters);

	outb(BENCH_PORT, 0);
	t0 = rdtsc();
	for (i = 0; i < iters; i++)
		outb(BENCH_PORT, i);
	t1 = rdtsc();
	GUEST_SYNC(B_PIO, t1 - t0, iters);

	*(volatile uint32_t *)MMIO_GPA = 0;
	t0 = rdtsc();
	for (i = 0; i < iters; i++)
		*(volatile uint32_t *)MMIO_GPA = i;
	t1 = rdtsc();
	GUEST_SYNC(B_MMIO, t1 - t0, iters);

	t0 = rdtsc();
	for (i = 0; i < FAULT_PAGES; i++)
		*(volatile uint64_t *)(FAULT_GPA + i * GUEST_PAGE_SIZE) = i;
	t1 = rdtsc();
	GUEST_SYNC(B_FAULT, t1 - t0, FAULT_PAGES);
	guest_fork_loop(iters / 20, pool);
	GUEST_DONE();
}

static void bench(void)
{
	const char *env = getenv("HVX_BENCH_ITERS");
	uint64_t iters = env && atoll(env) > 0 ? atoll(env) : 20000;
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, (void (*)(void))guest_bench);
	void *fault_mem = mmap(NULL, FAULT_PAGES * 4096ULL, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	double per_op[B_COUNT] = { 0 };
	uint64_t exits = 0;
	struct ucall uc;
	int i;

	if (fault_mem == MAP_FAILED)
		FAIL("mmap: %s", strerror(errno));
	/* 4 KiB host pages, so that each guest page is a fault of its own. */
	madvise(fault_mem, FAULT_PAGES * 4096ULL, MADV_NOHUGEPAGE);
	vm_set_slot(vm, 1, 0, FAULT_GPA, FAULT_PAGES * 4096ULL, fault_mem);
	vcpu_set_arg(vcpu, iters, vm->free_gpa);
	for (;;) {
		vcpu_run(vcpu);
		if (vcpu->run->exit_reason == KVM_EXIT_IO && vcpu->run->io.port == BENCH_PORT) {
			exits++;
			continue;
		}
		if (vcpu->run->exit_reason == KVM_EXIT_MMIO &&
		    vcpu->run->mmio.phys_addr == MMIO_GPA) {
			exits++;
			continue;
		}
		if (get_ucall(vcpu, &uc) == UCALL_DONE)
			break;
		per_op[uc.args[0]] = (double)uc.args[1] / uc.args[2];
	}
	if (exits != 2 * (iters + 1))
		FAIL("%llu exits to the VMM, expected %llu", (unsigned long long)exits,
		     (unsigned long long)(2 * (iters + 1)));
	printf("bench: device %s, %llu iterations, %d pages; guest TSC cycles per operation\n",
	       hvx_dev_path(), (unsigned long long)iters, FAULT_PAGES);
	for (i = 0; i < B_COUNT; i++)
		printf("bench: %-30s %12.0f cycles  %8.2f x cpuid\n", bench_names[i], per_op[i],
		       per_op[B_CPUID] > 0 ? per_op[i] / per_op[B_CPUID] : 0);
	fflush(stdout);
}

static const struct ktest tests[] = {
	KTEST(bench),
};

int main(void)
{
	/* The harness gives the child a timeout and reports a failure. */
	return ktap_main(tests, KTEST_COUNT(tests));
}
