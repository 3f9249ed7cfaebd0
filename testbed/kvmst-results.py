#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Judge a run of Linux's KVM selftests against KVM's own results.

    kvmst-results.py --label NAME --expected FILE [--exceptions FILE]
                     [--gaps FILE] [--boot-rc N] SERIAL_LOG
    kvmst-results.py --write-expected FILE SERIAL_LOG

SERIAL_LOG is a kvmst testbed's console (testbed/kvmst-run.sh's KTAP, then
the guest kernel's log). Each program has a status: pass, skip, fail or
timeout, and a one-line reason taken from its own output.

--write-expected turns a run against KVM (a kvmst-kvmref-* testbed) into the
oracle: one line per program, "PROGRAM STATUS REASON".

Judged against that oracle, each program gives one result line:
  PASS  hvx passes it;
  FAIL  it passes on KVM and not on hvx (unless the exceptions file names
        it), or hvx fails or times out where KVM skips it (hvx claims
        something it does not do);
  SKIP  it passes on neither, or it is a documented exception, or a known
        gap (--gaps: a KVM feature hvx does not implement yet, each named
        with what is missing, so the stage guards everything else); the
        line says what hvx and KVM each did.
A gap that passes is a PASS, and the run says to take it off the list.
Two checks count as well, as for every testbed: the run finished, and the
kernel log is clean.
"""
import argparse
import importlib.util
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location('ktap_results', os.path.join(HERE, 'ktap-results.py'))
ktap = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ktap)

RESULT = re.compile(r'^(not ok|ok) \d+ kvm: (\S+)\s*(?:#\s*(.*))?$')
START = re.compile(r'^# kvmst: (\S+)$')
NOISE = re.compile(r'^\s*(\d+\s+0x[0-9a-f]+:|pid=\d+ tid=|Random seed|Testing guest mode|'
                   r'Guest physical address|guest physical test memory|Populate memory time|'
                   r'Finished creating vCPUs|Started all vCPUs|\s*$)')


def reason_of(status, output):
    """A one-line reason from a program's output."""
    lines = [l.strip() for l in output if l.strip()]
    if status == 'pass':
        return ''
    if status == 'timeout':
        return (lines[-1] if lines else 'no output')[:160]
    if status == 'skip':
        for l in lines:
            if re.search(r'skip', l, re.I):
                return l[:160]
        return (lines[-1] if lines else 'no output')[:160]
    # A failed assertion: its place and expression, and its message (the
    # last line of the block, after the stack addresses).
    for i, l in enumerate(lines):
        if 'Test Assertion Failure' in l:
            where = lines[i + 1] if i + 1 < len(lines) else ''
            msg = [m for m in lines[i + 2:] if not NOISE.match(m)]
            return (where + (' | ' + msg[-1] if msg else ''))[:200]
    useful = [l for l in lines if not NOISE.match(l)]
    return (useful[-1] if useful else 'no output')[:200]


def parse_run(lines):
    """{program: (status, reason)} from kvmst-run.sh's KTAP."""
    results = {}
    output = []
    for raw in lines:
        line = raw.rstrip()
        if START.match(line):
            output = []
            continue
        m = RESULT.match(line)
        if m:
            ok, prog, directive = m.groups()
            directive = directive or ''
            if directive.upper().startswith('SKIP'):
                status = 'skip'
            elif directive.upper().startswith('TIMEOUT'):
                status = 'timeout'
            else:
                status = 'pass' if ok == 'ok' else 'fail'
            reason = reason_of(status, output)
            if status == 'fail' and directive:
                reason = f'{directive}: {reason}'
            results[prog] = (status, reason)
            output = []
            continue
        if line.startswith('# '):
            output.append(line[2:])
    return results


def read_table(path):
    """Lines "PROGRAM WORD [REST]"; '#' starts a comment line."""
    table = {}
    if not path:
        return table
    with open(path) as f:
        for line in f:
            line = line.rstrip('\n')
            if not line.strip() or line.startswith('#'):
                continue
            parts = line.split(None, 2)
            table[parts[0]] = (parts[1] if len(parts) > 1 else '',
                               parts[2] if len(parts) > 2 else '')
    return table


def judge(label, run, expected, exceptions, gaps, only=None):
    out = []
    progs = set(only) if only is not None else set(run) | set(expected)
    for prog in sorted(progs):
        hvx_status, hvx_reason = run.get(prog, ('missing', 'did not run'))
        kvm_status, kvm_reason = expected.get(prog, ('unknown', 'not in the KVM reference'))
        name = f'{label}: kvm: {prog}'
        hvx_said = hvx_status + (f' ({hvx_reason})' if hvx_reason else '')
        kvm_said = kvm_status + (f' ({kvm_reason})' if kvm_reason else '')
        if hvx_status == 'pass':
            out.append(f'PASS {name}')
            if prog in gaps:
                print(f'# {label}: {prog} passes now: take it off the gaps list', file=sys.stderr)
        elif prog in gaps and kvm_status == 'pass':
            gap = ' '.join(gaps[prog]).strip()
            out.append(f'SKIP {name} (hvx gap, not implemented yet: {gap}; hvx: {hvx_said}; KVM: {kvm_said})')
        elif prog in exceptions:
            out.append(f'SKIP {name} (documented exception: {exceptions[prog][1] or exceptions[prog][0]}; hvx: {hvx_said})')
        elif kvm_status == 'pass' or kvm_status == 'unknown':
            out.append(f'FAIL {name} (hvx: {hvx_said}; KVM: {kvm_said})')
        elif hvx_status in ('fail', 'timeout', 'missing') and kvm_status == 'skip':
            out.append(f'FAIL {name} (hvx: {hvx_said}; KVM skips it: {kvm_reason})')
        else:
            out.append(f'SKIP {name} (hvx: {hvx_said}; KVM: {kvm_said})')
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--label')
    ap.add_argument('--expected')
    ap.add_argument('--exceptions')
    ap.add_argument('--gaps', help='programs hvx does not pass yet, with what is missing')
    ap.add_argument('--write-expected')
    ap.add_argument('--boot-rc', type=int, default=None)
    ap.add_argument('--list', help='judge only these programs (the run\'s own list)')
    ap.add_argument('serial')
    args = ap.parse_args()

    with open(args.serial, errors='replace') as f:
        lines = [l.replace('\r', '') for l in f.read().split('\n')]
    ktap_lines = ktap.section(lines, 'hvx-testbed: init start', 'hvx-testbed: dmesg begin')
    run = parse_run(ktap_lines)

    if args.write_expected:
        with open(args.write_expected, 'w') as f:
            f.write('# Linux KVM selftests on KVM itself: PROGRAM STATUS REASON\n')
            f.write('# Made by testbed/kvmst-reference.sh from a kvmst-kvmref-* run; do not edit.\n')
            for prog in sorted(run):
                status, reason = run[prog]
                f.write(f'{prog} {status}{" " + reason if reason else ""}\n')
        counts = {}
        for status, _ in run.values():
            counts[status] = counts.get(status, 0) + 1
        print(f'{args.write_expected}: ' + ', '.join(f'{n} {s}' for s, n in sorted(counts.items())))
        return 0 if run else 1

    if not args.label or not args.expected:
        ap.error('--label and --expected are needed to judge a run')
    only = None
    if args.list:
        with open(args.list) as f:
            only = [l.strip() for l in f if l.strip()]
    out = judge(args.label, run, read_table(args.expected), read_table(args.exceptions),
                read_table(args.gaps), only)
    done = any('hvx-testbed: done rc=' in l for l in lines)
    if args.boot_rc == 124:
        out.append(f'FAIL {args.label}: run finished (timed out)')
    else:
        out.append(f'{"PASS" if done else "FAIL"} {args.label}: run finished'
                   + ('' if done else ' (no "done" line: guest hung or crashed)'))
    splats = [l for l in lines if ktap.SPLATS.search(l)]
    out.append(f'{"PASS" if not splats else "FAIL"} {args.label}: kernel log clean')
    for l in splats[:20]:
        print(f'# {args.label}: kernel: {l.strip()}', file=sys.stderr)
    print('\n'.join(out))
    return 0


if __name__ == '__main__':
    sys.exit(main())
