// SPDX-License-Identifier: GPL-2.0-only
/*
 * Inter-processor interrupts through the in-kernel LAPICs, with two vCPUs
 * running guest code at once (a host thread each):
 *   pingpong_*     fixed IPIs back and forth, physical destination, xAPIC
 *                  and x2APIC: every one arrives exactly once, at the right
 *                  vCPU, to a halted one (1) and a running one (0);
 *   shorthand      "all excluding self" and "all including self";
 *   logical        logical destination (xAPIC flat model, x2APIC cluster):
 *                  a mask selects the vCPUs;
 *   nmi_ipi        an NMI IPI; a second one sent while the target is in its
 *                  NMI handler waits for that handler's IRET;
 *   kvm_nmi        the same with KVM_NMI from the host;
 *   init_sipi      the BSP starts the AP (created, with the irqchip,
 *                  uninitialized) with INIT and start-up IPIs: it runs
 *                  real-mode code at vector << 12, once.
 */
#include <sys/ioctl.h>
#include <time.h>
#include "apic.h"
#include "guest.h"
#include "irq_vm.h"

#define IPI_VECTOR	0x50
#define WAKE_VECTOR	0x51
#define PINGPONG_ROUNDS	200	/* 500 took 57 s of the 60 on svm-6.12 at load 20 */
/* TSC cycles vCPU 0 waits for a pong before it calls it lost: seconds at
 * any TSC rate of GHz, where a round trip takes well under 10 ms. */
#define PONG_TIMEOUT	(1ULL << 34)
#define SIPI_VECTOR	0x08		/* the AP starts at 0x8000 */
#define SIPI_COUNT_OFF	0x100		/* as in ipi_test_guest.S */
#define NMI_HOLD_SPINS	200000		/* how long the NMI handler lingers */

extern const char sipi_blob_start[], sipi_blob_end[];

/* Per vCPU (index: APIC ID == vCPU ID). */
static volatile uint64_t ipis[2];
static volatile uint64_t ready[2];
static volatile uint64_t done;

static void ipi_handler(struct guest_frame *f)
{
	(void)f;
	ipis[apic_id()]++;
	apic_eoi();
}

static void wake_handler(struct guest_frame *f)
{
	(void)f;
	apic_eoi();
}

/* Interrupts on until ipis[me] reaches n; it must not pass n. */
static void wait_ipis(uint64_t me, uint64_t n)
{
	while (ipis[me] < n)
		guest_sti_hlt();
	guest_cli();
	GUEST_ASSERT_EQ(ipis[me], n);
}

static void wait_flag(volatile uint64_t *flag)
{
	while (!*flag)
		guest_pause();
}

/* The AP for the tests where the BSP drives: count IPIs until done. */
static void guest_ap_idle(uint64_t me, uint64_t x2)
{
	apic_enable(x2);
	ready[me] = 1;
	while (!done)
		guest_sti_hlt();
	GUEST_DONE();
}

/* The BSP ends the AP: done, then an interrupt to wake it from HLT. */
static void finish_ap(void)
{
	done = 1;
	apic_send_ipi(1, APIC_DM_FIXED | WAKE_VECTOR);
}

/*
 * vCPU 1 halts until each ping (the HLT wake-up path); vCPU 0 spins with
 * interrupts on (the kick of a running vCPU), and reports the round in
 * which a pong did not come instead of hanging.
 */
static void guest_pingpong(uint64_t me, uint64_t x2)
{
	uint64_t i, t0;

	apic_enable(x2);
	ready[me] = 1;
	wait_flag(&ready[!me]);
	for (i = 1; i <= PINGPONG_ROUNDS; i++) {
		if (me == 0) {
			apic_send_ipi(1, APIC_DM_FIXED | IPI_VECTOR);
			t0 = rdtsc();
			guest_sti();
			while (ipis[0] < i && rdtsc() - t0 < PONG_TIMEOUT)
				guest_pause();
			guest_cli();
			if (ipis[0] != i)
				GUEST_FAIL(i, ipis[0], ipis[1]);
		} else {
			wait_ipis(1, i);
			apic_send_ipi(0, APIC_DM_FIXED | IPI_VECTOR);
		}
	}
	GUEST_DONE();
}

/* Two vCPUs on guest_code each; vCPU 1 on a thread; returns when both are done. */
static void run_pair(void (*bsp)(void), void (*ap)(void), uint64_t x2)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *v0, *v1;
	struct vcpu_thread t;
	struct timespec t0, t1;

	vm_create_irqchip(vm);
	v0 = vm_vcpu_add(vm, 0, bsp);
	v1 = vm_vcpu_add_ap(vm, 1, ap);
	vcpu_set_arg(v0, 0, x2);
	vcpu_set_arg(v1, 1, x2);
	vm_set_handler(vm, IPI_VECTOR, ipi_handler);
	vm_set_handler(vm, WAKE_VECTOR, wake_handler);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	vcpu_thread_start(&t, v1);
	vcpu_run_ucall(v0, UCALL_DONE, NULL);
	vcpu_thread_join(&t);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ASSERT_EQ(guest_var(vm, &ipis[0])[0], guest_var(vm, &ipis[0])[1]);
	ktap_print("IPIs received: vCPU 0 %llu, vCPU 1 %llu, in %.2f s",
		   (unsigned long long)guest_var(vm, &ipis[0])[0],
		   (unsigned long long)guest_var(vm, &ipis[0])[1],
		   (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	vm_destroy(vm);
}

static void pingpong_xapic(void)
{
	run_pair((void (*)(void))guest_pingpong, (void (*)(void))guest_pingpong, 0);
}

static void pingpong_x2apic(void)
{
	run_pair((void (*)(void))guest_pingpong, (void (*)(void))guest_pingpong, 1);
}

/* Waits until vCPU 1 has n IPIs, with an interrupt window for our own. */
static void wait_ap_ipis(uint64_t n)
{
	while (ipis[1] < n) {
		guest_sti_nop_cli();
		guest_pause();
	}
}

static void guest_shorthand(uint64_t me, uint64_t x2)
{
	(void)me;
	apic_enable(x2);
	wait_flag(&ready[1]);
	apic_send_ipi(0, APIC_DEST_ALL_BUT_SELF | APIC_DM_FIXED | IPI_VECTOR);
	wait_ap_ipis(1);
	guest_sti_nop_cli();
	GUEST_ASSERT_EQ(ipis[0], 0);	/* not to self */
	apic_send_ipi(0, APIC_DEST_ALL | APIC_DM_FIXED | IPI_VECTOR);
	wait_ipis(0, 1);
	wait_ap_ipis(2);
	apic_send_ipi(0, APIC_DEST_SELF | APIC_DM_FIXED | IPI_VECTOR);
	wait_ipis(0, 2);
	GUEST_ASSERT_EQ(ipis[1], 2);
	finish_ap();
	GUEST_DONE();
}

static void shorthand(void)
{
	run_pair((void (*)(void))guest_shorthand, (void (*)(void))guest_ap_idle, 0);
}

/*
 * Logical destination: the xAPIC's flat model takes bit n of LDR[31:24]
 * for CPU n (software sets it); the x2APIC's LDR is fixed, cluster
 * (ID >> 4) in bits 31:16 and bit (ID & 15) below, so for IDs 0 and 1 the
 * destination masks are the same: 1 is vCPU 0, 2 is vCPU 1, 3 both.
 */
static void set_logical_id(uint64_t me)
{
	if (apic_x2) {
		GUEST_ASSERT_EQ(apic_read(APIC_LDR), 1U << me);
		return;
	}
	apic_write(APIC_DFR, 0xffffffff);
	apic_write(APIC_LDR, (1U << me) << 24);
}

static void guest_logical_ap(uint64_t me, uint64_t x2)
{
	apic_enable(x2);
	set_logical_id(me);
	ready[me] = 1;
	while (!done)
		guest_sti_hlt();
	GUEST_DONE();
}

static void guest_logical(uint64_t me, uint64_t x2)
{
	apic_enable(x2);
	set_logical_id(me);
	wait_flag(&ready[1]);
	apic_send_ipi(2, APIC_DEST_LOGICAL | APIC_DM_FIXED | IPI_VECTOR);
	wait_ap_ipis(1);
	guest_sti_nop_cli();
	GUEST_ASSERT_EQ(ipis[0], 0);
	apic_send_ipi(3, APIC_DEST_LOGICAL | APIC_DM_FIXED | IPI_VECTOR);
	wait_ipis(0, 1);
	wait_ap_ipis(2);
	apic_send_ipi(1, APIC_DEST_LOGICAL | APIC_DM_FIXED | IPI_VECTOR);
	wait_ipis(0, 2);
	GUEST_ASSERT_EQ(ipis[1], 2);
	finish_ap();
	GUEST_DONE();
}

static void logical_xapic(void)
{
	run_pair((void (*)(void))guest_logical, (void (*)(void))guest_logical_ap, 0);
}

static void logical_x2apic(void)
{
	run_pair((void (*)(void))guest_logical, (void (*)(void))guest_logical_ap, 1);
}

/* --- NMIs ------------------------------------------------------------- */

static volatile uint64_t nmis, in_nmi, nested_nmis, nmi_entered, second_sent;
static volatile uint64_t nmis_seen_at_iret;

/*
 * The first NMI's handler waits for the sender's go (second_sent: the
 * second NMI is pending now), lingers, and checks that it did not run
 * again meanwhile: NMIs are blocked until IRET.
 */
static void nmi_handler(struct guest_frame *f)
{
	uint64_t n, i;

	(void)f;
	if (in_nmi)
		nested_nmis++;
	in_nmi = 1;
	n = ++nmis;
	if (n == 1) {
		nmi_entered = 1;
		wait_flag(&second_sent);
		for (i = 0; i < NMI_HOLD_SPINS; i++)
			guest_pause();
		nmis_seen_at_iret = nmis;
	}
	in_nmi = 0;
}

static void guest_nmi_target(uint64_t me, uint64_t x2)
{
	apic_enable(x2);
	ready[me] = 1;
	/* NMIs come with interrupts off. */
	while (nmis < 2)
		guest_pause();
	GUEST_ASSERT_EQ(nmis_seen_at_iret, 1);
	GUEST_ASSERT_EQ(nested_nmis, 0);
	GUEST_DONE();
}

static void guest_nmi_sender(uint64_t me, uint64_t x2)
{
	(void)me;
	apic_enable(x2);
	wait_flag(&ready[1]);
	apic_send_ipi(1, APIC_DM_NMI);
	wait_flag(&nmi_entered);
	apic_send_ipi(1, APIC_DM_NMI);
	second_sent = 1;
	GUEST_DONE();
}

static void nmi_ipi(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *v0, *v1;
	struct vcpu_thread t;

	vm_create_irqchip(vm);
	v0 = vm_vcpu_add(vm, 0, (void (*)(void))guest_nmi_sender);
	v1 = vm_vcpu_add_ap(vm, 1, (void (*)(void))guest_nmi_target);
	vcpu_set_arg(v1, 1, 0);
	vm_set_handler(vm, NMI_VECTOR, nmi_handler);
	vcpu_thread_start(&t, v1);
	vcpu_run_ucall(v0, UCALL_DONE, NULL);
	vcpu_thread_join(&t);
	ASSERT_EQ(*guest_var(vm, &nmis), 2);
}

/* KVM_NMI: the handler of the first NMI stops at a ucall, where the host
 * queues the second. */
static void kvm_nmi_handler(struct guest_frame *f)
{
	uint64_t n, i;

	(void)f;
	if (in_nmi)
		nested_nmis++;
	in_nmi = 1;
	n = ++nmis;
	if (n == 1) {
		GUEST_SYNC(1);
		for (i = 0; i < NMI_HOLD_SPINS; i++)
			guest_pause();
		nmis_seen_at_iret = nmis;
	}
	in_nmi = 0;
}

static void guest_kvm_nmi(void)
{
	apic_enable(false);
	GUEST_SYNC(0);
	while (nmis < 2)
		guest_pause();
	GUEST_ASSERT_EQ(nmis_seen_at_iret, 1);
	GUEST_ASSERT_EQ(nested_nmis, 0);
	GUEST_DONE();
}

static void kvm_nmi(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu;
	struct ucall uc;

	vm_create_irqchip(vm);
	vcpu = vm_vcpu_add(vm, 0, guest_kvm_nmi);
	vm_set_handler(vm, NMI_VECTOR, kvm_nmi_handler);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 0);
	CHECK_OK(ioctl(vcpu->fd, KVM_NMI));
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], 1);		/* in the first NMI's handler */
	CHECK_OK(ioctl(vcpu->fd, KVM_NMI));
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
	ASSERT_EQ(*guest_var(vm, &nmis), 2);
}

/* --- INIT / start-up IPI ------------------------------------------------ */

static volatile uint64_t sipi_starts_seen;

static void guest_init_sipi(void)
{
	volatile uint32_t *count = (volatile uint32_t *)((SIPI_VECTOR << 12) + SIPI_COUNT_OFF);
	uint64_t i;

	apic_enable(false);
	apic_send_ipi(1, APIC_DM_INIT | APIC_LEVEL_ASSERT);
	apic_send_ipi(1, APIC_DM_INIT | APIC_LEVEL_TRIG);	/* de-assert */
	/* Two start-up IPIs as the MP spec has it; a running AP ignores the
	 * second one. */
	apic_send_ipi(1, APIC_DM_STARTUP | SIPI_VECTOR);
	apic_send_ipi(1, APIC_DM_STARTUP | SIPI_VECTOR);
	while (!*count)
		guest_pause();
	for (i = 0; i < NMI_HOLD_SPINS; i++)
		guest_pause();
	sipi_starts_seen = *count;
	GUEST_DONE();
}

struct ap_report {
	struct vcpu *vcpu;
	uint32_t cs;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
};

/*
 * The AP's thread: its one report, then it halts (in the kernel). KVM_RUN
 * on a vCPU waiting for INIT/SIPI blocks, and returns EAGAIN when an INIT
 * or SIPI changed its state: the caller runs it again (as QEMU does).
 */
static void *ap_thread(void *arg)
{
	struct ap_report *r = arg;
	int tries = 0;

	while (_vcpu_run(r->vcpu)) {
		if (errno != EAGAIN || ++tries > 10)
			FAIL("AP: KVM_RUN: %s after %d EAGAIN", strerror(errno), tries);
	}
	if (r->vcpu->run->exit_reason != KVM_EXIT_IO)
		vcpu_fail_exit(r->vcpu, "expected the AP's report");
	if (r->vcpu->run->io.port != GUEST_REPORT_PORT || r->vcpu->run->io.size != 4)
		vcpu_fail_exit(r->vcpu, "not the AP's report");
	memcpy(&r->cs, (char *)r->vcpu->run + r->vcpu->run->io.data_offset, 4);
	vcpu_get_sregs(r->vcpu, &r->sregs);
	vcpu_get_regs(r->vcpu, &r->regs);
	return NULL;
}

static void init_sipi(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct ap_report r = { 0 };
	struct vcpu *bsp;
	pthread_t tid;

	vm_create_irqchip(vm);
	bsp = vm_vcpu_add(vm, 0, guest_init_sipi);
	r.vcpu = vm_vcpu_add_raw(vm, 1);
	vm_load_blob(vm, SIPI_VECTOR << 12, sipi_blob_start, sipi_blob_end);
	/* With an in-kernel irqchip a vCPU other than the BSP waits for INIT. */
	ASSERT_EQ(vcpu_get_mp_state(r.vcpu), KVM_MP_STATE_UNINITIALIZED);
	ASSERT_EQ(vcpu_get_mp_state(bsp), KVM_MP_STATE_RUNNABLE);
	ASSERT_EQ(pthread_create(&tid, NULL, ap_thread, &r), 0);
	vcpu_run_ucall(bsp, UCALL_DONE, NULL);
	ASSERT_EQ(pthread_join(tid, NULL), 0);
	ASSERT_EQ(r.cs, SIPI_VECTOR << 8);
	ASSERT_EQ(r.sregs.cs.selector, SIPI_VECTOR << 8);
	ASSERT_EQ(r.sregs.cs.base, SIPI_VECTOR << 12);
	ASSERT_TRUE(r.regs.rip < (uint64_t)(sipi_blob_end - sipi_blob_start),
		    "AP RIP %#llx", (unsigned long long)r.regs.rip);
	ASSERT_EQ(r.sregs.cr0 & X86_CR0_PE, 0);
	ASSERT_EQ(*guest_var(vm, &sipi_starts_seen), 1);
	ASSERT_EQ(vcpu_get_mp_state(r.vcpu), KVM_MP_STATE_RUNNABLE);
}

static const struct ktest tests[] = {
	KTEST(pingpong_xapic),
	KTEST(pingpong_x2apic),
	KTEST(shorthand),
	KTEST(logical_xapic),
	KTEST(logical_x2apic),
	KTEST(nmi_ipi),
	KTEST(kvm_nmi),
	KTEST(init_sipi),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
