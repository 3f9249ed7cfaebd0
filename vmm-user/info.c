// SPDX-License-Identifier: GPL-2.0-only
/*
 * hvx info: what the hypervisor device reports. Works on any KVM-ABI
 * device; the hvx extension part is shown only where HVX_CAP_INFO exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <linux/hvx.h>
#include "vmm.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct { unsigned long long bit; const char *name; } feature_names[] = {
	{ HVX_FEATURE_VMX_EPT, "ept" },
	{ HVX_FEATURE_VMX_VPID, "vpid" },
	{ HVX_FEATURE_VMX_UNRESTRICTED, "unrestricted-guest" },
	{ HVX_FEATURE_VMX_EPT_AD, "ept-ad" },
	{ HVX_FEATURE_VMX_EPT_2M, "ept-2m" },
	{ HVX_FEATURE_VMX_EPT_1G, "ept-1g" },
	{ HVX_FEATURE_VMX_EPT_5LEVEL, "ept-5level" },
	{ HVX_FEATURE_VMX_TRUE_CTLS, "true-ctls" },
	{ HVX_FEATURE_VMX_PML, "pml" },
	{ HVX_FEATURE_VMX_VMCS_SHADOW, "vmcs-shadow" },
	{ HVX_FEATURE_VMX_APICV, "apicv" },
	{ HVX_FEATURE_VMX_POSTED_INTR, "posted-intr" },
	{ HVX_FEATURE_VMX_MTF, "mtf" },
	{ HVX_FEATURE_VMX_PREEMPT_TIMER, "preempt-timer" },
	{ HVX_FEATURE_VMX_TSC_SCALING, "tsc-scaling" },
	{ HVX_FEATURE_SVM_NPT, "npt" },
	{ HVX_FEATURE_SVM_LBRV, "lbrv" },
	{ HVX_FEATURE_SVM_LOCK, "svm-lock" },
	{ HVX_FEATURE_SVM_NRIPS, "nrips" },
	{ HVX_FEATURE_SVM_TSC_RATE, "tsc-rate" },
	{ HVX_FEATURE_SVM_VMCB_CLEAN, "vmcb-clean" },
	{ HVX_FEATURE_SVM_FLUSH_ASID, "flush-by-asid" },
	{ HVX_FEATURE_SVM_DECODE_ASSISTS, "decode-assists" },
	{ HVX_FEATURE_SVM_PAUSE_FILTER, "pause-filter" },
	{ HVX_FEATURE_SVM_AVIC, "avic" },
	{ HVX_FEATURE_SVM_VGIF, "vgif" },
	{ HVX_FEATURE_SVM_VLS, "vmsave-vmload-virt" },
};

/* KVM capabilities worth showing; those answering 0 are left out. */
static const struct { long cap; const char *name; } cap_names[] = {
	{ KVM_CAP_NR_VCPUS, "KVM_CAP_NR_VCPUS" },
	{ KVM_CAP_MAX_VCPUS, "KVM_CAP_MAX_VCPUS" },
	{ KVM_CAP_MAX_VCPU_ID, "KVM_CAP_MAX_VCPU_ID" },
	{ KVM_CAP_CHECK_EXTENSION_VM, "KVM_CAP_CHECK_EXTENSION_VM" },
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
	{ KVM_CAP_NR_MEMSLOTS, "KVM_CAP_NR_MEMSLOTS" },
	{ KVM_CAP_READONLY_MEM, "KVM_CAP_READONLY_MEM" },
	{ KVM_CAP_SYNC_MMU, "KVM_CAP_SYNC_MMU" },
	{ KVM_CAP_VCPU_EVENTS, "KVM_CAP_VCPU_EVENTS" },
	{ KVM_CAP_XSAVE, "KVM_CAP_XSAVE" },
	{ KVM_CAP_IRQFD, "KVM_CAP_IRQFD" },
	{ KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD" },
	{ HVX_CAP_INFO, "HVX_CAP_INFO" },
};

static const char *backend_name(unsigned int b)
{
	return b == HVX_BACKEND_VMX ? "vmx" : b == HVX_BACKEND_SVM ? "svm" : "unknown";
}

static const char *paging_name(unsigned int p)
{
	switch (p) {
	case HVX_PAGING_EPT: return "ept";
	case HVX_PAGING_NPT: return "npt";
	case HVX_PAGING_SHADOW: return "shadow";
	case HVX_PAGING_NONE: return "none (no paging mode available yet)";
	default: return "unknown";
	}
}

static void print_hvx_info(const struct hvx_info *info)
{
	unsigned int i;

	printf("hvx ABI version:  %u\n", info->abi_version);
	printf("backend:          %s\n", backend_name(info->backend));
	printf("paging:           %s\n", paging_name(info->paging));
	printf("features:        ");
	for (i = 0; i < ARRAY_SIZE(feature_names); i++)
		if (info->features & feature_names[i].bit)
			printf(" %s", feature_names[i].name);
	printf("%s\n", info->features ? "" : " none");
	printf("%s:            %u\n", info->backend == HVX_BACKEND_SVM ? "ASIDs" : "VPIDs",
	       info->nr_asids);
	printf("CPUs:             %u online, %u with %s on\n", info->online_cpus,
	       info->enabled_cpus, info->backend == HVX_BACKEND_SVM ? "SVM" : "VMX");
	printf("VMs alive:        %u (%u vCPUs)\n", info->active_vms, info->active_vcpus);
}

static int info_show(const char *dev)
{
	struct hvx_info info;
	unsigned int i;
	int fd, version;

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "hvx: cannot open %s: %s\n", dev, strerror(errno));
		if (errno == ENOENT)
			fprintf(stderr, "hvx: is the module loaded? (insmod hvx.ko)\n");
		return HVX_EXIT_ERROR;
	}
	version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (version < 0) {
		fprintf(stderr, "hvx: %s: KVM_GET_API_VERSION: %s (not a KVM-ABI device)\n",
			dev, strerror(errno));
		close(fd);
		return HVX_EXIT_ERROR;
	}
	printf("device:           %s\n", dev);
	printf("KVM API version:  %d%s\n", version,
	       version == KVM_API_VERSION ? "" : " (unsupported: expected 12)");

	if (ioctl(fd, KVM_CHECK_EXTENSION, HVX_CAP_INFO) > 0) {
		if (ioctl(fd, HVX_GET_INFO, &info) < 0) {
			fprintf(stderr, "hvx: %s: HVX_GET_INFO: %s\n", dev, strerror(errno));
			close(fd);
			return HVX_EXIT_ERROR;
		}
		print_hvx_info(&info);
	} else {
		printf("hvx extension:    absent (a KVM device other than hvx)\n");
	}

	printf("capabilities:    ");
	for (i = 0; i < ARRAY_SIZE(cap_names); i++) {
		int v = ioctl(fd, KVM_CHECK_EXTENSION, cap_names[i].cap);

		if (v > 0)
			printf(" %s=%d", cap_names[i].name, v);
	}
	printf("\n");
	close(fd);
	return HVX_EXIT_OK;
}

static void info_usage(void)
{
	printf("Usage: hvx info [--dev PATH]\n\n"
	       "Show what the hypervisor device reports: KVM API version, backend\n"
	       "(vmx or svm), paging mode, CPU virtualization features, capabilities.\n\n"
	       "Options:\n"
	       "  --dev PATH   device to ask (default %s; /dev/kvm works too)\n"
	       "  -h, --help   show this help\n", HVX_DEVICE_PATH);
}

static int info_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *dev = HVX_DEVICE_PATH;
	int c;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'd':
			dev = optarg;
			break;
		case 'h':
			info_usage();
			return HVX_EXIT_OK;
		default:
			fprintf(stderr, "Try 'hvx info --help'.\n");
			return HVX_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "hvx info: unexpected argument '%s'\n", argv[optind]);
		return HVX_EXIT_USAGE;
	}
	return info_show(dev);
}

const struct hvx_command info_command = {
	.name = "info",
	.summary = "show the hypervisor's backend, paging mode and capabilities",
	.main = info_main,
};
