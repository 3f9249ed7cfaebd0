#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# extract-vmlinux.sh BZIMAGE OUT
#
# The ELF vmlinux inside a bzImage (its compressed payload, located by the
# setup header's payload_offset/payload_length), for testing the PVH loader
# with the very kernel the other tests boot. xz, zstd and gzip payloads.
set -euo pipefail
bz=${1:?usage: extract-vmlinux.sh BZIMAGE OUT}
out=${2:?usage: extract-vmlinux.sh BZIMAGE OUT}
u8() { od -An -tu1 -j "$1" -N1 "$bz" | tr -d ' '; }
u32() { od -An -tu4 -j "$1" -N4 "$bz" | tr -d ' '; }
setup_sects=$(u8 $((0x1f1)))
[ "$setup_sects" != 0 ] || setup_sects=4
offset=$(( (setup_sects + 1) * 512 + $(u32 $((0x248))) ))
length=$(u32 $((0x24c)))
magic=$(od -An -tx1 -j "$offset" -N4 "$bz" | tr -d ' ')
case $magic in
fd377a58) dec=(xz -dc --single-stream) ;;
28b52ffd) dec=(zstd -dcq) ;;
1f8b*) dec=(gzip -dc) ;;
*) echo "extract-vmlinux: $bz: unknown payload (magic $magic)" >&2; exit 1 ;;
esac
tail -c +$((offset + 1)) "$bz" | head -c "$length" | "${dec[@]}" >"$out.tmp" 2>/dev/null || true
# gzip and zstd complain about the size word after the stream: check the result.
[ "$(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] ||
	{ rm -f "$out.tmp"; echo "extract-vmlinux: $bz: no ELF inside" >&2; exit 1; }
mv "$out.tmp" "$out"
