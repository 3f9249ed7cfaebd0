/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `hvx run --rootfs DIR`: a guest whose root is DIR (usually the host's
 * /), shared read-only over virtio-9p with a tmpfs overlay on top, and
 * hvx's own init in it (guest_init.c) that mounts that root and the
 * shares, then runs --exec's command or a shell and reports its exit
 * status. What the host side (rootfs.c, cpio.c) and the guest side agree
 * on is here: the root's mount tag, the kernel command line parameters
 * the init reads, and its status for a failure of its own.
 */
#ifndef HVX_ROOTFS_H
#define HVX_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The root share's mount tag (root=hvxroot rootfstype=9p without initramfs). */
#define ROOTFS_TAG		"hvxroot"
/*
 * Kernel command line parameters for the init, read from /proc/cmdline.
 * Dotted names: the kernel takes them for module parameters of a module
 * it does not have and ignores them, instead of passing them to init's
 * environment or complaining. Values are percent-encoded (rootfs_encode):
 * no spaces, quotes or other bytes the kernel's parser would take apart.
 */
#define ROOTFS_P_ROOT		"hvx.root"	/* TAG: mount it (with an initramfs) */
#define ROOTFS_P_SHARE		"hvx.share"	/* TAG,PATH,ro|rw; repeated */
#define ROOTFS_P_CWD		"hvx.cwd"	/* where the command starts */
#define ROOTFS_P_EXEC		"hvx.exec"	/* the command; none: a shell */
#define ROOTFS_P_PATH		"hvx.path"	/* PATH for it */
#define ROOTFS_P_TERM		"hvx.term"	/* TERM for it */
#define ROOTFS_P_DEBUG		"hvx.debug"	/* the init says what it does */
#define ROOTFS_P_NOSTDIN	"hvx.nostdin"	/* the command's stdin: /dev/null */
/* The init's own failure (before the command ran), as `env` reports its own. */
#define ROOTFS_INIT_FAILED	125
/* The argument that makes hvx the guest's init (the kernel's init=, no initramfs). */
#define ROOTFS_INIT_ARG		"guest-init"
/* In the initramfs hvx builds: the modules to load, in order, one name a line. */
#define ROOTFS_MODULES_DIR	"/hvx/modules"
#define ROOTFS_MODULES_ORDER	ROOTFS_MODULES_DIR "/order"
/* Where the initramfs mounts the root share and the tmpfs for the overlay. */
#define ROOTFS_LOWER		"/hvx/lower"
#define ROOTFS_SCRATCH		"/hvx/rw"

/* The guest's init (PID 1): never returns. */
int guest_init_main(int argc, char **argv);

/*
 * Percent-encoding for a kernel command line value: every byte outside
 * [A-Za-z0-9/._+-:=@~^] as %XX. @out needs 3 * strlen(in) + 1 bytes.
 */
void rootfs_encode(const char *in, char *out);
/* Decode in place; false for a malformed %XX or an encoded NUL. */
bool rootfs_decode(char *s);

#endif /* HVX_ROOTFS_H */
