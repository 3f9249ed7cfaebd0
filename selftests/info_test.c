// SPDX-License-Identifier: GPL-2.0-only
/*
 * HVX_GET_INFO against what the CPU itself says through CPUID. The SVM
 * feature map here is written independently of arch-x86/svm/svm_caps.c on
 * purpose: a test that reused it could not catch its mistakes.
 */
#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hvx_test.h"

static int cpu_has_vmx(void)
{
	unsigned int a, b, c, d;

	__cpuid(1, a, b, c, d);
	return !!(c & (1u << 5));
}

static int cpu_has_svm(void)
{
	unsigned int a, b, c, d;

	__cpuid(0x80000000, a, b, c, d);
	if (a < 0x8000000a)
		return 0;
	__cpuid(0x80000001, a, b, c, d);
	return !!(c & (1u << 2));
}

/*
 * The paging=auto|tdp|shadow module parameter as loaded ("auto" if it
 * cannot be read, e.g. on another hypervisor's device).
 */
static const char *paging_param(void)
{
	static char buf[16];
	FILE *f = fopen("/sys/module/hvx/parameters/paging", "r");

	if (!f)
		return "auto";
	if (!fgets(buf, sizeof(buf), f))
		strcpy(buf, "auto");
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

/* What HVX_GET_INFO must say for paging: nested where there is and may be. */
static unsigned int expected_paging(int has_tdp, unsigned int tdp_kind)
{
	if (strcmp(paging_param(), "shadow") == 0 || !has_tdp)
		return HVX_PAGING_SHADOW;
	return tdp_kind;
}

static void info_fields(void)
{
	struct hvx_info info = hvx_info_get();
	unsigned int i;

	ASSERT_EQ(info.abi_version, HVX_ABI_VERSION);
	ASSERT_EQ(info.max_vcpus, 1024);
	ASSERT_EQ(info.online_cpus, sysconf(_SC_NPROCESSORS_ONLN));
	ASSERT_EQ(info.pad, 0);
	for (i = 0; i < KTEST_COUNT(info.reserved); i++)
		ASSERT_EQ(info.reserved[i], 0);
	ASSERT_EQ(info.active_vms, 0);
	ASSERT_EQ(info.enabled_cpus, 0);
}

static void backend_matches_cpuid(void)
{
	struct hvx_info info = hvx_info_get();

	if (cpu_has_vmx())
		ASSERT_EQ(info.backend, HVX_BACKEND_VMX);
	else if (cpu_has_svm())
		ASSERT_EQ(info.backend, HVX_BACKEND_SVM);
	else
		FAIL("hvx loaded on a CPU with neither VMX nor SVM");
	ktap_print("backend %s", info.backend == HVX_BACKEND_VMX ? "vmx" : "svm");
}

static void svm_features_match_cpuid(void)
{
	static const struct { unsigned int bit; unsigned long long feature; } map[] = {
		{ 0, HVX_FEATURE_SVM_NPT }, { 1, HVX_FEATURE_SVM_LBRV },
		{ 2, HVX_FEATURE_SVM_LOCK }, { 3, HVX_FEATURE_SVM_NRIPS },
		{ 4, HVX_FEATURE_SVM_TSC_RATE }, { 5, HVX_FEATURE_SVM_VMCB_CLEAN },
		{ 6, HVX_FEATURE_SVM_FLUSH_ASID }, { 7, HVX_FEATURE_SVM_DECODE_ASSISTS },
		{ 10, HVX_FEATURE_SVM_PAUSE_FILTER }, { 13, HVX_FEATURE_SVM_AVIC },
		{ 15, HVX_FEATURE_SVM_VLS }, { 16, HVX_FEATURE_SVM_VGIF },
	};
	struct hvx_info info = hvx_info_get();
	unsigned long long want = 0;
	unsigned int a, b, c, d, i;

	if (info.backend != HVX_BACKEND_SVM)
		SKIP("not an SVM host");
	__cpuid(0x8000000a, a, b, c, d);
	for (i = 0; i < KTEST_COUNT(map); i++)
		if (d & (1u << map[i].bit))
			want |= map[i].feature;
	ASSERT_EQ(info.features, want);
	ASSERT_EQ(info.nr_asids, b);
	ASSERT_EQ(info.paging, expected_paging(d & 1, HVX_PAGING_NPT));
}

static void vmx_features_consistent(void)
{
	struct hvx_info info = hvx_info_get();

	if (info.backend != HVX_BACKEND_VMX)
		SKIP("not a VMX host");
	ASSERT_EQ(info.features >> 32, 0);	/* no SVM bits */
	/* Nested paging needs EPT and unrestricted guest (real mode on EPT). */
	ASSERT_EQ(info.paging, expected_paging((info.features & HVX_FEATURE_VMX_EPT) &&
					       (info.features & HVX_FEATURE_VMX_UNRESTRICTED),
					       HVX_PAGING_EPT));
	ASSERT_EQ(info.nr_asids, (info.features & HVX_FEATURE_VMX_VPID) ? 65535 : 0);
	/* EPT sub-features only come with EPT. */
	if (!(info.features & HVX_FEATURE_VMX_EPT))
		ASSERT_EQ(info.features & (HVX_FEATURE_VMX_EPT_AD | HVX_FEATURE_VMX_EPT_2M |
					   HVX_FEATURE_VMX_EPT_1G | HVX_FEATURE_VMX_PML), 0);
	/* The testbed's CPU model (Bochs corei7_haswell_4770) has all three. */
	if (getenv("HVX_TESTBED_VMX_EPT")) {
		ASSERT_TRUE(info.features & HVX_FEATURE_VMX_EPT);
		ASSERT_TRUE(info.features & HVX_FEATURE_VMX_VPID);
		ASSERT_TRUE(info.features & HVX_FEATURE_VMX_UNRESTRICTED);
	}
}

static const struct ktest tests[] = {
	KTEST(info_fields),
	KTEST(backend_matches_cpuid),
	KTEST(svm_features_match_cpuid),
	KTEST(vmx_features_consistent),
};

int main(void)
{
	return ktap_main(tests, KTEST_COUNT(tests));
}
