/* Unit tests for kernel/x86_64/virtio_net.c: the driver against a fake device that plays the
 * device's side of the split virtqueues (virtio 1.1 §2.6) in host memory.
 *
 * The driver is compiled into this file with its plat_net_* names changed, because the hosted
 * platform in libskiff-asan.a (netdev.c) defines the same seam. The transports are replaced by
 * the fake one below; pci.c, virtio_pci.c and virtio_mmio.c need real hardware and are covered
 * by tests/qemu/ping-q35.sh and tests/qemu/ping-microvm.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define plat_net_mac vn_net_mac
#define plat_net_offloads vn_net_offloads
#define plat_net_rx vn_net_rx
#define plat_net_tx vn_net_tx
#include "kernel/x86_64/virtio_net.c"

#define POOL_BUFS 64
#define FAKE_QUEUE_MAX 256

/* The fake device: what the driver told it, and its own view of the rings. */
static struct {
    uint8_t status;
    uint64_t offered;     /* features offered */
    uint64_t accepted;    /* features the driver wrote */
    bool refuse_features; /* clear FEATURES_OK when the driver sets it */
    uint16_t tx_max;      /* the transmit queue's largest size; 0 = FAKE_QUEUE_MAX */
    uint16_t n[2];
    volatile struct virtq_desc *desc[2];
    volatile struct virtq_avail *avail[2];
    volatile struct virtq_used *used[2];
    uint16_t avail_seen[2]; /* the device's next avail entry to consume */
    unsigned notifies[2];
    unsigned acks;
} dev;

static const uint8_t DEV_MAC[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};

static uint8_t fake_status_get(void)
{
    return dev.status;
}
static void fake_status_set(uint8_t s)
{
    if ((s & STATUS_FEATURES_OK) && dev.refuse_features) s &= (uint8_t)~STATUS_FEATURES_OK;
    dev.status = s;
}
static uint64_t fake_features_get(void)
{
    return dev.offered;
}
static void fake_features_set(uint64_t f)
{
    dev.accepted = f;
}
static uint8_t fake_config_read8(unsigned off)
{
    return off < 6 ? DEV_MAC[off] : 0;
}
static uint32_t fake_config_generation(void)
{
    return 7;
}
static uint16_t fake_queue_max(unsigned q)
{
    if (q == TXQ && dev.tx_max != 0) return dev.tx_max;
    return q < 2 ? FAKE_QUEUE_MAX : 0;
}
static int fake_queue_enable(unsigned q, uint16_t n, uint64_t desc, uint64_t avail, uint64_t used,
                             bool wake)
{
    (void)wake;
    dev.n[q] = n;
    dev.desc[q] = (volatile struct virtq_desc *)(uintptr_t)desc;
    dev.avail[q] = (volatile struct virtq_avail *)(uintptr_t)avail;
    dev.used[q] = (volatile struct virtq_used *)(uintptr_t)used;
    dev.avail_seen[q] = 0;
    return VIRTIO_OK;
}
static void fake_queue_notify(unsigned q)
{
    dev.notifies[q]++;
}
static void fake_wake_ack(void)
{
    dev.acks++;
}

int virtio_pci_find(unsigned device_id, struct virtio_transport *t)
{
    assert_int_equal(device_id, VIRTIO_ID_NET);
    *t = (struct virtio_transport){
        .name = "fake",
        .status_get = fake_status_get,
        .status_set = fake_status_set,
        .features_get = fake_features_get,
        .features_set = fake_features_set,
        .config_read8 = fake_config_read8,
        .config_generation = fake_config_generation,
        .queue_max = fake_queue_max,
        .queue_enable = fake_queue_enable,
        .queue_notify = fake_queue_notify,
        .wake_ack = fake_wake_ack,
    };
    return VIRTIO_OK;
}

int virtio_mmio_find(unsigned device_id, const char *cmdline, struct virtio_transport *t)
{
    (void)device_id, (void)cmdline, (void)t;
    return VIRTIO_NODEV;
}

/* Buffers the driver has made available on queue 'q' and the device has not yet taken. */
static unsigned dev_avail(unsigned q)
{
    return (uint16_t)(dev.avail[q]->idx - dev.avail_seen[q]);
}

/* Device side of §2.6.8: returns descriptor 'id' as used with 'len' bytes written. */
static void dev_use(unsigned q, uint32_t id, uint32_t len)
{
    volatile struct virtq_used *u = dev.used[q];
    u->ring[u->idx & (dev.n[q] - 1)].id = id;
    u->ring[u->idx & (dev.n[q] - 1)].len = len;
    u->idx++;
}

/* Takes the next available descriptor of queue 'q'. */
static uint16_t dev_take(unsigned q)
{
    assert_true(dev_avail(q) > 0);
    return dev.avail[q]->ring[dev.avail_seen[q]++ & (dev.n[q] - 1)];
}

/* Receives a 'len'-byte frame of byte 'fill' into the next receive buffer; returns its
 * descriptor. The header is written too, as a device would. */
static uint16_t dev_receive(uint32_t len, uint8_t fill)
{
    uint16_t d = dev_take(RXQ);
    volatile struct virtq_desc *desc = &dev.desc[RXQ][d];
    assert_true(desc->flags & DESC_F_WRITE);
    assert_true(len + NET_HDR_LEN <= desc->len);
    uint8_t *buf = (uint8_t *)(uintptr_t)desc->addr;
    memset(buf, 0, NET_HDR_LEN);
    memset(buf + NET_HDR_LEN, fill, len);
    dev_use(RXQ, d, len + NET_HDR_LEN);
    return d;
}

/* Sends (and completes) everything on the transmit queue; returns how many. */
static unsigned dev_transmit_all(void)
{
    unsigned n = 0;
    while (dev_avail(TXQ) > 0) {
        uint16_t d = dev_take(TXQ);
        dev_use(TXQ, d, 0);
        n++;
    }
    return n;
}

/* A fresh driver and device: the driver's state lives in statics, so reset them. Each probe
 * allocates new rings; the old ones are freed here (the hosted plat_pages_alloc is
 * aligned_alloc, and each queue's rings start at its descriptor table). */
static void reset_driver(void)
{
    free((void *)(uintptr_t)rx.desc);
    free((void *)(uintptr_t)tx.desc);
    memset(&dev, 0, sizeof dev);
    memset(&rx, 0, sizeof rx);
    memset(&tx, 0, sizeof tx);
    up = false;
    dev.offered = F_VERSION_1 | F_NET_MAC | (1ull << 15) /* MRG_RXBUF */ | 1ull /* CSUM */ |
                  (1ull << 29) /* EVENT_IDX */;
}

/* Returns every buffer the driver holds to the pool, so that each test starts with a full
 * pool and a probe can run again. */
static void drain_driver(void)
{
    for (unsigned d = 0; d < QUEUE_MAX; d++) {
        if (rx.bufs[d] != NULL) pbuf_free(rx.bufs[d], PBUF_DEVICE);
        if (tx.bufs[d] != NULL) pbuf_free(tx.bufs[d], PBUF_DEVICE);
    }
}

static int group_setup(void **state)
{
    (void)state;
    return pbuf_pool_init(POOL_BUFS) == NET_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    reset_driver();
    return 0;
}

static int probe_setup(void **state)
{
    (void)state;
    reset_driver();
    return virtio_net_probe("") == VIRTIO_OK ? 0 : -1;
}

static int probe_teardown(void **state)
{
    (void)state;
    drain_driver();
    assert_int_equal(pbuf_pool_free(), POOL_BUFS);
    return 0;
}

/* virtio 1.1 §3.1.1 steps 4-8: only VERSION_1 and MAC accepted, ends at DRIVER_OK. */
static void test_probe_negotiates_version1_and_mac_only(void **state)
{
    (void)state;
    assert_int_equal(dev.accepted, F_VERSION_1 | F_NET_MAC);
    assert_int_equal(dev.status,
                     STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    uint8_t m[6];
    vn_net_mac(m);
    assert_memory_equal(m, DEV_MAC, 6);
    assert_string_equal(virtio_net_transport(), "fake");
    assert_int_equal(vn_net_offloads(), 0);
}

/* The receive ring holds half the pool (its share), and the device was told after DRIVER_OK. */
static void test_probe_posts_half_the_pool_for_receive(void **state)
{
    (void)state;
    assert_int_equal(dev_avail(RXQ), POOL_BUFS / 2);
    assert_int_equal(pbuf_pool_free(), POOL_BUFS / 2);
    assert_int_equal(dev.notifies[RXQ], 1);
}

/* §3.1.1 step 6: a device that clears FEATURES_OK is given up, with FAILED set. */
static void test_probe_features_refused_sets_failed(void **state)
{
    (void)state;
    reset_driver();
    dev.refuse_features = true;
    assert_int_equal(virtio_net_probe(""), VIRTIO_REFUSED);
    assert_true(dev.status & STATUS_FAILED);
    assert_string_equal(virtio_net_transport(), "none");
}

static void test_probe_legacy_only_device_refused(void **state)
{
    (void)state;
    reset_driver();
    dev.offered = F_NET_MAC;
    assert_int_equal(virtio_net_probe(""), VIRTIO_BADDEV);
    assert_true(dev.status & STATUS_FAILED);
}

/* §2.4: no MAC in the config: a locally administered unicast one is made up. */
static void test_probe_without_mac_feature_makes_local_mac(void **state)
{
    (void)state;
    reset_driver();
    dev.offered = F_VERSION_1;
    assert_int_equal(virtio_net_probe(""), VIRTIO_OK);
    uint8_t m[6];
    vn_net_mac(m);
    assert_int_equal(m[0] & 3, 2);
    drain_driver();
}

static void test_rx_frame_given_to_net_in_place(void **state)
{
    (void)state;
    dev_receive(60, 0xab);
    struct pbuf *f[4];
    assert_int_equal(vn_net_rx(f, 4), 1);
    assert_int_equal(f[0]->len, 60);
    assert_int_equal(f[0]->owner, PBUF_NET);
    assert_ptr_equal(f[0]->data, f[0]->head + PBUF_HEADROOM);
    assert_int_equal(f[0]->data[0], 0xab);
    assert_int_equal(f[0]->data[59], 0xab);
    pbuf_free(f[0], PBUF_NET);
}

/* The receive ring is refilled from the pool and the device told once. */
static void test_rx_refills_ring_and_notifies_once(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++)
        dev_receive(60, (uint8_t)i);
    unsigned notified = dev.notifies[RXQ];
    struct pbuf *f[8];
    assert_int_equal(vn_net_rx(f, 8), 5);
    assert_int_equal(dev_avail(RXQ), POOL_BUFS / 2);
    assert_int_equal(dev.notifies[RXQ], notified + 1);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(f[i]->data[0], i); /* in order */
        pbuf_free(f[i], PBUF_NET);
    }
}

static void test_rx_stops_at_max(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++)
        dev_receive(60, 1);
    struct pbuf *f[8];
    assert_int_equal(vn_net_rx(f, 2), 2);
    assert_int_equal(vn_net_rx(f + 2, 8), 3);
    assert_int_equal(vn_net_rx(f + 5, 8), 0);
    for (int i = 0; i < 5; i++)
        pbuf_free(f[i], PBUF_NET);
}

/* Used lengths at the limits: a whole buffer is a frame, one byte more is dropped; a header
 * alone is dropped, a header and one byte is a frame. */
static void test_rx_used_len_limits(void **state)
{
    (void)state;
    uint32_t lens[] = {RX_BUF_LEN, RX_BUF_LEN + 1, NET_HDR_LEN, NET_HDR_LEN + 1, 0, UINT32_MAX};
    bool good[] = {true, false, false, true, false, false};
    for (unsigned i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        uint16_t d = dev_take(RXQ);
        dev_use(RXQ, d, lens[i]);
        struct pbuf *f[2];
        uint64_t before = drop_rx_len;
        int n = vn_net_rx(f, 2);
        assert_int_equal(n, good[i] ? 1 : 0);
        assert_int_equal(drop_rx_len, before + (good[i] ? 0 : 1));
        if (n == 1) {
            assert_int_equal(f[0]->len, lens[i] - NET_HDR_LEN);
            pbuf_free(f[0], PBUF_NET);
        }
        assert_int_equal(dev_avail(RXQ), POOL_BUFS / 2); /* the ring stays full */
    }
}

/* A used id the device does not own (out of range, or already returned) is dropped. */
static void test_rx_bad_used_id_dropped(void **state)
{
    (void)state;
    uint64_t before = drop_used_id;
    dev_use(RXQ, 9999, 100);
    uint16_t d = dev_receive(60, 2);
    dev_use(RXQ, d, 72); /* the same descriptor twice */
    struct pbuf *f[4];
    assert_int_equal(vn_net_rx(f, 4), 1);
    assert_int_equal(drop_used_id, before + 2);
    pbuf_free(f[0], PBUF_NET);
}

/* The 16-bit ring indexes wrap (§2.6.6, §2.6.8): more than 65536 frames through one ring. */
static void test_rx_indexes_wrap(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 70000; i++) {
        dev_receive(64, (uint8_t)i);
        struct pbuf *f[1];
        assert_int_equal(vn_net_rx(f, 1), 1);
        assert_int_equal(f[0]->data[63], (uint8_t)i);
        pbuf_free(f[0], PBUF_NET);
    }
}

static struct pbuf *frame(uint16_t len)
{
    struct pbuf *b = pbuf_take(PBUF_NET);
    assert_non_null(b);
    memset(b->head, 0xff, PBUF_HEADROOM); /* the header must be written, not assumed */
    memset(b->data, 0x5a, len);
    b->len = len;
    return b;
}

/* §5.1.6.2: a zeroed header in front of each frame, all posted, one notification. */
static void test_tx_zeroed_header_one_notify(void **state)
{
    (void)state;
    struct pbuf *f[3] = {frame(60), frame(1514), frame(42)};
    unsigned notified = dev.notifies[TXQ];
    assert_int_equal(vn_net_tx(f, 3), 3);
    assert_int_equal(dev.notifies[TXQ], notified + 1);
    assert_int_equal(dev_avail(TXQ), 3);
    for (int i = 0; i < 3; i++) {
        uint16_t d = dev.avail[TXQ]->ring[(dev.avail_seen[TXQ] + i) & (dev.n[TXQ] - 1)];
        volatile struct virtq_desc *desc = &dev.desc[TXQ][d];
        assert_int_equal(desc->flags & DESC_F_WRITE, 0);
        assert_int_equal(desc->len, f[i]->len + NET_HDR_LEN);
        const uint8_t *hdr = (const uint8_t *)(uintptr_t)desc->addr;
        for (int j = 0; j < NET_HDR_LEN; j++)
            assert_int_equal(hdr[j], 0);
        assert_ptr_equal(hdr + NET_HDR_LEN, f[i]->data);
        assert_int_equal(f[i]->owner, PBUF_DEVICE);
    }
    dev_transmit_all();
}

/* Sent frames go back to the pool on the next call (tx or rx). */
static void test_tx_reclaims_sent_buffers(void **state)
{
    (void)state;
    unsigned free_before = pbuf_pool_free();
    struct pbuf *f[2] = {frame(60), frame(60)};
    assert_int_equal(vn_net_tx(f, 2), 2);
    assert_int_equal(pbuf_pool_free(), free_before - 2);
    dev_transmit_all();
    assert_int_equal(vn_net_tx(f, 0), 0);
    assert_int_equal(pbuf_pool_free(), free_before);
}

/* A full transmit ring takes what fits; the rest stays with the caller. */
static void test_tx_full_ring_takes_part(void **state)
{
    (void)state;
    drain_driver();
    reset_driver();
    dev.tx_max = 4;
    assert_int_equal(virtio_net_probe(""), VIRTIO_OK);
    assert_int_equal(tx.n, 4);
    struct pbuf *f[6];
    for (int i = 0; i < 6; i++)
        f[i] = frame(60);
    assert_int_equal(vn_net_tx(f, 6), 4);
    assert_int_equal(f[4]->owner, PBUF_NET);
    assert_int_equal(vn_net_tx(f + 4, 2), 0); /* nothing sent yet, nothing reclaimed */
    dev_transmit_all();
    assert_int_equal(vn_net_tx(f + 4, 2), 2);
    dev_transmit_all();
}

/* §2.6.7: arming clears NO_INTERRUPT, and frames already used are reported, not slept on. */
static void test_arm_wake_reports_waiting_frames(void **state)
{
    (void)state;
    assert_false(virtio_net_arm_wake());
    assert_int_equal(rx.avail->flags, 0);
    assert_int_equal(tx.avail->flags, AVAIL_F_NO_INTERRUPT); /* ring full: tx not armed */
    virtio_net_disarm_wake();
    assert_int_equal(rx.avail->flags, AVAIL_F_NO_INTERRUPT);
    dev_receive(60, 3);
    assert_true(virtio_net_arm_wake());
    virtio_net_disarm_wake();
    struct pbuf *f[1];
    assert_int_equal(vn_net_rx(f, 1), 1);
    pbuf_free(f[0], PBUF_NET);
}

/* A starved receive ring (pool dry) also wakes on transmit completions, which refill it. */
static void test_arm_wake_starved_ring_wakes_on_tx(void **state)
{
    (void)state;
    struct pbuf *held[POOL_BUFS];
    unsigned n = 0;
    while ((held[n] = pbuf_take(PBUF_NET)) != NULL)
        n++;
    for (int i = 0; i < 3; i++)
        dev_receive(60, 4);
    struct pbuf *f[3];
    assert_int_equal(vn_net_rx(f, 3), 3); /* pool dry: nothing to refill with */
    assert_int_equal(dev_avail(RXQ), POOL_BUFS / 2 - 3);
    for (int i = 0; i < 3; i++)
        f[i]->len = 60;
    assert_int_equal(vn_net_tx(f, 3), 3); /* answered in place */
    assert_false(virtio_net_arm_wake());
    assert_int_equal(tx.avail->flags, 0);
    dev_transmit_all();
    assert_true(virtio_net_arm_wake());
    virtio_net_disarm_wake();
    assert_int_equal(tx.avail->flags, AVAIL_F_NO_INTERRUPT);
    assert_int_equal(vn_net_rx(f, 3), 0); /* reclaims, then refills */
    assert_int_equal(dev_avail(RXQ), POOL_BUFS / 2);
    for (unsigned i = 0; i < n; i++)
        pbuf_free(held[i], PBUF_NET);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_probe_negotiates_version1_and_mac_only, probe_setup,
                                        probe_teardown),
        cmocka_unit_test_setup_teardown(test_probe_posts_half_the_pool_for_receive, probe_setup,
                                        probe_teardown),
        cmocka_unit_test(test_probe_features_refused_sets_failed),
        cmocka_unit_test(test_probe_legacy_only_device_refused),
        cmocka_unit_test(test_probe_without_mac_feature_makes_local_mac),
        cmocka_unit_test_setup_teardown(test_rx_frame_given_to_net_in_place, probe_setup,
                                        probe_teardown),
        cmocka_unit_test_setup_teardown(test_rx_refills_ring_and_notifies_once, probe_setup,
                                        probe_teardown),
        cmocka_unit_test_setup_teardown(test_rx_stops_at_max, probe_setup, probe_teardown),
        cmocka_unit_test_setup_teardown(test_rx_used_len_limits, probe_setup, probe_teardown),
        cmocka_unit_test_setup_teardown(test_rx_bad_used_id_dropped, probe_setup, probe_teardown),
        cmocka_unit_test_setup_teardown(test_rx_indexes_wrap, probe_setup, probe_teardown),
        cmocka_unit_test_setup_teardown(test_tx_zeroed_header_one_notify, probe_setup,
                                        probe_teardown),
        cmocka_unit_test_setup_teardown(test_tx_reclaims_sent_buffers, probe_setup, probe_teardown),
        cmocka_unit_test_setup_teardown(test_tx_full_ring_takes_part, probe_setup, probe_teardown),
        cmocka_unit_test_setup_teardown(test_arm_wake_reports_waiting_frames, probe_setup,
                                        probe_teardown),
        cmocka_unit_test_setup_teardown(test_arm_wake_starved_ring_wakes_on_tx, probe_setup,
                                        probe_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
