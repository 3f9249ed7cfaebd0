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
 * and, in a second VM with the in-kernel irqchip and two vCPUs (x2APIC):
 *   ipi      IPI round trip: vCPU 0 sends a fixed IPI to vCPU 1, whose
 *            handler sends one back; to vCPU 0's handler
 *   timer    LAPIC timer delivery: a TSC-deadline timer armed already
 *            expired, from the WRMSR to the handler
 *   irqfd    irqfd to the guest's handler: the guest kicks an ioeventfd and
 *            halts, a host thread reads that eventfd and writes an irqfd
 *            (an MSI route), the handler runs: the round trip
 *   ioeventfd  an OUT to an ioeventfd port, completed in the kernel (the
 *            in-kernel counterpart of the pio row)
 * and each one's ratio to the CPUID figure. The interrupt rows run
 * HVX_BENCH_ITERS / IRQ_ITERS_DIV times (they cost several exits each).
 * The whole run may take BENCH_TIMEOUT_S on a loaded emulator. Not a KTAP test: `make bench`
 * runs it in the testbeds (testbed/run-suite.sh bench-<testbed>).
 * env: HVX_BENCH_ITERS (default 20000), HVX_DEV (default /dev/hvx).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "apic.h"
#include "guest.h"
#include "guest_vm.h"
#include "irq_vm.h"

#define BENCH_PORT	0x510
#define MMIO_GPA	0xc0000000ULL
#define FAULT_GPA	0x40000000ULL		/* 1 GiB: a slot of its own */
#define FAULT_PAGES	4096			/* 16 MiB */

#define FORK_SPACES	8
#define FORK_PAGES	16
#define FORK_VA		0x0000400000000000ULL	/* PML4 slot 128 */
#define IRQ_ITERS_DIV	20
#define BENCH_TIMEOUT_S	900
#define PING_VECTOR	0x50
#define PONG_VECTOR	0x51
#define TIMER_VECTOR	0x52
#define IRQFD_VECTOR	0x53
#define IRQFD_GSI	24
#define KICK_PORT	0x520		/* ioeventfd: the irqfd row's kick */
#define IOEVENTFD_PORT	0x524		/* ioeventfd: the ioeventfd row */

enum { B_CPUID, B_PIO, B_MMIO, B_FAULT, B_FORK, B_IPI, B_TIMER, B_IRQFD, B_IOEVENTFD, B_COUNT };

static const char *const bench_names[B_COUNT] = {
	"cpuid (in-kernel exit)", "pio (exit to VMM and back)",
	"mmio (exit to VMM and back)", "fault-in per 4 KiB page",
	"fork-like round (CR3+16 PTEs)",
	"IPI round trip (2 vCPUs)", "LAPIC timer to handler",
	"ioeventfd->irqfd->handler", "ioeventfd write (in kernel)",
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

static volatile uint64_t pongs, irq_tsc, irqs, ap_ready, ap_done;

static void ping_handler(struct guest_frame *f)
{
	(void)f;
	apic_eoi();
	apic_send_ipi(0, APIC_DM_FIXED | PONG_VECTOR);
}

static void count_handler(struct guest_frame *f)
{
	(void)f;
	irq_tsc = rdtsc();
	irqs++;
	if (f->vector == PONG_VECTOR)
		pongs++;
	apic_eoi();
}

static void guest_irq_ap(void)
{
	apic_enable(true);
	ap_ready = 1;
	while (!ap_done)
		guest_sti_hlt();
	GUEST_DONE();
}

static void guest_irq_bench(uint64_t iters)
{
	uint64_t i, t0, sum;

	apic_enable(true);
	while (!ap_ready)
		guest_pause();

	/* IPI round trip; interrupts on, the wait spins. */
	guest_sti();
	apic_send_ipi(1, APIC_DM_FIXED | PING_VECTOR);		/* warm up */
	while (pongs < 1)
		guest_pause();
	t0 = rdtsc();
	for (i = 2; i <= iters + 1; i++) {
		apic_send_ipi(1, APIC_DM_FIXED | PING_VECTOR);
		while (pongs < i)
			guest_pause();
	}
	GUEST_SYNC(B_IPI, rdtsc() - t0, iters);

	/* TSC-deadline timer, due at once: WRMSR to handler. */
	apic_write(APIC_LVTT, APIC_LVTT_TSCDEADLINE | TIMER_VECTOR);
	for (i = 0, sum = 0; i <= iters; i++) {
		uint64_t n = irqs;

		t0 = rdtsc();
		wrmsr(MSR_IA32_TSC_DEADLINE, t0);
		while (irqs == n)
			guest_pause();
		if (i)			/* the first one warms up */
			sum += irq_tsc - t0;
	}
	GUEST_SYNC(B_TIMER, sum, iters);

	/* Kick the host through an ioeventfd, halt until its irqfd comes. */
	for (i = 0, sum = 0; i <= iters; i++) {
		uint64_t n = irqs;

		guest_cli();
		t0 = rdtsc();
		outl(KICK_PORT, i);
		while (irqs == n)
			guest_sti_hlt();
		if (i)
			sum += irq_tsc - t0;
	}
	GUEST_SYNC(B_IRQFD, sum, iters);

	outl(IOEVENTFD_PORT, 0);
	t0 = rdtsc();
	for (i = 0; i < iters; i++)
		outl(IOEVENTFD_PORT, i);
	GUEST_SYNC(B_IOEVENTFD, rdtsc() - t0, iters);

	ap_done = 1;
	apic_send_ipi(1, APIC_DM_FIXED | PONG_VECTOR);	/* wakes it */
	GUEST_DONE();
}

struct irqfd_relay {
	int kick, irq;
	uint64_t relayed, want;
};

/* The host side of the irqfd row: each kick becomes an interrupt. */
static void *irqfd_relay_fn(void *arg)
{
	struct irqfd_relay *r = arg;
	uint64_t v;

	while (r->relayed < r->want) {
		if (read(r->kick, &v, sizeof(v)) != sizeof(v))
			FAIL("read kick eventfd: %s", strerror(errno));
		r->relayed += v;
		eventfd_signal(r->irq);
	}
	return NULL;
}

/* Second VM: irqchip, two vCPUs. Fills per_op[B_IPI..B_IOEVENTFD]. */
static void bench_irq(uint64_t iters, double *per_op)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *bsp, *ap;
	struct vcpu_thread ap_thread;
	struct irqfd_relay relay = { .want = iters + 1 };
	int ioevent = test_eventfd();
	pthread_t relay_tid;
	struct ucall uc;
	unsigned int v;

	vm_create_irqchip(vm);
	bsp = vm_vcpu_add(vm, 0, (void (*)(void))guest_irq_bench);
	ap = vm_vcpu_add_ap(vm, 1, guest_irq_ap);
	vcpu_set_cpuid(bsp, cpuid_with_leaf1_ecx(CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DEADLINE));
	vcpu_set_cpuid(ap, cpuid_with_leaf1_ecx(CPUID1_ECX_X2APIC));
	vm_set_handler(vm, PING_VECTOR, ping_handler);
	for (v = PONG_VECTOR; v <= IRQFD_VECTOR; v++)
		vm_set_handler(vm, v, count_handler);
	vcpu_set_arg(bsp, iters, 0);

	/* The kick eventfd blocks: the relay thread sleeps on it. */
	relay.kick = CHECK_OK(eventfd(0, EFD_CLOEXEC));
	relay.irq = test_eventfd();
	vm_ioeventfd(vm, relay.kick, KICK_PORT, 4, true);
	vm_route_msi(vm, IRQFD_GSI, 0, IRQFD_VECTOR);
	vm_irqfd(vm, relay.irq, IRQFD_GSI, -1);
	vm_ioeventfd(vm, ioevent, IOEVENTFD_PORT, 4, true);
	if (pthread_create(&relay_tid, NULL, irqfd_relay_fn, &relay))
		FAIL("pthread_create");

	vcpu_thread_start(&ap_thread, ap);
	for (;;) {
		vcpu_run(bsp);
		if (get_ucall(bsp, &uc) == UCALL_DONE)
			break;
		per_op[uc.args[0]] = (double)uc.args[1] / uc.args[2];
	}
	vcpu_thread_join(&ap_thread);
	pthread_join(relay_tid, NULL);
	if (eventfd_take(ioevent) != iters + 1)
		FAIL("ioeventfd count is not %llu", (unsigned long long)iters + 1);
	vm_destroy(vm);
}

static void print_rows(const double *per_op, int from, int to)
{
	int i;

	for (i = from; i < to; i++)
		printf("bench: %-30s %12.0f cycles  %8.2f x cpuid\n", bench_names[i], per_op[i],
		       per_op[B_CPUID] > 0 ? per_op[i] / per_op[B_CPUID] : 0);
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

	alarm(BENCH_TIMEOUT_S);		/* not the harness's per-test limit */
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
	print_rows(per_op, B_CPUID, B_IPI);
	fflush(stdout);
	/* The interrupt rows: printed apart, so that the rows above stay
	 * when these fail. */
	bench_irq(iters / IRQ_ITERS_DIV ?: 1, per_op);
	print_rows(per_op, B_IPI, B_COUNT);
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
