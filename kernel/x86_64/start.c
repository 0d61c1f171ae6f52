/* The x86_64 kernel's C entry: bring the machine up, parse the boot arguments, find the NIC,
 * print the banner, run the loop; plus plat_exit and plat_panic.
 *
 * Entry points: x86_start (from boot.S), plat_exit, plat_panic.
 *
 * The IDT is loaded right after the serial port, before the memory map is read, so that a
 * fault anywhere after the first line of output is reported instead of resetting the machine.
 */
#include "kernel/x86_64/x86.h"

#include <stdio.h>
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/platform.h"
#include "kernel/x86_64/virtio.h"
#include "net/net.h"

#define DEBUG_EXIT_PORT 0xf4 /* QEMU -device isa-debug-exit,iobase=0xf4,iosize=0x04 */

static void say(const char *s)
{
    plat_console_write(s, strlen(s));
}

_Noreturn void plat_exit(int status)
{
    /* QEMU exits with (status << 1) | 1 (x86.h); on a machine without the device the write
     * goes nowhere and we halt. */
    x86_out8(DEBUG_EXIT_PORT, (uint8_t)status);
    for (;;)
        __asm__ volatile("cli; hlt");
}

_Noreturn void plat_panic(const char *tag)
{
    say("panic: ");
    say(tag);
    say("\n");
    plat_exit(X86_EXIT_PANIC);
}

static void banner(enum x86_boot_proto proto, const struct bootargs *args)
{
    uint8_t mac[6];
    plat_net_mac(mac);
    char argtext[512];
    bootargs_format(args, argtext, sizeof argtext);
    char line[768];
    uint64_t mhz = x86_clock_tsc_hz() / 1000000;
    int n = snprintf(line, sizeof line,
                     "skiff %s x86_64: %llu MiB RAM, net %02x:%02x:%02x:%02x:%02x:%02x (%s), "
                     "boot %s, tsc %llu MHz (%s), args %s\n",
                     SKIFF_VERSION, (unsigned long long)(x86_mem_ram_bytes() >> 20), mac[0], mac[1],
                     mac[2], mac[3], mac[4], mac[5], virtio_net_transport(),
                     proto == X86_BOOT_PVH ? "pvh" : "multiboot2", (unsigned long long)mhz,
                     x86_clock_source(), argtext);
    plat_console_write(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

_Noreturn void x86_start(uint32_t proto, uint32_t info)
{
    x86_serial_init();
    x86_cpu_init();
    x86_mem_init((enum x86_boot_proto)proto, info);
    x86_cpu_guard_null();
    x86_clock_init();
    x86_irq_init();

    struct bootargs args;
    char err[512];
    bootargs_defaults(&args);
    if (bootargs_parse_cmdline(&args, x86_mem_cmdline(), err, sizeof err) != 0) {
        say(err);
        say("\n");
        plat_exit(X86_EXIT_BOOT);
    }
    x86_irq_idle_set((int)args.idle);
    if (pbuf_pool_init((unsigned)args.bufs) != NET_OK) {
        snprintf(err, sizeof err, "skiff: not enough memory for bufs=%llu packet buffers\n",
                 (unsigned long long)args.bufs);
        say(err);
        plat_exit(X86_EXIT_BOOT);
    }
    if (virtio_net_probe(x86_mem_cmdline()) != VIRTIO_OK) {
        say("skiff: no usable virtio-net device (attach one: -device virtio-net-pci on q35, "
            "-device virtio-net-device on microvm); stopping\n");
        plat_exit(X86_EXIT_BOOT);
    }
    banner((enum x86_boot_proto)proto, &args);
    plat_exit(loop_run(&args));
}
