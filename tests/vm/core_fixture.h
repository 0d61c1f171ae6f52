/* What the cmocka tests of vm/'s internals (core.h) share: a VM with no library, in a static
 * 8 MiB heap, made fresh for each case. Include once per test file, after <cmocka.h>. */
#ifndef SKIFF_TESTS_VM_CORE_FIXTURE_H
#define SKIFF_TESTS_VM_CORE_FIXTURE_H

#include "vm/core.h"
#include "vm/vm.h"

static _Alignas(16) unsigned char heap[8 << 20];

static int setup(void **state)
{
    struct vm *vm = vm_init(heap, sizeof heap, NULL, NULL);
    assert_non_null(vm);
    *state = vm;
    return 0;
}

static int teardown(void **state)
{
    vm_fini(*state);
    return 0;
}

#endif
