#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# linux-source.sh TAG    (TAG: 6.1 or 6.12)
#
# Unpacks Debian's linux-source-TAG (installed by `make deps` as
# /usr/src/linux-source-TAG.tar.xz) once into build/linux-source-TAG, with
# the UAPI headers installed (`make headers`, which tools/testing/selftests
# builds against), and prints that directory. The tree is the source of the
# testbed kernels' own selftests: KVM's (testbed/kvm-selftests.sh) and the
# kselftest targets run under `hvx run`.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tag=${1:?usage: linux-source.sh 6.1|6.12}
case $tag in
6.1|6.12) ;;
*) echo "linux-source: unknown tag '$tag' (use 6.1 or 6.12)" >&2; exit 64 ;;
esac
tarball=/usr/src/linux-source-$tag.tar.xz
dir=$top/build/linux-source-$tag
stamp=$dir/.hvx-unpacked

if [ ! -f "$tarball" ]; then
	echo "linux-source: $tarball is missing; install it: apt-get install linux-source-$tag (make deps does)" >&2
	exit 1
fi
# Done once per tarball: the stamp records which one.
want=$(stat -c '%s %Y' "$tarball")
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	tar -xf "$tarball" -C "$dir.tmp" --strip-components=1
	make -s -C "$dir.tmp" headers >/dev/null
	echo "$want" >"$dir.tmp/.hvx-unpacked"
	mv "$dir.tmp" "$dir"
fi
echo "$dir"
