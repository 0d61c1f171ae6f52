#!/usr/bin/env bash
# The heap-limit tests, a script of the `heap` tier of tests/run.sh: scripts that run the VM
# out of memory on purpose, under `build/skiff-asan lua --heap=SIZE`, SIZE from each script's
# first line (`-- heap: 2M`).
#
#   tests/heap/*.lua    stdout, less the lines starting with "# ", must equal NAME.expected;
#                       exit status 0 and nothing on stderr. The "# " lines are figures (memory
#                       in use at each exhaustion and after collecting); this script prints
#                       them, so they land in the tier's log.
#
# Why the expectations are not lua5.4's own output, as tests/lang's are: lua5.4 has no heap
# cap, so these scripts would allocate until the machine ran out. Each .expected was written
# by reasoning, from what Lua 5.4 defines: a memory error is the string "not enough memory"
# with no position, pcall and coroutine.resume return it as false, msg, a coroutine that died
# of it is "dead"; the results of the ordinary work are worked out in the scripts' comments.
# What the scripts measure (memory given back, the heap not shrinking) they print as true or
# false against a bound stated beside the check.
#
# Also: `skiff lua --heap=...` refuses a bad size with the boot argument's bounds, exit 2.
set -u
cd "$(dirname "$0")" || exit 1
skiff=../../build/skiff-asan
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A private copy: the tree is shared, and a rebuild may replace build/skiff-asan mid-run.
cp "$skiff" "$work/skiff-asan" || { echo "no $skiff: make build/skiff-asan"; exit 1; }
skiff=$work/skiff-asan

# Each script runs plainly and with a collector step at every allocation (SKIFF_GC_TORTURE=2,
# vm/vm.h); these too with a full collection at every allocation (SKIFF_GC_TORTURE=1), which
# costs 10 to 30 seconds each under ASan; fragment.lua's 640 exhaustions would take hours.
full_torture=(coroutines exhaust)

pass=0 fail=0
# check NAME CAP TORTURE: runs NAME.lua, compares, prints the figures and one result line.
check() {
    local name=$1 cap=$2 torture=$3 status label
    label="$name (--heap=$cap${torture:+, SKIFF_GC_TORTURE=$torture})"
    SKIFF_GC_TORTURE=$torture timeout 900 "$skiff" lua --heap="$cap" "$name.lua" \
        >"$work/out" 2>"$work/err"
    status=$?
    grep '^# ' "$work/out" | sed "s/^/$name${torture:+ (torture $torture)} /"
    grep -v '^# ' "$work/out" >"$work/got"
    if [ $status -ne 0 ] || [ -s "$work/err" ] || ! cmp -s "$work/got" "$name.expected"; then
        echo "FAIL $label: exit status $status"
        diff "$name.expected" "$work/got" | head -n 20
        head -n 40 "$work/err"
        fail=$((fail + 1))
    else
        echo "ok   $label"
        pass=$((pass + 1))
    fi
}

for lua in *.lua; do
    name=${lua%.lua}
    cap=$(sed -n '1s/^-- heap: *\([0-9]*[KMG]\?\)$/\1/p' "$lua")
    if [ -z "$cap" ]; then
        echo "FAIL $name: first line must be '-- heap: SIZE'"; fail=$((fail + 1)); continue
    fi
    check "$name" "$cap" ""
    check "$name" "$cap" 2
    for f in "${full_torture[@]}"; do [ "$f" = "$name" ] && check "$name" "$cap" 1; done
done

# refuse SIZE MESSAGE: --heap=SIZE must exit 2 with MESSAGE on stderr.
printf 'print(1)\n' >"$work/one.lua"
refuse() {
    local msg
    msg=$("$skiff" lua --heap="$1" "$work/one.lua" 2>&1 >/dev/null)
    local status=$?
    if [ $status -eq 2 ] && [ "$msg" = "$2" ]; then
        echo "ok   --heap=$1 refused"; pass=$((pass + 1))
    else
        echo "FAIL --heap=$1: exit status $status, said '$msg', want '$2'"; fail=$((fail + 1))
    fi
}
refuse 64K "skiff: --heap=64K: must be 1M..4G"
refuse 5G "skiff: --heap=5G: must be 1M..4G"
refuse 1048575 "skiff: --heap=1048575: must be 1M..4G"
refuse 2X "skiff: --heap=2X: must be 1M..4G"
refuse "" "skiff: --heap=: must be 1M..4G"
refuse 4294967297 "skiff: --heap=4294967297: must be 1M..4G"
# The optimised build for the largest heap: under ASan, setting up 4 GiB poisons 512 MiB of
# shadow memory.
cp ../../build/skiff "$work/skiff" || { echo "no build/skiff: make build/skiff"; exit 1; }
for size in 1M 1048576 4G; do
    if [ "$("$work/skiff" lua --heap="$size" "$work/one.lua" 2>&1)" = 1 ]; then
        echo "ok   --heap=$size accepted"; pass=$((pass + 1))
    else
        echo "FAIL --heap=$size was not accepted"; fail=$((fail + 1))
    fi
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
