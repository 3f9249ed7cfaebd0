/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers shared by the hvx selftests: /dev/hvx, VMs, vCPUs, hvx_info. */
#ifndef HVX_TEST_H
#define HVX_TEST_H

#include <linux/kvm.h>
#include <linux/hvx.h>
#include <stddef.h>
#include "ktap.h"

/* The device under test: $HVX_DEV, else /dev/hvx. */
const char *hvx_dev_path(void);
int hvx_open(void);			/* fails the test if it cannot */
int hvx_vm_create(int devfd);		/* fails the test if it cannot */
int hvx_vcpu_create(int vmfd, unsigned long id);
struct kvm_run *hvx_vcpu_map(int vcpufd);	/* the whole vCPU mmap */
size_t hvx_vcpu_mmap_size(void);
struct hvx_info hvx_info_get(void);
/* A fresh system fd is used, so the caller's fds do not matter. */
long hvx_check_cap(int fd, long cap);

/* Is close-on-exec set on fd? */
int fd_cloexec(int fd);
/* Does /proc/self/fd/<fd> name this anon inode ("hvx-vm", "hvx-vcpu")? */
int fd_is_anon_inode(int fd, const char *name);

#endif /* HVX_TEST_H */
