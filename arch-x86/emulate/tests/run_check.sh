#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run the emulator test programs given as arguments and merge their
# unnumbered "ok"/"not ok" lines into one numbered KTAP stream.  A program
# that exits non-zero without reporting a failure is itself a failure, and
# so is one that reports nothing.
out=$(mktemp) || exit 1
one=$(mktemp) || exit 1
trap 'rm -f "$out" "$one"' EXIT
for prog in "$@"; do
	name=$(basename "${prog%% *}")
	sh -c "$prog" >"$one" 2>&1
	rc=$?
	if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$one"; then
		echo "not ok ${name}_exit_status_$rc" >>"$one"
	fi
	if ! grep -q -E '^(not )?ok ' "$one"; then
		echo "not ok ${name}_reported_nothing" >>"$one"
	fi
	cat "$one" >>"$out"
done
n=$(grep -c -E '^(not )?ok ' "$out")
echo "TAP version 13"
echo "1..$n"
awk 'BEGIN { k = 0 }
     /^ok / { k++; sub(/^ok /, "ok " k " "); print; next }
     /^not ok / { k++; sub(/^not ok /, "not ok " k " "); print; next }
     /^# / { print; next }
     { print "# " $0 }' "$out"
! grep -q '^not ok ' "$out"
