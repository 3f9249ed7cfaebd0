// SPDX-License-Identifier: GPL-2.0-only
/*
 * An interrupt storm: the guest sends itself STORM_IRQS (>= 1,000,000)
 * fixed self-IPIs through the x2APIC SELF IPI register, with interrupts
 * enabled, each handled (and EOIed) before the next. Every one must arrive
 * exactly once: the guest's handler count must equal the number the host
 * asked for, with no interrupt lost, merged or duplicated on the way, and
 * each one must have arrived before the guest sends the next.
 *
 * Each interrupt costs the hypervisor two exits (the SELF IPI write and the
 * EOI), so this runs for minutes in the emulated testbeds: the test sets
 * its own alarm (STORM_TIMEOUT_S) and prints its rate.
 */
#include <time.h>
#include <unistd.h>
#include "apic.h"
#include "guest.h"
#include "irq_vm.h"

#define STORM_IRQS	1000000
#define STORM_VECTOR	0x80
#define STORM_TIMEOUT_S	1200
#define STORM_CHUNK	50000		/* a progress SYNC after each */
#define SPIN_LIMIT	(1ULL << 32)	/* pauses before an IPI counts as lost */

static volatile uint64_t storm_count;

static void storm_handler(struct guest_frame *f)
{
	(void)f;
	storm_count++;
	apic_eoi();
}

static void guest_storm(uint64_t n)
{
	uint64_t i, spins;

	apic_enable(true);
	guest_sti();
	for (i = 1; i <= n; i++) {
		wrmsr(MSR_X2APIC_BASE + (APIC_SELF_IPI >> 4), STORM_VECTOR);
		for (spins = 0; storm_count < i && spins < SPIN_LIMIT; spins++)
			guest_pause();
		if (storm_count != i)
			GUEST_FAIL(i, storm_count);
		if (i % STORM_CHUNK == 0 && i < n)
			GUEST_SYNC(0, storm_count);
	}
	guest_cli();
	GUEST_SYNC(1, storm_count);
	GUEST_DONE();
}

static void self_ipi_storm(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	const struct kvm_cpuid_entry2 *leaf1 = cpuid_find(supported_cpuid(), 1, 0);
	struct vcpu *vcpu;
	struct timespec t0, t1;
	struct ucall uc;
	double s;

	if (!leaf1 || !(leaf1->ecx & CPUID1_ECX_X2APIC))
		SKIP("x2APIC not in KVM_GET_SUPPORTED_CPUID");
	alarm(STORM_TIMEOUT_S);
	vm_create_irqchip(vm);
	vcpu = vm_vcpu_add(vm, 0, (void (*)(void))guest_storm);
	vm_set_handler(vm, STORM_VECTOR, storm_handler);
	vcpu_set_arg(vcpu, STORM_IRQS, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (!uc.args[0])
			ktap_print("%llu interrupts in %.1f s",
				   (unsigned long long)uc.args[1], s);
	} while (!uc.args[0]);
	uc.args[0] = uc.args[1];
	ktap_print("%llu interrupts sent, %llu handled, in %.1f s (%.0f/s)",
		   (unsigned long long)STORM_IRQS, (unsigned long long)uc.args[0], s,
		   uc.args[0] / s);
	ASSERT_EQ(uc.args[0], STORM_IRQS);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
}

static const struct ktest tests[] = {
	KTEST(self_ipi_storm),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
