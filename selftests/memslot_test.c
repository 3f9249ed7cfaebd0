// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_SET_USER_MEMORY_REGION: add, delete, move, resize (delete + create),
 * READONLY, adjacent slots joined into one, and the arguments it must
 * refuse (overlap, misalignment, bad flags, bad slot ids). Each change is
 * checked from inside the guest too. KVM_SET/GET_NR_MMU_PAGES.
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "guest.h"
#include "guest_vm.h"

#define SLOT		1
#define SLOT_GPA	0x10000000ULL		/* 256 MiB, far above slot 0 */
#define SLOT_GPA2	0x20000000ULL
#define SLOT_SIZE	(2ULL << 20)
#define MAGIC		0x5a5a1234abcd0000ULL

static void *alloc_backing(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		FAIL("mmap: %s", strerror(errno));
	return p;
}

/* Reads the qword at RDI, reports it, writes RSI there, again and again. */
static void guest_rw(uint64_t gpa, uint64_t val)
{
	for (;;) {
		volatile uint64_t *p = (volatile uint64_t *)gpa;

		GUEST_SYNC(*p);
		*p = val;
		GUEST_SYNC(*p);
	}
}

static struct vcpu *rw_vcpu(struct vm *vm, unsigned int id, uint64_t gpa, uint64_t val)
{
	struct vcpu *vcpu = vm_vcpu_add(vm, id, (void (*)(void))guest_rw);

	vcpu_set_arg(vcpu, gpa, val);
	return vcpu;
}

/* The next run must read `gpa` as MMIO (no slot there). */
static void expect_mmio_read(struct vcpu *vcpu, uint64_t gpa)
{
	vcpu_run_expect(vcpu, KVM_EXIT_MMIO);
	ASSERT_EQ(vcpu->run->mmio.phys_addr, gpa);
	ASSERT_EQ(vcpu->run->mmio.is_write, 0);
	ASSERT_EQ(vcpu->run->mmio.len, 8);
}

static void slot_add(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	uint64_t *mem = alloc_backing(SLOT_SIZE);
	struct vcpu *vcpu = rw_vcpu(vm, 0, SLOT_GPA + 8, MAGIC);
	struct ucall uc;

	mem[1] = 77;
	vm_set_slot(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, mem);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 77);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(mem[1], MAGIC);
	/* Adding the same slot again, unchanged, is accepted. */
	vm_set_slot(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, mem);
	ASSERT_ERRNO(ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, (void *)8), EFAULT);
}

static void slot_delete(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	uint64_t *mem = alloc_backing(SLOT_SIZE);
	struct vcpu *vcpu = rw_vcpu(vm, 0, SLOT_GPA, MAGIC);
	struct ucall uc;

	vm_set_slot(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, mem);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(mem[0], MAGIC);
	vm_set_slot(vm, SLOT, 0, SLOT_GPA, 0, NULL);
	/* Gone: the guest's next read of it is MMIO. */
	expect_mmio_read(vcpu, SLOT_GPA);
	/* Deleting a slot that does not exist. */
	ASSERT_ERRNO(_vm_set_slot(vm, SLOT, 0, SLOT_GPA, 0, NULL), EINVAL);
	ASSERT_ERRNO(_vm_set_slot(vm, 5, 0, 0, 0, NULL), EINVAL);
}

static void slot_move(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	uint64_t *mem = alloc_backing(SLOT_SIZE);
	struct vcpu *vcpu = rw_vcpu(vm, 0, SLOT_GPA2, MAGIC);
	struct ucall uc;

	mem[0] = 42;
	vm_set_slot(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, mem);
	/* Same slot, same memory and size, new GPA: a move. */
	vm_set_slot(vm, SLOT, 0, SLOT_GPA2, SLOT_SIZE, mem);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 42);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	/* The old place is empty now. */
	vcpu = vm_vcpu_add(vm, 1, (void (*)(void))guest_rw);
	vcpu_set_arg(vcpu, SLOT_GPA, 0);
	expect_mmio_read(vcpu, SLOT_GPA);
	/* Moving onto slot 0 overlaps. */
	ASSERT_ERRNO(_vm_set_slot(vm, SLOT, 0, 0x200000, SLOT_SIZE, mem), EEXIST);
}

static void slot_resize(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	uint64_t *mem = alloc_backing(2 * SLOT_SIZE);
	struct vcpu *vcpu = rw_vcpu(vm, 0, SLOT_GPA + SLOT_SIZE, MAGIC);
	struct ucall uc;

	vm_set_slot(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, mem);
	/* A slot cannot change size, nor its memory, in place ... */
	ASSERT_ERRNO(_vm_set_slot(vm, SLOT, 0, SLOT_GPA, 2 * SLOT_SIZE, mem), EINVAL);
	ASSERT_ERRNO(_vm_set_slot(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE / 2, mem), EINVAL);
	ASSERT_ERRNO(_vm_set_slot(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE,
				  (char *)mem + SLOT_SIZE), EINVAL);
	/* ... so resizing is delete + create. */
	expect_mmio_read(vcpu, SLOT_GPA + SLOT_SIZE);
	vm_set_slot(vm, SLOT, 0, SLOT_GPA, 0, NULL);
	mem[SLOT_SIZE / 8] = 99;
	vm_set_slot(vm, SLOT, 0, SLOT_GPA, 2 * SLOT_SIZE, mem);
	vcpu = rw_vcpu(vm, 1, SLOT_GPA + SLOT_SIZE, MAGIC);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 99);
}

static void slot_overlap(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	char *mem = alloc_backing(4 * SLOT_SIZE);

	vm_set_slot(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, mem);
	ASSERT_ERRNO(_vm_set_slot(vm, 2, 0, SLOT_GPA, SLOT_SIZE, mem), EEXIST);
	ASSERT_ERRNO(_vm_set_slot(vm, 2, 0, SLOT_GPA + SLOT_SIZE - 4096, 8192, mem), EEXIST);
	ASSERT_ERRNO(_vm_set_slot(vm, 2, 0, SLOT_GPA - 4096, 8192, mem), EEXIST);
	ASSERT_ERRNO(_vm_set_slot(vm, 2, 0, SLOT_GPA - 4096, 3 * SLOT_SIZE, mem), EEXIST);
	ASSERT_ERRNO(_vm_set_slot(vm, 2, 0, 0, 4096, mem), EEXIST);	/* slot 0 */
	/* Adjacent is fine, and so is sharing host memory. */
	vm_set_slot(vm, 2, 0, SLOT_GPA + SLOT_SIZE, SLOT_SIZE, mem);
	vm_set_slot(vm, 3, 0, SLOT_GPA - SLOT_SIZE, SLOT_SIZE, mem);
}

static void slot_misaligned(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	char *mem = alloc_backing(2 * SLOT_SIZE);

	ASSERT_ERRNO(_vm_set_slot(vm, SLOT, 0, SLOT_GPA + 1, SLOT_SIZE, mem), EINVAL);
	ASSERT_ERRNO(_vm_set_slot(vm, SLOT, 0, SLOT_GPA + 2048, SLOT_SIZE, mem), EINVAL);
	ASSERT_ERRNO(_vm_set_slot(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE + 1, mem), EINVAL);
	ASSERT_ERRNO(_vm_set_slot(vm, SLOT, 0, SLOT_GPA, 100, mem), EINVAL);
	ASSERT_ERRNO(_vm_set_slot(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, mem + 1), EINVAL);
	ASSERT_ERRNO(_vm_set_slot(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, mem + 2048), EINVAL);
	/* GPA + size wraps around. */
	ASSERT_ERRNO(_vm_set_slot(vm, SLOT, 0, -4096ULL, 8192, mem), EINVAL);
	/* Host range outside user space. */
	ASSERT_ERRNO(_vm_set_slot(vm, SLOT, 0, SLOT_GPA, 4096, (void *)0xffff800000000000ULL),
		     EINVAL);
	/* None of it created anything. */
	vm_set_slot(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, mem);
}

static void slot_bad_flags(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	char *mem = alloc_backing(SLOT_SIZE);
	unsigned int bit;

	/* Bit 2 (KVM_MEM_GUEST_MEMFD) belongs to KVM_SET_USER_MEMORY_REGION2. */
	for (bit = 2; bit < 32; bit++)
		if (_vm_set_slot(vm, SLOT, 1u << bit, SLOT_GPA, SLOT_SIZE, mem) != -1 ||
		    errno != EINVAL)
			FAIL("flags bit %u: accepted or not EINVAL (%s)", bit, strerror(errno));
	/* The two flags there are (dirty logging itself: dirty_log_test). */
	vm_set_slot(vm, SLOT, KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY, SLOT_GPA,
		    SLOT_SIZE, mem);
}

static void slot_bad_id(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	char *mem = alloc_backing(SLOT_SIZE);
	long nr = hvx_check_cap(vm->fd, KVM_CAP_NR_MEMSLOTS);
	long spaces = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_MULTI_ADDRESS_SPACE);

	ktap_print("KVM_CAP_NR_MEMSLOTS %ld, KVM_CAP_MULTI_ADDRESS_SPACE %ld", nr, spaces);
	ASSERT_TRUE(nr >= 32);
	ASSERT_ERRNO(_vm_set_slot(vm, nr, 0, SLOT_GPA, SLOT_SIZE, mem), EINVAL);
	ASSERT_ERRNO(_vm_set_slot(vm, 0xffff, 0, SLOT_GPA, SLOT_SIZE, mem), EINVAL);
	/* Bits 31:16 select an address space. */
	ASSERT_ERRNO(_vm_set_slot(vm, (spaces > 1 ? spaces : 1) << 16, 0, SLOT_GPA,
				  SLOT_SIZE, mem), EINVAL);
	ASSERT_ERRNO(_vm_set_slot(vm, 0xffffffffu, 0, SLOT_GPA, SLOT_SIZE, mem), EINVAL);
	vm_set_slot(vm, nr - 1, 0, SLOT_GPA, SLOT_SIZE, mem);
}

static void slot_readonly(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	uint64_t *mem = alloc_backing(SLOT_SIZE);
	struct vcpu *vcpu = rw_vcpu(vm, 0, SLOT_GPA, MAGIC);
	struct ucall uc;

	if (hvx_check_cap(vm->fd, KVM_CAP_READONLY_MEM) <= 0)
		SKIP("KVM_CAP_READONLY_MEM not offered");
	mem[0] = 1234;
	vm_set_slot(vm, SLOT, KVM_MEM_READONLY, SLOT_GPA, SLOT_SIZE, mem);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 1234);
	/* The write leaves as MMIO, with its data; memory is unchanged. */
	vcpu_run_expect(vcpu, KVM_EXIT_MMIO);
	ASSERT_EQ(vcpu->run->mmio.phys_addr, SLOT_GPA);
	ASSERT_EQ(vcpu->run->mmio.is_write, 1);
	ASSERT_EQ(vcpu->run->mmio.len, 8);
	ASSERT_TRUE(!memcmp(vcpu->run->mmio.data, &(uint64_t){ MAGIC }, 8));
	ASSERT_EQ(mem[0], 1234);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 1234);
	/* READONLY cannot be toggled on an existing slot. */
	ASSERT_ERRNO(_vm_set_slot(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, mem), EINVAL);
	/* The host may write; the guest reads the new value. */
	mem[0] = 5678;
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 5678);
}

/*
 * KVM_CAP_DESTROY_MEMORY_REGION_WORKS and KVM_CAP_JOIN_MEMORY_REGIONS_WORKS
 * (QEMU requires both): a slot deleted (memory_size 0) leaves no mapping
 * behind, and slots that touch each other work as one stretch of RAM,
 * also when they are joined into one slot later.
 */
static void guest_straddle(uint64_t gpa, uint64_t val)
{
	for (;;) {
		volatile uint64_t *p = (volatile uint64_t *)gpa;

		GUEST_SYNC(*p);
		*p = val;
		GUEST_SYNC(*p);
	}
}

static void slot_join_and_destroy(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	uint8_t *a = alloc_backing(4096), *b = alloc_backing(4096);
	uint8_t *joined = alloc_backing(8192);
	uint64_t straddle = SLOT_GPA + 4096 - 4, v;
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, (void (*)(void))guest_straddle);
	struct ucall uc;

	ASSERT_EQ(hvx_check_cap(vm->fd, KVM_CAP_DESTROY_MEMORY_REGION_WORKS), 1);
	ASSERT_EQ(hvx_check_cap(vm->fd, KVM_CAP_JOIN_MEMORY_REGIONS_WORKS), 1);
	vcpu_set_arg(vcpu, straddle, MAGIC);
	/* Two one-page slots, back to back, with unrelated host pages. */
	memcpy(a + 4092, "\x11\x22\x33\x44", 4);
	memcpy(b, "\x55\x66\x77\x88", 4);
	vm_set_slot(vm, SLOT, 0, SLOT_GPA, 4096, a);
	vm_set_slot(vm, SLOT + 1, 0, SLOT_GPA + 4096, 4096, b);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 0x8877665544332211ULL);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], MAGIC);
	memcpy(&v, a + 4092, 4);
	memcpy((uint8_t *)&v + 4, b, 4);
	ASSERT_EQ(v, MAGIC);
	/* Destroyed: both pages read as MMIO now (the first half's exit first). */
	vm_set_slot(vm, SLOT, 0, SLOT_GPA, 0, NULL);
	vm_set_slot(vm, SLOT + 1, 0, SLOT_GPA + 4096, 0, NULL);
	vcpu_run_expect(vcpu, KVM_EXIT_MMIO);
	ASSERT_TRUE(vcpu->run->mmio.phys_addr >= straddle &&
		    vcpu->run->mmio.phys_addr < straddle + 8);
	/* Joined: one slot over both pages, new memory; nothing stale is seen. */
	vcpu = vm_vcpu_add(vm, 1, (void (*)(void))guest_straddle);
	vcpu_set_arg(vcpu, straddle, ~MAGIC);
	memcpy(joined + 4092, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	vm_set_slot(vm, SLOT, 0, SLOT_GPA, 8192, joined);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 0x0807060504030201ULL);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], ~MAGIC);
	memcpy(&v, joined + 4092, 8);
	ASSERT_EQ(v, ~MAGIC);
}

/*
 * KVM_SET_NR_MMU_PAGES / KVM_GET_NR_MMU_PAGES (KVM_CAP_MMU_SHADOW_CACHE_CONTROL):
 * the shadow page-table budget. At least 64 pages; a guest still runs on
 * the smallest budget (hvx under shadow paging reclaims roots and tables).
 */
static void nr_mmu_pages(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = rw_vcpu(vm, 0, vm->free_gpa + (8ULL << 20), MAGIC);
	struct ucall uc;
	long def;

	ASSERT_EQ(hvx_check_cap(vm->fd, KVM_CAP_MMU_SHADOW_CACHE_CONTROL), 1);
	def = CHECK_OK(ioctl(vm->fd, KVM_GET_NR_MMU_PAGES, 0));
	ktap_print("default KVM_GET_NR_MMU_PAGES: %ld", def);
	ASSERT_TRUE(def >= 64);
	ASSERT_ERRNO(ioctl(vm->fd, KVM_SET_NR_MMU_PAGES, 63), EINVAL);
	ASSERT_ERRNO(ioctl(vm->fd, KVM_SET_NR_MMU_PAGES, 0), EINVAL);
	CHECK_OK(ioctl(vm->fd, KVM_SET_NR_MMU_PAGES, 4096));
	ASSERT_EQ(ioctl(vm->fd, KVM_GET_NR_MMU_PAGES, 0), 4096);
	CHECK_OK(ioctl(vm->fd, KVM_SET_NR_MMU_PAGES, 64));
	ASSERT_EQ(ioctl(vm->fd, KVM_GET_NR_MMU_PAGES, 0), 64);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], MAGIC);
}

static const struct ktest tests[] = {
	KTEST(slot_add),
	KTEST(slot_delete),
	KTEST(slot_move),
	KTEST(slot_resize),
	KTEST(slot_overlap),
	KTEST(slot_misaligned),
	KTEST(slot_bad_flags),
	KTEST(slot_bad_id),
	KTEST(slot_readonly),
	KTEST(slot_join_and_destroy),
	KTEST(nr_mmu_pages),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
