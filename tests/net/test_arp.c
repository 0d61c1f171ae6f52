/* Unit tests for net/arp.c: answering requests (RFC 826), the cache (merge rule, expiry,
 * eviction), resolving next hops for IPv4 output with retries and one held packet, and the
 * gratuitous ARP at start-up (RFC 5227 §2.3). */
#include "net_fixture.h"

static const uint8_t zero_mac[6];
static const uint8_t other_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};

/* Checks that 'f' is an ARP frame from us with the given fields, padded to 60 bytes. */
static void check_arp_out(const struct pbuf *f, const uint8_t eth_dst[6], unsigned op,
                          const uint8_t tha[6], uint32_t tpa)
{
    const uint8_t *p = f->data;
    assert_int_equal(f->len, 60);
    assert_memory_equal(p, eth_dst, 6);
    assert_memory_equal(p + 6, fx_mac, 6);
    assert_int_equal(get16(p + 12), 0x0806);
    assert_int_equal(get16(p + 14), 1);
    assert_int_equal(get16(p + 16), 0x0800);
    assert_int_equal(p[18], 6);
    assert_int_equal(p[19], 4);
    assert_int_equal(get16(p + 20), op);
    assert_memory_equal(p + 22, fx_mac, 6);
    assert_int_equal(get32(p + 28), FX_IP);
    assert_memory_equal(p + 32, tha, 6);
    assert_int_equal(get32(p + 38), tpa);
    for (int i = 42; i < 60; i++)
        assert_int_equal(p[i], 0);
}

/* Feeds an ARP packet from 'sha'/'spa' to 'tpa' at 'now'. */
static void arp_in(unsigned op, const uint8_t sha[6], uint32_t spa, uint32_t tpa, uint64_t now)
{
    uint8_t f[60] = {0};
    fx_arp(f, op == 1 ? fx_bcast_mac : fx_mac, op, sha, spa, op == 1 ? zero_mac : fx_mac, tpa);
    fx_input(f, sizeof f, now);
}

/* Queues an IPv4 datagram (20-byte header, 'n' payload bytes of value 'fill') for 'dst'. */
static struct pbuf *ip_out(uint32_t dst, size_t n, uint8_t fill, uint64_t now)
{
    struct pbuf *b = pbuf_take(PBUF_NET);
    assert_non_null(b);
    memset(b->data + 34, fill, n);
    b->len = (uint16_t)(34 + n);
    ip4_output(b, dst, 17, now);
    return b;
}

static void test_init_sends_gratuitous_arp(void **state)
{
    (void)state;
    struct net_config cfg = fx_config();
    assert_int_equal(net_init(&cfg, 5), NET_OK);
    /* net_init resets the counters, then counts its own announcement. */
    struct fx_counts zero = {{0}};
    fx_counts_moved(&zero, NET_ARP_REQUESTS, NET_TX_FRAMES, -1);
    struct pbuf *f = fx_out_one();
    /* RFC 5227 §2.3: an announcement is a request with sender and target IP both ours. */
    check_arp_out(f, fx_bcast_mac, 1, zero_mac, FX_IP);
    pbuf_free(f, PBUF_NET);
}

static void test_request_for_us_sends_reply_in_same_buffer(void **state)
{
    (void)state;
    uint8_t bytes[60] = {0};
    fx_arp(bytes, fx_bcast_mac, 1, fx_peer_mac, FX_PEER_IP, zero_mac, FX_IP);
    struct pbuf *in = fx_frame(bytes, sizeof bytes);
    struct fx_counts before = fx_counts_now();
    net_input(in, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_ARP_REPLIES, NET_TX_FRAMES, -1);
    struct pbuf *f = fx_out_one();
    assert_ptr_equal(f, in); /* zero copy: the request's buffer carries the reply */
    check_arp_out(f, fx_peer_mac, 2, fx_peer_mac, FX_PEER_IP);
    pbuf_free(f, PBUF_NET);
}

static void test_request_unpadded_42_bytes_reply_padded_60(void **state)
{
    (void)state;
    uint8_t bytes[42];
    fx_arp(bytes, fx_bcast_mac, 1, fx_peer_mac, FX_PEER_IP, zero_mac, FX_IP);
    struct pbuf *in = fx_frame(bytes, sizeof bytes);
    memset(in->data + 42, 0xee, 18); /* stale bytes past the frame must not leak out */
    net_input(in, 0);
    struct pbuf *f = fx_out_one();
    check_arp_out(f, fx_peer_mac, 2, fx_peer_mac, FX_PEER_IP);
    pbuf_free(f, PBUF_NET);
}

static void test_request_for_us_learns_sender(void **state)
{
    (void)state;
    uint8_t mac[6];
    assert_false(arp_cache_lookup(FX_PEER_IP, mac));
    arp_in(1, fx_peer_mac, FX_PEER_IP, FX_IP, 0);
    fx_out_drain();
    assert_true(arp_cache_lookup(FX_PEER_IP, mac));
    assert_memory_equal(mac, fx_peer_mac, 6);
}

static void test_reply_to_us_learns_sender_no_drop(void **state)
{
    (void)state;
    struct fx_counts before = fx_counts_now();
    arp_in(2, fx_peer_mac, FX_PEER_IP, FX_IP, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, -1);
    assert_int_equal(fx_out_drain(), 0);
    uint8_t mac[6];
    assert_true(arp_cache_lookup(FX_PEER_IP, mac));
    assert_memory_equal(mac, fx_peer_mac, 6);
}

static void test_request_for_other_unknown_sender_drops_not_for_us(void **state)
{
    (void)state;
    struct fx_counts before = fx_counts_now();
    arp_in(1, fx_peer_mac, FX_PEER_IP, 0x0a000009, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_DROP_NOT_FOR_US, -1);
    assert_int_equal(fx_out_drain(), 0);
    uint8_t mac[6];
    assert_false(arp_cache_lookup(FX_PEER_IP, mac)); /* RFC 826: only the target adds */
}

static void test_request_for_other_known_sender_merges_new_mac(void **state)
{
    (void)state;
    arp_in(2, fx_peer_mac, FX_PEER_IP, FX_IP, 0);
    struct fx_counts before = fx_counts_now();
    arp_in(1, other_mac, FX_PEER_IP, 0x0a000009, 1);
    fx_counts_moved(&before, NET_RX_FRAMES, -1); /* used for the merge: not a drop */
    assert_int_equal(fx_out_drain(), 0);
    uint8_t mac[6];
    assert_true(arp_cache_lookup(FX_PEER_IP, mac));
    assert_memory_equal(mac, other_mac, 6);
}

static void test_probe_from_unspecified_sender_answered_not_learned(void **state)
{
    (void)state;
    struct fx_counts before = fx_counts_now();
    arp_in(1, fx_peer_mac, 0, FX_IP, 0); /* RFC 5227 §2.1.1 probe: sender IP 0.0.0.0 */
    fx_counts_moved(&before, NET_RX_FRAMES, NET_ARP_REPLIES, NET_TX_FRAMES, -1);
    struct pbuf *f = fx_out_one();
    check_arp_out(f, fx_peer_mac, 2, fx_peer_mac, 0);
    pbuf_free(f, PBUF_NET);
    assert_int_equal(arp_next_deadline(), UINT64_MAX); /* nothing in the cache */
}

static void test_sender_claiming_our_ip_not_learned(void **state)
{
    (void)state;
    arp_in(2, other_mac, FX_IP, FX_IP, 0);
    uint8_t mac[6];
    assert_false(arp_cache_lookup(FX_IP, mac));
}

static void test_sender_off_subnet_answered_not_learned(void **state)
{
    (void)state;
    arp_in(1, fx_peer_mac, 0x0b000007, FX_IP, 0);
    assert_int_equal(net_counter(NET_ARP_REPLIES), 1);
    fx_out_drain();
    uint8_t mac[6];
    assert_false(arp_cache_lookup(0x0b000007, mac));
}

/* One malformed field at a time: each is drop_arp_bad and nothing else. */
static void test_bad_fields_drop_arp_bad(void **state)
{
    (void)state;
    static const struct {
        size_t off;
        uint8_t val;
    } bad[] = {
        {15, 6},    /* hardware type 6 (IEEE 802) */
        {16, 0x86}, /* protocol type 0x86dd (IPv6) */
        {18, 8},    /* hardware length 8 */
        {19, 16},   /* protocol length 16 */
        {21, 3},    /* opcode 3 (RARP request) */
        {21, 0},    /* opcode 0 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t f[60] = {0};
        fx_arp(f, fx_bcast_mac, 1, fx_peer_mac, FX_PEER_IP, zero_mac, FX_IP);
        f[bad[i].off] = bad[i].val;
        struct fx_counts before = fx_counts_now();
        fx_input(f, sizeof f, 0);
        fx_counts_moved(&before, NET_RX_FRAMES, NET_DROP_ARP_BAD, -1);
        assert_int_equal(fx_out_drain(), 0);
    }
}

static void test_arp_41_bytes_drops_too_short_42_answered(void **state)
{
    (void)state;
    uint8_t f[42];
    fx_arp(f, fx_bcast_mac, 1, fx_peer_mac, FX_PEER_IP, zero_mac, FX_IP);
    struct fx_counts before = fx_counts_now();
    fx_input(f, 41, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_DROP_TOO_SHORT, -1);
    fx_input(f, 42, 0);
    assert_int_equal(fx_out_drain(), 1);
}

static void test_output_unknown_hop_sends_request_and_holds(void **state)
{
    (void)state;
    struct fx_counts before = fx_counts_now();
    ip_out(FX_PEER_IP, 10, 0xab, 100);
    fx_counts_moved(&before, NET_ARP_REQUESTS, NET_TX_FRAMES, -1);
    struct pbuf *f = fx_out_one();
    check_arp_out(f, fx_bcast_mac, 1, zero_mac, FX_PEER_IP);
    pbuf_free(f, PBUF_NET);
    assert_int_equal(arp_next_deadline(), 100 + ARP_RETRY_NS);
    assert_int_equal(pbuf_pool_free(), pbuf_pool_size() - 1); /* the held packet */
}

static void test_pending_reply_sends_held_packet_once(void **state)
{
    (void)state;
    struct pbuf *held = ip_out(FX_PEER_IP, 10, 0xab, 0);
    fx_out_drain();
    struct fx_counts before = fx_counts_now();
    arp_in(2, fx_peer_mac, FX_PEER_IP, FX_IP, 500);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_TX_FRAMES, -1);
    struct pbuf *f = fx_out_one();
    assert_ptr_equal(f, held);
    assert_memory_equal(f->data, fx_peer_mac, 6);
    assert_memory_equal(f->data + 6, fx_mac, 6);
    assert_int_equal(get16(f->data + 12), 0x0800);
    assert_int_equal(f->len, 60); /* 44 bytes, padded */
    assert_int_equal(get32(f->data + 30), FX_PEER_IP);
    pbuf_free(f, PBUF_NET);
    /* Later timers and replies send nothing more. */
    net_timers(10 * FX_SEC);
    arp_in(2, fx_peer_mac, FX_PEER_IP, FX_IP, 600);
    assert_int_equal(fx_out_drain(), 0);
}

static void test_resolved_hop_sends_at_once(void **state)
{
    (void)state;
    arp_in(2, fx_peer_mac, FX_PEER_IP, FX_IP, 0);
    struct pbuf *b = ip_out(FX_PEER_IP, 100, 1, 1);
    struct pbuf *f = fx_out_one();
    assert_ptr_equal(f, b);
    assert_memory_equal(f->data, fx_peer_mac, 6);
    assert_int_equal(f->len, 134);
    pbuf_free(f, PBUF_NET);
}

static void test_pending_second_packet_replaces_held(void **state)
{
    (void)state;
    ip_out(FX_PEER_IP, 10, 0x01, 0);
    fx_out_drain();
    struct fx_counts before = fx_counts_now();
    struct pbuf *newer = ip_out(FX_PEER_IP, 10, 0x02, 1);
    /* No second request; the older packet is dropped. */
    fx_counts_moved(&before, NET_DROP_ARP_UNRESOLVED, -1);
    assert_int_equal(fx_out_drain(), 0);
    arp_in(2, fx_peer_mac, FX_PEER_IP, FX_IP, 2);
    struct pbuf *f = fx_out_one();
    assert_ptr_equal(f, newer);
    assert_int_equal(f->data[34], 0x02);
    pbuf_free(f, PBUF_NET);
}

static void test_pending_retries_twice_then_drops_held(void **state)
{
    (void)state;
    ip_out(FX_PEER_IP, 10, 0, 0);
    fx_out_drain();
    /* Not yet due: nothing. */
    net_timers(ARP_RETRY_NS - 1);
    assert_int_equal(fx_out_drain(), 0);
    for (int i = 1; i < ARP_TRIES; i++) {
        uint64_t now = (uint64_t)i * ARP_RETRY_NS;
        assert_int_equal(net_next_deadline(), now);
        struct fx_counts before = fx_counts_now();
        net_timers(now);
        fx_counts_moved(&before, NET_ARP_REQUESTS, NET_TX_FRAMES, -1);
        struct pbuf *f = fx_out_one();
        check_arp_out(f, fx_bcast_mac, 1, zero_mac, FX_PEER_IP);
        pbuf_free(f, PBUF_NET);
    }
    uint64_t give_up = (uint64_t)ARP_TRIES * ARP_RETRY_NS;
    assert_int_equal(net_next_deadline(), give_up);
    struct fx_counts before = fx_counts_now();
    net_timers(give_up);
    fx_counts_moved(&before, NET_DROP_ARP_UNRESOLVED, -1);
    assert_int_equal(fx_out_drain(), 0);
    assert_int_equal(net_next_deadline(), UINT64_MAX);
    assert_int_equal(pbuf_pool_free(), pbuf_pool_size());
}

static void test_resolved_entry_expires_after_expiry(void **state)
{
    (void)state;
    uint64_t t0 = 7;
    arp_in(2, fx_peer_mac, FX_PEER_IP, FX_IP, t0);
    assert_int_equal(net_next_deadline(), t0 + ARP_EXPIRY_NS);
    uint8_t mac[6];
    net_timers(t0 + ARP_EXPIRY_NS - 1);
    assert_true(arp_cache_lookup(FX_PEER_IP, mac));
    net_timers(t0 + ARP_EXPIRY_NS);
    assert_false(arp_cache_lookup(FX_PEER_IP, mac));
    assert_int_equal(net_next_deadline(), UINT64_MAX);
    /* The next packet for the peer asks again. */
    ip_out(FX_PEER_IP, 1, 0, t0 + ARP_EXPIRY_NS);
    struct pbuf *f = fx_out_one();
    check_arp_out(f, fx_bcast_mac, 1, zero_mac, FX_PEER_IP);
    pbuf_free(f, PBUF_NET);
}

static void test_resolved_entry_reconfirmed_by_arp_restarts_expiry(void **state)
{
    (void)state;
    arp_in(2, fx_peer_mac, FX_PEER_IP, FX_IP, 0);
    arp_in(1, fx_peer_mac, FX_PEER_IP, FX_IP, 50 * FX_SEC); /* the peer asks for us */
    fx_out_drain();
    net_timers(ARP_EXPIRY_NS);
    uint8_t mac[6];
    assert_true(arp_cache_lookup(FX_PEER_IP, mac));
    assert_int_equal(net_next_deadline(), 50 * FX_SEC + ARP_EXPIRY_NS);
}

static void test_cache_full_evicts_oldest(void **state)
{
    (void)state;
    uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0};
    /* Hosts 10.0.0.10 .. 10.0.0.(10 + size - 1), one second apart; the first is the oldest. */
    for (uint32_t i = 0; i < ARP_CACHE_SIZE; i++) {
        mac[5] = (uint8_t)(10 + i);
        arp_in(2, mac, 0x0a00000a + i, FX_IP, i * FX_SEC);
    }
    /* Reconfirming the first makes the second the oldest. */
    mac[5] = 10;
    arp_in(2, mac, 0x0a00000a, FX_IP, 100 * FX_SEC);
    uint8_t got[6];
    for (uint32_t i = 0; i < ARP_CACHE_SIZE; i++)
        assert_true(arp_cache_lookup(0x0a00000a + i, got));
    struct fx_counts before = fx_counts_now();
    mac[5] = 200;
    arp_in(2, mac, 0x0a0000c8, FX_IP, 101 * FX_SEC);
    fx_counts_moved(&before, NET_RX_FRAMES, -1);
    assert_true(arp_cache_lookup(0x0a0000c8, got));
    assert_true(arp_cache_lookup(0x0a00000a, got));
    assert_false(arp_cache_lookup(0x0a00000b, got)); /* evicted */
    for (uint32_t i = 2; i < ARP_CACHE_SIZE; i++)
        assert_true(arp_cache_lookup(0x0a00000a + i, got));
}

static void test_cache_full_evicting_pending_drops_held(void **state)
{
    (void)state;
    ip_out(0x0a000009, 1, 0, 0); /* pending since 0: the oldest */
    fx_out_drain();
    uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0};
    for (uint32_t i = 0; i < ARP_CACHE_SIZE - 1; i++) {
        mac[5] = (uint8_t)(10 + i);
        arp_in(2, mac, 0x0a00000a + i, FX_IP, 1 + i);
    }
    struct fx_counts before = fx_counts_now();
    mac[5] = 250;
    arp_in(2, mac, 0x0a0000fa, FX_IP, 1000);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_DROP_ARP_UNRESOLVED, -1);
    assert_int_equal(pbuf_pool_free(), pbuf_pool_size());
}

static void test_output_off_subnet_goes_via_gateway(void **state)
{
    (void)state;
    arp_in(2, fx_gw_mac, FX_GW, FX_IP, 0);
    struct pbuf *b = ip_out(0x08080808, 4, 0, 1);
    struct pbuf *f = fx_out_one();
    assert_ptr_equal(f, b);
    assert_memory_equal(f->data, fx_gw_mac, 6);
    assert_int_equal(get32(f->data + 30), 0x08080808); /* the IP destination is unchanged */
    pbuf_free(f, PBUF_NET);
}

static void test_output_off_subnet_unknown_gateway_asks_for_gateway(void **state)
{
    (void)state;
    ip_out(0x08080808, 4, 0, 1);
    struct pbuf *f = fx_out_one();
    check_arp_out(f, fx_bcast_mac, 1, zero_mac, FX_GW);
    pbuf_free(f, PBUF_NET);
}

static void test_output_off_subnet_without_gateway_drops_no_route(void **state)
{
    (void)state;
    struct net_config cfg = fx_config();
    cfg.gw = 0;
    assert_int_equal(net_init(&cfg, 0), NET_OK);
    fx_out_drain();
    struct fx_counts before = fx_counts_now();
    ip_out(0x08080808, 4, 0, 1);
    fx_counts_moved(&before, NET_DROP_NO_ROUTE, -1);
    assert_int_equal(fx_out_drain(), 0);
}

static void test_output_broadcast_goes_to_ethernet_broadcast(void **state)
{
    (void)state;
    uint32_t dsts[] = {IP4_BROADCAST, FX_SUBNET_BCAST};
    for (int i = 0; i < 2; i++) {
        ip_out(dsts[i], 4, 0, 1);
        struct pbuf *f = fx_out_one();
        assert_memory_equal(f->data, fx_bcast_mac, 6);
        pbuf_free(f, PBUF_NET);
    }
}

static void test_request_pool_dry_counts_no_buffer(void **state)
{
    (void)state;
    struct pbuf *all[FX_POOL_BUFS + 1];
    int n = 0;
    while ((all[n] = pbuf_take(PBUF_NET)) != NULL)
        n++;
    /* Hold one packet: take it back from the test's hoard. */
    struct pbuf *b = all[--n];
    b->len = 34;
    struct fx_counts before = fx_counts_now();
    ip4_output(b, FX_PEER_IP, 17, 0);
    fx_counts_moved(&before, NET_DROP_NO_BUFFER, -1);
    /* The retry, with a buffer to spare, goes out. */
    pbuf_free(all[--n], PBUF_NET);
    net_timers(ARP_RETRY_NS);
    assert_int_equal(fx_out_drain(), 1);
    fx_out_free(all, n);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
        T(test_init_sends_gratuitous_arp),
        T(test_request_for_us_sends_reply_in_same_buffer),
        T(test_request_unpadded_42_bytes_reply_padded_60),
        T(test_request_for_us_learns_sender),
        T(test_reply_to_us_learns_sender_no_drop),
        T(test_request_for_other_unknown_sender_drops_not_for_us),
        T(test_request_for_other_known_sender_merges_new_mac),
        T(test_probe_from_unspecified_sender_answered_not_learned),
        T(test_sender_claiming_our_ip_not_learned),
        T(test_sender_off_subnet_answered_not_learned),
        T(test_bad_fields_drop_arp_bad),
        T(test_arp_41_bytes_drops_too_short_42_answered),
        T(test_output_unknown_hop_sends_request_and_holds),
        T(test_pending_reply_sends_held_packet_once),
        T(test_resolved_hop_sends_at_once),
        T(test_pending_second_packet_replaces_held),
        T(test_pending_retries_twice_then_drops_held),
        T(test_resolved_entry_expires_after_expiry),
        T(test_resolved_entry_reconfirmed_by_arp_restarts_expiry),
        T(test_cache_full_evicts_oldest),
        T(test_cache_full_evicting_pending_drops_held),
        T(test_output_off_subnet_goes_via_gateway),
        T(test_output_off_subnet_unknown_gateway_asks_for_gateway),
        T(test_output_off_subnet_without_gateway_drops_no_route),
        T(test_output_broadcast_goes_to_ethernet_broadcast),
        T(test_request_pool_dry_counts_no_buffer),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
