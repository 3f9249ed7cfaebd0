#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs inside a testbed guest (guest-run.sh, hvx_mode=kvmst): Linux's own
# KVM selftests, unmodified, against /dev/kvm, which is hvx.ko (loaded with
# kvm_dev=1) or, in the kvmref testbeds, KVM itself. One KTAP document:
# each program's output nested behind "# ", one result line per program.
#
# usage: kvmst-run.sh DIR [PROGRAM ...]   DIR holds bin/, list and pgrun
#                                          (testbed/kvm-selftests.sh), and
#                                          optionally timeouts: "PROGRAM
#                                          SECONDS" lines that override
#                                          the default for those programs
# env:   HVX_KVMST_TIMEOUT  seconds per program (default 120)
dir=${1:?usage: kvmst-run.sh DIR [PROGRAM ...]}
shift
timeout_s=${HVX_KVMST_TIMEOUT:-120}
tests=${*:-$(cat "$dir/list")}

# What the programs expect of a Linux system: bash (for the .sh wrappers;
# busybox ash runs them), a root user, debugfs (KVM's per-VM stats) and
# hugetlbfs (the hugetlb backing options).
[ -e /bin/bash ] || printf '#!/bin/sh\nexec /bin/sh "$@"\n' >/bin/bash
chmod 755 /bin/bash
grep -q '^root:' /etc/passwd 2>/dev/null || echo 'root:x:0:0:root:/root:/bin/sh' >>/etc/passwd
mkdir -p /sys/kernel/debug /dev/hugepages
grep -q " /sys/kernel/debug " /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug
grep -q " /dev/hugepages " /proc/mounts || mount -t hugetlbfs hugetlbfs /dev/hugepages

count=0
for t in $tests; do count=$((count + 1)); done
echo "TAP version 13"
echo "1..$count"
i=0
rcfile=$(mktemp)
for t in $tests; do
	i=$((i + 1))
	echo "# kvmst: $t"
	t_timeout=$timeout_s
	[ ! -f "$dir/timeouts" ] || t_timeout=$(awk -v t="$t" -v d="$timeout_s" \
		'$1 == t { d = $2 } END { print d }' "$dir/timeouts")
	# From the program's own directory, as kselftest's runner does. The
	# output is kept whole only at its end (the assertion is there), each
	# line cut to 400 characters, and always newline-terminated (awk), so
	# the result line below starts a line of its own.
	(cd "$dir/bin/$(dirname "$t")" &&
		"$dir/pgrun" "$t_timeout" "./$(basename "$t")" 2>&1; echo $? >"$rcfile") |
		tail -n 300 | awk '{ print "# " substr($0, 1, 400) }'
	rc=$(cat "$rcfile")
	case $rc in
	0) echo "ok $i kvm: $t" ;;
	4) echo "ok $i kvm: $t # SKIP" ;;
	124) echo "not ok $i kvm: $t # TIMEOUT $t_timeout seconds" ;;
	*) echo "not ok $i kvm: $t # exit=$rc" ;;
	esac
done
rm -f "$rcfile"
