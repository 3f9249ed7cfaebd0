#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# qemu-test.sh: the qemu-* testbeds' driver, run in the testbed guest as
# /payload/qemu/run.sh by guest-run.sh (hvx_mode=qemu) once /dev/kvm is there
# (hvx.ko with kvm_dev=1, or KVM for qemu-kvmref-*). Debian's QEMU, packed by
# testbed/mkqemuguest.sh, runs a small Linux with -accel kvm; KTAP, one line
# per part:
#   direct    -M pc -kernel/-initrd: a shell answers on the serial port and
#             sees 2 CPUs, the virtio-blk disk's token reads back,
#             virtio-net gets a DHCP lease from slirp (-netdev user)
#   firmware  no -kernel: SeaBIOS boots SYSLINUX from a virtio-blk FAT disk,
#             which loads the same kernel; then the same checks
#   migrate   memtest (testbed/memtest.c) rewrites 16 MiB of the guest's
#             memory (16 MiB/s) while the monitor migrates the VM into a
#             file (64 MiB/s); a second
#             QEMU with -incoming continues it, memtest checks every page
#             and the shell answers
# hvx_qemu_parts="direct migrate" (kernel command line) runs only those;
# hvx_qemu_args="-trace kvm_irqchip_add_msi_route" adds to every QEMU's
# command line (for debugging; e.g. -global virtio-net-pci.vectors=0).
# Each part's times are "# " lines: boot to shell, the migration's downtime.
# The VMs' serial ports and monitors are FIFOs (QEMU's pipe: chardev):
# /tmp/NAME.ser.in is typed into, /tmp/NAME.log collects what the guest
# prints, /tmp/NAME.mon.in and /tmp/NAME.monlog the same for the monitor.
q=$(cd "$(dirname "$0")" && pwd)
g=$q/guest
token=$(cat $g/token)
# Generous: the nested guest runs on hvx inside QEMU TCG.
boot_timeout=${HVX_QEMU_BOOT_TIMEOUT:-900}

# The testbed has no libc: QEMU through its own loader and libraries. A
# command, not a function: `$qemu ... &` is QEMU's own process to kill.
qemu="$q/lib/ld-linux-x86-64.so.2 --library-path $q/lib $q/bin/qemu-system-x86_64 -L $q/share"

# What every VM has: KVM, the pc machine with its in-kernel irqchip (the
# default), 2 vCPUs, virtio-net on slirp (no option ROM: -nodefaults has no
# need for iPXE) and the token disk on virtio-blk.
# HVX_QEMU_ACCEL=tcg tries the script out on a machine without KVM (with
# QEMU_MODULE_DIR=/usr/lib/x86_64-linux-gnu/qemu: TCG is a module there).
common="-accel ${HVX_QEMU_ACCEL:-kvm} -M pc -smp 2 -m 256M -nodefaults -display none -no-reboot
	-netdev user,id=n0 -device virtio-net-pci,netdev=n0,romfile=
	-drive file=$g/disk.img,if=none,id=d0,format=raw -device virtio-blk-pci,drive=d0
	${hvx_qemu_args:-}"
cmdline="console=ttyS0,115200 quiet panic=-1 mitigations=off"

now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# start_vm NAME QEMU-ARGS...: QEMU in the background, its serial port and
# monitor on FIFOs, their output collected by cat.
start_vm() {
	vm=$1
	shift
	part_vms="$part_vms $vm"
	rm -f /tmp/$vm.*
	mkfifo /tmp/$vm.ser.in /tmp/$vm.ser.out /tmp/$vm.mon.in /tmp/$vm.mon.out
	: >/tmp/$vm.log
	: >/tmp/$vm.monlog
	cat /tmp/$vm.ser.out >>/tmp/$vm.log &
	readers="$readers $!"
	cat /tmp/$vm.mon.out >>/tmp/$vm.monlog &
	readers="$readers $!"
	vm_start=$(now)
	# shellcheck disable=SC2086 # lists of arguments
	$qemu $common -serial pipe:/tmp/$vm.ser -monitor pipe:/tmp/$vm.mon "$@" \
		>/tmp/$vm.err 2>&1 &
	vm_pid=$!
}

# Ends the VM (if still running) and the readers.
stop_vm() {
	[ -z "$vm_pid" ] || kill "$vm_pid" 2>/dev/null
	[ -z "$vm_pid" ] || wait "$vm_pid" 2>/dev/null
	# shellcheck disable=SC2086 # a list of process ids
	[ -z "$readers" ] || kill $readers 2>/dev/null
	vm_pid='' readers=''
}

# Typed into the VM's serial port / monitor. Opened read-write, a FIFO
# never blocks, even if QEMU is gone.
type_in() { printf '%s\n' "$1" 1<>/tmp/$vm.ser.in; }
monitor() { printf '%s\n' "$1" 1<>/tmp/$vm.mon.in; }

# wait_for FILE TEXT SECONDS: until FILE holds TEXT; fails at the timeout
# or when QEMU has ended.
wait_for() {
	i=0
	until grep -qF -- "$2" "$1"; do
		kill -0 "$vm_pid" 2>/dev/null || { sleep 1; grep -qF -- "$2" "$1"; return; }
		[ $i -lt "$3" ] || return 1
		sleep 1
		i=$((i + 1))
	done
}

# A shell answers: a sum typed in, its result printed (the typed line
# echoed back holds the expression, not the result). Asked again if the
# shell was not yet reading when it was first typed.
shell_answers() {
	for try in 1 2 3 4 5 6; do
		type_in "echo hvx-answer-\$((6*7))-$try"
		wait_for /tmp/$vm.log "hvx-answer-42-$try" 10 && return 0
		kill -0 "$vm_pid" 2>/dev/null || return 1
	done
	return 1
}

# The nested guest up to a shell; "# PART: ..." with the time it took.
boot_to_shell() {
	if ! wait_for /tmp/$vm.log "hvx-qguest: up in" "$boot_timeout"; then
		echo "# $1: no shell prompt after $(since "$vm_start") s"
		return 1
	fi
	shell_answers || { echo "# $1: the shell does not answer"; return 1; }
	# Both vCPUs up (INIT/SIPI through the in-kernel LAPIC).
	type_in "echo hvx-cpus-\$(grep -c ^processor /proc/cpuinfo)"
	wait_for /tmp/$vm.log "hvx-cpus-2" 30 || { echo "# $1: the guest does not see 2 CPUs"; return 1; }
	echo "# $1: boot to shell answering $(since "$vm_start") s ($(grep -o 'up in [0-9.]* s' /tmp/$vm.log | tail -n 1) of the guest's clock)"
}

# Both virtio devices: the disk's token read back, a DHCP lease on eth0.
devices_work() {
	type_in "echo hvx-disk-\$(head -n 1 /dev/vda)"
	if ! wait_for /tmp/$vm.log "hvx-disk-$token" 60; then
		echo "# $1: the virtio-blk disk's token did not read back"
		return 1
	fi
	# udhcpc's script (/bin/true here) would bring the link up: by hand.
	type_in "ip link set eth0 up; echo hvx-net-\$(udhcpc -i eth0 -n -q -t 5 -T 2 -s /bin/true 2>&1 | grep -c 'lease of')"
	if ! wait_for /tmp/$vm.log "hvx-net-1" 90; then
		echo "# $1: no DHCP lease on virtio-net"
		# Which interrupts the guest got (shown below with its console).
		type_in "cat /proc/interrupts"
		sleep 5
		return 1
	fi
	echo "# $1: virtio-blk read back the token, virtio-net got a DHCP lease"
}

# What a failed part leaves for reading: the ends of the VM's console,
# QEMU's own output and the monitor's.
show_vm() {
	for f in log err monlog; do
		[ -s /tmp/$vm.$f ] || continue
		echo "# $vm.$f:"
		# Repeated lines once, with their count (uniq -c); awk ends
		# the last line too: the next KTAP line starts a line.
		tr -d '\r' </tmp/$vm.$f | uniq -c | tail -n 50 |
			awk '{ n = $1; sub(/^ *[0-9]+ /, ""); print "# | " $0 (n > 1 ? "   [" n " times]" : "") }'
	done
}

# The nested guests' kernels must not complain either: their splats (the
# patterns ktap-results.py looks for) fail the part. Printed as they are,
# behind "# PART: nested kernel: ", they fail the run's "kernel log clean"
# too, which names the line.
nested_logs_clean() {
	bad=0
	for v in $part_vms; do
		if grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace:|Kernel panic|rcu: INFO:|detected stall|invalid opcode:' \
			/tmp/$v.log >/tmp/$v.splats; then
			tr -d '\r' </tmp/$v.splats | head -n 10 | sed "s/^/# $1: nested kernel ($v): /"
			bad=1
		fi
	done
	return $bad
}

part_direct() {
	start_vm direct -kernel $g/vmlinuz -initrd $g/initrd.gz -append "$cmdline"
	boot_to_shell direct && devices_work direct
}

part_firmware() {
	# The boot disk second: the token disk stays /dev/vda.
	start_vm firmware -drive file=$g/boot.img,if=none,id=boot,format=raw \
		-device virtio-blk-pci,drive=boot,bootindex=0
	boot_to_shell firmware && devices_work firmware
}

part_migrate() {
	start_vm mig-src -kernel $g/vmlinuz -initrd $g/initrd.gz -append "$cmdline"
	boot_to_shell migrate || return 1
	type_in "memtest 16 &"
	wait_for /tmp/$vm.log "memtest: running" 120 || { echo "# migrate: memtest did not start"; return 1; }
	# 64 MiB/s: the 256 MiB guest (most of it zero pages, sent as such)
	# takes a few seconds, memtest rewrites its 16 MiB at 16 MiB/s all
	# through them, and the migration still converges. -d: the monitor
	# stays free for `info migrate` meanwhile.
	monitor "migrate_set_parameter max-bandwidth 64M"
	monitor 'migrate -d "exec:cat > /tmp/mig"'
	i=0
	status=
	while [ "$status" != completed ] && [ "$status" != failed ] && [ $i -lt 180 ]; do
		sleep 2
		i=$((i + 2))
		monitor "info migrate"
		status=$(grep -o 'Migration status: [a-z-]*' /tmp/$vm.monlog | tail -n 1 | cut -d' ' -f3)
	done
	# The last `info migrate`: its status, times and amounts.
	tr -d '\r' </tmp/$vm.monlog | awk '/^Migration status/ { n = 0 } { last[n++] = $0 }
		END { for (i = 0; i < n; i++) print last[i] }' |
		grep -E '^(Migration status|total time|expected downtime|downtime:|transferred ram|remaining ram|dirty sync count|dirty pages rate)' |
		sed 's/^/# migrate: /'
	if [ "$status" != completed ]; then
		echo "# migrate: not completed after $i s (${status:-no status})"
		monitor "migrate_cancel"
		return 1
	fi
	echo "# migrate: downtime $(grep -o 'downtime: [0-9]* ms' /tmp/$vm.monlog | tail -n 1 | cut -d' ' -f2) ms, $(du -k /tmp/mig | cut -f1) KiB sent"
	monitor "quit"
	i=0
	while kill -0 "$vm_pid" 2>/dev/null && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
	grep -q 'memtest: BAD' /tmp/$vm.log && { echo "# migrate: memtest failed before the migration ended"; return 1; }
	stop_vm

	# The same VM again, its state read from the file; it runs on by
	# itself (no -S). memtest reports once a whole pass checked every page.
	start_vm mig-dst -kernel $g/vmlinuz -initrd $g/initrd.gz -append "$cmdline" \
		-incoming "exec:cat /tmp/mig"
	# Typed only once it runs: the incoming state replaces the UART's.
	i=0
	until grep -q 'VM status: running' /tmp/$vm.monlog; do
		[ $i -lt 300 ] && kill -0 "$vm_pid" 2>/dev/null || { echo "# migrate: the incoming VM never ran"; return 1; }
		monitor "info status"
		sleep 2
		i=$((i + 2))
	done
	echo "# migrate: incoming VM running after $(since "$vm_start") s"
	type_in 'kill -USR1 $(pidof memtest)'
	if ! wait_for /tmp/$vm.log "memtest: verified" 300; then
		echo "# migrate: memtest gave no report after the migration"
		grep 'memtest:' /tmp/$vm.log | sed 's/^/# /'
		return 1
	fi
	echo "# migrate: after $(since "$vm_start") s: $(grep -o 'memtest: verified.*' /tmp/$vm.log | tr -d '\r')"
	shell_answers || { echo "# migrate: the shell does not answer after the migration"; return 1; }
	echo "# migrate: the migrated guest's shell answers"
	rm -f /tmp/mig
}

parts=${hvx_qemu_parts:-direct firmware migrate}
echo "TAP version 13"
# shellcheck disable=SC2086 # a list of part names
set -- $parts
echo "1..$#"
$qemu -version | head -n 1 | sed 's/^/# /'
n=0 failed=0 vm_pid='' readers=''
for part in $parts; do
	n=$((n + 1))
	case $part in
	direct) what="direct kernel boot (pc, -kernel): shell, virtio-blk, virtio-net" ;;
	firmware) what="firmware boot (SeaBIOS, SYSLINUX on virtio-blk): shell, virtio-blk, virtio-net" ;;
	migrate) what="migration while the guest writes: memory intact, guest runs on" ;;
	*) what="unknown part $part" ;;
	esac
	part_vms=''
	if [ "$what" != "unknown part $part" ] && "part_$part" && nested_logs_clean "$part"; then
		echo "ok $n $what"
	else
		show_vm
		echo "not ok $n $what"
		failed=1
	fi
	stop_vm
done
exit $failed
