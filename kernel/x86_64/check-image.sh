#!/usr/bin/env bash
# Fails the build if the kernel image could make a system call (DESIGN.md section 3): musl's
# libc.a is linked for pure functions only, and a member that traps into a kernel that is not
# there would be a silent hang at best. Disassembles every executable section and names the
# function holding each syscall, sysenter or int $0x80.
#
#   check-image.sh IMAGE      exit 0: clean; exit 1: the offending functions were printed
set -u
image=$1
hits=$(objdump -d --no-show-raw-insn "$image" | awk '
    /^[0-9a-f]+ <.*>:$/ { fn = $2; gsub(/[<>:]/, "", fn) }
    /\t(syscall|sysenter)( |$)/ || /\tint +\$0x80/ { print fn ": " $0 }')
if [ -n "$hits" ]; then
    echo "check-image: $image makes system calls" \
        "(a musl member not kept out by kernel/x86_64/libc.c?):" >&2
    echo "$hits" | sed 's/^/    /' >&2
    exit 1
fi
