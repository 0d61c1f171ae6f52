/* The virtio-net driver (virtio 1.1 §5.1) over whichever transport virtio_pci.c or
 * virtio_mmio.c found, with split virtqueues (§2.6): queue 0 receives, queue 1 transmits.
 * Implements the network half of kernel/platform.h (plat_net_*) and the probe and wake calls
 * of virtio.h.
 *
 * Receive buffers are pbufs posted to the device directly: one device-writable descriptor per
 * buffer, starting NET_HDR_LEN bytes before the pbuf's 'data', so the frame lands at
 * 'data' and is parsed there. Transmit writes a zeroed header into the headroom in front of
 * each frame and posts the frame in place. Nothing is copied either way.
 *
 * Memory ordering. Everything runs on one CPU and the device is another agent reading and
 * writing the rings in our memory; x86 keeps stores in order with stores and loads with loads,
 * so the spec's write and read barriers (§2.6.13.3, §2.6.14) need only stop the compiler
 * (barrier()). Two places need a store to be visible before a later load, the one order x86
 * does not keep: publishing avail->idx before reading used->flags (§2.6.10), and re-enabling
 * interrupts before re-reading used->idx (§2.6.7); those use mfence. Notifications are writes
 * to uncached device memory, which x86 does not move ahead of earlier stores.
 */
#include "kernel/x86_64/virtio.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel/platform.h"
#include "net/net.h"

#define VIRTIO_ID_NET 1 /* §5 Device Types */

/* Device status bits, §2.1. */
#define STATUS_ACKNOWLEDGE 1
#define STATUS_DRIVER 2
#define STATUS_DRIVER_OK 4
#define STATUS_FEATURES_OK 8
#define STATUS_FAILED 128

/* Feature bits we negotiate: nothing else, so no offloads, no mergeable buffers and no
 * EVENT_IDX (the ring's flags fields then control notifications). */
#define F_NET_MAC (1ull << 5)    /* §5.1.3: the device has a MAC address in its config */
#define F_VERSION_1 (1ull << 32) /* §6: modern device; little-endian rings, 12-byte header */

/* struct virtio_net_hdr, §5.1.6: with VIRTIO_F_VERSION_1 it always has num_buffers, 12 bytes. */
#define NET_HDR_LEN 12
_Static_assert(NET_HDR_LEN <= PBUF_HEADROOM, "the header goes in a pbuf's headroom");

/* What one receive descriptor covers: the header, then the rest of the pbuf. Without
 * VIRTIO_NET_F_MRG_RXBUF and the GUEST_TSO/UFO features, §5.1.6.3.1: "the driver SHOULD
 * populate the receive queue(s) with buffers of at least 1526 bytes" (header + 1514). */
#define RX_BUF_LEN (PBUF_SIZE - PBUF_HEADROOM + NET_HDR_LEN)
_Static_assert(RX_BUF_LEN >= 1526, "a receive buffer holds a whole frame");

/* Entries per queue, at most. 256 is QEMU's default size; more would hold more of the pbuf
 * pool in the rings (bufs=64 is the smallest pool), fewer would drop frames in bursts. */
#define QUEUE_MAX 256

/* Split virtqueue layout, §2.6.5, §2.6.6, §2.6.8; alignment per the table in §2.6. */
struct virtq_desc {
    uint64_t addr; /* physical address of the buffer */
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
#define DESC_F_WRITE 2         /* device writes the buffer (otherwise reads it) */
#define AVAIL_F_NO_INTERRUPT 1 /* §2.6.7: we do not want used-buffer notifications */
#define USED_F_NO_NOTIFY 1     /* §2.6.10: the device does not want available notifications */

struct virtq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[];
};

struct virtq_used_elem {
    uint32_t id;  /* head descriptor of the used chain */
    uint32_t len; /* bytes the device wrote into it */
};

struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[];
};
_Static_assert(sizeof(struct virtq_desc) == 16, "§2.6.5 descriptor layout");
_Static_assert(sizeof(struct virtq_used_elem) == 8, "§2.6.8 used element layout");

/* One split virtqueue. The rings live in plat_pages_alloc memory shared with the device; the
 * rest is ours. Indexes 'avail_idx' and 'used_seen' run free and wrap at 2^16, as the spec's
 * idx fields do. */
struct vq {
    uint16_t n;         /* entries, a power of 2 (§2.6) */
    uint16_t avail_idx; /* the next avail->idx we will publish */
    uint16_t used_seen; /* used->idx up to which we have taken used entries */
    uint16_t nfree;     /* entries of 'free' in use */
    volatile struct virtq_desc *desc;
    volatile struct virtq_avail *avail;
    volatile struct virtq_used *used;
    uint16_t free[QUEUE_MAX];     /* stack of descriptors the device does not own */
    struct pbuf *bufs[QUEUE_MAX]; /* bufs[d]: the pbuf descriptor d points at, owned by
                                   * PBUF_DEVICE; NULL while d is free */
};

enum { RXQ = 0, TXQ = 1 }; /* §5.1.2: receiveq1, transmitq1 */

static struct virtio_transport tp;
static struct vq rx, tx;
static uint8_t mac[6];
static bool up; /* virtio_net_probe succeeded */
/* Bad used entries from the device, dropped and counted by reason. */
static uint64_t drop_rx_len;  /* a length outside (NET_HDR_LEN, RX_BUF_LEN] */
static uint64_t drop_used_id; /* naming a descriptor the device did not own */

static inline void barrier(void)
{
    __asm__ volatile("" ::: "memory");
}
static inline void mfence(void)
{
    __asm__ volatile("mfence" ::: "memory");
}

void virtio_log(const char *fmt, ...)
{
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (len < 0) return;
    if ((size_t)len > sizeof line - 2) len = sizeof line - 2;
    line[len++] = '\n';
    plat_console_write(line, (size_t)len);
}

/* Counts one bad used entry in '*counter' and reports it on the console at the 1st, 2nd,
 * 4th, 8th, ... occurrence: a broken device is visible without flooding the serial line. */
static void drop(uint64_t *counter, const char *what, uint32_t value)
{
    uint64_t n = ++*counter;
    if ((n & (n - 1)) == 0)
        virtio_log("virtio-net: dropped used entry with %s %u (%llu so far)", what, value,
                   (unsigned long long)n);
}

/* Allocates queue 'q''s rings, as many entries as the device allows up to QUEUE_MAX, and
 * hands them to the device; 'wake' as for virtio_transport.queue_enable. */
static int vq_init(struct vq *v, unsigned q, bool wake)
{
    uint16_t max = tp.queue_max(q);
    if (max == 0) {
        virtio_log("virtio-net: the device has no queue %u", q);
        return VIRTIO_REFUSED;
    }
    uint16_t n = QUEUE_MAX;
    while (n > max)
        n >>= 1;                /* the largest power of 2 the device allows */
    size_t avail_off = 16u * n; /* alignment 2 */
    size_t used_off = (avail_off + 6u + 2u * n + 3u) & ~(size_t)3; /* alignment 4 */
    size_t bytes = used_off + 6u + 8u * n;
    uint8_t *mem = plat_pages_alloc((bytes + PLAT_PAGE_SIZE - 1) / PLAT_PAGE_SIZE);
    if (mem == NULL) {
        virtio_log("virtio-net: no memory for queue %u", q);
        return VIRTIO_NOMEM;
    }
    *v = (struct vq){.n = n};
    v->desc = (volatile struct virtq_desc *)mem;
    v->avail = (volatile struct virtq_avail *)(mem + avail_off);
    v->used = (volatile struct virtq_used *)(mem + used_off);
    for (unsigned d = 0; d < n; d++)
        v->free[v->nfree++] = (uint16_t)(n - 1 - d);
    /* Polled unless virtio_net_arm_wake() says otherwise; a hint the device may ignore. */
    v->avail->flags = AVAIL_F_NO_INTERRUPT;
    /* Physical == virtual for plat_pages_alloc memory (the kernel's identity map). */
    return tp.queue_enable(q, n, (uintptr_t)v->desc, (uintptr_t)v->avail, (uintptr_t)v->used, wake);
}

/* Puts descriptor 'd', already filled in, on the available ring; not visible to the device
 * until vq_publish(). */
static void vq_post(struct vq *v, uint16_t d, struct pbuf *b)
{
    v->bufs[d] = b;
    v->avail->ring[v->avail_idx & (v->n - 1)] = d;
    v->avail_idx++;
}

/* Makes the posted entries visible (§2.6.13.3) and notifies the device (§2.6.13.4) unless it
 * asked not to be (§2.6.10). */
static void vq_publish(struct vq *v, unsigned q)
{
    barrier(); /* ring entries before idx: store order, which x86 keeps */
    v->avail->idx = v->avail_idx;
    mfence(); /* idx before reading flags: a store then a load, which x86 may swap */
    if (!(v->used->flags & USED_F_NO_NOTIFY)) tp.queue_notify(q);
}

/* Takes the next used entry, if any, into 'id' and 'len'. */
static bool vq_used_next(struct vq *v, uint32_t *id, uint32_t *len)
{
    if (v->used_seen == v->used->idx) return false;
    barrier(); /* §2.6.14: read idx before the entry it covers; loads stay in order on x86 */
    volatile struct virtq_used_elem *e = &v->used->ring[v->used_seen & (v->n - 1)];
    *id = e->id;
    *len = e->len;
    v->used_seen++;
    return true;
}

/* The receive ring's share of the pool: half of it, at most the ring. A ring holding every
 * buffer would leave none for net/'s answers (an ARP reply takes a fresh buffer), and the pool
 * would stay dry (bufs=64 with a 256-entry ring). */
static unsigned rx_share(void)
{
    unsigned share = pbuf_pool_size() / 2;
    return share < rx.n ? share : rx.n;
}

/* True when the receive ring holds fewer buffers than its share (the pool ran dry). */
static bool rx_starved(void)
{
    return (unsigned)(rx.n - rx.nfree) < rx_share();
}

/* Posts pool buffers on free receive descriptors until the ring holds its share or the pool
 * is dry. Returns how many were posted (not yet published). */
static unsigned rx_fill(void)
{
    unsigned posted = 0;
    while (rx_starved() && rx.nfree > 0) {
        struct pbuf *b = pbuf_take(PBUF_DEVICE);
        if (b == NULL) break; /* pool dry: the descriptors wait for the next plat_net_rx */
        uint16_t d = rx.free[--rx.nfree];
        rx.desc[d].addr = (uintptr_t)(b->data - NET_HDR_LEN);
        rx.desc[d].len = RX_BUF_LEN;
        rx.desc[d].flags = DESC_F_WRITE;
        vq_post(&rx, d, b);
        posted++;
    }
    return posted;
}

/* Gives every transmitted buffer back to the pool. */
static void tx_reclaim(void)
{
    uint32_t id, len;
    while (vq_used_next(&tx, &id, &len)) {
        if (id >= tx.n || tx.bufs[id] == NULL) {
            drop(&drop_used_id, "tx id", id);
            continue;
        }
        pbuf_free(tx.bufs[id], PBUF_DEVICE);
        tx.bufs[id] = NULL;
        tx.free[tx.nfree++] = (uint16_t)id;
    }
}

/* Sets FAILED (§3.1.1: the driver SHOULD when a step goes irrecoverably wrong) and passes
 * 'outcome' on. */
static int give_up(int outcome)
{
    tp.status_set(tp.status_get() | STATUS_FAILED);
    return outcome;
}

/* Reads the MAC from the device configuration (§5.1.4), retrying while config_generation
 * changes under us (§2.4.1), or makes one up when the device has none (§5.1.5: the driver
 * generates a random one). */
static void mac_read(uint64_t features)
{
    if (!(features & F_NET_MAC)) {
        uint64_t r = plat_random_seed();
        for (int i = 0; i < 6; i++)
            mac[i] = (uint8_t)(r >> (8 * i));
        mac[0] = (uint8_t)((mac[0] & ~1u) | 2u); /* unicast, locally administered */
        return;
    }
    uint32_t gen;
    do {
        gen = tp.config_generation();
        for (unsigned i = 0; i < 6; i++)
            mac[i] = tp.config_read8(i);
    } while (gen != tp.config_generation());
}

/* §3.1.1 Driver Requirements: Device Initialization, step by step. */
static int init(void)
{
    tp.status_set(0); /* 1. reset the device */
    for (unsigned spins = 0; tp.status_get() != 0; spins++) {
        /* §4.1.4.3.2: "wait for a read of device_status to return 0" before going on. */
        if (spins > 1000000) {
            virtio_log("virtio-net: device does not finish its reset");
            return VIRTIO_BADDEV;
        }
    }
    tp.status_set(STATUS_ACKNOWLEDGE);                 /* 2. we noticed the device */
    tp.status_set(STATUS_ACKNOWLEDGE | STATUS_DRIVER); /* 3. and can drive it */

    uint64_t offered = tp.features_get(); /* 4. read its features, write our subset */
    if (!(offered & F_VERSION_1)) {
        virtio_log("virtio-net: device does not offer VIRTIO_F_VERSION_1 (legacy only)");
        return give_up(VIRTIO_BADDEV);
    }
    uint64_t accepted = offered & (F_VERSION_1 | F_NET_MAC);
    tp.features_set(accepted);

    tp.status_set(STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK); /* 5. */
    if (!(tp.status_get() & STATUS_FEATURES_OK)) { /* 6. did the device accept them? */
        virtio_log("virtio-net: device refused features 0x%llx", (unsigned long long)accepted);
        return give_up(VIRTIO_REFUSED);
    }

    /* 7. device-specific setup, §5.1.5: the queues, the MAC, receive buffers. */
    int r = vq_init(&rx, RXQ, true);
    if (r == VIRTIO_OK) r = vq_init(&tx, TXQ, true); /* see virtio_net_arm_wake */
    if (r != VIRTIO_OK) return give_up(r);
    mac_read(accepted);
    if (rx_fill() == 0) {
        virtio_log("virtio-net: the pbuf pool is empty, nothing to receive into");
        return give_up(VIRTIO_NOMEM);
    }
    barrier();
    rx.avail->idx = rx.avail_idx;

    /* 8. DRIVER_OK: the device is live. Notify only now that it may act on it. */
    tp.status_set(STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    tp.queue_notify(RXQ);
    return VIRTIO_OK;
}

int virtio_net_probe(const char *cmdline)
{
    int r = virtio_pci_find(VIRTIO_ID_NET, &tp);
    if (r == VIRTIO_NODEV) r = virtio_mmio_find(VIRTIO_ID_NET, cmdline, &tp);
    if (r == VIRTIO_NODEV) {
        virtio_log("virtio-net: no device (looked for virtio-net-pci on PCI, then "
                   "virtio_mmio.device= words and QEMU microvm's virtio-mmio slots)");
        return r;
    }
    if (r == VIRTIO_OK) r = init();
    if (r != VIRTIO_OK) return r;
    up = true;
    virtio_log("virtio-net: %s, mac %02x:%02x:%02x:%02x:%02x:%02x, %u rx / %u tx entries", tp.name,
               mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], rx.n, tx.n);
    return VIRTIO_OK;
}

const char *virtio_net_transport(void)
{
    return up ? tp.name : "none";
}

bool virtio_net_arm_wake(void)
{
    /* A receive ring short of buffers refills only when sent frames come back to the pool, and
     * the device says so only through the transmit queue: then wake on that too, or a dry
     * pool would sleep until the next timer with the answers already sent. */
    bool starved = rx_starved();
    if (tp.wake_ack != NULL)
        tp.wake_ack(); /* lower a stale line first, or its next edge would be lost */
    rx.avail->flags = 0;
    if (starved) tx.avail->flags = 0;
    mfence(); /* §2.6.7: flags stores before the used->idx loads, which x86 may swap */
    return rx.used->idx != rx.used_seen || (starved && tx.used->idx != tx.used_seen);
}

void virtio_net_disarm_wake(void)
{
    rx.avail->flags = AVAIL_F_NO_INTERRUPT;
    tx.avail->flags = AVAIL_F_NO_INTERRUPT;
    if (tp.wake_ack != NULL) tp.wake_ack();
}

void plat_net_mac(uint8_t out[6])
{
    memcpy(out, mac, 6);
}

unsigned plat_net_offloads(void)
{
    return 0;
}

int plat_net_rx(struct pbuf **frames, int max)
{
    tx_reclaim(); /* sent frames' buffers back to the pool first, for rx_fill below */
    int got = 0;
    uint32_t id, len;
    while (got < max && vq_used_next(&rx, &id, &len)) {
        struct pbuf *b = id < rx.n ? rx.bufs[id] : NULL;
        if (b == NULL) {
            drop(&drop_used_id, "rx id", id);
            continue;
        }
        rx.bufs[id] = NULL;
        rx.free[rx.nfree++] = (uint16_t)id;
        /* §5.1.6.4: the device wrote 'len' bytes, header included. Do not trust it: a frame
         * must have one byte and fit the buffer we gave. */
        if (len <= NET_HDR_LEN || len > RX_BUF_LEN) {
            drop(&drop_rx_len, "rx len", len);
            pbuf_free(b, PBUF_DEVICE);
            continue;
        }
        b->len = (uint16_t)(len - NET_HDR_LEN);
        pbuf_give(b, PBUF_DEVICE, PBUF_NET);
        frames[got++] = b;
    }
    if (rx_fill() > 0) vq_publish(&rx, RXQ);
    return got;
}

int plat_net_tx(struct pbuf **frames, int n)
{
    tx_reclaim();
    int sent = 0;
    while (sent < n && tx.nfree > 0) {
        struct pbuf *b = frames[sent];
        if (b->data - b->head < NET_HDR_LEN || b->len == 0 ||
            b->data + b->len > b->head + PBUF_SIZE)
            plat_panic("virtio-net: tx frame outside its pbuf");
        /* §5.1.6.2: flags 0 and gso_type VIRTIO_NET_HDR_GSO_NONE: no offload asked for. */
        memset(b->data - NET_HDR_LEN, 0, NET_HDR_LEN);
        pbuf_give(b, PBUF_NET, PBUF_DEVICE);
        uint16_t d = tx.free[--tx.nfree];
        tx.desc[d].addr = (uintptr_t)(b->data - NET_HDR_LEN);
        tx.desc[d].len = (uint32_t)b->len + NET_HDR_LEN;
        tx.desc[d].flags = 0;
        vq_post(&tx, d, b);
        sent++;
    }
    if (sent > 0) vq_publish(&tx, TXQ);
    return sent;
}
