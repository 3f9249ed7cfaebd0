#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# summary.sh RESULTS_FILE...   Prints every failure and skip, then the one
# summary line for the whole run: "N passed, N failed, N skipped".
# Exit status 1 if anything failed or nothing ran.
set -euo pipefail

cat "$@" | grep '^FAIL ' | sed 's/^FAIL /not ok: /' || true
cat "$@" | grep '^SKIP ' | sed 's/^SKIP /skipped: /' || true
pass=$(cat "$@" | grep -c '^PASS ' || true)
fail=$(cat "$@" | grep -c '^FAIL ' || true)
skip=$(cat "$@" | grep -c '^SKIP ' || true)
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
