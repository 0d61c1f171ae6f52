# Shared by tests/qemu/*.sh and bench/boot.sh: which accelerator QEMU gets, and a bounded boot
# that waits for the kernel's banner. Sourced, not run.
#
# QEMU_ACCEL: KVM where it works, else TCG. kvm-pvm (a paravirtual KVM for nested hosts, as on
# these build machines) is passed over: its instruction emulator stops the guest ("KVM
# internal error ... emulation failure") at the first SSE instruction it meets after a port
# I/O exit. kernel/x86_64/build.mk's `make run` decides the same way.
if [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ]; then
    QEMU_ACCEL=(-accel kvm -accel tcg)
else
    QEMU_ACCEL=(-accel tcg)
fi

# What every test boot gets: no screen, no reboot on a triple fault (QEMU exits instead), and
# isa-debug-exit so that plat_exit(s) ends QEMU with status (s << 1) | 1.
QEMU_COMMON=(-display none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04)

# The banner start.c prints: version, memory, MAC, transport, boot loader, then the arguments.
BANNER_RE='^skiff [^ ]+ x86_64: [0-9]+ MiB RAM, net [0-9a-f]{2}(:[0-9a-f]{2}){5} '
BANNER_RE+='\(virtio-(pci|mmio)\), boot (pvh|multiboot2), .* args rx_batch='

qemu_pid=""
qemu_log=""

qemu_cleanup() {
    if [ -n "$qemu_pid" ]; then
        kill "$qemu_pid" 2>/dev/null
        wait "$qemu_pid" 2>/dev/null
    fi
    [ -n "$qemu_log" ] && rm -f "$qemu_log"
    qemu_pid="" qemu_log=""
}

qemu_prereqs() {
    if ! command -v qemu-system-x86_64 >/dev/null; then
        echo "skip: qemu-system-x86_64 not installed"
        exit 77
    fi
    [ -f build/skiff.elf ] || { echo "build/skiff.elf missing: run make"; exit 1; }
}

# qemu_banner SECONDS QEMU-ARGS...: boots with the serial console in a file, waits at most
# SECONDS for the banner, then stops QEMU. Prints the console; returns 0 if a line matched
# BANNER_RE, 1 if QEMU exited first or time ran out. Sets BANNER to the banner line.
qemu_banner() {
    local limit=$1
    shift
    qemu_log=$(mktemp)
    timeout $((limit + 30)) qemu-system-x86_64 "${QEMU_ACCEL[@]}" "${QEMU_COMMON[@]}" \
        -serial "file:$qemu_log" "$@" &
    qemu_pid=$!
    local start=$SECONDS status=1
    BANNER=""
    while [ $((SECONDS - start)) -lt "$limit" ]; do
        BANNER=$(tr -d '\r' <"$qemu_log" | grep -E "$BANNER_RE" | head -n 1)
        if [ -n "$BANNER" ]; then status=0; break; fi
        kill -0 "$qemu_pid" 2>/dev/null || break
        sleep 0.2
    done
    echo "--- console after $((SECONDS - start))s:"
    tr -d '\r' <"$qemu_log"
    echo "---"
    [ $status -eq 0 ] || echo "no banner matching: $BANNER_RE"
    return $status
}
