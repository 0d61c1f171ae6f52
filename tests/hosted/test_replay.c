/* The replay device (kernel/hosted/replay.c) and the virtual clock (platform.c): which frames
 * go in and when, how plat_wait() moves time and when it ends the replay, what goes out, and
 * which traces are refused. Each test writes its own small trace with libpcap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "kernel/hosted/hosted.h"
#include "kernel/platform.h"
#include "net/net.h"

#define T0_SEC 1700000000ull
#define SEC 1000000000ull
#define TAIL_NS (5 * SEC) /* REPLAY_TAIL_NS */

static const uint8_t client[6] = {0x02, 0x63, 0x6c, 0x69, 0x65, 0x6e};

static char in_path[] = "/tmp/test_replay_in_XXXXXX";
static char out_path[] = "/tmp/test_replay_out_XXXXXX";
static char err[512];

static pcap_t *dead;
static pcap_dumper_t *dumper;

static void trace_begin(int link)
{
    dead = pcap_open_dead(link, 65535);
    dumper = pcap_dump_open(dead, in_path);
    assert_non_null(dumper);
}

/* A frame at T0 + 'usec' from 'src', 'len' bytes, its first payload byte 'tag'. */
static void trace_frame(uint64_t usec, const uint8_t *src, uint32_t len, uint8_t tag)
{
    static uint8_t b[10000];
    memset(b, 0, sizeof b);
    memset(b, 0xff, 6);
    memcpy(b + 6, src, 6);
    b[14] = tag;
    struct pcap_pkthdr h = {
        .ts = {.tv_sec = (time_t)(T0_SEC + usec / 1000000),
               .tv_usec = (suseconds_t)(usec % 1000000)},
        .caplen = len,
        .len = len,
    };
    pcap_dump((u_char *)dumper, &h, b);
}

static void trace_end(void)
{
    pcap_dump_close(dumper);
    pcap_close(dead);
}

static void open_ok(void)
{
    assert_int_equal(hosted_replay_open(in_path, out_path, false, err, sizeof err), HOSTED_OK);
}

/* Receives what is due now: returns how many, with their tags in 'tags'. */
static int rx_tags(int max, uint8_t *tags)
{
    struct pbuf *frames[16];
    int n = plat_net_rx(frames, max);
    for (int i = 0; i < n; i++) {
        tags[i] = frames[i]->data[14];
        assert_int_equal(frames[i]->owner, PBUF_NET);
        pbuf_free(frames[i], PBUF_NET);
    }
    return n;
}

static int setup(void **state)
{
    (void)state;
    int fd = mkstemp(in_path);
    assert_true(fd >= 0);
    close(fd);
    fd = mkstemp(out_path);
    assert_true(fd >= 0);
    close(fd);
    return pbuf_pool_init(64);
}

static int teardown(void **state)
{
    (void)state;
    unlink(in_path);
    unlink(out_path);
    return 0;
}

static int close_device(void **state)
{
    (void)state;
    hosted_dev_close();
    return 0;
}

static void test_clock_starts_at_first_frame_of_any_source(void **state)
{
    (void)state;
    trace_begin(DLT_EN10MB);
    trace_frame(0, hosted_mac, 60, 1);
    trace_frame(1000000, client, 60, 2);
    trace_end();
    open_ok();
    assert_int_equal(plat_clock_ns(), 0);
    assert_int_equal(plat_wall_ns(), T0_SEC * SEC);
    uint8_t tags[16];
    assert_int_equal(rx_tags(16, tags), 0); /* our own frame skipped, the next not due yet */
}

static void test_wait_moves_clock_to_next_frame_or_deadline(void **state)
{
    (void)state;
    trace_begin(DLT_EN10MB);
    trace_frame(0, hosted_mac, 60, 1);
    trace_frame(1000000, client, 60, 2);
    trace_frame(1500000, client, 60, 3);
    trace_end();
    open_ok();
    uint8_t tags[16];
    assert_true(plat_wait(UINT64_MAX));
    assert_int_equal(plat_clock_ns(), 1 * SEC);
    assert_int_equal(plat_wall_ns(), T0_SEC * SEC + 1 * SEC);
    assert_int_equal(rx_tags(16, tags), 1);
    assert_int_equal(tags[0], 2);

    assert_true(plat_wait(1200000000)); /* the deadline comes before the next frame */
    assert_int_equal(plat_clock_ns(), 1200000000);
    assert_int_equal(rx_tags(16, tags), 0);
    assert_true(plat_wait(UINT64_MAX));
    assert_int_equal(plat_clock_ns(), 1500000000);
    assert_int_equal(rx_tags(16, tags), 1);
    assert_int_equal(tags[0], 3);
}

/* After the last frame, timers due within TAIL_NS of it run; later ones end the replay. */
static void test_trace_end_tail_at_limit_and_one_past(void **state)
{
    (void)state;
    trace_begin(DLT_EN10MB);
    trace_frame(2000000, client, 60, 1);
    trace_end();
    open_ok();
    uint8_t tags[16];
    assert_int_equal(rx_tags(16, tags), 1);
    assert_false(plat_wait(TAIL_NS + 1));
    assert_false(plat_wait(UINT64_MAX));
    assert_true(plat_wait(TAIL_NS));
    assert_int_equal(plat_clock_ns(), TAIL_NS);
}

static void test_rx_gives_at_most_max_in_file_order(void **state)
{
    (void)state;
    trace_begin(DLT_EN10MB);
    for (uint8_t i = 1; i <= 3; i++)
        trace_frame(0, client, 60, i);
    trace_end();
    open_ok();
    uint8_t tags[16];
    assert_int_equal(rx_tags(2, tags), 2);
    assert_int_equal(tags[0], 1);
    assert_int_equal(tags[1], 2);
    assert_int_equal(rx_tags(2, tags), 1);
    assert_int_equal(tags[0], 3);
}

static void test_frame_at_buffer_limit_given_one_past_dropped(void **state)
{
    (void)state;
    trace_begin(DLT_EN10MB);
    trace_frame(0, client, PBUF_FRAME_MAX + 1, 1);
    trace_frame(0, client, PBUF_FRAME_MAX, 2);
    trace_end();
    open_ok();
    struct pbuf *frames[4];
    assert_int_equal(plat_net_rx(frames, 4), 1);
    assert_int_equal(frames[0]->len, PBUF_FRAME_MAX);
    assert_int_equal(frames[0]->data[14], 2);
    pbuf_free(frames[0], PBUF_NET);
}

static void test_tx_writes_frame_at_virtual_wall_time(void **state)
{
    (void)state;
    trace_begin(DLT_EN10MB);
    trace_frame(0, client, 60, 1);
    trace_frame(250000, client, 60, 2);
    trace_end();
    open_ok();
    uint8_t tags[16];
    assert_int_equal(rx_tags(16, tags), 1);
    assert_true(plat_wait(UINT64_MAX));
    assert_int_equal(plat_clock_ns(), 250000000);
    unsigned before = pbuf_pool_free();
    struct pbuf *b = pbuf_take(PBUF_NET);
    assert_non_null(b);
    memset(b->data, 0xab, 42);
    b->len = 42;
    assert_int_equal(plat_net_tx(&b, 1), 1);
    assert_int_equal(pbuf_pool_free(), before); /* the device gave it back */
    assert_int_equal(hosted_dev_close(), 0);

    char perr[PCAP_ERRBUF_SIZE];
    pcap_t *out = pcap_open_offline(out_path, perr);
    assert_non_null(out);
    assert_int_equal(pcap_datalink(out), DLT_EN10MB);
    struct pcap_pkthdr *h;
    const u_char *data;
    assert_int_equal(pcap_next_ex(out, &h, &data), 1);
    assert_int_equal(h->ts.tv_sec, T0_SEC);
    assert_int_equal(h->ts.tv_usec, 250000);
    assert_int_equal(h->caplen, 42);
    assert_int_equal(data[41], 0xab);
    assert_int_equal(pcap_next_ex(out, &h, &data), PCAP_ERROR_BREAK);
    pcap_close(out);
}

static void test_truncated_trace_refused_with_path(void **state)
{
    (void)state;
    trace_begin(DLT_EN10MB);
    trace_frame(0, client, 60, 1);
    trace_frame(0, client, 60, 2);
    trace_end();
    assert_int_equal(truncate(in_path, 24 + 16 + 60 + 16 + 30), 0);
    assert_int_equal(hosted_replay_open(in_path, out_path, false, err, sizeof err),
                     HOSTED_BAD_INPUT);
    assert_non_null(strstr(err, in_path));
    assert_non_null(strstr(err, "truncated"));
}

static void test_non_ethernet_trace_refused(void **state)
{
    (void)state;
    trace_begin(DLT_RAW);
    trace_frame(0, client, 60, 1);
    trace_end();
    assert_int_equal(hosted_replay_open(in_path, out_path, false, err, sizeof err),
                     HOSTED_BAD_INPUT);
    assert_non_null(strstr(err, "link type RAW"));
}

static void test_seed_fixed_under_replay(void **state)
{
    (void)state;
    trace_begin(DLT_EN10MB);
    trace_end();
    open_ok();
    assert_int_equal(plat_random_seed(), plat_random_seed());
}

static void test_pages_aligned_and_zeroed(void **state)
{
    (void)state;
    static uint8_t *p; /* static: pages are never given back, and LSan must still reach them */
    p = plat_pages_alloc(3);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % PLAT_PAGE_SIZE, 0);
    for (size_t i = 0; i < 3 * PLAT_PAGE_SIZE; i++)
        assert_int_equal(p[i], 0);
    assert_null(plat_pages_alloc(SIZE_MAX / PLAT_PAGE_SIZE + 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_clock_starts_at_first_frame_of_any_source, close_device),
        cmocka_unit_test_teardown(test_wait_moves_clock_to_next_frame_or_deadline, close_device),
        cmocka_unit_test_teardown(test_trace_end_tail_at_limit_and_one_past, close_device),
        cmocka_unit_test_teardown(test_rx_gives_at_most_max_in_file_order, close_device),
        cmocka_unit_test_teardown(test_frame_at_buffer_limit_given_one_past_dropped, close_device),
        cmocka_unit_test(test_tx_writes_frame_at_virtual_wall_time),
        cmocka_unit_test(test_truncated_trace_refused_with_path),
        cmocka_unit_test(test_non_ethernet_trace_refused),
        cmocka_unit_test_teardown(test_seed_fixed_under_replay, close_device),
        cmocka_unit_test(test_pages_aligned_and_zeroed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
