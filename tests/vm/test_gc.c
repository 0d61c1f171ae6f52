/* The incremental collector (vm/gc.c): objects created in every phase survive the cycle in
 * progress, the backward and forward write barriers keep a value stored into a black object
 * alive, weak tables (weak keys, weak values, ephemerons) are cleared right across cycles run in
 * small steps, stop and restart, vm_gc_step's answer at the end of a cycle, and count after a
 * collection. The tests drive the collector one indivisible piece at a time (vm_gc_step with a
 * budget of 1) and read the colours and the phase: they test the collector's own states.
 * Under ASan a freed object is poisoned, so reading an object the collector wrongly freed
 * fails the test where it happens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tests/vm/core_fixture.h"

/* Ends any cycle in progress, then starts one, and leaves allocation unable to start steps:
 * only the test moves the collector on, by step(). */
static void cycle_begin(struct vm *vm)
{
    vm_gc_collect(vm);
    assert_int_equal(vm->gc_phase, GC_PAUSE);
    vm->gc_threshold = 0; /* due: vm_gc_step starts a cycle */
    assert_int_equal(vm_gc_step(vm, 1), 0);
    vm->gc_threshold = SIZE_MAX;
    assert_int_equal(vm->gc_phase, GC_PROPAGATE);
}

/* One indivisible piece of work; true when it ended the cycle. */
static bool step(struct vm *vm)
{
    return vm_gc_step(vm, 1) == 1;
}

static void run_to_phase(struct vm *vm, enum gc_phase phase)
{
    for (int i = 0; vm->gc_phase != phase; i++) {
        assert_true(i < 1000000);
        assert_false(step(vm));
    }
}

static void run_to_end(struct vm *vm)
{
    for (int i = 0; !step(vm); i++) assert_true(i < 1000000);
    assert_int_equal(vm->gc_phase, GC_PAUSE);
}

/* A table on the stack holding 't[1] = n', and the table. */
static struct vtab *push_table_with(struct vm *vm, int64_t n)
{
    vm_push_table(vm, 1, 0);
    struct vtab *t = VTAB(vm->stack[vm->top - 1]);
    tab_setint(vm, t, 1, val_int(n));
    return t;
}

/* Pops 'n' values and clears their slots: the collector marks a frame's slots up to its top,
 * not only up to the stack's top, so a popped value would otherwise stay reachable. */
static void pop_clear(struct vm *vm, int n)
{
    for (int i = 0; i < n; i++) vm->stack[--vm->top] = val_nil();
}

/* Some garbage, so that every sweep has something to free around the survivors. */
static void make_garbage(struct vm *vm, int n)
{
    for (int i = 0; i < n; i++) {
        push_table_with(vm, i);
        vm_push_fstr(vm, "garbage %d", i);
        pop_clear(vm, 2);
    }
}

static void test_objects_created_in_every_phase_survive(void **state)
{
    struct vm *vm = *state;
    static const enum gc_phase phases[] = {GC_PROPAGATE, GC_SWEEP_STR, GC_SWEEP_OBJ};
    for (size_t p = 0; p < sizeof phases / sizeof phases[0]; p++) {
        int base = vm_stack_top(vm);
        make_garbage(vm, 200);
        cycle_begin(vm);
        make_garbage(vm, 200);
        run_to_phase(vm, phases[p]);
        step(vm);
        struct vtab *t = push_table_with(vm, 40 + (int64_t)p);
        vm_push_str(vm, "a short string", 14);
        struct vstr *s = VSTR(vm->stack[vm->top - 1]);
        char longs[100];
        memset(longs, 'x', sizeof longs);
        vm_push_str(vm, longs, sizeof longs);
        struct vstr *l = VSTR(vm->stack[vm->top - 1]);
        make_garbage(vm, 200);
        run_to_end(vm);
        vm_gc_collect(vm); /* and a whole cycle more */
        assert_int_equal(tab_getint(t, 1)->u.i, 40 + (int64_t)p);
        assert_memory_equal(s->data, "a short string", 15);
        assert_memory_equal(l->data, longs, sizeof longs);
        vm_stack_set_top(vm, base);
    }
}

/* A short string nothing reached is garbage after the atomic phase; interning the same bytes
 * before the string sweep drops it must hand back a string that lives. */
static void test_interned_string_found_during_sweep_lives(void **state)
{
    struct vm *vm = *state;
    cycle_begin(vm);
    vm_push_str(vm, "found again", 11);
    struct vstr *s = VSTR(vm->stack[vm->top - 1]);
    pop_clear(vm, 1);
    run_to_phase(vm, GC_SWEEP_STR);
    assert_int_equal(s->h.marked, vm->gc_white ^ 1); /* garbage, not yet dropped */
    vm_push_str(vm, "found again", 11);
    assert_ptr_equal(VSTR(vm->stack[vm->top - 1]), s);
    run_to_end(vm);
    vm_gc_collect(vm);
    assert_memory_equal(s->data, "found again", 12);
    vm_push_str(vm, "found again", 11);
    assert_ptr_equal(VSTR(vm->stack[vm->top - 1]), s);
}

static void test_black_table_written_keeps_new_value(void **state)
{
    struct vm *vm = *state;
    struct vtab *t = push_table_with(vm, 1);
    cycle_begin(vm);
    for (int i = 0; t->h.marked != GC_BLACK; i++) {
        assert_true(i < 100000);
        assert_int_equal(vm->gc_phase, GC_PROPAGATE);
        step(vm);
    }
    struct vtab *v = push_table_with(vm, 77);
    pop_clear(vm, 1); /* only t holds v now */
    tab_setint(vm, t, 2, val_obj(v));
    assert_int_equal(t->h.marked, GC_GRAY); /* the backward barrier */
    vm_push_str(vm, "key of the hash part", 20);
    vm_push_table(vm, 0, 0);
    struct vtab *w = VTAB(vm->stack[vm->top - 1]);
    run_to_phase(vm, GC_SWEEP_OBJ); /* t black again; store the pair while it is */
    tab_set(vm, t, vm->stack[vm->top - 2], vm->stack[vm->top - 1]);
    vm_stack_pop(vm, 2);
    run_to_end(vm);
    vm_gc_collect(vm);
    assert_ptr_equal(VTAB(*tab_getint(t, 2)), v);
    assert_int_equal(tab_getint(v, 1)->u.i, 77);
    vm_push_str(vm, "key of the hash part", 20);
    assert_ptr_equal(VTAB(*tab_get(t, vm->stack[vm->top - 1])), w);
}

/* The forward barrier: a native closure's upvalue written after the closure turned black. */
static int nop(struct vm *vm)
{
    (void)vm;
    return 0;
}

static void test_black_closure_written_marks_value(void **state)
{
    struct vm *vm = *state;
    vm_push_nil(vm);
    vm_push_native(vm, nop, "nop", 1);
    struct nclosure *c = VNCL(vm->stack[vm->top - 1]);
    cycle_begin(vm);
    for (int i = 0; c->h.marked != GC_BLACK; i++) {
        assert_true(i < 100000);
        step(vm);
    }
    struct vtab *v = push_table_with(vm, 5);
    pop_clear(vm, 1);
    c->up[0] = val_obj(v);
    gc_barrier_obj(vm, &c->h, c->up[0]);
    assert_int_not_equal(v->h.marked, vm->gc_white); /* marked at once */
    run_to_end(vm);
    vm_gc_collect(vm);
    assert_int_equal(tab_getint(VTAB(c->up[0]), 1)->u.i, 5);
}

/* A table with metatable {__mode = mode}, on the stack. */
static struct vtab *push_weak(struct vm *vm, const char *mode)
{
    vm_push_table(vm, 0, 0);
    vm_push_table(vm, 0, 1);
    vm_push_cstr(vm, mode);
    vm_tab_setfield(vm, -2, "__mode");
    vm_meta_set(vm, -2);
    return VTAB(vm->stack[vm->top - 1]);
}

static void run_cycles_in_small_steps(struct vm *vm, int cycles)
{
    for (int c = 0; c < cycles; c++) {
        cycle_begin(vm);
        for (int i = 0; !step(vm); i++) {
            assert_true(i < 1000000);
            if (i % 7 == 0) make_garbage(vm, 1);
        }
    }
}

static void test_weak_tables_cleared_across_incremental_cycles(void **state)
{
    struct vm *vm = *state;
    struct vtab *wk = push_weak(vm, "k");
    struct vtab *wv = push_weak(vm, "v");
    struct vtab *wkv = push_weak(vm, "kv");
    /* Kept: a key on the stack. Lost: keys and values only the weak tables hold. */
    struct vtab *key = push_table_with(vm, 1);
    for (int i = 0; i < 50; i++) {
        struct vtab *lost = push_table_with(vm, i);
        tab_set(vm, wk, val_obj(lost), val_int(i));
        tab_setint(vm, wv, i + 1, val_obj(lost));
        tab_set(vm, wkv, val_obj(lost), val_obj(lost));
        pop_clear(vm, 1);
    }
    /* An ephemeron: the value refers to its key, which only the stack holds... */
    struct vtab *val = push_table_with(vm, 9);
    tab_setint(vm, val, 2, val_obj(key));
    tab_set(vm, wk, val_obj(key), val_obj(val));
    pop_clear(vm, 1);
    /* ... and a chain: key2 is reachable only as the value of key's entry in another table. */
    struct vtab *key2 = push_table_with(vm, 2);
    vm_push_str(vm, "kept", 4);
    tab_set(vm, wk, val_obj(key2), vm->stack[vm->top - 1]);
    tab_setint(vm, val, 3, val_obj(key2));
    pop_clear(vm, 2);
    /* Strings are values: never cleared. */
    vm_push_str(vm, "a weak string", 13);
    tab_setint(vm, wv, 100, vm->stack[vm->top - 1]);
    pop_clear(vm, 1);

    run_cycles_in_small_steps(vm, 2);

    vm_val k = val_nil(), v;
    int n = 0;
    while (tab_next(vm, wk, &k, &v) == 1) n++;
    assert_int_equal(n, 2); /* key's and key2's entries */
    assert_int_equal(tab_getint(VTAB(*tab_get(wk, val_obj(key))), 1)->u.i, 9);
    assert_memory_equal(VSTR(*tab_get(wk, val_obj(key2)))->data, "kept", 5);
    for (int i = 0; i < 50; i++) assert_int_equal(tab_getint(wv, i + 1)->tt, VT_NIL);
    assert_memory_equal(VSTR(*tab_getint(wv, 100))->data, "a weak string", 14);
    k = val_nil();
    assert_int_equal(tab_next(vm, wkv, &k, &v), 0);

    /* Once its key goes, the ephemeron's value goes with it, key2's entry too. */
    pop_clear(vm, 1);
    run_cycles_in_small_steps(vm, 2);
    k = val_nil();
    assert_int_equal(tab_next(vm, wk, &k, &v), 0);
}

static void test_stop_and_restart(void **state)
{
    struct vm *vm = *state;
    vm_gc_collect(vm);
    gc_stop(vm, true);
    uint64_t steps = vm->gc_steps;
    size_t before = vm_gc_count(vm);
    make_garbage(vm, 20000);
    assert_int_equal(vm->gc_steps, steps);
    assert_true(vm_gc_count(vm) > before + 1000000);
    assert_int_equal(vm_gc_step(vm, 1000), 0); /* stopped: nothing */
    assert_int_equal(vm->gc_steps, steps);
    gc_stop(vm, false);
    make_garbage(vm, 100);
    assert_true(vm->gc_steps > steps);
}

static void test_step_returns_one_at_cycle_end(void **state)
{
    struct vm *vm = *state;
    vm_gc_collect(vm);
    assert_int_equal(vm_gc_step(vm, 1000), 0); /* nothing due */
    cycle_begin(vm);
    uint64_t cycles = vm->gc_cycles;
    int steps = 0;
    while (vm_gc_step(vm, 100) == 0) {
        assert_int_not_equal(vm->gc_phase, GC_PAUSE);
        steps++;
        assert_true(steps < 100000);
    }
    assert_true(steps > 1);
    assert_int_equal(vm->gc_phase, GC_PAUSE);
    assert_int_equal(vm->gc_cycles, cycles + 1);
    /* collectgarbage("step") answers true at once: a cycle ended since its last call. Then it
     * starts one even when none is due, and ends it in time. */
    assert_true(gc_step_lua(vm, 0));
    assert_int_equal(vm->gc_cycles, cycles + 1);
    gc_stop(vm, true); /* only the steps below move the collector; they run even so */
    push_table_with(vm, 1);
    for (int i = 0; i < 2000; i++) { /* a cycle takes many basic steps */
        push_table_with(vm, i);
        vm_tab_rawseti(vm, -2, i + 1);
    }
    int n = 0;
    while (!gc_step_lua(vm, 0)) assert_true(++n < 100000);
    assert_true(n > 0);
    assert_int_equal(vm->gc_cycles, cycles + 2);
    gc_stop(vm, false);
}

static void test_count_drops_after_collection(void **state)
{
    struct vm *vm = *state;
    vm_gc_collect(vm);
    size_t base = vm_gc_count(vm);
    gc_stop(vm, true);
    make_garbage(vm, 5000);
    size_t full = vm_gc_count(vm);
    assert_true(full > base + 100000);
    vm_gc_collect(vm);
    assert_true(vm_gc_count(vm) < base + (full - base) / 10); /* the string table grew */
    gc_stop(vm, false);
}

static void test_stats_count_steps(void **state)
{
    struct vm *vm = *state;
    make_garbage(vm, 20000);
    vm_gc_collect(vm);
    struct vm_gc_stats st;
    vm_gc_stats(vm, &st);
    assert_true(st.steps > 0);
    assert_true(st.cycles > 0);
    assert_true(st.fulls >= 1);
    assert_true(st.step_max_ns >= st.step_p99_ns);
    assert_true(st.step_ns >= st.step_max_ns);
    assert_true(st.run_ns >= st.step_ns + st.full_ns);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_objects_created_in_every_phase_survive, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_interned_string_found_during_sweep_lives, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_black_table_written_keeps_new_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_black_closure_written_marks_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_weak_tables_cleared_across_incremental_cycles, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stop_and_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_step_returns_one_at_cycle_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_count_drops_after_collection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_count_steps, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
