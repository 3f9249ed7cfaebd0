// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM's paravirtual interface and the guest TSC, as KVM offers them:
 * the KVM CPUID leaves; a new vCPU's TSC from 0, the vCPUs of a VM in
 * step, IA32_TSC_ADJUST following guest (not host) TSC writes; the
 * KVM_VCPU_TSC_OFFSET attribute, checked against the guest's own RDTSC
 * (the VMCB's/VMCS's TSC offset at work); kvmclock and the wall clock
 * against KVM_GET_CLOCK/KVM_SET_CLOCK; the KVM_HC_* hypercalls, the other
 * vendor's hypercall instruction patched (or #UD once
 * KVM_X86_QUIRK_FIX_HYPERCALL_INSN is disabled) and KVM_HC_MAP_GPA_RANGE
 * through KVM_CAP_EXIT_HYPERCALL; steal time; the PV MSRs and hypercalls
 * refused under KVM_CAP_ENFORCE_PV_FEATURE_CPUID without their CPUID bits.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <x86intrin.h>
#include "guest.h"
#include "guest_vm.h"

#define MSR_IA32_TSC		0x10
#define MSR_IA32_TSC_ADJUST	0x3b
#define MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01
#define MSR_KVM_STEAL_TIME	0x4b564d03
#define KVM_MSR_ENABLED		1
#define KVM_CPUID_SIGNATURE	0x40000000
#define KVM_CPUID_FEATURES	0x40000001
#define KVM_FEATURE_CLOCKSOURCE2 3
#define KVM_FEATURE_STEAL_TIME	5
#define KVM_HC_SCHED_YIELD	11
#define KVM_HC_MAP_GPA_RANGE	12
#define KVM_ENOSYS		1000
#define NSEC_PER_SEC		1000000000ULL
#define VENDOR_INTEL_EBX	0x756e6547	/* "Genu" */

/* The guest-visible layouts (asm/pvclock-abi.h, asm/kvm_para.h). */
struct pvclock_vcpu_time_info {
	uint32_t version, pad0;
	uint64_t tsc_timestamp, system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags, pad[2];
} __attribute__((packed));

struct pvclock_wall_clock {
	uint32_t version, sec, nsec;
} __attribute__((packed));

struct kvm_steal_time {
	uint64_t steal;
	uint32_t version, flags;
	uint8_t preempted, u8_pad[3];
	uint32_t pad[11];
};

static struct pvclock_vcpu_time_info pvti __attribute__((aligned(64)));
static struct pvclock_wall_clock wall __attribute__((aligned(64)));
static struct kvm_steal_time steal __attribute__((aligned(64)));

static uint64_t tsc_hz(struct vcpu *vcpu)
{
	long khz = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);

	ASSERT_TRUE(khz > 0, "KVM_GET_TSC_KHZ: %ld", khz);
	return khz * 1000ULL;
}

static uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

static void guest_cpuid_sig(void)
{
	uint32_t a, b, c, d;

	cpuid_count(KVM_CPUID_SIGNATURE, 0, &a, &b, &c, &d);
	GUEST_SYNC(a, b, c, d);
	GUEST_DONE();
}

static void kvm_cpuid_leaves(void)
{
	const struct kvm_cpuid2 *sup = supported_cpuid();
	const struct kvm_cpuid_entry2 *sig = cpuid_find(sup, KVM_CPUID_SIGNATURE, 0);
	const struct kvm_cpuid_entry2 *feat = cpuid_find(sup, KVM_CPUID_FEATURES, 0);
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_cpuid_sig);
	uint32_t want[3];
	struct ucall uc;

	memcpy(want, "KVMKVMKVM\0\0\0", sizeof(want));
	ASSERT_TRUE(sig && feat, "KVM_GET_SUPPORTED_CPUID has 0x40000000 and 0x40000001");
	ASSERT_EQ(sig->eax, KVM_CPUID_FEATURES);
	ASSERT_EQ(sig->ebx, want[0]);
	ASSERT_EQ(sig->ecx, want[1]);
	ASSERT_EQ(sig->edx, want[2]);
	ASSERT_TRUE(feat->eax & (1u << KVM_FEATURE_CLOCKSOURCE2), "kvmclock offered");
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], KVM_CPUID_FEATURES);
	ASSERT_EQ(uc.args[1], want[0]);
	ASSERT_EQ(uc.args[3], want[2]);
	vm_destroy(vm);
}

#define GUEST_TSC_STEP	(1ULL << 40)

static void guest_tsc_writes(void)
{
	GUEST_SYNC(rdmsr(MSR_IA32_TSC), rdmsr(MSR_IA32_TSC_ADJUST));
	wrmsr(MSR_IA32_TSC, GUEST_TSC_STEP);
	GUEST_SYNC(rdmsr(MSR_IA32_TSC), rdmsr(MSR_IA32_TSC_ADJUST));
	wrmsr(MSR_IA32_TSC_ADJUST, 2 * GUEST_TSC_STEP);
	GUEST_SYNC(rdtsc(), rdmsr(MSR_IA32_TSC_ADJUST));
	GUEST_DONE();
}

/* tsc_msrs_test's rules, and KVM's synchronisation of a new vCPU. */
static void tsc_from_zero(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_tsc_writes), *vcpu1;
	uint64_t hz = tsc_hz(vcpu), tsc;
	struct ucall uc;

	tsc = vcpu_get_msr(vcpu, MSR_IA32_TSC);
	ASSERT_TRUE(tsc < hz, "a new vCPU's TSC starts at 0: %#llx", (unsigned long long)tsc);
	ASSERT_EQ(vcpu_get_msr(vcpu, MSR_IA32_TSC_ADJUST), 0);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_TRUE(uc.args[0] < hz, "guest TSC %#llx", (unsigned long long)uc.args[0]);
	/* A guest TSC write moves TSC_ADJUST by as much. */
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_TRUE(absdiff(uc.args[0], GUEST_TSC_STEP) < hz, "TSC %#llx", (unsigned long long)uc.args[0]);
	ASSERT_TRUE(absdiff(uc.args[1], GUEST_TSC_STEP) < hz, "ADJUST %#llx",
		    (unsigned long long)uc.args[1]);
	/* A guest TSC_ADJUST write moves the TSC. */
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_TRUE(absdiff(uc.args[0], 2 * GUEST_TSC_STEP) < hz, "TSC %#llx",
		    (unsigned long long)uc.args[0]);
	ASSERT_EQ(uc.args[1], 2 * GUEST_TSC_STEP);
	/* The host's writes: TSC leaves TSC_ADJUST alone, and the other way round. */
	vcpu_set_msr(vcpu, MSR_IA32_TSC, 8 * GUEST_TSC_STEP);
	ASSERT_EQ(vcpu_get_msr(vcpu, MSR_IA32_TSC_ADJUST), 2 * GUEST_TSC_STEP);
	vcpu_set_msr(vcpu, MSR_IA32_TSC_ADJUST, 5);
	ASSERT_TRUE(absdiff(vcpu_get_msr(vcpu, MSR_IA32_TSC), 8 * GUEST_TSC_STEP) < hz,
		    "host TSC_ADJUST write left the TSC");
	/* A vCPU created now joins the VM's TSC (kvm_synchronize_tsc). */
	vcpu1 = vm_vcpu_add(vm, 1, guest_tsc_writes);
	tsc = vcpu_get_msr(vcpu, MSR_IA32_TSC);
	ASSERT_TRUE(absdiff(vcpu_get_msr(vcpu1, MSR_IA32_TSC), tsc) < hz,
		    "vCPU 1's TSC %#llx near vCPU 0's %#llx",
		    (unsigned long long)vcpu_get_msr(vcpu1, MSR_IA32_TSC), (unsigned long long)tsc);
	vm_destroy(vm);
}

static void guest_rdtsc_loop(void)
{
	for (;;)
		GUEST_SYNC(rdtsc());
}

static void tsc_offset_attr(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_rdtsc_loop);
	int64_t offsets[] = { 0, 5000ULL * NSEC_PER_SEC, -(int64_t)__rdtsc() / 2 };
	struct kvm_device_attr attr = {
		.group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET,
	};
	struct ucall uc;
	unsigned int i;
	uint64_t got, before, after;

	CHECK_OK(ioctl(vcpu->fd, KVM_HAS_DEVICE_ATTR, &attr));
	attr.attr = 99;
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_HAS_DEVICE_ATTR, &attr), ENXIO);
	attr.attr = KVM_VCPU_TSC_OFFSET;
	for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		attr.addr = (uint64_t)&offsets[i];
		CHECK_OK(ioctl(vcpu->fd, KVM_SET_DEVICE_ATTR, &attr));
		attr.addr = (uint64_t)&got;
		CHECK_OK(ioctl(vcpu->fd, KVM_GET_DEVICE_ATTR, &attr));
		ASSERT_EQ(got, (uint64_t)offsets[i]);
		before = __rdtsc() + offsets[i];
		vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
		after = __rdtsc() + offsets[i];
		ASSERT_TRUE(before <= uc.args[0] && uc.args[0] <= after,
			    "guest RDTSC %#llx in [%#llx, %#llx] (offset %lld)",
			    (unsigned long long)uc.args[0], (unsigned long long)before,
			    (unsigned long long)after, (long long)offsets[i]);
	}
	attr.addr = 8;
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_DEVICE_ATTR, &attr), EFAULT);
	vm_destroy(vm);
}

/* What Linux's pvclock_clocksource_read() computes. */
static uint64_t guest_pvclock_read(void)
{
	uint32_t v;
	uint64_t ns, delta;

	do {
		v = __atomic_load_n(&pvti.version, __ATOMIC_ACQUIRE);
		delta = rdtsc() - pvti.tsc_timestamp;
		if (pvti.tsc_shift < 0)
			delta >>= -pvti.tsc_shift;
		else
			delta <<= pvti.tsc_shift;
		ns = pvti.system_time +
		     (uint64_t)(((unsigned __int128)delta * pvti.tsc_to_system_mul) >> 32);
	} while ((v & 1) || v != __atomic_load_n(&pvti.version, __ATOMIC_ACQUIRE));
	return ns;
}

static void guest_kvmclock(void)
{
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, (uint64_t)&pvti | KVM_MSR_ENABLED);
	wrmsr(MSR_KVM_WALL_CLOCK_NEW, (uint64_t)&wall);
	for (;;)
		GUEST_SYNC(guest_pvclock_read(), pvti.version);
}

static void kvmclock(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_kvmclock);
	uint64_t bases[] = { 1000 * NSEC_PER_SEC, 50 * NSEC_PER_SEC, 7 * NSEC_PER_SEC };
	struct kvm_clock_data set, start, end;
	struct ucall uc;
	unsigned int i;
	int flags = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_ADJUST_CLOCK);

	ASSERT_TRUE(flags > 0, "KVM_CAP_ADJUST_CLOCK: %d", flags);
	memset(&set, 0, sizeof(set));
	set.flags = 1u << 31;
	ASSERT_ERRNO(ioctl(vm->fd, KVM_SET_CLOCK, &set), EINVAL);
	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		memset(&set, 0, sizeof(set));
		set.clock = bases[i];
		CHECK_OK(ioctl(vm->fd, KVM_SET_CLOCK, &set));
		CHECK_OK(ioctl(vm->fd, KVM_GET_CLOCK, &start));
		vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
		CHECK_OK(ioctl(vm->fd, KVM_GET_CLOCK, &end));
		ASSERT_TRUE(start.clock >= bases[i], "GET_CLOCK %llu after SET_CLOCK %llu",
			    (unsigned long long)start.clock, (unsigned long long)bases[i]);
		ASSERT_TRUE(start.clock <= uc.args[0] && uc.args[0] <= end.clock,
			    "kvmclock %llu in [%llu, %llu]", (unsigned long long)uc.args[0],
			    (unsigned long long)start.clock, (unsigned long long)end.clock);
		ASSERT_TRUE(!(uc.args[1] & 1) && uc.args[1], "pvclock version %llu",
			    (unsigned long long)uc.args[1]);
	}
	/* The wall clock the guest asked for: real time at kvmclock 0 (base 1000 s then). */
	ASSERT_TRUE(!(guest_var(vm, &wall)->version & 1) && guest_var(vm, &wall)->version,
		    "wall clock version %u", guest_var(vm, &wall)->version);
	ASSERT_TRUE(absdiff(guest_var(vm, &wall)->sec, time(NULL) - 1000) <= 5,
		    "wall clock %u s, real time %lld s", guest_var(vm, &wall)->sec,
		    (long long)time(NULL));
	vm_destroy(vm);
}

/* Intel's VMCALL and AMD's VMMCALL, each at a label the guest can patch or check. */
extern const uint8_t site_vmcall[], site_vmmcall[];

static __attribute__((noinline, noclone)) uint8_t hc_vmcall(uint64_t nr, uint64_t a0, uint64_t *ret)
{
	uint64_t rax = nr;
	uint8_t v = guest_asm_safe(".global site_vmcall\nsite_vmcall: .byte 0x0f, 0x01, 0xc1",
				   : "+a"(rax) : "b"(a0), "c"(1), "d"(0), "S"(0) : "memory");

	*ret = rax;
	return v;
}

static __attribute__((noinline, noclone)) uint8_t hc_vmmcall(uint64_t nr, uint64_t a0, uint64_t *ret)
{
	uint64_t rax = nr;
	uint8_t v = guest_asm_safe(".global site_vmmcall\nsite_vmmcall: .byte 0x0f, 0x01, 0xd9",
				   : "+a"(rax) : "b"(a0), "c"(1), "d"(0), "S"(0) : "memory");

	*ret = rax;
	return v;
}

static bool guest_is_intel(void)
{
	uint32_t a, b, c, d;

	cpuid_count(0, 0, &a, &b, &c, &d);
	return b == VENDOR_INTEL_EBX;
}

/* RDI: 1 if the fix-hypercall quirk is off. Syncs (vector, RAX, patched) per call. */
static void guest_hypercalls(uint64_t quirk_off)
{
	bool intel = guest_is_intel();
	uint8_t (*native)(uint64_t, uint64_t, uint64_t *) = intel ? hc_vmcall : hc_vmmcall;
	uint8_t (*foreign)(uint64_t, uint64_t, uint64_t *) = intel ? hc_vmmcall : hc_vmcall;
	const uint8_t *fsite = intel ? site_vmmcall : site_vmcall;
	uint64_t ret;
	uint8_t v;

	v = native(KVM_HC_SCHED_YIELD, 0, &ret);
	GUEST_SYNC(v, ret);
	v = native(0xdead, 0, &ret);
	GUEST_SYNC(v, ret);
	v = native(KVM_HC_MAP_GPA_RANGE, 0x1000, &ret);
	GUEST_SYNC(v, ret);
	v = foreign(KVM_HC_SCHED_YIELD, 0, &ret);
	GUEST_SYNC(v, v == GUEST_NO_EXCEPTION ? ret : 0, fsite[2], quirk_off);
	GUEST_DONE();
}

static struct vm *hypercall_vm(struct vcpu **vcpu, bool quirk_off)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_DISABLE_QUIRKS2, .args = { KVM_X86_QUIRK_FIX_HYPERCALL_INSN },
	};

	ASSERT_TRUE(ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_DISABLE_QUIRKS2) &
		    KVM_X86_QUIRK_FIX_HYPERCALL_INSN, "the quirk can be disabled");
	if (quirk_off)
		CHECK_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	*vcpu = vm_vcpu_add(vm, 0, (void (*)(void))guest_hypercalls);
	vcpu_set_arg(*vcpu, quirk_off, 0);
	return vm;
}

static void hypercalls(void)
{
	unsigned int quirk_off;

	for (quirk_off = 0; quirk_off < 2; quirk_off++) {
		struct vcpu *vcpu;
		struct vm *vm = hypercall_vm(&vcpu, quirk_off);
		struct ucall uc;
		uint8_t native_last;

		vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
		ASSERT_EQ(uc.args[0], GUEST_NO_EXCEPTION);
		ASSERT_EQ(uc.args[1], 0);		/* sched_yield */
		vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
		ASSERT_EQ(uc.args[1], (uint64_t)-KVM_ENOSYS);	/* unknown */
		vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
		ASSERT_EQ(uc.args[1], (uint64_t)-KVM_ENOSYS);	/* no KVM_CAP_EXIT_HYPERCALL */
		vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
		/* The foreign site's last byte: native's once patched. */
		native_last = uc.args[2];
		if (quirk_off) {
			ASSERT_EQ(uc.args[0], UD_VECTOR);
		} else {
			ASSERT_EQ(uc.args[0], GUEST_NO_EXCEPTION);
			ASSERT_EQ(uc.args[1], 0);
			ASSERT_TRUE(native_last == 0xc1 || native_last == 0xd9, "patched");
		}
		vcpu_run_ucall(vcpu, UCALL_DONE, NULL);
		vm_destroy(vm);
	}
}

static void guest_map_gpa_range(void)
{
	uint64_t ret;
	uint8_t v = (guest_is_intel() ? hc_vmcall : hc_vmmcall)(KVM_HC_MAP_GPA_RANGE, 0x2000, &ret);

	GUEST_SYNC(v, ret);
	GUEST_DONE();
}

static void hypercall_exit(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_EXIT_HYPERCALL, .args = { 1ULL << KVM_HC_MAP_GPA_RANGE },
	};
	struct vcpu *vcpu;
	struct ucall uc;

	ASSERT_EQ(ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_EXIT_HYPERCALL),
		  1ULL << KVM_HC_MAP_GPA_RANGE);
	cap.args[0] = 1ULL << KVM_HC_SCHED_YIELD;
	ASSERT_ERRNO(ioctl(vm->fd, KVM_ENABLE_CAP, &cap), EINVAL);
	cap.args[0] = 1ULL << KVM_HC_MAP_GPA_RANGE;
	CHECK_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	vcpu = vm_vcpu_add(vm, 0, guest_map_gpa_range);
	vcpu_run_expect(vcpu, KVM_EXIT_HYPERCALL);
	ASSERT_EQ(vcpu->run->hypercall.nr, KVM_HC_MAP_GPA_RANGE);
	ASSERT_EQ(vcpu->run->hypercall.args[0], 0x2000);
	ASSERT_EQ(vcpu->run->hypercall.args[1], 1);	/* RCX: npages */
	vcpu->run->hypercall.ret = 0x600d;
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], GUEST_NO_EXCEPTION);
	ASSERT_EQ(uc.args[1], 0x600d);
	vm_destroy(vm);
}

static void guest_steal(void)
{
	for (;;)
		GUEST_SYNC(steal.version, steal.preempted, rdmsr(MSR_KVM_STEAL_TIME));
}

static void steal_time(void)
{
	const struct kvm_cpuid_entry2 *feat = cpuid_find(supported_cpuid(), KVM_CPUID_FEATURES, 0);
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_steal);
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e.index = MSR_KVM_STEAL_TIME };
	struct ucall uc;
	uint64_t version;

	if (!feat || !(feat->eax & (1u << KVM_FEATURE_STEAL_TIME)))
		SKIP("no steal time (a kernel without CONFIG_SCHED_INFO)");
	/* Bits 5:1 are reserved: the entry is refused. */
	m.e.data = (uint64_t)&steal | KVM_MSR_ENABLED | 2;
	ASSERT_EQ(ioctl(vcpu->fd, KVM_SET_MSRS, &m), 0);
	vcpu_set_msr(vcpu, MSR_KVM_STEAL_TIME, (uint64_t)&steal | KVM_MSR_ENABLED);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	version = uc.args[0];
	ASSERT_TRUE(version && !(version & 1), "steal time version %llu", (unsigned long long)version);
	ASSERT_EQ(uc.args[1], 0);
	ASSERT_EQ(uc.args[2], (uint64_t)&steal | KVM_MSR_ENABLED);
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_TRUE(uc.args[0] > version && !(uc.args[0] & 1), "updated at KVM_RUN: %llu",
		    (unsigned long long)uc.args[0]);
	vm_destroy(vm);
}

/* A kvmclock MSR, the steal time MSR and a hypercall, each refused. */
static void guest_enforced(void)
{
	uint64_t val, ret;

	GUEST_SYNC(rdmsr_safe(MSR_KVM_SYSTEM_TIME_NEW, &val),
		   wrmsr_safe(MSR_KVM_STEAL_TIME, 0),
		   (guest_is_intel() ? hc_vmcall : hc_vmmcall)(KVM_HC_SCHED_YIELD, 0, &ret),
		   ret);
	GUEST_DONE();
}

static void enforce_pv_cpuid(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_enforced);
	const struct kvm_cpuid2 *sup = supported_cpuid();
	struct kvm_cpuid2 *c = cpuid_alloc(sup->nent);
	struct kvm_enable_cap cap = { .cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID, .args = { 1 } };
	struct ucall uc;
	unsigned int i;

	ASSERT_EQ(ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_ENFORCE_PV_FEATURE_CPUID), 1);
	/* The vCPU's KVM feature leaf says nothing. */
	memcpy(c->entries, sup->entries, sup->nent * sizeof(sup->entries[0]));
	for (i = 0; i < sup->nent; i++)
		if (c->entries[i].function == KVM_CPUID_FEATURES)
			c->entries[i].eax = 0;
	vcpu_set_cpuid(vcpu, c);
	free(c);
	CHECK_OK(ioctl(vcpu->fd, KVM_ENABLE_CAP, &cap));
	vcpu_run_ucall(vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(uc.args[0], GP_VECTOR);
	ASSERT_EQ(uc.args[1], GP_VECTOR);
	ASSERT_EQ(uc.args[2], GUEST_NO_EXCEPTION);
	ASSERT_EQ(uc.args[3], (uint64_t)-KVM_ENOSYS);
	vm_destroy(vm);
}

static const struct ktest tests[] = {
	KTEST(kvm_cpuid_leaves),
	KTEST(tsc_from_zero),
	KTEST(tsc_offset_attr),
	KTEST(kvmclock),
	KTEST(hypercalls),
	KTEST(hypercall_exit),
	KTEST(steal_time),
	KTEST(enforce_pv_cpuid),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
