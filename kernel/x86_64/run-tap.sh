#!/usr/bin/env bash
# `make run-tap`: the kernel on q35 with the serial console on this terminal (Ctrl-A X quits),
# on a TAP device that this host reaches directly: the host is 10.0.3.1/24 on skiff0, the
# guest 10.0.3.2, so `ping 10.0.3.2` works from another terminal. Needs root (it creates the
# TAP device, and removes it when QEMU exits).
#
#   kernel/x86_64/run-tap.sh [BOOT-ARGUMENTS...]
set -eu
cd "$(dirname "$0")/../.."
. tests/qemu/lib/qemu.bash
tap=skiff0
if ip link show "$tap" >/dev/null 2>&1; then
    echo "run-tap: $tap already exists (another make run-tap?); remove it with: ip link del $tap" >&2
    exit 1
fi
ip tuntap add dev "$tap" mode tap
trap 'ip link del "$tap" 2>/dev/null' EXIT
trap 'exit 1' INT TERM HUP
ip addr add 10.0.3.1/24 dev "$tap"
ip link set "$tap" up
echo "run-tap: guest 10.0.3.2 on $tap (host 10.0.3.1); Ctrl-A X quits" >&2
qemu-system-x86_64 -M q35 "${QEMU_ACCEL[@]}" -m 256M -display none -no-reboot \
    -serial mon:stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -netdev tap,id=n0,ifname="$tap",script=no,downscript=no -device virtio-net-pci,netdev=n0 \
    -kernel build/skiff.elf -append "ip=10.0.3.2 gw=10.0.3.1 $*" || true
