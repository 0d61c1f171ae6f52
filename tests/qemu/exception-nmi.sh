#!/usr/bin/env bash
# A CPU exception is reported and ends the VM: once the kernel is idling in its loop, QEMU's
# monitor injects an NMI (as `virsh inject-nmi` would into a hung guest); LINT1 delivers it as
# vector 2, and the exception report prints the vector, the error code, RIP and every register,
# then plat_exit(4), which isa-debug-exit turns into QEMU exit status (4 << 1) | 1 = 9.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/qemu/lib/qemu.bash
qemu_prereqs
dir=$(mktemp -d)
cleanup() {
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT

timeout 120 qemu-system-x86_64 "${QEMU_ACCEL[@]}" "${QEMU_COMMON[@]}" -serial "file:$dir/console" \
    -monitor "unix:$dir/monitor,server,nowait" -M q35 -m 128M -kernel build/skiff.elf \
    -append "idle=halt" -netdev user,id=n0 -device virtio-net-pci,netdev=n0 &
pid=$!
for _ in $(seq 300); do
    grep -qE "$BANNER_RE" "$dir/console" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
done
grep -qE "$BANNER_RE" "$dir/console" || { cat "$dir/console"; echo "no banner"; exit 1; }

python3 - "$dir/monitor" <<'PY' || { echo "could not talk to the QEMU monitor"; exit 1; }
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.recv(4096)  # the monitor's greeting and prompt
s.sendall(b"nmi\n")
time.sleep(0.5)
PY
wait "$pid"
status=$?
pid=
tr -d '\r' <"$dir/console"
grep -qE '^cpu exception 2 \(NMI\), error 0x0, rip 0x[0-9a-f]{16}' "$dir/console" ||
    { echo "no exception report for vector 2"; exit 1; }
for reg in rax rbx rcx rdx rsi rdi rbp rsp r8 r9 r10 r11 r12 r13 r14 r15 rflags; do
    grep -qE "(^| )$reg +0x[0-9a-f]{16}" "$dir/console" || { echo "report lacks $reg"; exit 1; }
done
[ $status -eq 9 ] || { echo "QEMU exit status $status, expected 9 (plat_exit(4))"; exit 1; }
