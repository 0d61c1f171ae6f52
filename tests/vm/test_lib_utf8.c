/* The utf8 library (vm/lib_utf8.c) through the native-function API: char at every encoding
 * length up to 2^31 - 1, len's strict and lax modes and its fail + position result,
 * codepoint's errors, offset forwards, backwards and its continuation-byte error, and codes'
 * iteration. Expectations are lua5.4's for the same calls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/vm/lib_fixture.h"

static int setup(void **state)
{
    return fixture_setup(state, vm_lib_utf8_open);
}

/* Pushes utf8.<fn>. */
static void push_fn(struct vm *vm, const char *fn)
{
    push_lib_fn(vm, "utf8", fn);
}

static int64_t top_int(struct vm *vm)
{
    int64_t r = -999;
    assert_true(vm_is_int(vm, -1));
    vm_to_int(vm, -1, &r);
    return r;
}

static void test_char_every_length(void **state)
{
    struct vm *vm = *state;
    static const struct {
        int64_t code;
        const char *bytes;
    } cases[] = {
        {0x7F, "\x7F"},
        {0x80, "\xC2\x80"},
        {0x7FF, "\xDF\xBF"},
        {0x800, "\xE0\xA0\x80"},
        {0xFFFF, "\xEF\xBF\xBF"},
        {0x10FFFF, "\xF4\x8F\xBF\xBF"},
        {0x200000, "\xF8\x88\x80\x80\x80"},
        {0x7FFFFFFF, "\xFD\xBF\xBF\xBF\xBF\xBF"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        push_fn(vm, "char");
        vm_push_int(vm, cases[i].code);
        assert_int_equal(vm_run(vm, 1, 1), VM_DONE);
        size_t len;
        const char *s = vm_to_str(vm, -1, &len);
        assert_int_equal(len, strlen(cases[i].bytes));
        assert_memory_equal(s, cases[i].bytes, len);
        vm_stack_pop(vm, 1);
    }
    push_fn(vm, "char");
    vm_push_int(vm, 0x80000000);
    expect_error(vm, 1, "bad argument #1 to 'utf8.char' (value out of range)");
}

static void test_len_strict_lax_and_fail_position(void **state)
{
    struct vm *vm = *state;
    push_fn(vm, "len");
    vm_push_cstr(vm, "a\xC3\xA9\xE4\xB8\xAD");
    assert_int_equal(vm_run(vm, 1, 1), VM_DONE);
    assert_int_equal(top_int(vm), 3);
    vm_stack_pop(vm, 1);

    push_fn(vm, "len"); /* a surrogate: strict fails at byte 2, lax counts it */
    vm_push_cstr(vm, "x\xED\xA0\x80");
    assert_int_equal(vm_run(vm, 1, 2), VM_DONE);
    assert_int_equal(vm_type(vm, -2), VM_TNIL);
    assert_int_equal(top_int(vm), 2);
    vm_stack_pop(vm, 2);
    push_fn(vm, "len");
    vm_push_cstr(vm, "x\xED\xA0\x80");
    vm_push_int(vm, 1);
    vm_push_int(vm, -1);
    vm_push_bool(vm, true);
    assert_int_equal(vm_run(vm, 4, 1), VM_DONE);
    assert_int_equal(top_int(vm), 2);
    vm_stack_pop(vm, 1);

    push_fn(vm, "len"); /* overlong forms fail even when lax */
    vm_push_cstr(vm, "\xC0\x80");
    vm_push_int(vm, 1);
    vm_push_int(vm, -1);
    vm_push_bool(vm, true);
    assert_int_equal(vm_run(vm, 4, 2), VM_DONE);
    assert_int_equal(vm_type(vm, -2), VM_TNIL);
    assert_int_equal(top_int(vm), 1);
    vm_stack_pop(vm, 2);

    push_fn(vm, "len");
    vm_push_cstr(vm, "abc");
    vm_push_int(vm, 5);
    expect_error(vm, 2, "bad argument #2 to 'utf8.len' (initial position out of bounds)");
}

static void test_codepoint_truncated_is_invalid(void **state)
{
    struct vm *vm = *state;
    push_fn(vm, "codepoint");
    vm_push_cstr(vm, "a\xE4\xBD");
    vm_push_int(vm, 1);
    vm_push_int(vm, -1);
    expect_error(vm, 3, "invalid UTF-8 code");
    push_fn(vm, "codepoint");
    vm_push_cstr(vm, "abc");
    vm_push_int(vm, 0);
    expect_error(vm, 2, "bad argument #2 to 'utf8.codepoint' (out of bounds)");
}

static void test_offset_both_directions(void **state)
{
    struct vm *vm = *state;
    static const char s[] = "a\xC3\xA9\xE4\xB8\xAD"
                            "z"; /* bytes 1, 2-3, 4-6, 7 */
    static const struct {
        int64_t n, i, want;
    } cases[] = {{1, 1, 1}, {3, 1, 4}, {4, 1, 7}, {5, 1, 8}, {-1, 8, 7}, {-2, 8, 4}, {0, 5, 4}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        push_fn(vm, "offset");
        vm_push_cstr(vm, s);
        vm_push_int(vm, cases[k].n);
        vm_push_int(vm, cases[k].i);
        assert_int_equal(vm_run(vm, 3, 1), VM_DONE);
        assert_int_equal(top_int(vm), cases[k].want);
        vm_stack_pop(vm, 1);
    }
    push_fn(vm, "offset");
    vm_push_cstr(vm, s);
    vm_push_int(vm, 6);
    assert_int_equal(vm_run(vm, 2, 1), VM_DONE);
    assert_int_equal(vm_type(vm, -1), VM_TNIL);
    vm_stack_pop(vm, 1);
    push_fn(vm, "offset");
    vm_push_cstr(vm, s);
    vm_push_int(vm, 1);
    vm_push_int(vm, 3);
    expect_error(vm, 3, "initial position is a continuation byte");
}

static void test_codes_iterates_positions(void **state)
{
    struct vm *vm = *state;
    push_fn(vm, "codes");
    vm_push_cstr(vm, "a\xC3\xA9z");
    assert_int_equal(vm_run(vm, 1, 3), VM_DONE);
    /* stack: iterator, s, control; call the iterator as a generic for would */
    static const int64_t pos[] = {1, 2, 4}, code[] = {97, 233, 122};
    for (int k = 0; k < 3; k++) {
        vm_stack_copy(vm, -3);
        vm_stack_copy(vm, -3);
        vm_stack_copy(vm, -3);
        assert_int_equal(vm_run(vm, 2, 2), VM_DONE);
        int64_t p, c;
        vm_to_int(vm, -2, &p);
        vm_to_int(vm, -1, &c);
        assert_int_equal(p, pos[k]);
        assert_int_equal(c, code[k]);
        vm_stack_pop(vm, 1);
        vm_stack_replace(vm, -2); /* the position is the next control value */
    }
    vm_stack_copy(vm, -3);
    vm_stack_copy(vm, -3);
    vm_stack_copy(vm, -3);
    assert_int_equal(vm_run(vm, 2, 1), VM_DONE);
    assert_int_equal(vm_type(vm, -1), VM_TNIL);
    vm_stack_pop(vm, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_char_every_length, setup, teardown),
        cmocka_unit_test_setup_teardown(test_len_strict_lax_and_fail_position, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codepoint_truncated_is_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_offset_both_directions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codes_iterates_positions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
