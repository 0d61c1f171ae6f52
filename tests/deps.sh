#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, if any is missing. Shared by
# `make run` and `make test` (through `make deps`), so a fresh machine needs nothing else.
set -eu
packages=(gcc make python3 qemu-system-x86 libpcap-dev libcmocka-dev grub-pc-bin grub-common
          xorriso mtools musl-dev tcpdump iproute2 iputils-ping iputils-arping curl wrk
          lua5.4 valgrind)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
