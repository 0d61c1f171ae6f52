#!/usr/bin/env bash
# virtio-net over modern PCI: boots build/skiff.elf on QEMU q35 with virtio-net-pci on a TAP
# device in a private network namespace and expects 20 of 20 echo replies from the guest,
# once with idle=poll and once with idle=halt (woken by the receive queue's MSI-X message).
set -u
cd "$(dirname "$0")/../.."
. tests/qemu/lib/qemu.bash
. tests/qemu/lib/ping.bash
trap ping_cleanup EXIT
ping_prereqs
MACHINE_ARGS=(-M q35 -device virtio-net-pci,netdev=n0)
ping_run poll || exit 1
ping_run halt || exit 1
