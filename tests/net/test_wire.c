/* Unit tests for net/wire.c and net/wire.h: big-endian accessors and the RFC 1071 checksum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/wire.h"

static void test_accessors_big_endian_unaligned(void **state)
{
    (void)state;
    uint8_t b[8] = {0};
    wire_put16(b + 1, 0x1234);
    assert_int_equal(b[1], 0x12);
    assert_int_equal(b[2], 0x34);
    assert_int_equal(wire_get16(b + 1), 0x1234);
    wire_put32(b + 3, 0xdeadbeef);
    assert_int_equal(b[3], 0xde);
    assert_int_equal(b[6], 0xef);
    assert_int_equal(wire_get32(b + 3), 0xdeadbeef);
    wire_put16(b, 0xffff);
    assert_int_equal(wire_get16(b), 0xffff);
}

static void test_csum_rfc1071_example(void **state)
{
    (void)state;
    /* RFC 1071 §3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (end-around carry). */
    static const uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    assert_int_equal(wire_csum_add(0, data, sizeof data), 0xddf2);
    assert_int_equal(wire_csum(data, sizeof data), 0x220d);
}

static void test_csum_odd_length_pads_zero(void **state)
{
    (void)state;
    static const uint8_t odd[] = {0x12, 0x34, 0x56};
    static const uint8_t even[] = {0x12, 0x34, 0x56, 0x00};
    assert_int_equal(wire_csum(odd, 3), wire_csum(even, 4));
    assert_int_equal(wire_csum(odd, 3), (uint16_t) ~(0x1234 + 0x5600));
}

static void test_csum_empty_and_all_zero_ffff(void **state)
{
    (void)state;
    static const uint8_t zeros[8];
    assert_int_equal(wire_csum(zeros, 0), 0xffff);
    assert_int_equal(wire_csum(zeros, sizeof zeros), 0xffff);
}

static void test_csum_verifies_to_zero_with_field(void **state)
{
    (void)state;
    /* An IPv4 header, 192.168.0.1 -> 192.168.0.199, UDP, checksum field b861 included. */
    static const uint8_t hdr[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                    0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    assert_int_equal(wire_csum(hdr, sizeof hdr), 0);
    uint8_t copy[20];
    memcpy(copy, hdr, sizeof copy);
    copy[10] = copy[11] = 0;
    assert_int_equal(wire_csum(copy, sizeof copy), 0xb861);
}

static void test_csum_chained_equals_whole(void **state)
{
    (void)state;
    uint8_t data[1500];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 31 + 7);
    uint32_t sum = wire_csum_add(0, data, 12);
    sum = wire_csum_add(sum, data + 12, 1000);
    sum = wire_csum_add(sum, data + 1012, 488);
    assert_int_equal(wire_csum_fold(sum), wire_csum(data, sizeof data));
}

static void test_csum_all_ones_large_no_overflow(void **state)
{
    (void)state;
    static uint8_t ones[65536];
    memset(ones, 0xff, sizeof ones);
    assert_int_equal(wire_csum_add(0, ones, sizeof ones), 0xffff);
    assert_int_equal(wire_csum(ones, sizeof ones), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accessors_big_endian_unaligned),
        cmocka_unit_test(test_csum_rfc1071_example),
        cmocka_unit_test(test_csum_odd_length_pads_zero),
        cmocka_unit_test(test_csum_empty_and_all_zero_ffff),
        cmocka_unit_test(test_csum_verifies_to_zero_with_field),
        cmocka_unit_test(test_csum_chained_equals_whole),
        cmocka_unit_test(test_csum_all_ones_large_no_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
