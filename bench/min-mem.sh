#!/usr/bin/env bash
# Smallest memory: the least QEMU -m (whole MiB) at which build/skiff.elf both prints its banner
# and answers `ping -c 3`, on -M microvm and on -M q35, with the default packet pool (bufs=1024,
# 2 KiB each, so about 2 MiB of it) and with the smallest pool the boot arguments allow
# (bufs=64). Bisects between 1 MiB and MAX_MIB, so it assumes that a boot which works at some
# size also works at every larger one; the row also shows why the size just below the minimum
# failed, which is the evidence that the bisection found an edge and not noise.
#
#   bench/min-mem.sh [MAX_MIB]    (default 64; needs root for the namespace and TAP device)
#
# Boots with the flags the VM tests use (tests/qemu/lib/qemu.bash: accelerator, no display, no
# reboot, isa-debug-exit; microvm needs virtio-mmio version 2, force-legacy=false). The guest
# sits on a TAP device in a private network namespace, created here and removed on exit. Every
# wait is bounded: BOOT_LIMIT seconds for the banner (SILENT_LIMIT if the console stays empty),
# PING_LIMIT for the three replies.
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/qemu/lib/qemu.bash
. tests/qemu/lib/ping.bash
MAX_MIB=${1:-64}
GUEST_IP=10.79.0.2
HOST_IP=10.79.0.1
GUEST_MAC=52:54:00:12:34:61
BOOT_LIMIT=60  # seconds until the banner (a TCG boot takes well under one)
SILENT_LIMIT=10 # seconds of an empty console: the kernel never ran (it loads at 1 MiB)
PING_LIMIT=20

ping_prereqs

ns=skiff-minmem-$$
tmp=$(mktemp -d)
qpid=""
cleanup() {
    if [ -n "$qpid" ]; then
        kill "$qpid" 2>/dev/null
        wait "$qpid" 2>/dev/null
    fi
    ip netns del "$ns" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$ns" || skip "cannot create a network namespace"
ip -n "$ns" link set lo up
ip -n "$ns" tuntap add dev tap0 mode tap || skip "cannot create a TAP device"
ip -n "$ns" addr add "$HOST_IP/24" dev tap0
ip -n "$ns" link set tap0 up

machine_args() { # microvm|q35
    case $1 in
    microvm) echo "-M microvm -global virtio-mmio.force-legacy=false" \
                  "-device virtio-net-device,netdev=n0,mac=$GUEST_MAC" ;;
    q35) echo "-M q35 -device virtio-net-pci,netdev=n0,mac=$GUEST_MAC" ;;
    esac
}

# trial MACHINE MIB BOOTARGS: boots once; returns 0 if the banner came and three echo requests
# were answered. Sets WHY to what happened (the table's words) and RAM to the banner's MiB.
trial() {
    local machine=$1 mib=$2 extra=$3 args log=$tmp/console start
    read -ra args <<<"$(machine_args "$machine")"
    : >"$log"
    RAM="" WHY=""
    ip -n "$ns" neigh flush dev tap0 2>/dev/null
    timeout $((BOOT_LIMIT + PING_LIMIT + 30)) ip netns exec "$ns" qemu-system-x86_64 \
        "${QEMU_ACCEL[@]}" "${QEMU_COMMON[@]}" "${args[@]}" -m "${mib}M" -serial "file:$log" \
        -kernel build/skiff.elf -append "ip=$GUEST_IP gw=$HOST_IP $extra" \
        -netdev tap,id=n0,ifname=tap0,script=no,downscript=no 2>"$tmp/qemu.err" &
    qpid=$!
    start=$SECONDS
    local banner=""
    while :; do
        banner=$(tr -d '\r' <"$log" | grep -E "$BANNER_RE" | head -n 1)
        [ -n "$banner" ] && break
        if ! kill -0 "$qpid" 2>/dev/null; then
            # The kernel's own complaint if it printed one, else QEMU's, else the exit.
            WHY=$(tr -d '\r' <"$log" | grep -m1 '^skiff: \|^panic' ||
                  grep -m1 . "$tmp/qemu.err" || echo "QEMU exited, no output")
            break
        fi
        if [ ! -s "$log" ] && [ $((SECONDS - start)) -ge $SILENT_LIMIT ]; then
            WHY="no console output in ${SILENT_LIMIT}s"
            break
        fi
        if [ $((SECONDS - start)) -ge $BOOT_LIMIT ]; then
            WHY="no banner in ${BOOT_LIMIT}s"
            break
        fi
        sleep 0.05
    done
    local ok=1
    if [ -n "$banner" ]; then
        RAM=$(echo "$banner" | sed -E 's/.* x86_64: ([0-9]+) MiB RAM.*/\1/')
        if ip netns exec "$ns" ping -n -q -c 3 -i 0.2 -w $PING_LIMIT "$GUEST_IP" >/dev/null; then
            ok=0 WHY="banner and 3 replies"
        else
            WHY="banner, but not 3 echo replies in ${PING_LIMIT}s"
        fi
    fi
    kill "$qpid" 2>/dev/null
    wait "$qpid" 2>/dev/null
    qpid=""
    return $ok
}

# minimum MACHINE BOOTARGS: prints "MIB RAM WHY-BELOW" for the least working -m in 1..MAX_MIB.
minimum() {
    local machine=$1 extra=$2 lo=0 hi=$MAX_MIB mid below="(1 MiB is the least -m tried)"
    local ram
    trial "$machine" "$hi" "$extra" || { echo "- - fails even at ${hi} MiB: $WHY"; return 1; }
    ram=$RAM
    while [ $((hi - lo)) -gt 1 ]; do
        mid=$(((lo + hi) / 2))
        if trial "$machine" "$mid" "$extra"; then
            hi=$mid ram=$RAM
        else
            lo=$mid below=$WHY
        fi
        echo "  $machine ${extra:-bufs=1024} -m ${mid}M: $WHY" >&2
    done
    echo "$hi $ram $below"
}

echo "accelerator: ${QEMU_ACCEL[*]}; -m bisected in 1..${MAX_MIB} MiB; pass = banner + ping -c 3"
rows=()
status=0
for machine in microvm q35; do
    for extra in "" "bufs=64"; do
        r=$(minimum "$machine" "$extra") || status=1
        rows+=("$machine|${extra:-bufs=1024 (default)}|$r")
    done
done
printf '%-8s %-20s %8s %10s  %s\n' machine pool "min -m" "RAM seen" "at min-1 MiB"
for row in "${rows[@]}"; do
    IFS='|' read -r machine pool r <<<"$row"
    read -r mib ram why <<<"$r"
    printf '%-8s %-20s %7sM %7s MiB  %s\n' "$machine" "$pool" "$mib" "$ram" "$why"
done
exit $status
