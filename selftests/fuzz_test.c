// SPDX-License-Identifier: GPL-2.0-only
/*
 * A structure-aware ioctl fuzzer for /dev/hvx, reproducible from a seed.
 *
 * Each round is a child process with its own seed (HVX_FUZZ_SEED + round)
 * that makes HVX_FUZZ_CALLS calls, chosen by one PRNG:
 *   - ioctls on the system, VM and vCPU fds of the KVM ABI, with the
 *     argument built for the ioctl: a struct read back from its GET twin
 *     (or zeroed) with a few fields mutated to edge values, counts in
 *     variable-length structs (nmsrs, nent, nr) from small to huge, and
 *     bad pointers (NULL, a kernel address, a PROT_NONE page, a buffer that
 *     ends in one, unaligned);
 *   - VM and vCPU creation (random ids), closing random fds, memslots set,
 *     moved and deleted (random slots, flags, addresses, sizes);
 *   - KVM_RUN of vCPUs whose memory holds random bytes and whose registers
 *     were mutated (so guests run random code in whatever mode they land
 *     in), from the main thread and from a second thread that runs vCPUs
 *     while the main one changes memslots and closes fds under it. A
 *     per-thread timer signal ends any run after a few milliseconds.
 * The verdict: no round hangs or leaves a VM alive once its process is
 * gone, the module unloads at the end (HVX_KO), Slab ends within 32 MiB of
 * where it started, and the testbed checks the kernel log (no splat).
 * A failing round prints its seed: HVX_FUZZ_SEED=<seed> HVX_FUZZ_ROUNDS=1
 * replays it.
 *
 * Environment: HVX_FUZZ_SEED (default 1), HVX_FUZZ_ROUNDS (default 20),
 * HVX_FUZZ_CALLS per round (default 2000), HVX_FUZZ_VERBOSE=1 (each
 * round's seed before it starts: which one a machine-wide hang was in).
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "hvx_test.h"

#define MAX_FDS		24
#define GUEST_MEM	(2UL << 20)
#define ROUND_TIMEOUT_S	120
#define SLAB_TOLERANCE_KB	(32 * 1024)

enum fd_kind { FD_NONE, FD_DEV, FD_VM, FD_VCPU };

struct fuzz_fd {
	enum fd_kind kind;
	int fd;
	struct kvm_run *run;	/* vCPU: mmap'ed run page, or NULL */
};

struct fuzz {
	uint64_t rng;
	struct fuzz_fd fds[MAX_FDS];
	uint8_t *guest_mem;	/* random bytes: what the guests run */
	uint8_t *buf;		/* argument buffer, 64 KiB */
	uint8_t *edge;		/* last RW page before a PROT_NONE one */
	uint8_t *none;		/* PROT_NONE page */
	size_t run_size;
	unsigned long calls, runs;
	bool holes;		/* guest_mem has a PROT_NONE page now */
	int efd;		/* the eventfd of the last KVM_IRQFD/IOEVENTFD, or -1 */
};

static struct fuzz F;

/* Totals over all rounds, shared with the rounds' processes. */
struct fuzz_counts {
	unsigned long calls, vms, vcpus;
	unsigned long run_exits;	/* KVM_RUN returned 0: the guest ran to an exit */
	unsigned long run_intr;		/* ended by the timer: the guest ran till then */
	unsigned long run_errors;	/* refused (bad state, no memory, fd gone, ...) */
	unsigned long exit_reasons[64];
};
static struct fuzz_counts *C;
static pthread_mutex_t fds_lock = PTHREAD_MUTEX_INITIALIZER;

/* xorshift64*: small, fast, and the same sequence everywhere. */
static uint64_t rnd(void)
{
	F.rng ^= F.rng >> 12;
	F.rng ^= F.rng << 25;
	F.rng ^= F.rng >> 27;
	return F.rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool one_in(unsigned int n)
{
	return rnd_below(n) == 0;
}

/* Values that break range checks: edges of every width, and random ones. */
static uint64_t rnd_edge(void)
{
	static const uint64_t edges[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0x7fff, 0x8000, 0xffff,
		0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
		0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL, ~0ULL - 1,
		0xfffff000, 0xffff800000000000ULL, 0x0000800000000000ULL, 4096 * 1024,
	};

	if (one_in(3))
		return rnd();
	return edges[rnd_below(sizeof(edges) / sizeof(edges[0]))];
}

/* Flip a few fields of a struct to edge values (8-, 16-, 32- or 64-bit). */
static void mutate(void *p, size_t size)
{
	unsigned int n = 1 + rnd_below(3), i;

	for (i = 0; i < n && size; i++) {
		size_t off = rnd_below(size);
		uint64_t v = rnd_edge();

		switch (rnd_below(4)) {
		case 0: ((uint8_t *)p)[off] = v; break;
		case 1: if (off + 2 <= size) memcpy((uint8_t *)p + off, &v, 2); break;
		case 2: if (off + 4 <= size) memcpy((uint8_t *)p + off, &v, 4); break;
		default: if (off + 8 <= size) memcpy((uint8_t *)p + off, &v, 8); break;
		}
	}
}

/* A pointer the kernel must reject (or handle) without harm. */
static void *bad_ptr(size_t size)
{
	switch (rnd_below(6)) {
	case 0: return NULL;
	case 1: return (void *)1;
	case 2: return (void *)0xffffffff81000000UL;	/* kernel text */
	case 3: return F.none;
	case 4: return F.edge + 4096 - (size > 1 ? size / 2 : 1);	/* runs into PROT_NONE */
	default: return (void *)(uintptr_t)rnd();
	}
}

static struct fuzz_fd *pick_fd(enum fd_kind kind)
{
	unsigned int start = rnd_below(MAX_FDS), i;

	for (i = 0; i < MAX_FDS; i++) {
		struct fuzz_fd *f = &F.fds[(start + i) % MAX_FDS];

		if (f->kind == kind || (kind == FD_NONE && f->kind != FD_NONE))
			return f;
	}
	return NULL;
}

/* Does the table hold fd number @fd (a random "eventfd" may be one)? */
static bool pick_fd_by_number(int fd)
{
	for (unsigned int i = 0; i < MAX_FDS; i++)
		if (F.fds[i].kind != FD_NONE && F.fds[i].fd == fd)
			return true;
	return fd <= 2;
}

static void add_fd(enum fd_kind kind, int fd)
{
	struct fuzz_fd *f;

	if (fd < 0)
		return;
	pthread_mutex_lock(&fds_lock);
	for (f = F.fds; f < F.fds + MAX_FDS; f++) {
		if (f->kind == FD_NONE) {
			f->kind = kind;
			f->fd = fd;
			f->run = NULL;
			if (kind == FD_VCPU && !one_in(8)) {
				void *m = mmap(NULL, F.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

				f->run = m == MAP_FAILED ? NULL : m;
			}
			pthread_mutex_unlock(&fds_lock);
			return;
		}
	}
	pthread_mutex_unlock(&fds_lock);
	close(fd);	/* table full */
}

/* Close in random order: a VM before its vCPUs, the device first, ... */
static void close_random(void)
{
	struct fuzz_fd *f;

	pthread_mutex_lock(&fds_lock);
	f = pick_fd(FD_NONE);
	if (f) {
		/* The run page stays mapped now and then (it holds the vCPU). */
		if (f->run && !one_in(4))
			munmap(f->run, F.run_size);
		close(f->fd);
		f->kind = FD_NONE;
	}
	pthread_mutex_unlock(&fds_lock);
}

static const uint32_t fuzz_msrs[] = {
	0x10, 0x1b, 0x3a, 0x48, 0x8b, 0x174, 0x175, 0x176, 0x1d9, 0x277, 0x2ff,
	0x6e0, 0x800, 0x808, 0x80b, 0x830, 0x838, 0xc0000080, 0xc0000081,
	0xc0000082, 0xc0000084, 0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103,
	0xc0010114, 0xc0010117, 0x480, 0x48d, 0x3b, 0x4b564d00, 0x4b564d01,
};

static const uint32_t fuzz_caps[] = {
	KVM_CAP_X2APIC_API, KVM_CAP_SPLIT_IRQCHIP, KVM_CAP_X86_DISABLE_EXITS,
	KVM_CAP_MAX_VCPU_ID, KVM_CAP_HYPERV_SYNIC, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
	KVM_CAP_EXCEPTION_PAYLOAD, KVM_CAP_X86_USER_SPACE_MSR, KVM_CAP_PMU_CAPABILITY,
	KVM_CAP_SYNC_REGS, KVM_CAP_DIRTY_LOG_RING, 0, 0xffff,
};

/* Variable-length structs: the count decides the size; both get fuzzed. */
static void *build_msrs(void)
{
	struct kvm_msrs *m = (void *)F.buf;
	uint32_t n = one_in(10) ? rnd_edge() : rnd_below(8), i;

	m->nmsrs = n;
	m->pad = one_in(8) ? rnd() : 0;
	for (i = 0; i < n && i < 64; i++) {
		m->entries[i].index = one_in(4) ? rnd() : fuzz_msrs[rnd_below(sizeof(fuzz_msrs) / 4)];
		m->entries[i].reserved = one_in(8) ? rnd() : 0;
		m->entries[i].data = rnd_edge();
	}
	return m;
}

static void *build_cpuid(void)
{
	struct kvm_cpuid2 *c = (void *)F.buf;
	uint32_t n = one_in(10) ? rnd_edge() : rnd_below(40), i;

	c->nent = n;
	c->padding = 0;
	for (i = 0; i < n && i < 256; i++) {
		c->entries[i].function = one_in(2) ? rnd_below(0x20) : 0x80000000 + rnd_below(0x20);
		c->entries[i].index = rnd_below(4);
		c->entries[i].flags = rnd_below(4);
		c->entries[i].eax = rnd();
		c->entries[i].ebx = rnd();
		c->entries[i].ecx = rnd();
		c->entries[i].edx = rnd();
	}
	return c;
}

static void *build_memslot(void)
{
	struct kvm_userspace_memory_region *r = (void *)F.buf;
	static const uint64_t sizes[] = { 0, 4096, 65536, 1 << 20, 2 << 20, 4097 };
	static const uint64_t gpas[] = { 0, 0x100000, 0xfee00000, 0xfffff000, 1ULL << 32, 1ULL << 52 };

	r->slot = one_in(8) ? rnd_edge() : rnd_below(6);
	r->flags = one_in(4) ? rnd_edge() : rnd_below(4);
	r->guest_phys_addr = one_in(6) ? rnd_edge() : gpas[rnd_below(6)];
	r->memory_size = one_in(6) ? rnd_edge() : sizes[rnd_below(6)];
	r->userspace_addr = one_in(6) ? (uint64_t)(uintptr_t)bad_ptr(4096) :
			    (uint64_t)(uintptr_t)F.guest_mem + 4096 * rnd_below(4);
	if (r->memory_size > GUEST_MEM && !one_in(4))
		r->memory_size = GUEST_MEM;
	return r;
}

/* The GET twin of a SET ioctl: its result is the struct to mutate. */
struct twin {
	unsigned long set, get;
};

static const struct twin twins[] = {
	{ KVM_SET_REGS, KVM_GET_REGS }, { KVM_SET_SREGS, KVM_GET_SREGS },
	{ KVM_SET_FPU, KVM_GET_FPU }, { KVM_SET_LAPIC, KVM_GET_LAPIC },
	{ KVM_SET_VCPU_EVENTS, KVM_GET_VCPU_EVENTS }, { KVM_SET_DEBUGREGS, KVM_GET_DEBUGREGS },
	{ KVM_SET_XSAVE, KVM_GET_XSAVE }, { KVM_SET_XCRS, KVM_GET_XCRS },
	{ KVM_SET_MP_STATE, KVM_GET_MP_STATE }, { KVM_SET_IRQCHIP, KVM_GET_IRQCHIP },
	{ KVM_SET_CLOCK, KVM_GET_CLOCK }, { KVM_SET_PIT2, KVM_GET_PIT2 },
};

static const unsigned long sys_ioctls[] = {
	KVM_GET_API_VERSION, KVM_CHECK_EXTENSION, KVM_GET_VCPU_MMAP_SIZE,
	KVM_GET_SUPPORTED_CPUID, KVM_GET_MSR_INDEX_LIST, KVM_GET_MSR_FEATURE_INDEX_LIST,
	KVM_GET_MSRS, KVM_GET_EMULATED_CPUID,
};

static const unsigned long vm_ioctls[] = {
	KVM_SET_USER_MEMORY_REGION, KVM_SET_TSS_ADDR, KVM_SET_IDENTITY_MAP_ADDR,
	KVM_CREATE_IRQCHIP, KVM_IRQ_LINE, KVM_IRQ_LINE_STATUS, KVM_GET_IRQCHIP,
	KVM_SET_IRQCHIP, KVM_GET_DIRTY_LOG, KVM_ENABLE_CAP, KVM_CHECK_EXTENSION,
	KVM_IRQFD, KVM_IOEVENTFD, KVM_SET_GSI_ROUTING, KVM_CREATE_PIT2, KVM_GET_PIT2,
	KVM_SET_PIT2, KVM_GET_CLOCK, KVM_SET_CLOCK, KVM_SIGNAL_MSI, KVM_SET_BOOT_CPU_ID,
	KVM_CLEAR_DIRTY_LOG, KVM_REINJECT_CONTROL, KVM_SET_TSC_KHZ, KVM_GET_TSC_KHZ,
};

/* KVM_SET_SIGNAL_MASK is left out: a mask with the timer signal in it
 * would let a spinning guest hold its thread for good. */
static const unsigned long vcpu_ioctls[] = {
	KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS, KVM_GET_MSRS,
	KVM_SET_MSRS, KVM_SET_CPUID2, KVM_GET_CPUID2, KVM_INTERRUPT, KVM_NMI,
	KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS, KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS,
	KVM_GET_LAPIC, KVM_SET_LAPIC, KVM_GET_XSAVE, KVM_SET_XSAVE, KVM_GET_XCRS,
	KVM_SET_XCRS, KVM_SET_GUEST_DEBUG, KVM_TRANSLATE, KVM_GET_MP_STATE,
	KVM_SET_MP_STATE, KVM_ENABLE_CAP, KVM_GET_FPU, KVM_SET_FPU,
	KVM_TPR_ACCESS_REPORTING, KVM_X86_SETUP_MCE, KVM_KVMCLOCK_CTRL,
	KVM_SET_TSC_KHZ, KVM_GET_TSC_KHZ, KVM_CHECK_EXTENSION, KVM_SMI,
};

/* The argument for @cmd on @fd: built, mutated, or a bad pointer. */
static unsigned long build_arg(int fd, unsigned long cmd)
{
	size_t size = _IOC_SIZE(cmd);
	unsigned int i;

	if (_IOC_DIR(cmd) == _IOC_NONE) {
		if (cmd == KVM_CHECK_EXTENSION || cmd == KVM_CREATE_VCPU)
			return one_in(3) ? rnd_edge() : rnd_below(256);
		return one_in(2) ? rnd_edge() : 0;
	}
	if (one_in(8))
		return (unsigned long)bad_ptr(size);
	memset(F.buf, 0, 65536);
	switch (cmd) {
	case KVM_SET_MSRS: case KVM_GET_MSRS:
		return (unsigned long)build_msrs();
	case KVM_SET_CPUID2: case KVM_GET_CPUID2: case KVM_GET_SUPPORTED_CPUID:
	case KVM_GET_EMULATED_CPUID:
		return (unsigned long)build_cpuid();
	case KVM_SET_USER_MEMORY_REGION:
		return (unsigned long)build_memslot();
	case KVM_GET_MSR_INDEX_LIST: case KVM_GET_MSR_FEATURE_INDEX_LIST:
		*(uint32_t *)F.buf = one_in(4) ? rnd_edge() : rnd_below(512);
		return (unsigned long)F.buf;
	case KVM_SET_GSI_ROUTING: {
		struct kvm_irq_routing *r = (void *)F.buf;

		r->nr = one_in(6) ? rnd_edge() : rnd_below(8);
		for (i = 0; i < r->nr && i < 64; i++) {
			r->entries[i].gsi = rnd_below(40);
			r->entries[i].type = rnd_below(4);
			r->entries[i].u.msi.address_lo = 0xfee00000 | rnd_below(0x1000);
			r->entries[i].u.msi.data = rnd();
		}
		return (unsigned long)r;
	}
	case KVM_IRQFD: case KVM_IOEVENTFD: {
		/* Its first field is the eventfd: a real one, or anything. */
		int efd = one_in(4) ? (int)rnd_edge() : eventfd(0, EFD_CLOEXEC);

		if (efd > 2 && efd < 4096)
			F.efd = efd;	/* fuzz_ioctl closes it after the call */

		mutate(F.buf, size);
		memcpy(cmd == KVM_IRQFD ? F.buf : F.buf + 16 /* ioeventfd.fd */, &efd, 4);
		if (cmd == KVM_IRQFD)
			((struct kvm_irqfd *)F.buf)->gsi = rnd_below(30);
		return (unsigned long)F.buf;
	}
	case KVM_GET_DIRTY_LOG: case KVM_CLEAR_DIRTY_LOG: {
		struct kvm_dirty_log *d = (void *)F.buf;

		d->slot = rnd_below(6);
		d->dirty_bitmap = one_in(3) ? bad_ptr(64) : F.buf + 4096;
		return (unsigned long)d;
	}
	case KVM_ENABLE_CAP: {
		struct kvm_enable_cap *c = (void *)F.buf;

		c->cap = fuzz_caps[rnd_below(sizeof(fuzz_caps) / 4)];
		c->flags = one_in(4) ? rnd_edge() : 0;
		for (i = 0; i < 4; i++)
			c->args[i] = rnd_edge();
		return (unsigned long)c;
	}
	}
	for (i = 0; i < sizeof(twins) / sizeof(twins[0]); i++)
		if (twins[i].set == cmd && size <= 65536)
			ioctl(fd, twins[i].get, F.buf);
	mutate(F.buf, size);
	return (unsigned long)F.buf;
}

static void fuzz_ioctl(void)
{
	static const unsigned long *tables[] = { NULL, sys_ioctls, vm_ioctls, vcpu_ioctls };
	static const unsigned int sizes[] = {
		0, sizeof(sys_ioctls) / sizeof(long), sizeof(vm_ioctls) / sizeof(long),
		sizeof(vcpu_ioctls) / sizeof(long),
	};
	enum fd_kind kind = 1 + rnd_below(3);
	struct fuzz_fd *f = pick_fd(kind);
	unsigned long cmd;

	if (!f)
		return;
	/* Now and then the wrong fd's ioctl, or a number nobody defined. */
	if (one_in(10))
		kind = 1 + rnd_below(3);
	cmd = tables[kind][rnd_below(sizes[kind])];
	if (one_in(20))
		cmd = _IOC(rnd_below(4), KVMIO, rnd_below(256), rnd_below(4096));
	F.efd = -1;
	ioctl(f->fd, cmd, build_arg(f->fd, cmd));
	if (F.efd >= 0 && !pick_fd_by_number(F.efd))
		close(F.efd);
}

/* A guest: random bytes at its RIP, registers mutated from where they are. */
static void fuzz_guest_state(int vcpu)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	if (!ioctl(vcpu, KVM_GET_SREGS, &sregs)) {
		if (one_in(2)) {
			static const uint64_t cr0s[] = { 0x10, 0x11, 0x80000011, 0x80050033, 0x60000010 };

			sregs.cr0 = one_in(4) ? rnd_edge() : cr0s[rnd_below(5)];
			sregs.cr4 = one_in(2) ? rnd_below(1 << 23) : 0x20;
			sregs.efer = one_in(2) ? rnd_below(1 << 16) : 0x500;
			sregs.cr3 = rnd_below(GUEST_MEM) & ~0xfffUL;
			sregs.cs.l = rnd_below(2);
			sregs.cs.db = rnd_below(2);
			sregs.cs.base = 0;
		}
		if (one_in(4))
			mutate(&sregs, sizeof(sregs));
		ioctl(vcpu, KVM_SET_SREGS, &sregs);
	}
	if (!ioctl(vcpu, KVM_GET_REGS, &regs)) {
		regs.rip = rnd_below(GUEST_MEM);
		regs.rsp = rnd_below(GUEST_MEM);
		regs.rflags = 2 | (rnd() & 0x3f7fd5);
		if (one_in(4))
			mutate(&regs, sizeof(regs));
		ioctl(vcpu, KVM_SET_REGS, &regs);
	}
}

static __thread timer_t run_timer;

static void timer_signal(int sig)
{
	(void)sig;
}

/* Each thread's own timer: a signal to this thread ends its KVM_RUN. */
static void run_timer_init(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR1 };

	sev._sigev_un._tid = syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &run_timer))
		FAIL("timer_create: %s", strerror(errno));
}

/*
 * KVM_RUN for at most about @ns: the timer signal ends it with EINTR. The
 * timer repeats, so a signal taken before the ioctl got in (a preempted
 * thread) is followed by another.
 */
static void run_bounded(int vcpu, long ns)
{
	struct itimerspec its = { .it_value.tv_nsec = ns, .it_interval.tv_nsec = 2000000 };

	int r;

	timer_settime(run_timer, 0, &its, NULL);
	r = ioctl(vcpu, KVM_RUN, 0);
	its.it_value.tv_nsec = 0;
	its.it_interval.tv_nsec = 0;
	timer_settime(run_timer, 0, &its, NULL);
	__atomic_fetch_add(&F.runs, 1, __ATOMIC_RELAXED);
	if (r == 0)
		__atomic_fetch_add(&C->run_exits, 1, __ATOMIC_RELAXED);
	else if (errno == EINTR)
		__atomic_fetch_add(&C->run_intr, 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&C->run_errors, 1, __ATOMIC_RELAXED);
}

static void fuzz_run(int vcpu, struct kvm_run *run)
{
	if (run && one_in(3)) {
		run->request_interrupt_window = rnd_below(2);
		if (one_in(4))
			run->kvm_valid_regs = rnd_edge();
		if (one_in(4))
			run->kvm_dirty_regs = rnd_edge();
	}
	run_bounded(vcpu, 2000000 + rnd_below(8000000));
	if (run)
		__atomic_fetch_add(&C->exit_reasons[run->exit_reason & 63], 1, __ATOMIC_RELAXED);
}

/* The second thread: runs whatever vCPU it finds, fds closing under it. */
static void *runner_thread(void *arg)
{
	uint64_t seed = (uintptr_t)arg;

	run_timer_init();
	for (;;) {
		struct fuzz_fd *f;
		int fd = -1;

		pthread_mutex_lock(&fds_lock);
		seed = seed * 6364136223846793005ULL + 1;
		for (unsigned int i = 0, start = (seed >> 33) % MAX_FDS; i < MAX_FDS; i++) {
			f = &F.fds[(start + i) % MAX_FDS];
			if (f->kind == FD_VCPU) {
				fd = f->fd;
				break;
			}
		}
		pthread_mutex_unlock(&fds_lock);
		/* The fd may be closed, or reused for another object, by now. */
		if (fd >= 0)
			run_bounded(fd, 2000000 + (seed >> 40) % 8000000);
		else
			usleep(1000);
	}
	return NULL;
}

static void fuzz_round(uint64_t seed, unsigned long calls)
{
	struct sigaction sa = { .sa_handler = timer_signal };
	int vm;
	pthread_t tid;

	memset(&F, 0, sizeof(F));
	F.rng = seed ? seed * 0x9e3779b97f4a7c15ULL : 1;
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART: KVM_RUN returns EINTR */
	run_timer_init();
	F.guest_mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	F.buf = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	F.edge = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (F.guest_mem == MAP_FAILED || F.buf == MAP_FAILED || F.edge == MAP_FAILED)
		FAIL("mmap");
	F.none = F.edge + 4096;
	mprotect(F.none, 4096, PROT_NONE);
	for (size_t i = 0; i < GUEST_MEM; i += 8) {
		uint64_t v = rnd();

		memcpy(F.guest_mem + i, &v, 8);
	}
	F.run_size = ioctl(hvx_open(), KVM_GET_VCPU_MMAP_SIZE, 0);
	add_fd(FD_DEV, hvx_open());
	if (one_in(2))
		pthread_create(&tid, NULL, runner_thread, (void *)(uintptr_t)rnd());

	for (F.calls = 0; F.calls < calls; F.calls++) {
		struct fuzz_fd *f;

		switch (rnd_below(16)) {
		case 0:		/* a VM, often with memory and an irqchip */
			f = pick_fd(FD_DEV);
			if (!f)
				break;
			vm = ioctl(f->fd, KVM_CREATE_VM, one_in(10) ? rnd_edge() : 0);
			if (vm >= 0 && !one_in(4)) {
				struct kvm_userspace_memory_region r = {
					.memory_size = GUEST_MEM,
					.userspace_addr = (uintptr_t)F.guest_mem,
				};

				ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r);
				if (one_in(2))
					ioctl(vm, KVM_CREATE_IRQCHIP, 0);
			}
			add_fd(FD_VM, vm);
			C->vms += vm >= 0;
			break;
		case 1: case 2:	/* a vCPU */
			f = pick_fd(FD_VM);
			if (f) {
				int vcpu = ioctl(f->fd, KVM_CREATE_VCPU,
						 one_in(8) ? rnd_edge() : rnd_below(4));

				add_fd(FD_VCPU, vcpu);
				C->vcpus += vcpu >= 0;
			}
			break;
		case 3:
			if (one_in(3))
				close_random();
			break;
		case 4:		/* the device again, if all are gone */
			if (!pick_fd(FD_DEV))
				add_fd(FD_DEV, open(hvx_dev_path(), O_RDWR | O_CLOEXEC));
			break;
		case 5: case 6: case 7:	/* a hostile guest */
			f = pick_fd(FD_VCPU);
			if (f) {
				if (one_in(2))
					fuzz_guest_state(f->fd);
				fuzz_run(f->fd, f->run);
			}
			break;
		case 8:		/* guest memory rewritten while guests run */
			if (!F.holes)
				memset(F.guest_mem + rnd_below(GUEST_MEM - 4096), rnd(), 4096);
			/* A page unmapped and mapped anew under the memslot. */
			if (one_in(20)) {
				uint8_t *page = F.guest_mem + 4096 * rnd_below(GUEST_MEM / 4096);

				munmap(page, 4096);
				if (!one_in(4))
					mmap(page, 4096, PROT_READ | PROT_WRITE,
					     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
				else if (mmap(page, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
					      MAP_FIXED, -1, 0) != MAP_FAILED)
					F.holes = true;	/* no more memsets: they would fault */
			}
			break;
		default:
			fuzz_ioctl();
			break;
		}
	}
	C->calls += F.calls;
	_exit(0);
}

static long slab_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Is the device hvx (HVX_CAP_INFO answered), not KVM? */
static bool device_is_hvx(void)
{
	int dev = hvx_open();
	long r = ioctl(dev, KVM_CHECK_EXTENSION, HVX_CAP_INFO);

	close(dev);
	return r > 0;
}

/* A hung round: where each of its threads is, in the kernel. */
static void dump_stacks(pid_t pid)
{
	char path[64], line[256];
	FILE *f;

	for (int tid = pid; tid < pid + 4; tid++) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stack", pid, tid);
		f = fopen(path, "r");
		if (!f)
			continue;
		ktap_print("thread %d:", tid);
		while (fgets(line, sizeof(line), f))
			ktap_print("  %s", strtok(line, "\n") ?: "");
		fclose(f);
	}
}

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

/* Rounds in child processes; each must end in time and leave nothing. */
static void fuzz_rounds(void)
{
	unsigned long seed = env_ul("HVX_FUZZ_SEED", 1), rounds = env_ul("HVX_FUZZ_ROUNDS", 20);
	unsigned long calls = env_ul("HVX_FUZZ_CALLS", 2000), r;
	bool verbose = env_ul("HVX_FUZZ_VERBOSE", 0);
	long slab0 = slab_kb(), slab1;

	if (!device_is_hvx())
		SKIP("not hvx");
	alarm(0);	/* each round has its own limit */
	C = mmap(NULL, sizeof(*C), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (C == MAP_FAILED)
		FAIL("mmap");
	memset(C, 0, sizeof(*C));
	ktap_print("seed %lu, %lu rounds of %lu calls (HVX_FUZZ_SEED, _ROUNDS, _CALLS)",
		   seed, rounds, calls);
	for (r = 0; r < rounds; r++) {
		int status = 0, waited;
		pid_t pid;

		if (verbose)
			ktap_print("round seed %lu", seed + r);
		fflush(stdout);
		pid = CHECK_OK(fork());
		if (pid == 0) {
			alarm(0);
			fuzz_round(seed + r, calls);
		}
		for (waited = 0; waited < ROUND_TIMEOUT_S * 10; waited++) {
			if (waitpid(pid, &status, WNOHANG) == pid)
				break;
			usleep(100000);
		}
		if (waited == ROUND_TIMEOUT_S * 10) {
			dump_stacks(pid);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			FAIL("round with seed %lu hung for %d s", seed + r, ROUND_TIMEOUT_S);
		}
		if (WIFSIGNALED(status) && WTERMSIG(status) != SIGSEGV && WTERMSIG(status) != SIGBUS)
			ktap_print("round seed %lu: killed by signal %d", seed + r, WTERMSIG(status));
		/* Every fd died with the process: so must every VM. */
		for (waited = 0; waited < 50 && hvx_info_get().active_vms; waited++)
			usleep(100000);
		if (hvx_info_get().active_vms)
			FAIL("round with seed %lu left %u VMs alive", seed + r, hvx_info_get().active_vms);
		/* Progress, so a long run's console shows how far it got. */
		if ((r + 1) % 25 == 0 && r + 1 < rounds)
			ktap_print("%lu rounds, %lu calls so far", r + 1, C->calls);
	}
	ktap_print("%lu calls, %lu VMs, %lu vCPUs; KVM_RUN: %lu guest exits, %lu runs ended by the timer, %lu refused",
		   C->calls, C->vms, C->vcpus, C->run_exits, C->run_intr, C->run_errors);
	for (r = 0; r < 64; r++)
		if (C->exit_reasons[r])
			ktap_print("  exit reason %lu: %lu", r, C->exit_reasons[r]);
	slab1 = slab_kb();
	ktap_print("Slab %ld kB before, %ld kB after", slab0, slab1);
	ASSERT_TRUE(slab1 - slab0 < SLAB_TOLERANCE_KB, "Slab grew by %ld kB", slab1 - slab0);
}

/* And the module still unloads, and loads again. */
static void module_unloads_after_fuzzing(void)
{
	const char *ko = getenv("HVX_KO");
	int fd;

	if (!ko || !device_is_hvx())
		SKIP("HVX_KO is not set, or not hvx");
	CHECK_OK(syscall(SYS_delete_module, "hvx", O_NONBLOCK));
	fd = CHECK_OK(open(ko, O_RDONLY | O_CLOEXEC));
	CHECK_OK(syscall(SYS_finit_module, fd, "", 0));
	close(fd);
}

static const struct ktest tests[] = {
	KTEST(fuzz_rounds),
	KTEST(module_unloads_after_fuzzing),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
