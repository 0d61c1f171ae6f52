/* Unit tests for net/ip4.c: RFC 791 header checks (version, IHL, checksum, total length,
 * fragments, destination, protocol) on input, and the header we write on output. */
#include "net_fixture.h"

/* Feeds 'f' ('len' bytes) and asserts that exactly rx_frames and 'counter' moved. */
static void expect_drop(const uint8_t *f, size_t len, int counter)
{
    struct fx_counts before = fx_counts_now();
    fx_input(f, len, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, counter, -1);
    assert_int_equal(fx_out_drain(), 0);
}

/* Feeds 'f' and asserts that it was answered with one echo reply. */
static void expect_echo_reply(const uint8_t *f, size_t len)
{
    struct fx_counts before = fx_counts_now();
    fx_input(f, len, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_ICMP_ECHO_REPLIES, NET_TX_FRAMES, -1);
    assert_int_equal(fx_out_drain(), 1);
}

/* A frame from the peer carrying a UDP datagram (a protocol we do not serve) of 'n' bytes. */
static size_t udp_frame(uint8_t *f, uint32_t dst, size_t n)
{
    size_t off = fx_eth(f, fx_mac, fx_peer_mac, 0x0800);
    fx_ip(f + off, 5, (unsigned)(20 + n), 0, 17, FX_PEER_IP, dst);
    memset(f + off + 20, 0, n);
    return off + 20 + n;
}

static void test_header_19_bytes_drops_too_short(void **state)
{
    (void)state;
    uint8_t f[60];
    udp_frame(f, FX_IP, 0);
    expect_drop(f, 33, NET_DROP_TOO_SHORT);
}

static void test_header_20_bytes_no_payload_reaches_protocol(void **state)
{
    (void)state;
    uint8_t f[60];
    assert_int_equal(udp_frame(f, FX_IP, 0), 34);
    expect_drop(f, 34, NET_DROP_IP_PROTO);
}

static void test_version_6_drops_bad_version(void **state)
{
    (void)state;
    uint8_t f[60];
    udp_frame(f, FX_IP, 8);
    f[14] = 0x65;
    put16(f + 24, 0);
    put16(f + 24, sum16(f + 14, 20)); /* a valid checksum: only the version is wrong */
    expect_drop(f, 42, NET_DROP_IP_BAD_VERSION);
}

static void test_ihl_4_drops_bad_len(void **state)
{
    (void)state;
    uint8_t f[60];
    udp_frame(f, FX_IP, 8);
    f[14] = 0x44;
    put16(f + 24, 0);
    put16(f + 24, sum16(f + 14, 16));
    expect_drop(f, 42, NET_DROP_IP_BAD_LEN);
}

static void test_ihl_5_echo_answered(void **state)
{
    (void)state;
    uint8_t f[100];
    expect_echo_reply(f, fx_echo_ihl(f, FX_IP, 5, 10, 1));
}

static void test_ihl_15_options_skipped_echo_answered(void **state)
{
    (void)state;
    uint8_t f[200];
    size_t len = fx_echo_ihl(f, FX_IP, 15, 10, 1);
    struct fx_counts before = fx_counts_now();
    fx_input(f, len, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_ICMP_ECHO_REPLIES, NET_TX_FRAMES, -1);
    struct pbuf *out = fx_out_one();
    /* The reply has a plain 20-byte header and the same ICMP payload. */
    assert_int_equal(out->data[14], 0x45);
    assert_int_equal(get16(out->data + 16), 20 + 8 + 10);
    assert_int_equal(out->len, 60); /* 52 bytes, padded */
    assert_memory_equal(out->data + 34 + 4, f + 14 + 60 + 4, 4 + 10);
    assert_int_equal(sum16(out->data + 14, 20), 0);
    assert_int_equal(sum16(out->data + 34, 18), 0);
    pbuf_free(out, PBUF_NET);
}

static void test_ihl_15_frame_shorter_than_header_drops_bad_len(void **state)
{
    (void)state;
    uint8_t f[200];
    fx_echo_ihl(f, FX_IP, 15, 0, 1);
    expect_drop(f, 14 + 59, NET_DROP_IP_BAD_LEN);
}

static void test_bad_header_checksum_drops_bad_csum(void **state)
{
    (void)state;
    uint8_t f[100];
    size_t len = fx_echo(f, 10);
    f[24] ^= 0x01;
    expect_drop(f, len, NET_DROP_IP_BAD_CSUM);
}

static void test_bad_checksum_in_options_drops_bad_csum(void **state)
{
    (void)state;
    uint8_t f[200];
    size_t len = fx_echo_ihl(f, FX_IP, 6, 10, 1);
    f[14 + 21] ^= 0x80; /* inside the option bytes: the checksum covers them */
    expect_drop(f, len, NET_DROP_IP_BAD_CSUM);
}

static void test_total_len_equals_frame_answered(void **state)
{
    (void)state;
    uint8_t f[100];
    size_t len = fx_echo(f, 30);
    assert_int_equal(get16(f + 16), len - 14);
    expect_echo_reply(f, len);
}

static void test_frame_one_short_of_total_len_drops_bad_len(void **state)
{
    (void)state;
    uint8_t f[100];
    size_t len = fx_echo(f, 30);
    expect_drop(f, len - 1, NET_DROP_IP_BAD_LEN);
}

static void test_total_len_below_header_drops_bad_len(void **state)
{
    (void)state;
    uint8_t f[60];
    size_t off = fx_eth(f, fx_mac, fx_peer_mac, 0x0800);
    fx_ip(f + off, 5, 19, 0, 1, FX_PEER_IP, FX_IP);
    expect_drop(f, 60, NET_DROP_IP_BAD_LEN);
}

static void test_trailing_padding_trimmed(void **state)
{
    (void)state;
    uint8_t f[60];
    memset(f, 0xcc, sizeof f); /* padding that is not zero: it must not reach ICMP's checksum */
    size_t len = fx_echo(f, 3);
    assert_int_equal(len, 14 + 20 + 8 + 3);
    struct fx_counts before = fx_counts_now();
    fx_input(f, sizeof f, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_ICMP_ECHO_REPLIES, NET_TX_FRAMES, -1);
    struct pbuf *out = fx_out_one();
    assert_int_equal(out->len, 60);
    assert_int_equal(get16(out->data + 16), 20 + 8 + 3);
    for (size_t i = len; i < 60; i++)
        assert_int_equal(out->data[i], 0); /* our own padding is zeros */
    pbuf_free(out, PBUF_NET);
}

static void test_more_fragments_drops_fragment(void **state)
{
    (void)state;
    uint8_t f[60];
    size_t off = fx_eth(f, fx_mac, fx_peer_mac, 0x0800);
    fx_ip(f + off, 5, 28, 0x2000, 1, FX_PEER_IP, FX_IP);
    expect_drop(f, 42, NET_DROP_IP_FRAGMENT);
}

static void test_fragment_offset_drops_fragment(void **state)
{
    (void)state;
    uint8_t f[60];
    size_t off = fx_eth(f, fx_mac, fx_peer_mac, 0x0800);
    fx_ip(f + off, 5, 28, 0x0001, 1, FX_PEER_IP, FX_IP); /* the last fragment, offset 8 */
    expect_drop(f, 42, NET_DROP_IP_FRAGMENT);
}

static void test_dont_fragment_set_answered(void **state)
{
    (void)state;
    uint8_t f[60];
    size_t off = fx_eth(f, fx_mac, fx_peer_mac, 0x0800);
    fx_ip(f + off, 5, 28, 0x4000, 1, FX_PEER_IP, FX_IP);
    uint8_t *m = f + off + 20;
    memset(m, 0, 8);
    m[0] = 8;
    put16(m + 2, sum16(m, 8));
    expect_echo_reply(f, 42);
}

static void test_other_destination_drops_not_for_us(void **state)
{
    (void)state;
    uint8_t f[100];
    size_t len = fx_echo_ihl(f, 0x0a000003, 5, 4, 1);
    expect_drop(f, len, NET_DROP_NOT_FOR_US);
    len = fx_echo_ihl(f, 0x0a000000, 5, 4, 1); /* the subnet's own address is not ours */
    expect_drop(f, len, NET_DROP_NOT_FOR_US);
}

static void test_broadcast_destinations_accepted(void **state)
{
    (void)state;
    uint8_t f[60];
    /* Accepted as ours: they reach the protocol switch (UDP is not served). */
    expect_drop(f, udp_frame(f, IP4_BROADCAST, 8), NET_DROP_IP_PROTO);
    expect_drop(f, udp_frame(f, FX_SUBNET_BCAST, 8), NET_DROP_IP_PROTO);
}

static void test_tcp_drops_ip_proto(void **state)
{
    (void)state;
    uint8_t f[60] = {0};
    size_t off = fx_eth(f, fx_mac, fx_peer_mac, 0x0800);
    fx_ip(f + off, 5, 40, 0x4000, 6, FX_PEER_IP, FX_IP);
    expect_drop(f, 54, NET_DROP_IP_PROTO);
}

static void test_output_writes_header(void **state)
{
    (void)state;
    uint8_t mac[6];
    uint8_t f[60] = {0};
    fx_arp(f, fx_mac, 2, fx_peer_mac, FX_PEER_IP, fx_mac, FX_IP); /* resolve the peer */
    fx_input(f, sizeof f, 0);
    assert_true(arp_cache_lookup(FX_PEER_IP, mac));
    for (unsigned id = 0; id < 2; id++) {
        struct pbuf *b = pbuf_take(PBUF_NET);
        b->len = 34 + 5;
        memcpy(b->data + 34, "hello", 5);
        ip4_output(b, FX_PEER_IP, 17, 0);
        struct pbuf *out = fx_out_one();
        const uint8_t *ip = out->data + 14;
        assert_int_equal(ip[0], 0x45);
        assert_int_equal(ip[1], 0);
        assert_int_equal(get16(ip + 2), 25);
        assert_int_equal(get16(ip + 4), id);     /* the identification counts up from 0 */
        assert_int_equal(get16(ip + 6), 0x4000); /* DF, offset 0 */
        assert_int_equal(ip[8], 64);
        assert_int_equal(ip[9], 17);
        assert_int_equal(get32(ip + 12), FX_IP);
        assert_int_equal(get32(ip + 16), FX_PEER_IP);
        assert_int_equal(sum16(ip, 20), 0);
        assert_memory_equal(ip + 20, "hello", 5);
        pbuf_free(out, PBUF_NET);
    }
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
        T(test_header_19_bytes_drops_too_short),
        T(test_header_20_bytes_no_payload_reaches_protocol),
        T(test_version_6_drops_bad_version),
        T(test_ihl_4_drops_bad_len),
        T(test_ihl_5_echo_answered),
        T(test_ihl_15_options_skipped_echo_answered),
        T(test_ihl_15_frame_shorter_than_header_drops_bad_len),
        T(test_bad_header_checksum_drops_bad_csum),
        T(test_bad_checksum_in_options_drops_bad_csum),
        T(test_total_len_equals_frame_answered),
        T(test_frame_one_short_of_total_len_drops_bad_len),
        T(test_total_len_below_header_drops_bad_len),
        T(test_trailing_padding_trimmed),
        T(test_more_fragments_drops_fragment),
        T(test_fragment_offset_drops_fragment),
        T(test_dont_fragment_set_answered),
        T(test_other_destination_drops_not_for_us),
        T(test_broadcast_destinations_accepted),
        T(test_tcp_drops_ip_proto),
        T(test_output_writes_header),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
