#!/usr/bin/env bash
# virtio-net over virtio-mmio: boots build/skiff.elf on QEMU microvm with virtio-net-device on
# a TAP device in a private network namespace and expects 20 of 20 echo replies, with
# idle=poll and idle=halt (woken through the device's line on microvm's second IOAPIC). The
# driver needs virtio-mmio version 2, which QEMU gives only with force-legacy=false.
set -u
cd "$(dirname "$0")/../.."
. tests/qemu/lib/qemu.bash
. tests/qemu/lib/ping.bash
trap ping_cleanup EXIT
ping_prereqs
MACHINE_ARGS=(-M microvm -global virtio-mmio.force-legacy=false
              -device virtio-net-device,netdev=n0)
ping_run poll || exit 1
ping_run halt || exit 1
