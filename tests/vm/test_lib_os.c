/* os and io.write (vm/lib_os.c) through the native-function API: os.date's conversions and
 * "*t" on fixed times (our own calendar and strftime, compared with lua5.4 under TZ=UTC),
 * os.time's normalization of its table and its errors, os.clock's type, and io.write's number
 * formatting through the VM's write callback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tests/vm/lib_fixture.h"

static int setup(void **state)
{
    return fixture_setup(state, vm_lib_os_open);
}

/* os.date(fmt, t) into 'buf'. */
static const char *date(struct vm *vm, const char *fmt, int64_t t, char *buf, size_t cap)
{
    push_lib_fn(vm, "os", "date");
    vm_push_cstr(vm, fmt);
    vm_push_int(vm, t);
    assert_int_equal(vm_run(vm, 2, 1), VM_DONE);
    size_t len;
    const char *s = vm_to_str(vm, -1, &len);
    assert_non_null(s);
    snprintf(buf, cap, "%s", s);
    vm_stack_pop(vm, 1);
    return buf;
}

static void test_date_conversions_match_lua(void **state)
{
    struct vm *vm = *state;
    char buf[256];
    /* TZ=UTC lua5.4 -e 'print(os.date(FMT, T))' */
    assert_string_equal(date(vm, "!%c", 1700000000, buf, sizeof buf), "Tue Nov 14 22:13:20 2023");
    assert_string_equal(date(vm, "!%Y-%m-%d %H:%M:%S", 0, buf, sizeof buf), "1970-01-01 00:00:00");
    assert_string_equal(date(vm, "!%c", -1, buf, sizeof buf), "Wed Dec 31 23:59:59 1969");
    assert_string_equal(date(vm, "!%j %U %W %V %G %g %u %w", 1609459200, buf, sizeof buf),
                        "001 00 00 53 2020 20 5 5");
    assert_string_equal(date(vm, "!%a %d %b %Y %j", 951782400, buf, sizeof buf),
                        "Tue 29 Feb 2000 060");
    assert_string_equal(date(vm, "!%Y|%C|%y|%e|%I %p", -62167219200, buf, sizeof buf),
                        "0|0|00| 1|12 AM");
    assert_string_equal(date(vm, "%Z !%Z", 0, buf, sizeof buf), "UTC !UTC");
    assert_string_equal(date(vm, "!%Z %z %% %Ey %OS", 0, buf, sizeof buf), "GMT +0000 % 70 00");
}

static void test_date_star_t(void **state)
{
    struct vm *vm = *state;
    push_lib_fn(vm, "os", "date");
    vm_push_cstr(vm, "!*t");
    vm_push_int(vm, 1700000000);
    assert_int_equal(vm_run(vm, 2, 1), VM_DONE);
    static const struct {
        const char *k;
        int64_t v;
    } want[] = {{"year", 2023}, {"month", 11}, {"day", 14},   {"hour", 22},
                {"min", 13},    {"sec", 20},   {"yday", 318}, {"wday", 3}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        vm_tab_getfield(vm, -1, want[i].k);
        int64_t v;
        assert_true(vm_to_int(vm, -1, &v));
        assert_int_equal(v, want[i].v);
        vm_stack_pop(vm, 1);
    }
    assert_int_equal(vm_tab_getfield(vm, -1, "isdst"), VM_TBOOLEAN);
    assert_false(vm_to_bool(vm, -1));
    vm_stack_pop(vm, 2);
}

static void test_date_bad_conversion_quotes_rest(void **state)
{
    struct vm *vm = *state;
    push_lib_fn(vm, "os", "date");
    vm_push_cstr(vm, "%Q and more");
    expect_error(vm, 1,
                 "bad argument #1 to 'os.date' (invalid conversion specifier '%Q and more')");
    push_lib_fn(vm, "os", "date");
    vm_push_cstr(vm, "!%Y");
    vm_push_int(vm, (int64_t)1 << 60);
    expect_error(vm, 2, "date result cannot be represented in this installation");
}

static void set_field(struct vm *vm, const char *k, int64_t v)
{
    vm_push_int(vm, v);
    vm_tab_setfield(vm, -2, k);
}

static void test_time_normalizes_table(void **state)
{
    struct vm *vm = *state;
    vm_push_table(vm, 0, 8);
    set_field(vm, "year", 2021);
    set_field(vm, "month", 14);
    set_field(vm, "day", -3);
    set_field(vm, "hour", 25);
    set_field(vm, "min", 61);
    set_field(vm, "sec", -1);
    push_lib_fn(vm, "os", "time");
    vm_stack_copy(vm, -2);
    assert_int_equal(vm_run(vm, 1, 1), VM_DONE);
    int64_t t;
    vm_to_int(vm, -1, &t);
    assert_int_equal(t, 1643421659); /* TZ=UTC lua5.4 */
    vm_stack_pop(vm, 1);
    static const struct {
        const char *k;
        int64_t v;
    } want[] = {{"year", 2022}, {"month", 1}, {"day", 29},  {"hour", 2},
                {"min", 0},     {"sec", 59},  {"yday", 29}, {"wday", 7}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        vm_tab_getfield(vm, -1, want[i].k);
        int64_t v;
        vm_to_int(vm, -1, &v);
        assert_int_equal(v, want[i].v);
        vm_stack_pop(vm, 1);
    }
    vm_stack_pop(vm, 1);
}

static void test_time_errors(void **state)
{
    struct vm *vm = *state;
    vm_push_table(vm, 0, 2);
    set_field(vm, "year", 2021);
    push_lib_fn(vm, "os", "time");
    vm_stack_copy(vm, -2);
    expect_error(vm, 1, "field 'month' missing in date table");
    set_field(vm, "month", 1);
    set_field(vm, "day", 1);
    vm_push_cstr(vm, "x");
    vm_tab_setfield(vm, -2, "hour");
    push_lib_fn(vm, "os", "time");
    vm_stack_copy(vm, -2);
    expect_error(vm, 1, "field 'hour' is not an integer");
    set_field(vm, "hour", 0);
    set_field(vm, "year", (int64_t)1 << 40);
    push_lib_fn(vm, "os", "time");
    vm_stack_copy(vm, -2);
    expect_error(vm, 1, "field 'year' is out-of-bound");
    /* 1969-12-31 23:59:59 is mktime's error value, and lua5.4 refuses it */
    set_field(vm, "year", 1969);
    set_field(vm, "month", 12);
    set_field(vm, "day", 31);
    set_field(vm, "hour", 23);
    set_field(vm, "min", 59);
    set_field(vm, "sec", 59);
    push_lib_fn(vm, "os", "time");
    vm_stack_copy(vm, -2);
    expect_error(vm, 1, "time result cannot be represented in this installation");
    vm_stack_pop(vm, 1);
}

static void test_clock_is_a_float(void **state)
{
    struct vm *vm = *state;
    push_lib_fn(vm, "os", "clock");
    assert_int_equal(vm_run(vm, 0, 1), VM_DONE);
    assert_int_equal(vm_type(vm, -1), VM_TNUMBER);
    assert_false(vm_is_int(vm, -1));
    double c;
    vm_to_num(vm, -1, &c);
    assert_true(c >= 0);
    vm_stack_pop(vm, 1);
}

static void test_io_write_formats_numbers_as_lua(void **state)
{
    struct vm *vm = *state;
    push_lib_fn(vm, "io", "write");
    vm_push_cstr(vm, "a");
    vm_push_int(vm, 1);
    vm_push_num(vm, 2.0);
    vm_push_num(vm, 0x1p63);
    vm_push_num(vm, 1.0 / 3);
    vm_push_int(vm, INT64_MIN);
    assert_int_equal(vm_run(vm, 6, 1), VM_DONE);
    assert_string_equal(out, "a129.2233720368548e+180.33333333333333-9223372036854775808");
    /* it returns io.stdout, whose write method writes too */
    vm_tab_getfield(vm, -1, "write");
    vm_stack_copy(vm, -2);
    vm_push_cstr(vm, "!");
    assert_int_equal(vm_run(vm, 2, 1), VM_DONE);
    assert_string_equal(out + strlen(out) - 1, "!");
    vm_stack_pop(vm, 2);
    push_lib_fn(vm, "io", "write");
    vm_push_table(vm, 0, 0);
    expect_error(vm, 1, "bad argument #1 to 'io.write' (string expected, got table)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_date_conversions_match_lua, setup, teardown),
        cmocka_unit_test_setup_teardown(test_date_star_t, setup, teardown),
        cmocka_unit_test_setup_teardown(test_date_bad_conversion_quotes_rest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_normalizes_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock_is_a_float, setup, teardown),
        cmocka_unit_test_setup_teardown(test_io_write_formats_numbers_as_lua, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
