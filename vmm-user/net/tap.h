/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host side of virtio-net: a tap interface, created through
 * /dev/net/tun and addressed and brought up through libnl-3 (route).
 */
#ifndef HVX_TAP_H
#define HVX_TAP_H

#include <net/if.h>

#define TAP_NAME_MAX		IFNAMSIZ
/* The kernel fills in %d: the first free hvx-tapN. */
#define TAP_DEFAULT_NAME	"hvx-tap%d"
/* The host's end of the link; the guest is expected at 192.168.100.2. */
#define TAP_HOST_ADDR		"192.168.100.1/24"

/*
 * Attach to tap @name (NULL: TAP_DEFAULT_NAME), creating it if it does
 * not exist. A tap hvx creates gets TAP_HOST_ADDR and is brought up; it
 * is not persistent, so the kernel removes it (and its address) when its
 * last fd closes: at exit, and on any crash or kill. A tap that already
 * existed is used as it is and left in place. Returns the fd (non-blocking,
 * close-on-exec, frames without packet information) and the actual name
 * in @ifname, or -errno after printing why.
 */
int tap_create(const char *name, char ifname[TAP_NAME_MAX]);

#endif /* HVX_TAP_H */
