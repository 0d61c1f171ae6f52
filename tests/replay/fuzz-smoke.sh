#!/usr/bin/env bash
# A short run of the network stack's mutation fuzzer (tests/tools/fuzz_net.c; `make fuzz` runs
# the long one): 20000 frames from a fixed seed, mutated from the built-in frames and the
# committed traces, under ASan and UBSan. Passes when every invariant held after every frame,
# when the mutated frames still reached the top of the stack (echo and ARP replies were sent),
# and when a second run prints the same counters (the fuzzer is a function of its seed, which
# is what makes a failure reproducible).
set -u
cd "$(dirname "$0")/../.."
fuzz=build/tests/tools/fuzz_net
SEED=20231114
FRAMES=20000
[ -x "$fuzz" ] || { echo "$fuzz missing: make $fuzz"; exit 1; }
corpus=(traces/ping.pcap traces/malformed-*.pcap)

first=$(timeout 120 "$fuzz" $SEED $FRAMES "${corpus[@]}") || { echo "$first"; exit 1; }
echo "$first"
for c in rx_frames=$FRAMES icmp_echo_replies= arp_replies=; do
    echo "$first" | grep -q " $c" || { echo "FAIL: no $c in the summary"; exit 1; }
done
second=$(timeout 120 "$fuzz" $SEED $FRAMES "${corpus[@]}") || { echo "$second"; exit 1; }
# The same but for the time taken.
if [ "${second#*frames/s}" != "${first#*frames/s}" ]; then
    echo "FAIL: a second run differs:"; echo "$second"; exit 1
fi
echo "ok: $FRAMES frames, invariants held, the same counters twice"
