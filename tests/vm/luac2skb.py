#!/usr/bin/env python3
"""Converts luac5.4's output into a .skb bundle (docs/bytecode.md), so the VM's tests can run
real compiled programs independently of lang/: the instruction sets are the same (Lua 5.4's),
only the container differs. Usage: luac2skb.py IN.luac OUT.skb [module-name]"""
import struct
import sys


class R:
    def __init__(self, b):
        self.b, self.i = b, 0

    def byte(self):
        v = self.b[self.i]
        self.i += 1
        return v

    def raw(self, n):
        v = self.b[self.i:self.i + n]
        self.i += n
        return v

    def size(self):
        x = 0
        while True:
            b = self.byte()
            x = (x << 7) | (b & 0x7f)
            if b & 0x80:
                return x

    def string(self):
        n = self.size()
        if n == 0:
            return None
        return self.raw(n - 1)


def func(r, psource):
    f = {}
    src = r.string()
    f['source'] = src if src is not None else psource
    f['linedefined'] = r.size()
    f['lastlinedefined'] = r.size()
    f['numparams'], f['is_vararg'], f['maxstack'] = r.byte(), r.byte(), r.byte()
    n = r.size()
    f['code'] = list(struct.unpack('<%dI' % n, r.raw(4 * n)))
    ks = []
    for _ in range(r.size()):
        t = r.byte()
        if t == 0:
            ks.append((0, b''))
        elif t == 1:
            ks.append((1, b''))
        elif t == 17:
            ks.append((2, b''))
        elif t == 3:
            ks.append((3, r.raw(8)))
        elif t == 19:
            ks.append((4, r.raw(8)))
        elif t in (4, 20):
            s = r.string() or b''
            ks.append((5 if len(s) <= 40 else 6, s))
        else:
            raise SystemExit('unknown constant tag %d' % t)
    f['k'] = ks
    f['up'] = [(r.byte(), r.byte(), r.byte()) for _ in range(r.size())]
    f['p'] = [func(r, f['source']) for _ in range(r.size())]
    n = r.size()
    deltas = [struct.unpack('b', bytes([x]))[0] for x in r.raw(n)]
    absl = {}
    for _ in range(r.size()):
        pc = r.size()
        absl[pc] = r.size()
    lines, line = [], f['linedefined']
    for pc, d in enumerate(deltas):
        if d == -128:
            line = absl[pc]
        else:
            line += d
        lines.append(line)
    f['lines'] = lines
    f['locvars'] = []
    for _ in range(r.size()):
        name = r.string() or b''
        f['locvars'].append((name, r.size(), r.size()))
    f['upnames'] = [r.string() or b'' for _ in range(r.size())]
    return f


def s(b):
    return struct.pack('<I', len(b)) + b


def emit(f):
    o = s(f['source'] or b'=?')
    o += struct.pack('<IIBBB', f['linedefined'], f['lastlinedefined'], f['numparams'],
                     f['is_vararg'], f['maxstack'])
    o += struct.pack('<I', len(f['code'])) + b''.join(struct.pack('<I', i) for i in f['code'])
    o += struct.pack('<I', len(f['k']))
    for tag, payload in f['k']:
        o += bytes([tag])
        if tag in (3, 4):
            o += payload
        elif tag in (5, 6):
            o += s(payload)
    o += struct.pack('<I', len(f['up'])) + b''.join(bytes(u) for u in f['up'])
    o += struct.pack('<I', len(f['p'])) + b''.join(emit(p) for p in f['p'])
    lines = f['lines'] if len(f['lines']) == len(f['code']) else []
    o += struct.pack('<I', len(lines)) + b''.join(struct.pack('<I', x) for x in lines)
    o += struct.pack('<I', len(f['locvars']))
    for name, a, b in f['locvars']:
        o += s(name) + struct.pack('<II', a, b)
    names = f['upnames'] if len(f['upnames']) == len(f['up']) else []
    o += struct.pack('<I', len(names)) + b''.join(s(n) for n in names)
    return o


def main():
    data = open(sys.argv[1], 'rb').read()
    r = R(data)
    if r.raw(4) != b'\x1bLua' or r.byte() != 0x54:
        raise SystemExit('not Lua 5.4 bytecode')
    r.raw(1 + 6 + 3 + 8 + 8)
    r.byte()  # number of upvalues of the main closure
    f = func(r, None)
    name = sys.argv[3].encode() if len(sys.argv) > 3 else b'main'
    out = b'\x1bSkb' + struct.pack('<HBBBB', 1, 4, 8, 8, 0) + struct.pack('<q', 0x5678)
    out += struct.pack('<d', 370.5) + struct.pack('<I', 1) + s(name) + emit(f)
    open(sys.argv[2], 'wb').write(out)


main()
