/* The math library (vm/lib_math.c) through the native-function API: integer/float results,
 * fmod's forms and its "zero" error, log bases, max/min, and math.random drawing exactly what
 * lua5.4 draws for a seed (xoshiro256**, 5.4's seeding and "project"). Each expectation is
 * what lua5.4 prints for the same call made through pcall (no call site, so argument errors
 * name the function by its global name: 'math.random'). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/vm/lib_fixture.h"

static int setup(void **state)
{
    return fixture_setup(state, vm_lib_math_open);
}

/* Pushes math.<fn>. */
static void push_fn(struct vm *vm, const char *fn)
{
    push_lib_fn(vm, "math", fn);
}

/* Calls math.<fn> with the 'nargs' values already pushed above it; returns the outcome. */
static enum vm_outcome call(struct vm *vm, int nargs, int nresults)
{
    return vm_run(vm, nargs, nresults);
}

static int64_t call_int1(struct vm *vm, const char *fn, int64_t a)
{
    push_fn(vm, fn);
    vm_push_int(vm, a);
    assert_int_equal(call(vm, 1, 1), VM_DONE);
    assert_true(vm_is_int(vm, -1));
    int64_t r;
    vm_to_int(vm, -1, &r);
    vm_stack_pop(vm, 1);
    return r;
}

/* math.<fn>(x) for a float x: returns the result and whether it is an integer. */
static double call_num1(struct vm *vm, const char *fn, double x, bool *is_int)
{
    push_fn(vm, fn);
    vm_push_num(vm, x);
    assert_int_equal(call(vm, 1, 1), VM_DONE);
    *is_int = vm_is_int(vm, -1);
    double r;
    vm_to_num(vm, -1, &r);
    vm_stack_pop(vm, 1);
    return r;
}

static void seed(struct vm *vm, int64_t n)
{
    push_fn(vm, "randomseed");
    vm_push_int(vm, n);
    assert_int_equal(call(vm, 1, 0), VM_DONE);
}

static int64_t random2(struct vm *vm, int64_t m, int64_t n)
{
    push_fn(vm, "random");
    vm_push_int(vm, m);
    vm_push_int(vm, n);
    assert_int_equal(call(vm, 2, 1), VM_DONE);
    int64_t r;
    assert_true(vm_to_int(vm, -1, &r));
    vm_stack_pop(vm, 1);
    return r;
}

static void test_random_seed_42_matches_lua(void **state)
{
    struct vm *vm = *state;
    seed(vm, 42);
    /* lua5.4 -e 'math.randomseed(42) for i=1,10 do print(math.random(1,100)) end' */
    static const int64_t want[] = {50, 76, 86, 54, 64, 7, 25, 3, 24, 24};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_int_equal(random2(vm, 1, 100), want[i]);
}

static void test_random_float_and_full_integer(void **state)
{
    struct vm *vm = *state;
    seed(vm, 42);
    for (int i = 0; i < 3; i++)
        random2(vm, 1, 100);
    push_fn(vm, "random");
    assert_int_equal(call(vm, 0, 1), VM_DONE);
    assert_false(vm_is_int(vm, -1));
    double d;
    vm_to_num(vm, -1, &d);
    assert_true(d == 0.61731763595847267);
    vm_stack_pop(vm, 1);
    assert_int_equal(call_int1(vm, "random", 0), 177101407732369983);
}

static void test_random_ranges_project_as_lua(void **state)
{
    struct vm *vm = *state;
    seed(vm, 42);
    for (int i = 0; i < 10; i++)
        random2(vm, 1, 100);
    for (int i = 0; i < 2; i++) {
        push_fn(vm, "random");
        assert_int_equal(call(vm, 0, 0), VM_DONE);
    }
    call_int1(vm, "random", 0);
    /* tests/lang/math_lib.lua prints the same sequence under lua5.4 */
    assert_int_equal(call_int1(vm, "random", 10), 8);
    assert_int_equal(random2(vm, -5, 5), -5);
    assert_int_equal(random2(vm, 3, 3), 3);
    assert_int_equal(random2(vm, 0, INT64_MAX), 5175065933773059081);
    assert_int_equal(random2(vm, INT64_MIN, INT64_MAX), -5551181838183337496);
    assert_int_equal(random2(vm, INT64_MIN, -1), -1607029941279387476);
}

static void test_random_bad_arguments_raise_and_draw_nothing(void **state)
{
    struct vm *vm = *state;
    seed(vm, 42);
    push_fn(vm, "random");
    vm_push_int(vm, 3);
    vm_push_int(vm, 1);
    expect_error(vm, 2, "bad argument #1 to 'math.random' (interval is empty)");
    push_fn(vm, "random");
    vm_push_int(vm, 1);
    vm_push_int(vm, 2);
    vm_push_int(vm, 3);
    expect_error(vm, 3, "wrong number of arguments");
    push_fn(vm, "random");
    vm_push_num(vm, 1.5);
    expect_error(vm, 1, "bad argument #1 to 'math.random' (number has no integer representation)");
    assert_int_equal(random2(vm, 1, 100), 50); /* still the first draw after seed 42 */
}

static void test_randomseed_returns_its_seeds(void **state)
{
    struct vm *vm = *state;
    push_fn(vm, "randomseed");
    vm_push_int(vm, -7);
    vm_push_int(vm, 99);
    assert_int_equal(call(vm, 2, 2), VM_DONE);
    int64_t a, b;
    vm_to_int(vm, -2, &a);
    vm_to_int(vm, -1, &b);
    assert_int_equal(a, -7);
    assert_int_equal(b, 99);
    vm_stack_pop(vm, 2);
    assert_int_equal(random2(vm, 1, 100), 59);
    assert_int_equal(random2(vm, 1, 100), 26);
}

static void test_floor_ceil_integer_when_representable(void **state)
{
    struct vm *vm = *state;
    bool is_int;
    assert_true(call_num1(vm, "floor", 3.7, &is_int) == 3 && is_int);
    assert_true(call_num1(vm, "floor", -3.7, &is_int) == -4 && is_int);
    assert_true(call_num1(vm, "ceil", -0.5, &is_int) == 0 && is_int);
    assert_true(call_num1(vm, "floor", 0x1p63, &is_int) == 0x1p63 && !is_int);
    assert_true(call_num1(vm, "ceil", 1e300, &is_int) == 1e300 && !is_int);
    assert_int_equal(call_int1(vm, "floor", INT64_MIN), INT64_MIN);
}

static void test_abs_wraps_mininteger(void **state)
{
    struct vm *vm = *state;
    assert_int_equal(call_int1(vm, "abs", -3), 3);
    assert_int_equal(call_int1(vm, "abs", INT64_MIN), INT64_MIN);
    bool is_int;
    assert_true(call_num1(vm, "abs", -2.5, &is_int) == 2.5 && !is_int);
}

static void test_fmod_integer_and_zero(void **state)
{
    struct vm *vm = *state;
    push_fn(vm, "fmod");
    vm_push_int(vm, -7);
    vm_push_int(vm, 3);
    assert_int_equal(call(vm, 2, 1), VM_DONE);
    int64_t r;
    assert_true(vm_is_int(vm, -1));
    vm_to_int(vm, -1, &r);
    assert_int_equal(r, -1); /* C's truncating remainder, unlike % */
    vm_stack_pop(vm, 1);

    push_fn(vm, "fmod");
    vm_push_int(vm, INT64_MIN);
    vm_push_int(vm, -1);
    assert_int_equal(call(vm, 2, 1), VM_DONE);
    vm_to_int(vm, -1, &r);
    assert_int_equal(r, 0);
    vm_stack_pop(vm, 1);

    push_fn(vm, "fmod");
    vm_push_int(vm, 1);
    vm_push_int(vm, 0);
    expect_error(vm, 2, "bad argument #2 to 'math.fmod' (zero)");

    push_fn(vm, "fmod");
    vm_push_num(vm, -7.5);
    vm_push_int(vm, 2);
    assert_int_equal(call(vm, 2, 1), VM_DONE);
    double d;
    assert_false(vm_is_int(vm, -1));
    vm_to_num(vm, -1, &d);
    assert_true(d == -1.5);
    vm_stack_pop(vm, 1);
}

static void test_modf_parts(void **state)
{
    struct vm *vm = *state;
    push_fn(vm, "modf");
    vm_push_num(vm, -3.5);
    assert_int_equal(call(vm, 1, 2), VM_DONE);
    int64_t ip;
    double frac;
    assert_true(vm_is_int(vm, -2));
    vm_to_int(vm, -2, &ip);
    vm_to_num(vm, -1, &frac);
    assert_int_equal(ip, -3);
    assert_true(frac == -0.5);
    vm_stack_pop(vm, 2);
}

static void test_log_bases(void **state)
{
    struct vm *vm = *state;
    push_fn(vm, "log");
    vm_push_num(vm, 0x1p60);
    vm_push_int(vm, 2);
    assert_int_equal(call(vm, 2, 1), VM_DONE);
    double d;
    vm_to_num(vm, -1, &d);
    assert_true(d == 60.0); /* log2, exact */
    vm_stack_pop(vm, 1);
    push_fn(vm, "log");
    vm_push_int(vm, 1000);
    vm_push_num(vm, 10.0);
    assert_int_equal(call(vm, 2, 1), VM_DONE);
    vm_to_num(vm, -1, &d);
    assert_true(d == 3.0); /* log10, exact */
    vm_stack_pop(vm, 1);
}

static void test_max_keeps_first_of_equals(void **state)
{
    struct vm *vm = *state;
    push_fn(vm, "max");
    vm_push_int(vm, 1);
    vm_push_num(vm, 2.0);
    vm_push_int(vm, 2);
    assert_int_equal(call(vm, 3, 1), VM_DONE);
    assert_false(vm_is_int(vm, -1));
    vm_stack_pop(vm, 1);
    push_fn(vm, "max");
    expect_error(vm, 0, "bad argument #1 to 'math.max' (value expected)");
}

static void test_tointeger_type_ult(void **state)
{
    struct vm *vm = *state;
    push_fn(vm, "tointeger");
    vm_push_cstr(vm, "8");
    assert_int_equal(call(vm, 1, 1), VM_DONE);
    int64_t r;
    assert_true(vm_to_int(vm, -1, &r));
    assert_int_equal(r, 8);
    vm_stack_pop(vm, 1);
    push_fn(vm, "tointeger");
    vm_push_num(vm, 3.5);
    assert_int_equal(call(vm, 1, 1), VM_DONE);
    assert_int_equal(vm_type(vm, -1), VM_TNIL);
    vm_stack_pop(vm, 1);
    push_fn(vm, "ult");
    vm_push_int(vm, 1);
    vm_push_int(vm, -1);
    assert_int_equal(call(vm, 2, 1), VM_DONE);
    assert_true(vm_to_bool(vm, -1));
    vm_stack_pop(vm, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_random_seed_42_matches_lua, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_float_and_full_integer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_ranges_project_as_lua, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_bad_arguments_raise_and_draw_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_randomseed_returns_its_seeds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_floor_ceil_integer_when_representable, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_abs_wraps_mininteger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fmod_integer_and_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_modf_parts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_bases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_keeps_first_of_equals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tointeger_type_ult, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
