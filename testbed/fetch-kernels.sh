#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# fetch-kernels.sh [6.1|6.12 ...]    (no arguments: both)
#
# For each kernel tag, provides under build/kernels/<tag>/:
#   vmlinuz   the stock Debian bzImage
#   release   its `uname -r`
#   build     symlink to the matching installed headers (for building hvx.ko)
#   modules/  the image package's /lib/modules/<release> tree
#   pkg/      the unpacked image package
# The image must be the exact kernel the installed headers describe (a module
# built against 6.1.0-56-amd64 headers loads only into 6.1.0-56-amd64), so the
# release is read off /usr/src/linux-headers-*, and the image package is only
# downloaded and unpacked here, never installed on this machine.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kdir=$top/build/kernels
debdir=$top/build/debs

# Newest installed headers release of one series, e.g. 6.1 -> 6.1.0-56-amd64.
headers_release() {
	local pattern
	case $1 in
	6.1) pattern='linux-headers-6.1.*-amd64' ;;
	6.12) pattern='linux-headers-6.12*-amd64' ;;
	*) echo "fetch-kernels: unknown kernel tag '$1' (use 6.1 or 6.12)" >&2; return 1 ;;
	esac
	# shellcheck disable=SC2086 # the pattern must glob
	(cd /usr/src && ls -d $pattern 2>/dev/null) | sed 's/^linux-headers-//' |
		sort -V | tail -n 1
}

fetch_one() {
	local tag=$1 rel pkgver hdr deb pkg
	local dir=$kdir/$tag

	rel=$(headers_release "$tag")
	if [ -z "$rel" ]; then
		local meta=linux-headers-amd64
		[ "$tag" = 6.12 ] && meta=linux-headers-6.12-amd64
		echo "fetch-kernels: no $tag headers in /usr/src; install them: apt-get install $meta" >&2
		return 1
	fi

	if [ -d "/usr/src/linux-headers-$rel" ]; then
		hdr=/usr/src/linux-headers-$rel
	else
		hdr=/lib/modules/$rel/build
	fi

	# Idempotent: done when the recorded release still matches the headers.
	if [ -f "$dir/vmlinuz" ] && [ -d "$dir/modules" ] &&
	   [ "$(cat "$dir/release" 2>/dev/null)" = "$rel" ]; then
		ln -sfn "$hdr" "$dir/build"
		echo "fetch-kernels: $tag: $rel already in $dir"
		return 0
	fi

	# Ask for the very version of the installed headers package; the
	# image package may be called linux-image-<rel> (signed) or -unsigned.
	pkgver=$(dpkg-query -W -f='${Version}' "linux-headers-$rel" 2>/dev/null || true)
	mkdir -p "$debdir"
	deb=
	for pkg in "linux-image-$rel" "linux-image-$rel-unsigned"; do
		deb=$(ls "$debdir/${pkg}_"*.deb 2>/dev/null | head -n 1 || true)
		[ -n "$deb" ] && break
		# apt-get download writes into the current directory; as root it
		# warns about the _apt sandbox, which cannot write there: skip it.
		if (cd "$debdir" && apt-get download -q -o APT::Sandbox::User=root \
				"$pkg${pkgver:+=$pkgver}" >&2) ||
		   (cd "$debdir" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2); then
			deb=$(ls "$debdir/${pkg}_"*.deb | head -n 1)
			break
		fi
	done
	if [ -z "$deb" ] && [ -z "${apt_updated:-}" ]; then
		# A fresh machine may have no package lists yet.
		echo "fetch-kernels: linux-image-$rel not found; running apt-get update" >&2
		apt_updated=1
		apt-get update -qq >&2 && fetch_one "$tag"
		return
	fi
	if [ -z "$deb" ]; then
		echo "fetch-kernels: cannot download linux-image-$rel (is a Debian mirror reachable?)" >&2
		return 1
	fi

	rm -rf "$dir"
	mkdir -p "$dir"
	dpkg -x "$deb" "$dir/pkg"
	ln -s "pkg/boot/vmlinuz-$rel" "$dir/vmlinuz"
	# Bookworm packages ship /lib/modules; newer ones /usr/lib/modules.
	if [ -d "$dir/pkg/lib/modules/$rel" ]; then
		ln -s "pkg/lib/modules/$rel" "$dir/modules"
	else
		ln -s "pkg/usr/lib/modules/$rel" "$dir/modules"
	fi
	[ -f "$dir/vmlinuz" ] || { echo "fetch-kernels: $deb has no /boot/vmlinuz-$rel" >&2; return 1; }
	ln -sfn "$hdr" "$dir/build"
	echo "$rel" > "$dir/release"
	echo "fetch-kernels: $tag: $rel from $(basename "$deb")"
}

tags=("$@")
[ ${#tags[@]} -gt 0 ] || tags=(6.1 6.12)
for tag in "${tags[@]}"; do
	fetch_one "$tag"
	d=$kdir/$tag
	echo "  $d/vmlinuz -> $(readlink -f "$d/vmlinuz")"
	echo "  $d/release = $(cat "$d/release")"
	echo "  $d/build -> $(readlink "$d/build")"
	echo "  $d/modules -> $(readlink -f "$d/modules")"
done
