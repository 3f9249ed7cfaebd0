// SPDX-License-Identifier: GPL-2.0-only
/*
 * Requests to vCPUs from other threads: set a bit, then make sure the vCPU
 * sees it before it next runs guest code. The vCPU sets vcpu->mode to
 * HVX_IN_GUEST with interrupts off and then checks vcpu->requests; we set
 * the bit and then read vcpu->mode. With a full barrier on both sides,
 * either the vCPU sees the bit, or we see it in guest mode and send an IPI,
 * which forces a VM exit (external interrupts always exit the guest).
 */
#include <linux/smp.h>
#include "hvx_core.h"

static void hvx_kick_ipi(void *unused)
{
	/* Nothing to do: taking the interrupt already ended guest mode. */
}

static void hvx_kick(struct hvx_vcpu *vcpu, bool wait)
{
	int cpu;

	/* Pairs with the smp_mb() between mode and requests on entry. */
	smp_mb();
	if (READ_ONCE(vcpu->mode) != HVX_IN_GUEST)
		return;
	cpu = READ_ONCE(vcpu->cpu);
	/*
	 * A stale CPU number only costs a spurious IPI: a vCPU that moved has
	 * left guest mode and checks requests before entering again.
	 */
	if (cpu >= 0 && cpu != raw_smp_processor_id())
		smp_call_function_single(cpu, hvx_kick_ipi, NULL, wait);
}

void hvx_vcpu_request(struct hvx_vcpu *vcpu, enum hvx_request req)
{
	set_bit(req, &vcpu->requests);
	hvx_kick(vcpu, false);
}

/*
 * Every vCPU of @vm, waiting for the IPIs: when this returns, no vCPU still
 * runs with the old state. Callable with a spinlock held (not with
 * interrupts off); never sleeps.
 */
void hvx_vm_request_all(struct hvx_vm *vm, enum hvx_request req)
{
	unsigned int i, n;

	preempt_disable();
	n = READ_ONCE(vm->nr_vcpus);
	smp_rmb();	/* vcpus[i] is published before nr_vcpus */
	for (i = 0; i < n; i++) {
		struct hvx_vcpu *vcpu = READ_ONCE(vm->vcpus[i]);

		set_bit(req, &vcpu->requests);
		hvx_kick(vcpu, true);
	}
	preempt_enable();
}

void hvx_vm_flush_tlbs(struct hvx_vm *vm)
{
	hvx_vm_request_all(vm, HVX_REQ_TLB_FLUSH);
}
