#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run-suite.sh NAME     NAME: svm-6.1 svm-6.12 vmx-6.1 vmx-6.12 nohv-6.1 nohv-6.12
#                       vmxshadow-6.1 vmxshadow-6.12 (like vmx-*, with hvx.ko
#                         loaded with paging=shadow: EPT left unused)
#                       kvmref-6.12 (QEMU with SVM like svm-*, but KVM's own
#                         modules instead of hvx.ko, HVX_DEV=/dev/kvm, and only
#                         the guest-ABI selftests: the reference for them)
#                       shadow-6.1 shadow-6.12 (like svm-*, with NPT hidden:
#                         hvx runs its guests on shadow paging)
#                       or demo-svm-6.1 etc. (boot, load hvx.ko, `hvx info`)
#                       or bench-svm-6.12, bench-kvmref-6.12, bench-vmx-6.12
#                         (guest_bench: cycles per exit, printed as it runs)
#                       or vmmboot-vmx-6.12 etc.: only the nested Linux boot
#                         (vmm_boot_test), with the time it needs; make check
#                         runs it on Bochs beside the other stages
#                       or kvmst-svm-6.1, kvmst-kvmref-6.1, kvmst-vmx-6.12 etc.:
#                         Linux's own KVM selftests (testbed/kvm-selftests.sh)
#                         against /dev/kvm, judged against KVM's results in
#                         testbed/kvm-selftests/ (kvmref: KVM itself, the
#                         reference; see testbed/kvmst-reference.sh)
#                       or kselftest-svm-6.1 etc.: only vmm_rootfs_test, a
#                         kselftest target under `hvx run --rootfs / --exec`
#                       or poweroff-svm-6.1, reboot-vmx-6.12 etc.: reboot_test
#                         (rmmod refused while VMs run), then `poweroff -f` /
#                         `reboot -f` with busy VMs on every CPU; the console
#                         log is judged up to the kernel's last line;
#                         kexec-svm-6.1 etc. the same with a kexec into the
#                         same kernel, which must come up; emergency-svm-6.12
#                         etc. with an emergency restart (SysRq b)
#                       or qemu-svm-6.1, qemu-kvmref-6.1: Debian's own QEMU
#                         with -accel kvm in the guest, on hvx.ko's /dev/kvm
#                         (kvm_dev=1) or on KVM's (the reference): a direct
#                         kernel boot, a SeaBIOS boot, a migration
#                         (testbed/qemu-test.sh, Documentation/qemu.md)
#                       or fuzz-svm-6.1, fuzz-vmx-6.12, fuzz-shadow-6.12
#                         etc.: only fuzz_test, the ioctl and guest fuzzer
#                         (HVX_FUZZ_SEED/_ROUNDS/_CALLS through
#                         HVX_TESTBED_APPEND)
#
# One testbed run: packs hvx.ko (built for that kernel), the static `hvx`
# program and the selftests into an initramfs, boots it in the emulator
# that has the extension (svm: QEMU TCG with SVM+NPT; vmx: Bochs with
# VMX+EPT; nohv: QEMU without SVM), and turns the serial log into result
# lines. Everything lands in build/testbed/NAME/: serial.log (the guest
# console and kernel log, kept for reading after a failure) and results.
# Expects `make testbed-build` to have run (kvmref: the selftests and
# testbed/fetch-kernels.sh only). HVX_TESTBED_APPEND adds to the
# guest kernel's command line (see guest-run.sh for the hvx_* switches).
# HVX_TESTBED_CPU replaces QEMU's -cpu for svm-* and kvmref-* (default
# qemu64,+svm,+npt). (qemu64,+svm,+npt,+xsave did not boot 6.12 in 300 s.)
# HVX_TESTBED_OUT replaces the output directory.
# HVX_TESTBED_BIN replaces build/static/hvx. HVX_TESTBED_TIMEOUT replaces the
# longer boot timeout of runs that boot the VMM tests' nested Linux.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
name=${1:?usage: run-suite.sh NAME}
mode=selftests
label=$name
if [[ $name == demo-* || $name == bench-* || $name == vmmboot-* || $name == kvmst-* || $name == kselftest-* ||
      $name == poweroff-* || $name == reboot-* || $name == kexec-* || $name == emergency-* ||
      $name == fuzz-* || $name == qemu-* ]]; then
	mode=${name%%-*}
	name=${name#*-}
fi
kind=${name%%-*}
tag=${name#*-}
# vmxshadow-*: Bochs like vmx-*, with hvx.ko loaded with paging=shadow: the
# CPU has EPT, hvx leaves it unused (shadow paging, real mode in vm86).
paging_args=
if [ "$kind" = vmxshadow ]; then
	kind=vmx
	paging_args=" hvx_insmod_args=paging=shadow"
fi
out=$top/build/testbed/$name
[ "$mode" = selftests ] || out=$out-$mode
# poweroff-* and reboot-*: one guest mode; how it goes down is its switch.
how_down=
if [ "$mode" = poweroff ] || [ "$mode" = reboot ] || [ "$mode" = kexec ] || [ "$mode" = emergency ]; then
	how_down=$mode
	HVX_TESTBED_APPEND="hvx_poweroff=$mode${HVX_TESTBED_APPEND:+ $HVX_TESTBED_APPEND}"
	mode=poweroff
fi
# kvmst on hvx: a kvmst stage stands for hvx, whatever the paging mode.
kvmst_ref=$top/testbed/kvm-selftests/kvm-$tag.expected
# vmmboot-*: a selftest run that names only the nested Linux boot.
if [ "$mode" = vmmboot ]; then
	mode=selftests
	HVX_TESTBED_APPEND="hvx_tests=\"vmm_boot_test\"${HVX_TESTBED_APPEND:+ $HVX_TESTBED_APPEND}"
fi
# fuzz-*: a selftest run that names only fuzz_test.
# Long slices (make fuzz) get the time they ask for: HVX_TESTBED_TIMEOUT,
# default an hour, for the boot and for fuzz_test.
fuzz_timeout=
if [ "$mode" = fuzz ]; then
	mode=selftests
	HVX_TESTBED_APPEND="hvx_tests=\"fuzz_test\"${HVX_TESTBED_APPEND:+ $HVX_TESTBED_APPEND}"
	fuzz_timeout=${HVX_TESTBED_TIMEOUT:-3600}
fi
# kselftest-*: a selftest run that names only vmm_rootfs_test.
if [ "$mode" = kselftest ]; then
	mode=selftests
	HVX_TESTBED_APPEND="hvx_tests=\"vmm_rootfs_test\"${HVX_TESTBED_APPEND:+ $HVX_TESTBED_APPEND}"
fi
# Several runs of one testbed at once (parallel development) each need
# their own directory: HVX_TESTBED_OUT names it.
out=${HVX_TESTBED_OUT:-$out}

case $kind in
svm)  emulator=qemu;  boot_args=(${HVX_TESTBED_CPU:+--cpu "$HVX_TESTBED_CPU"}) ;;
# shadow-*: QEMU with SVM but NPT hidden, so hvx falls back to shadow paging.
shadow) emulator=qemu; boot_args=(--cpu "${HVX_TESTBED_CPU:-qemu64,+svm,-npt}") ;;
kvmref) emulator=qemu; boot_args=(${HVX_TESTBED_CPU:+--cpu "$HVX_TESTBED_CPU"}) ;;
nohv) emulator=qemu;  boot_args=(--cpu qemu64,-svm); mode=nohv ;;
vmx)  emulator=bochs; boot_args=() ;;
*) echo "run-suite: unknown testbed '$1'" >&2; exit 64 ;;
esac
append="hvx_mode=$mode$paging_args"
[ "$kind" != kvmref ] || append="$append hvx_ref=kvm"
append="$append${HVX_TESTBED_APPEND:+ $HVX_TESTBED_APPEND}"
# The Bochs CPU model (corei7_haswell_4770) has EPT, VPID and unrestricted
# guest. Bochs runs guest code some ten times slower than QEMU: give each test
# case and the whole boot more time there.
if [ "$kind" = vmx ]; then
	append="$append HVX_TESTBED_VMX_EPT=1 HVX_TEST_CASE_TIMEOUT=600 HVX_TEST_TIMEOUT=${fuzz_timeout:-1200}"
	boot_args+=(--timeout $((${fuzz_timeout:-1200} + 300)))
elif [ -n "$fuzz_timeout" ]; then
	append="$append HVX_TEST_TIMEOUT=$fuzz_timeout"
	boot_args+=(--timeout $((fuzz_timeout + 300)))
fi

rm -rf "$out"
mkdir -p "$out/payload/bin" "$out/payload/selftests"
# kvmref runs no hvx.ko: it needs the selftests and the kernel, and the
# hvx program for the VMM tests (`hvx run --dev /dev/kvm`).
# HVX_TESTBED_KO replaces it (an older build, to see a test fail).
if [ "$kind" != kvmref ]; then
	cp "${HVX_TESTBED_KO:-$top/build/ko/$tag/hvx.ko}" "$out/payload/hvx.ko"
fi
# HVX_TESTBED_BIN replaces the hvx program (e.g. a deliberately broken one).
hvx_bin=${HVX_TESTBED_BIN:-$top/build/static/hvx}
[ ! -f "$hvx_bin" ] || cp "$hvx_bin" "$out/payload/bin/hvx"
# The VMM tests' nested Linux guest (some 10 MB): for full selftest runs on
# hvx, demos, benchmarks, and any run whose hvx_tests= names a vmm_ test.
if { [ "$mode" = selftests ] && [ "$kind" != kvmref ] && [[ ${HVX_TESTBED_APPEND:-} != *hvx_tests=* ]]; } ||
   [ "$mode" = demo ] || [ "$mode" = bench ] || [[ ${HVX_TESTBED_APPEND:-} == *hvx_tests=*vmm_* ]]; then
	# Bochs runs no PVH boot (vmm_pvh_test skips there): the 65 MB
	# vmlinux stays out of their initramfs.
	vmlinux=yes
	[ "$kind" != vmx ] || vmlinux=no
	[[ $label != kselftest-* ]] || vmlinux=no	# vmm_rootfs_test boots the bzImage
	HVX_VMM_VMLINUX=$vmlinux "$top/testbed/mkvmmguest.sh" "$out/payload/vmm" "$tag" >/dev/null
	# The nested Linux boot takes minutes (about 200 s in QEMU, many
	# times that in Bochs): the whole run gets that much more time.
	if [ "$kind" = vmx ]; then
		# Full Bochs runs skip the nested boot (7 minutes there on an
		# idle machine, 30 on a loaded one) and keep the usual
		# 1500 s limit; hvx_tests= naming vmm_boot_test runs it, with
		# time for it: make check's vmmboot-vmx-6.12 stage, run beside
		# the others. The 1,000,000-interrupt storm runs here instead
		# of QEMU, whose 2-exit-per-interrupt cost is higher.
		# bench-vmx-* boots it twice (EPT, then shadow paging).
		if [ "$mode" = bench ]; then
			append="$append HVX_VMM_BOOT_TIMEOUT=3000 HVX_VMM_CMD_TIMEOUT=600 HVX_VMM_TEST_TIMEOUT=3600"
			boot_args+=(--timeout "${HVX_TESTBED_TIMEOUT:-9000}")
		elif [[ ${HVX_TESTBED_APPEND:-} != *hvx_tests=* ]]; then
			append="$append HVX_VMM_BOOT_SKIP=bochs"
			[ "$tag" != 6.12 ] || [ -n "$paging_args" ] ||
				append="$append HVX_EXTRA_TESTS=irq_storm_test"
		else
			append="$append HVX_VMM_BOOT_TIMEOUT=3000 HVX_VMM_CMD_TIMEOUT=600 HVX_VMM_TEST_TIMEOUT=3600"
			boot_args+=(--timeout "${HVX_TESTBED_TIMEOUT:-4800}")
		fi
	else
		# Shadow paging (write-protected guest tables, cached roots)
		# boots the nested Linux in 85 s here (nested: 37-49 s); on a
		# loaded machine 471 s: full shadow runs include it too, with
		# twice the time for it and for the run.
		if [ "$kind" = shadow ]; then
			append="$append HVX_VMM_BOOT_TIMEOUT=1200 HVX_VMM_TEST_TIMEOUT=1800"
			boot_args+=(--timeout "${HVX_TESTBED_TIMEOUT:-2400}")
		elif [ "$mode" = bench ]; then
			# Three nested boots (nested, shadow, shadow without
			# prefetch) and virtio_bench's guest.
			boot_args+=(--timeout "${HVX_TESTBED_TIMEOUT:-2400}")
		else
			boot_args+=(--timeout "${HVX_TESTBED_TIMEOUT:-1200}")
		fi
	fi
fi
if [ "$mode" = kvmst ]; then
	# KVM's selftests, the runner and its process-group helper; of hvx's
	# own selftests only kvm_hold (kvmref holds one KVM VM open).
	cp -a "$("$top/testbed/kvm-selftests.sh" "$tag")" "$out/payload/kvmst"
	${CC:-gcc} -O2 -static -o "$out/payload/kvmst/pgrun" "$top/testbed/pgrun.c"
	cp "$top/testbed/kvmst-run.sh" "$out/payload/kvmst/run.sh"
	# What times out on KVM here gets 30 s on hvx, not 120: it cannot
	# fail the stage (kvmst-results.py), and the stage stays short. What
	# passes on KVM gets 300 s: demand_paging_test takes 90-120 s on
	# either in TCG, and the machine's load must not decide the verdict.
	if [ "$kind" != kvmref ] && [ -f "$kvmst_ref" ]; then
		awk '$2 == "timeout" { print $1, 30 } $2 == "pass" { print $1, 300 }' \
			"$kvmst_ref" >"$out/payload/kvmst/timeouts"
	fi
	# Bochs runs guest code some ten times slower than QEMU: on VMX, the
	# programs that pass on KVM (the reference is KVM's SVM in QEMU).
	if [ "$kind" = vmx ]; then
		grep -Fxf <(awk '$2 == "pass" { print $1 }' "$kvmst_ref") \
			"$out/payload/kvmst/list" >"$out/payload/kvmst/list.pass"
		mv "$out/payload/kvmst/list.pass" "$out/payload/kvmst/list"
	fi
	cp "$top/build/selftests/kvm_hold" "$out/payload/selftests/"
	boot_args+=(--timeout "${HVX_TESTBED_TIMEOUT:-3600}")
	# Several of them (dirty_log_test, demand_paging_test, ...) give their
	# guest 1 GiB by default: room for that beside the initramfs.
	export HVX_QEMU_MEM=${HVX_QEMU_MEM:-3G} HVX_BOCHS_MEGS=${HVX_BOCHS_MEGS:-2048}
	# 6.12's are built for x86-64-v2 (its Makefile adds -march=x86-64-v2:
	# POPCNT, SSE4.2, ...), which qemu64 lacks (SIGILL): a QEMU CPU with
	# them, for KVM's reference and hvx alike.
	if [ "$tag" = 6.12 ] && [ "$emulator" = qemu ] && [ -z "${HVX_TESTBED_CPU:-}" ]; then
		boot_args+=(--cpu qemu64,+svm,+npt,+ssse3,+sse4.1,+sse4.2,+popcnt,+cx16)
	fi
elif [ "$mode" = qemu ]; then
	# QEMU is the test: of hvx's selftests only kvm_hold (kvmref).
	cp "$top/build/selftests/kvm_hold" "$out/payload/selftests/"
else
	cp "$top"/build/selftests/* "$out/payload/selftests/"
	# vmm_rootfs_test's kselftest targets (testbed/kselftest.sh), for the nested
	# guest's kernel (6.1), with that guest.
	if [ -d "$out/payload/vmm" ] && [ -x "$top/build/kselftest-6.1/run_kselftest.sh" ]; then
		cp -a "$top/build/kselftest-6.1" "$out/payload/kselftest"
	fi
fi
if [ "$mode" = qemu ]; then
	# QEMU, its libraries and firmware, the nested Linux and its disks
	# (some 70 MB). Each nested boot takes minutes under TCG; the
	# testbed needs room for QEMU and the guest's 256 MiB (twice, while
	# the migration's file sits in /tmp).
	"$top/testbed/mkqemuguest.sh" "$out/payload/qemu" >/dev/null
	boot_args+=(--timeout "${HVX_TESTBED_TIMEOUT:-2400}")
	export HVX_QEMU_MEM=${HVX_QEMU_MEM:-2G}
fi
cp "$top/testbed/guest-run.sh" "$out/payload/run.sh"
# kexec-*: the kernel to kexec into (the same one), kexec-now, and that
# kernel's initramfs: it only says it came up (then init powers off).
# In Bochs kexec_file_load hashes the image for some 95 s of the guest's
# time without a reschedule point: no soft-lockup watchdog there.
if [ "$how_down" = kexec ]; then
	[ "$kind" != vmx ] || append="$append nosoftlockup"
	mkdir -p "$out/payload/kexec" "$out/kexec-payload"
	cp "$top/build/kernels/$tag/vmlinuz" "$out/payload/kexec/vmlinuz"
	${CC:-gcc} -O2 -static -o "$out/payload/kexec/kexec-now" "$top/testbed/kexec-now.c"
	echo 'echo "hvx-testbed: kexec'"'"'d kernel up"' >"$out/kexec-payload/run.sh"
	"$top/testbed/mkinitramfs.sh" "$out/payload/kexec/initrd.gz" "$out/kexec-payload" >/dev/null
fi

# KVM, from the same kernel package, plays "another hypervisor" in
# coexist_test, and is the device under test in kvmref. Debian's 6.12 modules are xz-compressed; busybox insmod
# wants them plain.
case $kind in
svm|kvmref|shadow) kvm_modules="virt/lib/irqbypass arch/x86/kvm/kvm drivers/crypto/ccp/ccp arch/x86/kvm/kvm-amd" ;;
vmx) kvm_modules="virt/lib/irqbypass arch/x86/kvm/kvm arch/x86/kvm/kvm-intel" ;;
*) kvm_modules= ;;
esac
mkdir -p "$out/payload/kvm"
for m in $kvm_modules; do
	src=$top/build/kernels/$tag/modules/kernel/$m.ko
	if [ -f "$src" ]; then
		cp "$src" "$out/payload/kvm/"
	else
		xz -dc "$src.xz" >"$out/payload/kvm/$(basename "$m").ko"
	fi
	basename "$m.ko" >>"$out/payload/kvm/load-order"
done
"$top/testbed/mkinitramfs.sh" "$out/initramfs.cpio.gz" "$out/payload" >/dev/null

# A guest kernel that dies before its init ran tested nothing: under QEMU
# TCG, Debian's kernels now and then take an int3 Oops while patching
# static keys at boot (Documentation/testbed.md). Boot once more then,
# saying so; a failure after init started is never retried.
set +e
for attempt in 1 2; do
	"$top/testbed/boot.sh" --emulator "$emulator" --kernel-tag "$tag" \
		--initrd "$out/initramfs.cpio.gz" --log "$out/serial.log" \
		--append "$append" "${boot_args[@]}"
	boot_rc=$?
	grep -q 'hvx-testbed: init start' "$out/serial.log" && break
	[ $attempt = 2 ] && break
	cp "$out/serial.log" "$out/serial.log.no-init"
	echo "run-suite: $name: the guest kernel died before init (log kept as serial.log.no-init); booting again"
done
set -e

if [ $mode = demo ]; then
	sed -n '/hvx-testbed: init start/,/hvx-testbed: dmesg begin/p' "$out/serial.log" |
		grep -v 'hvx-testbed:'
	exit $boot_rc
fi
if [ "$mode" = kvmst ]; then
	if [ "$kind" = kvmref ]; then
		# The reference itself: its statuses, judged by nothing.
		"$top/testbed/kvmst-results.py" --write-expected "$out/expected" "$out/serial.log"
		exit $boot_rc
	fi
	"$top/testbed/kvmst-results.py" --label "$label" --boot-rc "$boot_rc" \
		--expected "$kvmst_ref" --exceptions "$top/testbed/kvm-selftests/exceptions" \
		--gaps "$top/testbed/kvm-selftests/gaps" \
		--list "$out/payload/kvmst/list" "$out/serial.log" >"$out/results"
	exit 0
fi
if [ "$mode" = poweroff ]; then
	# No "done" line: the kernel's power-down line ends the run.
	"$top/testbed/ktap-results.py" --serial --powered-off \
		--boot-rc "$([ "$boot_rc" = 124 ] && echo 124 || echo 0)" --label "$label" \
		"$out/serial.log" >"$out/results"
	if [ "$how_down" = kexec ]; then
		if grep -qa "hvx-testbed: kexec'd kernel up" "$out/serial.log"; then
			echo "PASS $label: the kexec'd kernel came up" >>"$out/results"
		else
			echo "FAIL $label: the kexec'd kernel came up" >>"$out/results"
		fi
	fi
	exit 0
fi
if [ "$mode" = bench ]; then
	# guest_bench's table, and a failure if it or the kernel log went wrong.
	grep -a '^bench' "$out/serial.log" | tr -d '\r' | sed "s/^bench/bench $name/" |
		tee "$out/results"
	# No KTAP here: only the run-finished and kernel-log checks count.
	if "$top/testbed/ktap-results.py" --serial --boot-rc "$boot_rc" --label "bench-$name" \
		"$out/serial.log" | grep -E '^FAIL .*(run finished|kernel log clean)'; then
		exit 1
	fi
	exit $boot_rc
fi
"$top/testbed/ktap-results.py" --serial --boot-rc "$boot_rc" --label "$label" \
	"$out/serial.log" >"$out/results"
