#!/usr/bin/env python3
"""Per-instruction perf samples of JIT-compiled methods, without hsdis.

Usage: jit_annotate.py JIT_OUTPUT PERF_DATA [METHOD_SUBSTRING]

JIT_OUTPUT is what -XX:CompileCommand=print wrote (HotSpot prints the machine code as hex when it
has no disassembler); PERF_DATA a perf record of the same process. For each C2 method that has
samples, prints its share and its hottest instructions (TOP, default 25), or every instruction
with ALL=1, disassembled by objdump. A sample usually lands on the instruction after the one
that kept the core waiting (a load that missed, say).
"""
import collections
import os
import re
import subprocess
import sys
import tempfile


def compiled_methods(path):
    """Each compiled method printed: its name, tier, code bytes by address and comments."""
    methods, cur = [], None
    for line in open(path, errors='replace'):
        m = re.match(r'Compiled method \((c\d)\)\s+\d+\s+\d+\s+(%?)\s*\d\s+(\S+)', line)
        if m:
            cur = {'name': m.group(3) + (' (OSR)' if m.group(2) else ''), 'tier': m.group(1),
                   'code': {}, 'notes': collections.defaultdict(list)}
            methods.append(cur)
            continue
        m = re.match(r'\s+0x([0-9a-f]+): (.*)$', line) if cur else None
        if not m:
            continue
        addr, rest = int(m.group(1), 16), m.group(2)
        if rest.startswith(';'):
            cur['notes'][addr].append(rest.strip())
            continue
        hexes = re.sub(r'[^0-9a-f]', '', rest.split(';')[0])
        for i in range(len(hexes) // 2):
            cur['code'][addr + i] = int(hexes[2 * i:2 * i + 2], 16)
    return [m for m in methods if m['code'] and m['tier'] == 'c2']


def samples(perf_data):
    out = subprocess.run(['perf', 'script', '-i', perf_data, '-F', 'ip', '-G'],
                         capture_output=True, text=True, check=True).stdout
    ips = collections.Counter()
    for word in out.split():
        try:
            ips[int(word, 16)] += 1
        except ValueError:
            pass
    return ips


def disassemble(method, lo, hi):
    with tempfile.NamedTemporaryFile(suffix='.bin') as f:
        f.write(bytes(method['code'].get(a, 0x90) for a in range(lo, hi)))
        f.flush()
        text = subprocess.run(['objdump', '-D', '-b', 'binary', '-mi386:x86-64', '--adjust-vma=0x%x' % lo, f.name],
                              capture_output=True, text=True, check=True).stdout
    lines = []
    for line in text.splitlines():
        m = re.match(r'\s*([0-9a-f]+):\t(.*)', line)
        if m:
            lines.append((int(m.group(1), 16), re.sub(r'\s+', ' ', m.group(2).split('\t')[-1])))
    return lines


def main():
    jit, perf_data = sys.argv[1], sys.argv[2]
    want = sys.argv[3] if len(sys.argv) > 3 else None
    top = int(os.environ.get('TOP', '25'))
    ips = samples(perf_data)
    total = sum(ips.values()) or 1
    for method in compiled_methods(jit):
        if want and want not in method['name']:
            continue
        lo, hi = min(method['code']), max(method['code']) + 1
        n = sum(c for a, c in ips.items() if lo <= a < hi)
        if n == 0:
            continue
        print('== %s: %.2f %% of the samples' % (method['name'], 100.0 * n / total))
        lines = disassemble(method, lo, hi)
        rows = []
        for i, (addr, text) in enumerate(lines):
            end = lines[i + 1][0] if i + 1 < len(lines) else hi
            rows.append((addr, text, sum(ips.get(a, 0) for a in range(addr, end)),
                         ' '.join(method['notes'].get(addr, []))[:60]))
        shown = rows if os.environ.get('ALL') else sorted(sorted(rows, key=lambda r: -r[2])[:top])
        for addr, text, count, note in shown:
            share = '%5.1f' % (100.0 * count / n) if count else '     '
            print('%s %x: %s %s' % (share, addr, text, note))


if __name__ == '__main__':
    main()
