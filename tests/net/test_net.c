/* Unit tests for net/net.c: configuration checks, reset, the output queue, counters and their
 * names, timers, and the log=net trace line. */
#include <stdio.h>
#include <unistd.h>

#include "net_fixture.h"

static void expect_config(uint32_t ip, uint32_t netmask, uint32_t gw, int outcome)
{
    struct net_config cfg = fx_config();
    cfg.ip = ip;
    cfg.netmask = netmask;
    cfg.gw = gw;
    assert_int_equal(net_init(&cfg, 0), outcome);
    fx_out_drain();
}

static void test_init_valid_configs_ok(void **state)
{
    (void)state;
    expect_config(FX_IP, FX_NETMASK, FX_GW, NET_OK);
    expect_config(FX_IP, FX_NETMASK, 0, NET_OK);                /* no gateway */
    expect_config(0x0a000202, 0xffff0000u, 0x0a00fffe, NET_OK); /* /16 */
    expect_config(0x0a000001, 0xfffffffeu, 0x0a000000, NET_OK); /* /31, RFC 3021 */
    expect_config(0x0a000001, 0xffffffffu, 0, NET_OK);          /* /32 */
    expect_config(0x0a000001, 0, 0x0b000001, NET_OK);           /* /0: everything on-link */
}

static void test_init_bad_configs_einval(void **state)
{
    (void)state;
    expect_config(0, FX_NETMASK, 0, NET_EINVAL);
    expect_config(0xffffffffu, FX_NETMASK, 0, NET_EINVAL);
    expect_config(0x7f000001, 0xff000000u, 0, NET_EINVAL);    /* loopback */
    expect_config(0xe0000001, FX_NETMASK, 0, NET_EINVAL);     /* multicast */
    expect_config(0x00000102, FX_NETMASK, 0, NET_EINVAL);     /* 0.0.1.2: "this network" */
    expect_config(FX_IP, FX_NETMASK, 0x0a000101, NET_EINVAL); /* gateway outside the subnet */
    expect_config(FX_IP, FX_NETMASK, FX_IP, NET_EINVAL);      /* gateway is ourselves */
    expect_config(FX_IP, 0xff00ff00u, 0, NET_EINVAL);         /* mask not contiguous */
    expect_config(0x0a000000, FX_NETMASK, 0, NET_EINVAL);     /* the subnet's address */
    expect_config(0x0a0000ff, FX_NETMASK, 0, NET_EINVAL);     /* its broadcast */
    expect_config(FX_IP, FX_NETMASK, 0x0a0000ff, NET_EINVAL); /* gateway on broadcast */
}

static void test_init_einval_keeps_state(void **state)
{
    (void)state;
    uint8_t f[60] = {0};
    static const uint8_t zero_mac[6];
    fx_arp(f, fx_bcast_mac, 1, fx_peer_mac, FX_PEER_IP, zero_mac, FX_IP);
    fx_input(f, sizeof f, 0); /* a reply queued, counters moved */
    struct fx_counts before = fx_counts_now();
    struct net_config bad = fx_config();
    bad.ip = 0;
    assert_int_equal(net_init(&bad, 0), NET_EINVAL);
    fx_counts_moved(&before, -1);
    assert_int_equal(fx_out_drain(), 1);
    /* Still answering as before. */
    fx_input(f, sizeof f, 0);
    assert_int_equal(fx_out_drain(), 1);
}

static void test_init_again_resets_counters_queue_and_cache(void **state)
{
    (void)state;
    uint8_t f[60] = {0};
    static const uint8_t zero_mac[6];
    fx_arp(f, fx_bcast_mac, 1, fx_peer_mac, FX_PEER_IP, zero_mac, FX_IP);
    fx_input(f, sizeof f, 0);
    fx_input(f, 5, 0);
    struct pbuf *b = pbuf_take(PBUF_NET);
    b->len = 34;
    ip4_output(b, 0x0a000009, 17, 0); /* held, waiting for ARP */
    assert_true(net_next_deadline() != UINT64_MAX);
    struct net_config cfg = fx_config();
    assert_int_equal(net_init(&cfg, 0), NET_OK);
    struct fx_counts zero = {{0}};
    fx_counts_moved(&zero, NET_ARP_REQUESTS, NET_TX_FRAMES, -1); /* just the announcement */
    assert_int_equal(fx_out_drain(), 1);
    assert_int_equal(pbuf_pool_free(), pbuf_pool_size()); /* queue and held packet freed */
    uint8_t mac[6];
    assert_false(arp_cache_lookup(FX_PEER_IP, mac));
    assert_int_equal(net_next_deadline(), UINT64_MAX);
}

/* Queues 'n' ARP replies, answers to requests from 10.0.0.(10 + i), in that order. */
static void queue_replies(int n)
{
    static const uint8_t zero_mac[6];
    for (int i = 0; i < n; i++) {
        uint8_t f[60] = {0};
        uint8_t mac[6] = {0x02, 0, 0, 0, 0, (uint8_t)(10 + i)};
        fx_arp(f, fx_bcast_mac, 1, mac, 0x0a00000a + (uint32_t)i, zero_mac, FX_IP);
        fx_input(f, sizeof f, 0);
    }
}

static unsigned reply_host(const struct pbuf *b)
{
    return b->data[5]; /* last byte of the Ethernet destination */
}

static void test_output_take_oldest_first_at_most_max(void **state)
{
    (void)state;
    queue_replies(5);
    struct pbuf *f[8];
    assert_int_equal(net_output_take(f, 2), 2);
    assert_int_equal(reply_host(f[0]), 10);
    assert_int_equal(reply_host(f[1]), 11);
    assert_int_equal(net_output_take(f + 2, 8), 3);
    assert_int_equal(reply_host(f[4]), 14);
    assert_int_equal(net_output_take(f, 8), 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(f[i]->owner, PBUF_NET);
    fx_out_free(f, 5);
}

static void test_output_return_puts_back_in_front_in_order(void **state)
{
    (void)state;
    queue_replies(4);
    struct pbuf *f[8];
    assert_int_equal(net_output_take(f, 3), 3);
    net_output_return(f + 1, 2); /* the device took only the first */
    pbuf_free(f[0], PBUF_NET);
    assert_int_equal(net_output_take(f, 8), 3);
    assert_int_equal(reply_host(f[0]), 11);
    assert_int_equal(reply_host(f[1]), 12);
    assert_int_equal(reply_host(f[2]), 13);
    fx_out_free(f, 3);
}

static void test_output_return_to_empty_queue_then_more_output(void **state)
{
    (void)state;
    queue_replies(2);
    struct pbuf *f[4];
    assert_int_equal(net_output_take(f, 4), 2);
    net_output_return(f, 2);
    queue_replies(1); /* appended after the returned ones */
    assert_int_equal(net_output_take(f, 4), 3);
    assert_int_equal(reply_host(f[0]), 10);
    assert_int_equal(reply_host(f[1]), 11);
    assert_int_equal(reply_host(f[2]), 10);
    fx_out_free(f, 3);
}

static void test_pool_dry_reply_in_place_still_sent(void **state)
{
    (void)state;
    /* Replies reuse the request's buffer, so a dry pool does not stop them. */
    struct pbuf *all[FX_POOL_BUFS + 1];
    int n = 0;
    while ((all[n] = pbuf_take(PBUF_NET)) != NULL)
        n++;
    struct pbuf *req = all[--n];
    uint8_t f[100];
    size_t len = fx_echo(f, 20);
    memcpy(req->data, f, len);
    req->len = (uint16_t)len;
    net_input(req, 0);
    assert_int_equal(fx_out_drain(), 1);
    fx_out_free(all, n);
}

static void test_pool_dry_announcement_counts_no_buffer(void **state)
{
    (void)state;
    struct pbuf *all[FX_POOL_BUFS + 1];
    int n = 0;
    while ((all[n] = pbuf_take(PBUF_NET)) != NULL)
        n++;
    struct net_config cfg = fx_config();
    assert_int_equal(net_init(&cfg, 0), NET_OK);
    struct fx_counts zero = {{0}};
    fx_counts_moved(&zero, NET_DROP_NO_BUFFER, -1);
    assert_int_equal(fx_out_drain(), 0);
    fx_out_free(all, n);
}

struct stats_seen {
    int n;
    const char *names[NET_COUNTER_COUNT + 1];
    uint64_t values[NET_COUNTER_COUNT + 1];
};

static void stats_record(const char *name, uint64_t value, void *arg)
{
    struct stats_seen *seen = arg;
    assert_true(seen->n < NET_COUNTER_COUNT);
    seen->names[seen->n] = name;
    seen->values[seen->n] = value;
    seen->n++;
}

static void test_stats_each_reports_every_counter_in_order(void **state)
{
    (void)state;
    static const char *const want[] = {
#define NAME(id, name) name,
        NET_COUNTERS(NAME)
#undef NAME
    };
    uint8_t f[20] = {0};
    fx_input(f, 5, 0);
    fx_input(f, 6, 0);
    struct stats_seen seen = {0};
    net_stats_each(stats_record, &seen);
    assert_int_equal(seen.n, NET_COUNTER_COUNT);
    for (int i = 0; i < NET_COUNTER_COUNT; i++) {
        assert_string_equal(seen.names[i], want[i]);
        assert_int_equal(seen.values[i], net_counter((enum net_counter)i));
    }
    assert_string_equal(seen.names[NET_DROP_TOO_SHORT], "drop_too_short");
    assert_int_equal(seen.values[NET_DROP_TOO_SHORT], 2);
    assert_int_equal(seen.values[NET_RX_FRAMES], 2);
}

/* Runs 'len' bytes of 'f' through the stack with log=net and returns what it printed. */
static void traced_input(const uint8_t *f, size_t len, char *out, size_t cap)
{
    struct net_config cfg = fx_config();
    cfg.trace = true;
    assert_int_equal(net_init(&cfg, 0), NET_OK);
    fx_out_drain();
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    dup2(fileno(tmp), STDERR_FILENO);
    fx_input(f, len, 0);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    size_t n = fread(out, 1, cap - 1, tmp);
    out[n] = '\0';
    fclose(tmp);
}

static void test_trace_prints_one_line_per_drop(void **state)
{
    (void)state;
    char out[256];
    uint8_t f[100];
    size_t len = fx_echo(f, 10);
    f[24] ^= 1;
    traced_input(f, len, out, sizeof out);
    assert_string_equal(out, "net: drop_ip_bad_csum len=52\n");
    traced_input(f, 3, out, sizeof out);
    assert_string_equal(out, "net: drop_too_short len=3\n");
}

static void test_trace_silent_for_answered_frames(void **state)
{
    (void)state;
    char out[256];
    uint8_t f[100];
    size_t len = fx_echo(f, 10);
    traced_input(f, len, out, sizeof out);
    assert_string_equal(out, "");
    assert_int_equal(fx_out_drain(), 1);
}

static void test_no_trace_without_log_net(void **state)
{
    (void)state;
    uint8_t f[100];
    size_t len = fx_echo(f, 10);
    f[24] ^= 1;
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    dup2(fileno(tmp), STDERR_FILENO);
    fx_input(f, len, 0); /* fx_setup configured the stack without trace */
    dup2(saved, STDERR_FILENO);
    close(saved);
    fseek(tmp, 0, SEEK_END);
    assert_int_equal(ftell(tmp), 0);
    fclose(tmp);
    assert_int_equal(net_counter(NET_DROP_IP_BAD_CSUM), 1);
}

static void test_timers_idle_deadline_none(void **state)
{
    (void)state;
    assert_int_equal(net_next_deadline(), UINT64_MAX);
    net_timers(UINT64_MAX - 1); /* nothing due: nothing happens */
    assert_int_equal(fx_out_drain(), 0);
}

/* Mutated copies of valid frames (bytes flipped, truncated, sometimes with the IPv4 checksum
 * made right again so the checks behind it are reached): each frame ends in at most one
 * outcome counter, and no buffer is lost or doubled (ASan watches every access). */
static void test_mutated_frames_each_ends_once_no_leak(void **state)
{
    (void)state;
    static const uint8_t zero_mac[6];
    uint32_t x = 2463534242u;
    for (int round = 0; round < 3000; round++) {
        uint8_t f[1514] = {0};
        size_t len;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        switch (x % 3) {
        case 0:
            len =
                fx_arp(f, fx_bcast_mac, 1 + (x >> 8) % 2, fx_peer_mac, FX_PEER_IP, zero_mac, FX_IP);
            break;
        case 1:
            len = fx_echo_ihl(f, FX_IP, 5 + (x >> 8) % 11, (x >> 12) % 1400, round);
            break;
        default:
            len = fx_echo(f, (x >> 8) % 64);
            break;
        }
        int flips = (int)((x >> 20) % 4);
        for (int k = 0; k < flips; k++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            f[x % len] ^= (uint8_t)(1u << (x >> 28 & 7));
        }
        if ((x >> 3) % 4 == 0 && len > 34 && (f[14] & 0x0f) >= 5 &&
            14 + (size_t)(f[14] & 0x0f) * 4 <= len) {
            put16(f + 24, 0);
            put16(f + 24, sum16(f + 14, (size_t)(f[14] & 0x0f) * 4));
        }
        if ((x >> 7) % 5 == 0) len = (x >> 9) % (len + 1);
        struct fx_counts before = fx_counts_now();
        fx_input(f, len, round);
        uint64_t outcomes = 0;
        for (int c = NET_ARP_REPLIES; c < NET_COUNTER_COUNT; c++)
            outcomes += net_counter((enum net_counter)c) - before.v[c];
        outcomes -= net_counter(NET_ARP_REQUESTS) - before.v[NET_ARP_REQUESTS];
        assert_true(outcomes <= 1);
        assert_int_equal(net_counter(NET_RX_FRAMES), before.v[NET_RX_FRAMES] + 1);
        int queued = fx_out_drain();
        assert_int_equal(queued, (int)(net_counter(NET_TX_FRAMES) - before.v[NET_TX_FRAMES]));
        assert_true(queued <= 1);
        assert_int_equal(pbuf_pool_free(), pbuf_pool_size());
    }
    /* The mutations reach most checks, and valid frames still get through. */
    int reasons = 0;
    for (int c = NET_DROP_TOO_SHORT; c < NET_COUNTER_COUNT; c++)
        reasons += net_counter((enum net_counter)c) > 0;
    print_message("%d drop reasons reached\n", reasons);
    assert_true(reasons >= 8);
    assert_true(net_counter(NET_ICMP_ECHO_REPLIES) > 0);
    assert_true(net_counter(NET_ARP_REPLIES) > 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
        T(test_init_valid_configs_ok),
        T(test_init_bad_configs_einval),
        T(test_init_einval_keeps_state),
        T(test_init_again_resets_counters_queue_and_cache),
        T(test_output_take_oldest_first_at_most_max),
        T(test_output_return_puts_back_in_front_in_order),
        T(test_output_return_to_empty_queue_then_more_output),
        T(test_pool_dry_reply_in_place_still_sent),
        T(test_pool_dry_announcement_counts_no_buffer),
        T(test_stats_each_reports_every_counter_in_order),
        T(test_trace_prints_one_line_per_drop),
        T(test_trace_silent_for_answered_frames),
        T(test_no_trace_without_log_net),
        T(test_timers_idle_deadline_none),
        T(test_mutated_frames_each_ends_once_no_leak),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
