// SPDX-License-Identifier: GPL-2.0-only
/*
 * Requests to vCPUs from other threads: set a bit, then make sure the vCPU
 * sees it before it next runs guest code. The vCPU sets vcpu->mode to
 * HVX_IN_GUEST with interrupts off and then checks vcpu->requests; we set
 * the bit and then read vcpu->mode. With a full barrier on both sides,
 * either the vCPU sees the bit, or we see it in guest mode and send an IPI,
 * which forces a VM exit (external interrupts always exit the guest).
 */
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/smp.h>
#include <trace/events/ipi.h>	/* smp_send_reschedule() traces the IPI on newer kernels */
#include "hvx_core.h"

static void hvx_kick_ipi(void *unused)
{
	/* Nothing to do: taking the interrupt already ended guest mode. */
}

/*
 * Without @wait any context may kick (hrtimer callbacks, spinlocks held,
 * interrupts off): the reschedule IPI needs no call-function data. With
 * @wait, process context only: we wait for the IPI to have run there.
 */
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
	if (cpu < 0 || cpu == raw_smp_processor_id())
		return;
	if (wait)
		smp_call_function_single(cpu, hvx_kick_ipi, NULL, 1);
	else
		smp_send_reschedule(cpu);
}

/*
 * The vCPU's half of the protocol, right before a guest entry; preemption
 * is already off. Turns interrupts off and reloads the guest's FPU
 * registers (with interrupts off, so no softirq can take the FPU in
 * between), then announces guest mode. Returns false, interrupts on again,
 * if a reschedule, a signal or a request other than TLB flush and event
 * says not to enter; those two are the backend's to take from here on
 * (the event one through hvx_event_inject()).
 */
bool hvx_enter_guest_mode(struct hvx_vcpu *vcpu)
{
	local_irq_disable();
	hvx_reload_guest_fpu();
	WRITE_ONCE(vcpu->cpu, smp_processor_id());
	WRITE_ONCE(vcpu->mode, HVX_IN_GUEST);
	/* Pairs with the barrier in hvx_kick(). */
	smp_mb();
	/*
	 * hvx_rebooting last, interrupts off: the reboot path sets it before
	 * its disable IPI, which then waits for this entry's exit.
	 */
	if (need_resched() || signal_pending(current) ||
	    (READ_ONCE(vcpu->requests) & ~(BIT(HVX_REQ_TLB_FLUSH) | BIT(HVX_REQ_EVENT))) ||
	    hvx_virt_rebooting()) {
		hvx_leave_guest_mode(vcpu);
		return false;
	}
	return true;
}

/* After the exit, with interrupts still off: they come back on here. */
void hvx_leave_guest_mode(struct hvx_vcpu *vcpu)
{
	WRITE_ONCE(vcpu->mode, HVX_OUTSIDE_GUEST);
	local_irq_enable();
}

/* Any context; never sleeps. */
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
	atomic64_inc(&vm->remote_tlb_flushes);
	hvx_vm_request_all(vm, HVX_REQ_TLB_FLUSH);
}
