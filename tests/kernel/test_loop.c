/* The poll loop (kernel/loop.c) against a scripted network device installed behind the seam
 * with hosted_dev_use(), the way replay.c and tap.c are: the stack and the pool are the real
 * ones. The device offers ARP requests for our address, each of which the stack answers, and
 * records every call the loop makes, so the tests can check the order of the stages and the
 * batch bounds: at most rx_batch frames per receive, at most tx_batch per transmit, idle only
 * after an iteration with nothing to do, refused output offered again in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel/hosted/hosted.h"
#include "kernel/kernel.h"
#include "kernel/platform.h"
#include "net/net.h"

#define OUR_IP 0x0a00020f   /* 10.0.2.15, the ip= default */
#define PEER_IP0 0x0a000264 /* 10.0.2.100: request i comes from PEER_IP0 + i */
#define MAX_EVENTS 4096
#define MAX_FRAMES 512

enum event_kind { EV_RX, EV_TX, EV_WAIT };

struct event {
    enum event_kind kind;
    int asked;   /* rx: max; tx: n; wait: unused */
    int done;    /* rx: frames given; tx: frames taken */
    uint64_t deadline_ns;
};

/* The scripted device's state, reset by each test's setup. */
static struct {
    int to_send;         /* ARP requests still to give the loop */
    int sent;            /* given so far */
    int tx_capacity;     /* frames the device takes per tx call; 0 = all */
    uint32_t replied_to[MAX_FRAMES]; /* target IP of each ARP reply taken, in order */
    int replies;
    int frames_out;      /* every frame taken, replies and gratuitous ARP alike */
    int waits_left;      /* plat_wait returns false when this reaches 0 */
    uint64_t advance_to; /* if non-zero, the first wait moves the clock here */
    struct event ev[MAX_EVENTS];
    int n_ev;
} dev;

static void record(enum event_kind kind, int asked, int done, uint64_t deadline_ns)
{
    assert_true(dev.n_ev < MAX_EVENTS);
    dev.ev[dev.n_ev++] = (struct event){kind, asked, done, deadline_ns};
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* An ARP request (RFC 826) from PEER_IP0 + i, MAC 02:00:00:00:00:i, for our address. */
static void build_arp_request(uint8_t *f, int i)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    const uint8_t peer[6] = {0x02, 0, 0, 0, (uint8_t)(i >> 8), (uint8_t)i};
    memcpy(f, bcast, 6);
    memcpy(f + 6, peer, 6);
    put16(f + 12, 0x0806);
    put16(f + 14, 1);      /* hardware: Ethernet */
    put16(f + 16, 0x0800); /* protocol: IPv4 */
    f[18] = 6;
    f[19] = 4;
    put16(f + 20, 1); /* request */
    memcpy(f + 22, peer, 6);
    put32(f + 28, PEER_IP0 + (uint32_t)i);
    memset(f + 32, 0, 6);
    put32(f + 38, OUR_IP);
}

static int dev_rx(struct pbuf **frames, int max)
{
    int n = 0;
    while (n < max && dev.sent < dev.to_send) {
        struct pbuf *b = pbuf_take(PBUF_DEVICE);
        assert_non_null(b);
        build_arp_request(b->data, dev.sent++);
        b->len = 42;
        pbuf_give(b, PBUF_DEVICE, PBUF_NET);
        frames[n++] = b;
    }
    record(EV_RX, max, n, 0);
    return n;
}

static int dev_tx(struct pbuf **frames, int n)
{
    int take = dev.tx_capacity && dev.tx_capacity < n ? dev.tx_capacity : n;
    for (int i = 0; i < take; i++) {
        struct pbuf *b = frames[i];
        pbuf_give(b, PBUF_NET, PBUF_DEVICE);
        /* An ARP reply (opcode 2) names the requester as target protocol address. */
        if (b->data[12] == 0x08 && b->data[13] == 0x06 && b->data[21] == 2) {
            const uint8_t *t = b->data + 38;
            dev.replied_to[dev.replies++] =
                (uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 | (uint32_t)t[2] << 8 | t[3];
        }
        dev.frames_out++;
        pbuf_free(b, PBUF_DEVICE);
    }
    record(EV_TX, n, take, 0);
    return take;
}

static bool dev_wait(uint64_t deadline_ns)
{
    record(EV_WAIT, 0, 0, deadline_ns);
    if (dev.advance_to) {
        hosted_clock_advance(dev.advance_to);
        dev.advance_to = 0;
    }
    return --dev.waits_left > 0;
}

static void dev_print_stats(void)
{
}

static int dev_close(void)
{
    return 0;
}

static const struct hosted_dev scripted = {dev_rx, dev_tx, dev_wait, dev_print_stats, dev_close};

static int group_setup(void **state)
{
    (void)state;
    hosted_clock_virtual(0);
    return pbuf_pool_init(256) == NET_OK ? 0 : -1;
}

static int setup(void **state)
{
    (void)state;
    memset(&dev, 0, sizeof dev);
    dev.waits_left = 1;
    hosted_dev_use(&scripted);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(pbuf_pool_free(), pbuf_pool_size()); /* nothing leaked or held */
    return 0;
}

static int run(uint64_t rx_batch, uint64_t tx_batch)
{
    struct bootargs args;
    bootargs_defaults(&args);
    args.rx_batch = rx_batch;
    args.tx_batch = tx_batch;
    return loop_run(&args);
}

static void test_rx_never_asks_more_than_rx_batch(void **state)
{
    (void)state;
    dev.to_send = 100;
    assert_int_equal(run(8, 32), 0);
    int rx_calls = 0;
    for (int i = 0; i < dev.n_ev; i++) {
        if (dev.ev[i].kind != EV_RX) continue;
        assert_int_equal(dev.ev[i].asked, 8);
        rx_calls++;
    }
    assert_true(rx_calls >= 100 / 8 + 1);
    assert_int_equal(dev.replies, 100);
    assert_int_equal(net_counter(NET_RX_FRAMES), 100);
}

static void test_tx_never_offers_more_than_tx_batch(void **state)
{
    (void)state;
    dev.to_send = 50;
    assert_int_equal(run(32, 4), 0);
    for (int i = 0; i < dev.n_ev; i++)
        if (dev.ev[i].kind == EV_TX) assert_in_range(dev.ev[i].asked, 1, 4);
    assert_int_equal(dev.frames_out, 51); /* the gratuitous ARP, then 50 replies */
}

static void test_full_device_gets_the_rest_again_in_order(void **state)
{
    (void)state;
    dev.to_send = 40;
    dev.tx_capacity = 3;
    assert_int_equal(run(16, 16), 0);
    assert_int_equal(dev.replies, 40);
    for (int i = 0; i < 40; i++)
        assert_int_equal(dev.replied_to[i], PEER_IP0 + (uint32_t)i);
}

/* The loop idles only after an iteration that received nothing and left no output behind. */
static void test_idles_only_after_an_empty_iteration(void **state)
{
    (void)state;
    dev.to_send = 20;
    dev.tx_capacity = 2;
    dev.waits_left = 3;
    assert_int_equal(run(4, 8), 0);
    int waits = 0;
    for (int i = 0; i < dev.n_ev; i++) {
        if (dev.ev[i].kind != EV_WAIT) continue;
        waits++;
        int j = i - 1;
        while (j >= 0 && dev.ev[j].kind == EV_TX) {
            assert_int_equal(dev.ev[j].done, dev.ev[j].asked); /* nothing refused */
            j--;
        }
        assert_true(j >= 0 && dev.ev[j].kind == EV_RX);
        assert_int_equal(dev.ev[j].done, 0);
    }
    assert_int_equal(waits, 3);
    assert_int_equal(dev.replies, 20);
}

/* Learning a peer arms the ARP cache's expiry: plat_wait is told that deadline, and once the
 * clock passes it the loop runs the timers, after which there is nothing left to wait for. */
static void test_waits_for_the_next_timer_and_runs_it(void **state)
{
    (void)state;
    dev.to_send = 1;
    dev.waits_left = 2;
    dev.advance_to = 61000000000ull;
    assert_int_equal(run(32, 32), 0);
    uint64_t deadlines[2];
    int n = 0;
    for (int i = 0; i < dev.n_ev; i++)
        if (dev.ev[i].kind == EV_WAIT) deadlines[n++] = dev.ev[i].deadline_ns;
    assert_int_equal(n, 2);
    assert_true(deadlines[0] > 0 && deadlines[0] <= 60000000000ull);
    assert_int_equal(deadlines[1], UINT64_MAX);
}

static void test_unusable_address_returns_2_without_touching_the_device(void **state)
{
    (void)state;
    struct bootargs args;
    bootargs_defaults(&args);
    args.ip = 0;
    assert_int_equal(loop_run(&args), 2);
    assert_int_equal(dev.n_ev, 0);
}

/* log=stats prints every counter once the loop ends; without it, nothing. */
static void test_log_stats_prints_counters_at_exit(void **state)
{
    (void)state;
    char out[8192];
    for (int with_stats = 0; with_stats < 2; with_stats++) {
        memset(&dev, 0, sizeof dev);
        dev.to_send = 3;
        dev.waits_left = 1;
        struct bootargs args;
        bootargs_defaults(&args);
        args.log = with_stats ? LOG_STATS : 0;
        FILE *tmp = tmpfile();
        assert_non_null(tmp);
        fflush(stderr);
        int saved = dup(STDERR_FILENO);
        dup2(fileno(tmp), STDERR_FILENO);
        assert_int_equal(loop_run(&args), 0);
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        rewind(tmp);
        size_t len = fread(out, 1, sizeof out - 1, tmp);
        out[len] = '\0';
        fclose(tmp);
        if (!with_stats) {
            assert_null(strstr(out, "counters:"));
            continue;
        }
        assert_non_null(strstr(out, "counters:\n"));
        assert_non_null(strstr(out, "  rx_frames                3\n"));
        assert_non_null(strstr(out, "  arp_replies              3\n"));
        assert_non_null(strstr(out, "  drop_no_buffer           0\n"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rx_never_asks_more_than_rx_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_never_offers_more_than_tx_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_device_gets_the_rest_again_in_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_idles_only_after_an_empty_iteration, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_waits_for_the_next_timer_and_runs_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unusable_address_returns_2_without_touching_the_device,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_stats_prints_counters_at_exit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
