/* The table library (vm/lib_table.c) through the native-function API: insert and remove at
 * positions and their errors, concat of numbers and its error, sort with and without a
 * comparator, a comparator that is not an order ("invalid order function for sorting"),
 * two million comparator calls (each continues the sort from vm_call_cont's continuation),
 * comparators that yield or are preempted by the instruction budget (issue 5),
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
#include "tests/vm/script_fixture.h"

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

static int cmp_less(struct vm *vm)
{
    vm_push_bool(vm, vm_less(vm, 1, 2));
    return 1;
}

/* A comparator that first sorts a small table of its own with table.sort and a comparator:
 * a sort whose comparator calls are nested inside another's. */
static int cmp_sorting(struct vm *vm)
{
    static const int64_t v[] = {3, 1, 2};
    push_ints(vm, v, 3);
    push_fn(vm, "sort");
    vm_stack_copy(vm, -2);
    vm_push_native(vm, cmp_greater, "greater", 0);
    vm_call(vm, 2, 0);
    vm_tab_rawgeti(vm, -1, 1);
    int64_t first;
    vm_to_int(vm, -1, &first);
    assert_int_equal(first, 3);
    vm_push_bool(vm, vm_less(vm, 1, 2));
    return 1;
}

static bool sorted_ascending(struct vm *vm, int idx, int n)
{
    int64_t prev = INT64_MIN;
    for (int i = 1; i <= n; i++) {
        int64_t x;
        vm_tab_rawgeti(vm, idx, i);
        vm_to_int(vm, -1, &x);
        vm_stack_pop(vm, 1);
        if (x < prev) return false;
        prev = x;
    }
    return true;
}

/* Each comparator call ends in vm_call_cont, whose continuation makes the next call: 100,000
 * elements (about two million calls) would overflow the C stack if each nested in the last. */
static void test_sort_many_comparator_calls_in_constant_c_stack(void **state)
{
    struct vm *vm = *state;
    enum { N = 100000 };
    vm_push_table(vm, N, 0);
    uint64_t x = 42;
    for (int i = 1; i <= N; i++) {
        x = (x * 1103515245 + 12345) % 2147483648u;
        vm_push_int(vm, (int64_t)(x % 1000000));
        vm_tab_rawseti(vm, -2, i);
    }
    push_fn(vm, "sort");
    vm_stack_copy(vm, -2);
    vm_push_native(vm, cmp_less, "less", 0);
    assert_int_equal(vm_run(vm, 2, 0), VM_DONE);
    assert_true(sorted_ascending(vm, -1, N));
    vm_stack_pop(vm, 1);
}

static void test_sort_comparator_that_sorts(void **state)
{
    struct vm *vm = *state;
    static const int64_t v[] = {5, 3, 8, 1, 9, 2, 7, 4, 6, 0, 11, 10};
    char buf[128];
    push_ints(vm, v, 12);
    push_fn(vm, "sort");
    vm_stack_copy(vm, -2);
    vm_push_native(vm, cmp_sorting, "sorting", 0);
    assert_int_equal(vm_run(vm, 2, 0), VM_DONE);
    assert_string_equal(show(vm, -1, 12, buf, sizeof buf), "0,1,2,3,4,5,6,7,8,9,10,11");
    vm_stack_pop(vm, 1);
}

/* --- yields and preemption inside the comparator (issue 5): scripts compiled by lang/ --- */

static int setup_all(void **state)
{
    return fixture_setup(state, vm_open_libs);
}

static const char *const sort_yields =
    "function yields()\n"
    "  local t = {5, 3, 8, 1, 9, 2, 7, 4, 6, 0}\n"
    "  local co = coroutine.wrap(function()\n"
    "    table.sort(t, function(a, b) coroutine.yield(a, b); return a < b end)\n"
    "    return 'done'\n"
    "  end)\n"
    "  local n = 0\n"
    "  while co() ~= 'done' do n = n + 1 end\n"
    "  return table.concat(t, ' ') .. ' after ' .. n .. ' yields'\n"
    "end\n"
    "function plain()\n"
    "  local t = {5, 3, 8, 1, 9, 2, 7, 4, 6, 0}\n"
    "  local n = 0\n"
    "  table.sort(t, function(a, b) n = n + 1; return a < b end)\n"
    "  return table.concat(t, ' ') .. ' after ' .. n .. ' yields'\n"
    "end\n"
    "function error_after_yield()\n"
    "  local co = coroutine.create(function()\n"
    "    table.sort({3, 2, 1}, function(a, b) coroutine.yield(); error('late', 0) end)\n"
    "  end)\n"
    "  local ok1 = coroutine.resume(co)\n"
    "  local ok2, e = coroutine.resume(co)\n"
    "  return tostring(ok1) .. ' ' .. tostring(ok2) .. ' ' .. e .. ' ' .. coroutine.status(co)\n"
    "end\n"
    "big = {}\n"
    "local x = 7\n"
    "for i = 1, 3000 do x = (x * 1103515245 + 12345) % 2147483648; big[i] = x % 10000 end\n"
    "function sort_big() table.sort(big, function(a, b) return a > b end) end\n";

/* A comparator yields at every call: the sort goes on after each resume, with the same calls
 * as without yields (the count is the comparator's calls). */
static void test_sort_comparator_yields(void **state)
{
    struct vm *vm = *state;
    fixture_run_script(vm, sort_yields);
    char plain[512];
    snprintf(plain, sizeof plain, "%s", fixture_call_global(vm, "plain"));
    assert_string_equal(fixture_call_global(vm, "yields"), plain);
    assert_string_equal(fixture_call_global(vm, "error_after_yield"), "true false late dead");
}

/* A tiny instruction budget preempts the comparator mid-call again and again; the sort comes
 * out the same as with no budget. */
static void test_sort_comparator_preempted(void **state)
{
    struct vm *vm = *state;
    fixture_run_script(vm, sort_yields);
    vm_push_globals(vm);
    vm_tab_getfield(vm, -1, "sort_big");
    vm_stack_replace(vm, -2);
    struct vm_co *co = vm_co_new(vm);
    assert_non_null(co);
    int resumes = 0;
    for (;;) {
        struct vm_resume_info info;
        enum vm_outcome r = vm_resume(vm, co, 0, 7, &info);
        resumes++;
        if (r == VM_PREEMPTED) continue;
        if (r != VM_DONE) fail_msg("resume: %d %s", r, vm_error_message(vm, NULL));
        break;
    }
    vm_co_release(vm, co);
    assert_true(resumes > 1000);
    vm_push_globals(vm);
    vm_tab_getfield(vm, -1, "big");
    int64_t prev = INT64_MAX;
    for (int i = 1; i <= 3000; i++) {
        int64_t v;
        vm_tab_rawgeti(vm, -1, i);
        vm_to_int(vm, -1, &v);
        vm_stack_pop(vm, 1);
        assert_true(v <= prev);
        prev = v;
    }
    vm_stack_pop(vm, 2);
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
        cmocka_unit_test_setup_teardown(test_sort_many_comparator_calls_in_constant_c_stack, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sort_comparator_that_sorts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sort_comparator_yields, setup_all, teardown),
        cmocka_unit_test_setup_teardown(test_sort_comparator_preempted, setup_all, teardown),
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
