// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dirty-page logging: KVM_MEM_LOG_DIRTY_PAGES, KVM_GET_DIRTY_LOG,
 * KVM_CLEAR_DIRTY_LOG and KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, checked
 * against KVM's errors, for exactness with one vCPU (the pages written are
 * the pages reported, no more, no fewer), for writes hvx makes on the
 * guest's behalf (string port I/O and MMIO copies into RAM, the page
 * walker's accessed bits), and under load: several vCPUs write random
 * pages while the host harvests in a loop, and every page whose content
 * changed between two harvests must have been reported.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "guest.h"
#include "guest_vm.h"

#define TEST_SLOT	1
#define TEST_GPA	0x40000000ULL	/* 1 GiB: mapped by the guest's tables */
#define TEST_PAGES	1024ULL		/* a multiple of 64 */
#define TEST_SIZE	(TEST_PAGES * GUEST_PAGE_SIZE)
#define BITMAP_WORDS(n)	(((n) + 63) / 64)
#define INS_PORT	0x2000
#define MMIO_GPA	0xd0000000ULL	/* no slot there */

#define MANUAL_INIT	(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET)

/* --- helpers --------------------------------------------------------------- */

static void *alloc_backing(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		FAIL("mmap: %s", strerror(errno));
	return p;
}

static int _enable_manual(struct vm *vm, uint64_t flags, uint32_t cap_flags)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
		.flags = cap_flags,
		.args = { flags },
	};

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
}

static void enable_manual(struct vm *vm, uint64_t flags)
{
	if (_enable_manual(vm, flags, 0))
		FAIL("KVM_ENABLE_CAP(MANUAL_DIRTY_LOG_PROTECT2, %#llx): %s",
		     (unsigned long long)flags, strerror(errno));
}

static int _get_log(struct vm *vm, uint32_t slot, void *bitmap)
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	return ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log);
}

static void get_log(struct vm *vm, uint32_t slot, uint64_t *bitmap)
{
	if (_get_log(vm, slot, bitmap))
		FAIL("KVM_GET_DIRTY_LOG slot %u: %s", slot, strerror(errno));
}

static int _clear_log(struct vm *vm, uint32_t slot, uint64_t first, uint32_t num,
		      void *bitmap)
{
	struct kvm_clear_dirty_log log = {
		.slot = slot, .num_pages = num, .first_page = first,
		.dirty_bitmap = bitmap,
	};

	return ioctl(vm->fd, KVM_CLEAR_DIRTY_LOG, &log);
}

static void clear_log(struct vm *vm, uint32_t slot, uint64_t first, uint32_t num,
		      uint64_t *bitmap)
{
	if (_clear_log(vm, slot, first, num, bitmap))
		FAIL("KVM_CLEAR_DIRTY_LOG slot %u pages %llu+%u: %s", slot,
		     (unsigned long long)first, num, strerror(errno));
}

static bool bit_test(const uint64_t *bm, uint64_t i)
{
	return bm[i / 64] >> (i % 64) & 1;
}

static void bit_set(uint64_t *bm, uint64_t i)
{
	bm[i / 64] |= 1ULL << (i % 64);
}

static unsigned long bits_count(const uint64_t *bm, uint64_t words)
{
	unsigned long n = 0;
	uint64_t i;

	for (i = 0; i < words; i++)
		n += __builtin_popcountll(bm[i]);
	return n;
}

/* The log must be exactly @pages (beyond @npages: no bit at all). */
static void expect_log(const uint64_t *bm, uint64_t npages, const uint64_t *pages,
		       unsigned int n, const char *when)
{
	uint64_t want[BITMAP_WORDS(TEST_PAGES)] = { 0 }, i;

	for (i = 0; i < n; i++)
		bit_set(want, pages[i]);
	for (i = 0; i < BITMAP_WORDS(npages) * 64; i++)
		if (bit_test(bm, i) != bit_test(want, i))
			FAIL("%s: page %llu is %s (%lu pages reported, %u written)", when,
			     (unsigned long long)i,
			     bit_test(bm, i) ? "reported but was not written" :
					       "written but not reported",
			     bits_count(bm, BITMAP_WORDS(npages)), n);
}

static void expect_clean(struct vm *vm, uint32_t slot, uint64_t npages, const char *when)
{
	uint64_t bm[BITMAP_WORDS(TEST_PAGES)];

	get_log(vm, slot, bm);
	expect_log(bm, npages, NULL, 0, when);
}

/* --- capability and errors ------------------------------------------------- */

static void cap_manual_protect(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	long caps = hvx_check_cap(vm->fd, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2);

	ASSERT_EQ(caps, MANUAL_INIT);
	ASSERT_EQ(ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2),
		  MANUAL_INIT);
	/* INITIALLY_SET only with MANUAL_PROTECT_ENABLE; no unknown options. */
	ASSERT_ERRNO(_enable_manual(vm, KVM_DIRTY_LOG_INITIALLY_SET, 0), EINVAL);
	ASSERT_ERRNO(_enable_manual(vm, 1ULL << 2, 0), EINVAL);
	ASSERT_ERRNO(_enable_manual(vm, MANUAL_INIT | 1ULL << 2, 0), EINVAL);
	ASSERT_ERRNO(_enable_manual(vm, 1ULL << 63, 0), EINVAL);
	/* kvm_enable_cap.flags must be 0. */
	ASSERT_ERRNO(_enable_manual(vm, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE, 1), EINVAL);
	ASSERT_ERRNO(ioctl(vm->fd, KVM_ENABLE_CAP, (void *)8), EFAULT);
	CHECK_OK(_enable_manual(vm, 0, 0));
	CHECK_OK(_enable_manual(vm, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE, 0));
	CHECK_OK(_enable_manual(vm, MANUAL_INIT, 0));
}

static void log_errors(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	uint64_t bm[BITMAP_WORDS(TEST_PAGES)] = { 0 };
	char *mem = alloc_backing(TEST_SIZE);
	uint64_t odd = 100;	/* a slot whose size is no multiple of 64 pages */

	/* Slot 0 does not log; slot 5 does not exist; KVM's id limits. */
	ASSERT_ERRNO(_get_log(vm, 0, bm), ENOENT);
	ASSERT_ERRNO(_get_log(vm, 5, bm), ENOENT);
	ASSERT_ERRNO(_get_log(vm, 1 << 16 | 1, bm), ENOENT);	/* SMM space, empty */
	ASSERT_ERRNO(_get_log(vm, 2 << 16, bm), EINVAL);
	ASSERT_ERRNO(_get_log(vm, 0x7fff, bm), EINVAL);
	ASSERT_ERRNO(_clear_log(vm, 0, 0, 64, bm), ENOENT);
	ASSERT_ERRNO(_clear_log(vm, 2 << 16, 0, 64, bm), EINVAL);
	/* Alignment is checked before the slot is looked up. */
	ASSERT_ERRNO(_clear_log(vm, 5, 1, 64, bm), EINVAL);
	ASSERT_ERRNO(ioctl(vm->fd, KVM_GET_DIRTY_LOG, (void *)8), EFAULT);
	ASSERT_ERRNO(ioctl(vm->fd, KVM_CLEAR_DIRTY_LOG, (void *)8), EFAULT);

	vm_set_slot(vm, TEST_SLOT, KVM_MEM_LOG_DIRTY_PAGES, TEST_GPA, TEST_SIZE, mem);
	get_log(vm, TEST_SLOT, bm);
	ASSERT_ERRNO(_get_log(vm, TEST_SLOT, NULL), EFAULT);
	ASSERT_ERRNO(_get_log(vm, TEST_SLOT, (void *)8), EFAULT);
	/* CLEAR: first_page a multiple of 64; num_pages too unless it ends the slot. */
	ASSERT_ERRNO(_clear_log(vm, TEST_SLOT, 1, 64, bm), EINVAL);
	ASSERT_ERRNO(_clear_log(vm, TEST_SLOT, 63, 64, bm), EINVAL);
	ASSERT_ERRNO(_clear_log(vm, TEST_SLOT, 0, 65, bm), EINVAL);
	ASSERT_ERRNO(_clear_log(vm, TEST_SLOT, 64, 1, bm), EINVAL);
	ASSERT_ERRNO(_clear_log(vm, TEST_SLOT, 0, TEST_PAGES + 1, bm), EINVAL);
	ASSERT_ERRNO(_clear_log(vm, TEST_SLOT, 64, TEST_PAGES, bm), EINVAL);
	ASSERT_ERRNO(_clear_log(vm, TEST_SLOT, TEST_PAGES + 64, 0, bm), EINVAL);
	ASSERT_ERRNO(_clear_log(vm, TEST_SLOT, 0, 64, NULL), EFAULT);
	clear_log(vm, TEST_SLOT, 0, 64, bm);
	clear_log(vm, TEST_SLOT, TEST_PAGES - 64, 64, bm);
	clear_log(vm, TEST_SLOT, 0, TEST_PAGES, bm);
	clear_log(vm, TEST_SLOT, TEST_PAGES, 0, bm);	/* empty, at the end */
	clear_log(vm, TEST_SLOT, 0, 0, NULL);		/* nothing to read */

	/* A slot of 100 pages: a range may end unaligned only at its end. */
	vm_set_slot(vm, 2, KVM_MEM_LOG_DIRTY_PAGES, TEST_GPA + TEST_SIZE,
		    odd * GUEST_PAGE_SIZE, mem);
	clear_log(vm, 2, 0, odd, bm);
	clear_log(vm, 2, 64, odd - 64, bm);
	ASSERT_ERRNO(_clear_log(vm, 2, 0, odd - 64, bm), EINVAL);
	ASSERT_ERRNO(_clear_log(vm, 2, 64, odd - 63, bm), EINVAL);
	/* READONLY and LOG_DIRTY_PAGES together: a log that stays empty. */
	vm_set_slot(vm, 3, KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY,
		    TEST_GPA + 2 * TEST_SIZE, TEST_SIZE, mem);
	expect_clean(vm, 3, TEST_PAGES, "READONLY slot");

	/* Logging off in place: the log is gone; on again: a new one. */
	vm_set_slot(vm, TEST_SLOT, 0, TEST_GPA, TEST_SIZE, mem);
	ASSERT_ERRNO(_get_log(vm, TEST_SLOT, bm), ENOENT);
	ASSERT_ERRNO(_clear_log(vm, TEST_SLOT, 0, 64, bm), ENOENT);
	vm_set_slot(vm, TEST_SLOT, KVM_MEM_LOG_DIRTY_PAGES, TEST_GPA, TEST_SIZE, mem);
	expect_clean(vm, TEST_SLOT, TEST_PAGES, "logging on again");
	/* Deleted: gone too. */
	vm_set_slot(vm, TEST_SLOT, 0, TEST_GPA, 0, NULL);
	ASSERT_ERRNO(_get_log(vm, TEST_SLOT, bm), ENOENT);
}

/* --- exactness, one vCPU --------------------------------------------------- */

#define LIST_MAX	16

/* What the guest writes next: pages of the test slot, each its tag + index. */
static volatile uint64_t list_n, list_tag, list_pages[LIST_MAX];

static void guest_write_list(void)
{
	for (;;) {
		uint64_t i;

		for (i = 0; i < list_n; i++)
			*(volatile uint64_t *)(TEST_GPA + list_pages[i] * GUEST_PAGE_SIZE + 8) =
				list_tag + list_pages[i];
		GUEST_SYNC(list_n);
	}
}

/* The guest writes @pages (and nothing else of the test slot). */
static void guest_writes(struct vcpu *vcpu, const uint64_t *pages, unsigned int n,
			 uint64_t tag, const uint64_t *mem)
{
	struct vm *vm = vcpu->vm;
	struct ucall uc;
	unsigned int i;

	*guest_var(vm, &list_n) = n;
	*guest_var(vm, &list_tag) = tag;
	for (i = 0; i < n; i++)
		guest_var(vm, &list_pages[0])[i] = pages[i];
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], n);
	for (i = 0; i < n; i++)
		ASSERT_EQ(mem[pages[i] * 512 + 1], tag + pages[i]);
}

static const uint64_t set_a[] = { 0, 1, 63, 64, 500, TEST_PAGES - 1 };
static const uint64_t set_b[] = { 1, 2, 500 };
#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* KVM_GET_DIRTY_LOG takes the bits and write-protects the pages again. */
static void exact_get(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_write_list);
	uint64_t *mem = alloc_backing(TEST_SIZE), bm[BITMAP_WORDS(TEST_PAGES)];

	vm_set_slot(vm, TEST_SLOT, KVM_MEM_LOG_DIRTY_PAGES, TEST_GPA, TEST_SIZE, mem);
	expect_clean(vm, TEST_SLOT, TEST_PAGES, "nothing written yet");
	guest_writes(vcpu, set_a, N(set_a), 0x1000, mem);
	get_log(vm, TEST_SLOT, bm);
	expect_log(bm, TEST_PAGES, set_a, N(set_a), "first writes");
	expect_clean(vm, TEST_SLOT, TEST_PAGES, "second harvest, no write between");
	/* Pages written before, write-protected by the harvest, and new ones. */
	guest_writes(vcpu, set_b, N(set_b), 0x2000, mem);
	get_log(vm, TEST_SLOT, bm);
	expect_log(bm, TEST_PAGES, set_b, N(set_b), "rewrites");
	/* The VMM's own writes are not the guest's: not logged (KVM neither). */
	mem[3 * 512] = 1;
	expect_clean(vm, TEST_SLOT, TEST_PAGES, "after a VMM write");

	/*
	 * Logging off, a write (a writable mapping stays behind), logging on
	 * again: that mapping must lose write access, or the next write to
	 * page 3 would go unlogged.
	 */
	vm_set_slot(vm, TEST_SLOT, 0, TEST_GPA, TEST_SIZE, mem);
	guest_writes(vcpu, (const uint64_t[]){ 3, 4 }, 2, 0x3000, mem);
	vm_set_slot(vm, TEST_SLOT, KVM_MEM_LOG_DIRTY_PAGES, TEST_GPA, TEST_SIZE, mem);
	expect_clean(vm, TEST_SLOT, TEST_PAGES, "logging on again");
	guest_writes(vcpu, (const uint64_t[]){ 3 }, 1, 0x4000, mem);
	get_log(vm, TEST_SLOT, bm);
	expect_log(bm, TEST_PAGES, (const uint64_t[]){ 3 }, 1, "write after logging on again");
}

/* Manual protection: GET only reads; CLEAR clears and write-protects. */
static void exact_manual(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_write_list);
	uint64_t *mem = alloc_backing(TEST_SIZE), bm[BITMAP_WORDS(TEST_PAGES)];
	uint64_t all[BITMAP_WORDS(TEST_PAGES)], i;
	uint64_t rest[N(set_a)];
	unsigned int n = 0;

	enable_manual(vm, MANUAL_INIT);
	vm_set_slot(vm, TEST_SLOT, KVM_MEM_LOG_DIRTY_PAGES, TEST_GPA, TEST_SIZE, mem);
	/* INITIALLY_SET: every page starts dirty. */
	get_log(vm, TEST_SLOT, bm);
	ASSERT_EQ(bits_count(bm, BITMAP_WORDS(TEST_PAGES)), TEST_PAGES);
	memset(all, 0xff, sizeof(all));
	clear_log(vm, TEST_SLOT, 0, TEST_PAGES, all);
	expect_clean(vm, TEST_SLOT, TEST_PAGES, "all cleared");

	guest_writes(vcpu, set_a, N(set_a), 0x1000, mem);
	get_log(vm, TEST_SLOT, bm);
	expect_log(bm, TEST_PAGES, set_a, N(set_a), "first writes");
	get_log(vm, TEST_SLOT, bm);
	expect_log(bm, TEST_PAGES, set_a, N(set_a), "a second GET clears nothing");
	/* Clear pages 0..63 only: the others stay reported. */
	clear_log(vm, TEST_SLOT, 0, 64, all);
	for (i = 0; i < N(set_a); i++)
		if (set_a[i] >= 64)
			rest[n++] = set_a[i];
	get_log(vm, TEST_SLOT, bm);
	expect_log(bm, TEST_PAGES, rest, n, "after clearing pages 0-63");
	/* A page cleared and written again is reported again. */
	guest_writes(vcpu, set_b, N(set_b), 0x2000, mem);
	get_log(vm, TEST_SLOT, bm);
	expect_log(bm, TEST_PAGES, (const uint64_t[]){ 1, 2, 64, 500, TEST_PAGES - 1 }, 5,
		   "rewrites");
	/* Clearing what the last GET returned leaves nothing. */
	clear_log(vm, TEST_SLOT, 0, TEST_PAGES, bm);
	expect_clean(vm, TEST_SLOT, TEST_PAGES, "cleared what GET returned");
	guest_writes(vcpu, (const uint64_t[]){ 0, 700 }, 2, 0x3000, mem);
	get_log(vm, TEST_SLOT, bm);
	expect_log(bm, TEST_PAGES, (const uint64_t[]){ 0, 700 }, 2, "after the last clear");

	/* Without INITIALLY_SET a new log starts empty. */
	enable_manual(vm, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE);
	vm_set_slot(vm, 2, KVM_MEM_LOG_DIRTY_PAGES, TEST_GPA + TEST_SIZE, TEST_SIZE,
		    alloc_backing(TEST_SIZE));
	expect_clean(vm, 2, TEST_PAGES, "new log without INITIALLY_SET");
}

/*
 * A slot the guest wrote through 2 MiB mappings before logging started:
 * they must not let writes through unlogged, and the log counts 4 KiB.
 */
static void exact_huge_backing(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_write_list);
	uint64_t size = TEST_SIZE + GUEST_LARGE_PAGE_SIZE, *mem, i;
	uint64_t bm[BITMAP_WORDS(TEST_PAGES)], pages[LIST_MAX];
	char *raw = alloc_backing(size);

	/* 2 MiB aligned, huge pages if the kernel gives them. */
	mem = (uint64_t *)(((uintptr_t)raw + GUEST_LARGE_PAGE_SIZE - 1) &
			   ~(uintptr_t)(GUEST_LARGE_PAGE_SIZE - 1));
	madvise(mem, TEST_SIZE, MADV_HUGEPAGE);
	vm_set_slot(vm, TEST_SLOT, 0, TEST_GPA, TEST_SIZE, mem);
	for (i = 0; i < LIST_MAX; i++)
		pages[i] = i * 64;	/* all over both 2 MiB halves */
	guest_writes(vcpu, pages, LIST_MAX, 0x1000, mem);
	if (dev_is_hvx()) {
		struct hvx_vm_stats st;

		CHECK_OK(ioctl(vm->fd, HVX_GET_VM_STATS, &st));
		ktap_print("2 MiB nested mappings before logging: %llu",
			   (unsigned long long)st.mapped_2m);
	}
	vm_set_slot(vm, TEST_SLOT, KVM_MEM_LOG_DIRTY_PAGES, TEST_GPA, TEST_SIZE, mem);
	expect_clean(vm, TEST_SLOT, TEST_PAGES, "logging on");
	guest_writes(vcpu, (const uint64_t[]){ 5, 32, 600 }, 3, 0x2000, mem);
	get_log(vm, TEST_SLOT, bm);
	expect_log(bm, TEST_PAGES, (const uint64_t[]){ 5, 32, 600 }, 3, "4 KiB writes");
}

/* --- writes hvx makes for the guest ----------------------------------------- */

/* REP INSB into page 7, REP MOVSB from MMIO into page 9: the emulator writes. */
static void guest_emulated_writes(uint64_t count)
{
	uint64_t rcx = count, rdi = TEST_GPA + 7 * GUEST_PAGE_SIZE + 16;
	uint64_t rsi = MMIO_GPA;

	asm volatile("cld; rep insb" : "+c"(rcx), "+D"(rdi) : "d"(INS_PORT) : "memory");
	GUEST_SYNC(rcx);
	rcx = count;
	rdi = TEST_GPA + 9 * GUEST_PAGE_SIZE + 32;
	asm volatile("cld; rep movsb" : "+c"(rcx), "+D"(rdi), "+S"(rsi) :: "memory");
	GUEST_SYNC(rcx);
	GUEST_DONE();
}

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 13 + 5);
}

static void emulated_writes_logged(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, (void (*)(void))guest_emulated_writes);
	uint8_t *mem = alloc_backing(TEST_SIZE);
	uint64_t bm[BITMAP_WORDS(TEST_PAGES)], done = 0, i, count = 24;
	unsigned int exits = 0;
	struct kvm_run *run = vcpu->run;
	struct ucall uc;

	vcpu_set_arg(vcpu, count, 0);
	vm_set_slot(vm, TEST_SLOT, KVM_MEM_LOG_DIRTY_PAGES, TEST_GPA, TEST_SIZE, mem);
	/* The string I/O: the data goes from kvm_run to the page by the emulator. */
	for (;;) {
		vcpu_run(vcpu);
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != INS_PORT)
			break;
		ASSERT_EQ(run->io.direction, KVM_EXIT_IO_IN);
		ASSERT_EQ(run->io.size, 1);
		for (i = 0; i < run->io.count; i++)
			((uint8_t *)run + run->io.data_offset)[i] = pattern(done + i);
		done += run->io.count;
		exits++;
	}
	ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_SYNC);
	ASSERT_EQ(uc.args[0], 0);
	ASSERT_EQ(done, count);
	for (i = 0; i < count; i++)
		ASSERT_EQ(mem[7 * GUEST_PAGE_SIZE + 16 + i], pattern(i));
	get_log(vm, TEST_SLOT, bm);
	expect_log(bm, TEST_PAGES, (const uint64_t[]){ 7 }, 1, "REP INSB");
	ktap_print("REP INSB of %llu bytes: %u exit(s)", (unsigned long long)count, exits);

	/* The copy from MMIO: each read leaves as an exit, the writes are the emulator's. */
	done = 0;
	exits = 0;
	for (;;) {
		vcpu_run(vcpu);
		if (run->exit_reason != KVM_EXIT_MMIO)
			break;
		ASSERT_EQ(run->mmio.is_write, 0);
		ASSERT_TRUE(run->mmio.phys_addr >= MMIO_GPA &&
			    run->mmio.phys_addr + run->mmio.len <= MMIO_GPA + count,
			    "read at %#llx", (unsigned long long)run->mmio.phys_addr);
		for (i = 0; i < run->mmio.len; i++)
			run->mmio.data[i] = pattern(run->mmio.phys_addr - MMIO_GPA + i + 100);
		done += run->mmio.len;
		exits++;
	}
	ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_SYNC);
	ASSERT_EQ(uc.args[0], 0);
	for (i = 0; i < count; i++)
		ASSERT_EQ(mem[9 * GUEST_PAGE_SIZE + 32 + i], pattern(i + 100));
	get_log(vm, TEST_SLOT, bm);
	expect_log(bm, TEST_PAGES, (const uint64_t[]){ 9 }, 1, "REP MOVSB from MMIO");
	ktap_print("REP MOVSB of %llu bytes from MMIO: %u exit(s), %llu bytes read",
		   (unsigned long long)count, exits, (unsigned long long)done);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
}

/*
 * The accessed bits the guest's page walks set (by the CPU under nested
 * paging, by hvx's walker under shadow paging) are writes to its page
 * tables: with slot 0 logged, the walk to a region not touched before
 * reports the PDPT and PD pages whose entries gained A.
 */
static void guest_touch(void)
{
	GUEST_SYNC(0);
	GUEST_SYNC(*(volatile uint64_t *)TEST_GPA);
	GUEST_DONE();
}

#define PTE_A		(1ULL << 5)
#define PD_INDEX(gpa)	((gpa) >> 21)		/* in the 4 contiguous PD pages */
#define PDPT_INDEX(gpa)	((gpa) >> 30)

static void page_walk_accessed_bits_logged(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_touch);
	uint64_t npages = vm->mem_size / GUEST_PAGE_SIZE, words = BITMAP_WORDS(npages);
	uint64_t *bm = calloc(words, 8), *mem = alloc_backing(TEST_SIZE);
	uint64_t *pdpt = gpa2hva(vm, GUEST_PDPT_GPA), *pd = gpa2hva(vm, GUEST_PD_GPA);
	uint64_t pd_page = (GUEST_PD_GPA + PD_INDEX(TEST_GPA) * 8) / GUEST_PAGE_SIZE;
	uint64_t pdpt_page = GUEST_PDPT_GPA / GUEST_PAGE_SIZE;
	unsigned long reported;

	vm_set_slot(vm, TEST_SLOT, 0, TEST_GPA, TEST_SIZE, mem);
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	ASSERT_EQ(pd[PD_INDEX(TEST_GPA)] & PTE_A, 0);
	ASSERT_EQ(pdpt[PDPT_INDEX(TEST_GPA)] & PTE_A, 0);
	/* Logging on for slot 0, which holds the guest's page tables. */
	vm_set_slot(vm, 0, KVM_MEM_LOG_DIRTY_PAGES, 0, vm->mem_size, vm->mem);
	get_log(vm, 0, bm);
	ASSERT_EQ(bits_count(bm, words), 0);
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	ASSERT_TRUE(pd[PD_INDEX(TEST_GPA)] & PTE_A, "PDE %#llx",
		    (unsigned long long)pd[PD_INDEX(TEST_GPA)]);
	ASSERT_TRUE(pdpt[PDPT_INDEX(TEST_GPA)] & PTE_A);
	get_log(vm, 0, bm);
	reported = bits_count(bm, words);
	ktap_print("%lu pages of slot 0 reported after the walk", reported);
	ASSERT_TRUE(bit_test(bm, pd_page), "PD page %#llx not reported",
		    (unsigned long long)pd_page * GUEST_PAGE_SIZE);
	ASSERT_TRUE(bit_test(bm, pdpt_page), "PDPT page not reported");
	/* Nobody writes the IDT. Beyond the tables: the stack and its ucall. */
	ASSERT_TRUE(!bit_test(bm, GUEST_IDT_GPA / GUEST_PAGE_SIZE));
	ASSERT_TRUE(reported <= 8, "%lu pages reported", reported);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
	free(bm);
}

/* --- several vCPUs writing while the host harvests -------------------------- */

#define STRESS_VCPUS		4
#define STRESS_INS_EVERY	16	/* vCPU 0: every 16th write by REP INSB */
#define STRESS_MIN_MS		2000
#define STRESS_MAX_MS		30000
#define STRESS_MIN_HARVESTS	20
#define STRESS_PAUSE_US		1000

static volatile uint64_t stress_stop, stress_writes[STRESS_VCPUS];

/*
 * vCPU @id writes (id << 56 | n) to its own qword (offset id * 8) of
 * random pages until told to stop; with @ins_every, every that many
 * writes go through REP INSB instead (the host supplies the value).
 */
static void guest_stress(uint64_t id, uint64_t ins_every)
{
	uint64_t x = id * 0x9e3779b97f4a7c15ULL + 1, n = 0;

	while (!stress_stop) {
		uint64_t page, addr;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		page = x & (TEST_PAGES - 1);
		addr = TEST_GPA + page * GUEST_PAGE_SIZE + id * 8;
		n++;
		if (ins_every && n % ins_every == 0) {
			uint64_t rcx = 8;

			asm volatile("cld; rep insb" : "+c"(rcx), "+D"(addr)
				     : "d"(INS_PORT) : "memory");
		} else {
			*(volatile uint64_t *)addr = id << 56 | n;
		}
	}
	stress_writes[id] = n;
	GUEST_DONE();
}

struct stress_vcpu {
	struct vcpu *vcpu;
	pthread_t thread;
	uint64_t ins_values;	/* REP INSB values supplied */
};

static void *stress_vcpu_thread(void *arg)
{
	struct stress_vcpu *sv = arg;
	struct kvm_run *run = sv->vcpu->run;
	struct ucall uc;

	for (;;) {
		vcpu_run(sv->vcpu);
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == INS_PORT) {
			uint8_t *data = (uint8_t *)run + run->io.data_offset;
			uint64_t i;

			/* Bit 63 set: never a value the guest writes itself. */
			for (i = 0; i < (uint64_t)run->io.size * run->io.count; i++)
				data[i] = (uint8_t)(sv->ins_values + i) | 0x80;
			sv->ins_values++;
			continue;
		}
		if (get_ucall(sv->vcpu, &uc) == UCALL_DONE)
			return NULL;
		FAIL("vCPU %u: unexpected ucall %llu", sv->vcpu->id,
		     (unsigned long long)uc.cmd);
	}
}

/* The last harvests' logs and changes are kept in rings: [k % STRESS_RING]. */
#define STRESS_RING	4

struct stress {
	struct vm *vm;
	const uint64_t *mem;
	bool manual;
	uint64_t log[STRESS_RING][BITMAP_WORDS(TEST_PAGES)];
	uint64_t changed[STRESS_RING][BITMAP_WORDS(TEST_PAGES)];
	uint64_t snap[TEST_PAGES][STRESS_VCPUS];
	unsigned long harvests, changes, reported, unchanged_reports;
	unsigned long first_checked;	/* logs before it may hold any page */
};


static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/*
 * One harvest k: the log (GET, or GET then CLEAR of what it returned),
 * then the watched qwords, and the pages whose content changed since
 * harvest k-1. A change visible now happened before this read; if it
 * happened before harvest k protected the page it is in log k, else it
 * faulted afterwards and is in log k+1. So every change of round k-1
 * must be in log k-1 or log k: checked here for k-1.
 */
static void stress_harvest(struct stress *s)
{
	unsigned long k = ++s->harvests, p, v;
	uint64_t *log = s->log[k % STRESS_RING], *changed = s->changed[k % STRESS_RING];
	const uint64_t *prev_log = s->log[(k - 1) % STRESS_RING];
	const uint64_t *prev_changed = s->changed[(k - 1) % STRESS_RING];

	get_log(s->vm, TEST_SLOT, log);
	if (s->manual)
		clear_log(s->vm, TEST_SLOT, 0, TEST_PAGES, log);
	memset(changed, 0, sizeof(s->changed[0]));
	for (p = 0; p < TEST_PAGES; p++) {
		for (v = 0; v < STRESS_VCPUS; v++) {
			uint64_t now = __atomic_load_n(&s->mem[p * 512 + v], __ATOMIC_RELAXED);

			if (now != s->snap[p][v]) {
				s->snap[p][v] = now;
				bit_set(changed, p);
			}
		}
		if (bit_test(changed, p))
			s->changes++;
		if (bit_test(prev_changed, p) && !bit_test(prev_log, p) && !bit_test(log, p))
			FAIL("harvest %lu: page %lu changed (vCPU values now %#llx %#llx %#llx %#llx) but was reported in neither this harvest nor the next",
			     k - 1, p, (unsigned long long)s->snap[p][0],
			     (unsigned long long)s->snap[p][1], (unsigned long long)s->snap[p][2],
			     (unsigned long long)s->snap[p][3]);
	}
	s->reported += bits_count(log, BITMAP_WORDS(TEST_PAGES));
}

/*
 * Reports without a change around them (harvest k-2's log, no change in
 * rounds k-3..k-1): only a write that faulted (and was logged) but had
 * not happened yet when the page was read. At most one per vCPU per
 * harvest, so many more means the log reports pages nobody wrote.
 */
static void stress_count_unchanged(struct stress *s)
{
	unsigned long k = s->harvests, p;

	if (k < 3 || k - 2 < s->first_checked)
		return;
	for (p = 0; p < TEST_PAGES; p++)
		if (bit_test(s->log[(k - 2) % STRESS_RING], p) &&
		    !bit_test(s->changed[(k - 3) % STRESS_RING], p) &&
		    !bit_test(s->changed[(k - 2) % STRESS_RING], p) &&
		    !bit_test(s->changed[(k - 1) % STRESS_RING], p))
			s->unchanged_reports++;
}

static void stress_run(uint64_t manual_flags)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	uint64_t *mem = alloc_backing(TEST_SIZE), start;
	struct stress_vcpu sv[STRESS_VCPUS];
	struct stress *s = calloc(1, sizeof(*s));
	unsigned long ins = 0, writes = 0, i;

	/*
	 * Host pages behind every guest page from the start: a first guest
	 * write to a page the host only read (the zero page) would copy it,
	 * and each copy is an MMU-notifier invalidation that makes concurrent
	 * faults retry; that would measure the host's mm, not the log.
	 */
	memset(mem, 0, TEST_SIZE);
	s->vm = vm;
	s->mem = mem;
	s->manual = manual_flags != 0;
	if (manual_flags)
		enable_manual(vm, manual_flags);
	vm_set_slot(vm, TEST_SLOT, KVM_MEM_LOG_DIRTY_PAGES, TEST_GPA, TEST_SIZE, mem);
	/* Harvest 1 before any write: INITIALLY_SET's all-ones log is not checked. */
	stress_harvest(s);
	s->first_checked = 2;
	for (i = 0; i < STRESS_VCPUS; i++) {
		sv[i] = (struct stress_vcpu){
			.vcpu = vm_vcpu_add(vm, i, (void (*)(void))guest_stress),
		};
		vcpu_set_arg(sv[i].vcpu, i, i == 0 ? STRESS_INS_EVERY : 0);
	}
	for (i = 0; i < STRESS_VCPUS; i++)
		ASSERT_EQ(pthread_create(&sv[i].thread, NULL, stress_vcpu_thread, &sv[i]), 0);

	start = now_ms();
	while (now_ms() - start < STRESS_MAX_MS &&
	       (now_ms() - start < STRESS_MIN_MS || s->harvests < STRESS_MIN_HARVESTS)) {
		usleep(STRESS_PAUSE_US);
		stress_harvest(s);
		stress_count_unchanged(s);
	}
	*guest_var(vm, &stress_stop) = 1;
	for (i = 0; i < STRESS_VCPUS; i++) {
		ASSERT_EQ(pthread_join(sv[i].thread, NULL), 0);
		ins += sv[i].ins_values;
		writes += guest_var(vm, &stress_writes[0])[i];
	}
	/* The vCPUs have stopped: one harvest checks the last round, the next sees nothing. */
	stress_harvest(s);
	stress_harvest(s);
	stress_count_unchanged(s);
	ASSERT_EQ(bits_count(s->log[s->harvests % STRESS_RING], BITMAP_WORDS(TEST_PAGES)), 0);
	ASSERT_EQ(bits_count(s->changed[s->harvests % STRESS_RING], BITMAP_WORDS(TEST_PAGES)), 0);

	ktap_print("%s: %d vCPUs, %lu writes (%lu by REP INSB), %lu harvests in %llu ms, %lu page changes checked, %lu pages reported, %lu reports without a change nearby",
		   !manual_flags ? "GET_DIRTY_LOG" :
		   manual_flags == MANUAL_INIT ? "GET+CLEAR, initially set" : "GET+CLEAR",
		   STRESS_VCPUS, writes, ins, s->harvests,
		   (unsigned long long)(now_ms() - start), s->changes, s->reported,
		   s->unchanged_reports);
	ASSERT_TRUE(s->harvests >= STRESS_MIN_HARVESTS / 2, "only %lu harvests", s->harvests);
	ASSERT_TRUE(s->changes >= 10 * STRESS_VCPUS, "only %lu page changes", s->changes);
	ASSERT_TRUE(ins > 0, "vCPU 0 made no REP INSB write");
	ASSERT_TRUE(s->unchanged_reports <= s->harvests * STRESS_VCPUS,
		    "%lu reports of pages that did not change (%lu harvests)",
		    s->unchanged_reports, s->harvests);
	free(s);
}

static void stress_get(void)
{
	stress_run(0);
}

static void stress_clear(void)
{
	stress_run(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE);
}

static void stress_clear_initially_set(void)
{
	stress_run(MANUAL_INIT);
}

static const struct ktest tests[] = {
	KTEST(cap_manual_protect),
	KTEST(log_errors),
	KTEST(exact_get),
	KTEST(exact_manual),
	KTEST(exact_huge_backing),
	KTEST(emulated_writes_logged),
	KTEST(page_walk_accessed_bits_logged),
	KTEST(stress_get),
	KTEST(stress_clear),
	KTEST(stress_clear_initially_set),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
