/* What the cmocka tests that run Lua scripts share: compiling a script in memory with lang/,
 * loading and running it, and calling its global functions. Include after <cmocka.h>. */
#ifndef SKIFF_TESTS_VM_SCRIPT_FIXTURE_H
#define SKIFF_TESTS_VM_SCRIPT_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "lang/lang.h"
#include "vm/vm.h"

/* Compiles 'src' in memory as app.lua (lang/), loads it as app.skb and runs its main chunk,
 * which defines globals; leaves nothing on the stack. */
static inline void fixture_run_script(struct vm *vm, const char *src)
{
    struct lang_module mod = {"app", "app.lua", src, strlen(src)};
    struct lang_output o;
    if (lang_compile(&mod, 1, &o) != LANG_OK) fail_msg("compile: %s", o.errors ? o.errors : "?");
    assert_int_equal(vm_load(vm, o.bytes, o.len, "app.skb"), VM_DONE);
    lang_output_free(&o);
    if (vm_run(vm, 0, 0) != VM_DONE) fail_msg("main: %s", vm_error_message(vm, NULL));
}

/* Calls the global function 'name' with no arguments and returns its string result (valid
 * until the next call). */
static inline const char *fixture_call_global(struct vm *vm, const char *name)
{
    vm_push_globals(vm);
    vm_tab_getfield(vm, -1, name);
    vm_stack_replace(vm, -2);
    if (vm_run(vm, 0, 1) != VM_DONE) fail_msg("%s: %s", name, vm_error_message(vm, NULL));
    static char res[512];
    snprintf(res, sizeof res, "%s", vm_to_str(vm, -1, NULL));
    vm_stack_pop(vm, 1);
    return res;
}

#endif
