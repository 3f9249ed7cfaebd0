#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kvmst-reference.sh TAG...   (TAG: 6.1, 6.12; default both)
#
# Regenerates the oracle of the kvmst stages: Linux's KVM selftests of
# linux-source-TAG run against KVM itself (Debian's kvm + kvm-amd) in the
# same QEMU testbed that runs them against hvx (testbed/run-suite.sh
# kvmst-kvmref-TAG: same CPU, memory, timeouts and runner), and writes
# each program's status and reason to testbed/kvm-selftests/kvm-TAG.expected.
# Commit the result. `make kvmst-reference` runs it.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tags=("$@")
[ ${#tags[@]} -gt 0 ] || tags=(6.1 6.12)
for tag in "${tags[@]}"; do
	out=$top/build/testbed/kvmref-$tag-kvmst
	"$top/testbed/run-suite.sh" "kvmst-kvmref-$tag"
	grep -q . "$out/expected" || { echo "kvmst-reference: $tag: no result" >&2; exit 1; }
	cp "$out/expected" "$top/testbed/kvm-selftests/kvm-$tag.expected"
	echo "kvmst-reference: testbed/kvm-selftests/kvm-$tag.expected: $(grep -c ' pass' "$out/expected") pass"
done
