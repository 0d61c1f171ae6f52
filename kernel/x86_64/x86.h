/* The x86_64 platform's internal header: what boot.S, start.c, cpu.c, serial.c, mem.c,
 * clock.c, irq.c and the virtio driver share. Nothing outside kernel/x86_64/ includes it; the
 * rest of skiff sees this platform only through kernel/platform.h.
 *
 * Order of calls (start.c, from boot.S's x86_start): x86_serial_init, x86_cpu_init,
 * x86_mem_init, x86_cpu_guard_null, x86_clock_init, x86_irq_init; after that everything here
 * may be used.
 *
 * Memory: boot.S identity-maps the first 4 GiB with 2 MiB pages (physical == virtual, so a
 * pointer is a DMA address), except the first 4 KiB page, unmapped once the boot information
 * has been read (x86_cpu_guard_null) so that a NULL dereference faults. The fourth GiB
 * (0xC0000000..0xFFFFFFFF), where QEMU puts the LAPIC, the IOAPICs, virtio-mmio and the PCI
 * BARs, is mapped uncached. Nothing above 4 GiB is mapped: a device whose registers sit there
 * is refused by its driver.
 *
 * Exit statuses (plat_exit): the loop's own, 2 for a bad boot argument or no NIC, 3 for
 * plat_panic, 4 for a CPU exception. Through QEMU's isa-debug-exit (iobase 0xf4) the QEMU
 * process exits with (status << 1) | 1: 0 -> 1, 2 -> 5, 3 -> 7, 4 -> 9. Without that device the
 * machine halts with interrupts off instead.
 *
 * Not supported: more than one CPU, x2APIC mode, UEFI boot (the ISO is BIOS GRUB), RAM or
 * device registers above 4 GiB, ACPI (so microvm with acpi=on gives no virtio_mmio.device=
 * words and its NIC's interrupt line is unknown), a PVH start info of version 0 (no memory
 * map), the TSC-deadline timer, reading the boot modules (kept intact for a later issue's app
 * bytecode).
 */
#ifndef SKIFF_X86_64_X86_H
#define SKIFF_X86_64_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define X86_EXIT_BOOT 2      /* bad boot argument, or no usable NIC */
#define X86_EXIT_PANIC 3     /* plat_panic */
#define X86_EXIT_EXCEPTION 4 /* a CPU exception (cpu.c) */

/* ---- Port and register access ---- */

static inline void x86_out8(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t x86_in8(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void x86_out16(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void x86_out32(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t x86_in32(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint64_t x86_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static inline uint64_t x86_rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

static inline void x86_wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* CPUID leaf 'leaf', subleaf 0, into r[0..3] = eax, ebx, ecx, edx. */
static inline void x86_cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

/* ---- Boot (boot.S -> start.c) ---- */

/* How we were started; boot.S passes it to x86_start() with the boot information's address. */
enum x86_boot_proto {
    X86_BOOT_PVH = 1,       /* XEN_ELFNOTE_PHYS32_ENTRY: %ebx = struct hvm_start_info */
    X86_BOOT_MULTIBOOT2 = 2 /* GRUB: %eax = 0x36d76289, %ebx = the boot information */
};

/* The C entry point (start.c), on boot.S's stack with FS.base, SSE and the page tables set. */
_Noreturn void x86_start(uint32_t proto, uint32_t info);

/* ---- Serial console (serial.c) ---- */

/* Programs COM1 (0x3F8) for 115200 8N1. Output before this call is lost. */
void x86_serial_init(void);

/* ---- Memory (mem.c) ---- */

/* Reads the memory map, the command line and the boot modules from the boot information at
 * physical address 'info' (borrowed for the call: everything needed later is copied, since the
 * page allocator may hand out the memory it sits in). Panics if there is no memory map. */
void x86_mem_init(enum x86_boot_proto proto, uint32_t info);

/* The kernel command line (copied at boot, at most X86_CMDLINE_MAX - 1 bytes; "" if none). */
#define X86_CMDLINE_MAX 2048
const char *x86_mem_cmdline(void);

/* Bytes of usable RAM in the memory map, below and above 4 GiB (the banner's figure). */
uint64_t x86_mem_ram_bytes(void);

/* ---- CPU (cpu.c) ---- */

/* Loads the IDT: the 32 exception vectors print a report and exit X86_EXIT_EXCEPTION; the
 * interrupt vectors below are installed by x86_irq_init(). */
void x86_cpu_init(void);

/* Unmaps the first 4 KiB page, so that a NULL dereference faults (#PF, cr2 < 4096). Call
 * once x86_mem_init() has copied what it needs from the boot information. */
void x86_cpu_guard_null(void);

/* Installs 'stub' (an assembly entry in boot.S) as interrupt gate 'vector'. */
void x86_idt_set(unsigned vector, void (*stub)(void));

/* ---- Clock (clock.c) ---- */

/* Calibrates the TSC (kvmclock, else CPUID 0x15/0x16, else the PIT) and reads the CMOS RTC.
 * Prints nothing; x86_clock_source() names what was used for the banner. */
void x86_clock_init(void);

/* TSC ticks per second, as calibrated. */
uint64_t x86_clock_tsc_hz(void);

/* "kvmclock", "cpuid" or "pit". */
const char *x86_clock_source(void);

/* ---- Interrupts (irq.c), used only to wake from idle=halt ---- */

/* The vector device interrupts are routed to. Its handler only sends the LAPIC an EOI and
 * returns with interrupts disabled: the device is quiesced by virtio_net_disarm_wake(). */
#define X86_WAKE_VECTOR 0x40

/* Enables the LAPIC, masks the legacy 8259 PIC, calibrates the LAPIC timer against the TSC
 * and installs the wake and timer vectors. */
void x86_irq_init(void);

/* Sets how plat_wait() idles (enum bootarg_idle, from the boot arguments). */
void x86_irq_idle_set(int idle);

/* Routes IOAPIC input 'gsi' (0..23 on the first IOAPIC at 0xFEC00000, 24..47 on microvm's
 * second one at 0xFEC10000) to X86_WAKE_VECTOR on this CPU, active high, edge or level
 * triggered. Panics ("irq: no IOAPIC for gsi") if no IOAPIC has that input. */
void x86_ioapic_route(unsigned gsi, bool level_triggered);

/* True if an IOAPIC has input 'gsi' (so x86_ioapic_route() may be called for it). */
bool x86_ioapic_has(unsigned gsi);

/* The MSI/MSI-X message address and data that deliver X86_WAKE_VECTOR to this CPU, edge
 * triggered (Intel SDM vol. 3, "Message Address Register Format" and "Message Data Register
 * Format"). */
uint64_t x86_msi_address(void);
uint32_t x86_msi_data(void);

#endif
