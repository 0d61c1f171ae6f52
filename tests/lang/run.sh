#!/usr/bin/env bash
# The language test suite (tests/lang/README.md), a script of the `lang` tier of tests/run.sh.
#
# Every script must print under stock `lua5.4` exactly what is in the committed expectation:
# that proves each expectation is Lua's own output, not ours. Then the scripts run under
# `build/skiff-asan lua`. Those listed in skiff-passing.txt must match there too, and again in
# both GC torture modes (SKIFF_GC_TORTURE=1 and 2, vm/vm.h); a listed script that fails is a
# regression and fails the tier. A script not on the list is still run under skiff, but it is
# reported as "not yet" (counted as skipped, never as a pass) whatever happens, so the tree
# stays green while the VM grows; when one starts to match, the line says so and it belongs on
# the list.
#
#   tests/lang/*.lua            stdout must equal NAME.expected, exit status 0, nothing on stderr
#   tests/lang/errors/*.lua     exit status 1; the first stderr line must equal
#                               NAME.expected-stderr once the program name before the first
#                               ": " is removed from both; stdout must equal NAME.expected (or
#                               be empty when there is none)
#
#   tests/lang/run.sh [--not-yet] [NAME...]    NAME as in skiff-passing.txt: `numbers`,
#                                              `errors/const-assign`
#
# --not-yet (tests/lang/not-yet.sh) runs only the scripts not on the list, under skiff, and
# exits 77 (skip) while there is any, so tests/run.sh counts them as skipped and prints them.
set -u
mode=all
[ "${1:-}" = --not-yet ] && { mode=not-yet; shift; }
cd "$(dirname "$0")" || exit 1
# skiff has one time zone, UTC (vm/README.md); lua5.4 reads local time, so it runs in UTC too.
export TZ=UTC
lang=$PWD
skiff=$lang/../../build/skiff-asan
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

pass=0 fail=0 notyet=0
failures=()
declare -A listed=()
while read -r line; do
    line=${line%%#*}; line=${line//[[:space:]]/}
    [ -n "$line" ] && listed[$line]=1
done <skiff-passing.txt

# skiff can run Lua when `skiff lua` accepts a script at all; until then every unlisted script
# is "not yet" without being run, and a listed one fails.
skiff_ok=0
# A private copy: the tree is shared, and a rebuild may replace build/skiff-asan mid-run.
if [ -x "$skiff" ] && cp "$skiff" "$work/skiff-asan"; then
    skiff=$work/skiff-asan
    printf 'print(1)\n' >"$work/probe.lua"
    [ "$(timeout 20 "$skiff" lua "$work/probe.lua" 2>/dev/null)" = 1 ] && skiff_ok=1
fi
torture=0
grep -q SKIFF_GC_TORTURE ../../vm/vm.h 2>/dev/null && torture=1

# check NAME RUNNER...: runs NAME.lua (from its own folder, so messages name the bare file)
# and prints nothing when the result matches the expectation, else what differed.
check() {
    local name=$1; shift
    local dir=$lang base=$name status
    case $name in errors/*) dir=$lang/errors base=${name#errors/} ;; esac
    (cd "$dir" && timeout 300 "$@" "$base.lua" >"$work/out" 2>"$work/err")
    status=$?
    local want_out=/dev/null
    [ -f "$dir/$base.expected" ] && want_out=$dir/$base.expected
    if [ $status -eq 124 ]; then echo "timed out"; return; fi
    if grep -qE 'Sanitizer|runtime error:' "$work/err"; then
        echo "sanitizer report:"; head -n 20 "$work/err"; return
    fi
    case $name in
    errors/*)
        [ $status -eq 1 ] || { echo "exit status $status, want 1"; head -n 3 "$work/err"; return; }
        local got want
        got=$(head -n 1 "$work/err"); got=${got#*: }
        want=$(head -n 1 "$dir/$base.expected-stderr"); want=${want#*: }
        [ "$got" = "$want" ] || { printf 'stderr: %s\n  want: %s\n' "$got" "$want"; return; }
        ;;
    *)
        [ $status -eq 0 ] || { echo "exit status $status"; head -n 5 "$work/err"; return; }
        [ -s "$work/err" ] && { echo "stderr not empty:"; head -n 5 "$work/err"; return; }
        ;;
    esac
    if ! cmp -s "$work/out" "$want_out"; then
        echo "stdout differs (- expected, + got):"
        diff -u "$want_out" "$work/out" | sed -n '3,22p'
    fi
}

# result NAME VERDICT [DETAIL]: one line per script and run, and the counts.
result() {
    case $2 in
    pass) pass=$((pass + 1)); echo "ok      $1" ;;
    notyet) notyet=$((notyet + 1)); echo "not yet $1${3:+ ($3)}" ;;
    *) fail=$((fail + 1)); failures+=("$1"); echo "FAIL    $1"; printf '%s\n' "$3" | sed 's/^/    | /' ;;
    esac
}

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for f in *.lua errors/*.lua; do names+=("${f%.lua}"); done
fi
for name in "${listed[@]+"${!listed[@]}"}"; do
    [ -f "$name.lua" ] || { result "$name" fail "listed in skiff-passing.txt but there is no $name.lua"; }
done

if [ $mode = not-yet ]; then
    left=()
    for name in "${names[@]}"; do
        [ -n "${listed[$name]+x}" ] && continue
        left+=("$name")
        if [ $skiff_ok -eq 0 ]; then result "skiff  $name" notyet; continue; fi
        diff=$(check "$name" "$skiff" lua)
        if [ -n "$diff" ]; then result "skiff  $name" notyet "$(printf '%s' "$diff" | head -n 1)"
        else result "skiff  $name" notyet "matches now: add it to skiff-passing.txt"; fi
    done
    [ ${#left[@]} -eq 0 ] && { echo "every script is on skiff-passing.txt"; exit 0; }
    [ $skiff_ok -eq 1 ] || echo "(build/skiff-asan cannot run 'lua' yet)"
    echo "${#left[@]} scripts not yet under skiff: ${left[*]}"
    exit 77
fi

for name in "${names[@]}"; do
    diff=$(check "$name" lua5.4)
    if [ -n "$diff" ]; then result "lua5.4 $name" fail "$diff"; else result "lua5.4 $name" pass; fi

    if [ -n "${listed[$name]+x}" ]; then
        if [ $skiff_ok -eq 0 ]; then
            result "skiff  $name" fail "listed in skiff-passing.txt, but build/skiff-asan cannot run 'lua'"
            continue
        fi
        diff=$(check "$name" "$skiff" lua)
        if [ -n "$diff" ]; then result "skiff  $name" fail "$diff"; else result "skiff  $name" pass; fi
        if [ $torture -eq 1 ]; then
            # Mode 1: a full collection at every allocation; mode 2: a collector step at every
            # allocation (the incremental phases and the write barriers).
            for mode in 1 2; do
                diff=$(SKIFF_GC_TORTURE=$mode check "$name" "$skiff" lua)
                if [ -n "$diff" ]; then result "skiff-gc-torture$mode $name" fail "$diff"
                else result "skiff-gc-torture$mode $name" pass; fi
            done
        fi
    elif [ $skiff_ok -eq 0 ]; then
        result "skiff  $name" notyet "skiff lua cannot run scripts yet"
    else
        diff=$(check "$name" "$skiff" lua)
        if [ -n "$diff" ]; then result "skiff  $name" notyet "$(printf '%s' "$diff" | head -n 1)"
        else result "skiff  $name" notyet "matches now: add it to skiff-passing.txt"; fi
    fi
done

[ $torture -eq 1 ] || echo "note: vm/vm.h documents no SKIFF_GC_TORTURE yet; no torture runs"
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "$pass passed, $fail failed, $notyet not yet under skiff (skipped)"
[ $fail -eq 0 ]
