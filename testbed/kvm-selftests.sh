#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kvm-selftests.sh TAG   (TAG: 6.1 or 6.12)
#
# Builds Linux's own KVM selftests (tools/testing/selftests/kvm of Debian's
# linux-source-TAG, the source of the testbed kernel TAG) statically, and
# installs them stripped into build/kvm-selftests/TAG/:
#   bin/<program>   every x86_64 program, as the kselftest Makefile names it
#                   (x86_64/state_test, dirty_log_test, ...)
#   list            the programs in the Makefile's order: TEST_GEN_PROGS
#                   then TEST_PROGS (the .sh wrappers), one per line
# They run unmodified against /dev/kvm in the testbed (kvmst-* stages,
# testbed/kvmst-run.sh); hvx.ko answers there with kvm_dev=1.
#
# The two extra flags work around the 6.1.192 tree itself: a stable
# backport uses TEST_ASSERT_EQ, which that tree's test_util.h lacks, and
# one header uses offsetof before including what defines it.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tag=${1:?usage: kvm-selftests.sh 6.1|6.12}
src=$("$top/testbed/linux-source.sh" "$tag")
out=$top/build/kvm-selftests/$tag
kvm=$src/tools/testing/selftests/kvm
flags=(USERLDFLAGS=-static)
[ "$tag" != 6.1 ] || flags+=(EXTRA_CFLAGS="-DTEST_ASSERT_EQ=ASSERT_EQ -include linux/stddef.h")

# kselftest's lib.mk sets OUTPUT only in a top-level make (MAKELEVEL 0);
# under `make check` it would be empty and the programs would land in
# /x86_64. Run the tree's make as if from a shell.
unset MAKELEVEL MAKEFLAGS MFLAGS

# Rebuilt only when the tree is newer than the last install.
if [ -f "$out/list" ] && [ "$out/list" -nt "$src/.hvx-unpacked" ]; then
	echo "$out"
	exit 0
fi
make -s -C "$kvm" -j"$(nproc)" "${flags[@]}" >"$top/build/kvm-selftests-$tag.log" 2>&1 || {
	echo "kvm-selftests: the build failed; see build/kvm-selftests-$tag.log" >&2
	exit 1
}
# The program lists, from the Makefile itself.
progs=$(make -s -C "$kvm" -f - print-progs <<'MK'
include Makefile
print-progs:
	@echo $(TEST_GEN_PROGS_x86_64) $(TEST_PROGS_x86_64)
MK
)
extended=$(make -s -C "$kvm" -f - print-progs <<'MK'
include Makefile
print-progs:
	@echo $(TEST_GEN_PROGS_EXTENDED_x86_64)
MK
)
rm -rf "$out.tmp"
mkdir -p "$out.tmp/bin"
for p in $progs $extended; do
	mkdir -p "$out.tmp/bin/$(dirname "$p")"
	if [[ $p == *.sh ]]; then
		cp "$kvm/$p" "$out.tmp/bin/$p"
	else
		strip -o "$out.tmp/bin/$p" "$kvm/$p"
	fi
done
printf '%s\n' $progs >"$out.tmp/list"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$out"
