#!/usr/bin/env bash
# Runs every test tier that exists, cheapest first (DESIGN.md section 9), and ends with one
# line: "N passed, N failed[, N skipped]". Exit status 0 only if nothing failed.
#
#   tests/run.sh [TIER...]     tiers: layers unit lang heap replay live qemu (default: all)
#
# A tier is a folder of tests: cmocka programs built from tests/<module>/test_*.c (tier unit,
# one result per test case), or executable scripts tests/<tier>/*.sh (one result each; exit 0
# passes, 77 skips, anything else fails). Each test's output goes to build/test-logs/; a
# failure prints its last lines.
set -u
cd "$(dirname "$0")/.."
logs=build/test-logs
mkdir -p "$logs"
passed=0 failed=0 skipped=0
failures=()

report() { # name status(pass|fail|skip) seconds log
    case $2 in
    pass) passed=$((passed + 1)); printf 'PASS %s (%ss)\n' "$1" "$3" ;;
    skip) skipped=$((skipped + 1)); printf 'SKIP %s: %s\n' "$1" "$(tail -n 1 "$4")" ;;
    *) failed=$((failed + 1)); failures+=("$1"); printf 'FAIL %s (%ss)\n' "$1" "$3"
       tail -n 25 "$4" | sed 's/^/    | /' ;;
    esac
}

run_layers() {
    local log=$logs/layers.log tool=../shared/tools/layers
    if [ ! -f "$tool" ]; then
        echo "no ../shared/tools/layers beside this checkout" >"$log"; report layers skip 0 "$log"
    elif python3 "$tool" . >"$log" 2>&1; then report layers pass 0 "$log"
    else report layers fail 0 "$log"; fi
}

run_unit() {
    local t name log start n_ok n_bad
    for t in build/tests/test_*; do
        [ -x "$t" ] || continue
        name=unit/$(basename "$t"); log=$logs/$(basename "$t").log; start=$SECONDS
        timeout 300 "$t" >"$log" 2>&1
        local status=$?
        # cmocka's stdout and stderr interleave, so its summary need not start a line.
        n_ok=$(grep -o '\[  PASSED  \] [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*$')
        n_bad=$(grep -o '\[  FAILED  \] [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*$')
        passed=$((passed + ${n_ok:-0}))
        if [ "${n_bad:-0}" -gt 0 ] || [ $status -ne 0 ] || [ -z "$n_ok" ]; then
            failed=$((failed + ${n_bad:-1})); failures+=("$name")
            printf 'FAIL %s (%ss)\n' "$name" $((SECONDS - start))
            tail -n 25 "$log" | sed 's/^/    | /'
        else
            printf 'PASS %s: %s cases (%ss)\n' "$name" "$n_ok" $((SECONDS - start))
        fi
    done
}

run_scripts() { # tier
    local t name log start status
    for t in tests/"$1"/*.sh; do
        [ -f "$t" ] || continue
        name=$1/$(basename "$t" .sh); log=$logs/$1-$(basename "$t" .sh).log; start=$SECONDS
        timeout 900 bash "$t" >"$log" 2>&1
        status=$?
        if [ $status -eq 0 ]; then report "$name" pass $((SECONDS - start)) "$log"
        elif [ $status -eq 77 ]; then report "$name" skip 0 "$log"
        else echo "exit status $status" >>"$log"; report "$name" fail $((SECONDS - start)) "$log"; fi
    done
}

tiers=("$@")
[ ${#tiers[@]} -eq 0 ] && tiers=(layers unit lang heap replay live qemu)
for tier in "${tiers[@]}"; do
    echo "== $tier"
    case $tier in
    layers) run_layers ;;
    unit) run_unit ;;
    *) run_scripts "$tier" ;;
    esac
done

[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
if [ $skipped -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"
else echo "$passed passed, $failed failed"; fi
[ $failed -eq 0 ]
