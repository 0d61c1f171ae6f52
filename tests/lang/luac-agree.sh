#!/bin/bash
# The compiler agrees with luac5.4 (lang/README.md): for every script of tests/lang/, `skiff dis`
# lists the same instructions as `luac5.4 -l -l` (pc, source line, opcode, operands, and each
# function's counts); and for erroneous inputs, `skiff build` prints the message `luac5.4 -p`
# prints. Skips (77) when luac5.4 is not installed.
set -u
command -v luac5.4 >/dev/null || { echo "luac5.4 not installed"; exit 77; }
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A private copy: the tree is shared, and a rebuild may replace build/skiff-asan mid-run.
cp ../../build/skiff-asan "$work/skiff" || exit 1
skiff=$work/skiff

# The comparable part of a listing: instruction lines without their comments, and the
# function headers without addresses.
normalize() {
    python3 -c '
import re, sys
for l in open(sys.argv[1], encoding="latin-1"):
    m = re.match(r"\t(\d+)\t\[(\d+|-)\]\t(\S+)\s*\t?([^;]*)", l)
    if m:
        print(m.group(1), m.group(2), m.group(3), m.group(4).strip())
    elif re.match(r"^(main|function) <", l):
        print(re.sub(r" \(.*", "", l.strip()))
    elif re.match(r"^\d+\+? params?", l):
        print(l.strip())
' "$1"
}

fail=0
for f in *.lua errors/*.lua; do
    [ -f "$f" ] || continue
    luac5.4 -l -l -o /dev/null "$f" >"$work/luac.txt" 2>&1 || continue
    if ! "$skiff" build -o "$work/o.skb" "$f" 2>"$work/err.txt"; then
        echo "FAIL $f: skiff build: $(cat "$work/err.txt")"; fail=1; continue
    fi
    "$skiff" dis "$work/o.skb" >"$work/skiff.txt"
    if ! diff <(normalize "$work/luac.txt") <(normalize "$work/skiff.txt") >"$work/diff.txt"; then
        echo "FAIL $f: listings differ"; head -20 "$work/diff.txt"; fail=1
    else
        echo "ok   $f"
    fi
done

# Error messages: each input as a file of its own, named as the message shows it.
errors=(
    'local x = ' 'x = = 1' $'function f()\n  return 1\n' 'local x = 3x' "print('abc"
    $'print("a\\qb")' 'x = 0x' "x = '\\xg1'" "x = '\\u{110000000}'" "x = '\\u{12'"
    "x = '\\300'" 'x = [==[ abc' '--[[ abc' 'x = [=abc' 'goto nowhere' 'break' '::a:: ::a::'
    'local x <const> = 1; x = 2' 'local x <foo> = 1' 'local a <close>, b <close> = 1, 2'
    'do goto l; local x; ::l:: print(x) end' 'for i = 1 do end' 'for i in x do' 'a.b.c'
    $'f(...)\nlocal function g() return ... end' 'if x then else elseif y then end'
    'local t = {} t.1 = 2' 'a, b() = 1, 2' 'x = 3.4.5' 'f{1, 2, x = }' 'x = $' 'return 1,'
    $'\n\n\nlocal function f()\n  if x then\n    return 1\n  end\nend\nend'
)
i=0
for src in "${errors[@]}"; do
    i=$((i + 1))
    printf '%s' "$src" >"$work/e$i.lua"
    want=$(cd "$work" && luac5.4 -p "e$i.lua" 2>&1 | sed 's/^luac5.4: //')
    got=$(cd "$work" && "$skiff" build -o out.skb "e$i.lua" 2>&1)
    if [ "$want" != "$got" ]; then
        echo "FAIL error message for $(printf '%q' "$src")"; echo "  luac5.4: $want"
        echo "  skiff:   $got"; fail=1
    fi
done
echo "$i error messages compared"
exit $fail
