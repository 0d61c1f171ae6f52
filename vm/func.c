/* vm/func.c: function prototypes, Lua and native closures, and upvalues. An upvalue is open
 * while the variable it captures is alive on the stack (it points at the slot; vm->open_upvals
 * lists them by decreasing stack index, one per slot, shared by every closure that captures
 * it) and closed when the variable's scope ends (the value moves into the upvalue itself). */
#include "vm/core.h"

#include <string.h>

struct proto *proto_new(struct vm *vm)
{
    return obj_new(vm, VT_PROTO, sizeof(struct proto));
}

void proto_free(struct vm *vm, struct proto *p)
{
    mem_free(vm, p->code, p->ncode * sizeof(skb_ins));
    mem_free(vm, p->k, p->nk * sizeof(vm_val));
    mem_free(vm, p->up, p->nup * sizeof(struct updesc));
    mem_free(vm, p->p, p->nproto * sizeof(struct proto *));
    mem_free(vm, p->lines, p->nlines * sizeof(uint32_t));
    mem_free(vm, p->locvars, p->nlocvars * sizeof(struct locvar));
    mem_free(vm, p, sizeof *p);
}

struct lclosure *lcl_new(struct vm *vm, struct proto *p)
{
    struct lclosure *c =
        obj_new(vm, VT_LCL, sizeof(struct lclosure) + p->nup * sizeof(struct upval *));
    c->nup = (uint8_t)p->nup;
    c->p = p;
    return c;
}

struct nclosure *ncl_new(struct vm *vm, vm_native fn, const char *name, int nup)
{
    struct nclosure *c = obj_new(vm, VT_NCL, sizeof(struct nclosure) + (size_t)nup * sizeof(vm_val));
    c->nup = (uint8_t)nup;
    c->fn = fn;
    c->name = name;
    return c;
}

struct upval *upval_find(struct vm *vm, uint32_t level)
{
    struct upval **pp = &vm->open_upvals;
    while (*pp != NULL && (*pp)->level >= level) {
        if ((*pp)->level == level) return *pp;
        pp = &(*pp)->open_next;
    }
    struct upval *u = obj_new(vm, VT_UPVAL, sizeof *u);
    /* obj_new may have collected: re-find the insertion point (the list did not change, since
     * open upvalues are roots, but the search is cheap and keeps no pointer across it). */
    pp = &vm->open_upvals;
    while (*pp != NULL && (*pp)->level > level) pp = &(*pp)->open_next;
    u->level = level;
    u->owner = vm->running;
    u->v = &vm->stack[level];
    u->open_next = *pp;
    *pp = u;
    return u;
}

void upval_close(struct vm *vm, uint32_t level)
{
    while (vm->open_upvals != NULL && vm->open_upvals->level >= level) {
        struct upval *u = vm->open_upvals;
        vm->open_upvals = u->open_next;
        u->closed = *u->v;
        u->v = &u->closed;
        u->open_next = NULL;
        gc_barrier_obj(vm, &u->h, u->closed);
    }
}

void lcl_push_main(struct vm *vm, struct proto *p)
{
    struct lclosure *cl = lcl_new(vm, p);
    push(vm, val_obj(cl));
    struct upval *u = obj_new(vm, VT_UPVAL, sizeof *u);
    u->v = &u->closed;
    upval_store(vm, u, vm->globals);
    cl->up[0] = u;
    gc_barrier_obj(vm, &cl->h, val_obj(u));
}

int proto_line(const struct proto *p, int pc)
{
    if (p->lines == NULL || pc < 0 || (uint32_t)pc >= p->nlines) return -1;
    return (int)p->lines[pc];
}
