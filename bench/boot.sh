#!/usr/bin/env bash
# Boot time: QEMU start to the kernel's banner, and to the first ping reply, on -M microvm and
# -M q35 (median of RUNS), beside QEMU's own floor: a kernel whose first instruction exits
# through isa-debug-exit, booted with the same command line. Also prints the image size.
#
#   bench/boot.sh [RUNS]      (default 5; needs root for the namespace and TAP device)
#
# The guest sits on a TAP device in a private network namespace (created here, removed on
# exit). The host's neighbour entry for the guest is static, so the first ping measures the
# guest, not Linux's one-second ARP retry timer. Timestamps come from polling every 5 ms.
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/qemu/lib/qemu.bash
RUNS=${1:-5}
GUEST_IP=10.78.0.2
HOST_IP=10.78.0.1
GUEST_MAC=52:54:00:12:34:60
LIMIT_S=120

[ -f build/skiff.elf ] || { echo "build/skiff.elf missing: run make"; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 not installed"; exit 77; }
[ "$(id -u)" -eq 0 ] && [ -c /dev/net/tun ] || { echo "needs root and /dev/net/tun"; exit 77; }

ns=skiff-bench-$$
tmp=$(mktemp -d)
cleanup() {
    [ -n "${qpid:-}" ] && kill "$qpid" 2>/dev/null
    [ -n "${ppid:-}" ] && kill "$ppid" 2>/dev/null
    wait 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# The floor kernel: a PVH note and two instructions, assembled here.
mkdir -p build/bench
cat >build/bench/floor.S <<'ASM'
    .section .note.Xen, "a"
    .p2align 2
    .long 4, 8, 18              /* "Xen", 8 bytes, XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long entry, 0
    .text
    .code32
    .globl entry
entry:
    xorl %eax, %eax
    outb %al, $0xf4             /* isa-debug-exit: QEMU exits with status 1 */
    hlt
ASM
as --64 -o build/bench/floor.o build/bench/floor.S &&
    ld -nostdlib -static -Ttext=0x100000 -e entry -o build/bench/floor.elf build/bench/floor.o ||
    { echo "cannot build the floor kernel"; exit 1; }

ip netns add "$ns" || exit 77
ip -n "$ns" link set lo up
ip -n "$ns" tuntap add dev tap0 mode tap || exit 77
ip -n "$ns" addr add "$HOST_IP/24" dev tap0
ip -n "$ns" link set tap0 up
ip -n "$ns" neigh replace "$GUEST_IP" lladdr "$GUEST_MAC" dev tap0 nud permanent

now_ms() { echo $(($(date +%s%N) / 1000000)); }

machine_args() { # microvm|q35
    case $1 in
    microvm) echo "-M microvm,acpi=off -global virtio-mmio.force-legacy=false" \
                  "-device virtio-net-device,netdev=n0,mac=$GUEST_MAC" ;;
    q35) echo "-M q35 -device virtio-net-pci,netdev=n0,mac=$GUEST_MAC" ;;
    esac
}

# floor MACHINE: milliseconds from QEMU's start to its exit with the floor kernel.
floor() {
    local t0 args
    read -ra args <<<"$(machine_args "$1")"
    t0=$(now_ms)
    ip netns exec "$ns" timeout $LIMIT_S qemu-system-x86_64 "${QEMU_ACCEL[@]}" "${QEMU_COMMON[@]}" \
        -m 256M -serial none "${args[@]}" -kernel build/bench/floor.elf \
        -netdev tap,id=n0,ifname=tap0,script=no,downscript=no
    [ $? -eq 1 ] || { echo "floor kernel did not exit through isa-debug-exit" >&2; return 1; }
    echo $(($(now_ms) - t0))
}

# boot MACHINE: "banner_ms ping_ms" from QEMU's start.
boot() {
    local t0 tb="" tp="" args log=$tmp/console
    read -ra args <<<"$(machine_args "$1")"
    : >"$log"
    t0=$(now_ms)
    ip netns exec "$ns" timeout $LIMIT_S qemu-system-x86_64 "${QEMU_ACCEL[@]}" "${QEMU_COMMON[@]}" \
        -m 256M -serial "file:$log" "${args[@]}" -kernel build/skiff.elf \
        -append "ip=$GUEST_IP gw=$HOST_IP" -netdev tap,id=n0,ifname=tap0,script=no,downscript=no \
        2>>"$tmp/qemu.err" &
    qpid=$!
    ip netns exec "$ns" ping -n -q -i 0.01 -c 1 -w $LIMIT_S "$GUEST_IP" >/dev/null 2>&1 &
    ppid=$!
    while :; do
        [ -z "$tb" ] && grep -q '^skiff ' "$log" && tb=$(now_ms)
        if ! kill -0 "$ppid" 2>/dev/null; then tp=$(now_ms); break; fi
        kill -0 "$qpid" 2>/dev/null || break
        sleep 0.005
    done
    [ -z "$tb" ] && grep -q '^skiff ' "$log" && tb=$tp
    wait "$ppid"; local ping_status=$?
    kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
    qpid="" ppid=""
    if [ -z "$tb" ] || [ -z "$tp" ] || [ $ping_status -ne 0 ]; then
        echo "$1: no banner or no ping reply; console:" >&2; cat "$log" >&2
        return 1
    fi
    echo "$((tb - t0)) $((tp - t0))"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "accelerator: ${QEMU_ACCEL[*]}; $RUNS runs each, median in ms"
printf '%-8s %10s %10s %10s\n' machine floor banner ping
for m in microvm q35; do
    : >"$tmp/f"; : >"$tmp/b"; : >"$tmp/p"
    for _ in $(seq "$RUNS"); do
        floor "$m" >>"$tmp/f" || exit 1
        r=$(boot "$m") || exit 1
        echo "${r% *}" >>"$tmp/b"; echo "${r#* }" >>"$tmp/p"
    done
    printf '%-8s %10s %10s %10s\n' "$m" "$(median <"$tmp/f")" "$(median <"$tmp/b")" \
        "$(median <"$tmp/p")"
done
size=$(stat -c %s build/skiff.elf)
loaded=$(size -A build/skiff.elf |
    awk '$1 ~ /^\.(text|rodata|data|note)/ { s += $2 } END { print s }')
bss=$(size -A build/skiff.elf | awk '$1 == ".bss" { print $2 }')
strip -o "$tmp/stripped.elf" build/skiff.elf
stripped=$(stat -c %s "$tmp/stripped.elf")
echo "kernel image: build/skiff.elf $size bytes ($stripped stripped), $loaded bytes loaded," \
    "$bss bytes of .bss"
