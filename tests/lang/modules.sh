#!/usr/bin/env bash
# Multi-module programs and require (vm/lib_package.c), a script of the `lang` tier of
# tests/run.sh. Each folder tests/lang/modules/CASE/ is one program: main.lua is the entry and
# every other .lua file under the folder a module ("lib/util.lua" is "lib.util"). skiff runs
# it as a bundle:
#
#   build/skiff-asan build -o app.skb main.lua ./lib/util.lua ...    (from inside CASE/)
#   build/skiff-asan lua app.skb                  (and with SKIFF_GC_TORTURE=1, then =2)
#
# Modules are named "./lib/util.lua" on the command line so that their messages read as
# lua5.4's do, whose package.path finds the same file as "./lib/util.lua".
#
# Expectations, in CASE/:
#   expected, expected-stderr              what `lua5.4 main.lua` prints (run from CASE/);
#                                          lua5.4 must print it, and so must skiff.
#   skiff.expected, skiff.expected-stderr  skiff's own text where Lua's differs by design (a
#                                          missing module: lua5.4 lists the files it tried).
# A stderr expectation holds the error message (the lines before "stack traceback:") with the
# program name before the first ": " removed; the program must then exit with status 1, else
# with 0 and an empty stderr. Generate expectations with lua5.4, never by hand:
#   cd tests/lang/modules/CASE && lua5.4 main.lua >expected
#   cd tests/lang/modules/CASE && lua5.4 main.lua 2>&1 >/dev/null |
#       sed '/^stack traceback:/,$d; 1s/^[^:]*: //' >expected-stderr
#
#   tests/lang/modules.sh [CASE...]
set -u
cd "$(dirname "$0")/modules" || exit 1
export TZ=UTC
here=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A private copy: the tree is shared, and a rebuild may replace build/skiff-asan mid-run.
cp ../../../build/skiff-asan "$work/skiff" || { echo "no build/skiff-asan"; exit 1; }
skiff=$work/skiff
command -v lua5.4 >/dev/null || { echo "lua5.4 not installed (make deps)"; exit 1; }

pass=0 fail=0
failures=()

# run CASE WHO...: runs the program of CASE with the command WHO (from CASE/), leaving its
# stdout in $work/out, its message in $work/msg and its exit status in $work/status.
run() {
    local case=$1; shift
    (cd "$here/$case" && timeout 300 "$@" >"$work/out" 2>"$work/err")
    echo $? >"$work/status"
    sed '/^stack traceback:/,$d; 1s/^[^:]*: //' "$work/err" >"$work/msg"
}

# verdict CASE EXPECTED-STDOUT EXPECTED-STDERR: prints nothing when the last run matched.
verdict() {
    local status
    status=$(cat "$work/status")
    if [ "$status" -eq 124 ]; then echo "timed out"; return; fi
    if grep -qE 'Sanitizer|runtime error:' "$work/err"; then
        echo "sanitizer report:"; head -n 20 "$work/err"; return
    fi
    if [ -f "$3" ]; then
        [ "$status" -eq 1 ] || {
            echo "exit status $status, want 1"; head -n 3 "$work/err"; return; }
        cmp -s "$work/msg" "$3" || { echo "error message differs (- expected, + got):"
            diff -u "$3" "$work/msg" | sed -n '3,22p'; return; }
    else
        [ "$status" -eq 0 ] || { echo "exit status $status"; head -n 5 "$work/err"; return; }
        [ -s "$work/err" ] && { echo "stderr not empty:"; head -n 5 "$work/err"; return; }
    fi
    local want=/dev/null
    [ -f "$2" ] && want=$2
    cmp -s "$work/out" "$want" || { echo "stdout differs (- expected, + got):"
        diff -u "$want" "$work/out" | sed -n '3,22p'; }
}

result() { # NAME DIFF
    if [ -z "$2" ]; then pass=$((pass + 1)); echo "ok      $1"
    else
        fail=$((fail + 1)); failures+=("$1"); echo "FAIL    $1"
        printf '%s\n' "$2" | sed 's/^/    | /'
    fi
}

cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
    for d in */; do cases+=("${d%/}"); done
fi
for case in "${cases[@]}"; do
    dir=$here/$case
    [ -f "$dir/main.lua" ] || { result "$case" "no $case/main.lua"; continue; }
    if [ -f "$dir/expected" ] || [ -f "$dir/expected-stderr" ]; then
        want=$dir/expected want_err=$dir/expected-stderr
        run "$case" lua5.4 main.lua
        result "lua5.4 $case" "$(verdict "$case" "$want" "$want_err")"
    elif [ -f "$dir/skiff.expected" ] || [ -f "$dir/skiff.expected-stderr" ]; then
        want=$dir/skiff.expected want_err=$dir/skiff.expected-stderr
    else
        result "$case" "no expectation (expected, expected-stderr, skiff.expected...)"; continue
    fi
    mods=()
    while IFS= read -r f; do mods+=("$f"); done < <(
        cd "$dir" && find . -name '*.lua' ! -path ./main.lua | LC_ALL=C sort)
    if ! (cd "$dir" && "$skiff" build -o "$work/app.skb" main.lua "${mods[@]}") \
        >"$work/build" 2>&1; then
        result "skiff  $case" "skiff build failed: $(head -n 3 "$work/build")"; continue
    fi
    run "$case" "$skiff" lua "$work/app.skb"
    result "skiff  $case" "$(verdict "$case" "$want" "$want_err")"
    # As tests/lang/run.sh: torture mode 1, a full collection at every allocation; mode 2, a
    # collector step at every allocation (vm/vm.h).
    for mode in 1 2; do
        run "$case" env SKIFF_GC_TORTURE=$mode "$skiff" lua "$work/app.skb"
        result "skiff-gc-torture$mode $case" "$(verdict "$case" "$want" "$want_err")"
    done
done

[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
