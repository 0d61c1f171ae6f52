#!/usr/bin/env bash
# Boot path 2: QEMU -M microvm -kernel build/skiff.elf through the PVH note, with
# virtio-net-device on virtio-mmio. acpi=off makes QEMU append virtio_mmio.device= to the
# command line (with ACPI it describes the devices in the DSDT instead, which we do not read);
# force-legacy=false gives the version 2 virtio-mmio the driver needs. Passes when the banner
# names the memory, the MAC, virtio-mmio and pvh.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/qemu/lib/qemu.bash
trap qemu_cleanup EXIT
qemu_prereqs
qemu_banner 120 -M microvm,acpi=off -m 128M -kernel build/skiff.elf -append "tx_batch=8" \
    -global virtio-mmio.force-legacy=false \
    -netdev user,id=n0 -device virtio-net-device,netdev=n0,mac=52:54:00:12:34:58 || exit 1
want='net 52:54:00:12:34:58 (virtio-mmio), boot pvh,'
echo "$BANNER" | grep -qF "$want" || { echo "banner lacks: $want"; exit 1; }
echo "$BANNER" | grep -q ' tx_batch=8 ' || { echo "tx_batch=8 not in the banner"; exit 1; }
mib=$(echo "$BANNER" | sed -E 's/.* x86_64: ([0-9]+) MiB RAM.*/\1/')
if [ "$mib" -lt 100 ] || [ "$mib" -gt 128 ]; then
    echo "memory $mib MiB, expected 100..128 for -m 128M"
    exit 1
fi
