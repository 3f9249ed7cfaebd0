#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# check.sh [STAGE ...]   The whole test run behind `make check`.
#
# Stages (default: all, in this order):
#   unit       userspace unit tests of code shared with hvx.ko (ASan+UBSan)
#   emulate    the x86 instruction emulator's tests (arch-x86/emulate/tests)
#   svm-6.1 svm-6.12   selftests in QEMU TCG with SVM+NPT, Debian 6.1 / 6.12
#   nohv-6.1           QEMU without SVM: hvx.ko must refuse to load
#   vmx-6.1 vmx-6.12   selftests in Bochs with VMX+EPT, Debian 6.1 / 6.12
#   shadow-6.1 shadow-6.12  selftests in QEMU with SVM, NPT hidden: shadow
#                      paging (shadow-6.12 is in the default list; both:
#                      make check-shadow)
# Each stage's results go to build/results/STAGE.results; the run ends with
# one line "N passed, N failed, N skipped" and fails if anything failed.
# Expects `make testbed-build` to have run (make check does both).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
results=$top/build/results
rm -rf "$results"
mkdir -p "$results"
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(unit emulate svm-6.1 svm-6.12 shadow-6.12 nohv-6.1 vmx-6.1 vmx-6.12)

# A KTAP-printing command: its output kept, its cases counted.
run_ktap() {
	local stage=$1
	shift
	if ! "$@" >"$results/$stage.ktap" 2>"$results/$stage.err"; then
		echo "# $stage: '$*' exited non-zero (see build/results/$stage.err)"
	fi
	testbed/ktap-results.py --label "$stage" "$results/$stage.ktap" >"$results/$stage.results"
}

for stage in "${stages[@]}"; do
	start=$SECONDS
	echo "== $stage"
	case $stage in
	unit)
		run_ktap unit make -s -C selftests/unit run ;;
	emulate)
		if [ -f arch-x86/emulate/tests/Makefile ]; then
			run_ktap emulate make -s -C arch-x86/emulate/tests check
		else
			echo "SKIP emulate: arch-x86/emulate/tests not present" >"$results/$stage.results"
		fi ;;
	svm-*|vmx-*|nohv-*|shadow-*)
		if testbed/run-suite.sh "$stage"; then
			cp "build/testbed/$stage/results" "$results/$stage.results"
		else
			echo "FAIL $stage: testbed could not be run" >"$results/$stage.results"
		fi ;;
	*)
		echo "FAIL $stage: unknown stage" >"$results/$stage.results" ;;
	esac
	sed 's/^/  /' "$results/$stage.results"
	echo "== $stage: $(grep -c '^PASS' "$results/$stage.results") passed," \
	     "$(grep -c '^FAIL' "$results/$stage.results") failed," \
	     "$(grep -c '^SKIP' "$results/$stage.results") skipped in $((SECONDS - start))s"
done

echo
testbed/summary.sh "$results"/*.results
