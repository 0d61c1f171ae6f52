#!/usr/bin/env bash
# Replays traces/ping.pcap (Linux's ping against `skiff serve`, traces/capture.sh) with the
# addresses it was captured with, and checks the output with tcpdump, not our own parser:
# one echo reply per echo request with the same id, seq and payload, no bad IPv4 or ICMP
# checksum, an ARP reply; then that two replays (and the optimised build) are byte-identical.
set -u
cd "$(dirname "$0")/../.."
skiff=build/skiff-asan
trace=traces/ping.pcap
args=(--ip=10.99.0.2 --gw=10.99.0.1 --netmask=255.255.255.0)
command -v tcpdump >/dev/null || { echo "tcpdump is not installed"; exit 77; }
[ -x "$skiff" ] || { echo "$skiff missing: make $skiff"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$skiff" replay "$trace" -o "$work/a.pcap" "${args[@]}" --stats 2>"$work/a.log"
status=$?
cat "$work/a.log"
[ $status -eq 0 ] || fail "replay exited with $status"

# "id I, seq S, length L" of each echo request to us / each echo reply from us, in order.
echoes() { # file kind(request|reply) filter
    tcpdump -r "$1" -nn "$3" 2>/dev/null |
        sed -n "s/.*ICMP echo $2, id \([0-9]*\), seq \([0-9]*\), length \([0-9]*\).*/\1 \2 \3/p"
}
requests=$(echoes "$trace" request 'icmp[icmptype] == icmp-echo and dst host 10.99.0.2')
replies=$(echoes "$work/a.pcap" reply 'icmp[icmptype] == icmp-echoreply and src host 10.99.0.2')
echo "requests in the trace:"; echo "$requests"
echo "replies in the output:"; echo "$replies"
[ "$(echo "$requests" | grep -c .)" -ge 5 ] || fail "fewer than 5 echo requests in $trace"
[ "$requests" = "$replies" ] || fail "the replies do not match the requests one for one"

# The ICMP payload of each echo, in hex (tcpdump -x dumps from the IP header: 20 bytes of IP
# header without options, which ping sends, then the 8-byte ICMP header).
payloads() { # file filter
    tcpdump -r "$1" -nn -x "$2" 2>/dev/null | awk '
        /^[0-9]/ { if (h != "") print substr(h, 57); h = ""; next }
        { for (i = 2; i <= NF; i++) h = h $i }
        END { if (h != "") print substr(h, 57) }'
}
sent=$(payloads "$trace" 'icmp[icmptype] == icmp-echo and dst host 10.99.0.2')
returned=$(payloads "$work/a.pcap" 'icmp[icmptype] == icmp-echoreply')
[ -n "$sent" ] || fail "no echo payloads found in $trace"
[ "$sent" = "$returned" ] || fail "an echo reply does not return its request's payload as is"

tcpdump -r "$work/a.pcap" -nn -vv 2>/dev/null >"$work/a.txt"
if grep -E 'bad cksum|wrong icmp cksum' "$work/a.txt"; then
    fail "tcpdump reports a bad checksum"
fi
grep -q 'Reply 10.99.0.2 is-at 02:53:4b:49:46:46' "$work/a.txt" || fail "no ARP reply"

"$skiff" replay "$trace" -o "$work/b.pcap" "${args[@]}" 2>/dev/null || fail "second replay failed"
cmp "$work/a.pcap" "$work/b.pcap" || fail "two replays differ"
if [ -x build/skiff ]; then
    build/skiff replay "$trace" -o "$work/c.pcap" "${args[@]}" 2>/dev/null ||
        fail "build/skiff failed"
    cmp "$work/a.pcap" "$work/c.pcap" || fail "build/skiff and $skiff replay differently"
fi
echo "ok: $(echo "$replies" | wc -l) echo replies, ARP reply, checksums good, replays identical"
