/* The virtio-mmio transport, version 2 (virtio 1.1 §4.2): finds the device among the
 * virtio_mmio.device=<size>@<base>:<irq> words of the kernel command line (Linux's syntax;
 * Firecracker passes them, and a user may), else at QEMU microvm's fixed slots, and gives the
 * driver a struct virtio_transport over its registers.
 *
 * Entry point: virtio_mmio_find (contract in virtio.h).
 *
 * Version 1 (legacy) devices are refused: QEMU's virtio-mmio is legacy unless started with
 * -global virtio-mmio.force-legacy=false. Register bases must lie below 4 GiB (identity
 * mapped); QEMU microvm's do.
 */
#include "kernel/x86_64/virtio.h"

#include <stdlib.h>
#include <string.h>

#include "kernel/x86_64/x86.h"

#define MAGIC 0x74726976 /* "virt", §4.2.2 */
#define VERSION_MODERN 2

/* Register offsets, §4.2.2 (all 32 bits wide; §4.2.2.2 allows only aligned 32-bit access). */
#define REG_MAGIC 0x000
#define REG_VERSION 0x004
#define REG_DEVICE_ID 0x008
#define REG_DEVICE_FEATURES 0x010
#define REG_DEVICE_FEATURES_SEL 0x014
#define REG_DRIVER_FEATURES 0x020
#define REG_DRIVER_FEATURES_SEL 0x024
#define REG_QUEUE_SEL 0x030
#define REG_QUEUE_NUM_MAX 0x034
#define REG_QUEUE_NUM 0x038
#define REG_QUEUE_READY 0x044
#define REG_QUEUE_NOTIFY 0x050
#define REG_INTERRUPT_STATUS 0x060
#define REG_INTERRUPT_ACK 0x064
#define REG_STATUS 0x070
#define REG_QUEUE_DESC_LOW 0x080
#define REG_QUEUE_DESC_HIGH 0x084
#define REG_QUEUE_DRIVER_LOW 0x090
#define REG_QUEUE_DRIVER_HIGH 0x094
#define REG_QUEUE_DEVICE_LOW 0x0a0
#define REG_QUEUE_DEVICE_HIGH 0x0a4
#define REG_CONFIG_GENERATION 0x0fc
#define REG_CONFIG 0x100
#define REGS_LEN 0x200 /* registers and the device's configuration, as QEMU lays them out */

/* QEMU microvm (hw/i386/microvm.c): transports at 0xfeb00000 + 512 * i. With its second
 * IOAPIC (at 0xfec10000, the default whenever ACPI is on) it makes 24 of them, wired to GSI
 * 24 + i; without, 8, wired to GSI 16 + i or 5 + i depending on ACPI, which we cannot tell
 * apart here. microvm appends a virtio_mmio.device= word per device to the command line, but
 * QEMU 7.2 passes it to a PVH kernel only with acpi=off (qboot), not with the default
 * firmware: so the slots are how we usually find the device. */
#define MICROVM_BASE 0xfeb00000u
#define MICROVM_STRIDE 0x200u
#define MICROVM_SLOTS 24
#define MICROVM_IOAPIC2_GSI 24 /* microvm wires slot i to input i of its second IOAPIC */
#define NO_IRQ (-1)

static volatile uint8_t *regs; /* the device's register window */
static int irq = NO_IRQ;       /* its interrupt line (GSI), NO_IRQ when unknown */

static uint32_t rd(unsigned off)
{
    return *(volatile uint32_t *)(regs + off);
}
static void wr(unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(regs + off) = v;
}

static uint8_t status_get(void)
{
    return (uint8_t)rd(REG_STATUS);
}
static void status_set(uint8_t s)
{
    wr(REG_STATUS, s);
}

static uint64_t features_get(void)
{
    wr(REG_DEVICE_FEATURES_SEL, 0);
    uint64_t lo = rd(REG_DEVICE_FEATURES);
    wr(REG_DEVICE_FEATURES_SEL, 1);
    return lo | (uint64_t)rd(REG_DEVICE_FEATURES) << 32;
}

static void features_set(uint64_t f)
{
    wr(REG_DRIVER_FEATURES_SEL, 0);
    wr(REG_DRIVER_FEATURES, (uint32_t)f);
    wr(REG_DRIVER_FEATURES_SEL, 1);
    wr(REG_DRIVER_FEATURES, (uint32_t)(f >> 32));
}

/* §4.2.2.2: 8-bit fields of the device configuration are read with 8-bit accesses. */
static uint8_t config_read8(unsigned off)
{
    return regs[REG_CONFIG + off];
}
static uint32_t config_generation(void)
{
    return rd(REG_CONFIG_GENERATION);
}

static uint16_t queue_max(unsigned q)
{
    wr(REG_QUEUE_SEL, q);
    uint32_t max = rd(REG_QUEUE_NUM_MAX);
    return max > 0xffff ? 0xffff : (uint16_t)max;
}

/* §4.2.3.2 Virtqueue Configuration, in its order. */
static int queue_enable(unsigned q, uint16_t n, uint64_t desc, uint64_t avail, uint64_t used,
                        bool wake)
{
    wr(REG_QUEUE_SEL, q);
    if (rd(REG_QUEUE_READY) != 0) {
        virtio_log("virtio-mmio: queue %u already in use after reset", q);
        return VIRTIO_REFUSED;
    }
    wr(REG_QUEUE_NUM, n);
    wr(REG_QUEUE_DESC_LOW, (uint32_t)desc);
    wr(REG_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
    wr(REG_QUEUE_DRIVER_LOW, (uint32_t)avail);
    wr(REG_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
    wr(REG_QUEUE_DEVICE_LOW, (uint32_t)used);
    wr(REG_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
    wr(REG_QUEUE_READY, 1);
    /* One line per device: edge-triggered, since the line stays high until InterruptACK and
     * the wake handler only EOIs; wake_ack lowers it before each arming. */
    if (wake && irq != NO_IRQ) x86_ioapic_route((unsigned)irq, false);
    return VIRTIO_OK;
}

/* A write to uncached device memory is not reordered before our earlier ring stores. */
static void queue_notify(unsigned q)
{
    wr(REG_QUEUE_NOTIFY, q);
}

/* §4.2.2: InterruptACK takes the bits of InterruptStatus being acknowledged. */
static void wake_ack(void)
{
    uint32_t pending = rd(REG_INTERRUPT_STATUS);
    if (pending) wr(REG_INTERRUPT_ACK, pending);
}

enum probe { PROBE_NONE, PROBE_LEGACY, PROBE_FOUND };

/* Looks at the window at 'base' for device type 'device_id'. */
static enum probe probe(uint64_t base, uint64_t len, unsigned device_id)
{
    if (len < REGS_LEN || base + REGS_LEN > (1ull << 32)) return PROBE_NONE;
    volatile uint32_t *r = (volatile uint32_t *)(uintptr_t)base;
    if (r[REG_MAGIC / 4] != MAGIC || r[REG_DEVICE_ID / 4] != device_id) return PROBE_NONE;
    if (r[REG_VERSION / 4] != VERSION_MODERN) {
        virtio_log("virtio-mmio: device at 0x%llx is version %u (legacy); start QEMU with "
                   "-global virtio-mmio.force-legacy=false",
                   (unsigned long long)base, r[REG_VERSION / 4]);
        return PROBE_LEGACY;
    }
    return PROBE_FOUND;
}

/* Parses "<size>@<base>:<irq>" (Linux's virtio_mmio.device= syntax; size may end in K or M,
 * numbers may be hex with 0x, an optional ":<id>" follows). Returns false if 'w' does not fit
 * it or names a line no IOAPIC of x86.h has. */
static bool parse_device(const char *w, uint64_t *base, uint64_t *len, int *line)
{
    char *end;
    *len = strtoull(w, &end, 0);
    if (end == w) return false;
    if (*end == 'K' || *end == 'k') {
        *len <<= 10;
        end++;
    } else if (*end == 'M' || *end == 'm') {
        *len <<= 20;
        end++;
    }
    if (*end != '@') return false;
    const char *text = end + 1;
    *base = strtoull(text, &end, 0);
    if (end == text || *end != ':') return false;
    text = end + 1;
    unsigned long n = strtoul(text, &end, 0);
    if (end == text || n > INT32_MAX || (*end != '\0' && *end != ' ' && *end != ':')) return false;
    *line = (int)n;
    return true;
}

/* The interrupt line of microvm slot 'slot', or NO_IRQ (after saying so) when the machine
 * has no second IOAPIC and the line is ambiguous. */
static int microvm_irq(unsigned slot)
{
    if (x86_ioapic_has(MICROVM_IOAPIC2_GSI + slot)) return MICROVM_IOAPIC2_GSI + (int)slot;
    virtio_log("virtio-mmio: interrupt line unknown (no second IOAPIC); idle=halt wakes on "
               "timers only unless the command line has virtio_mmio.device=512@0x%x:<irq>",
               MICROVM_BASE + slot * MICROVM_STRIDE);
    return NO_IRQ;
}

static void take(uint64_t base, int line, struct virtio_transport *t)
{
    regs = (volatile uint8_t *)(uintptr_t)base;
    irq = line;
    virtio_log("virtio-mmio: device at 0x%llx irq %d", (unsigned long long)base, line);
    *t = (struct virtio_transport){
        .name = "virtio-mmio",
        .status_get = status_get,
        .status_set = status_set,
        .features_get = features_get,
        .features_set = features_set,
        .config_read8 = config_read8,
        .config_generation = config_generation,
        .queue_max = queue_max,
        .queue_enable = queue_enable,
        .queue_notify = queue_notify,
        .wake_ack = wake_ack,
    };
}

int virtio_mmio_find(unsigned device_id, const char *cmdline, struct virtio_transport *t)
{
    static const char key[] = "virtio_mmio.device=";
    bool listed = false, legacy = false;
    for (const char *p = cmdline; p != NULL && (p = strstr(p, key)) != NULL; p++) {
        if (p != cmdline && p[-1] != ' ') continue; /* the key must start a word */
        uint64_t base, len;
        int line;
        if (!parse_device(p + sizeof key - 1, &base, &len, &line)) {
            virtio_log("virtio-mmio: ignoring unparsable word %.40s", p);
            continue;
        }
        listed = true;
        enum probe r = probe(base, len, device_id);
        if (r == PROBE_FOUND) {
            if (!x86_ioapic_has((unsigned)line)) {
                virtio_log("virtio-mmio: irq %d has no IOAPIC input; idle=halt wakes on timers "
                           "only", line);
                line = NO_IRQ;
            }
            take(base, line, t);
            return VIRTIO_OK;
        }
        legacy |= r == PROBE_LEGACY;
    }
    if (!listed) {
        for (unsigned i = 0; i < MICROVM_SLOTS; i++) {
            uint64_t base = MICROVM_BASE + i * MICROVM_STRIDE;
            enum probe r = probe(base, REGS_LEN, device_id);
            if (r == PROBE_FOUND) {
                take(base, microvm_irq(i), t);
                return VIRTIO_OK;
            }
            legacy |= r == PROBE_LEGACY;
        }
    }
    return legacy ? VIRTIO_BADDEV : VIRTIO_NODEV;
}
