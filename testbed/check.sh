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
#   vmxshadow-6.12     selftests in Bochs, hvx.ko loaded with paging=shadow
#                      (EPT unused; real mode in virtual-8086 mode)
#   shadow-6.1 shadow-6.12  selftests in QEMU with SVM, NPT hidden: shadow
#                      paging (shadow-6.12 is in the default list; both:
#                      make check-shadow)
#   vmmboot-vmx-6.12   the nested Linux boot (vmm_boot_test) in Bochs: 7
#                      minutes on an idle machine, 30 on a loaded one, so
#                      it starts first and runs beside the other stages
#                      (the results come at the end)
#   vmmboot-vmxshadow-6.12  the same with hvx.ko loaded with paging=shadow
#                      (the full vmxshadow run skips the nested boot), also
#                      beside the others
#   poweroff-svm-6.1 reboot-vmx-6.12 kexec-svm-6.12 emergency-svm-6.12 etc.
#                      reboot_test, then poweroff -f / reboot -f / kexec /
#                      SysRq b (emergency restart) with busy VMs on every
#                      CPU; the console log judged to its last line (the
#                      default list has the QEMU ones named here,
#                      emergency-svm-6.1 and poweroff-vmx-6.12)
#   fuzz-svm-6.1 fuzz-vmx-6.12 etc.  fuzz_test alone: the ioctl and guest
#                      fuzzer, a bounded slice (default: fuzz-svm-6.1 and
#                      fuzz-shadow-6.12; make fuzz runs all, long)
#   kselftest-svm-6.1  QEMU: vmm_rootfs_test, Debian's kernel booted with
#                      `hvx run --rootfs / --exec` on the testbed's own files,
#                      a kselftest target run in it, 9p confinement attacked
#   kvmst-svm-6.1 kvmst-svm-6.12  QEMU: Linux's own KVM selftests of that
#                      kernel's source against hvx's /dev/kvm, judged by
#                      KVM's results in the same testbed (testbed.md, kvmst)
#   kvmst-vmx-6.12     Bochs: the same, for the programs that pass on KVM
#                      (some 4 minutes: they are short)
#   qemu-svm-6.1       QEMU: Debian's own QEMU with -accel kvm on hvx's
#                      /dev/kvm (kvm_dev=1): a direct kernel boot, a SeaBIOS
#                      boot and a migration of a small Linux
#                      (Documentation/qemu.md; qemu-kvmref-6.1: on KVM)
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
[ ${#stages[@]} -gt 0 ] || stages=(vmmboot-vmx-6.12 vmmboot-vmxshadow-6.12 unit emulate svm-6.1 svm-6.12 kselftest-svm-6.1 kvmst-svm-6.1 kvmst-svm-6.12
	qemu-svm-6.1 poweroff-svm-6.1 reboot-svm-6.12 kexec-svm-6.12 emergency-svm-6.1 fuzz-svm-6.1 fuzz-shadow-6.12
	shadow-6.12 nohv-6.1 vmx-6.1 vmx-6.12 vmxshadow-6.12 kvmst-vmx-6.12 poweroff-vmx-6.12)

# A KTAP-printing command: its output kept, its cases counted.
run_ktap() {
	local stage=$1
	shift
	if ! "$@" >"$results/$stage.ktap" 2>"$results/$stage.err"; then
		echo "# $stage: '$*' exited non-zero (see build/results/$stage.err)"
	fi
	testbed/ktap-results.py --label "$stage" "$results/$stage.ktap" >"$results/$stage.results"
}

# One testbed run; its result lines in $results/STAGE.results.
run_testbed() {
	local stage=$1 dir=build/testbed/$1
	[[ $stage != vmmboot-* ]] || dir=build/testbed/${stage#vmmboot-}-vmmboot
	[[ $stage != kvmst-* ]] || dir=build/testbed/${stage#kvmst-}-kvmst
	[[ $stage != kselftest-* ]] || dir=build/testbed/${stage#kselftest-}-kselftest
	[[ $stage != poweroff-* ]] || dir=build/testbed/${stage#poweroff-}-poweroff
	[[ $stage != reboot-* ]] || dir=build/testbed/${stage#reboot-}-reboot
	[[ $stage != kexec-* ]] || dir=build/testbed/${stage#kexec-}-kexec
	[[ $stage != emergency-* ]] || dir=build/testbed/${stage#emergency-}-emergency
	[[ $stage != fuzz-* ]] || dir=build/testbed/${stage#fuzz-}-fuzz
	[[ $stage != qemu-* ]] || dir=build/testbed/${stage#qemu-}-qemu
	if testbed/run-suite.sh "$stage"; then
		cp "$dir/results" "$results/$stage.results"
	else
		echo "FAIL $stage: testbed could not be run" >"$results/$stage.results"
	fi
}

stage_summary() {
	local stage=$1 start=$2
	sed 's/^/  /' "$results/$stage.results"
	echo "== $stage: $(grep -c '^PASS' "$results/$stage.results") passed," \
	     "$(grep -c '^FAIL' "$results/$stage.results") failed," \
	     "$(grep -c '^SKIP' "$results/$stage.results") skipped in $((SECONDS - start))s"
}

# Stages that run beside the others, started first (their output is kept
# in build/results/STAGE.log and shown when they end).
# Each gets a process group of its own (set -m), so that an interrupted
# make check takes its emulator down with it.
background=()
bg_pids=()
stop_background() {
	local pid
	for pid in "${bg_pids[@]}"; do
		kill -- "-$pid" 2>/dev/null
	done
}
trap 'stop_background; exit 130' INT TERM
for stage in "${stages[@]}"; do
	[[ $stage == vmmboot-* ]] || continue
	echo "== $stage: started in the background"
	set -m
	run_testbed "$stage" >"$results/$stage.log" 2>&1 &
	set +m
	background+=("$stage")
	bg_pids+=($!)
done
bg_start=$SECONDS

for stage in "${stages[@]}"; do
	[[ $stage != vmmboot-* ]] || continue
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
	svm-*|vmx-*|nohv-*|shadow-*|vmxshadow-*|kvmst-*|kselftest-*|poweroff-*|reboot-*|kexec-*|emergency-*|fuzz-*|qemu-*)
		run_testbed "$stage" ;;
	*)
		echo "FAIL $stage: unknown stage" >"$results/$stage.results" ;;
	esac
	stage_summary "$stage" "$start"
done

for i in "${!background[@]}"; do
	stage=${background[$i]}
	echo "== $stage: waiting for it ($((SECONDS - bg_start))s so far)"
	wait "${bg_pids[$i]}"
	cat "$results/$stage.log"
	stage_summary "$stage" "$bg_start"
done

echo
testbed/summary.sh "$results"/*.results
