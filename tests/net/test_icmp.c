/* Unit tests for net/icmp.c: echo requests answered in place with identifier, sequence and
 * data returned as is (RFC 792), and every other ICMP message dropped and counted. */
#include "net_fixture.h"

/* Sends an echo request with 'n' data bytes and checks the reply field by field. */
static void check_echo_roundtrip(size_t n, unsigned seq)
{
    static uint8_t f[1514];
    size_t len = fx_echo_ihl(f, FX_IP, 5, n, seq);
    struct pbuf *in = fx_frame(f, len);
    struct fx_counts before = fx_counts_now();
    net_input(in, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_ICMP_ECHO_REPLIES, NET_TX_FRAMES, -1);
    struct pbuf *out = fx_out_one();
    assert_ptr_equal(out, in); /* answered in the request's own buffer */
    const uint8_t *p = out->data;
    assert_int_equal(out->len, len < 60 ? 60 : len);
    assert_memory_equal(p, fx_peer_mac, 6);
    assert_memory_equal(p + 6, fx_mac, 6);
    assert_int_equal(get16(p + 12), 0x0800);
    const uint8_t *ip = p + 14;
    assert_int_equal(ip[0], 0x45);
    assert_int_equal(get16(ip + 2), 28 + n);
    assert_int_equal(ip[8], 64);
    assert_int_equal(ip[9], 1);
    assert_int_equal(get32(ip + 12), FX_IP);
    assert_int_equal(get32(ip + 16), FX_PEER_IP);
    assert_int_equal(sum16(ip, 20), 0);
    const uint8_t *m = ip + 20;
    assert_int_equal(m[0], 0); /* echo reply */
    assert_int_equal(m[1], 0);
    assert_int_equal(get16(m + 4), 0xbeef);
    assert_int_equal(get16(m + 6), seq);
    assert_int_equal(sum16(m, 8 + n), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(m[8 + i], (uint8_t)((i * 7 + 3) & 0xff));
    pbuf_free(out, PBUF_NET);
}

static void test_echo_0_bytes_returned(void **state)
{
    (void)state;
    check_echo_roundtrip(0, 1);
}

static void test_echo_1_byte_returned(void **state)
{
    (void)state;
    check_echo_roundtrip(1, 2);
}

static void test_echo_odd_lengths_returned(void **state)
{
    (void)state;
    static const size_t lens[] = {3, 7, 17, 55, 57, 1471};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
        check_echo_roundtrip(lens[i], (unsigned)i);
}

static void test_echo_56_bytes_returned(void **state)
{
    (void)state;
    check_echo_roundtrip(56, 0xffff); /* Linux ping's default size */
}

static void test_echo_1472_bytes_returned(void **state)
{
    (void)state;
    check_echo_roundtrip(1472, 0x8000); /* the largest in one 1500-byte datagram */
}

static void test_echo_all_zero_reply_checksum_ffff(void **state)
{
    (void)state;
    /* Identifier 0, sequence 0, no data: the reply's words are all zero, so its checksum
     * must be 0xffff (RFC 1071), the one case an incremental update gets wrong. */
    uint8_t f[60] = {0};
    size_t off = fx_eth(f, fx_mac, fx_peer_mac, 0x0800);
    fx_ip(f + off, 5, 28, 0, 1, FX_PEER_IP, FX_IP);
    uint8_t *m = f + off + 20;
    m[0] = 8;
    put16(m + 2, sum16(m, 8));
    fx_input(f, 60, 0);
    struct pbuf *out = fx_out_one();
    assert_int_equal(get16(out->data + 34 + 2), 0xffff);
    assert_int_equal(sum16(out->data + 34, 8), 0);
    pbuf_free(out, PBUF_NET);
}

static void test_echo_checksums_valid_for_many_payloads(void **state)
{
    (void)state;
    static uint8_t f[1514];
    uint32_t x = 12345;
    for (int round = 0; round < 200; round++) {
        size_t n = (size_t)(round * 37 % 1473);
        size_t len = fx_echo_ihl(f, FX_IP, 5, n, (unsigned)round);
        uint8_t *m = f + 34;
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            m[8 + i] = (uint8_t)(x >> 16);
        }
        put16(m + 4, x & 0xffff);
        put16(m + 2, 0);
        put16(m + 2, sum16(m, 8 + n));
        fx_input(f, len, 0);
        struct pbuf *out = fx_out_one();
        assert_int_equal(sum16(out->data + 34, 8 + n), 0);
        assert_memory_equal(out->data + 34 + 4, m + 4, 4 + n);
        pbuf_free(out, PBUF_NET);
    }
}

static void test_echo_bad_checksum_drops_bad_csum(void **state)
{
    (void)state;
    uint8_t f[100];
    size_t len = fx_echo(f, 11);
    f[len - 1] ^= 0x01; /* the last, odd byte: covered by the checksum */
    struct fx_counts before = fx_counts_now();
    fx_input(f, len, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_DROP_ICMP_BAD_CSUM, -1);
    assert_int_equal(fx_out_drain(), 0);
}

static void test_icmp_7_bytes_drops_too_short(void **state)
{
    (void)state;
    uint8_t f[60] = {0};
    size_t off = fx_eth(f, fx_mac, fx_peer_mac, 0x0800);
    fx_ip(f + off, 5, 27, 0, 1, FX_PEER_IP, FX_IP);
    f[off + 20] = 8;
    struct fx_counts before = fx_counts_now();
    fx_input(f, 60, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_DROP_TOO_SHORT, -1);
}

/* A valid ICMP message of type 'type' is dropped as drop_icmp_type. */
static void expect_type_dropped(uint8_t type)
{
    uint8_t f[100];
    size_t len = fx_echo(f, 8);
    uint8_t *m = f + 34;
    m[0] = type;
    put16(m + 2, 0);
    put16(m + 2, sum16(m, 16));
    struct fx_counts before = fx_counts_now();
    fx_input(f, len, 0);
    fx_counts_moved(&before, NET_RX_FRAMES, NET_DROP_ICMP_TYPE, -1);
    assert_int_equal(fx_out_drain(), 0);
}

static void test_echo_reply_in_drops_icmp_type(void **state)
{
    (void)state;
    expect_type_dropped(0);
}

static void test_other_types_drop_icmp_type(void **state)
{
    (void)state;
    expect_type_dropped(3);  /* destination unreachable */
    expect_type_dropped(5);  /* redirect */
    expect_type_dropped(11); /* time exceeded */
    expect_type_dropped(13); /* timestamp */
}

static void test_echo_to_broadcast_not_answered(void **state)
{
    (void)state;
    uint32_t dsts[] = {IP4_BROADCAST, FX_SUBNET_BCAST};
    for (int i = 0; i < 2; i++) {
        uint8_t f[100];
        size_t len = fx_echo_ihl(f, dsts[i], 5, 8, 1);
        memcpy(f, fx_bcast_mac, 6);
        struct fx_counts before = fx_counts_now();
        fx_input(f, len, 0);
        fx_counts_moved(&before, NET_RX_FRAMES, NET_DROP_ICMP_BROADCAST, -1);
        assert_int_equal(fx_out_drain(), 0);
    }
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
        T(test_echo_0_bytes_returned),
        T(test_echo_1_byte_returned),
        T(test_echo_odd_lengths_returned),
        T(test_echo_56_bytes_returned),
        T(test_echo_1472_bytes_returned),
        T(test_echo_all_zero_reply_checksum_ffff),
        T(test_echo_checksums_valid_for_many_payloads),
        T(test_echo_bad_checksum_drops_bad_csum),
        T(test_icmp_7_bytes_drops_too_short),
        T(test_echo_reply_in_drops_icmp_type),
        T(test_other_types_drop_icmp_type),
        T(test_echo_to_broadcast_not_answered),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
