/* string.format's cores (vm/lib_string_format.c): the spec parser and Lua 5.4.4's per-
 * conversion checks, each conversion, and %q. Every expected string is what lua5.4 printed
 * for the same format and value. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* --- %d and %.Nf are written without snprintf: each must match it byte for byte --- */

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t rand64(void) /* xorshift64*: any fixed sequence will do */
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1du;
}

static double from_bits(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static long compared;

/* Formats v with 'spec' both ways and fails with both texts when they differ. */
static void same_as_libc(const char *spec, double v)
{
    struct vm_fmt_spec sp = parse(spec);
    char want[VM_FMT_ITEM_MAX];
    int wn = snprintf(want, sizeof want, spec, v);
    int n = vm_fmt_float(item, &sp, v);
    if (n != wn || memcmp(item, want, (size_t)n) != 0) {
        item[n >= 0 ? n : 0] = '\0';
        fail_msg("%s of %a: snprintf \"%s\", vm_fmt_float \"%s\"", spec, v, want, item);
    }
    compared++;
}

static void same_at_every_precision(double v)
{
    char spec[16];
    for (int prec = 0; prec <= 22; prec++) { /* 21 and 22 check the snprintf fallback */
        snprintf(spec, sizeof spec, "%%.%df", prec);
        same_as_libc(spec, v);
        same_as_libc(spec, -v);
    }
    same_as_libc("%f", v);
    same_as_libc("%.f", v);
    same_as_libc("%12.3f", v);
    same_as_libc("%99.20f", -v);
}

static void test_fixed_tricky_values_match_snprintf(void **state)
{
    (void)state;
    static const double tricky[] = {
        0.0, 0.005, 0.015, 0.025, 0.035, 0.045, 0.125, 0.375, 0.5, 1.5, 2.5, 3.5, 1.005,
        2.675, 4.35, 9.995, 99.995, 999.995, 0.9999999999, 9.5, 99.5, 0.1, 0.2, 0.3, 0.7,
        1.0 / 3, 2.0 / 3, 123456.789, 1e-21, 1e-20, 5e-21, 1e-5, 1e15, 1e15 + 0.5, 1e16,
        1e17, 1e18, 1e19, 1.8446744073709552e19, 9007199254740991.0, 9007199254740992.0,
        9007199254740994.0, 4503599627370495.5, 9.223372036854775807e18, 0x1p63, 0x1p64,
        0x1p-1, 0x1p-60, 0x1p-1022, 0x1p-1074, 0x1.fffffffffffffp-1023, 0x1.fffffffffffffp+1023,
        1e300, 1e-300, 0.045, 1.45, 5e-3, 5e-2, 5e-7, 0.0000005, 1234.5678e-10,
    };
    for (size_t i = 0; i < sizeof tricky / sizeof tricky[0]; i++) {
        double v = tricky[i];
        same_at_every_precision(v);
        same_at_every_precision(nextafter(v, 0));
        same_at_every_precision(nextafter(v, INFINITY));
    }
    same_as_libc("%.2f", -0.0);
    same_as_libc("%.0f", -0.0);
    same_as_libc("%.2f", -0.001); /* rounds to zero and keeps its sign: "-0.00" */
    same_as_libc("%.3f", INFINITY);
    same_as_libc("%5.1f", -INFINITY);
    same_as_libc("%.2f", NAN);
    same_as_libc("%.2f", -NAN);
}

/* x * 10^N ends in exactly .5 when x = odd / 2^(N+1): the ties printf rounds to even. */
static void test_fixed_exact_ties_round_to_even(void **state)
{
    (void)state;
    char spec[16];
    for (int prec = 0; prec <= 20; prec++) {
        snprintf(spec, sizeof spec, "%%.%df", prec);
        for (int i = 0; i < 20000; i++) {
            uint64_t odd = (rand64() >> (i % 60)) | 1;
            double v = ldexp((double)odd, -(prec + 1));
            if ((double)odd != (double)(odd | 1))
                continue; /* not exact in a double: no tie */
            same_as_libc(spec, v);
            same_as_libc(spec, -v);
            same_as_libc(spec, nextafter(v, 0));
            same_as_libc(spec, nextafter(v, INFINITY));
        }
    }
    assert_string_equal(fmt_float("%.0f", 2.5), "2");
    assert_string_equal(fmt_float("%.0f", 3.5), "4");
    assert_string_equal(fmt_float("%.2f", 0.125), "0.12");
    assert_string_equal(fmt_float("%.2f", 0.375), "0.38");
    assert_string_equal(fmt_float("%.2f", 2.675), "2.67"); /* 2.67499999... in binary */
    assert_string_equal(fmt_float("%.2f", 1.005), "1.00");
}

static void test_fixed_random_doubles_match_snprintf(void **state)
{
    (void)state;
    char spec[16];
    for (int i = 0; i < 3000000; i++) {
        uint64_t r = rand64();
        double v;
        switch (i % 4) {
        case 0: /* any bit pattern: subnormals, huge values, inf and nan too */
            v = from_bits(r);
            break;
        case 1: /* magnitudes where the exact path works: 2^-70 .. 2^66 */
            v = from_bits((r & 0x800fffffffffffffu) | ((uint64_t)(1023 - 70 + (r >> 52) % 137) << 52));
            break;
        case 2: { /* decimal-looking values, and their neighbours */
            double d = (double)(r % 1000000000u) / pow(10, (double)((r >> 32) % 10));
            int step = (int)((r >> 40) % 5) - 2;
            v = step < 0 ? nextafter(d, -INFINITY) : step > 0 ? nextafter(d, INFINITY) : d;
            break;
        }
        default: /* small integers and halves */
            v = (double)(int64_t)(r % 2000001u - 1000000u) / 2;
            break;
        }
        snprintf(spec, sizeof spec, "%%.%df", (int)((r >> 56) % 21));
        same_as_libc(spec, v);
    }
    assert_true(compared > 3000000);
}

static void test_int_d_matches_snprintf(void **state)
{
    (void)state;
    static const int64_t edge[] = {0, 1, -1, 9, 10, -10, 99, 100, INT64_MAX, INT64_MIN,
                                   INT64_MIN + 1, 1000000000000000000, -999999999999999999};
    char want[32];
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
        snprintf(want, sizeof want, "%lld", (long long)edge[i]);
        assert_string_equal(fmt_int("%d", edge[i]), want);
    }
    for (int i = 0; i < 200000; i++) {
        int64_t v = (int64_t)(rand64() >> (i % 64));
        if (i & 1)
            v = -v;
        snprintf(want, sizeof want, "%lld", (long long)v);
        assert_string_equal(fmt_int("%d", v), want);
    }
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
        cmocka_unit_test(test_fixed_tricky_values_match_snprintf),
        cmocka_unit_test(test_fixed_exact_ties_round_to_even),
        cmocka_unit_test(test_fixed_random_doubles_match_snprintf),
        cmocka_unit_test(test_int_d_matches_snprintf),
        cmocka_unit_test(test_chars_pad_without_nul),
        cmocka_unit_test(test_quote_numbers),
        cmocka_unit_test(test_quote_string_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
