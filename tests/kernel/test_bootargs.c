/* Boot arguments: every key's bounds at the limit and one past, the messages the issue quotes,
 * the command line's platform words, and the table's own defaults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/kernel.h"

static char err[512];

static int set(struct bootargs *a, const char *key, const char *value)
{
    err[0] = '\0';
    return bootargs_set(a, key, value, err, sizeof err);
}

static void test_defaults_parse_and_match_table(void **state)
{
    (void)state;
    struct bootargs a;
    bootargs_defaults(&a);
    assert_int_equal(a.rx_batch, 32);
    assert_int_equal(a.heap, 16u << 20);
    assert_int_equal(a.ip, 0x0a00020f);
    assert_int_equal(a.idle, IDLE_HALT);
    assert_int_equal(a.log, 0);
}

/* For each integer or size row: min and max are accepted, min-1 and max+1 refused with
 * "bootarg key=value: must be min..max", and a refused value leaves the field unchanged. */
static void test_every_numeric_key_bounds(void **state)
{
    (void)state;
    struct {
        const char *key;
        enum bootarg_type type;
        uint64_t min, max;
    } rows[] = {
#define ROW(key, type, def, min, max, help) {#key, type, min, max},
        BOOTARGS(ROW)
#undef ROW
    };
    int checked = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (rows[i].type != BOOTARG_UINT && rows[i].type != BOOTARG_SIZE) continue;
        struct bootargs a, before;
        char v[32];
        bootargs_defaults(&a);
        snprintf(v, sizeof v, "%llu", (unsigned long long)rows[i].min);
        assert_int_equal(set(&a, rows[i].key, v), 0);
        snprintf(v, sizeof v, "%llu", (unsigned long long)rows[i].max);
        assert_int_equal(set(&a, rows[i].key, v), 0);

        before = a;
        snprintf(v, sizeof v, "%llu", (unsigned long long)rows[i].min - 1);
        assert_int_equal(set(&a, rows[i].key, v), -1);
        char want[64];
        snprintf(want, sizeof want, "bootarg %s=%s: must be ", rows[i].key, v);
        assert_memory_equal(err, want, strlen(want));
        assert_memory_equal(&a, &before, sizeof a);

        snprintf(v, sizeof v, "%llu", (unsigned long long)rows[i].max + 1);
        assert_int_equal(set(&a, rows[i].key, v), -1);
        assert_memory_equal(&a, &before, sizeof a);
        checked++;
    }
    assert_true(checked >= 9);
}

static void test_rx_batch_zero_message(void **state)
{
    (void)state;
    struct bootargs a;
    bootargs_defaults(&a);
    assert_int_equal(set(&a, "rx_batch", "0"), -1);
    assert_string_equal(err, "bootarg rx_batch=0: must be 1..256");
}

static void test_uint_rejects_non_decimal(void **state)
{
    (void)state;
    struct bootargs a;
    bootargs_defaults(&a);
    const char *bad[] = {"", "-1", "+1", "0x10", "12a", " 12", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(set(&a, "tx_batch", bad[i]), -1);
    assert_int_equal(a.tx_batch, 32);
}

static void test_heap_size_suffixes_and_bounds(void **state)
{
    (void)state;
    struct bootargs a;
    bootargs_defaults(&a);
    assert_int_equal(set(&a, "heap", "64M"), 0);
    assert_int_equal(a.heap, 64u << 20);
    assert_int_equal(set(&a, "heap", "2048k"), 0);
    assert_int_equal(a.heap, 2u << 20);
    assert_int_equal(set(&a, "heap", "4G"), 0);
    assert_int_equal(set(&a, "heap", "1023K"), -1);
    assert_string_equal(err, "bootarg heap=1023K: must be 1M..4G");
    assert_int_equal(set(&a, "heap", "5G"), -1);
    assert_int_equal(set(&a, "heap", "1T"), -1);
    assert_int_equal(set(&a, "heap", "M"), -1);
}

static void test_ipv4_keys(void **state)
{
    (void)state;
    struct bootargs a;
    bootargs_defaults(&a);
    assert_int_equal(set(&a, "ip", "192.168.7.9"), 0);
    assert_int_equal(a.ip, 0xc0a80709);
    assert_int_equal(set(&a, "netmask", "255.255.0.0"), 0);
    assert_int_equal(a.netmask, 0xffff0000);
    assert_int_equal(set(&a, "gw", "0.0.0.0"), 0);
    assert_int_equal(a.gw, 0);
    const char *bad[] = {"1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "1.2.3.4 ", "0001.2.3.4",
                         "a.b.c.d", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(set(&a, "ip", bad[i]), -1);
    assert_string_equal(err, "bootarg ip=: must be an IPv4 address a.b.c.d");
    assert_int_equal(a.ip, 0xc0a80709);
}

static void test_idle_words(void **state)
{
    (void)state;
    struct bootargs a;
    bootargs_defaults(&a);
    assert_int_equal(set(&a, "idle", "poll"), 0);
    assert_int_equal(a.idle, IDLE_POLL);
    assert_int_equal(set(&a, "idle", "halt"), 0);
    assert_int_equal(a.idle, IDLE_HALT);
    assert_int_equal(set(&a, "idle", "spin"), -1);
    assert_string_equal(err, "bootarg idle=spin: must be poll or halt");
}

static void test_log_words(void **state)
{
    (void)state;
    struct bootargs a;
    bootargs_defaults(&a);
    assert_int_equal(set(&a, "log", "stats"), 0);
    assert_int_equal(a.log, LOG_STATS);
    assert_int_equal(set(&a, "log", "net,stats"), 0);
    assert_int_equal(a.log, LOG_STATS | LOG_NET);
    assert_int_equal(set(&a, "log", "none"), 0);
    assert_int_equal(a.log, 0);
    const char *bad[] = {"", "stats,", ",stats", "stats,,net", "stats,stats", "loud", "none,net"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(set(&a, "log", bad[i]), -1);
    assert_string_equal(err, "bootarg log=none,net: must be none or a comma list of stats,net");
}

static void test_unknown_key_lists_known_keys(void **state)
{
    (void)state;
    struct bootargs a;
    bootargs_defaults(&a);
    assert_int_equal(set(&a, "rx_batches", "4"), -1);
    assert_non_null(strstr(err, "bootarg rx_batches: unknown key; known keys: rx_batch tx_batch"));
    assert_non_null(strstr(err, " idle log"));
}

static void test_cmdline_skips_platform_words_and_loader_path(void **state)
{
    (void)state;
    struct bootargs a;
    bootargs_defaults(&a);
    int rc = bootargs_parse_cmdline(
        &a, "/boot/skiff.elf  rx_batch=8 virtio_mmio.device=512@0xfeb00e00:12\ttx_batch=4\n",
        err, sizeof err);
    assert_int_equal(rc, 0);
    assert_int_equal(a.rx_batch, 8);
    assert_int_equal(a.tx_batch, 4);
}

static void test_cmdline_error_leaves_args_unchanged(void **state)
{
    (void)state;
    struct bootargs a, before;
    bootargs_defaults(&a);
    before = a;
    assert_int_equal(bootargs_parse_cmdline(&a, "rx_batch=8 rx_batch=0", err, sizeof err), -1);
    assert_string_equal(err, "bootarg rx_batch=0: must be 1..256");
    assert_memory_equal(&a, &before, sizeof a);
    assert_int_equal(bootargs_parse_cmdline(&a, "rx_batch=8 quiet", err, sizeof err), -1);
    assert_string_equal(err, "bootarg quiet: expected key=value");
    char longword[400];
    memset(longword, 'x', sizeof longword - 1);
    longword[sizeof longword - 1] = '\0';
    assert_int_equal(bootargs_parse_cmdline(&a, longword, err, sizeof err), -1);
}

static void test_format_round_trips_through_cmdline(void **state)
{
    (void)state;
    struct bootargs a, b;
    bootargs_defaults(&a);
    assert_int_equal(bootargs_parse_cmdline(&a, "heap=3M ip=10.1.2.3 idle=poll log=stats,net",
                                            err, sizeof err), 0);
    char line[512];
    size_t n = bootargs_format(&a, line, sizeof line);
    assert_int_equal(n, strlen(line));
    assert_non_null(strstr(line, "heap=3M"));
    assert_non_null(strstr(line, "log=stats,net"));
    bootargs_defaults(&b);
    assert_int_equal(bootargs_parse_cmdline(&b, line, err, sizeof err), 0);
    assert_memory_equal(&a, &b, sizeof a);
    char tiny[8];
    assert_int_equal(bootargs_format(&a, tiny, sizeof tiny), 7);
}

static char help[4096];
static size_t help_len;
static void collect(const char *s, size_t len)
{
    memcpy(help + help_len, s, len);
    help_len += len;
    help[help_len] = '\0';
}

static void test_help_lists_every_key(void **state)
{
    (void)state;
    help_len = 0;
    bootargs_print_help(collect);
#define CHECK_KEY(key, type, def, min, max, helptext) assert_non_null(strstr(help, "\n" #key " "));
    BOOTARGS(CHECK_KEY)
#undef CHECK_KEY
    assert_non_null(strstr(help, "1..256"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_parse_and_match_table),
        cmocka_unit_test(test_every_numeric_key_bounds),
        cmocka_unit_test(test_rx_batch_zero_message),
        cmocka_unit_test(test_uint_rejects_non_decimal),
        cmocka_unit_test(test_heap_size_suffixes_and_bounds),
        cmocka_unit_test(test_ipv4_keys),
        cmocka_unit_test(test_idle_words),
        cmocka_unit_test(test_log_words),
        cmocka_unit_test(test_unknown_key_lists_known_keys),
        cmocka_unit_test(test_cmdline_skips_platform_words_and_loader_path),
        cmocka_unit_test(test_cmdline_error_leaves_args_unchanged),
        cmocka_unit_test(test_format_round_trips_through_cmdline),
        cmocka_unit_test(test_help_lists_every_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
