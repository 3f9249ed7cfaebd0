# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced by mkvmmguest.sh and mkqemuguest.sh: the common part of a nested
# Linux guest's initramfs.
#
# guest_stage STAGE KDIR MODULE...
#   STAGE gets busybox-static with a link per applet, the usual mount
#   points, and in STAGE/modules the named modules of the kernel in KDIR
#   (build/kernels/TAG: Debian's .ko or .ko.xz, unpacked, since busybox
#   insmod wants them plain) with their names in load order in
#   modules/load-order. Name dependencies first. A module built into that
#   kernel is skipped; one that is neither is an error.
guest_stage() {
	local stage=$1 kdir=$2 m src
	shift 2
	mkdir -p "$stage"/{bin,sbin,proc,sys,dev,mnt,tmp,modules}
	cp /bin/busybox "$stage/bin/busybox"
	for m in $(/bin/busybox --list); do
		[ -e "$stage/bin/$m" ] || ln -s busybox "$stage/bin/$m"
	done
	: >"$stage/modules/load-order"
	for m in "$@"; do
		src=$(find "$kdir/modules/kernel" -name "$m.ko" -o -name "$m.ko.xz" | head -n 1)
		if [ -z "$src" ]; then
			grep -q "/$m.ko\$" "$kdir/modules/modules.builtin" && continue
			echo "guest_stage: no $m.ko in $kdir/modules" >&2
			return 1
		fi
		case $src in
		*.xz) xz -dc "$src" >"$stage/modules/$m.ko" ;;
		*) cp "$src" "$stage/modules/$m.ko" ;;
		esac
		echo "$m.ko" >>"$stage/modules/load-order"
	done
}
