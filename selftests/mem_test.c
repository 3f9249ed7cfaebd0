// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory as the VMM sees it: writes visible both ways, a slot added
 * and removed while a vCPU runs, the backing munmap'ed or MADV_DONTNEED'ed
 * under a running guest, two VMs that cannot see each other's memory, and
 * (hvx) 2 MiB nested mappings of huge-page backing that go when the backing
 * does. (READONLY slots: memslot_test and mmio_test.)
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "guest.h"
#include "guest_vm.h"

#define PAGES		64
#define SLOT_GPA	0x10000000ULL
#define SLOT_SIZE	(2ULL << 20)
#define MAGIC		0x6d656d7465737400ULL	/* "memtest" */

/* RDI: a GPA. Fills PAGES pages with a pattern, then checks the host's. */
static void guest_both_ways(uint64_t gpa)
{
	volatile uint64_t *p = (volatile uint64_t *)gpa;
	uint64_t i;

	for (i = 0; i < PAGES * 512; i++)
		p[i] = MAGIC + i;
	GUEST_SYNC(0);
	for (i = 0; i < PAGES * 512; i++)
		GUEST_ASSERT_EQ(p[i], ~(MAGIC + i));
	GUEST_DONE();
}

static void writes_visible_both_ways(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, (void (*)(void))guest_both_ways);
	uint64_t *host = gpa2hva(vm, vm->free_gpa), i;

	vcpu_set_arg(vcpu, vm->free_gpa, 0);
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	for (i = 0; i < PAGES * 512; i++) {
		if (host[i] != MAGIC + i)
			FAIL("qword %llu: host reads %#llx", (unsigned long long)i,
			     (unsigned long long)host[i]);
		host[i] = ~(MAGIC + i);
	}
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
}

/* --- a slot comes and goes while the vCPU runs ----------------------------- */

#define HOTPLUG_READS	3000

static void guest_poll_slot(void)
{
	uint64_t i;

	for (i = 0; i < HOTPLUG_READS; i++)
		GUEST_SYNC(*(volatile uint64_t *)SLOT_GPA);
	GUEST_DONE();
}

struct toggler {
	int vmfd;
	void *mem;
	volatile int stop;
	unsigned long toggles;
	int err;
};

static void *toggle_slot(void *arg)
{
	struct toggler *t = arg;
	struct timespec pause = { 0, 200 * 1000 };

	while (!t->stop) {
		struct kvm_userspace_memory_region r = {
			.slot = 1, .guest_phys_addr = SLOT_GPA,
			.memory_size = (t->toggles & 1) ? 0 : SLOT_SIZE,
			.userspace_addr = (uint64_t)t->mem,
		};

		if (ioctl(t->vmfd, KVM_SET_USER_MEMORY_REGION, &r)) {
			t->err = errno;
			break;
		}
		t->toggles++;
		nanosleep(&pause, NULL);
	}
	return NULL;
}

static void slot_toggled_while_running(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_poll_slot);
	uint64_t *mem = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct toggler t = { .vmfd = vm->fd, .mem = mem };
	unsigned long from_ram = 0, from_mmio = 0;
	pthread_t thread;
	struct ucall uc;

	mem[0] = MAGIC;
	ASSERT_EQ(pthread_create(&thread, NULL, toggle_slot, &t), 0);
	for (;;) {
		vcpu_run(vcpu);
		if (vcpu->run->exit_reason == KVM_EXIT_MMIO) {
			/* No slot at that moment: the read is ours to answer. */
			ASSERT_EQ(vcpu->run->mmio.phys_addr, SLOT_GPA);
			ASSERT_EQ(vcpu->run->mmio.is_write, 0);
			memset(vcpu->run->mmio.data, 0, 8);
			from_mmio++;
			continue;
		}
		if (get_ucall(vcpu, &uc) == UCALL_DONE)
			break;
		/* Either the slot's memory or what the MMIO read returned. */
		ASSERT_TRUE(uc.args[0] == MAGIC || uc.args[0] == 0, "read %#llx",
			    (unsigned long long)uc.args[0]);
		from_ram += uc.args[0] == MAGIC;
	}
	t.stop = 1;
	pthread_join(thread, NULL);
	ASSERT_EQ(t.err, 0);
	ktap_print("%lu slot changes; %lu reads from the slot, %lu as MMIO",
		   t.toggles, from_ram, from_mmio);
	ASSERT_TRUE(t.toggles > 1 && from_ram + from_mmio > 0);
}

/* --- the backing goes away ------------------------------------------------ */

static void guest_read_slot(void)
{
	for (;;)
		GUEST_SYNC(*(volatile uint64_t *)SLOT_GPA);
}

static void backing_munmapped(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_read_slot);
	uint64_t *mem = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct ucall uc;
	int r, err;

	mem[0] = MAGIC;
	vm_set_slot(vm, 1, 0, SLOT_GPA, SLOT_SIZE, mem);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], MAGIC);
	CHECK_OK(munmap(mem, SLOT_SIZE));
	/* The slot still names the range, but nothing is mapped there: the
	 * guest's access cannot be satisfied, and KVM_RUN says so. */
	r = _vcpu_run(vcpu);
	err = errno;
	ktap_print("KVM_RUN after munmap: %d (%s), exit_reason %s", r,
		   r ? strerrorname_np(err) : "ok", exit_reason_str(vcpu->run->exit_reason));
	ASSERT_EQ(r, -1);
	ASSERT_EQ(err, EFAULT);
	/* Map anonymous memory there again: the guest reads fresh zeroes. */
	ASSERT_TRUE(mmap(mem, SLOT_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == mem);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 0);
	mem[0] = 7;
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 7);
}

static void guest_fill_check(uint64_t gpa)
{
	volatile uint64_t *p = (volatile uint64_t *)gpa;
	uint64_t i, nonzero = 0;

	for (i = 0; i < PAGES * 512; i++)
		p[i] = MAGIC;
	GUEST_SYNC(0);
	for (i = 0; i < PAGES * 512; i++)
		nonzero += p[i] != 0;
	GUEST_SYNC(nonzero);
	GUEST_DONE();
}

static void madvise_dontneed_zeroes(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, (void (*)(void))guest_fill_check);
	struct ucall uc;

	vcpu_set_arg(vcpu, vm->free_gpa, 0);
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	CHECK_OK(madvise(gpa2hva(vm, vm->free_gpa), PAGES * 4096, MADV_DONTNEED));
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 0);	/* every qword reads zero in the guest */
}

/* --- two VMs ---------------------------------------------------------------- */

static void guest_mark(uint64_t gpa, uint64_t mark)
{
	volatile uint64_t *p = (volatile uint64_t *)gpa;

	GUEST_SYNC(*p);
	*p = mark;
	GUEST_SYNC(*p);
	GUEST_SYNC(*p);
	GUEST_DONE();
}

static void two_vms_isolated(void)
{
	int dev = hvx_open();
	struct vm *a = vm_create_on(dev, VM_MEM_DEFAULT), *b = vm_create_on(dev, VM_MEM_DEFAULT);
	struct vcpu *va = vm_vcpu_add(a, 0, (void (*)(void))guest_mark);
	struct vcpu *vb = vm_vcpu_add(b, 0, (void (*)(void))guest_mark);
	uint64_t gpa = a->free_gpa;
	struct ucall uc;

	vcpu_set_arg(va, gpa, 0xaaaa);
	vcpu_set_arg(vb, gpa, 0xbbbb);
	vcpu_run_ucall(va, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 0);
	vcpu_run_ucall(va, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 0xaaaa);
	vcpu_run_ucall(vb, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 0);		/* B does not see A's write */
	vcpu_run_ucall(vb, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 0xbbbb);
	vcpu_run_ucall(va, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 0xaaaa);		/* nor A B's */
	ASSERT_EQ(*(uint64_t *)gpa2hva(a, gpa), 0xaaaa);
	ASSERT_EQ(*(uint64_t *)gpa2hva(b, gpa), 0xbbbb);
	/* A slot in one VM is not one in the other. */
	vm_set_slot(a, 1, 0, SLOT_GPA, SLOT_SIZE, gpa2hva(a, 0));
	ASSERT_ERRNO(_vm_set_slot(b, 1, 0, SLOT_GPA, 0, NULL), EINVAL);
}

/* --- 2 MiB nested mappings ---------------------------------------------- */

#define HUGE_SLOT	7
#define HUGE_GPA	0x80000000ULL
#define HUGE_SIZE	(4ULL << 20)
#define HUGE_PAGE	(2ULL << 20)

/*
 * RDI: a GPA, RSI: bytes. Syncs once first, so that the host counts the
 * mappings of everything else the guest uses, then reads one qword per
 * 2 MiB.
 */
static void guest_touch_huge(uint64_t gpa, uint64_t size)
{
	volatile uint64_t *p;
	uint64_t off, sum = 0;

	GUEST_SYNC(0);
	for (off = 0; off < size; off += HUGE_PAGE) {
		p = (volatile uint64_t *)(gpa + off);
		sum += *p;
	}
	GUEST_SYNC(sum);
	GUEST_DONE();
}

/* kB of AnonHugePages in the VMA holding @addr, from /proc/self/smaps. */
static long anon_huge_kb(void *addr)
{
	unsigned long start, end, a = (unsigned long)addr;
	char line[256];
	bool in_vma = false;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 && strchr(line, '-') < strchr(line, ' '))
			in_vma = a >= start && a < end;
		else if (in_vma && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static struct hvx_vm_stats vm_stats(struct vm *vm)
{
	struct hvx_vm_stats s;

	CHECK_OK(ioctl(vm->fd, HVX_GET_VM_STATS, &s));
	return s;
}

static void huge_backing_mapped_2m(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, (void (*)(void))guest_touch_huge);
	struct hvx_vm_stats before, mapped, after;
	char *raw, *mem;
	long kb;

	if (!dev_is_hvx())
		SKIP("HVX_GET_VM_STATS is hvx's own");
	/* 2 MiB-aligned anonymous memory, THP asked for and faulted in. */
	raw = mmap(NULL, HUGE_SIZE + HUGE_PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(raw != MAP_FAILED);
	mem = (char *)(((unsigned long)raw + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
	if (madvise(mem, HUGE_SIZE, MADV_HUGEPAGE))
		SKIP("madvise(MADV_HUGEPAGE): %s", strerror(errno));
	memset(mem, 1, HUGE_SIZE);
	kb = anon_huge_kb(mem);
	ktap_print("backing: %ld kB in transparent huge pages", kb);
	if (kb < 2048)
		SKIP("the host gave no transparent huge page to the backing");

	vm_set_slot(vm, HUGE_SLOT, 0, HUGE_GPA, HUGE_SIZE, mem);
	vcpu_set_arg(vcpu, HUGE_GPA, HUGE_SIZE);
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	before = vm_stats(vm);
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	mapped = vm_stats(vm);
	ktap_print("2 MiB leaves: %llu before the guest touched the slot, %llu after",
		   (unsigned long long)before.mapped_2m, (unsigned long long)mapped.mapped_2m);
	/* Each huge page of the backing became one 2 MiB leaf. */
	ASSERT_EQ(mapped.mapped_2m - before.mapped_2m, (uint64_t)kb / 2048);

	/* The backing goes: the notifier zaps those leaves; nothing kept. */
	CHECK_OK(munmap(raw, HUGE_SIZE + HUGE_PAGE));
	after = vm_stats(vm);
	ktap_print("2 MiB leaves after munmap of the backing: %llu",
		   (unsigned long long)after.mapped_2m);
	ASSERT_EQ(after.mapped_2m, before.mapped_2m);
	ASSERT_ERRNO(ioctl(vm->fd, HVX_GET_VM_STATS, NULL), EFAULT);
}

static const struct ktest tests[] = {
	KTEST(writes_visible_both_ways),
	KTEST(slot_toggled_while_running),
	KTEST(backing_munmapped),
	KTEST(madvise_dontneed_zeroes),
	KTEST(two_vms_isolated),
	KTEST(huge_backing_mapped_2m),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
