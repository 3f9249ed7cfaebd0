// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tap interfaces for virtio-net: TUNSETIFF on /dev/net/tun creates the
 * interface, libnl-3's route API gives it the host address and brings it
 * up. No cleanup code is needed on any exit path: the tap is not
 * persistent, so the kernel deletes it when hvx's fd closes, whether hvx
 * returns, is killed, or crashes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_tun.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include "tap.h"

/* Give @ifname TAP_HOST_ADDR and set it up. 0 or a negative libnl error. */
static int tap_configure(const char *ifname)
{
	struct rtnl_link *link = NULL, *change = NULL;
	struct rtnl_addr *addr = NULL;
	struct nl_addr *local = NULL;
	struct nl_sock *sk;
	int r;

	sk = nl_socket_alloc();
	if (!sk)
		return -NLE_NOMEM;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r)
		goto out;
	r = rtnl_link_get_kernel(sk, 0, ifname, &link);
	if (r)
		goto out;
	r = nl_addr_parse(TAP_HOST_ADDR, AF_INET, &local);
	if (r)
		goto out;
	addr = rtnl_addr_alloc();
	change = rtnl_link_alloc();
	if (!addr || !change) {
		r = -NLE_NOMEM;
		goto out;
	}
	rtnl_addr_set_ifindex(addr, rtnl_link_get_ifindex(link));
	r = rtnl_addr_set_local(addr, local);
	if (r)
		goto out;
	r = rtnl_addr_add(sk, addr, 0);
	if (r)
		goto out;
	rtnl_link_set_flags(change, IFF_UP);
	r = rtnl_link_change(sk, link, change, 0);
out:
	if (change)
		rtnl_link_put(change);
	if (addr)
		rtnl_addr_put(addr);
	if (local)
		nl_addr_put(local);
	if (link)
		rtnl_link_put(link);
	nl_socket_free(sk);
	return r;
}

int tap_create(const char *name, char ifname[TAP_NAME_MAX])
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	bool created;
	int fd, r;

	if (!name)
		name = TAP_DEFAULT_NAME;
	if (strlen(name) >= sizeof(ifr.ifr_name)) {
		fprintf(stderr, "hvx: tap '%s': name too long\n", name);
		return -EINVAL;
	}
	strcpy(ifr.ifr_name, name);
	/* A name with %d never exists yet; a fixed one may (ip tuntap add). */
	created = strchr(name, '%') || !if_nametoindex(name);
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		fprintf(stderr, "hvx: /dev/net/tun: %s\n", strerror(-r));
		return r;
	}
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		r = -errno;
		fprintf(stderr, "hvx: tap '%s': %s\n", name, strerror(-r));
		close(fd);
		return r;
	}
	memcpy(ifname, ifr.ifr_name, TAP_NAME_MAX);
	ifname[TAP_NAME_MAX - 1] = '\0';
	if (created) {
		r = tap_configure(ifname);
		if (r) {
			fprintf(stderr, "hvx: tap %s: address %s, up: %s\n", ifname,
				TAP_HOST_ADDR, nl_geterror(r));
			close(fd);	/* removes the interface again */
			return -EIO;
		}
	}
	return fd;
}
