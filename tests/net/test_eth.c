/* Unit tests for net/eth.c: frame length limits, destination filtering and EtherType dispatch. */
#include "net_fixture.h"

static const uint8_t zero_mac[6];

static void test_frame_13_bytes_drops_too_short(void **state)
{
    (void)state;
    uint8_t f[14];
    fx_eth(f, fx_mac, fx_peer_mac, 0x0800);
    struct fx_counts before = fx_counts_now();
    fx_input(f, 13, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_DROP_TOO_SHORT, -1);
    assert_int_equal(fx_out_drain(), 0);
}

static void test_frame_0_bytes_drops_too_short(void **state)
{
    (void)state;
    uint8_t f[1] = {0};
    struct fx_counts before = fx_counts_now();
    fx_input(f, 0, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_DROP_TOO_SHORT, -1);
}

static void test_frame_14_bytes_header_only_reaches_dispatch(void **state)
{
    (void)state;
    uint8_t f[14];
    fx_eth(f, fx_mac, fx_peer_mac, 0x0800); /* no IPv4 header behind it */
    struct fx_counts before = fx_counts_now();
    fx_input(f, 14, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_DROP_TOO_SHORT, -1);
    fx_eth(f, fx_mac, fx_peer_mac, 0x1234);
    before = fx_counts_now();
    fx_input(f, 14, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_DROP_ETHERTYPE, -1);
}

static void test_frame_60_bytes_padded_request_answered(void **state)
{
    (void)state;
    uint8_t f[60] = {0};
    fx_echo(f, 4); /* 46 bytes of frame, 14 of padding */
    struct fx_counts before = fx_counts_now();
    fx_input(f, sizeof f, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_ICMP_ECHO_REPLIES, NET_TX_FRAMES, -1);
    fx_out_drain();
}

static void test_frame_1514_bytes_answered(void **state)
{
    (void)state;
    uint8_t f[1514];
    assert_int_equal(fx_echo(f, 1472), 1514);
    struct fx_counts before = fx_counts_now();
    fx_input(f, sizeof f, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_ICMP_ECHO_REPLIES, NET_TX_FRAMES, -1);
    struct pbuf *out = fx_out_one();
    assert_int_equal(out->len, 1514);
    pbuf_free(out, PBUF_NET);
}

static void test_frame_1515_bytes_drops_too_long(void **state)
{
    (void)state;
    uint8_t f[1515];
    assert_int_equal(fx_echo(f, 1473), 1515);
    struct fx_counts before = fx_counts_now();
    fx_input(f, sizeof f, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_DROP_TOO_LONG, -1);
    assert_int_equal(fx_out_drain(), 0);
}

static void test_frame_max_buffer_drops_too_long(void **state)
{
    (void)state;
    static uint8_t f[PBUF_FRAME_MAX];
    fx_eth(f, fx_mac, fx_peer_mac, 0x0800);
    struct fx_counts before = fx_counts_now();
    fx_input(f, sizeof f, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_DROP_TOO_LONG, -1);
}

static void test_frame_to_other_mac_drops_not_for_us(void **state)
{
    (void)state;
    static const uint8_t other[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x03};
    uint8_t f[60] = {0};
    fx_echo(f, 4);
    memcpy(f, other, 6);
    struct fx_counts before = fx_counts_now();
    fx_input(f, sizeof f, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_DROP_NOT_FOR_US, -1);
    assert_int_equal(fx_out_drain(), 0);
}

static void test_frame_to_multicast_mac_drops_not_for_us(void **state)
{
    (void)state;
    static const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
    uint8_t f[60] = {0};
    fx_arp(f, mcast, 1, fx_peer_mac, FX_PEER_IP, zero_mac, FX_IP);
    struct fx_counts before = fx_counts_now();
    fx_input(f, sizeof f, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_DROP_NOT_FOR_US, -1);
}

static void test_frame_to_broadcast_accepted(void **state)
{
    (void)state;
    uint8_t f[60] = {0};
    fx_arp(f, fx_bcast_mac, 1, fx_peer_mac, FX_PEER_IP, zero_mac, FX_IP);
    fx_input(f, sizeof f, 0);
    assert_int_equal(net_counter(NET_ARP_REPLIES), 1);
    assert_int_equal(fx_out_drain(), 1);
}

static void test_frame_from_our_own_mac_drops_not_for_us(void **state)
{
    (void)state;
    uint8_t f[60] = {0};
    fx_arp(f, fx_bcast_mac, 1, fx_mac, FX_IP, zero_mac, FX_IP); /* our own announcement */
    struct fx_counts before = fx_counts_now();
    fx_input(f, sizeof f, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_DROP_NOT_FOR_US, -1);
    assert_int_equal(fx_out_drain(), 0);
}

static void test_unknown_ethertypes_drop_ethertype(void **state)
{
    (void)state;
    /* IPv6, an 802.1Q VLAN tag, RARP, and an 802.3 length field (not an EtherType). */
    static const unsigned types[] = {0x86dd, 0x8100, 0x8035, 0x002e};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        uint8_t f[60] = {0};
        fx_eth(f, fx_mac, fx_peer_mac, types[i]);
        struct fx_counts before = fx_counts_now();
        fx_input(f, sizeof f, 0);
        fx_counts_moved(&before, NET_RX_FRAMES, NET_DROP_ETHERTYPE, -1);
    }
    assert_int_equal(fx_out_drain(), 0);
}

static void test_output_sets_header_and_pads_to_60(void **state)
{
    (void)state;
    struct pbuf *b = pbuf_take(PBUF_NET);
    memset(b->data, 0x77, 100);
    b->len = 20;
    eth_output(b, fx_peer_mac, 0x0800);
    struct pbuf *f = fx_out_one();
    assert_ptr_equal(f, b);
    assert_int_equal(f->len, 60);
    assert_memory_equal(f->data, fx_peer_mac, 6);
    assert_memory_equal(f->data + 6, fx_mac, 6);
    assert_int_equal(get16(f->data + 12), 0x0800);
    for (int i = 14; i < 20; i++)
        assert_int_equal(f->data[i], 0x77);
    for (int i = 20; i < 60; i++)
        assert_int_equal(f->data[i], 0);
    pbuf_free(f, PBUF_NET);
}

static void test_output_60_bytes_or_more_not_padded(void **state)
{
    (void)state;
    static const uint16_t lens[] = {60, 61, 1514};
    for (int i = 0; i < 3; i++) {
        struct pbuf *b = pbuf_take(PBUF_NET);
        b->len = lens[i];
        eth_output(b, fx_peer_mac, 0x0800);
        struct pbuf *f = fx_out_one();
        assert_int_equal(f->len, lens[i]);
        pbuf_free(f, PBUF_NET);
    }
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
        T(test_frame_13_bytes_drops_too_short),
        T(test_frame_0_bytes_drops_too_short),
        T(test_frame_14_bytes_header_only_reaches_dispatch),
        T(test_frame_60_bytes_padded_request_answered),
        T(test_frame_1514_bytes_answered),
        T(test_frame_1515_bytes_drops_too_long),
        T(test_frame_max_buffer_drops_too_long),
        T(test_frame_to_other_mac_drops_not_for_us),
        T(test_frame_to_multicast_mac_drops_not_for_us),
        T(test_frame_to_broadcast_accepted),
        T(test_frame_from_our_own_mac_drops_not_for_us),
        T(test_unknown_ethertypes_drop_ethertype),
        T(test_output_sets_header_and_pads_to_60),
        T(test_output_60_bytes_or_more_not_padded),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
