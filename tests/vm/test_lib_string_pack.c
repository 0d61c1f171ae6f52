/* The pack format reader and integer codec (vm/lib_string_pack.c): option sizes, alignment
 * with '!' and 'X', endianness, the size limits and every format error, as lua5.4 gives them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vm/lib_string.h"

static const char *err;
static char errbuf[64];

/* string.packsize's walk: the total, or -1 (error in 'err') / -2 (argument error). */
static long long size_of(const char *fmt)
{
    struct vm_pack_state st;
    struct vm_pack_opt opt;
    vm_pack_init(&st, fmt, strlen(fmt));
    size_t total = 0;
    int rc;
    while ((rc = vm_pack_next(&st, total, &opt, &err, errbuf, sizeof errbuf)) == 1)
        total += (size_t)opt.size + (size_t)opt.ntoalign;
    return rc < 0 ? rc : (long long)total;
}

static void test_native_sizes(void **state)
{
    (void)state;
    assert_int_equal(size_of("b"), 1);
    assert_int_equal(size_of("hH"), 4);
    assert_int_equal(size_of("i"), 4);
    assert_int_equal(size_of("lLjJT"), 40);
    assert_int_equal(size_of("fdn"), 20);
    assert_int_equal(size_of("i16I1"), 17);
    assert_int_equal(size_of("c10x"), 11);
    assert_int_equal(size_of(" <>=!"), 0);
}

static void test_alignment(void **state)
{
    (void)state;
    assert_int_equal(size_of("bi"), 5);      /* maxalign starts at 1: no padding */
    assert_int_equal(size_of("!bi"), 8);     /* ! alone: native maximum 8 */
    assert_int_equal(size_of("!2bi8"), 10);  /* capped at 2 */
    assert_int_equal(size_of("!bXi4"), 4);   /* X aligns to the next option, then drops it */
    assert_int_equal(size_of("!bc3i"), 8);   /* 'c' never aligns */
}

static void test_format_errors(void **state)
{
    (void)state;
    assert_int_equal(size_of("i17"), -1);
    assert_string_equal(err, "integral size (17) out of limits [1,16]");
    assert_int_equal(size_of("i0"), -1);
    assert_string_equal(err, "integral size (0) out of limits [1,16]");
    assert_int_equal(size_of("y"), -1);
    assert_string_equal(err, "invalid format option 'y'");
    assert_int_equal(size_of("c"), -1);
    assert_string_equal(err, "missing size for format option 'c'");
    assert_int_equal(size_of("!3i"), -2);
    assert_string_equal(err, "format asks for alignment not power of 2");
    assert_int_equal(size_of("!4Xc1"), -2);
    assert_string_equal(err, "invalid next option for option 'X'");
    assert_int_equal(size_of("X"), -2);
    assert_string_equal(err, "invalid next option for option 'X'");
    /* A size stops growing before it could pass INT_MAX; the rest is another option. */
    assert_int_equal(size_of("c2147483647"), -1);
    assert_string_equal(err, "invalid format option '7'");
}

static void test_int_codec(void **state)
{
    (void)state;
    uint8_t b[16];
    int64_t v;
    vm_pack_int_put(b, (uint64_t)-2, false, 16, true);
    for (int i = 0; i < 15; i++)
        assert_int_equal(b[i], 0xff);
    assert_int_equal(b[15], 0xfe);
    assert_true(vm_pack_int_get(b, false, 16, true, &v));
    assert_int_equal(v, -2);
    vm_pack_int_put(b, 0x1234, true, 2, false);
    assert_int_equal(b[0], 0x34);
    assert_int_equal(b[1], 0x12);
    assert_true(vm_pack_int_get(b, true, 2, false, &v));
    assert_int_equal(v, 0x1234);
    b[0] = 0xff;
    b[1] = 0xff;
    assert_true(vm_pack_int_get(b, true, 2, true, &v));
    assert_int_equal(v, -1);
    memset(b, 0xff, 8);
    memset(b + 8, 1, 8); /* does not fit in 64 bits */
    assert_false(vm_pack_int_get(b, true, 16, true, &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_native_sizes),
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_format_errors),
        cmocka_unit_test(test_int_codec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
