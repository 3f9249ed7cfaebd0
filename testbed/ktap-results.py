#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Turn one test run's output into result lines for the summary.

    ktap-results.py --label NAME [--serial] [--boot-rc N] FILE >> results

FILE is either plain KTAP (kselftest runner output, as selftests/run_tests.sh
prints it) or, with --serial, a testbed's serial console log, which holds that
KTAP between "hvx-testbed: init start" and "hvx-testbed: dmesg begin" and the
guest kernel's whole log after it. With --powered-off (the poweroff-* and
reboot-* stages) the run ends not with a "done" line but with the guest's
"... -f with VMs running" and the kernel's "reboot: Power down" (or
"Restarting system"), and the kernel messages printed live up to then count.

Each line written is "PASS|FAIL|SKIP <label>: <test>". Every test case in a
nested KTAP document counts once. A program that fails without a failing test
case (a crash, a wrong plan) counts as one failure of its own. For a serial log
two more checks count: the run reached its end (no timeout, no hang), and the
kernel log holds no WARN/BUG/Oops-style splat.
"""
import argparse
import re
import sys

RESULT = re.compile(r'^(not ok|ok) (\d+)\s*-?\s*([^#]*?)\s*(?:#\s*(.*))?$')
PLAN = re.compile(r'^1\.\.(\d+)')
# Lines a healthy kernel never prints. Matched anywhere in the console log.
SPLATS = re.compile(
    r'WARNING:|(?<![A-Za-z_])BUG:|Oops|general protection|scheduling while atomic|'
    r'Call Trace:|kernel BUG|UBSAN:|KASAN:|possible circular locking|'
    r'possible recursive locking|inconsistent lock state|'
    r'rcu: INFO:|detected stall|blocked for more than|Kernel panic|'
    r'list_add corruption|list_del corruption|refcount_t:|double fault|'
    r'invalid opcode:|, and not by hvx')
# --powered-off: the guest's announcement, then the kernel's last words.
POWEROFF_START = 'with VMs running (rc='
POWEROFF_END = re.compile(r'reboot: (Power down|Restarting system)|kexec_core: Starting new kernel|'
                          r'sysrq: Resetting')


class Results:
    def __init__(self, label):
        self.label = label
        self.lines = []
        self.failures = 0

    def add(self, verdict, name):
        self.lines.append(f'{verdict} {self.label}: {name}')
        self.failures += verdict == 'FAIL'


def strip_prefix(line):
    """One level of KTAP nesting: '# ' (kselftest) or 4 spaces (KTAP v1)."""
    if line.startswith('# '):
        return line[2:]
    if line.startswith('    '):
        return line[4:]
    return None


def parse_ktap(lines):
    """Parse one KTAP document; return (plan, results) of its own level."""
    plan = None
    results = []
    nested = []
    for raw in lines:
        line = raw.rstrip()
        inner = strip_prefix(line)
        if inner is not None and not inner.startswith('#') and \
                (RESULT.match(inner) or PLAN.match(inner) or
                 inner.startswith('TAP version') or inner.startswith('KTAP version') or
                 strip_prefix(inner) is not None):
            nested.append(inner)
            continue
        m = PLAN.match(line)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = RESULT.match(line)
        if m:
            ok, num, name, directive = m.groups()
            results.append((ok == 'ok', int(num), name.strip(), directive or '', nested))
            nested = []
    return plan, results


def count(lines, res, prefix=''):
    """Count test cases; returns True if this level was well formed."""
    plan, results = parse_ktap(lines)
    well_formed = True
    if plan is None:
        res.add('FAIL', f'{prefix}KTAP plan missing (no test ran?)')
        well_formed = False
    elif plan != len(results):
        res.add('FAIL', f'{prefix}plan says {plan} tests, {len(results)} reported')
        well_formed = False
    for ok, num, name, directive, nested in results:
        skip = directive.upper().startswith('SKIP')
        if nested:
            sub = f'{prefix}{name.replace("selftests: hvx: ", "")}: '
            failures_before, lines_before = res.failures, len(res.lines)
            count(nested, res, sub)
            if not ok and res.failures == failures_before:
                res.add('FAIL', f'{sub}program failed ({directive or "non-zero exit"})')
            elif skip and len(res.lines) == lines_before:
                # A whole program skipped ("1..0 # SKIP why"): one SKIP
                # line with its reason, so the summary shows it.
                why = [l.split('#', 1)[1].strip() for l in nested
                       if PLAN.match(l) and '#' in l]
                res.add('SKIP', f'{sub}whole program ({why[0] if why else directive})')
        elif skip:
            res.add('SKIP', f'{prefix}{name} ({directive})')
        else:
            res.add('PASS' if ok else 'FAIL', f'{prefix}{name}')
    return well_formed


def section(lines, start, end):
    """Lines strictly between the first line containing start and end."""
    out, inside = [], False
    for line in lines:
        if start in line:
            inside = True
            continue
        if end in line and inside:
            break
        if inside:
            out.append(line)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--label', required=True)
    ap.add_argument('--serial', action='store_true')
    ap.add_argument('--boot-rc', type=int, default=None,
                    help='exit code of testbed/boot.sh (124: timeout)')
    ap.add_argument('--powered-off', action='store_true',
                    help='the run ends with poweroff -f / reboot -f (poweroff-* stages), '
                         'not a "done" line')
    ap.add_argument('file')
    args = ap.parse_args()

    with open(args.file, errors='replace') as f:
        lines = [l.replace('\r', '') for l in f.read().split('\n')]
    res = Results(args.label)

    if args.serial:
        ktap = section(lines, 'hvx-testbed: init start', 'hvx-testbed: dmesg begin')
        count(ktap, res)
        done = any('hvx-testbed: done rc=' in l for l in lines)
        if args.boot_rc == 124:
            res.add('FAIL', 'run finished (timed out)')
        elif args.powered_off:
            # No "done" line: the run ends with the host going down.
            start = next((i for i, l in enumerate(lines)
                          if l.startswith('hvx-testbed: ') and POWEROFF_START in l), None)
            end = start is not None and any(POWEROFF_END.search(l) for l in lines[start:])
            res.add('PASS' if end else 'FAIL',
                    'powered off with VMs running' + ('' if end else
                    ' (no "reboot: Power down/Restarting system" or "kexec_core: Starting new kernel" line after the announcement)'))
        else:
            res.add('PASS' if done else 'FAIL',
                    'run finished' + ('' if done else ' (no "done" line: guest hung or crashed)'))
        splats = [l for l in lines if SPLATS.search(l)]
        res.add('PASS' if not splats else 'FAIL', 'kernel log clean')
        for l in splats[:20]:
            print(f'# {args.label}: kernel: {l.strip()}', file=sys.stderr)
    else:
        count(lines, res)

    print('\n'.join(res.lines))


if __name__ == '__main__':
    main()
