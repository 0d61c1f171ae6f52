/* The virtio PCI transport, modern interface only (virtio 1.1 §4.1): finds the device by its
 * ID, maps the structures its vendor capabilities point at (§4.1.4), and gives the driver a
 * struct virtio_transport over them. Wake interrupts use MSI-X vector 0 on the receive queue.
 *
 * Entry point: virtio_pci_find (contract in virtio.h).
 *
 * Assumes the firmware (SeaBIOS on pc/q35) has assigned the BARs and that they lie below
 * 4 GiB, where physical == virtual; a BAR above is refused with a message.
 */
#include "kernel/x86_64/virtio.h"

#include "kernel/platform.h"
#include "kernel/x86_64/x86.h"

#define VENDOR_VIRTIO 0x1af4
#define DEVICE_MODERN_BASE 0x1040        /* §4.1.2.1: 0x1040 + virtio device ID */
#define DEVICE_TRANSITIONAL_FIRST 0x1000 /* §4.1.2.1: 0x1000..0x103f, type in subsystem ID */
#define DEVICE_TRANSITIONAL_LAST 0x103f
#define REG_DEVICE_ID 0x02
#define REG_COMMAND 0x04
#define REG_SUBSYSTEM_ID 0x2e
#define COMMAND_MEMORY 0x2
#define COMMAND_BUS_MASTER 0x4 /* the device reads and writes the rings in our memory */

#define CAP_VENDOR 0x09 /* §4.1.4: virtio structures are vendor-specific capabilities */
#define CAP_MSIX 0x11   /* PCI Local Bus 3.0 §6.8.2 */

/* Offsets in struct virtio_pci_cap, §4.1.4. */
#define VCAP_CFG_TYPE 3
#define VCAP_BAR 4
#define VCAP_OFFSET 8
#define VCAP_LENGTH 12
#define VCAP_NOTIFY_MULTIPLIER 16 /* struct virtio_pci_notify_cap, §4.1.4.4 */

enum cfg_type { /* §4.1.4 */
                CFG_COMMON = 1,
                CFG_NOTIFY = 2,
                CFG_ISR = 3,
                CFG_DEVICE = 4,
};

/* struct virtio_pci_common_cfg, §4.1.4.3: byte offsets of its fields. */
#define COMMON_DEVICE_FEATURE_SELECT 0
#define COMMON_DEVICE_FEATURE 4
#define COMMON_DRIVER_FEATURE_SELECT 8
#define COMMON_DRIVER_FEATURE 12
#define COMMON_MSIX_CONFIG 16
#define COMMON_DEVICE_STATUS 20
#define COMMON_CONFIG_GENERATION 21
#define COMMON_QUEUE_SELECT 22
#define COMMON_QUEUE_SIZE 24
#define COMMON_QUEUE_MSIX_VECTOR 26
#define COMMON_QUEUE_ENABLE 28
#define COMMON_QUEUE_NOTIFY_OFF 30
#define COMMON_QUEUE_DESC 32
#define COMMON_QUEUE_DRIVER 40
#define COMMON_QUEUE_DEVICE 48
#define NO_VECTOR 0xffff /* §4.1.5.1.2 */

/* MSI-X capability and table, PCI Local Bus 3.0 §6.8.2. */
#define MSIX_CONTROL 2
#define MSIX_TABLE 4
#define MSIX_CONTROL_ENABLE 0x8000
#define MSIX_CONTROL_FUNCTION_MASK 0x4000
#define MSIX_ENTRY_ADDR_LO 0
#define MSIX_ENTRY_ADDR_HI 4
#define MSIX_ENTRY_DATA 8
#define MSIX_ENTRY_CONTROL 12
#define WAKE_VECTOR 0 /* the MSI-X table entry both queues signal */

/* The one device this file drives: its configuration address and its mapped structures. */
static struct pci_fn fn;
static uint16_t want_id;               /* virtio device ID sought by virtio_pci_find */
static volatile uint8_t *common;       /* struct virtio_pci_common_cfg, in a BAR */
static volatile uint8_t *notify;       /* base of the notification structure */
static uint32_t notify_multiplier;     /* notify_off_multiplier, §4.1.4.4 */
static volatile uint8_t *devcfg;       /* device-specific configuration */
static volatile uint8_t *notify_at[2]; /* per queue: where its notifications go */
static bool msix_on;                   /* MSI-X is enabled and WAKE_VECTOR programmed */

static uint8_t rd8(volatile uint8_t *base, unsigned off)
{
    return base[off];
}
static uint16_t rd16(volatile uint8_t *base, unsigned off)
{
    return *(volatile uint16_t *)(base + off);
}
static uint32_t rd32(volatile uint8_t *base, unsigned off)
{
    return *(volatile uint32_t *)(base + off);
}
static void wr8(volatile uint8_t *base, unsigned off, uint8_t v)
{
    base[off] = v;
}
static void wr16(volatile uint8_t *base, unsigned off, uint16_t v)
{
    *(volatile uint16_t *)(base + off) = v;
}
static void wr32(volatile uint8_t *base, unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(base + off) = v;
}
/* §4.1.3.1: the driver may write a 64-bit field as its low then its high 32 bits. */
static void wr64(volatile uint8_t *base, unsigned off, uint64_t v)
{
    wr32(base, off, (uint32_t)v);
    wr32(base, off + 4, (uint32_t)(v >> 32));
}

static uint8_t status_get(void)
{
    return rd8(common, COMMON_DEVICE_STATUS);
}
static void status_set(uint8_t s)
{
    wr8(common, COMMON_DEVICE_STATUS, s);
}

static uint64_t features_get(void)
{
    wr32(common, COMMON_DEVICE_FEATURE_SELECT, 0);
    uint64_t lo = rd32(common, COMMON_DEVICE_FEATURE);
    wr32(common, COMMON_DEVICE_FEATURE_SELECT, 1);
    return lo | (uint64_t)rd32(common, COMMON_DEVICE_FEATURE) << 32;
}

static void features_set(uint64_t f)
{
    wr32(common, COMMON_DRIVER_FEATURE_SELECT, 0);
    wr32(common, COMMON_DRIVER_FEATURE, (uint32_t)f);
    wr32(common, COMMON_DRIVER_FEATURE_SELECT, 1);
    wr32(common, COMMON_DRIVER_FEATURE, (uint32_t)(f >> 32));
}

static uint8_t config_read8(unsigned off)
{
    return rd8(devcfg, off);
}
static uint32_t config_generation(void)
{
    return rd8(common, COMMON_CONFIG_GENERATION);
}

static uint16_t queue_max(unsigned q)
{
    wr16(common, COMMON_QUEUE_SELECT, (uint16_t)q);
    return rd16(common, COMMON_QUEUE_SIZE);
}

/* §4.1.5.1.3 Virtqueue Configuration, in its order. */
static int queue_enable(unsigned q, uint16_t n, uint64_t desc, uint64_t avail, uint64_t used,
                        bool wake)
{
    if (q >= sizeof notify_at / sizeof notify_at[0]) plat_panic("virtio-pci: queue index");
    wr16(common, COMMON_QUEUE_SELECT, (uint16_t)q);
    wr16(common, COMMON_QUEUE_SIZE, n);
    if (msix_on) {
        uint16_t vector = wake ? WAKE_VECTOR : NO_VECTOR;
        wr16(common, COMMON_QUEUE_MSIX_VECTOR, vector);
        /* §4.1.5.1.2: the device answers NO_VECTOR when it could not allocate the vector. */
        if (rd16(common, COMMON_QUEUE_MSIX_VECTOR) != vector) {
            virtio_log("virtio-pci: queue %u refused MSI-X vector %u", q, vector);
            return VIRTIO_REFUSED;
        }
    }
    wr64(common, COMMON_QUEUE_DESC, desc);
    wr64(common, COMMON_QUEUE_DRIVER, avail);
    wr64(common, COMMON_QUEUE_DEVICE, used);
    notify_at[q] = notify + (uint32_t)rd16(common, COMMON_QUEUE_NOTIFY_OFF) * notify_multiplier;
    wr16(common, COMMON_QUEUE_ENABLE, 1);
    return VIRTIO_OK;
}

/* §4.1.5.2: without VIRTIO_F_NOTIFICATION_DATA the driver writes the queue's index. A write
 * to uncached device memory is not reordered before our earlier stores to the rings. */
static void queue_notify(unsigned q)
{
    wr16(notify_at[q], 0, (uint16_t)q);
}

static bool is_wanted(struct pci_fn f, uint16_t device)
{
    if (device == DEVICE_MODERN_BASE + want_id) return true;
    return device >= DEVICE_TRANSITIONAL_FIRST && device <= DEVICE_TRANSITIONAL_LAST &&
           pci_cfg_read16(f, REG_SUBSYSTEM_ID) == want_id;
}

/* Returns the virtual address of 'len' bytes at 'off' in BAR 'bar', or NULL (after a message)
 * if the BAR is unassigned or not below 4 GiB. */
static volatile uint8_t *bar_map(unsigned bar, uint32_t off, uint32_t len)
{
    uint64_t base = pci_bar_addr(fn, bar);
    if (base == 0 || base + off + len > (1ull << 32)) {
        virtio_log("virtio-pci: %02x:%02x.%u BAR%u at 0x%llx unusable (unassigned, I/O, or "
                   "above 4 GiB)",
                   fn.bus, fn.dev, fn.fn, bar, (unsigned long long)base);
        return NULL;
    }
    return (volatile uint8_t *)(uintptr_t)(base + off);
}

/* Programs MSI-X table entry WAKE_VECTOR with the wake interrupt and enables MSI-X. Without
 * an MSI-X capability the device still works; idle=halt then wakes only on timers. */
static void msix_setup(void)
{
    unsigned cap = pci_cap_find(fn, CAP_MSIX, 0);
    if (cap == 0) {
        virtio_log("virtio-pci: no MSI-X capability; idle=halt wakes on timers only");
        return;
    }
    uint32_t table = pci_cfg_read32(fn, cap + MSIX_TABLE);
    volatile uint8_t *entry = bar_map(table & 7, table & ~7u, 16 * (WAKE_VECTOR + 1));
    if (entry == NULL) return;
    entry += 16 * WAKE_VECTOR;
    uint16_t control = pci_cfg_read16(fn, cap + MSIX_CONTROL);
    pci_cfg_write16(fn, cap + MSIX_CONTROL,
                    control | MSIX_CONTROL_ENABLE | MSIX_CONTROL_FUNCTION_MASK);
    uint64_t addr = x86_msi_address();
    wr32(entry, MSIX_ENTRY_ADDR_LO, (uint32_t)addr);
    wr32(entry, MSIX_ENTRY_ADDR_HI, (uint32_t)(addr >> 32));
    wr32(entry, MSIX_ENTRY_DATA, x86_msi_data());
    wr32(entry, MSIX_ENTRY_CONTROL, 0); /* unmasked */
    pci_cfg_write16(fn, cap + MSIX_CONTROL,
                    (control | MSIX_CONTROL_ENABLE) & (uint16_t)~MSIX_CONTROL_FUNCTION_MASK);
    msix_on = true;
    /* §4.1.5.1.2: configuration changes get no vector; we do not watch them. */
    wr16(common, COMMON_MSIX_CONFIG, NO_VECTOR);
}

int virtio_pci_find(unsigned device_id, struct virtio_transport *t)
{
    want_id = (uint16_t)device_id;
    if (!pci_fn_find(VENDOR_VIRTIO, is_wanted, &fn)) return VIRTIO_NODEV;
    virtio_log("virtio-pci: device %04x at %02x:%02x.%u", pci_cfg_read16(fn, REG_DEVICE_ID), fn.bus,
               fn.dev, fn.fn);
    pci_cfg_write16(fn, REG_COMMAND,
                    pci_cfg_read16(fn, REG_COMMAND) | COMMAND_MEMORY | COMMAND_BUS_MASTER);

    /* §4.1.4.1: use the first capability of each type; the ISR structure is not needed with
     * MSI-X, and we do not map it. */
    for (unsigned cap = pci_cap_find(fn, CAP_VENDOR, 0); cap != 0;
         cap = pci_cap_find(fn, CAP_VENDOR, cap)) {
        uint8_t type = pci_cfg_read8(fn, cap + VCAP_CFG_TYPE);
        volatile uint8_t **slot = type == CFG_COMMON   ? &common
                                  : type == CFG_NOTIFY ? &notify
                                  : type == CFG_DEVICE ? &devcfg
                                                       : NULL;
        if (slot == NULL || *slot != NULL) continue;
        *slot = bar_map(pci_cfg_read8(fn, cap + VCAP_BAR), pci_cfg_read32(fn, cap + VCAP_OFFSET),
                        pci_cfg_read32(fn, cap + VCAP_LENGTH));
        if (*slot == NULL) return VIRTIO_BADDEV;
        if (type == CFG_NOTIFY)
            notify_multiplier = pci_cfg_read32(fn, cap + VCAP_NOTIFY_MULTIPLIER);
    }
    if (common == NULL || notify == NULL || devcfg == NULL) {
        virtio_log("virtio-pci: device lacks the modern common/notify/device capabilities "
                   "(a legacy-only device: start QEMU without disable-modern=on)");
        return VIRTIO_BADDEV;
    }
    msix_setup();

    *t = (struct virtio_transport){
        .name = "virtio-pci",
        .status_get = status_get,
        .status_set = status_set,
        .features_get = features_get,
        .features_set = features_set,
        .config_read8 = config_read8,
        .config_generation = config_generation,
        .queue_max = queue_max,
        .queue_enable = queue_enable,
        .queue_notify = queue_notify,
        .wake_ack = NULL, /* MSI-X messages need no acknowledgement at the device */
    };
    return VIRTIO_OK;
}
