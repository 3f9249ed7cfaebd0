// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPUID policy. KVM_GET_SUPPORTED_CPUID reports the host's CPUID filtered
 * to what hvx really virtualizes; the VMM hands the guest's table in with
 * KVM_SET_CPUID2 and hvx answers the guest's CPUID from it, filling in the
 * few bits that follow guest state (OSXSAVE, the XSAVE area size).
 *
 * Hidden on purpose: SVM and VMX (no nested virtualization), MONITOR/MWAIT
 * (the guest gets #UD), x2APIC and the TSC deadline timer unless the VM
 * has an in-kernel LAPIC (KVM_CREATE_IRQCHIP), PKU and RDPID (their MSR/register state is not switched),
 * machine-check banks, performance monitoring, topology leaves.
 * Added: IA32_TSC_ADJUST (7.0 EBX bit 1) and KVM's PV leaves 0x40000000-1
 * (arch-x86/pv/pv_cpuid.c), which hvx implements whatever the host has.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/xcr.h>
#include <asm/processor.h>
#include "hvx_exit.h"
#include "shadow.h"

#define CPUID_MAX_ENTRIES	256	/* KVM_MAX_CPUID_ENTRIES, not in the uapi */

/* Leaf 1 */
#define L1_EDX_KEEP	(BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | \
			 BIT(8) | BIT(9) | BIT(11) | BIT(12) | BIT(13) | BIT(15) |	\
			 BIT(16) | BIT(17) | BIT(19) | BIT(23) | BIT(24) | BIT(25) |	\
			 BIT(26))
#define L1_ECX_KEEP	(BIT(0) | BIT(1) | BIT(9) | BIT(12) | BIT(13) | BIT(17) |	\
			 BIT(19) | BIT(20) | BIT(22) | BIT(23) | BIT(25) | BIT(26) |	\
			 BIT(28) | BIT(29) | BIT(30))
#define L1_EDX_APIC	BIT(9)
#define L1_ECX_OSXSAVE	BIT(27)
#define L1_ECX_X2APIC	BIT(21)
#define L1_ECX_TSC_DEADLINE BIT(24)
#define L1_ECX_PCID	BIT(17)
#define L1_ECX_HYPERVISOR BIT(31)
#define L1_EBX_KEEP	0x0000ff00u	/* CLFLUSH line size only */
/* Leaf 7.0 */
#define L7_EBX_TSC_ADJUST BIT(1)	/* hvx's own (arch-x86/pv/tsc.c), as KVM's */
#define L7_EBX_KEEP	(BIT(0) | BIT(3) | BIT(5) | BIT(7) | BIT(8) | BIT(9) |	\
			 BIT(10) | BIT(19) | BIT(20) | BIT(23) | BIT(24) | BIT(29))
#define L7_ECX_KEEP	BIT(2)				/* UMIP */
#define L7_EDX_KEEP	(BIT(26) | BIT(27) | BIT(31))	/* IBRS/IBPB, STIBP, SSBD */
/* Leaf 0x80000001 */
#define LX1_EDX_KEEP	((L1_EDX_KEEP & 0x0183ffffu) | BIT(11) | BIT(20) | BIT(22) | \
			 BIT(26) | BIT(27) | BIT(29) | BIT(30) | BIT(31))
#define LX1_ECX_KEEP	(BIT(0) | BIT(4) | BIT(5) | BIT(6) | BIT(7) | BIT(8) |	\
			 BIT(11) | BIT(16) | BIT(21))
/* Leaf 0x80000008 EBX: CLZERO, XSaveErPtr, IBPB, IBRS, STIBP, SSBD */
#define LX8_EBX_KEEP	(BIT(0) | BIT(2) | BIT(12) | BIT(14) | BIT(15) | BIT(24))

#define HVX_XCR0_SUPPORTED	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE | XFEATURE_MASK_YMM)

u64 hvx_supported_xcr0(void)
{
	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		return XFEATURE_MASK_FP | XFEATURE_MASK_SSE;
	return xgetbv(XCR_XFEATURE_ENABLED_MASK) & HVX_XCR0_SUPPORTED;
}

/* Bytes of the standard-format XSAVE area for the components in @xcr0. */
static u32 hvx_xsave_size(u64 xcr0)
{
	u32 size = 512 + 64, eax, ebx, ecx, edx;
	int i;

	for (i = 2; i < 64; i++) {
		if (!(xcr0 & BIT_ULL(i)))
			continue;
		cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx);
		size = max(size, eax + ebx);
	}
	return size;
}

struct cpuid_builder {
	struct kvm_cpuid_entry2 *e;
	u32 n, max;
};

static struct kvm_cpuid_entry2 *cpuid_add(struct cpuid_builder *b, u32 fn, u32 idx, bool indexed)
{
	struct kvm_cpuid_entry2 *e;

	if (b->n >= b->max)
		return NULL;
	e = &b->e[b->n++];
	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = idx;
	e->flags = indexed ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
	cpuid_count(fn, idx, &e->eax, &e->ebx, &e->ecx, &e->edx);
	return e;
}

/* Returns the number of entries, or -E2BIG if @max is too small. */
static int hvx_build_supported_cpuid(struct kvm_cpuid_entry2 *out, u32 max)
{
	struct cpuid_builder b = { .e = out, .max = max };
	struct kvm_cpuid_entry2 *e;
	u32 basic = min_t(u32, cpuid_eax(0), 0xd);
	u32 ext = min_t(u32, cpuid_eax(0x80000000), 0x80000008);
	u64 xcr0 = hvx_supported_xcr0();
	u32 fn, i;
	int n;

#define ADD(fn, idx, indexed) do {				\
	e = cpuid_add(&b, fn, idx, indexed);			\
	if (!e)							\
		return -E2BIG;					\
} while (0)

	for (fn = 0; fn <= basic; fn++) {
		switch (fn) {
		case 0:
			ADD(0, 0, false);
			e->eax = basic;
			break;
		case 1:
			ADD(1, 0, false);
			e->ebx &= L1_EBX_KEEP;
			/* x2APIC is the in-kernel LAPIC's, as in KVM (TSC deadline: a cap). */
			e->ecx = (e->ecx & L1_ECX_KEEP) | L1_ECX_HYPERVISOR | L1_ECX_X2APIC;
			e->edx &= L1_EDX_KEEP;
			/* Shadow paging gives PCIDs without the CPU's (hvx_x86.c). */
			if (hvx_shadow_enabled())
				e->ecx |= L1_ECX_PCID;
			break;
		case 2:
			ADD(2, 0, false);
			break;
		case 4:
			for (i = 0; i < 8; i++) {
				ADD(4, i, true);
				e->eax &= ~0xfc000000u;	/* no core count */
				if (!(e->eax & 0x1f))
					break;
			}
			break;
		case 7:
			ADD(7, 0, true);
			e->eax = 0;
			/* INVPCID: the CPU's; under shadow paging it exits (hvx_cr.c). */
			e->ebx = (e->ebx & L7_EBX_KEEP) | L7_EBX_TSC_ADJUST;
			e->ecx &= L7_ECX_KEEP;
			e->edx &= L7_EDX_KEEP;
			break;
		case 0xd:
			if (!boot_cpu_has(X86_FEATURE_XSAVE))
				break;
			ADD(0xd, 0, true);
			e->eax = (u32)xcr0;
			e->edx = xcr0 >> 32;
			e->ebx = e->ecx = hvx_xsave_size(xcr0);
			ADD(0xd, 1, true);
			e->eax &= BIT(0) | BIT(2);	/* XSAVEOPT, XGETBV1 */
			e->ebx = e->ecx = e->edx = 0;
			for (i = 2; i < 64; i++)
				if (xcr0 & BIT_ULL(i))
					ADD(0xd, i, true);
			break;
		default:
			break;	/* not virtualized: reads as 0 */
		}
	}
	for (fn = 0x80000000; fn <= ext; fn++) {
		switch (fn) {
		case 0x80000000:
			ADD(fn, 0, false);
			e->eax = ext;
			break;
		case 0x80000001:
			ADD(fn, 0, false);
			e->ecx &= LX1_ECX_KEEP;
			e->edx &= LX1_EDX_KEEP;
			break;
		case 0x80000002 ... 0x80000006:
			ADD(fn, 0, false);
			break;
		case 0x80000007:
			ADD(fn, 0, false);
			e->eax = e->ebx = e->ecx = 0;
			e->edx &= BIT(8);	/* invariant TSC */
			break;
		case 0x80000008:
			ADD(fn, 0, false);
			e->eax &= 0xffff;	/* physical and linear address widths */
			e->ebx &= LX8_EBX_KEEP;
			e->ecx = e->edx = 0;
			break;
		}
	}
#undef ADD
	/* KVM's own leaves (0x40000000, 0x40000001), last as in KVM. */
	n = hvx_pv_supported_cpuid(&b.e[b.n], b.max - b.n);
	if (n < 0)
		return n;
	return b.n + n;
}

long hvx_get_supported_cpuid(void __user *argp)
{
	struct kvm_cpuid2 __user *uc = argp;
	struct kvm_cpuid_entry2 *entries;
	struct kvm_cpuid2 c;
	int n;
	long r = 0;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	if (c.nent < 1)
		return -E2BIG;
	c.nent = min_t(u32, c.nent, CPUID_MAX_ENTRIES);
	entries = kvcalloc(c.nent, sizeof(*entries), GFP_KERNEL);
	if (!entries)
		return -ENOMEM;
	n = hvx_build_supported_cpuid(entries, c.nent);
	if (n < 0) {
		r = n;
		goto out;
	}
	c.nent = n;
	if (copy_to_user(uc, &c, sizeof(c)) ||
	    copy_to_user(uc->entries, entries, n * sizeof(*entries)))
		r = -EFAULT;
out:
	kvfree(entries);
	return r;
}

/*
 * The fields KVM keeps current in a vCPU's table (kvm_update_cpuid_runtime):
 * CPUID.1 OSXSAVE (CR4) and APIC (IA32_APIC_BASE.EN), CPUID.0xD.0 EBX (the
 * XSAVE size for XCR0), PV_UNHALT (arch-x86/pv/). Applied at KVM_SET_CPUID2
 * (before the after-run comparison) and at KVM_GET_CPUID2, so the table a
 * VMM reads back is what the guest's CPUID answers.
 */
static void hvx_cpuid_runtime(struct hvx_vcpu *vcpu, struct kvm_cpuid_entry2 *e, u32 nent)
{
	u32 i;

	hvx_x86_get(vcpu, HVX_REG_CRS);
	for (i = 0; i < nent; i++) {
		if (e[i].function == 1) {
			e[i].ecx &= ~L1_ECX_OSXSAVE;
			if (vcpu->x86.cr4 & X86_CR4_OSXSAVE)
				e[i].ecx |= L1_ECX_OSXSAVE;
			e[i].edx &= ~L1_EDX_APIC;
			if (vcpu->x86.apic_base & MSR_IA32_APICBASE_ENABLE)
				e[i].edx |= L1_EDX_APIC;
		} else if (e[i].function == 0xd && e[i].index == 0) {
			e[i].ebx = hvx_xsave_size(vcpu->x86.xcr0);
		}
	}
	hvx_pv_cpuid_runtime(vcpu, e, nent);
}

long hvx_set_cpuid2(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_cpuid2 __user *uc = argp;
	struct kvm_cpuid_entry2 *entries = NULL;
	struct kvm_cpuid2 c;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	if (c.nent > CPUID_MAX_ENTRIES)
		return -E2BIG;
	if (c.nent) {
		entries = vmemdup_user(uc->entries, array_size(c.nent, sizeof(*entries)));
		if (IS_ERR(entries))
			return PTR_ERR(entries);
	}
	/* What KVM changes in a table at KVM_SET_CPUID2 (before comparing it). */
	hvx_cpuid_runtime(vcpu, entries, c.nent);
	if (vcpu->x86.cpuid_nent)
		hvx_cpuid_runtime(vcpu, vcpu->x86.cpuid, vcpu->x86.cpuid_nent);
	/*
	 * KVM's rule since 5.16: once the vCPU has run, the guest has seen
	 * its CPUID, so only the identical table may be set again.
	 */
	if (vcpu->x86.has_run &&
	    (c.nent != vcpu->x86.cpuid_nent ||
	     (c.nent && memcmp(entries, vcpu->x86.cpuid, c.nent * sizeof(*entries))))) {
		kvfree(entries);
		return -EINVAL;
	}
	kvfree(vcpu->x86.cpuid);
	vcpu->x86.cpuid = entries;
	vcpu->x86.cpuid_nent = c.nent;
	return 0;
}

long hvx_get_cpuid2(struct hvx_vcpu *vcpu, void __user *argp)
{
	struct kvm_cpuid2 __user *uc = argp;
	struct kvm_cpuid2 c;
	long r = 0;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	/* As KVM: too small leaves nent as the caller set it. */
	if (c.nent < vcpu->x86.cpuid_nent)
		return -E2BIG;
	c.nent = vcpu->x86.cpuid_nent;
	if (copy_to_user(uc, &c, sizeof(c)))
		return -EFAULT;
	if (c.nent)
		hvx_cpuid_runtime(vcpu, vcpu->x86.cpuid, c.nent);
	if (c.nent &&
	    copy_to_user(uc->entries, vcpu->x86.cpuid, c.nent * sizeof(*vcpu->x86.cpuid)))
		r = -EFAULT;
	return r;
}

static const struct kvm_cpuid_entry2 *hvx_cpuid_find(struct hvx_vcpu *vcpu, u32 fn, u32 idx)
{
	u32 i;

	for (i = 0; i < vcpu->x86.cpuid_nent; i++) {
		const struct kvm_cpuid_entry2 *e = &vcpu->x86.cpuid[i];

		if (e->function != fn)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index != idx)
			continue;
		return e;
	}
	return NULL;
}

/* A leaf the VMM did not provide reads as zeroes (AMD's behaviour). */
void hvx_guest_cpuid(struct hvx_vcpu *vcpu, u32 leaf, u32 subleaf,
		     u32 *eax, u32 *ebx, u32 *ecx, u32 *edx)
{
	const struct kvm_cpuid_entry2 *e = hvx_cpuid_find(vcpu, leaf, subleaf);

	*eax = e ? e->eax : 0;
	*ebx = e ? e->ebx : 0;
	*ecx = e ? e->ecx : 0;
	*edx = e ? e->edx : 0;
	if (!e)
		return;
	if (leaf == 1) {
		hvx_x86_get(vcpu, HVX_REG_CRS);
		*ecx &= ~L1_ECX_OSXSAVE;
		if (vcpu->x86.cr4 & X86_CR4_OSXSAVE)
			*ecx |= L1_ECX_OSXSAVE;
		/* Without an in-kernel LAPIC nothing implements these. */
		if (!vcpu->lapic)
			*ecx &= ~(L1_ECX_X2APIC | L1_ECX_TSC_DEADLINE);
		/* As on hardware (and KVM): CPUID.1:EDX.APIC is IA32_APIC_BASE.EN. */
		*edx &= ~L1_EDX_APIC;
		if (vcpu->x86.apic_base & MSR_IA32_APICBASE_ENABLE)
			*edx |= L1_EDX_APIC;
	} else if (leaf == 0xd && subleaf == 0) {
		/* 0xD.1 EBX follows XCR0 | XSS only with XSAVES, which hvx hides. */
		*ebx = hvx_xsave_size(vcpu->x86.xcr0);
	}
}

/*
 * KVM_HAS_DEVICE_ATTR / KVM_GET_DEVICE_ATTR on /dev/hvx (KVM_CAP_SYS_ATTRIBUTES):
 * group 0, attribute KVM_X86_XCOMP_GUEST_SUPP, the XCR0 bits a guest may
 * enable (what CPUID 0xD reports). KVM's selftests read it before any
 * XSAVE test; KVM's answers for anything else are ENXIO.
 */
long hvx_dev_device_attr(unsigned int ioctl, void __user *argp)
{
	struct kvm_device_attr attr;
	u64 __user *uaddr;

	if (copy_from_user(&attr, argp, sizeof(attr)))
		return -EFAULT;
	if (attr.group || attr.attr != KVM_X86_XCOMP_GUEST_SUPP)
		return -ENXIO;
	if (ioctl == KVM_HAS_DEVICE_ATTR)
		return 0;
	uaddr = u64_to_user_ptr(attr.addr);
	return put_user(hvx_supported_xcr0(), uaddr) ? -EFAULT : 0;
}
