/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VM of `hvx run`: the device fd, guest RAM, the vCPU threads, the trap
 * tables and the device list. Everything the VMM core shares between its
 * files; devices see only vmm_dev.h.
 */
#ifndef HVX_VM_H
#define HVX_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>
#include "vmm_dev.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define KiB		(1024ULL)
#define MiB		(1024ULL * KiB)
#define GiB		(1024ULL * MiB)
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))

#define VM_MAX_VCPUS	64

/* Exit statuses of `hvx run` (besides isa-debug-exit's (v << 1) | 1). */
/*
 * `hvx run`'s own outcomes are even: every odd status belongs to the guest,
 * (N << 1) | 1 for N written to isa-debug-exit (port 0xf4), as under QEMU,
 * so a test kernel's result can never be mistaken for hvx's.
 */
#define RUN_EXIT_POWEROFF	0	/* guest powered off, or Ctrl-A x */
#define RUN_EXIT_USAGE		2	/* bad command line */
#define RUN_EXIT_RESET		4	/* the guest asked for a reset (not rebooted) */
#define RUN_EXIT_ERROR		6	/* setup failed, a device failed */
#define RUN_EXIT_CRASH		8	/* triple fault, failed entry, internal error */
#define RUN_EXIT_SIGNAL		130	/* SIGINT, SIGTERM or SIGHUP (named on stderr) */

struct trap {
	uint64_t base, len;
	trap_fn fn;
	void *opaque;
};

/* Sorted, non-overlapping claims of one address space. */
struct trap_table {
	struct trap *traps;		/* guarded by vm->trap_lock */
	unsigned int nr, cap;
};

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool thread_started;
};

struct guest_ram {
	uint64_t gpa, size;
	uint8_t *hva;
};

struct vm {
	int dev_fd;			/* /dev/hvx or /dev/kvm */
	int fd;				/* the VM */
	const char *dev_path;

	uint64_t ram_size;		/* what --mem asked for */
	struct guest_ram ram[2];	/* below the PCI hole, above 4 GiB */
	unsigned int nr_ram;

	unsigned int nr_vcpus;
	struct vcpu vcpus[VM_MAX_VCPUS];
	int vcpu_mmap_size;

	pthread_rwlock_t trap_lock;	/* readers: vCPUs; writers: registration */
	struct trap_table traps[2];	/* indexed by enum trap_space */

	struct vmm_device *devices;	/* newest first; set up before vCPUs run */

	/* Virtio-mmio windows handed out (platform_alloc_virtio_mmio). */
	unsigned int nr_virtio_mmio;
	uint64_t virtio_mmio_base[32];
	uint32_t virtio_mmio_gsi[32];

	/* Shutdown: the first request wins. */
	pthread_mutex_t shutdown_lock;
	bool shutting_down;		/* guarded by shutdown_lock; read racily to stop loops */
	int exit_status;		/* guarded by shutdown_lock */
	char *exit_why;			/* guarded by shutdown_lock */
	int shutdown_efd;		/* eventfd: written once on the first request */
};

/* vm.c */
int vm__create(struct vm *vm, const char *dev_path, uint64_t ram_size, unsigned int nr_vcpus);
void vm__destroy(struct vm *vm);
bool vm__shutting_down(struct vm *vm);
void vm__exit_devices(struct vm *vm);
uint64_t vm__low_ram_end(struct vm *vm);

/* vcpu.c */
int vcpu__create_all(struct vm *vm);
int vcpu__start_all(struct vm *vm);
void vcpu__kick_all(struct vm *vm);
void vcpu__join_all(struct vm *vm);
void vcpu__dump(struct vcpu *vcpu);

/* trap.c */
int trap__init(struct vm *vm);
void trap__exit(struct vm *vm);
/* 0 if a device claimed the access, -ENOENT if none did. */
int trap__dispatch(struct vm *vm, enum trap_space space, uint64_t addr,
		   uint8_t *data, uint32_t len, bool is_write);

/* log.c */
extern int vmm_verbosity;		/* 0 quiet, 1 normal, 2 debug */
void vmm_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vmm_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* HVX_VM_H */
