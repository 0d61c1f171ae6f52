# The x86_64 kernel: build/skiff.elf (PVH note + Multiboot2 header), build/skiff.iso (GRUB),
# and `make run`. Freestanding: the compiler's own headers and musl's, and musl's libc.a for
# pure functions only (DESIGN.md section 3); check-image.sh fails the build if the image could
# make a system call. Linked at 1 MiB, physical == virtual, so -mcmodel=small.

MUSL_INC := /usr/include/x86_64-linux-musl
MUSL_LIB := /usr/lib/x86_64-linux-musl
KERNEL_SRC := $(PORTABLE_SRC) $(wildcard kernel/x86_64/*.c)
KERNEL_ASM := $(wildcard kernel/x86_64/*.S)
KERNEL_CFLAGS := $(COMMON_CFLAGS) -O2 -ffreestanding -fno-stack-protector -fno-pic -fno-pie \
    -mno-red-zone -mcmodel=small -fno-asynchronous-unwind-tables -MMD -MP \
    -nostdinc -isystem $(shell $(CC) -print-file-name=include) -isystem $(MUSL_INC)
KERNEL_OBJ := $(patsubst %.c,$(BUILD)/kernel/%.o,$(KERNEL_SRC)) \
    $(patsubst %.S,$(BUILD)/kernel/%.o,$(KERNEL_ASM))

$(BUILD)/kernel/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/kernel/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/skiff.elf: $(KERNEL_OBJ) kernel/x86_64/linker.ld kernel/x86_64/check-image.sh
	$(LD) -nostdlib -static -z max-page-size=4096 -T kernel/x86_64/linker.ld -o $@.tmp \
	    $(KERNEL_OBJ) $(MUSL_LIB)/libc.a $(shell $(CC) -print-libgcc-file-name)
	./kernel/x86_64/check-image.sh $@.tmp
	mv $@.tmp $@

# The GRUB ISO: BIOS GRUB (grub-pc-bin) loading the same ELF through its Multiboot2 header.
iso: $(BUILD)/skiff.iso
$(BUILD)/skiff.iso: $(BUILD)/skiff.elf kernel/x86_64/grub.cfg
	rm -rf $(BUILD)/iso
	mkdir -p $(BUILD)/iso/boot/grub
	cp $(BUILD)/skiff.elf $(BUILD)/iso/boot/skiff.elf
	cp kernel/x86_64/grub.cfg $(BUILD)/iso/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(BUILD)/iso 2>$(BUILD)/iso.log || \
	    { cat $(BUILD)/iso.log; exit 1; }

# KVM where it works, else TCG. kvm-pvm (a paravirtual KVM for nested hosts) is passed over:
# its instruction emulator stops the guest ("KVM internal error ... emulation failure") at the
# first SSE instruction it meets after a port I/O exit. tests/qemu/lib/qemu.bash decides alike.
QEMU_ACCEL = $(shell [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ] && echo "-accel kvm") \
    -accel tcg

# `make run`: the kernel on q35 with the serial console on this terminal (Ctrl-A X quits) and
# QEMU's user network: the guest is 10.0.2.15 behind gateway 10.0.2.2 (the boot argument
# defaults), its port 80 reachable as localhost:8080. Boot arguments: make run ARGS="idle=poll".
# deps first, alone, so that a fresh machine has a compiler before anything is built.
ARGS ?=
run: deps
	$(MAKE) $(BUILD)/skiff.elf
	qemu-system-x86_64 -M q35 $(QEMU_ACCEL) -m 256M -display none -no-reboot \
	    -serial mon:stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	    -netdev user,id=n0,hostfwd=tcp::8080-:80 -device virtio-net-pci,netdev=n0 \
	    -kernel $(BUILD)/skiff.elf -append "$(ARGS)"

# `make run-tap`: the same on a TAP device the host reaches directly (root): the guest is
# 10.0.3.2, the host 10.0.3.1, so the host can ping it. See kernel/x86_64/run-tap.sh.
run-tap: deps
	$(MAKE) $(BUILD)/skiff.elf
	./kernel/x86_64/run-tap.sh $(ARGS)
