/* virtio-net for the x86_64 kernel: one driver (virtio_net.c) over two transports, modern PCI
 * (virtio_pci.c, with pci.c under it) and virtio-mmio (virtio_mmio.c). Internal to
 * kernel/x86_64/; the rest of skiff reaches the NIC only through the plat_net_* seam in
 * kernel/platform.h, which virtio_net.c implements.
 *
 * Order of calls (start.c): pbuf_pool_init(), then virtio_net_probe() once, then the seam
 * (plat_net_mac, plat_net_rx, plat_net_tx, ...) and, around each hlt of idle=halt,
 * virtio_net_arm_wake() / virtio_net_disarm_wake().
 *
 * Error convention: enum virtio_outcome; every failure has already printed one console line
 * naming the device and what went wrong.
 *
 * Wake interrupts (idle=halt only): on PCI, MSI-X table entry 0 for both queues; on
 * virtio-mmio, the device's IOAPIC line, edge triggered, acknowledged by disarm and arm.
 *
 * Not supported: more than one NIC, legacy (pre-1.0) devices and virtio-mmio version 1 (QEMU
 * microvm needs -global virtio-mmio.force-legacy=false), PCI INTx (a device without MSI-X
 * works, but idle=halt then wakes on timers only), registers above 4 GiB, an IOMMU
 * (VIRTIO_F_ACCESS_PLATFORM), multiqueue, mergeable receive buffers, checksum/segmentation
 * offloads, VIRTIO_F_EVENT_IDX, indirect descriptors, packed virtqueues, configuration change
 * interrupts (link status is not watched).
 */
#ifndef SKIFF_X86_64_VIRTIO_H
#define SKIFF_X86_64_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

enum virtio_outcome {
    VIRTIO_OK = 0,
    VIRTIO_NODEV = -1,   /* no virtio-net device on either transport */
    VIRTIO_BADDEV = -2,  /* a device was found but is unusable (legacy only, BAR above 4 GiB) */
    VIRTIO_REFUSED = -3, /* the device refused our features or a queue (§3.1.1 steps 6 and 7) */
    VIRTIO_NOMEM = -4,   /* plat_pages_alloc or the pbuf pool ran dry while filling the rings */
};

/* ---- The driver (virtio_net.c) ---- */

/* Finds the NIC and brings it up (virtio 1.1 §3.1.1): first modern virtio-net on PCI
 * (0x1af4:0x1041, or transitional 0x1af4:0x1000 driven through its virtio capabilities), else
 * the virtio-mmio devices named by virtio_mmio.device=<size>@<base>:<irq> words of 'cmdline'
 * (borrowed for the call), else QEMU microvm's fixed virtio-mmio slots. Posts receive buffers
 * from the pbuf pool, so pbuf_pool_init() must have run. Returns VIRTIO_OK, or a negative
 * enum virtio_outcome after printing why. Call once. */
int virtio_net_probe(const char *cmdline);

/* "virtio-pci" or "virtio-mmio" once virtio_net_probe() succeeded, "none" before. */
const char *virtio_net_transport(void);

/* Enables the receive queue's used-buffer notification, so the next received frame raises the
 * wake interrupt, then looks again: returns true if frames are already waiting (the caller
 * must not hlt then; without this re-check a frame that arrived just before arming would be
 * missed until the next timer). When the pool ran dry and the receive ring is short of
 * buffers, sent frames coming back also wake (and count as waiting): they refill the ring. */
bool virtio_net_arm_wake(void);

/* Suppresses the notifications again and acknowledges a pending interrupt status, for
 * the poll loop's busy time. Cheap; call after every wake. */
void virtio_net_disarm_wake(void);

/* Prints one console line, printf-style, for the probe's messages (newline added). */
void virtio_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- Transports (virtio_pci.c, virtio_mmio.c) ---- */

/* How the driver reaches one device's registers, whichever the transport. Filled by a
 * transport's find function; the functions act on that transport's single device. */
struct virtio_transport {
    const char *name; /* "virtio-pci" or "virtio-mmio"; static storage */
    uint8_t (*status_get)(void);
    /* Writes device_status; 0 starts a reset, done once status_get() reads 0. */
    void (*status_set)(uint8_t status);
    uint64_t (*features_get)(void);          /* the device's 64 feature bits */
    void (*features_set)(uint64_t features); /* the driver's accepted bits */
    uint8_t (*config_read8)(unsigned off);   /* device-specific configuration space */
    uint32_t (*config_generation)(void);     /* changes when the config space changes */
    uint16_t (*queue_max)(unsigned q);       /* queue 'q''s largest size; 0 = absent */
    /* Gives queue 'q' its 'n'-entry rings at physical addresses 'desc', 'avail', 'used' and
     * enables it; 'wake' routes its used-buffer notifications to the wake interrupt. Returns
     * VIRTIO_OK or VIRTIO_REFUSED (after printing why). */
    int (*queue_enable)(unsigned q, uint16_t n, uint64_t desc, uint64_t avail, uint64_t used,
                        bool wake);
    void (*queue_notify)(unsigned q); /* available buffer notification */
    void (*wake_ack)(void); /* clears a pending interrupt status; NULL if nothing to clear */
};

/* Looks for a modern virtio device of type 'device_id' on PCI and fills 't'. Returns VIRTIO_OK,
 * VIRTIO_NODEV, or VIRTIO_BADDEV after printing why the device found is unusable. */
int virtio_pci_find(unsigned device_id, struct virtio_transport *t);

/* Looks for a version 2 virtio-mmio device of type 'device_id', first in the
 * virtio_mmio.device= words of 'cmdline', then at QEMU microvm's slots, and fills 't'. Returns
 * VIRTIO_OK, VIRTIO_NODEV, or VIRTIO_BADDEV after printing why (a version 1 device). */
int virtio_mmio_find(unsigned device_id, const char *cmdline, struct virtio_transport *t);

/* ---- PCI configuration space (pci.c) ---- */

/* One PCI function, by its configuration address. */
struct pci_fn {
    uint8_t bus, dev, fn;
};

/* Configuration register at byte offset 'off' (0..255, aligned to its width) of 'f'. Reads of
 * an absent function return all ones. */
uint8_t pci_cfg_read8(struct pci_fn f, unsigned off);
uint16_t pci_cfg_read16(struct pci_fn f, unsigned off);
uint32_t pci_cfg_read32(struct pci_fn f, unsigned off);
void pci_cfg_write16(struct pci_fn f, unsigned off, uint16_t v);

/* Scans buses 0..255 in order through configuration mechanism #1 and stores in '*out' the
 * first function whose vendor is 'vendor' and for which 'match' returns true. Returns true if
 * one was found. At most 256 * 32 * 8 configuration reads of the vendor register. */
bool pci_fn_find(uint16_t vendor, bool (*match)(struct pci_fn f, uint16_t device_id),
                 struct pci_fn *out);

/* Physical address of memory BAR 'bar' (0..5), following a 64-bit BAR into its upper half.
 * Returns 0 for an I/O BAR, an unassigned one, or 'bar' > 5. */
uint64_t pci_bar_addr(struct pci_fn f, unsigned bar);

/* Offset in configuration space of the first capability with ID 'id' after the one at 'prev'
 * (0 = from the start of the list), or 0 if there is none. Follows at most 48 links, so a
 * looping list ends. */
unsigned pci_cap_find(struct pci_fn f, uint8_t id, unsigned prev);

#endif
