#!/usr/bin/env bash
# Replays each traces/malformed-*.pcap (made by tests/tools/gen_malformed.c) under ASan and
# UBSan and checks: no crash (exit 0, no sanitizer report), exactly the expected drop counters
# moved (every other drop counter stays 0), and the valid ARP and echo requests around the bad
# frames were answered (tcpdump reads the output, with no bad checksum). First, that the
# committed traces are what the generator writes now.
set -u
cd "$(dirname "$0")/../.."
skiff=build/skiff-asan
gen=build/tests/tools/gen_malformed
command -v tcpdump >/dev/null || { echo "tcpdump is not installed"; exit 77; }
for b in "$skiff" "$gen"; do [ -x "$b" ] || { echo "$b missing: make $b"; exit 1; }; done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL $name: $*"; failed=1; }

# Per trace: the counters its bad frames must move (name=value; device.* are the replay
# device's own), and the echo replies expected (2 for the valid requests around the group,
# more where the group holds frames valid at a boundary). Any drop_* counter not listed must
# stay 0. Keep in step with the groups in tests/tools/gen_malformed.c.
expect=(
    "truncated  replies=2 drop_too_short=2 drop_ip_bad_len=1"
    "runt       replies=2 drop_too_short=4"
    "giant      replies=3 drop_too_long=2 device.rx_too_long=2"
    "ip-csum    replies=2 drop_ip_bad_csum=2"
    "icmp       replies=2 drop_icmp_bad_csum=2 drop_icmp_type=3 drop_too_short=1"
    "ip-len     replies=4 drop_ip_bad_version=1 drop_ip_bad_len=4"
    "fragment   replies=3 drop_ip_fragment=3"
    "ethertype  replies=2 drop_ethertype=4"
    "not-for-us replies=2 drop_not_for_us=4 drop_icmp_broadcast=1"
    "ip-proto   replies=2 drop_ip_proto=3"
    "arp        replies=2 drop_arp_bad=4 drop_too_short=1"
)

name=generator
"$gen" "$work" || fail "gen_malformed failed"
for t in "$work"/malformed-*.pcap; do
    cmp -s "$t" "traces/$(basename "$t")" ||
        fail "traces/$(basename "$t") is not what $gen writes (regenerate: $gen traces)"
done
n_traces=$(ls traces/malformed-*.pcap | wc -l)
[ "$n_traces" -eq ${#expect[@]} ] || fail "$n_traces traces, ${#expect[@]} expectations"

for row in "${expect[@]}"; do
    read -r name checks <<<"$row"
    trace=traces/malformed-$name.pcap
    out=$work/$name.out.pcap
    log=$work/$name.log
    "$skiff" replay "$trace" -o "$out" --ip=10.99.0.2 --gw=10.99.0.1 --stats 2>"$log"
    status=$?
    [ $status -eq 0 ] || { cat "$log"; fail "exit status $status"; continue; }
    if grep -E 'Sanitizer|runtime error' "$log"; then fail "sanitizer report"; fi
    # The stats as name=value lines, device counters prefixed "device.".
    awk '/^counters:/ { p = "" } /^device/ { p = "device." }
         /^  / && NF == 2 { print p $1 "=" $2 }' "$log" >"$work/$name.stats"

    declare -A want=()
    for c in $checks; do want[${c%%=*}]=${c#*=}; done
    for key in "${!want[@]}"; do
        [ "$key" = replies ] && continue
        got=$(sed -n "s/^$key=//p" "$work/$name.stats")
        [ "$got" = "${want[$key]}" ] || fail "$key is ${got:-missing}, want ${want[$key]}"
    done
    while IFS== read -r key value; do
        case $key in drop_* | device.rx_too_long | device.rx_no_buffer) ;; *) continue ;; esac
        [ -n "${want[$key]:-}" ] || [ "$value" = 0 ] || fail "$key moved to $value"
    done <"$work/$name.stats"

    tcpdump -r "$out" -nn -vv 2>/dev/null >"$work/$name.txt"
    if grep -E 'bad cksum|wrong icmp cksum' "$work/$name.txt"; then fail "bad checksum sent"; fi
    replies=$(grep -c 'ICMP echo reply' "$work/$name.txt")
    [ "$replies" -eq "${want[replies]}" ] || fail "$replies echo replies, want ${want[replies]}"
    for seq in 1 2; do
        grep -q "ICMP echo reply, id 21323, seq $seq," "$work/$name.txt" ||
            fail "the valid echo request seq $seq around the bad frames was not answered"
    done
    arp=$(grep -c 'Reply 10.99.0.2 is-at 02:53:4b:49:46:46' "$work/$name.txt")
    [ "$arp" -eq 2 ] || fail "$arp ARP replies, want 2"
    echo "ok $name: $checks"
    unset want
done
exit $failed
