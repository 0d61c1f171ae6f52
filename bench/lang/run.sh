#!/usr/bin/env bash
# shellcheck disable=SC2154  # measure() sets lua_ms, skiff_ir, ... by name (printf -v)
# The language benchmarks (bench/lang/README.md), `make bench-lang`: each program runs under
# `build/skiff lua` (the optimised build) and under stock `lua5.4` in the same run, once for the
# wall time and once under `valgrind --tool=callgrind` for the instruction count (total Ir).
# The table gives both for each program, the ratio skiff/lua5.4 of each, and the geometric mean
# of the ratios. Each program prints a checksum line; when skiff's differs from lua5.4's, the
# row says so and is left out of the means. Until `skiff lua` can run a script, the skiff
# columns read n/a.
#
#   bench/lang/run.sh [PROGRAM...]     default: every program in SIZES below
set -u
cd "$(dirname "$0")" || exit 1
skiff=../../build/skiff
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Program and size argument, chosen so the whole run (callgrind included) takes a few minutes.
SIZES=(fib:30 binary-trees:13 n-body:50000 spectral-norm:200 fannkuch:9
    strings:50000 tables:50000 closures:500000 methods:500000)

command -v lua5.4 >/dev/null || { echo "lua5.4 missing: make deps"; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind missing: make deps"; exit 1; }
skiff_ok=0
# A private copy: the tree is shared, and a rebuild may replace build/skiff mid-run.
if [ -x "$skiff" ] && cp "$skiff" "$work/skiff"; then
    skiff=$work/skiff
    printf 'print(1)\n' >"$work/probe.lua"
    [ "$(timeout 20 "$skiff" lua "$work/probe.lua" 2>/dev/null)" = 1 ] && skiff_ok=1
fi

# measure TAG PROGRAM SIZE RUNNER...: sets <TAG>_ms (wall milliseconds, best of 3), <TAG>_ir
# (callgrind's total Ir) and <TAG>_out (the checksum line); empty values when the run failed.
measure() {
    local tag=$1 prog=$2 size=$3; shift 3
    local best="" start end ms out ir
    for _ in 1 2 3; do
        start=$(date +%s%N)
        out=$(timeout 300 "$@" "$prog.lua" "$size" 2>"$work/err") || { out=""; break; }
        end=$(date +%s%N)
        ms=$(((end - start) / 1000000))
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    ir=""
    if [ -n "$out" ]; then
        timeout 900 valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" \
            "$@" "$prog.lua" "$size" >/dev/null 2>"$work/vg"
        ir=$(sed -n 's/^==[0-9]*== Collected : *\([0-9]*\).*/\1/p' "$work/vg" | tail -n 1)
    fi
    printf -v "${tag}_ms" '%s' "$best"
    printf -v "${tag}_ir" '%s' "$ir"
    printf -v "${tag}_out" '%s' "$out"
}

progs=("$@")
if [ ${#progs[@]} -eq 0 ]; then for e in "${SIZES[@]}"; do progs+=("${e%%:*}"); done; fi

printf '%-14s %8s %10s %10s %7s %14s %14s %7s  %s\n' program size "lua ms" "skiff ms" ratio \
    "lua Ir" "skiff Ir" ratio note
log_time=0 log_ir=0 rows=0
for prog in "${progs[@]}"; do
    size=""
    for e in "${SIZES[@]}"; do [ "${e%%:*}" = "$prog" ] && size=${e#*:}; done
    if [ -z "$size" ] || [ ! -f "$prog.lua" ]; then echo "no such benchmark: $prog"; exit 1; fi
    measure lua "$prog" "$size" lua5.4
    note=""
    [ -n "$lua_out" ] || note="lua5.4 failed: $(head -n 1 "$work/err")"
    skiff_ms=n/a skiff_ir=n/a t_ratio=n/a i_ratio=n/a
    if [ $skiff_ok -eq 1 ] && [ -n "$lua_out" ]; then
        measure skiff "$prog" "$size" "$skiff" lua
        if [ -z "$skiff_out" ]; then
            note="skiff failed: $(head -n 1 "$work/err")"; skiff_ms=fail skiff_ir=fail
        elif [ "$skiff_out" != "$lua_out" ]; then
            note="output differs: skiff printed '$skiff_out'"
        elif [ -z "$skiff_ir" ] || [ -z "$lua_ir" ]; then
            note="callgrind gave no count: $(grep -m 1 -v '^==' "$work/vg")"
            skiff_ir=${skiff_ir:-fail}
        else
            t_ratio=$(awk -v a="$skiff_ms" -v b="$lua_ms" 'BEGIN { printf "%.2f", (a > 0 ? a : 1) / (b > 0 ? b : 1) }')
            i_ratio=$(awk -v a="$skiff_ir" -v b="$lua_ir" 'BEGIN { printf "%.3f", a / b }')
            log_time=$(awk -v s="$log_time" -v r="$t_ratio" 'BEGIN { printf "%.9f", s + log(r) }')
            log_ir=$(awk -v s="$log_ir" -v r="$i_ratio" 'BEGIN { printf "%.9f", s + log(r) }')
            rows=$((rows + 1))
        fi
    fi
    printf '%-14s %8s %10s %10s %7s %14s %14s %7s  %s\n' "$prog" "$size" "${lua_ms:-fail}" \
        "$skiff_ms" "$t_ratio" "${lua_ir:-fail}" "$skiff_ir" "$i_ratio" "${note:-$lua_out}"
done
if [ $rows -gt 0 ]; then
    awk -v t="$log_time" -v i="$log_ir" -v n="$rows" 'BEGIN {
        printf "geometric mean of skiff/lua5.4 over %d programs: time %.3f, instructions %.3f\n",
            n, exp(t / n), exp(i / n) }'
else
    echo "geometric mean: n/a (no program ran under skiff lua with lua5.4's output)"
fi
