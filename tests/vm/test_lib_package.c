/* require and package (vm/lib_package.c) on bundles compiled in memory by lang/: what the
 * multi-file programs of tests/lang/modules/ cannot reach: the cap on the module list of the
 * "not found" message (LIST_MAX, at the limit and one past), a VM with no bundle loaded,
 * module names long enough to be long strings, and a second vm_load replacing the modules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lang/lang.h"
#include "tests/vm/lib_fixture.h"

static int setup(void **state)
{
    return fixture_setup(state, vm_open_libs);
}

/* Compiles 'n' modules, names[i] with source texts[i] (module 0 the entry), loads the bundle as
 * "app.skb" and leaves its main function on the stack. */
static void load_bundle(struct vm *vm, int n, const char *const names[], const char *const texts[])
{
    struct lang_module mods[64];
    assert_true(n <= 64);
    for (int i = 0; i < n; i++) {
        mods[i].name = names[i];
        mods[i].path = names[i];
        mods[i].text = texts[i];
        mods[i].len = strlen(texts[i]);
    }
    struct lang_output o;
    int rc = lang_compile(mods, n, &o);
    if (rc != LANG_OK) fail_msg("compile: %s", o.errors ? o.errors : "?");
    assert_int_equal(vm_load(vm, o.bytes, o.len, "app.skb"), VM_DONE);
    lang_output_free(&o);
}

/* Runs the function on the stack and expects it to print 'want'. */
static void expect_output(struct vm *vm, const char *want)
{
    size_t len;
    if (vm_run(vm, 0, 0) != VM_DONE) fail_msg("error: %s", vm_error_message(vm, &len));
    assert_string_equal(out, want);
}

/* The error message of calling require(name) from a native (no Lua caller, so no position). */
static const char *require_error(struct vm *vm, const char *name)
{
    vm_push_globals(vm);
    vm_tab_getfield(vm, -1, "require");
    vm_stack_replace(vm, -2);
    vm_push_cstr(vm, name);
    assert_int_equal(vm_run(vm, 1, 0), VM_ERROR);
    size_t len;
    return vm_error_message(vm, &len);
}

static void test_loader_gets_name_and_bundle_data(void **state)
{
    struct vm *vm = *state;
    const char *names[] = {"main", "lib.util"};
    const char *texts[] = {"local m, d = require 'lib.util' print(m, d)\n"
                           "print(select('#', require 'lib.util'))",
                           "print(...) return 'util'"};
    load_bundle(vm, 2, names, texts);
    expect_output(vm, "lib.util\tapp.skb:lib.util\nutil\tapp.skb:lib.util\n1\n");
}

static void test_entry_not_in_package_loaded(void **state)
{
    struct vm *vm = *state;
    const char *names[] = {"main"};
    const char *texts[] = {"print(package.loaded.main, package.loaded._G == _G)"};
    load_bundle(vm, 1, names, texts);
    expect_output(vm, "nil\ttrue\n");
}

/* A bundle of main and 'nmods' modules m01, m02 ...; returns the "not found" message. */
static const char *not_found_with(struct vm *vm, int nmods, char (*names)[8])
{
    const char *np[64], *texts[64];
    np[0] = "main";
    texts[0] = "return 1";
    for (int i = 1; i <= nmods; i++) {
        snprintf(names[i], sizeof names[i], "m%02d", i);
        np[i] = names[i];
        texts[i] = "return 1";
    }
    load_bundle(vm, nmods + 1, np, texts);
    vm_stack_pop(vm, 1);
    return require_error(vm, "zz");
}

static void test_not_found_lists_32_modules(void **state)
{
    char names[64][8];
    const char *msg = not_found_with(*state, 31, names);
    assert_non_null(strstr(msg, "module 'zz' not found:\n\tno field package.preload['zz']\n\t"
                                "no module 'zz' in app.skb (modules: m01, m02, "));
    assert_non_null(strstr(msg, "m30, m31, main)"));
}

static void test_not_found_lists_first_32_of_33(void **state)
{
    char names[64][8];
    const char *msg = not_found_with(*state, 32, names);
    assert_non_null(strstr(msg, "m31, m32, ...)"));
    assert_null(strstr(msg, "main"));
}

static void test_not_found_without_bundle(void **state)
{
    assert_string_equal(require_error(*state, "x"),
                        "module 'x' not found:\n\tno field package.preload['x']\n\t"
                        "no module 'x' in the VM (no bundle loaded)");
}

static void test_long_module_name(void **state)
{
    struct vm *vm = *state;
    static const char name[] = "lib.a_module_name_long_enough_to_be_a_long_string_in_the_vm";
    const char *names[] = {"main", name};
    const char *texts[] = {
        "local n = 'lib.a_module_name_long_enough_to_be_a_long_string_in_the_vm'\n"
        "print((require(n)))",
        "return (...)"};
    load_bundle(vm, 2, names, texts);
    char want[128];
    snprintf(want, sizeof want, "%s\n", name);
    expect_output(vm, want);
}

/* load() of a second bundle makes its modules the ones require finds (docs/bytecode.md). */
static void test_second_load_replaces_modules(void **state)
{
    struct vm *vm = *state;
    const char *n1[] = {"main", "a"}, *t1[] = {"return 1", "return 'a'"};
    const char *n2[] = {"other", "b"}, *t2[] = {"return 1", "return 'b'"};
    load_bundle(vm, 2, n1, t1);
    vm_stack_pop(vm, 1);
    load_bundle(vm, 2, n2, t2);
    vm_stack_pop(vm, 1);
    assert_non_null(strstr(require_error(vm, "a"), "no module 'a' in app.skb (modules: b, other)"));
}

/* load() of another bundle's bytes gives its entry function and leaves require's modules: the
 * app's lib.util is still found, the loaded bundle's b is not. */
static void test_load_of_bytecode_keeps_modules(void **state)
{
    struct vm *vm = *state;
    struct lang_module other[2] = {{"other", "other.lua", "return 'other ran'", 18},
                                   {"b", "b.lua", "return 'b'", 10}};
    struct lang_output o;
    assert_int_equal(lang_compile(other, 2, &o), LANG_OK);
    vm_push_globals(vm);
    vm_push_str(vm, (const char *)o.bytes, o.len);
    vm_tab_setfield(vm, -2, "other_bytes");
    vm_stack_pop(vm, 1);
    lang_output_free(&o);
    const char *names[] = {"main", "lib.util"};
    const char *texts[] = {"print(load(other_bytes)())\n"
                           "print(require 'lib.util')\n"
                           "print(pcall(require, 'b'))",
                           "return 'util'"};
    load_bundle(vm, 2, names, texts);
    if (vm_run(vm, 0, 0) != VM_DONE) fail_msg("error: %s", vm_error_message(vm, NULL));
    assert_non_null(strstr(out, "other ran\nutil\tapp.skb:lib.util\nfalse\t"));
    assert_non_null(strstr(out, "no module 'b' in app.skb (modules: lib.util, main)"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_loader_gets_name_and_bundle_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entry_not_in_package_loaded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found_lists_32_modules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found_lists_first_32_of_33, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found_without_bundle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_module_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_load_replaces_modules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_of_bytecode_keeps_modules, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
