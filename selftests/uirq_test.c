// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event injection with the interrupt controller in userspace (no
 * KVM_CREATE_IRQCHIP), KVM's ABI for a VMM's own PIC:
 *   interrupt_delivered  KVM_INTERRUPT reaches the guest at its vector when
 *                        RFLAGS.IF=1; kvm_run's if_flag, ready_for_interrupt_
 *                        injection, cr8 and apic_base say so at every exit;
 *   irq_window_open      IF=0: request_interrupt_window exits with
 *                        KVM_EXIT_IRQ_WINDOW_OPEN only once the guest STIs;
 *   sti_shadow           that window opens after the instruction following
 *                        STI, and the interrupt arrives right there;
 *   set_shadow_holds_window  the same for a shadow set with
 *                        KVM_SET_VCPU_EVENTS (VMX only, see there);
 *   nmi_blocked          KVM_NMI is delivered; a second one waits for the
 *                        first handler's IRET (GET_VCPU_EVENTS shows it
 *                        pending and NMIs masked meanwhile);
 *   exception_injected   SET_VCPU_EVENTS injects #GP with its error code;
 *   events_roundtrip     GET/SET_VCPU_EVENTS keep every field, refuse bad
 *                        flags and vectors;
 *   mp_state_rules       without an irqchip only RUNNABLE exists;
 *                        KVM_INTERRUPT refuses vectors past 255.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include "guest.h"
#include "guest_vm.h"

#define IRQ_VECTOR	0x40
#define WINDOW_VECTOR	0x41
#define SHADOW_VECTOR	0x42
#define IF_OFF_SPINS	1000
#define WAIT_SPINS	10000000ULL

static volatile uint64_t irq_count, irq_vector, irq_rip;
static volatile uint64_t if_off_spins;

static void irq_handler(struct guest_frame *f)
{
	irq_count++;
	irq_vector = f->vector;
	irq_rip = f->rip;
}

/* Spins until an interrupt came in (or gives up: the host then fails). */
static void guest_wait_irq(uint64_t n)
{
	uint64_t i;

	for (i = 0; i < WAIT_SPINS && irq_count < n; i++)
		guest_pause();
}

static void guest_interrupt(void)
{
	asm volatile("mov %0, %%cr8" :: "r"(5ULL));
	guest_sti();
	GUEST_SYNC(1);
	guest_wait_irq(1);
	GUEST_SYNC(irq_count, irq_vector);
	GUEST_DONE();
}

static void interrupt_delivered(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_interrupt);
	struct kvm_interrupt irq = { .irq = IRQ_VECTOR };
	struct ucall uc;

	vm_set_handler(vm, IRQ_VECTOR, irq_handler);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(vcpu->run->if_flag, 1);
	ASSERT_EQ(vcpu->run->ready_for_interrupt_injection, 1);
	ASSERT_EQ(vcpu->run->cr8, 5);
	ASSERT_EQ(vcpu->run->apic_base & ~0xfffULL, 0xfee00000ULL);
	ASSERT_TRUE(vcpu->run->apic_base & (1ULL << 11), "APIC enabled in apic_base");
	ASSERT_EQ(ioctl(vcpu->fd, KVM_INTERRUPT, &irq), 0);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 1);
	ASSERT_EQ(uc.args[1], IRQ_VECTOR);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
	vm_destroy(vm);
}

static void guest_window(void)
{
	uint64_t i;

	guest_cli();
	GUEST_SYNC(1);
	/* No exit in here: the window must stay shut while IF=0. */
	for (i = 0; i < IF_OFF_SPINS; i++)
		if_off_spins++;
	guest_sti();
	guest_wait_irq(1);
	GUEST_SYNC(irq_count, irq_vector);
	GUEST_DONE();
}

static void irq_window_open(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_window);
	struct kvm_interrupt irq = { .irq = WINDOW_VECTOR };
	struct ucall uc;

	vm_set_handler(vm, WINDOW_VECTOR, irq_handler);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(vcpu->run->if_flag, 0);
	ASSERT_EQ(vcpu->run->ready_for_interrupt_injection, 0);
	vcpu->run->request_interrupt_window = 1;
	vcpu_run_expect(vcpu, KVM_EXIT_IRQ_WINDOW_OPEN);
	ASSERT_EQ(*guest_var(vm, &if_off_spins), IF_OFF_SPINS);
	ASSERT_EQ(vcpu->run->if_flag, 1);
	ASSERT_EQ(vcpu->run->ready_for_interrupt_injection, 1);
	ASSERT_EQ(ioctl(vcpu->fd, KVM_INTERRUPT, &irq), 0);
	vcpu->run->request_interrupt_window = 0;
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 1);
	ASSERT_EQ(uc.args[1], WINDOW_VECTOR);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
	vm_destroy(vm);
}

static volatile uint64_t shadowed, shadowed_set;
extern const char shadow_mov[], shadow_after[], set_shadow_start[], set_shadow_after[];

/* Called from the asm below only. */
void guest_set_shadow_report(void);
void guest_set_shadow_report(void)
{
	GUEST_SYNC(irq_count, irq_vector, irq_rip);
	GUEST_DONE();
}

/*
 * Where the host points RIP with a shadow set through SET_VCPU_EVENTS:
 * the MOV must run before the interrupt. No stack of its own: it ends in
 * a call that never returns.
 */
asm(".pushsection .text\n"
    "set_shadow_start:\n\t"
    "movq $1, shadowed_set\n"
    "set_shadow_after:\n\t"
    "cmpq $2, irq_count\n\t"
    "jb set_shadow_after\n\t"
    "andq $-16, %rsp\n\t"
    "call guest_set_shadow_report\n"
    "1:\tjmp 1b\n"
    ".popsection");

static void guest_shadow(void)
{
	guest_cli();
	/*
	 * Written once first, so that the MOVs in the shadows do not fault:
	 * under shadow paging a first write is a #PF exit, and Bochs's VMX
	 * saves no blocking by STI for a fault on the shadowed instruction
	 * (the SDM ends STI's inhibition with the delivery of an exception).
	 */
	shadowed = 0;
	shadowed_set = 0;
	GUEST_SYNC(1);
	/* The instruction after STI runs before any interrupt. */
	asm volatile("sti\n"
		     "shadow_mov:\n\t"
		     "movq $1, shadowed\n"
		     "shadow_after:\n\t"
		     "cmpq $0, irq_count\n\t"
		     "je shadow_after" ::: "memory");
	GUEST_SYNC(irq_count, irq_vector, irq_rip);
	GUEST_SYNC(2);
	GUEST_FAIL(0);	/* the host moved RIP to set_shadow_start */
}

/* Let the guest run into the window, then inject: it must arrive at @at. */
static void expect_window_at(struct vcpu *vcpu, uint64_t at, uint8_t vector)
{
	struct kvm_interrupt irq = { .irq = vector };
	struct kvm_regs regs;

	vcpu->run->request_interrupt_window = 1;
	vcpu_run_expect(vcpu, KVM_EXIT_IRQ_WINDOW_OPEN);
	vcpu_get_regs(vcpu, &regs);
	ASSERT_EQ(regs.rip, at);
	ASSERT_EQ(ioctl(vcpu->fd, KVM_INTERRUPT, &irq), 0);
	vcpu->run->request_interrupt_window = 0;
}

static void sti_shadow(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_shadow);
	struct kvm_interrupt irq = { .irq = SHADOW_VECTOR };
	struct kvm_regs regs;
	struct ucall uc;

	vm_set_handler(vm, SHADOW_VECTOR, irq_handler);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	/*
	 * The window opens past the MOV that STI shadows, not at it. QEMU's
	 * SVM model drops the shadow when a host interrupt exits right after
	 * the STI (it does not load int_state at VMRUN; see
	 * set_shadow_holds_window), so there a window at the MOV says nothing
	 * about the hypervisor: report that as a skip, never as a pass.
	 */
	vcpu->run->request_interrupt_window = 1;
	vcpu_run_expect(vcpu, KVM_EXIT_IRQ_WINDOW_OPEN);
	vcpu_get_regs(vcpu, &regs);
	if (regs.rip == (uint64_t)shadow_mov &&
	    !(dev_is_hvx() && hvx_info_get().backend == HVX_BACKEND_VMX)) {
		vm_destroy(vm);
		SKIP("QEMU's SVM lost the STI shadow across a host-interrupt exit");
	}
	vcpu->run->request_interrupt_window = 0;
	ASSERT_EQ(regs.rip, (uint64_t)shadow_after);
	ASSERT_EQ(ioctl(vcpu->fd, KVM_INTERRUPT, &irq), 0);
	ASSERT_EQ(*guest_var(vm, &shadowed), 1);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 1);
	ASSERT_EQ(uc.args[1], SHADOW_VECTOR);
	ASSERT_EQ(uc.args[2], (uint64_t)shadow_after);
	vm_destroy(vm);
}

/*
 * A shadow the VMM sets (KVM_SET_VCPU_EVENTS) holds the window and the
 * interrupt back one instruction too. VMX (Bochs) only: QEMU's SVM model
 * does not honour a shadow VMRUN loads, so KVM on the kvmref testbed fails
 * this as well.
 */
static void set_shadow_holds_window(void)
{
	struct vm *vm;
	struct vcpu *vcpu;
	struct kvm_vcpu_events ev;
	struct kvm_regs regs;
	struct ucall uc;

	if (!dev_is_hvx() || hvx_info_get().backend != HVX_BACKEND_VMX)
		SKIP("VMX only: QEMU's SVM ignores the interrupt shadow VMRUN loads");
	vm = vm_create(VM_MEM_DEFAULT);
	vcpu = vm_vcpu_add(vm, 0, guest_shadow);
	vm_set_handler(vm, SHADOW_VECTOR, irq_handler);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	expect_window_at(vcpu, (uint64_t)shadow_after, SHADOW_VECTOR);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 2);
	vcpu_get_regs(vcpu, &regs);
	regs.rip = (uint64_t)set_shadow_start;
	regs.rflags |= 1 << 9;		/* IF */
	vcpu_set_regs(vcpu, &regs);
	ASSERT_EQ(ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev), 0);
	ev.flags = KVM_VCPUEVENT_VALID_SHADOW;
	ev.interrupt.shadow = KVM_X86_SHADOW_INT_STI;
	ASSERT_EQ(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev), 0);
	expect_window_at(vcpu, (uint64_t)set_shadow_after, SHADOW_VECTOR);
	ASSERT_EQ(*guest_var(vm, &shadowed_set), 1);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 2);
	ASSERT_EQ(uc.args[1], SHADOW_VECTOR);
	ASSERT_EQ(uc.args[2], (uint64_t)set_shadow_after);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
	vm_destroy(vm);
}

static volatile uint64_t nmi_count, nmi_nested, nmi_in_handler;

static void nmi_handler(struct guest_frame *f)
{
	(void)f;
	if (nmi_in_handler)
		nmi_nested++;
	nmi_in_handler = 1;
	nmi_count++;
	/* The host queues the second NMI now: it must wait for our IRET. */
	if (nmi_count == 1)
		GUEST_SYNC(10);
	nmi_in_handler = 0;
}

static void guest_nmi(void)
{
	uint64_t i;

	GUEST_SYNC(1);
	for (i = 0; i < WAIT_SPINS && nmi_count < 2; i++)
		guest_pause();
	GUEST_SYNC(nmi_count, nmi_nested);
	GUEST_DONE();
}

static void nmi_blocked(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_nmi);
	struct kvm_vcpu_events ev;
	struct ucall uc;

	vm_set_handler(vm, NMI_VECTOR, nmi_handler);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 1);
	ASSERT_EQ(ioctl(vcpu->fd, KVM_NMI), 0);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 10);		/* in the NMI handler */
	ASSERT_EQ(ioctl(vcpu->fd, KVM_NMI), 0);
	ASSERT_EQ(ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev), 0);
	ASSERT_EQ(ev.nmi.masked, 1);
	ASSERT_EQ(ev.nmi.pending, 1);
	ASSERT_EQ(ev.nmi.injected, 0);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 2);		/* both NMIs came */
	ASSERT_EQ(uc.args[1], 0);		/* the second not inside the first */
	ASSERT_EQ(ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev), 0);
	ASSERT_EQ(ev.nmi.pending, 0);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
	vm_destroy(vm);
}

static volatile uint64_t gp_count, gp_error, gp_vector;

static void gp_handler(struct guest_frame *f)
{
	gp_count++;
	gp_error = f->error_code;
	gp_vector = f->vector;
}

static void guest_gp_wait(void)
{
	uint64_t i;

	GUEST_SYNC(1);
	for (i = 0; i < WAIT_SPINS && !gp_count; i++)
		guest_pause();
	GUEST_SYNC(gp_count, gp_vector, gp_error);
	GUEST_DONE();
}

static void exception_injected(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_gp_wait);
	struct kvm_vcpu_events ev;
	struct ucall uc;

	vm_set_handler(vm, GP_VECTOR, gp_handler);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev), 0);
	ev.exception.injected = 1;
	ev.exception.nr = GP_VECTOR;
	ev.exception.has_error_code = 1;
	ev.exception.error_code = 0x1234;
	ev.flags = 0;
	ASSERT_EQ(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev), 0);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 1);		/* once */
	ASSERT_EQ(uc.args[1], GP_VECTOR);
	ASSERT_EQ(uc.args[2], 0x1234);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
	vm_destroy(vm);
}

static void guest_idle(void)
{
	GUEST_SYNC(1);
	GUEST_DONE();
}

static void events_roundtrip(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_idle);
	struct kvm_vcpu_events ev, got;

	ASSERT_EQ(ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev), 0);
	ASSERT_EQ(ev.exception.injected, 0);
	ASSERT_EQ(ev.interrupt.injected, 0);
	ASSERT_EQ(ev.nmi.injected, 0);
	ASSERT_EQ(ev.nmi.pending, 0);
	ASSERT_EQ(ev.nmi.masked, 0);
	ASSERT_TRUE(ev.flags & KVM_VCPUEVENT_VALID_NMI_PENDING, "NMI_PENDING valid");
	ASSERT_TRUE(ev.flags & KVM_VCPUEVENT_VALID_SHADOW, "SHADOW valid");

	memset(&ev, 0, sizeof(ev));
	ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW;
	ev.exception.injected = 1;
	ev.exception.nr = UD_VECTOR;
	ev.interrupt.injected = 1;
	ev.interrupt.nr = 0x33;
	ev.interrupt.shadow = KVM_X86_SHADOW_INT_MOV_SS;
	ev.nmi.injected = 1;
	ev.nmi.pending = 1;
	ev.nmi.masked = 1;
	ASSERT_EQ(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev), 0);
	ASSERT_EQ(ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &got), 0);
	ASSERT_EQ(got.exception.injected, 1);
	ASSERT_EQ(got.exception.nr, UD_VECTOR);
	ASSERT_EQ(got.exception.has_error_code, 0);
	ASSERT_EQ(got.interrupt.injected, 1);
	ASSERT_EQ(got.interrupt.nr, 0x33);
	ASSERT_EQ(got.interrupt.soft, 0);
	ASSERT_TRUE(got.interrupt.shadow != 0, "interrupt shadow kept");
	ASSERT_EQ(got.nmi.injected, 1);
	ASSERT_EQ(got.nmi.pending, 1);
	ASSERT_EQ(got.nmi.masked, 1);

	/* Back to nothing: the vCPU must run normally again. */
	memset(&ev, 0, sizeof(ev));
	ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW;
	ASSERT_EQ(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev), 0);
	ASSERT_EQ(ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &got), 0);
	ASSERT_EQ(got.exception.injected, 0);
	ASSERT_EQ(got.interrupt.injected, 0);
	ASSERT_EQ(got.nmi.injected | got.nmi.pending | got.nmi.masked, 0);
	ASSERT_EQ(got.interrupt.shadow, 0);

	/* Unknown flags, exception vectors past 31 and the NMI vector. */
	ev.flags = 0x80000000u;
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev), EINVAL);
	memset(&ev, 0, sizeof(ev));
	ev.exception.injected = 1;
	ev.exception.nr = 32;
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev), EINVAL);
	ev.exception.nr = NMI_VECTOR;
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev), EINVAL);
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	vm_destroy(vm);
}

static void mp_state_rules(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_idle);
	struct kvm_mp_state mp = { .mp_state = 0xff };
	static const uint32_t refused[] = {
		KVM_MP_STATE_UNINITIALIZED, KVM_MP_STATE_INIT_RECEIVED,
		KVM_MP_STATE_HALTED, KVM_MP_STATE_SIPI_RECEIVED, 1000,
	};
	struct kvm_interrupt irq = { .irq = 256 };
	unsigned int i;

	ASSERT_EQ(ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp), 0);
	ASSERT_EQ(mp.mp_state, KVM_MP_STATE_RUNNABLE);
	mp.mp_state = KVM_MP_STATE_RUNNABLE;
	ASSERT_EQ(ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp), 0);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		mp.mp_state = refused[i];
		ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp), EINVAL);
	}
	ASSERT_EQ(ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp), 0);
	ASSERT_EQ(mp.mp_state, KVM_MP_STATE_RUNNABLE);
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_INTERRUPT, &irq), EINVAL);
	vcpu_run_ucall(vcpu, UCALL_SYNC, NULL);
	vm_destroy(vm);
}

static const struct ktest tests[] = {
	KTEST(interrupt_delivered),
	KTEST(irq_window_open),
	KTEST(sti_shadow),
	KTEST(set_shadow_holds_window),
	KTEST(nmi_blocked),
	KTEST(exception_injected),
	KTEST(events_roundtrip),
	KTEST(mp_state_rules),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
