#!/usr/bin/env bash
# Input the replay must refuse, each with a message and exit status 2 (no crash, no output
# written as if all were well): a missing trace, a truncated one (cut inside a frame and
# inside the file header), a file that is not a pcap, a trace of another link type; and bad
# command lines: a boot argument out of bounds, an unknown key, a missing -o. Also that --help
# lists every key of the BOOTARGS table and --version answers.
set -u
cd "$(dirname "$0")/../.."
skiff=build/skiff-asan
gen=build/tests/tools/gen_malformed
for b in "$skiff" "$gen"; do [ -x "$b" ] || { echo "$b missing: make $b"; exit 1; }; done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

# expect_refusal NAME PATTERN ARGS...: skiff ARGS must exit 2 with PATTERN (grep -E) on stderr.
expect_refusal() {
    local name=$1 pattern=$2; shift 2
    "$skiff" "$@" >"$work/out" 2>"$work/err"
    local status=$?
    if [ $status -ne 2 ]; then
        echo "FAIL $name: exit status $status, want 2"; cat "$work/err"; failed=1
    elif grep -E 'Sanitizer|runtime error' "$work/err"; then
        echo "FAIL $name: sanitizer report"; failed=1
    elif ! grep -qE "$pattern" "$work/err"; then
        echo "FAIL $name: message does not match '$pattern':"; cat "$work/err"; failed=1
    else
        echo "ok $name: $(head -n 1 "$work/err")"
    fi
}

head -c 90 traces/ping.pcap >"$work/cut-frame.pcap"    # 24-byte file header, 16 + 50 of 60
head -c 34 traces/ping.pcap >"$work/cut-record.pcap"   # 24-byte file header, 10 of 16
head -c 10 traces/ping.pcap >"$work/cut-header.pcap"
cp traces/ping.pcap "$work/corrupt.pcap"              # first frame's caplen: 4 GiB - 1
printf '\xff\xff\xff\xff' | dd of="$work/corrupt.pcap" bs=1 seek=32 conv=notrunc status=none
: >"$work/empty.pcap"
echo "this is not a capture" >"$work/text.pcap"
"$gen" --raw-ip "$work/raw.pcap" || { echo "FAIL: gen_malformed --raw-ip"; exit 1; }

r() { echo replay "$1" -o "$work/o.pcap"; }
expect_refusal missing "'$work/none.pcap'.*No such file" $(r "$work/none.pcap")
expect_refusal truncated-frame "'$work/cut-frame.pcap' is truncated" $(r "$work/cut-frame.pcap")
expect_refusal truncated-record "'$work/cut-record.pcap' is truncated" $(r "$work/cut-record.pcap")
expect_refusal corrupt-caplen "'$work/corrupt.pcap' is truncated or corrupt" \
    $(r "$work/corrupt.pcap")
expect_refusal truncated-header "'$work/cut-header.pcap'.*truncated" $(r "$work/cut-header.pcap")
expect_refusal empty "'$work/empty.pcap'" $(r "$work/empty.pcap")
expect_refusal not-pcap "'$work/text.pcap'.*(unknown file format|bad dump file format)" \
    $(r "$work/text.pcap")
expect_refusal raw-link "'$work/raw.pcap' has link type RAW.*only Ethernet" $(r "$work/raw.pcap")
expect_refusal rx-batch-zero '^skiff: bootarg rx_batch=0: must be 1\.\.256$' \
    $(r traces/ping.pcap) --rx_batch=0
expect_refusal ip-bad 'bootarg ip=10\.99\.0: ' $(r traces/ping.pcap) --ip=10.99.0
expect_refusal unknown-key 'bootarg frobnicate: unknown key; known keys: rx_batch' \
    $(r traces/ping.pcap) --frobnicate=1
expect_refusal no-output 'replay needs a trace and an output' replay traces/ping.pcap
expect_refusal no-tap 'serve needs an interface' serve --ip=10.99.0.2
expect_refusal unknown-command "unknown command 'play'" play traces/ping.pcap

"$skiff" --help >"$work/help" 2>&1 || { echo "FAIL help: exit status $?"; failed=1; }
keys=$(sed -n 's/^ *X(\([a-z_]*\), BOOTARG_.*/\1/p' kernel/kernel.h)
[ -n "$keys" ] || { echo "FAIL help: no keys found in kernel/kernel.h"; failed=1; }
for k in $keys; do
    grep -q "^$k " "$work/help" || { echo "FAIL help: key $k not listed"; failed=1; }
done
echo "ok help: lists" $keys
"$skiff" --version | grep -q '^skiff ' || { echo "FAIL version"; failed=1; }
exit $failed
