#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# mkqemuguest.sh OUTDIR
#
# What the qemu-* testbeds (run-suite.sh) run inside the testbed guest:
# Debian's own QEMU with -accel kvm on /dev/kvm, booting a small Linux.
# Written to OUTDIR (the payload's qemu/ directory):
#   bin/qemu-system-x86_64  this machine's QEMU (Debian's package), unchanged
#   lib/            its shared libraries (ldd), the dynamic loader among
#                   them: the testbed has no libc, so qemu-test.sh starts
#                   QEMU through lib/ld-linux-x86-64.so.2 --library-path lib
#   share/          the firmware it loads (-L share): SeaBIOS, the -kernel
#                   loader option ROM, the KVM vapic option ROM
#   run.sh          testbed/qemu-test.sh, the driver
#   guest/vmlinuz   Debian's 6.1 bzImage
#   guest/initrd.gz busybox-static, the virtio-pci/blk/net modules, memtest
#                   (testbed/memtest.c) and an /init that starts a shell on
#                   ttyS0
#   guest/disk.img  a raw disk whose first line is guest/token
#   guest/boot.img  an unpartitioned FAT disk with SYSLINUX, the same kernel
#                   and initrd: SeaBIOS boots it without -kernel
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: mkqemuguest.sh OUTDIR}
kdir=$top/build/kernels/6.1
[ -f "$kdir/vmlinuz" ] || "$top/testbed/fetch-kernels.sh" 6.1 >/dev/null
qemu=/usr/bin/qemu-system-x86_64
[ -x $qemu ] || { echo "mkqemuguest: no $qemu (package qemu-system-x86)" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"/{bin,lib,share,guest}
cp $qemu "$out/bin/"
# Every library, and the loader under its own name (ldd prints it with no
# "=>": "/lib64/ld-linux-x86-64.so.2 (0x...)").
ldd $qemu | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
	while read -r lib; do cp -L "$lib" "$out/lib/"; done
[ -f "$out/lib/ld-linux-x86-64.so.2" ] || { echo "mkqemuguest: no dynamic loader in ldd's list" >&2; exit 1; }
# -nodefaults, no VGA, virtio-net without its option ROM (romfile=): only
# the BIOS, the -kernel loader (fw_cfg DMA) and the vapic ROM KVM's
# TPR patching loads on the pc machine.
# Debian keeps SeaBIOS in its own package's directory, which QEMU searches
# too; -L share holds all three.
cp /usr/share/seabios/bios-256k.bin /usr/share/qemu/linuxboot_dma.bin \
	/usr/share/qemu/kvmvapic.bin "$out/share/"
cp "$top/testbed/qemu-test.sh" "$out/run.sh"

# The nested guest's initramfs. Dependencies first (modinfo depends= of
# Debian's 6.1: virtio_pci needs virtio_pci_modern_dev and
# virtio_pci_legacy_dev; virtio_net needs net_failover, which needs
# failover); modules built into the kernel are skipped.
modules="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
	 virtio_blk failover net_failover virtio_net"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# shellcheck source=testbed/guest-stage.sh
. "$top/testbed/guest-stage.sh"
# shellcheck disable=SC2086 # a list of module names
guest_stage "$stage" "$kdir" $modules
${CC:-gcc} -O2 -static -Wall -o "$stage/bin/memtest" "$top/testbed/memtest.c"
cat >"$stage/init" <<'INIT'
#!/bin/sh
# The nested guest's /init: modules, then a shell on the serial console.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules/load-order); do
	insmod /modules/$m || echo "hvx-qguest: insmod $m failed"
done
echo "hvx-qguest: up in $(cut -d' ' -f1 /proc/uptime) s"
export PS1='guest# '
exec setsid cttyhack /bin/sh
INIT
chmod 755 "$stage/init"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) |
	gzip -6 -n >"$out/guest/initrd.gz"
cp "$kdir/vmlinuz" "$out/guest/vmlinuz"

# The data disk: a token the guest can only know by reading it.
token=hvx-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
echo "$token" >"$out/guest/token"
echo "$token" >"$out/guest/disk.img"
truncate -s 1M "$out/guest/disk.img"

# The firmware boot's disk: SYSLINUX on an unpartitioned FAT (as boot.sh
# boots Bochs), no mount or loop device needed. The kernel's console is
# ttyS0, SYSLINUX's too (SERIAL), so a failed boot shows where it stopped.
kb=$(( ($(stat -c %s "$out/guest/vmlinuz") + $(stat -c %s "$out/guest/initrd.gz")) / 1024 + 2048 ))
mkfs.fat -C -n HVXQBOOT "$out/guest/boot.img" "$kb" >/dev/null
cat >"$stage/syslinux.cfg" <<'EOF'
SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL vmlinuz
  INITRD initrd.gz
  APPEND console=ttyS0,115200 quiet panic=-1 mitigations=off
EOF
mcopy -i "$out/guest/boot.img" "$out/guest/vmlinuz" ::vmlinuz
mcopy -i "$out/guest/boot.img" "$out/guest/initrd.gz" ::initrd.gz
mcopy -i "$out/guest/boot.img" "$stage/syslinux.cfg" ::syslinux.cfg
syslinux --install "$out/guest/boot.img"
echo "mkqemuguest: $out ($(du -sh "$out" | cut -f1))"
