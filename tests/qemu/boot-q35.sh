#!/usr/bin/env bash
# Boot path 1: QEMU -M q35 -kernel build/skiff.elf through the PVH note, with virtio-net-pci.
# Passes when the banner names the memory (-m 128M: 100..128 MiB), the MAC QEMU assigns, the
# transport virtio-pci and the boot loader pvh.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/qemu/lib/qemu.bash
trap qemu_cleanup EXIT
qemu_prereqs
qemu_banner 120 -M q35 -m 128M -kernel build/skiff.elf -append "rx_batch=16" \
    -netdev user,id=n0 -device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:57 || exit 1
want='net 52:54:00:12:34:57 (virtio-pci), boot pvh,'
echo "$BANNER" | grep -qF "$want" || { echo "banner lacks: $want"; exit 1; }
echo "$BANNER" | grep -q 'args rx_batch=16 ' || { echo "rx_batch=16 not in the banner"; exit 1; }
mib=$(echo "$BANNER" | sed -E 's/.* x86_64: ([0-9]+) MiB RAM.*/\1/')
if [ "$mib" -lt 100 ] || [ "$mib" -gt 128 ]; then
    echo "memory $mib MiB, expected 100..128 for -m 128M"
    exit 1
fi
