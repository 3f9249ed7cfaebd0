#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# mkvmmguest.sh OUTDIR HOST_TAG
#
# What the VMM tests (selftests/vmm_*_test) boot inside a testbed with
# `hvx run`, written to OUTDIR (the payload's vmm/ directory):
#   vmlinuz         Debian's 6.1 bzImage, unchanged
#   vmlinux         the ELF vmlinux inside it (extract-vmlinux.sh), booted
#                   through its PVH note by vmm_pvh_test (not with
#                   HVX_VMM_VMLINUX=no)
#   initrd.cpio.gz  busybox-static, the virtio and ext4 modules of that
#                   kernel, and an /init that loads them and starts a shell
#                   with the prompt "guest# " on the serial console; and
#                   /pvh-init, vmm_pvh_test's init (rdinit=/pvh-init), and
#                   /exec-init, make bench's reference for --rootfs --exec
#   lib/modules/R   for `hvx run --rootfs /` (vmm_rootfs_test): the guest
#                   kernel's virtio-mmio, 9p, overlayfs and virtio-console
#                   modules and a modules.dep (depmod); guest-run.sh makes
#                   the testbed's /lib/modules point here
#   disk.ext4       an ext4 image (mke2fs -d) holding token.txt
#   token           the token written into it, for the test to compare
#   tun.ko          tun for the testbed's own kernel (HOST_TAG), for --net tap
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: mkvmmguest.sh OUTDIR HOST_TAG}
host_tag=${2:?usage: mkvmmguest.sh OUTDIR HOST_TAG}
guest_tag=6.1
kdir=$top/build/kernels/$guest_tag
[ -f "$kdir/vmlinuz" ] || "$top/testbed/fetch-kernels.sh" "$guest_tag" >/dev/null

# Dependencies first (modinfo depends= of each, checked by hand for 6.1).
modules="virtio_ring virtio virtio_mmio virtio_blk failover net_failover virtio_net
	 virtio-rng virtio_console crc16 mbcache jbd2 crc32c_generic ext4"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$out"
# shellcheck source=testbed/guest-stage.sh
. "$top/testbed/guest-stage.sh"
# shellcheck disable=SC2086 # a list of module names
guest_stage "$stage" "$kdir" $modules
cat >"$stage/init" <<'INIT'
#!/bin/sh
# The nested guest's /init: modules, then a shell on the serial console.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules/load-order); do
	insmod /modules/$m 2>/dev/null || echo "hvx-guest: insmod $m failed"
done
echo "hvx-guest: up in $(cut -d' ' -f1 /proc/uptime) s"
export PS1='guest# '
exec setsid cttyhack /bin/sh
INIT
chmod 755 "$stage/init"
cat >"$stage/pvh-init" <<'INIT'
#!/bin/sh
# vmm_pvh_test's init, run by `hvx run --console virtio` (the kernel's own
# console and this script's output: ttyS0): a marker, then one line read
# from hvc0 (the virtio-console, which has hvx's stdin) answered there,
# then power off.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "hvx-pvh: init reached"
for m in virtio_ring virtio virtio_mmio virtio_console; do
	insmod /modules/$m.ko || echo "hvx-pvh: insmod $m failed"
done
# hvc0 backed by a virtio-console (the hvc core, built in, may make the
# node without one): its driver bound to a device, then the node.
i=0
until ls /sys/bus/virtio/drivers/virtio_console/ | grep -q '^virtio' && [ -e /dev/hvc0 ] ||
      [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
# Not `exec 3<>/dev/hvc0`: a failed redirection on exec ends the script.
if [ $i -lt 100 ]; then
	{
		echo "hvx-pvh: hvc0 ready" >&3
		IFS= read -r line && echo "hvx-pvh: hvc0 read <$line>"
	} 3>&1 <>/dev/hvc0 >&0
else
	echo "hvx-pvh: no virtio-console hvc0"
fi
poweroff -f
INIT
chmod 755 "$stage/pvh-init"
cat >"$stage/exec-init" <<'INIT'
#!/bin/sh
# make bench's reference for `hvx run --rootfs / --exec "echo ..."`: the
# same command from this initramfs (rdinit=/exec-init), then power off.
export PATH=/bin:/sbin
echo hvx-exec-output
poweroff -f
INIT
chmod 755 "$stage/exec-init"
# vbench, for the virtio benchmark (selftests/virtio_bench.c), when built.
[ ! -x "$top/build/selftests/vbench" ] || cp "$top/build/selftests/vbench" "$stage/bin/vbench"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) |
	gzip -6 -n >"$out/initrd.cpio.gz"

cp "$kdir/vmlinuz" "$out/vmlinuz"
# The same kernel as an ELF (some 65 MB, 11 MB in the testbed's gzipped
# initramfs), kept next to the bzImage between runs; left out with
# HVX_VMM_VMLINUX=no.
vmlinux=$top/build/vmm/vmlinux-$guest_tag
if [ "${HVX_VMM_VMLINUX:-yes}" != no ]; then
	if [ ! -f "$vmlinux" ] || [ "$vmlinux" -ot "$kdir/vmlinuz" ]; then
		mkdir -p "$(dirname "$vmlinux")"
		# A name of its own, then a rename: other runs may extract it too.
		"$top/testbed/extract-vmlinux.sh" "$kdir/vmlinuz" "$vmlinux.$$"
		mv "$vmlinux.$$" "$vmlinux"
	fi
	cp "$vmlinux" "$out/vmlinux"
fi

# --rootfs / in a testbed: hvx takes these from the testbed's
# /lib/modules/RELEASE for its initramfs (dependencies from modules.dep).
release=$(cat "$kdir/release")
mdir=$out/lib/modules/$release
rm -rf "$out/lib"
mkdir -p "$mdir"
cp "$kdir/modules/modules.builtin" "$kdir/modules/modules.builtin.modinfo" "$mdir/"
: >"$mdir/modules.order"
for m in virtio virtio_ring virtio_mmio 9pnet 9pnet_virtio netfs fscache 9p overlay virtio_console; do
	src=$(cd "$kdir/modules" && find kernel -name "$m.ko" -o -name "$m.ko.xz" | head -n 1)
	[ -n "$src" ] || { echo "mkvmmguest: no $m.ko in $kdir/modules" >&2; exit 1; }
	mkdir -p "$mdir/$(dirname "$src")"
	cp "$kdir/modules/$src" "$mdir/$src"
done
depmod -b "$out" "$release"

# The disk: a token the guest can only know by reading the filesystem.
token=hvx-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
mkdir -p "$stage/disk"
echo "$token" >"$stage/disk/token.txt"
echo "$token" >"$out/token"
rm -f "$out/disk.ext4"
mke2fs -q -t ext4 -d "$stage/disk" -L hvxtest "$out/disk.ext4" 8M

src=$(find "$top/build/kernels/$host_tag/modules/kernel/drivers/net" -name tun.ko -o -name tun.ko.xz | head -n 1)
case $src in
*.xz) xz -dc "$src" >"$out/tun.ko" ;;
?*) cp "$src" "$out/tun.ko" ;;
*) echo "mkvmmguest: no tun.ko for $host_tag (--net tests will fail)" >&2 ;;
esac
