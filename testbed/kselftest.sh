#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kselftest.sh TAG    (TAG: 6.1 or 6.12)
#
# Builds kselftest targets of Debian's linux-source-TAG (unpacked once by
# testbed/linux-source.sh) statically, as the testbed guest has no libc,
# and installs them with kselftest's runner (run_kselftest.sh) into
# build/kselftest-TAG, whose path it prints. The kselftest-svm-6.1 stage
# runs them in a guest booted with `hvx run --rootfs / --exec` on the
# testbed's own files (selftests/vmm_rootfs_test.c).
#
# KSELFTEST_TARGETS picks the targets (default: size, which works in a
# small guest: get_size reports the memory a freshly booted system uses).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tag=${1:?usage: kselftest.sh 6.1|6.12}
targets=${KSELFTEST_TARGETS:-size}
out=$top/build/kselftest-$tag
stamp=$out/.hvx-targets

if [ -x "$out/run_kselftest.sh" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$targets" ]; then
	echo "$out"
	exit 0
fi
src=$("$top/testbed/linux-source.sh" "$tag")
rm -rf "$out" "$out.tmp"
# LDFLAGS, not CFLAGS: some targets set CFLAGS of their own (size: -static
# -ffreestanding); every link takes LDFLAGS.
make -s -C "$src/tools/testing/selftests" TARGETS="$targets" LDFLAGS=-static \
	install INSTALL_PATH="$out.tmp" >"$top/build/kselftest-$tag.log" 2>&1 || {
	echo "kselftest: building $targets failed; see build/kselftest-$tag.log" >&2
	exit 1
}
echo "$targets" >"$out.tmp/.hvx-targets"
mv "$out.tmp" "$out"
echo "$out"
