// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_GET_SUPPORTED_CPUID, KVM_SET_CPUID2, KVM_GET_CPUID2, and the guest's
 * CPUID instruction (a kernel-handled exit) returning what was set.
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include "guest.h"
#include "guest_vm.h"

#define KVM_MAX_CPUID_ENTRIES	256
#define CPUID_80000001_ECX_SVM	(1u << 2)
#define HV_LEAF			0x40000000
#define HV_LEAF_MAGIC		0x68767874	/* "hvxt" */

static void supported_cpuid_ioctl(void)
{
	int dev = hvx_open();
	struct kvm_cpuid2 *c = cpuid_alloc(1);
	const struct kvm_cpuid2 *s = supported_cpuid();
	const struct kvm_cpuid_entry2 *e;

	ASSERT_ERRNO(ioctl(dev, KVM_GET_SUPPORTED_CPUID, c), E2BIG);
	free(c);
	c = cpuid_alloc(s->nent - 1);
	ASSERT_ERRNO(ioctl(dev, KVM_GET_SUPPORTED_CPUID, c), E2BIG);
	free(c);
	c = cpuid_alloc(KVM_MAX_CPUID_ENTRIES + 10);
	CHECK_OK(ioctl(dev, KVM_GET_SUPPORTED_CPUID, c));
	ASSERT_EQ(c->nent, s->nent);
	ASSERT_ERRNO(ioctl(dev, KVM_GET_SUPPORTED_CPUID, (void *)8), EFAULT);
	ktap_print("%u supported CPUID entries", s->nent);

	ASSERT_TRUE((e = cpuid_find(s, 0, 0)) && e->eax >= 1);
	ASSERT_TRUE((e = cpuid_find(s, 0x80000000, 0)) && e->eax >= 0x80000001);
	ASSERT_TRUE((e = cpuid_find(s, 0x80000001, 0)) && (e->edx & (1u << 29)), "long mode");
	ASSERT_TRUE((e = cpuid_find(s, 1, 0)) && (e->edx & (1u << 6)), "PAE");
	if (dev_is_hvx())
		/* hvx offers no nested virtualization: no SVM bit for guests. */
		ASSERT_TRUE(!(cpuid_find(s, 0x80000001, 0)->ecx & CPUID_80000001_ECX_SVM),
			    "hvx reports SVM in 0x80000001 ECX");
	else
		ktap_print("not hvx: SVM bit %s (not checked)",
			   cpuid_find(s, 0x80000001, 0)->ecx & CPUID_80000001_ECX_SVM ?
			   "reported" : "clear");
}

/* Checks each leaf the host hands in (RDI: table GVA, RSI: count). */
static void guest_cpuid(const struct kvm_cpuid_entry2 *e, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		uint32_t a, b, c, d;

		cpuid_count(e[i].function, e[i].index, &a, &b, &c, &d);
		__GUEST_ASSERT(a == e[i].eax && b == e[i].ebx && c == e[i].ecx && d == e[i].edx,
			       "CPUID matches KVM_SET_CPUID2", e[i].function, e[i].index,
			       (uint64_t)a << 32 | b, (uint64_t)c << 32 | d);
	}
	GUEST_DONE();
}

static void set_cpuid2(void)
{
	struct vm *vm = vm_create(VM_MEM_DEFAULT);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, (void (*)(void))guest_cpuid);
	const struct kvm_cpuid2 *s = supported_cpuid();
	struct kvm_cpuid2 *c = cpuid_alloc(s->nent + 1), *got;
	struct kvm_cpuid_entry2 *hv = NULL;
	struct kvm_cpuid_entry2 *check = gpa2hva(vm, vm->free_gpa);
	unsigned int n = 0, i;

	memcpy(c->entries, s->entries, s->nent * sizeof(c->entries[0]));
	c->nent = s->nent;
	/* A hypervisor leaf of our own (in place of KVM's, if it has one),
	 * and a vendor string of our own. */
	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == HV_LEAF)
			hv = &c->entries[i];
	if (!hv)
		hv = &c->entries[c->nent++];
	*hv = (struct kvm_cpuid_entry2){
		.function = HV_LEAF, .eax = HV_LEAF, .ebx = HV_LEAF_MAGIC,
		.ecx = 0x11111111, .edx = 0x22222222,
	};
	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0) {
			c->entries[i].ebx = 0x44434241;	/* "ABCD" */
			c->entries[i].edx = 0x48474645;	/* "EFGH" */
			c->entries[i].ecx = 0x4c4b4a49;	/* "IJKL" */
		}
	vcpu_set_cpuid(vcpu, c);

	got = cpuid_alloc(1);
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_GET_CPUID2, got), E2BIG);
	free(got);
	got = cpuid_alloc(c->nent);
	CHECK_OK(ioctl(vcpu->fd, KVM_GET_CPUID2, got));
	ASSERT_EQ(got->nent, c->nent);

	/* Leaves KVM leaves alone at run time: 0, the hypervisor leaf,
	 * the extended range (not 1, 7, 0xD: those follow CR4/APIC state). */
	for (i = 0; i < c->nent; i++) {
		uint32_t f = c->entries[i].function;

		if (f == 0 || f == HV_LEAF || f == 0x80000000 || f == 0x80000002 ||
		    f == 0x80000003 || f == 0x80000004)
			check[n++] = c->entries[i];
	}
	ASSERT_TRUE(n >= 3);
	vcpu_set_arg(vcpu, vm->free_gpa, n);
	vcpu_run_ucall(vcpu, UCALL_DONE, NULL);

	/* After KVM_RUN the table may only be set again unchanged. */
	vcpu_set_cpuid(vcpu, c);
	hv->ebx ^= 1;
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_CPUID2, c), EINVAL);

	free(c);
	c = cpuid_alloc(KVM_MAX_CPUID_ENTRIES + 1);
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_CPUID2, c), E2BIG);
	ASSERT_ERRNO(ioctl(vcpu->fd, KVM_SET_CPUID2, (void *)8), EFAULT);
}

static const struct ktest tests[] = {
	KTEST(supported_cpuid_ioctl),
	KTEST(set_cpuid2),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
