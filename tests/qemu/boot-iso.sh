#!/usr/bin/env bash
# Boot path 3: the GRUB ISO (make iso) on q35 from -cdrom: BIOS, GRUB, then the same ELF
# through its Multiboot2 header. Passes when the banner names the memory, the MAC,
# virtio-pci and multiboot2.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/qemu/lib/qemu.bash
trap qemu_cleanup EXIT
qemu_prereqs
command -v grub-mkrescue >/dev/null || { echo "skip: grub-mkrescue not installed"; exit 77; }
make -s iso >/dev/null || { echo "make iso failed"; exit 1; }
qemu_banner 180 -M q35 -m 128M -cdrom build/skiff.iso \
    -netdev user,id=n0 -device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:59 || exit 1
want='net 52:54:00:12:34:59 (virtio-pci), boot multiboot2,'
echo "$BANNER" | grep -qF "$want" || { echo "banner lacks: $want"; exit 1; }
mib=$(echo "$BANNER" | sed -E 's/.* x86_64: ([0-9]+) MiB RAM.*/\1/')
if [ "$mib" -lt 100 ] || [ "$mib" -gt 128 ]; then
    echo "memory $mib MiB, expected 100..128 for -m 128M"
    exit 1
fi
