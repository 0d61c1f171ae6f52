#!/usr/bin/env bash
# Captures traces/ping.pcap: Linux's own `ping -c 5` against `build/skiff serve`, recorded by
# tcpdump on the TAP interface, all inside a network namespace this script creates and removes.
#
#   traces/capture.sh [OUT.pcap]        (root; default traces/ping.pcap; run `make` first)
#
# Layout: namespace skiff-cap, TAP skcap0 in it with the host side at 10.99.0.1/24; skiff
# answers as 10.99.0.2 (gw 10.99.0.1, netmask 255.255.255.0), the arguments
# tests/replay/ping.sh replays with. IPv6 is off in the namespace so that no router
# solicitations or MLD reports end up in the trace. Every wait is bounded.
set -eu
cd "$(dirname "$0")/.."
out=${1:-traces/ping.pcap}
ns=skiff-cap
tap=skcap0
skiff=build/skiff
work=$(mktemp -d)

[ "$(id -u)" -eq 0 ] || { echo "capture.sh: needs root (network namespace, TAP)" >&2; exit 1; }
[ -x "$skiff" ] || { echo "capture.sh: $skiff missing; run make" >&2; exit 1; }

skiff_pid= dump_pid=
cleanup() {
    [ -n "$skiff_pid" ] && kill "$skiff_pid" 2>/dev/null
    [ -n "$dump_pid" ] && kill "$dump_pid" 2>/dev/null
    wait 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# Waits up to $1 tenths of a second for the command after it to succeed.
wait_for() {
    local n=$1; shift
    until "$@"; do
        n=$((n - 1)); [ $n -gt 0 ] || return 1
        sleep 0.1
    done
}

ip netns del "$ns" 2>/dev/null || true
ip netns add "$ns"
in_ns() { ip netns exec "$ns" "$@"; }
in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
in_ns ip link set lo up
in_ns ip tuntap add dev "$tap" mode tap
in_ns ip addr add 10.99.0.1/24 dev "$tap"
in_ns ip link set "$tap" up

# Started directly, not through in_ns, so that $! is the program itself (ip netns exec execs
# it) and the signals below reach it.
ip netns exec "$ns" tcpdump -i "$tap" -U -s 0 -w "$work/ping.pcap" 2>"$work/tcpdump.log" &
dump_pid=$!
wait_for 50 grep -q 'listening on' "$work/tcpdump.log"

ip netns exec "$ns" "$skiff" serve --tap "$tap" --ip=10.99.0.2 --gw=10.99.0.1 \
    --netmask=255.255.255.0 2>"$work/skiff.log" &
skiff_pid=$!
# skiff prints its banner once the TAP is attached, and sends its gratuitous ARP right after.
wait_for 50 grep -q 'hosted: serve' "$work/skiff.log"
sleep 0.2

in_ns ping -c 5 -W 2 10.99.0.2

kill -INT "$skiff_pid"
wait "$skiff_pid" || true
skiff_pid=
sleep 0.5 # let tcpdump write what it has seen
kill -TERM "$dump_pid"
wait "$dump_pid" || true
dump_pid=
cat "$work/skiff.log" >&2
cp "$work/ping.pcap" "$out"
echo "capture.sh: wrote $out ($(tcpdump -r "$out" 2>/dev/null | wc -l) frames)"
