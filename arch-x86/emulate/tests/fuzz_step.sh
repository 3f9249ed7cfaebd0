#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# One KTAP line for a time-bounded libFuzzer run in `make check`.
# usage: fuzz_step.sh FUZZER SECONDS CORPUS [libFuzzer flags...]
fuzzer=$1; secs=$2; corpus=$3; shift 3
name="fuzz_decoder_emulator_walker_asan_ubsan_${secs}s"
if [ ! -x "$fuzzer" ]; then
	# A missing compiler is a SKIP; a compiler that fails is a failure.
	if command -v "${FUZZ_CC:-clang}" >/dev/null 2>&1; then
		echo "# fuzzer build failed, see $(dirname "$fuzzer")/fuzz-build.log"
		echo "not ok $name"
		exit 1
	fi
	echo "ok $name # SKIP ${FUZZ_CC:-clang} not installed (see packages.txt)"
	exit 0
fi
mkdir -p "$corpus"
log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT
"$fuzzer" -max_total_time="$secs" -print_final_stats=1 "$@" "$corpus" >"$log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
echo "# fuzz: ${runs:-?} inputs in ${secs}s, exit $rc"
if [ $rc -ne 0 ]; then
	grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$log" | head -20 | sed 's/^/# /'
	echo "not ok $name"
	exit 1
fi
echo "ok $name"
