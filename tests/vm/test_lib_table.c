/* The table library (vm/lib_table.c) through the native-function API: insert and remove at
 * positions and their errors, concat of numbers and its error, sort with and without a
 * comparator, a comparator that is not an order ("invalid order function for sorting"),
 * "array too big", unpack, pack's n, move's overlap and overflow errors. Expectations are
 * lua5.4's for the same calls. */
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
    return fixture_setup(state, vm_lib_table_open);
}

/* Pushes table.<fn>. */
static void push_fn(struct vm *vm, const char *fn)
{
    push_lib_fn(vm, "table", fn);
}

/* Pushes a table {v[0], ..., v[n-1]}. */
static void push_ints(struct vm *vm, const int64_t *v, int n)
{
    vm_push_table(vm, n, 0);
    for (int i = 0; i < n; i++) {
        vm_push_int(vm, v[i]);
        vm_tab_rawseti(vm, -2, i + 1);
    }
}

/* The table at 'idx' as "a,b,c" over 1..n, into 'out'. */
static const char *show(struct vm *vm, int idx, int n, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 1; i <= n; i++) {
        vm_tab_rawgeti(vm, idx, i);
        size_t l;
        const char *s = vm_to_str(vm, -1, &l);
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i > 1 ? "," : "", s ? s : "nil");
        vm_stack_pop(vm, 1);
    }
    return out;
}

static void test_insert_at_positions(void **state)
{
    struct vm *vm = *state;
    char buf[128];
    static const int64_t v[] = {1, 2, 3};
    push_ints(vm, v, 3);
    push_fn(vm, "insert");
    vm_stack_copy(vm, -2);
    vm_push_int(vm, 1);
    vm_push_int(vm, 0);
    assert_int_equal(vm_run(vm, 3, 0), VM_DONE);
    push_fn(vm, "insert");
    vm_stack_copy(vm, -2);
    vm_push_int(vm, 9);
    assert_int_equal(vm_run(vm, 2, 0), VM_DONE);
    assert_string_equal(show(vm, -1, 5, buf, sizeof buf), "0,1,2,3,9");
    vm_stack_pop(vm, 1);
}

static void test_insert_position_out_of_bounds(void **state)
{
    struct vm *vm = *state;
    static const int64_t v[] = {1, 2, 3};
    push_ints(vm, v, 3);
    push_fn(vm, "insert");
    vm_stack_copy(vm, -2);
    vm_push_int(vm, 5); /* #t + 2 */
    vm_push_int(vm, 0);
    expect_error(vm, 3, "bad argument #2 to 'table.insert' (position out of bounds)");
    push_fn(vm, "insert");
    vm_stack_copy(vm, -2);
    vm_push_int(vm, 1);
    vm_push_int(vm, 2);
    vm_push_int(vm, 3);
    expect_error(vm, 4, "wrong number of arguments to 'insert'");
    vm_stack_pop(vm, 1);
}

static void test_remove_shifts_down(void **state)
{
    struct vm *vm = *state;
    char buf[128];
    static const int64_t v[] = {1, 2, 3, 4};
    push_ints(vm, v, 4);
    push_fn(vm, "remove");
    vm_stack_copy(vm, -2);
    vm_push_int(vm, 2);
    assert_int_equal(vm_run(vm, 2, 1), VM_DONE);
    int64_t r;
    vm_to_int(vm, -1, &r);
    assert_int_equal(r, 2);
    vm_stack_pop(vm, 1);
    assert_string_equal(show(vm, -1, 4, buf, sizeof buf), "1,3,4,nil");
    push_fn(vm, "remove");
    vm_stack_copy(vm, -2);
    vm_push_int(vm, 7);
    /* lua5.4.4 names argument #1 here */
    expect_error(vm, 2, "bad argument #1 to 'table.remove' (position out of bounds)");
    vm_stack_pop(vm, 1);
}

static void test_concat_numbers_and_bad_value(void **state)
{
    struct vm *vm = *state;
    vm_push_table(vm, 3, 0);
    vm_push_int(vm, 1);
    vm_tab_rawseti(vm, -2, 1);
    vm_push_num(vm, 2.5);
    vm_tab_rawseti(vm, -2, 2);
    vm_push_cstr(vm, "s");
    vm_tab_rawseti(vm, -2, 3);
    push_fn(vm, "concat");
    vm_stack_copy(vm, -2);
    vm_push_cstr(vm, "|");
    assert_int_equal(vm_run(vm, 2, 1), VM_DONE);
    size_t len;
    assert_string_equal(vm_to_str(vm, -1, &len), "1|2.5|s");
    vm_stack_pop(vm, 1);
    vm_push_table(vm, 0, 0);
    vm_tab_rawseti(vm, -2, 2);
    push_fn(vm, "concat");
    vm_stack_copy(vm, -2);
    expect_error(vm, 1, "invalid value (table) at index 2 in table for 'concat'");
    vm_stack_pop(vm, 1);
}

static int cmp_greater(struct vm *vm)
{
    vm_push_bool(vm, vm_less(vm, 2, 1));
    return 1;
}

static int cmp_always(struct vm *vm)
{
    vm_push_bool(vm, true);
    return 1;
}

static void test_sort_default_and_comparator(void **state)
{
    struct vm *vm = *state;
    char buf[128];
    static const int64_t v[] = {5, 3, 8, 1, 9, 2, 7, 4, 6};
    push_ints(vm, v, 9);
    push_fn(vm, "sort");
    vm_stack_copy(vm, -2);
    assert_int_equal(vm_run(vm, 1, 0), VM_DONE);
    assert_string_equal(show(vm, -1, 9, buf, sizeof buf), "1,2,3,4,5,6,7,8,9");
    push_fn(vm, "sort");
    vm_stack_copy(vm, -2);
    vm_push_native(vm, cmp_greater, "greater", 0);
    assert_int_equal(vm_run(vm, 2, 0), VM_DONE);
    assert_string_equal(show(vm, -1, 9, buf, sizeof buf), "9,8,7,6,5,4,3,2,1");
    vm_stack_pop(vm, 1);
}

static void test_sort_invalid_order_function(void **state)
{
    struct vm *vm = *state;
    int64_t v[100];
    for (int i = 0; i < 100; i++)
        v[i] = i % 7;
    push_ints(vm, v, 100);
    push_fn(vm, "sort");
    vm_stack_copy(vm, -2);
    vm_push_native(vm, cmp_always, "always", 0);
    expect_error(vm, 2, "invalid order function for sorting");
    vm_stack_pop(vm, 1);
}

static void test_sort_incomparable_and_bad_comparator(void **state)
{
    struct vm *vm = *state;
    vm_push_table(vm, 2, 0);
    vm_push_cstr(vm, "x");
    vm_tab_rawseti(vm, -2, 1);
    vm_push_int(vm, 1);
    vm_tab_rawseti(vm, -2, 2);
    push_fn(vm, "sort");
    vm_stack_copy(vm, -2);
    expect_error(vm, 1, "attempt to compare");
    push_fn(vm, "sort");
    vm_stack_copy(vm, -2);
    vm_push_int(vm, 1);
    expect_error(vm, 2, "bad argument #2 to 'table.sort' (function expected, got number)");
    vm_stack_pop(vm, 1);
}

static int huge_len(struct vm *vm)
{
    vm_push_int(vm, INT64_MAX);
    return 1;
}

static void test_sort_array_too_big(void **state)
{
    struct vm *vm = *state;
    vm_push_table(vm, 0, 0);
    vm_push_table(vm, 0, 1);
    vm_push_native(vm, huge_len, "len", 0);
    vm_tab_setfield(vm, -2, "__len");
    vm_meta_set(vm, -2);
    push_fn(vm, "sort");
    vm_stack_copy(vm, -2);
    expect_error(vm, 1, "bad argument #1 to 'table.sort' (array too big)");
    vm_stack_pop(vm, 1);
}

static void test_unpack_and_pack(void **state)
{
    struct vm *vm = *state;
    static const int64_t v[] = {1, 2, 3};
    push_ints(vm, v, 3);
    push_fn(vm, "unpack");
    vm_stack_copy(vm, -2);
    vm_push_int(vm, 2);
    vm_push_int(vm, 5);
    int base = vm_stack_top(vm) - 4;
    assert_int_equal(vm_run(vm, 3, VM_MULTRET), VM_DONE);
    assert_int_equal(vm_stack_top(vm) - base, 4);
    assert_int_equal(vm_type(vm, -1), VM_TNIL);
    vm_stack_set_top(vm, base);
    push_fn(vm, "unpack");
    vm_stack_copy(vm, -2);
    vm_push_int(vm, 1);
    vm_push_int(vm, 100000000);
    expect_error(vm, 3, "too many results to unpack");
    vm_stack_pop(vm, 1);

    push_fn(vm, "pack");
    vm_push_nil(vm);
    vm_push_int(vm, 2);
    vm_push_nil(vm);
    assert_int_equal(vm_run(vm, 3, 1), VM_DONE);
    vm_tab_getfield(vm, -1, "n");
    int64_t n;
    vm_to_int(vm, -1, &n);
    assert_int_equal(n, 3);
    vm_stack_pop(vm, 2);
}

static void test_move_overlap_and_errors(void **state)
{
    struct vm *vm = *state;
    char buf[128];
    static const int64_t v[] = {1, 2, 3, 4, 5};
    push_ints(vm, v, 5);
    push_fn(vm, "move");
    vm_stack_copy(vm, -2);
    vm_push_int(vm, 1);
    vm_push_int(vm, 3);
    vm_push_int(vm, 2);
    assert_int_equal(vm_run(vm, 4, 1), VM_DONE);
    vm_stack_pop(vm, 1);
    assert_string_equal(show(vm, -1, 5, buf, sizeof buf), "1,1,2,3,5");
    push_fn(vm, "move");
    vm_stack_copy(vm, -2);
    vm_push_int(vm, -1);
    vm_push_int(vm, INT64_MAX);
    vm_push_int(vm, 2);
    expect_error(vm, 4, "bad argument #3 to 'table.move' (too many elements to move)");
    push_fn(vm, "move");
    vm_stack_copy(vm, -2);
    vm_push_int(vm, 1);
    vm_push_int(vm, 2);
    vm_push_int(vm, INT64_MAX);
    expect_error(vm, 4, "bad argument #4 to 'table.move' (destination wrap around)");
    vm_stack_pop(vm, 1);
}

/* A proxy's metamethods, all reading and writing the store table held in upvalue 1. */
static int proxy_index(struct vm *vm)
{
    vm_upvalue_push(vm, 1);
    vm_stack_copy(vm, 2);
    vm_tab_rawget(vm, -2);
    return 1;
}

static int proxy_newindex(struct vm *vm)
{
    vm_upvalue_push(vm, 1);
    vm_stack_copy(vm, 2);
    vm_stack_copy(vm, 3);
    vm_tab_rawset(vm, -3);
    return 0;
}

static int proxy_len(struct vm *vm)
{
    vm_upvalue_push(vm, 1);
    vm_push_int(vm, (int64_t)vm_rawlen(vm, -1));
    return 1;
}

/* Pushes the store {10, 20, 30} and above it an empty proxy for it. */
static void push_proxy(struct vm *vm)
{
    static const int64_t v[] = {10, 20, 30};
    push_ints(vm, v, 3);
    vm_push_table(vm, 0, 0);
    vm_push_table(vm, 0, 3);
    vm_stack_copy(vm, -3);
    vm_push_native(vm, proxy_index, "index", 1);
    vm_tab_setfield(vm, -2, "__index");
    vm_stack_copy(vm, -3);
    vm_push_native(vm, proxy_newindex, "newindex", 1);
    vm_tab_setfield(vm, -2, "__newindex");
    vm_stack_copy(vm, -3);
    vm_push_native(vm, proxy_len, "len", 1);
    vm_tab_setfield(vm, -2, "__len");
    vm_meta_set(vm, -2);
}

static void test_functions_go_through_metamethods(void **state)
{
    struct vm *vm = *state;
    char buf[128];
    push_proxy(vm);
    push_fn(vm, "insert");
    vm_stack_copy(vm, -2);
    vm_push_int(vm, 1);
    vm_push_int(vm, 5);
    assert_int_equal(vm_run(vm, 3, 0), VM_DONE);
    assert_string_equal(show(vm, -2, 4, buf, sizeof buf), "5,10,20,30");
    assert_int_equal(vm_rawlen(vm, -1), 0); /* the proxy itself stays empty */

    push_fn(vm, "remove");
    vm_stack_copy(vm, -2);
    vm_push_int(vm, 2);
    assert_int_equal(vm_run(vm, 2, 1), VM_DONE);
    int64_t r;
    vm_to_int(vm, -1, &r);
    assert_int_equal(r, 10);
    vm_stack_pop(vm, 1);

    push_fn(vm, "concat");
    vm_stack_copy(vm, -2);
    vm_push_cstr(vm, "+");
    assert_int_equal(vm_run(vm, 2, 1), VM_DONE);
    size_t len;
    assert_string_equal(vm_to_str(vm, -1, &len), "5+20+30");
    vm_stack_pop(vm, 1);

    push_fn(vm, "sort");
    vm_stack_copy(vm, -2);
    vm_push_native(vm, cmp_greater, "greater", 0);
    assert_int_equal(vm_run(vm, 2, 0), VM_DONE);
    assert_string_equal(show(vm, -2, 3, buf, sizeof buf), "30,20,5");
    vm_stack_pop(vm, 2);
}

static void test_non_table_without_metamethods_is_refused(void **state)
{
    struct vm *vm = *state;
    push_fn(vm, "insert");
    vm_push_int(vm, 1);
    vm_push_int(vm, 2);
    expect_error(vm, 2, "bad argument #1 to 'table.insert' (table expected, got number)");
    push_fn(vm, "concat");
    vm_push_cstr(vm, "abc"); /* no __len, whatever the string metatable holds */
    expect_error(vm, 1, "bad argument #1 to 'table.concat' (table expected, got string)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_insert_at_positions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insert_position_out_of_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_shifts_down, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concat_numbers_and_bad_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sort_default_and_comparator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sort_invalid_order_function, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sort_incomparable_and_bad_comparator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sort_array_too_big, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unpack_and_pack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_move_overlap_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_functions_go_through_metamethods, setup, teardown),
        cmocka_unit_test_setup_teardown(test_non_table_without_metamethods_is_refused, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
