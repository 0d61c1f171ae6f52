/* What the cmocka tests of vm/'s libraries share: a VM in a static heap with one library
 * opened, what it writes collected in 'out', a way to push a library function, and a check
 * that a call fails with a given message. Each test file includes it once (static storage). */
#ifndef SKIFF_TESTS_VM_LIB_FIXTURE_H
#define SKIFF_TESTS_VM_LIB_FIXTURE_H

#include <string.h>

#include "vm/lib.h"
#include "vm/vm.h"

static _Alignas(16) unsigned char heap[4 << 20];
static char out[1024]; /* what the VM wrote (io.write), NUL-terminated; the rest is dropped */
static size_t out_len;

static void collect(void *ctx, const char *s, size_t len)
{
    (void)ctx;
    if (out_len + len < sizeof out) {
        memcpy(out + out_len, s, len);
        out_len += len;
        out[out_len] = '\0';
    }
}

/* A fresh VM with only the library 'open' opens; *state is the VM. */
static inline int fixture_setup(void **state, void (*open)(struct vm *))
{
    struct vm *vm = vm_init(heap, sizeof heap, collect, NULL);
    assert_non_null(vm);
    open(vm);
    out_len = 0;
    out[0] = '\0';
    *state = vm;
    return 0;
}

static inline int teardown(void **state)
{
    vm_fini(*state);
    return 0;
}

/* Pushes <lib>.<fn>. */
static inline void push_lib_fn(struct vm *vm, const char *lib, const char *fn)
{
    vm_push_globals(vm);
    vm_tab_getfield(vm, -1, lib);
    vm_tab_getfield(vm, -1, fn);
    vm_stack_replace(vm, -3);
    vm_stack_pop(vm, 1);
}

/* Calls the function below the 'nargs' pushed arguments and expects an error whose message
 * contains 'want'. */
static inline void expect_error(struct vm *vm, int nargs, const char *want)
{
    assert_int_equal(vm_run(vm, nargs, 0), VM_ERROR);
    size_t len;
    const char *msg = vm_error_message(vm, &len);
    if (strstr(msg, want) == NULL) fail_msg("error '%s', want '%s'", msg, want);
    vm_stack_pop(vm, 1);
}

#endif
