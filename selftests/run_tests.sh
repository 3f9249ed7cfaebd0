#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Run the hvx selftests as kselftest's runner does: one KTAP document on
# stdout, each program's own KTAP output nested behind "# ", one result
# line per program. POSIX sh, so it also runs under busybox in a guest.
#
# usage: run_tests.sh [TEST ...]   (default: all, in the order below)
# env:   HVX_SELFTESTS_DIR  where the test binaries are (default: beside this script)
#        HVX_TEST_TIMEOUT   seconds per program (default 300)
#        HVX_EXTRA_TESTS    added to the default list (e.g. irq_storm_test)
#        HVX_VMM_TEST_TIMEOUT  seconds for vmm_boot_test, vmm_pvh_test, vmm_rootfs_test, which boot Linux
#                           nested in the emulator (default 900)
dir=${HVX_SELFTESTS_DIR:-$(dirname "$0")}
timeout_s=${HVX_TEST_TIMEOUT:-300}
# The same order as TEST_PROGS in the Makefile. The guest-ABI programs
# (memslot_test .. exit_leak_test) run guest code; module_test and
# coexist_test go last: they unload and reload hvx.ko.
tests=${*:-"api_test vm_test vcpu_test lifetime_test info_test cli_test hotplug_test irqchip_api_test \
memslot_test regs_test msr_test cpuid_test run_test pio_test mmio_test coalesced_mmio_test insn_test \
mem_test mode_test realmode_test exit_leak_test state_error_test uirq_test paging_test baremetal_test guest_debug_test dirty_log_test \
apic_timer_test ipi_test irqfd_test irq_reinject_test irq_state_test vapic_test \
${HVX_EXTRA_TESTS:-} vmm_cli_test vmm_boot_test vmm_pvh_test module_test coexist_test"}

count=0
for t in $tests; do count=$((count + 1)); done
echo "TAP version 13"
echo "1..$count"

rcfile=$(mktemp)
i=0
failed=0
for t in $tests; do
	i=$((i + 1))
	echo "# selftests: hvx: $t"
	if [ ! -x "$dir/$t" ]; then
		echo "# $dir/$t: not found"
		echo "not ok $i selftests: hvx: $t"
		failed=1
		continue
	fi
	t_timeout=$timeout_s
	case $t in vmm_boot_test|vmm_pvh_test|vmm_rootfs_test) t_timeout=${HVX_VMM_TEST_TIMEOUT:-900} ;; esac
	if command -v timeout >/dev/null 2>&1; then
		(timeout "$t_timeout" "$dir/$t" 2>&1; echo $? >"$rcfile") | sed 's/^/# /'
	else
		("$dir/$t" 2>&1; echo $? >"$rcfile") | sed 's/^/# /'
	fi
	rc=$(cat "$rcfile")
	case $rc in
	0) echo "ok $i selftests: hvx: $t" ;;
	4) echo "ok $i selftests: hvx: $t # SKIP" ;;
	124|143) echo "not ok $i selftests: hvx: $t # TIMEOUT $t_timeout seconds"; failed=1 ;;
	*) echo "not ok $i selftests: hvx: $t # exit=$rc"; failed=1 ;;
	esac
done
rm -f "$rcfile"
exit $failed
