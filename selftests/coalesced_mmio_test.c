// SPDX-License-Identifier: GPL-2.0-only
/*
 * Coalesced MMIO and port I/O (KVM_REGISTER_COALESCED_MMIO): writes into a
 * registered zone go into the ring at page KVM_CAP_COALESCED_MMIO of the
 * vCPU mmap without an exit, in order; the write that finds the ring full
 * exits as usual; after unregistering, every write exits; the VMM's bad
 * ring indices and bad arguments are refused, not followed.
 */
#include <sys/ioctl.h>
#include <unistd.h>
#include "guest.h"
#include "guest_vm.h"

#define MMIO_GPA	0xc0000000ULL	/* no slot: every access would exit */
#define PORT		0x80

/* Alternately an 8-byte MMIO write and a 4-byte OUT, numbered 0, 1, 2, ... */
static void guest_writes(void)
{
	uint32_t n;

	for (n = 0;; n += 2) {
		*(volatile uint64_t *)MMIO_GPA = n;
		outl(PORT, n + 1);
	}
}

static struct kvm_coalesced_mmio_ring *ring_of(struct vcpu *vcpu)
{
	long page = hvx_check_cap(vcpu->vm->fd, KVM_CAP_COALESCED_MMIO);

	if (page <= 0)
		FAIL("KVM_CAP_COALESCED_MMIO: %ld", page);
	return (void *)((char *)vcpu->run + page * getpagesize());
}

static uint32_t ring_max(void)
{
	return (getpagesize() - sizeof(struct kvm_coalesced_mmio_ring)) /
	       sizeof(struct kvm_coalesced_mmio);
}

static int zone(struct vm *vm, unsigned long req, uint64_t addr, uint32_t size, uint32_t pio)
{
	struct kvm_coalesced_mmio_zone z = { .addr = addr, .size = size, .pio = pio };

	return ioctl(vm->fd, req, &z);
}

/* Write number n, as the guest made it: its address, length, kind and value. */
static void expect_entry(const struct kvm_coalesced_mmio *e, uint32_t n)
{
	uint64_t v = 0;

	memcpy(&v, e->data, sizeof(v));
	if (n & 1) {
		if (e->phys_addr != PORT || e->len != 4 || !e->pio || v != n)
			FAIL("entry %u: %s %#llx len %u value %#llx, expected OUT %#x len 4 value %u",
			     n, e->pio ? "PIO" : "MMIO", e->phys_addr, e->len,
			     (unsigned long long)v, PORT, n);
	} else if (e->phys_addr != MMIO_GPA || e->len != 8 || e->pio || v != n) {
		FAIL("entry %u: %s %#llx len %u value %#llx, expected MMIO %#llx len 8 value %u",
		     n, e->pio ? "PIO" : "MMIO", e->phys_addr, e->len,
		     (unsigned long long)v, MMIO_GPA, n);
	}
}

/* The exit for write n, which did not go into the ring. */
static void expect_exit(struct vcpu *vcpu, uint32_t n)
{
	struct kvm_run *run = vcpu->run;

	if (n & 1) {
		vcpu_run_expect(vcpu, KVM_EXIT_IO);
		ASSERT_EQ(run->io.port, PORT);
		ASSERT_EQ(*(uint32_t *)((char *)run + run->io.data_offset), n);
	} else {
		vcpu_run_expect(vcpu, KVM_EXIT_MMIO);
		ASSERT_EQ(run->mmio.phys_addr, MMIO_GPA);
		ASSERT_EQ(*(uint64_t *)run->mmio.data, n);
	}
}

static void ring_fills_then_exits(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_writes);
	struct kvm_coalesced_mmio_ring *ring = ring_of(vcpu);
	uint32_t max = ring_max(), start = 5, n = 0, i;

	ASSERT_EQ(hvx_check_cap(vm->fd, KVM_CAP_COALESCED_PIO), 1);
	CHECK_OK(zone(vm, KVM_REGISTER_COALESCED_MMIO, MMIO_GPA, 8, 0));
	CHECK_OK(zone(vm, KVM_REGISTER_COALESCED_MMIO, PORT, 4, 1));
	/* A ring starting mid-page: it wraps, and holds max - 1 writes. */
	ring->first = ring->last = start;
	expect_exit(vcpu, max - 1);
	ASSERT_EQ(ring->first, start);
	ASSERT_EQ(ring->last, (start + max - 1) % max);
	for (i = 0; i < max - 1; i++)
		expect_entry(&ring->coalesced_mmio[(start + i) % max], n++);
	n++;	/* the write that exited */

	/* Drained: the next writes go into the ring again. */
	ring->first = ring->last;
	expect_exit(vcpu, n + max - 1);
	for (i = 0; i < max - 1; i++)
		expect_entry(&ring->coalesced_mmio[(ring->first + i) % max], n++);
	n++;

	/* Unregistered (a range inside each zone names it): every write exits. */
	CHECK_OK(zone(vm, KVM_UNREGISTER_COALESCED_MMIO, MMIO_GPA, 8, 0));
	CHECK_OK(zone(vm, KVM_UNREGISTER_COALESCED_MMIO, PORT + 1, 2, 1));
	ring->first = ring->last;
	for (i = 0; i < 4; i++)
		expect_exit(vcpu, n++);
	ASSERT_EQ(ring->first, ring->last);
	vm_destroy(vm);
}

/* Indices the VMM broke: the write exits, nothing is written out of range. */
static void bad_ring_index(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_writes);
	struct kvm_coalesced_mmio_ring *ring = ring_of(vcpu);

	CHECK_OK(zone(vm, KVM_REGISTER_COALESCED_MMIO, MMIO_GPA, 8, 0));
	ring->first = 0;
	ring->last = 0xffffffff;
	expect_exit(vcpu, 0);
	ASSERT_EQ(ring->last, 0xffffffff);
	vm_destroy(vm);
}

static void bad_args(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);

	ASSERT_ERRNO(zone(vm, KVM_REGISTER_COALESCED_MMIO, MMIO_GPA, 8, 2), EINVAL);
	ASSERT_ERRNO(zone(vm, KVM_UNREGISTER_COALESCED_MMIO, MMIO_GPA, 8, 2), EINVAL);
	ASSERT_ERRNO(ioctl(vm->fd, KVM_REGISTER_COALESCED_MMIO, (void *)8), EFAULT);
	/* Nothing registered there: still 0, as KVM. */
	CHECK_OK(zone(vm, KVM_UNREGISTER_COALESCED_MMIO, MMIO_GPA, 8, 0));
	vm_destroy(vm);
}

static const struct ktest tests[] = {
	KTEST(ring_fills_then_exits),
	KTEST(bad_ring_index),
	KTEST(bad_args),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
