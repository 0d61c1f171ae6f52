# Shared by tests/qemu/ping-*.sh: boots build/skiff.elf under QEMU with a virtio-net device on a
# TAP device inside a private network namespace, waits for the banner, then pings the guest.
# Sourced, not run, after tests/qemu/lib/qemu.bash (QEMU_ACCEL, QEMU_COMMON, BANNER_RE,
# qemu_prereqs). The caller sets MACHINE_ARGS (-M and the NIC for its machine type) and calls
# ping_run with the idle= mode to test.
#
# Exit statuses follow tests/run.sh: 0 pass, 77 skip (not root, no TAP support), anything else
# fails. Every wait is bounded; ping_cleanup (the caller's trap) stops QEMU and deletes the
# namespace, which takes the TAP device with it.

GUEST_IP=10.77.0.2
HOST_IP=10.77.0.1
BOOT_LIMIT=120 # seconds until the banner; TCG boots take a few
PINGS=20
# idle=halt must wake on the receive interrupt: waking only on timers shows up as replies late
# by whole timer periods (0.4 to 4 s under TCG), not as lost ones, so the average is checked.
HALT_RTT_AVG_MAX_MS=300

ping_ns=""
ping_pid=""
ping_log=""

skip() { echo "skip: $*"; exit 77; }

ping_cleanup() {
    if [ -n "$ping_pid" ]; then
        kill "$ping_pid" 2>/dev/null
        wait "$ping_pid" 2>/dev/null
    fi
    [ -n "$ping_ns" ] && ip netns del "$ping_ns" 2>/dev/null
    [ -n "$ping_log" ] && rm -f "$ping_log"
    ping_pid="" ping_ns="" ping_log=""
}

ping_prereqs() {
    qemu_prereqs
    command -v ping >/dev/null || skip "ping not installed"
    command -v ip >/dev/null || skip "ip (iproute2) not installed"
    [ "$(id -u)" -eq 0 ] || skip "needs root for a network namespace and a TAP device"
    [ -c /dev/net/tun ] || skip "no /dev/net/tun"
}

# ping_run IDLE: one boot with idle=IDLE; returns 0 if all PINGS echo requests were answered
# (and, for idle=halt, answered promptly).
ping_run() {
    local idle=$1
    ping_ns=skiff-ping-$$
    ping_log=$(mktemp)
    ip netns add "$ping_ns" || skip "cannot create a network namespace"
    ip -n "$ping_ns" link set lo up
    ip -n "$ping_ns" tuntap add dev tap0 mode tap || skip "cannot create a TAP device"
    ip -n "$ping_ns" addr add "$HOST_IP/24" dev tap0
    ip -n "$ping_ns" link set tap0 up

    # QEMU's own timeout bounds the run even if the trap never fires.
    timeout 600 ip netns exec "$ping_ns" qemu-system-x86_64 "${QEMU_ACCEL[@]}" \
        "${QEMU_COMMON[@]}" "${MACHINE_ARGS[@]}" -m 256M -serial "file:$ping_log" \
        -kernel build/skiff.elf \
        -append "ip=$GUEST_IP netmask=255.255.255.0 gw=$HOST_IP idle=$idle log=stats" \
        -netdev tap,id=n0,ifname=tap0,script=no,downscript=no &
    ping_pid=$!

    local start=$SECONDS
    until tr -d '\r' <"$ping_log" | grep -Eq "$BANNER_RE"; do
        if ! kill -0 "$ping_pid" 2>/dev/null; then
            echo "QEMU exited before the banner; console:"; cat "$ping_log"; return 1
        fi
        if [ $((SECONDS - start)) -ge $BOOT_LIMIT ]; then
            echo "no banner after ${BOOT_LIMIT}s; console:"; cat "$ping_log"; return 1
        fi
        sleep 0.2
    done
    echo "--- idle=$idle, banner after $((SECONDS - start))s; console:"; tr -d '\r' <"$ping_log"

    # The first request also waits for the guest's ARP reply; a few tries, bounded.
    local tries=0
    until ip netns exec "$ping_ns" ping -c 1 -W 2 "$GUEST_IP" >/dev/null; do
        tries=$((tries + 1))
        if [ $tries -ge 15 ]; then
            echo "no echo reply from $GUEST_IP after $tries tries; console:"; cat "$ping_log"
            return 1
        fi
    done

    local out replies avg=99999
    out=$(timeout 60 ip netns exec "$ping_ns" ping -c "$PINGS" -i 0.2 -W 2 "$GUEST_IP")
    echo "$out"
    replies=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
    if [ "${replies:-0}" -ne "$PINGS" ]; then
        echo "FAIL: ${replies:-0} of $PINGS replies (idle=$idle); console:"; cat "$ping_log"
        return 1
    fi
    avg=$(echo "$out" | sed -n 's|^rtt [^=]*= [0-9.]*/\([0-9.]*\)/.*|\1|p')
    if [ "$idle" = halt ] && [ "${avg%.*}" -gt $HALT_RTT_AVG_MAX_MS ]; then
        echo "FAIL: average round trip ${avg} ms with idle=halt: the guest woke on timers, not"
        echo "on the receive interrupt; console:"; cat "$ping_log"
        return 1
    fi
    echo "ok: $PINGS of $PINGS replies, average ${avg} ms (idle=$idle)"
    ping_cleanup
    return 0
}
