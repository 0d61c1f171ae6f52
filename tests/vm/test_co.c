/* The embedding interface the kernel schedules with (vm_co_new, vm_resume, vm_yield): exact
 * preemption by instruction budget, resumption without visible effect, endless loops preempted
 * forever, yields from natives with a reason, heap exhaustion in one coroutine while another
 * finishes, and what a suspended coroutine costs. Scripts are compiled in memory by lang/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/vm/lib_fixture.h"
#include "tests/vm/script_fixture.h"

static int setup(void **state)
{
    return fixture_setup(state, vm_open_libs);
}

/* A native that waits: it yields with reason 7 and its argument, and when resumed returns
 * what it was given plus one. */
static int wait_done(struct vm *vm, intptr_t ctx)
{
    int64_t v = vm_check_int(vm, -1);
    vm_push_int(vm, v + 1 + ctx);
    return 1;
}

static int wait_for(struct vm *vm)
{
    int64_t arg = vm_check_int(vm, 1);
    vm_yield(vm, 0, 7, arg, 0, wait_done);
}

/* A native that waits, then finds what it was given wrong: its continuation raises. */
static int wait_failed(struct vm *vm, intptr_t ctx)
{
    (void)ctx;
    vm_error(vm, "bad reply %d", (int)vm_check_int(vm, -1));
}

static int wait_then_fail(struct vm *vm)
{
    vm_yield(vm, 0, 8, 0, 0, wait_failed);
}

/* Compiles and runs 'src' with the globals wait_for and wait_then_fail (natives that yield)
 * defined. */
static void load_script(struct vm *vm, const char *src)
{
    vm_push_globals(vm);
    vm_push_native(vm, wait_for, "wait_for", 0);
    vm_tab_setfield(vm, -2, "wait_for");
    vm_push_native(vm, wait_then_fail, "wait_then_fail", 0);
    vm_tab_setfield(vm, -2, "wait_then_fail");
    vm_stack_pop(vm, 1);
    fixture_run_script(vm, src);
}

/* A coroutine on the global function 'name'. */
static struct vm_co *co_on(struct vm *vm, const char *name)
{
    vm_push_globals(vm);
    vm_tab_getfield(vm, -1, name);
    vm_stack_replace(vm, -2);
    struct vm_co *co = vm_co_new(vm);
    assert_non_null(co);
    return co;
}

static int64_t global_int(struct vm *vm, const char *name)
{
    vm_push_globals(vm);
    vm_tab_getfield(vm, -1, name);
    int64_t v = 0;
    vm_to_int(vm, -1, &v);
    vm_stack_pop(vm, 2);
    return v;
}

/* Another coroutine on the script's global add(a, b) runs to its end within a small budget:
 * the VM is fine beside a coroutine that loops, died or was killed. */
static void expect_add_runs(struct vm *vm, int64_t a, int64_t b)
{
    struct vm_co *add = co_on(vm, "add");
    vm_push_int(vm, a);
    vm_push_int(vm, b);
    struct vm_resume_info info;
    assert_int_equal(vm_resume(vm, add, 2, 500, &info), VM_DONE);
    int64_t v;
    assert_true(vm_to_int(vm, -1, &v));
    assert_int_equal(v, a + b);
    vm_stack_pop(vm, 1);
    vm_co_release(vm, add);
}

static const char *const counting =
    "function work(n)\n"
    "  local t = setmetatable({}, {__index = function(t, k) return k * 2 end})\n"
    "  local acc = 0\n"
    "  for i = 1, n do\n"
    "    acc = acc + t[i] % 7\n"
    "    if i % 3 == 0 then acc = acc + #tostring(i) end\n"
    "    steps = i\n"
    "  end\n"
    "  return acc, 'end'\n"
    "end\n";

/* Runs work(200) with 'budget' per resume to its end; returns the number of resumes. Checks
 * each preempted resume ran exactly 'budget' instructions and the result is the unbudgeted
 * one; *total is the sum of instructions. */
static int run_budgeted(struct vm *vm, uint64_t budget, uint64_t *total, int64_t *acc)
{
    struct vm_co *co = co_on(vm, "work");
    vm_push_int(vm, 200);
    int nargs = 1, resumes = 0;
    *total = 0;
    for (;;) {
        struct vm_resume_info info;
        enum vm_outcome r = vm_resume(vm, co, nargs, budget, &info);
        nargs = 0;
        resumes++;
        *total += info.executed;
        if (r == VM_PREEMPTED) {
            assert_int_equal(info.nvalues, 0);
            if (budget != 0) assert_int_equal(info.executed, budget);
            assert_int_equal(vm_co_status(vm, co), VM_CO_PREEMPTED);
            continue;
        }
        if (r != VM_DONE) fail_msg("resume: %d %s", r, vm_error_message(vm, NULL));
        assert_int_equal(info.nvalues, 2);
        assert_true(vm_to_int(vm, -2, acc));
        assert_string_equal(vm_to_str(vm, -1, NULL), "end");
        vm_stack_pop(vm, 2);
        break;
    }
    assert_int_equal(vm_co_status(vm, co), VM_CO_DEAD);
    vm_co_release(vm, co);
    return resumes;
}

/* Preemption falls at exact instruction counts and leaves no trace: every budget gives the same
 * result and the same total instruction count as an unbudgeted run. */
static void test_preemption_is_exact_and_invisible(void **state)
{
    struct vm *vm = *state;
    load_script(vm, counting);
    uint64_t total, t;
    int64_t want, acc;
    assert_int_equal(run_budgeted(vm, 0, &total, &want), 1);
    assert_true(total > 2000);
    const uint64_t budgets[] = {1, 2, 3, 7, 64, 1000, 100000};
    for (size_t i = 0; i < sizeof budgets / sizeof budgets[0]; i++) {
        int resumes = run_budgeted(vm, budgets[i], &t, &acc);
        assert_int_equal(acc, want);
        assert_int_equal(t, total);
        assert_int_equal((uint64_t)resumes, (total + budgets[i] - 1) / budgets[i]);
    }
}

/* The same budget stops the script at the same instruction, in a fresh VM too. */
static void test_preemption_is_deterministic(void **state)
{
    struct vm *vm = *state;
    load_script(vm, counting);
    int64_t seen[2];
    for (int run = 0; run < 2; run++) {
        struct vm_co *co = co_on(vm, "work");
        vm_push_int(vm, 1000);
        struct vm_resume_info info;
        assert_int_equal(vm_resume(vm, co, 1, 777, &info), VM_PREEMPTED);
        assert_int_equal(vm_resume(vm, co, 0, 777, &info), VM_PREEMPTED);
        seen[run] = global_int(vm, "steps");
        vm_co_release(vm, co);
    }
    assert_true(seen[0] > 0);
    assert_int_equal(seen[0], seen[1]);
}

/* An endless loop is preempted every time, costs nothing between resumes, and other
 * coroutines run meanwhile; releasing it lets the collector take it. */
static void test_endless_loop_preempted_forever(void **state)
{
    struct vm *vm = *state;
    load_script(vm, "function spin() local t = {} while true do t[1] = (t[1] or 0) + 1 end end\n"
                    "function add(a, b) return a + b end\n");
    struct vm_co *spin = co_on(vm, "spin");
    struct vm_resume_info info;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(vm_resume(vm, spin, 0, 500, &info), VM_PREEMPTED);
        assert_int_equal(info.executed, 500);
        if (i % 100 == 0) {
            expect_add_runs(vm, i, 1);
        }
    }
    size_t before = vm_gc_count(vm);
    vm_co_release(vm, spin);
    vm_gc_collect(vm);
    assert_true(vm_gc_count(vm) < before);
}

/* An endless loop where no preemption can happen (a __tostring that tostring calls, inside
 * pcall, inside an endless loop) is killed once it overruns its budget by CO_OVERRUN_LIMIT:
 * the error passes every pcall, the coroutine dies, the VM goes on. */
static void test_unpreemptible_loop_is_killed(void **state)
{
    struct vm *vm = *state;
    load_script(vm, "function stuck()\n"
                    "  local t = setmetatable({}, {__tostring = function() while true do end end})\n"
                    "  while true do pcall(tostring, t) end\n"
                    "end\n"
                    "function add(a, b) return a + b end\n");
    struct vm_co *co = co_on(vm, "stuck");
    struct vm_resume_info info;
    uint64_t total = 0;
    enum vm_outcome r;
    int resumes = 0;
    while ((r = vm_resume(vm, co, 0, 1000, &info)) == VM_PREEMPTED) {
        total += info.executed;
        resumes++;
    }
    total += info.executed;
    assert_int_equal(r, VM_ERROR);
    assert_non_null(strstr(vm_error_message(vm, NULL), "instruction budget exceeded"));
    vm_stack_pop(vm, 1);
    assert_true(total >= 10000000 && total < 10100000);
    assert_int_equal(vm_co_status(vm, co), VM_CO_DEAD);
    vm_co_release(vm, co);
    expect_add_runs(vm, 2, 3);
}

/* A coroutine that is not preemptible (resumed inside a __tostring that tostring called) runs
 * past the budget; once it returns, its budgeted resumer is preempted as usual, and the
 * instructions each resume reports still add up to the unbudgeted run's. */
static void test_budget_survives_unpreemptible_inner_coroutine(void **state)
{
    struct vm *vm = *state;
    load_script(vm, "function outer()\n"
                    "  local t = setmetatable({}, {__tostring = function()\n"
                    "    local inner = coroutine.wrap(function() for i = 1, 5000 do end return 'in' end)\n"
                    "    return inner()\n"
                    "  end})\n"
                    "  local s = tostring(t)\n"
                    "  for i = 1, 20000 do end\n"
                    "  return s\n"
                    "end\n");
    uint64_t totals[2] = {0, 0};
    int resumes[2] = {0, 0};
    const uint64_t budgets[2] = {0, 1000};
    for (int run = 0; run < 2; run++) {
        struct vm_co *co = co_on(vm, "outer");
        struct vm_resume_info info;
        enum vm_outcome r;
        while ((r = vm_resume(vm, co, 0, budgets[run], &info)) == VM_PREEMPTED) {
            totals[run] += info.executed;
            resumes[run]++;
        }
        totals[run] += info.executed;
        assert_int_equal(r, VM_DONE);
        assert_string_equal(vm_to_str(vm, -1, NULL), "in");
        vm_stack_pop(vm, 1);
        vm_co_release(vm, co);
    }
    assert_int_equal(resumes[0], 0);
    assert_true(resumes[1] >= 19); /* 20,000 loop instructions after the inner run */
    assert_int_equal(totals[0], totals[1]);
}

static void test_native_yield_with_reason(void **state)
{
    struct vm *vm = *state;
    load_script(vm, "function handler(x)\n"
                    "  local ok, v = pcall(function() return wait_for(x) * 2 end)\n"
                    "  return v + wait_for(x + 1)\n"
                    "end\n");
    struct vm_co *co = co_on(vm, "handler");
    struct vm_resume_info info;
    vm_push_int(vm, 5);
    assert_int_equal(vm_resume(vm, co, 1, 10000, &info), VM_YIELD);
    assert_int_equal(info.wait_reason, 7);
    assert_int_equal(info.wait_arg, 5);
    assert_int_equal(info.nvalues, 0);
    assert_int_equal(vm_co_status(vm, co), VM_CO_SUSPENDED);
    vm_push_int(vm, 10);
    assert_int_equal(vm_resume(vm, co, 1, 10000, &info), VM_YIELD);
    assert_int_equal(info.wait_arg, 6);
    vm_push_int(vm, 100);
    assert_int_equal(vm_resume(vm, co, 1, 10000, &info), VM_DONE);
    int64_t v;
    assert_true(vm_to_int(vm, -1, &v));
    assert_int_equal(v, (10 + 1) * 2 + 101);
    vm_stack_pop(vm, 1);
    vm_co_release(vm, co);

    /* An error in a continuation after the resume is the enclosing pcall's to catch. */
    fixture_run_script(vm, "function guarded()\n"
                           "  local ok, e = pcall(wait_then_fail)\n"
                           "  return tostring(ok) .. ' ' .. e\n"
                           "end\n");
    co = co_on(vm, "guarded");
    assert_int_equal(vm_resume(vm, co, 0, 10000, &info), VM_YIELD);
    assert_int_equal(info.wait_reason, 8);
    vm_push_int(vm, 42);
    assert_int_equal(vm_resume(vm, co, 1, 10000, &info), VM_DONE);
    assert_string_equal(vm_to_str(vm, -1, NULL), "false bad reply 42");
    vm_stack_pop(vm, 1);
    vm_co_release(vm, co);
}

/* What a handler waiting in a native costs while suspended. */
static void test_suspended_coroutine_is_small(void **state)
{
    struct vm *vm = *state;
    load_script(vm, "function handler(req)\n"
                    "  local body = wait_for(1)\n"
                    "  return 200, {['content-type'] = 'text/plain'}, 'hello ' .. body\n"
                    "end\n"
                    "function deep(n) if n == 0 then return wait_for(2) end return deep(n - 1) + 1 end\n"
                    "function grow() deep(5000) return wait_for(3) end\n");
    struct vm_co *co = co_on(vm, "handler");
    struct vm_resume_info info;
    vm_push_nil(vm);
    assert_int_equal(vm_resume(vm, co, 1, 0, &info), VM_YIELD);
    size_t bytes = vm_co_memory(vm, co);
    print_message("bytes per suspended coroutine (handler waiting in a native): %zu\n", bytes);
    assert_true(bytes < 1024);
    vm_co_release(vm, co);

    /* A stack grown by deep recursion shrinks back once the coroutine waits shallow again. */
    struct vm_co *g = co_on(vm, "grow");
    assert_int_equal(vm_resume(vm, g, 0, 0, &info), VM_YIELD);
    assert_int_equal(info.wait_arg, 2);
    size_t deep_bytes = vm_co_memory(vm, g);
    vm_push_int(vm, 0);
    assert_int_equal(vm_resume(vm, g, 1, 0, &info), VM_YIELD);
    assert_int_equal(info.wait_arg, 3);
    size_t shallow = vm_co_memory(vm, g);
    print_message("deep: %zu bytes, back shallow: %zu bytes\n", deep_bytes, shallow);
    assert_true(deep_bytes > 50000);
    assert_true(shallow < 2048);
    vm_co_release(vm, g);
}

/* One coroutine runs out of heap; another, interleaved with it, finishes; the memory comes
 * back. */
static void test_heap_exhaustion_in_one_coroutine(void **state)
{
    (void)state;
    static _Alignas(16) unsigned char small[1 << 20];
    struct vm *vm = vm_init(small, sizeof small, collect, NULL);
    assert_non_null(vm);
    vm_open_libs(vm);
    load_script(vm, "function hog() local t = {} while true do t[#t + 1] = {} end end\n"
                    "function worker(n) local s = 0 for i = 1, n do s = s + #tostring(i)\n"
                    "  if i % 100 == 0 then coroutine.yield() end end return s end\n");
    vm_gc_collect(vm);
    size_t base = vm_gc_count(vm);
    struct vm_co *w = co_on(vm, "worker");
    struct vm_co *h = co_on(vm, "hog");
    struct vm_resume_info info;
    vm_push_int(vm, 1000);
    assert_int_equal(vm_resume(vm, w, 1, 0, &info), VM_YIELD);
    enum vm_outcome r;
    do r = vm_resume(vm, h, 0, 10000, &info);
    while (r == VM_PREEMPTED);
    assert_int_equal(r, VM_ERROR);
    assert_string_equal(vm_error_message(vm, NULL), "not enough memory");
    vm_stack_pop(vm, 1);
    assert_int_equal(vm_co_status(vm, h), VM_CO_DEAD);
    vm_co_release(vm, h);
    while ((r = vm_resume(vm, w, 0, 0, &info)) == VM_YIELD) continue;
    assert_int_equal(r, VM_DONE);
    int64_t s;
    assert_true(vm_to_int(vm, -1, &s));
    assert_int_equal(s, 9 + 90 * 2 + 900 * 3 + 4);
    vm_stack_pop(vm, 1);
    vm_co_release(vm, w);
    vm_gc_collect(vm);
    assert_true(vm_gc_count(vm) < base + 16 * 1024);
    vm_fini(vm);
}

/* A budgeted handler that resumes its own coroutines is preempted as a whole: the inner
 * coroutine's endless-looking work is cut at the budget and continued on the next resume. */
static void test_nested_coroutines_preempted_together(void **state)
{
    struct vm *vm = *state;
    load_script(vm, "function outer(n)\n"
                    "  local inner = coroutine.wrap(function(m)\n"
                    "    local s = 0 for i = 1, m do s = s + i end\n"
                    "    coroutine.yield(s) return 'inner done'\n"
                    "  end)\n"
                    "  local a = inner(n)\n"
                    "  local ok, b = pcall(inner)\n"
                    "  local t = {5, 3, 9, 1}\n"
                    "  table.sort(t, function(x, y) for i = 1, 50 do end return x < y end)\n"
                    "  return a, b, table.concat(t, ',')\n"
                    "end\n");
    struct vm_co *co = co_on(vm, "outer");
    vm_push_int(vm, 10000);
    struct vm_resume_info info;
    int preempted = 0;
    enum vm_outcome r;
    int nargs = 1;
    while ((r = vm_resume(vm, co, nargs, 1000, &info)) == VM_PREEMPTED) {
        nargs = 0;
        assert_int_equal(info.executed, 1000);
        preempted++;
    }
    if (r != VM_DONE) fail_msg("outer: %s", vm_error_message(vm, NULL));
    assert_true(preempted > 15);
    int64_t a;
    assert_true(vm_to_int(vm, -3, &a));
    assert_int_equal(a, 10000 * 10001 / 2);
    assert_string_equal(vm_to_str(vm, -2, NULL), "inner done");
    assert_string_equal(vm_to_str(vm, -1, NULL), "1,3,5,9");
    vm_stack_pop(vm, 3);
    vm_co_release(vm, co);
}

/* The same switching, preemption and native yields with the collector working between any two
 * allocations (a step, or a whole collection): coroutine stacks, moved values and continuations
 * stay reachable. */
static void test_under_gc_torture(void **state)
{
    struct vm *vm = *state;
    const enum vm_gc_torture modes[] = {VM_GC_TORTURE_STEP, VM_GC_TORTURE_FULL};
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        vm_gc_torture(vm, modes[m]);
        test_nested_coroutines_preempted_together(state);
        test_native_yield_with_reason(state);
    }
    vm_gc_torture(vm, VM_GC_TORTURE_OFF);
}

/* An error in a coroutine: VM_ERROR, the message, and a traceback naming the script's line. */
static void test_error_has_traceback(void **state)
{
    struct vm *vm = *state;
    load_script(vm, "local function inner(x) return x.field end\n"
                    "function handler() coroutine.yield() local v = inner(nil) return v end\n");
    struct vm_co *co = co_on(vm, "handler");
    struct vm_resume_info info;
    assert_int_equal(vm_resume(vm, co, 0, 0, &info), VM_YIELD);
    assert_int_equal(vm_resume(vm, co, 0, 0, &info), VM_ERROR);
    assert_non_null(strstr(vm_error_message(vm, NULL), "app.lua:1: attempt to index a nil value (local 'x')"));
    const char *tb = vm_traceback(vm, NULL);
    assert_non_null(strstr(tb, "app.lua:1: in "));
    assert_non_null(strstr(tb, "app.lua:2: in "));
    vm_stack_pop(vm, 1);
    assert_int_equal(vm_resume(vm, co, 0, 0, &info), VM_ERROR);
    assert_string_equal(vm_error_message(vm, NULL), "cannot resume dead coroutine");
    vm_stack_pop(vm, 1);
    vm_co_release(vm, co);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_preemption_is_exact_and_invisible, setup, teardown),
        cmocka_unit_test_setup_teardown(test_preemption_is_deterministic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_endless_loop_preempted_forever, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unpreemptible_loop_is_killed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_budget_survives_unpreemptible_inner_coroutine, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_native_yield_with_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(test_suspended_coroutine_is_small, setup, teardown),
        cmocka_unit_test(test_heap_exhaustion_in_one_coroutine),
        cmocka_unit_test_setup_teardown(test_nested_coroutines_preempted_together, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_has_traceback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_under_gc_torture, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
