/* vm/co.c: coroutines and the instruction budget.
 *
 * Entry points: co_main_init (vm_init), co_free (the collector), co_budget_expired (the
 * interpreter, when vm->budget runs out).
 */
#include "vm/core.h"

#include "kernel/platform.h"

void co_main_init(struct vm *vm)
{
    struct vco *co = obj_new(vm, VT_THREAD, sizeof *co);
    co->status = CO_RUNNING;
    vm->main_co = co;
    vm->running = co;
    vm->budget = INT64_MAX;
}

void co_free(struct vm *vm, struct vco *co)
{
    mem_free(vm, co->st.stack, co->st.stacksize * sizeof(vm_val));
    mem_free(vm, co->st.cis, co->st.ncis * sizeof(struct callinfo));
    mem_free(vm, co->st.tbc, co->st.tbc_cap * sizeof(uint32_t));
    mem_free(vm, co, sizeof *co);
}

void co_budget_expired(struct vm *vm, bool at_instruction)
{
    (void)at_instruction;
    if (vm->budget_raises) {
        vm->budget = 0; /* the next instruction raises again */
        vm_rt_error(vm, "instruction limit reached");
    }
    vm->budget = INT64_MAX;
}
