#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs inside a testbed guest as /payload/run.sh (see mkinitramfs.sh). What
# it does is chosen by hvx_mode= on the kernel command line (the kernel hands
# unknown name=value parameters to init as environment variables):
#   selftests  load hvx.ko, show `hvx info`, run every selftest (KTAP)
#   nohv       on a CPU without VMX/SVM: check that hvx.ko refuses to load
#   demo       load hvx.ko and show `hvx info`
#   bench      load hvx.ko, run guest_bench (cycles per exit), and again
#              with paging=shadow where hvx.ko used nested paging
# hvx_ref=kvm: load KVM's own modules (payload/kvm, in load order) instead of
# hvx.ko and point the selftests at /dev/kvm (HVX_DEV); selftests mode then
# runs only the guest-ABI programs (selftests/guest_tests.list). This is the
# kvmref testbed: the same tests, checked against KVM.
# For debugging, also from the command line (HVX_TESTBED_APPEND="..."):
#   hvx_tests="api_test vm_test"   run only these selftests
#   hvx_loglevel=7                 let kernel messages reach the console
#   hvx_insmod_args=paging=shadow  module parameters for insmod hvx.ko
#                                  (quote several: hvx_insmod_args="a=1 b=2")
p=/payload
export HVX_KO=$p/hvx.ko HVX_BIN=$p/bin/hvx HVX_SELFTESTS_DIR=$p/selftests
# KVM's modules, in load order, for coexist_test.
if [ -f $p/kvm/load-order ]; then
	HVX_KVM_MODULES=$(sed "s|^|$p/kvm/|" $p/kvm/load-order | tr '\n' ':')
	export HVX_KVM_MODULES
fi

# Keep kernel messages from splitting KTAP lines on the console; the whole
# kernel log is printed after the run and checked there.
dmesg -n "${hvx_loglevel:-1}"

# hvx.ko, or KVM with HVX_DEV=/dev/kvm for hvx_ref=kvm.
load_hypervisor() {
	if [ "${hvx_ref:-}" = kvm ]; then
		for m in $(cat $p/kvm/load-order); do
			insmod "$p/kvm/$m" || echo "# insmod $m failed"
		done
		export HVX_DEV=/dev/kvm
		# One VM held throughout: KVM then patches no static keys
		# per test VM (see selftests/kvm_hold.c).
		"$HVX_SELFTESTS_DIR/kvm_hold" 2>&1 | sed 's/^/# /'
	else
		# shellcheck disable=SC2086 # a list of parameters
		insmod "$HVX_KO" ${hvx_insmod_args:-} || echo "# insmod $HVX_KO failed"
		"$HVX_BIN" info 2>&1 | sed 's/^/# /'
	fi
}

case ${hvx_mode:-selftests} in
selftests)
	load_hypervisor
	if [ "${hvx_ref:-}" = kvm ] && [ -z "${hvx_tests:-}" ]; then
		hvx_tests=$(cat "$HVX_SELFTESTS_DIR/guest_tests.list")
	fi
	# shellcheck disable=SC2086 # a list of test names
	"$HVX_SELFTESTS_DIR/run_tests.sh" $hvx_tests
	;;
bench)
	load_hypervisor
	"$HVX_SELFTESTS_DIR/guest_bench"
	# Nested vs shadow paging in the same run: hvx.ko again with
	# paging=shadow, where it runs with nested paging now (VMX refuses it).
	if [ "${hvx_ref:-}" != kvm ] && ! "$HVX_BIN" info | grep -q 'paging: *shadow'; then
		echo "# bench: again with paging=shadow"
		rmmod hvx && insmod "$HVX_KO" paging=shadow &&
			"$HVX_SELFTESTS_DIR/guest_bench" ||
			echo "# bench: no shadow paging here (see the kernel log)"
	fi
	;;
nohv)
	"$HVX_SELFTESTS_DIR/run_tests.sh" load_refusal_test
	;;
demo)
	echo "\$ insmod hvx.ko"
	# shellcheck disable=SC2086 # a list of parameters
	insmod "$HVX_KO" ${hvx_insmod_args:-} || exit 1
	dmesg | grep 'hvx:'
	echo "\$ hvx info"
	"$HVX_BIN" info
	# A guest from the RESET state through real, protected and long mode
	# and back (the steps it reports over port I/O), until `hvx run` boots
	# whole operating systems.
	echo "\$ mode_test"
	"$HVX_SELFTESTS_DIR/mode_test" 2>&1 | grep -E '^# (step|RDX)|^(not )?ok'
	;;
*)
	echo "guest-run: unknown hvx_mode '$hvx_mode'"
	exit 2
	;;
esac
