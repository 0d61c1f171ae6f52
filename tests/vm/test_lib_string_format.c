/* string.format's cores (vm/lib_string_format.c): the spec parser and Lua 5.4.4's per-
 * conversion checks, each conversion, and %q. Every expected string is what lua5.4 printed
 * for the same format and value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vm/lib_string.h"

static char item[VM_FMT_ITEM_MAX];

static struct vm_fmt_spec parse(const char *f)
{
    struct vm_fmt_spec sp;
    assert_null(vm_fmt_spec_parse(&sp, f + 1, strlen(f + 1)));
    return sp;
}

static const char *fmt_int(const char *f, int64_t v)
{
    struct vm_fmt_spec sp = parse(f);
    int n = vm_fmt_int(item, &sp, v);
    item[n] = '\0';
    return item;
}

static const char *fmt_float(const char *f, double v)
{
    struct vm_fmt_spec sp = parse(f);
    int n = vm_fmt_float(item, &sp, v);
    item[n] = '\0';
    return item;
}

/* NULL if 'f' passes the check for its conversion's flags, else the message. */
static char msg[80];
static const char *check(const char *f, const char *flags, bool prec)
{
    struct vm_fmt_spec sp = parse(f);
    return vm_fmt_spec_check(&sp, flags, prec, msg, sizeof msg);
}

static void test_spec_parse_takes_flags_width_precision_and_letter(void **state)
{
    (void)state;
    struct vm_fmt_spec sp;
    assert_null(vm_fmt_spec_parse(&sp, "-08.3fxyz", 9));
    assert_string_equal(sp.spec, "%-08.3f");
    assert_int_equal(sp.conv, 'f');
    assert_int_equal(sp.used, 6);
    assert_null(vm_fmt_spec_parse(&sp, "5", 1)); /* the format ends inside the spec */
    assert_string_equal(sp.spec, "%5");
    assert_int_equal(sp.conv, '\0');
    assert_int_equal(sp.used, 1);
}

static void test_spec_too_long_at_limit(void **state)
{
    (void)state;
    struct vm_fmt_spec sp;
    const char *ok = "-+ #0-+ #0-+ #0-+ #0f"; /* 20 flags: the longest lua5.4 takes */
    assert_null(vm_fmt_spec_parse(&sp, ok, strlen(ok)));
    const char *bad = "-+ #0-+ #0-+ #0-+ #0-f";
    assert_string_equal(vm_fmt_spec_parse(&sp, bad, strlen(bad)), "invalid format (too long)");
}

static void test_spec_checks_per_conversion(void **state)
{
    (void)state;
    assert_null(check("%05d", "-+ 0", true));
    assert_null(check("%99.99f", "-+ #0", true));
    assert_string_equal(check("%.100f", "-+ #0", true),
                        "invalid conversion specification: '%.100f'");
    assert_string_equal(check("%100d", "-+ 0", true),
                        "invalid conversion specification: '%100d'");
    assert_string_equal(check("%5.5.5d", "-+ 0", true),
                        "invalid conversion specification: '%5.5.5d'");
    assert_string_equal(check("%#c", "-", false), "invalid conversion specification: '%#c'");
    assert_string_equal(check("%.3c", "-", false), "invalid conversion specification: '%.3c'");
    assert_string_equal(check("%+u", "-0", true), "invalid conversion specification: '%+u'");
    assert_string_equal(check("%010s", "-", true), "invalid conversion specification: '%010s'");
    assert_null(check("%-10.2s", "-", true));
}

static void test_integer_conversions(void **state)
{
    (void)state;
    assert_string_equal(fmt_int("%05d", -42), "-0042");
    assert_string_equal(fmt_int("% d", 7), " 7");
    assert_string_equal(fmt_int("%.3d", 5), "005");
    assert_string_equal(fmt_int("%#x", 255), "0xff");
    assert_string_equal(fmt_int("%X", 3735928559), "DEADBEEF");
    assert_string_equal(fmt_int("%o", 8), "10");
    assert_string_equal(fmt_int("%#o", 0), "0");
    assert_string_equal(fmt_int("%u", -1), "18446744073709551615");
    assert_string_equal(fmt_int("%i", INT64_MIN), "-9223372036854775808");
}

static void test_float_conversions(void **state)
{
    (void)state;
    assert_string_equal(fmt_float("%5.2f", 3.14159), " 3.14");
    assert_string_equal(fmt_float("%-8.3e", 12345.678), "1.235e+04");
    assert_string_equal(fmt_float("%+g", 1e20), "+1e+20");
    assert_string_equal(fmt_float("%G", 1e-10), "1E-10");
    assert_string_equal(fmt_float("%.0f", 0.5), "0");
    assert_string_equal(fmt_float("%.14g", 0.1), "0.1");
    assert_string_equal(fmt_float("%.20f", 0.1), "0.10000000000000000555");
    assert_string_equal(fmt_float("%a", 1), "0x1p+0");
    assert_string_equal(fmt_float("%A", 0.5), "0X1P-1");
    assert_string_equal(fmt_float("%.3a", 1.0 / 3), "0x1.555p-2");
    assert_string_equal(fmt_float("%#a", 1), "0x1.p+0");
    assert_string_equal(fmt_float("%10.4f", -1.0 / 0.0), "      -inf");
    assert_string_equal(fmt_float("%e", 0), "0.000000e+00");
    assert_int_equal(strlen(fmt_float("%99.99f", -1e308)), 410); /* fits VM_FMT_ITEM_MAX */
}

static void test_chars_pad_without_nul(void **state)
{
    (void)state;
    char out[128];
    struct vm_fmt_spec sp = parse("%5c");
    int n = vm_fmt_chars(out, &sp, "\0", 1);
    assert_int_equal(n, 5);
    assert_memory_equal(out, "    \0", 5);
    sp = parse("%-3c");
    n = vm_fmt_chars(out, &sp, "B", 1);
    assert_memory_equal(out, "B  ", 3);
    sp = parse("%.2s");
    n = vm_fmt_chars(out, &sp, "abc", 3);
    assert_int_equal(n, 2);
    assert_memory_equal(out, "ab", 2);
    sp = parse("%-10s");
    n = vm_fmt_chars(out, &sp, "t", 1);
    assert_int_equal(n, 10);
    assert_memory_equal(out, "t         ", 10);
}

static void test_quote_numbers(void **state)
{
    (void)state;
    vm_fmt_quote_float(item, 0.1);
    assert_string_equal(item, "0x1.999999999999ap-4");
    vm_fmt_quote_float(item, -0.0);
    assert_string_equal(item, "-0x0p+0");
    vm_fmt_quote_float(item, 1.0 / 0.0);
    assert_string_equal(item, "1e9999");
    vm_fmt_quote_float(item, -1.0 / 0.0);
    assert_string_equal(item, "-1e9999");
    vm_fmt_quote_float(item, 0.0 / 0.0);
    assert_string_equal(item, "(0/0)");
    vm_fmt_quote_int(item, INT64_MIN);
    assert_string_equal(item, "0x8000000000000000");
    vm_fmt_quote_int(item, -5);
    assert_string_equal(item, "-5");
}

static char qbuf[128];
static size_t qlen;
static void qput(void *ctx, const char *p, size_t n)
{
    (void)ctx;
    memcpy(qbuf + qlen, p, n);
    qlen += n;
}

static void test_quote_string_escapes(void **state)
{
    (void)state;
    const char s[] = "a\0b\0001\r\n\t\"\\\200\177x";
    qlen = 0;
    vm_fmt_quote_string(s, sizeof s - 1, qput, NULL);
    const char want[] = "\"a\\0b\\0001\\13\\\n\\9\\\"\\\\\200\\127x\"";
    assert_int_equal(qlen, sizeof want - 1);
    assert_memory_equal(qbuf, want, qlen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_parse_takes_flags_width_precision_and_letter),
        cmocka_unit_test(test_spec_too_long_at_limit),
        cmocka_unit_test(test_spec_checks_per_conversion),
        cmocka_unit_test(test_integer_conversions),
        cmocka_unit_test(test_float_conversions),
        cmocka_unit_test(test_chars_pad_without_nul),
        cmocka_unit_test(test_quote_numbers),
        cmocka_unit_test(test_quote_string_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
