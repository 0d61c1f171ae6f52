#!/usr/bin/env bash
# The hosted build live: `build/skiff-asan serve` on a TAP device in a network namespace this
# test creates (and removes on exit). Linux's `ping -c 20 -i 0.2` must get 20 replies and
# `arping -c 3` (iputils) 3; then SIGINT, sent in the middle of a ping flood, must stop skiff
# with status 0, the counters printed and no sanitizer report. Needs root for the namespace and the TAP; skips without.
set -u
cd "$(dirname "$0")/../.."
skiff=build/skiff-asan
ns=skiff-live-$$
tap=sklive0
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespace, TAP)"; exit 77; }
[ -c /dev/net/tun ] || { echo "no /dev/net/tun"; exit 77; }
for t in ip ping; do command -v $t >/dev/null || { echo "$t is not installed"; exit 77; }; done
[ -x "$skiff" ] || { echo "$skiff missing: make $skiff"; exit 1; }
work=$(mktemp -d)
skiff_pid=
flood_pid=
cleanup() {
    [ -n "$skiff_pid" ] && kill -KILL "$skiff_pid" 2>/dev/null
    [ -n "$flood_pid" ] && kill "$flood_pid" 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- skiff's console:"; cat "$work/skiff.log"; exit 1; }

ip netns add "$ns" || exit 1
in_ns() { ip netns exec "$ns" "$@"; }
in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
in_ns ip link set lo up
in_ns ip tuntap add dev "$tap" mode tap
in_ns ip addr add 10.99.1.1/24 dev "$tap"
in_ns ip link set "$tap" up

# Started directly so that $! is skiff itself (ip netns exec execs it): SIGINT must reach it.
ip netns exec "$ns" "$skiff" serve --tap "$tap" --ip=10.99.1.2 --gw=10.99.1.1 \
    --netmask=255.255.255.0 >"$work/skiff.log" 2>&1 &
skiff_pid=$!
for _ in $(seq 100); do
    grep -q 'hosted: serve' "$work/skiff.log" && break
    kill -0 $skiff_pid 2>/dev/null || fail "skiff exited at start"
    sleep 0.1
done
grep -q 'hosted: serve' "$work/skiff.log" || fail "no banner within 10 s"

in_ns ping -c 20 -i 0.2 -W 2 10.99.1.2 | tee "$work/ping.log"
grep -q '20 packets transmitted, 20 received' "$work/ping.log" || fail "ping: not 20 of 20"

if command -v arping >/dev/null; then
    in_ns arping -c 3 -w 10 -I "$tap" 10.99.1.2 | tee "$work/arping.log"
    grep -q 'Received 3 response' "$work/arping.log" || fail "arping: not 3 replies"
else
    echo "arping is not installed: ARP checked by ping alone"
fi

# A flood (bounded: 20 s at most) keeps the interface busy while SIGINT arrives.
in_ns ping -f -q -w 20 10.99.1.2 >"$work/flood.log" 2>&1 &
flood_pid=$!
sleep 1
kill -INT $skiff_pid
for _ in $(seq 50); do kill -0 $skiff_pid 2>/dev/null || break; sleep 0.1; done
kill -0 $skiff_pid 2>/dev/null && fail "skiff still running 5 s after SIGINT during a flood"
wait $skiff_pid
status=$?
skiff_pid=
cat "$work/skiff.log"
[ $status -eq 0 ] || fail "skiff exited with $status after SIGINT"
if grep -E 'Sanitizer|runtime error' "$work/skiff.log"; then fail "sanitizer report"; fi
replies=$(sed -n 's/^  icmp_echo_replies *//p' "$work/skiff.log")
[ "${replies:-0}" -ge 20 ] || fail "counters missing or icmp_echo_replies ${replies:-absent} < 20"
grep -q '^device (tap):' "$work/skiff.log" || fail "device counters missing"
kill "$flood_pid" 2>/dev/null
flood_pid=
echo "ok: 20/20 ping replies, arping answered, SIGINT during a flood printed the counters and exited 0"
