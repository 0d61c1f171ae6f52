/* Tables (vm/tab.c): the array part takes a sequence, a rehash moves integer keys into it by
 * Lua 5.4's "more than half used" rule, next() visits every key once in array-then-hash order
 * and can go on from a key whose value was set to nil, float keys with integral values are
 * the integers, and nil and NaN keys are refused with Lua's messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tests/vm/core_fixture.h"

/* A new table, anchored on the stack for the collector. */
static struct vtab *new_table(struct vm *vm)
{
    vm_push_table(vm, 0, 0);
    return VTAB(vm->stack[vm->top - 1]);
}

static void test_sequence_goes_to_array_part(void **state)
{
    struct vm *vm = *state;
    struct vtab *t = new_table(vm);
    for (int64_t i = 1; i <= 100; i++) tab_setint(vm, t, i, val_int(i * 10));
    assert_true(t->asize >= 100);
    assert_true(t->asize <= 128);
    assert_int_equal(tab_len(t), 100);
    for (int64_t i = 1; i <= 100; i++) assert_int_equal(tab_getint(t, i)->u.i, i * 10);
    assert_int_equal(tab_getint(t, 101)->tt, VT_NIL);
}

static void test_sparse_keys_stay_in_hash_part(void **state)
{
    struct vm *vm = *state;
    struct vtab *t = new_table(vm);
    for (int64_t i = 1; i <= 10; i++) tab_setint(vm, t, i * 1000, val_int(i));
    assert_int_equal(t->asize, 0);
    for (int64_t i = 1; i <= 10; i++) assert_int_equal(tab_getint(t, i * 1000)->u.i, i);
    assert_int_equal(tab_len(t), 0);
}

static void test_rehash_keeps_every_key(void **state)
{
    struct vm *vm = *state;
    struct vtab *t = new_table(vm);
    char name[16];
    for (int i = 0; i < 500; i++) {
        snprintf(name, sizeof name, "k%d", i);
        vm_push_cstr(vm, name);
        tab_set(vm, t, vm->stack[vm->top - 1], val_int(i));
        vm->top--;
        tab_setint(vm, t, i + 1, val_int(-i));
    }
    for (int i = 0; i < 500; i++) {
        snprintf(name, sizeof name, "k%d", i);
        struct vstr *s = str_newc(vm, name);
        assert_int_equal(tab_getstr(t, s)->u.i, i);
        assert_int_equal(tab_getint(t, i + 1)->u.i, -i);
    }
}

static void test_float_keys_normalised_to_integers(void **state)
{
    struct vm *vm = *state;
    struct vtab *t = new_table(vm);
    tab_set(vm, t, val_flt(3.0), val_int(33));
    assert_int_equal(tab_getint(t, 3)->u.i, 33);
    tab_set(vm, t, val_int(4), val_int(44));
    assert_int_equal(tab_get(t, val_flt(4.0))->u.i, 44);
    tab_set(vm, t, val_flt(2.5), val_int(25));
    assert_int_equal(tab_get(t, val_flt(2.5))->u.i, 25);
    assert_int_equal(tab_getint(t, 2)->tt, VT_NIL);
    tab_set(vm, t, val_flt(-0.0), val_int(7));
    assert_int_equal(tab_getint(t, 0)->u.i, 7);
}

/* A native that stores t[k] = 1 with k from its argument, for the error tests. */
static int store_key(struct vm *vm)
{
    vm_push_table(vm, 0, 0);
    vm_stack_copy(vm, 1);
    vm_push_int(vm, 1);
    vm_tab_rawset(vm, -3);
    return 0;
}

static void expect_store_error(struct vm *vm, vm_val key, const char *msg)
{
    vm_push_native(vm, store_key, "store", 0);
    push(vm, key);
    assert_int_equal(vm_pcall(vm, 1, 0), VM_ERROR);
    size_t len;
    assert_string_equal(vm_error_message(vm, &len), msg);
    vm_stack_pop(vm, 1);
}

static void test_nil_key_refused(void **state)
{
    expect_store_error(*state, val_nil(), "table index is nil");
}

static void test_nan_key_refused(void **state)
{
    double zero = 0.0;
    expect_store_error(*state, val_flt(zero / zero), "table index is NaN");
}

static void test_next_visits_every_key_once(void **state)
{
    struct vm *vm = *state;
    struct vtab *t = new_table(vm);
    for (int64_t i = 1; i <= 20; i++) tab_setint(vm, t, i, val_int(i));
    for (int64_t i = 100; i < 140; i++) tab_setint(vm, t, i, val_int(i));
    int64_t sum = 0, n = 0, last_array = 0;
    vm_val k = val_nil(), v;
    while (tab_next(vm, t, &k, &v) == 1) {
        assert_int_equal(k.tt, VT_INT);
        if (k.u.i <= 20) {
            assert_true(k.u.i > last_array); /* the array part comes first, in order */
            last_array = k.u.i;
        }
        sum += v.u.i;
        n++;
    }
    assert_int_equal(n, 60);
    assert_int_equal(sum, 210 + (100 + 139) * 40 / 2);
}

static void test_next_continues_after_clearing_current_key(void **state)
{
    struct vm *vm = *state;
    struct vtab *t = new_table(vm);
    char name[16];
    for (int i = 0; i < 50; i++) {
        snprintf(name, sizeof name, "s%d", i);
        vm_push_cstr(vm, name);
        tab_set(vm, t, vm->stack[vm->top - 1], val_int(i));
        vm->top--;
    }
    int n = 0;
    vm_val k = val_nil(), v;
    while (tab_next(vm, t, &k, &v) == 1) {
        /* Lua allows clearing fields during a traversal; collecting must not break it. */
        tab_set(vm, t, k, val_nil());
        push(vm, k);
        vm_gc_collect(vm);
        vm->top--;
        n++;
    }
    assert_int_equal(n, 50);
    k = val_nil();
    assert_int_equal(tab_next(vm, t, &k, &v), 0);
}

static void test_next_refuses_unknown_key(void **state)
{
    struct vm *vm = *state;
    struct vtab *t = new_table(vm);
    tab_setint(vm, t, 1, val_int(1));
    vm_val k = val_int(99), v;
    assert_int_equal(tab_next(vm, t, &k, &v), -1);
}

static void test_border_with_hash_continuation(void **state)
{
    struct vm *vm = *state;
    struct vtab *t = new_table(vm);
    tab_resize(vm, t, 4, 8);
    for (int64_t i = 1; i <= 10; i++) tab_setint(vm, t, i, val_int(i));
    assert_int_equal(tab_len(t), 10);
    tab_setint(vm, t, 10, val_nil());
    assert_int_equal(tab_len(t), 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sequence_goes_to_array_part, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sparse_keys_stay_in_hash_part, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rehash_keeps_every_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_float_keys_normalised_to_integers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nil_key_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nan_key_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_next_visits_every_key_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_next_continues_after_clearing_current_key, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_next_refuses_unknown_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_border_with_hash_continuation, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
