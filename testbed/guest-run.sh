#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs inside a testbed guest as /payload/run.sh (see mkinitramfs.sh). What
# it does is chosen by hvx_mode= on the kernel command line (the kernel hands
# unknown name=value parameters to init as environment variables):
#   selftests  load hvx.ko, show `hvx info`, run every selftest (KTAP)
#   nohv       on a CPU without VMX/SVM: check that hvx.ko refuses to load
#   demo       load hvx.ko, show `hvx info`, boot Linux with `hvx run`
#   kvmst      load hvx.ko with kvm_dev=1 (or KVM, with hvx_ref=kvm), run
#              Linux's own KVM selftests against /dev/kvm (payload/kvmst;
#              hvx_kvmst_tests="a b" runs only those)
#   qemu       load hvx.ko with kvm_dev=1 (or KVM, with hvx_ref=kvm), run
#              Debian's QEMU with -accel kvm on /dev/kvm: a direct kernel
#              boot, a SeaBIOS boot, a migration (payload/qemu/run.sh,
#              testbed/qemu-test.sh; hvx_qemu_parts="direct" runs only those)
#   bench      load hvx.ko, run guest_bench (cycles per exit), the VMM
#              benchmarks, then guest_bench again with paging=shadow where
#              hvx.ko used nested paging
#   poweroff   load hvx.ko, run reboot_test (rmmod refused while VMs run,
#              then busy VMs left running on every CPU), print the kernel
#              log so far, then `poweroff -f` (hvx_poweroff=reboot:
#              `reboot -f`; hvx_poweroff=kexec: kexec_file_load + reboot
#              into the same kernel, payload/kexec; hvx_poweroff=emergency:
#              SysRq b, an emergency restart) with them running and
#              every kernel message on the console: the host judges the log
#              up to the end
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
# The VMM tests' Linux guest (testbed/mkvmmguest.sh), and tun for --net tap.
export HVX_VMM_DIR=$p/vmm
[ ! -f $p/vmm/tun.ko ] || insmod $p/vmm/tun.ko 2>/dev/null || true
# `hvx run --rootfs /` takes the guest kernel's modules from /lib/modules.
[ ! -d $p/vmm/lib/modules ] || [ -e /lib/modules ] || { mkdir -p /lib && ln -s $p/vmm/lib/modules /lib/modules; }
# Pseudo-terminals, for vmm_cli_test's console test.
[ -e /dev/pts/ptmx ] || { mkdir -p /dev/pts && mount -t devpts devpts /dev/pts 2>/dev/null; } || true
# KVM's modules, in load order, for coexist_test.
if [ -f $p/kvm/load-order ]; then
	HVX_KVM_MODULES=$(sed "s|^|$p/kvm/|" $p/kvm/load-order | tr '\n' ':')
	export HVX_KVM_MODULES
fi

# Keep kernel messages from splitting KTAP lines on the console; the whole
# kernel log is printed after the run and checked there.
dmesg -n "${hvx_loglevel:-1}"

# hvx.ko, or KVM with HVX_DEV=/dev/kvm for hvx_ref=kvm. Arguments: more
# parameters for insmod hvx.ko.
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
		insmod "$HVX_KO" ${hvx_insmod_args:-} "$@" || echo "# insmod $HVX_KO failed"
		"$HVX_BIN" info 2>&1 | sed 's/^/# /'
	fi
}

# bench: the nested Linux boot once more under shadow paging (hvx.ko loaded
# with shadow_stats=1): its time, and the shadow MMU's counters for it.
shadow_boot() {
	local seen out=/tmp/shadow_boot.log

	seen=$(dmesg | grep -c 'hvx: shadow: ')
	"$HVX_SELFTESTS_DIR/vmm_boot_test" >$out 2>&1
	sed -n "s/^# boot: \([0-9.]*\) s.*/bench: linux boot $1, hvx run to shell prompt  \1 s/p" $out
	# Its checks (disk, network, consoles...): that it booted right.
	echo "bench: linux boot $1: vmm_boot_test $(grep -c '^ok ' $out) ok, $(grep -c '^not ok ' $out) not ok"
	grep -e '^not ok ' -e 'SKIP' $out | sed 's/^/# /'
	# The last VM that went since: the boot's (hvx run's) VM.
	dmesg | grep 'hvx: shadow: ' | tail -n +$((seen + 1)) | tail -n 1 |
		sed "s/^.*hvx: shadow: /bench: linux boot $1: /"
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
	# Linux's boot time under `hvx run`: from the start of hvx to the
	# guest's shell prompt (vmm_boot_test's "boot:" line).
	if [ -f "$HVX_VMM_DIR/vmlinuz" ]; then
		"$HVX_SELFTESTS_DIR/vmm_boot_test" 2>&1 |
			sed -n 's/^# boot: \([0-9.]*\) s.*/bench: linux boot, hvx run to shell prompt  \1 s/p'
		# virtio-blk and virtio-net throughput, with and without hvx.
		"$HVX_SELFTESTS_DIR/virtio_bench"
		# hvx run --rootfs / --exec: first output and exit, vs an
		# initramfs (QEMU only: two more boots take many minutes in Bochs).
		[ -n "${HVX_TESTBED_VMX_EPT:-}" ] ||
			HVX_ROOTFS_BENCH=1 "$HVX_SELFTESTS_DIR/vmm_rootfs_test"
	fi
	# Nested vs shadow paging in the same run: hvx.ko again with
	# paging=shadow where it runs with nested paging now, guest_bench and
	# the nested Linux boot again.
	if [ "${hvx_ref:-}" != kvm ] && ! "$HVX_BIN" info | grep -q 'paging: *shadow'; then
		echo "# bench: again with paging=shadow"
		if rmmod hvx && insmod "$HVX_KO" paging=shadow shadow_stats=1; then
			"$HVX_SELFTESTS_DIR/guest_bench"
			if [ -f "$HVX_VMM_DIR/vmlinuz" ]; then
				shadow_boot "under shadow paging"
				# Prefetch off, for its effect (QEMU only: in
				# Bochs each boot takes some ten minutes).
				if [ -z "${HVX_TESTBED_VMX_EPT:-}" ]; then
					echo 0 >/sys/module/hvx/parameters/shadow_prefetch
					shadow_boot "under shadow paging, prefetch off"
					echo 1 >/sys/module/hvx/parameters/shadow_prefetch
				fi
			fi
		else
			echo "# bench: no shadow paging here (see the kernel log)"
		fi
	fi
	;;
kvmst)
	load_hypervisor kvm_dev=1
	# shellcheck disable=SC2086 # a list of test names
	sh $p/kvmst/run.sh $p/kvmst ${hvx_kvmst_tests:-}
	;;
qemu)
	load_hypervisor kvm_dev=1
	sh $p/qemu/run.sh
	;;
nohv)
	"$HVX_SELFTESTS_DIR/run_tests.sh" load_refusal_test
	;;
poweroff)
	load_hypervisor
	"$HVX_SELFTESTS_DIR/run_tests.sh" reboot_test
	rc=$?
	echo "hvx-testbed: dmesg begin"
	dmesg
	echo "hvx-testbed: dmesg end"
	# Every kernel message from here on reaches the console as printed:
	# what the power-off path logs is read on the host, to the last line.
	dmesg -n 8
	sleep 2
	how=${hvx_poweroff:-poweroff}
	echo "hvx-testbed: $how -f with VMs running (rc=$rc)"
	ttydrain
	if [ "$how" = kexec ]; then
		# The same kernel, a small initramfs that says it came up.
		$p/kexec/kexec-now $p/kexec/vmlinuz $p/kexec/initrd.gz "$(cat /proc/cmdline)"
	elif [ "$how" = emergency ]; then
		# Emergency restart (SysRq b): no notifiers; the kernel's
		# emergency hook on this CPU and, by NMI, on the others.
		echo b >/proc/sysrq-trigger
	else
		"$how" -f
	fi
	# Only if it returned: the host sees no power-down line and fails.
	echo "hvx-testbed: $how -f returned"
	sleep 600
	;;
demo)
	echo "\$ insmod hvx.ko"
	# shellcheck disable=SC2086 # a list of parameters
	insmod "$HVX_KO" ${hvx_insmod_args:-} || exit 1
	dmesg | grep 'hvx:'
	echo "\$ hvx info"
	"$HVX_BIN" info
	# Debian's 6.1 kernel with a busybox initramfs, 2 vCPUs, an ext4 disk on
	# virtio-blk and virtio-net on a tap; vmm_boot_test types the commands
	# and this shows the guest's console (its "# | " lines) and the results.
	if [ -f "$HVX_VMM_DIR/vmlinuz" ]; then
		echo "\$ hvx run --kernel vmlinuz --initrd initrd.cpio.gz --cpus 2 --mem 256M --disk disk.ext4 --net tap --cmdline quiet"
		"$HVX_SELFTESTS_DIR/vmm_boot_test" 2>&1 |
			sed -n -e 's/^# | //p' -e 's/^# \(boot: .*\)/hvx-demo: \1/p' \
				-e 's/^\(\(not \)\{0,1\}ok [0-9]* .*\)/hvx-demo: \1/p'
	fi
	;;
*)
	echo "guest-run: unknown hvx_mode '$hvx_mode'"
	exit 2
	;;
esac
