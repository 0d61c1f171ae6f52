/* tests/net/net_fixture.h: what the net/ unit tests share: a configured stack on a small pool,
 * builders for the frames a peer would send, and checks on what the stack sends back and on
 * which counters moved. The builders compute checksums with their own code (sum16 below),
 * not net/'s, so a wrong checksum routine cannot agree with itself. */
#ifndef SKIFF_TESTS_NET_FIXTURE_H
#define SKIFF_TESTS_NET_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/net.h"
#include "net/stack.h"
#include "tests/net/frames.h"

#define FX_POOL_BUFS 64

/* Our side: 10.0.0.2/24, gateway 10.0.0.1. The peer is 10.0.0.7 on the same link. */
#define FX_IP 0x0a000002u
#define FX_NETMASK 0xffffff00u
#define FX_GW 0x0a000001u
#define FX_PEER_IP 0x0a000007u
#define FX_SUBNET_BCAST 0x0a0000ffu
static const uint8_t fx_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t fx_peer_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x07};
static const uint8_t fx_gw_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t fx_bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

#define FX_SEC 1000000000ull

static inline struct net_config fx_config(void)
{
    struct net_config cfg = {.ip = FX_IP, .netmask = FX_NETMASK, .gw = FX_GW};
    memcpy(cfg.mac, fx_mac, 6);
    return cfg;
}

/* Takes up to 'max' frames the stack queued. */
static inline int fx_out(struct pbuf **frames, int max)
{
    return net_output_take(frames, max);
}

static inline void fx_out_free(struct pbuf **frames, int n)
{
    for (int i = 0; i < n; i++)
        pbuf_free(frames[i], PBUF_NET);
}

/* Frees whatever the stack has queued and returns how many frames that was. */
static inline int fx_out_drain(void)
{
    struct pbuf *f[FX_POOL_BUFS];
    int n = fx_out(f, FX_POOL_BUFS);
    fx_out_free(f, n);
    return n;
}

/* Configures the stack afresh (the pool once per program) and discards the gratuitous ARP. */
static inline int fx_setup(void **state)
{
    (void)state;
    if (pbuf_pool_size() == 0) assert_int_equal(pbuf_pool_init(FX_POOL_BUFS), NET_OK);
    struct net_config cfg = fx_config();
    assert_int_equal(net_init(&cfg, 0), NET_OK);
    assert_int_equal(fx_out_drain(), 1);
    return 0;
}

/* Checks that no buffer leaked: once the stack is reset, every buffer is back in the pool. */
static inline int fx_teardown(void **state)
{
    (void)state;
    struct net_config cfg = fx_config();
    assert_int_equal(net_init(&cfg, 0), NET_OK);
    fx_out_drain();
    assert_int_equal(pbuf_pool_free(), pbuf_pool_size());
    return 0;
}

/* ---- counters ---- */

struct fx_counts {
    uint64_t v[NET_COUNTER_COUNT];
};

static inline struct fx_counts fx_counts_now(void)
{
    struct fx_counts c;
    for (int i = 0; i < NET_COUNTER_COUNT; i++)
        c.v[i] = net_counter((enum net_counter)i);
    return c;
}

/* Asserts that since 'before' each counter listed (terminated by -1) moved by one and every
 * other counter stayed put. A counter listed twice must have moved by two. */
static inline void fx_counts_moved(const struct fx_counts *before, ...)
{
    uint64_t want[NET_COUNTER_COUNT];
    memcpy(want, before->v, sizeof want);
    va_list ap;
    va_start(ap, before);
    for (int c = va_arg(ap, int); c >= 0; c = va_arg(ap, int))
        want[c]++;
    va_end(ap);
    for (int i = 0; i < NET_COUNTER_COUNT; i++) {
        if (net_counter((enum net_counter)i) != want[i])
            print_error("counter %d: %llu, expected %llu\n", i,
                        (unsigned long long)net_counter((enum net_counter)i),
                        (unsigned long long)want[i]);
        assert_int_equal(net_counter((enum net_counter)i), want[i]);
    }
}

/* ---- frame builders: tests/net/frames.h ---- */

/* Writes an IPv4 header of 'ihl' words (options filled with NOPs, 1) with a correct checksum
 * at 'ip'; returns its length. */
static inline size_t fx_ip(uint8_t *ip, unsigned ihl, unsigned total_len, unsigned frag,
                           unsigned proto, uint32_t src, uint32_t dst)
{
    ip[0] = (uint8_t)(0x40 | ihl);
    ip[1] = 0;
    put16(ip + 2, total_len);
    put16(ip + 4, 0x1234);
    put16(ip + 6, frag);
    ip[8] = 64;
    ip[9] = (uint8_t)proto;
    put16(ip + 10, 0);
    put32(ip + 12, src);
    put32(ip + 16, dst);
    for (unsigned i = 20; i < ihl * 4; i++)
        ip[i] = 1;
    put16(ip + 10, sum16(ip, ihl * 4));
    return ihl * 4;
}

/* Writes a whole echo request frame from the peer: 'ihl' header words, 'n' payload bytes
 * (byte i is (i * 7 + 3) & 0xff), identifier 0xbeef, sequence 'seq'. Returns its length. */
static inline size_t fx_echo_ihl(uint8_t *f, uint32_t dst, unsigned ihl, size_t n, unsigned seq)
{
    size_t off = fx_eth(f, fx_mac, fx_peer_mac, 0x0800);
    size_t hl = fx_ip(f + off, ihl, (unsigned)(ihl * 4 + 8 + n), 0, 1, FX_PEER_IP, dst);
    uint8_t *m = f + off + hl;
    m[0] = 8;
    m[1] = 0;
    put16(m + 2, 0);
    put16(m + 4, 0xbeef);
    put16(m + 6, seq);
    for (size_t i = 0; i < n; i++)
        m[8 + i] = (uint8_t)((i * 7 + 3) & 0xff);
    put16(m + 2, sum16(m, 8 + n));
    return off + hl + 8 + n;
}

static inline size_t fx_echo(uint8_t *f, size_t n)
{
    return fx_echo_ihl(f, FX_IP, 5, n, 1);
}

/* Copies 'len' bytes into a fresh buffer, as the device would have received them. */
static inline struct pbuf *fx_frame(const uint8_t *bytes, size_t len)
{
    struct pbuf *b = pbuf_take(PBUF_NET);
    assert_non_null(b);
    assert_true(len <= PBUF_FRAME_MAX);
    memcpy(b->data, bytes, len);
    b->len = (uint16_t)len;
    return b;
}

/* Feeds 'len' bytes to net_input at 'now_ns'. */
static inline void fx_input(const uint8_t *bytes, size_t len, uint64_t now_ns)
{
    net_input(fx_frame(bytes, len), now_ns);
}

/* Takes exactly one queued frame (asserting there is exactly one). */
static inline struct pbuf *fx_out_one(void)
{
    struct pbuf *f[2];
    assert_int_equal(fx_out(f, 2), 1);
    return f[0];
}

#endif
