// SPDX-License-Identifier: GPL-2.0-only
/* Host side of the interrupt tests (see irq_vm.h). */
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "irq_vm.h"

void vm_create_irqchip(struct vm *vm)
{
	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0))
		FAIL("KVM_CREATE_IRQCHIP: %s", strerror(errno));
}

int test_eventfd(void)
{
	return CHECK_OK(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
}

void eventfd_signal(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		FAIL("eventfd write: %s", strerror(errno));
}

uint64_t eventfd_take(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) == sizeof(v))
		return v;
	if (errno != EAGAIN)
		FAIL("eventfd read: %s", strerror(errno));
	return 0;
}

void vm_irqfd(struct vm *vm, int fd, uint32_t gsi, int resamplefd)
{
	struct kvm_irqfd irqfd = { .fd = fd, .gsi = gsi };

	if (resamplefd >= 0) {
		irqfd.flags = KVM_IRQFD_FLAG_RESAMPLE;
		irqfd.resamplefd = resamplefd;
	}
	if (ioctl(vm->fd, KVM_IRQFD, &irqfd))
		FAIL("KVM_IRQFD gsi %u: %s", gsi, strerror(errno));
}

void vm_irqfd_deassign(struct vm *vm, int fd, uint32_t gsi)
{
	struct kvm_irqfd irqfd = { .fd = fd, .gsi = gsi, .flags = KVM_IRQFD_FLAG_DEASSIGN };

	if (ioctl(vm->fd, KVM_IRQFD, &irqfd))
		FAIL("KVM_IRQFD deassign gsi %u: %s", gsi, strerror(errno));
}

uint32_t msi_address_lo(uint32_t dest_apic_id)
{
	return 0xfee00000U | (dest_apic_id & 0xff) << 12;
}

void vm_signal_msi(struct vm *vm, uint32_t dest_apic_id, uint8_t vector)
{
	struct kvm_msi msi = { .address_lo = msi_address_lo(dest_apic_id), .data = vector };
	int r = ioctl(vm->fd, KVM_SIGNAL_MSI, &msi);

	/* > 0: delivered; 0: blocked by the guest (e.g. a disabled APIC). */
	if (r <= 0)
		FAIL("KVM_SIGNAL_MSI vector %#x: %d (%s)", vector, r, r ? strerror(errno) : "blocked");
}

void vm_route_msi(struct vm *vm, uint32_t gsi, uint32_t dest_apic_id, uint8_t vector)
{
	struct kvm_irq_routing *r = calloc(1, sizeof(*r) +
					   (IOAPIC_PINS + 1) * sizeof(r->entries[0]));
	unsigned int pin;

	if (!r)
		FAIL("out of memory");
	for (pin = 0; pin < IOAPIC_PINS; pin++)
		r->entries[pin] = (struct kvm_irq_routing_entry){
			.gsi = pin, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = pin },
		};
	r->entries[pin] = (struct kvm_irq_routing_entry){
		.gsi = gsi, .type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = msi_address_lo(dest_apic_id), .data = vector },
	};
	r->nr = IOAPIC_PINS + 1;
	if (ioctl(vm->fd, KVM_SET_GSI_ROUTING, r))
		FAIL("KVM_SET_GSI_ROUTING: %s", strerror(errno));
	free(r);
}

static void ioeventfd(struct vm *vm, int fd, uint64_t addr, uint32_t len, uint32_t flags,
		      uint64_t datamatch)
{
	struct kvm_ioeventfd io = {
		.datamatch = datamatch, .addr = addr, .len = len, .fd = fd, .flags = flags,
	};

	if (ioctl(vm->fd, KVM_IOEVENTFD, &io))
		FAIL("KVM_IOEVENTFD %#llx len %u flags %#x: %s", (unsigned long long)addr,
		     len, flags, strerror(errno));
}

void vm_ioeventfd(struct vm *vm, int fd, uint64_t addr, uint32_t len, bool pio)
{
	ioeventfd(vm, fd, addr, len, pio ? KVM_IOEVENTFD_FLAG_PIO : 0, 0);
}

void vm_ioeventfd_match(struct vm *vm, int fd, uint64_t addr, uint32_t len, bool pio,
			uint64_t datamatch)
{
	ioeventfd(vm, fd, addr, len, KVM_IOEVENTFD_FLAG_DATAMATCH |
		  (pio ? KVM_IOEVENTFD_FLAG_PIO : 0), datamatch);
}

struct kvm_cpuid2 *cpuid_with_leaf1_ecx(uint32_t bits)
{
	const struct kvm_cpuid2 *sup = supported_cpuid();
	struct kvm_cpuid2 *c = cpuid_alloc(sup->nent);
	uint32_t i;

	for (i = 0; i < sup->nent; i++) {
		c->entries[i] = sup->entries[i];
		if (c->entries[i].function == 1)
			c->entries[i].ecx |= bits;
	}
	return c;
}

static void *vcpu_thread_fn(void *arg)
{
	struct vcpu_thread *t = arg;

	vcpu_run_ucall(t->vcpu, UCALL_DONE, NULL);
	return NULL;
}

void vcpu_thread_start(struct vcpu_thread *t, struct vcpu *vcpu)
{
	int r;

	t->vcpu = vcpu;
	r = pthread_create(&t->tid, NULL, vcpu_thread_fn, t);
	if (r)
		FAIL("pthread_create: %s", strerror(r));
}

void vcpu_thread_join(struct vcpu_thread *t)
{
	int r = pthread_join(t->tid, NULL);

	if (r)
		FAIL("pthread_join: %s", strerror(r));
}

uint64_t vcpu_get_mp_state(struct vcpu *vcpu)
{
	struct kvm_mp_state mp;

	if (ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp))
		FAIL("KVM_GET_MP_STATE: %s", strerror(errno));
	return mp.mp_state;
}

void vcpu_set_mp_state(struct vcpu *vcpu, uint32_t state)
{
	struct kvm_mp_state mp = { .mp_state = state };

	if (ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp))
		FAIL("KVM_SET_MP_STATE %u: %s", state, strerror(errno));
}

struct vcpu *vm_vcpu_add_ap(struct vm *vm, unsigned int id, void (*entry)(void))
{
	struct vcpu *vcpu = vm_vcpu_add(vm, id, entry);

	vcpu_set_mp_state(vcpu, KVM_MP_STATE_RUNNABLE);
	return vcpu;
}
