/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The contract between the VMM core (vm.c, vcpu.c, trap.c, platform/,
 * loaders: `hvx run`) and the device models that plug into it (virtio/,
 * net/). Device code includes only this header and the one of its own
 * kind; the core implements everything declared here.
 */
#ifndef HVX_VMM_DEV_H
#define HVX_VMM_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;		/* vm.h: the VM, its fds, RAM, vCPUs and devices */

/* ---- Traps: one interval lookup for port I/O and MMIO ---------------- */

enum trap_space { TRAP_PIO, TRAP_MMIO };

/*
 * Called on the vCPU thread that took the exit. @addr is the absolute port
 * or guest-physical address, @data the bytes of the access (filled by the
 * handler for reads), @len 1, 2, 4 or 8. Handlers must not block on I/O:
 * hand slow work to a device thread.
 */
typedef void (*trap_fn)(void *opaque, uint64_t addr, uint8_t *data,
			uint32_t len, bool is_write);

/* Claim [base, base + len). 0, or -EEXIST if it overlaps another claim. */
int trap_register(struct vm *vm, enum trap_space space, uint64_t base,
		  uint64_t len, trap_fn fn, void *opaque);
void trap_unregister(struct vm *vm, enum trap_space space, uint64_t base);

/* ---- Guest memory ---------------------------------------------------- */

/*
 * Host address of [gpa, gpa + len) if all of it is guest RAM, else NULL.
 * Device code must check every guest-supplied address through this.
 */
void *gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);

/* ---- Interrupts --------------------------------------------------------- */

/* Drive an IOAPIC/PIC input (KVM_IRQ_LINE). 0 or -errno. */
int vm_irq_line(struct vm *vm, uint32_t gsi, int level);
/* The VM fd, for KVM_IRQFD / KVM_IOEVENTFD registrations. */
int vm_fd(struct vm *vm);

/* ---- Platform resources -------------------------------------------------- */

/*
 * A virtio-mmio window for one more device: its guest-physical base (a
 * 4 KiB-aligned slot in the platform's MMIO area) and its GSI (level-
 * triggered, active high, routed through the IOAPIC). The core also
 * describes the device to the guest's firmware tables (an ACPI DSDT node
 * with _HID "LNRO0005", _CRS memory + interrupt) so Linux finds it without
 * command-line parameters. 0, or -ENOSPC when the area is full.
 */
#define VIRTIO_MMIO_WINDOW	0x200
int platform_alloc_virtio_mmio(struct vm *vm, uint64_t *base, uint32_t *gsi);

/* ---- Device lifecycle ------------------------------------------------------ */

struct vmm_device {
	const char *name;			/* for messages: "virtio-blk0" */
	/* Stop the device's threads, release what it holds (fds, taps). */
	void (*exit)(struct vmm_device *dev);
	struct vmm_device *next;		/* the core's list */
};

/* The core calls every device's exit, newest first, whenever the VM ends. */
void vm_add_device(struct vm *vm, struct vmm_device *dev);
/*
 * End the VM from any thread (a device that failed, a signal): every vCPU
 * leaves KVM_RUN, devices exit, `hvx run` returns @status after printing
 * "hvx: @why" unless @why is NULL.
 */
void vm_request_shutdown(struct vm *vm, int status, const char *why);

/* Logging that honours --quiet / --debug. */
void vmm_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- The devices (virtio/, net/), called by `hvx run` --------------------- */

/* Each returns 0, or -errno after printing "hvx: <what>: <reason>". */
int virtio_blk_create(struct vm *vm, const char *path, bool read_only);
/* @tap_name NULL: hvx picks "hvx-tapN". Creates, addresses and removes it. */
int virtio_net_create(struct vm *vm, const char *tap_name);
/* Port 0 as /dev/hvc0: input read from @in_fd (-1: none), output to @out_fd. */
int virtio_console_create(struct vm *vm, int in_fd, int out_fd);
int virtio_rng_create(struct vm *vm);
/*
 * virtio-9p: the host directory @dir as 9P2000.L with mount tag @tag (1 to
 * VIRTIO_9P_TAG_MAX letters, digits, '.', '_' or '-'); every change
 * refused with EROFS when @read_only.
 */
#define VIRTIO_9P_TAG_MAX	64
bool virtio_9p_tag_ok(const char *tag);
int virtio_9p_create(struct vm *vm, const char *dir, const char *tag, bool read_only);

#endif /* HVX_VMM_DEV_H */
