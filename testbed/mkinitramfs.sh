#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# mkinitramfs.sh OUT.cpio.gz PAYLOAD_DIR
#
# Builds a tiny gzip'ed newc initramfs for the emulated testbeds: a static
# busybox, an /init that runs /payload/run.sh, dumps dmesg between marker
# lines and powers the machine off, and PAYLOAD_DIR copied to /payload.
# The marker lines are the contract boot.sh (and the test harness) parse:
#   hvx-testbed: init start
#   hvx-testbed: dmesg begin / hvx-testbed: dmesg end
#   hvx-testbed: done rc=N
set -euo pipefail

usage() { echo "usage: $0 OUT.cpio.gz PAYLOAD_DIR" >&2; exit 64; }
[ $# -eq 2 ] || usage
out=$1
payload=$2
[ -d "$payload" ] || { echo "mkinitramfs: $payload is not a directory" >&2; exit 1; }

busybox=/bin/busybox
# The image has no libc, so only a static busybox will run there.
if ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked'; then
	echo "mkinitramfs: $busybox is not static; install busybox-static" >&2
	exit 1
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,etc,payload}
cp "$busybox" "$stage/bin/busybox"
# Applet links made here rather than with `busybox --install` at boot, so the
# image is complete before the guest runs anything.
"$busybox" --list-full | while read -r applet; do
	[ -e "$stage/$applet" ] || ln -s /bin/busybox "$stage/$applet"
done
cp -a "$payload"/. "$stage/payload/"
# Console helper, libc-free so it runs in the image (see ttydrain.c).
${CC:-gcc} -Os -static -nostdlib -fno-stack-protector -fno-pie -no-pie \
	-o "$stage/bin/ttydrain" "$(dirname "$0")/ttydrain.c"

cat > "$stage/init" <<'EOF'
#!/bin/sh
# hvx testbed /init: run the payload, then report and power off.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
# /dev/console is ttyS0 (console=ttyS0); everything goes there.
exec </dev/console >/dev/console 2>&1
echo "hvx-testbed: init start"
# Restarts the UART if Bochs loses a transmit interrupt (see ttydrain.c).
ttydrain watch &
cd /payload
if [ -f /payload/run.sh ]; then
	sh /payload/run.sh
	RC=$?
else
	echo "hvx-testbed: /payload/run.sh missing"
	RC=127
fi
cd /
echo "hvx-testbed: dmesg begin"
dmesg
echo "hvx-testbed: dmesg end"
echo "hvx-testbed: done rc=$RC"
sync
# Power-off discards what is still queued for the UART: wait for it to go.
ttydrain
poweroff -f
# Only reached if power-off failed; the emulator's timeout takes over.
while :; do sleep 1000; done
EOF
chmod 755 "$stage/init"

# Append a /dev/console node as a hand-written newc entry: the kernel opens it
# for /init's stdio before devtmpfs is mounted, and writing it here needs no
# root (mknod) on the build machine.
newc_entry() { # name mode major minor
	local name=$1 mode=$2 maj=$3 min=$4
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0' \
		0 "$mode" 0 0 1 0 0 0 0 "$maj" "$min" $(( ${#name} + 1 )) 0 "$name"
	# header (110 bytes) + name + NUL is padded to a multiple of 4
	local len=$(( (110 + ${#name} + 1) % 4 ))
	[ $len -eq 0 ] || head -c $(( 4 - len )) /dev/zero
}

mkdir -p "$(dirname "$out")"
tmp=$out.tmp.$$
{
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0)
	{ newc_entry dev/console $(( 8#020600 )) 5 1; newc_entry TRAILER!!! 0 0 0; }
} | gzip -9 -n > "$tmp"
mv "$tmp" "$out"
echo "mkinitramfs: $out ($(du -h "$out" | cut -f1))"
