#!/usr/bin/env bash
# A bad boot argument stops the boot: rx_batch=0 on the kernel command line prints
# "bootarg rx_batch=0: must be 1..256" and plat_exit(2), which isa-debug-exit turns into QEMU
# exit status (2 << 1) | 1 = 5. No NIC: the arguments are checked before the device is probed.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/qemu/lib/qemu.bash
trap qemu_cleanup EXIT
qemu_prereqs
qemu_log=$(mktemp)
timeout 120 qemu-system-x86_64 "${QEMU_ACCEL[@]}" "${QEMU_COMMON[@]}" -serial "file:$qemu_log" \
    -M q35 -m 128M -kernel build/skiff.elf -append "idle=poll rx_batch=0"
status=$?
tr -d '\r' <"$qemu_log"
msg='bootarg rx_batch=0: must be 1..256'
tr -d '\r' <"$qemu_log" | grep -qxF "$msg" || { echo "missing: $msg"; exit 1; }
[ $status -eq 5 ] || { echo "QEMU exit status $status, expected 5 (plat_exit(2))"; exit 1; }
