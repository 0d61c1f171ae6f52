/* vm/gc.c: allocation with collection, and the VM's stop-the-world mark-and-sweep collector.
 *
 * Entry points: mem_alloc / mem_free / mem_realloc (every block of the VM, over heap.c),
 * obj_new (every collectable object, linked on vm->all), gc_full.
 *
 * The collector marks from the roots (the stack up to the highest frame top, the globals, the
 * registry, the string metatable, open upvalues, pinned strings), propagates through a gray
 * list, handles weak tables (__mode "k", "v", "kv"; weak keys as ephemerons), clears dead keys,
 * and sweeps. Stack slots above the marked range are set to nil, so no slot ever holds a freed
 * object even when bytecode reads a register it never wrote.
 */
#include "vm/core.h"

#include <string.h>

#include "kernel/platform.h"

/* Collect when the bytes in use pass twice what survived the last collection (Lua's default
 * pause of 200%), but not below GC_MIN_THRESHOLD: small heaps would otherwise collect at
 * every few allocations; large thresholds let garbage pile up between collections. */
#define GC_MIN_THRESHOLD (256 * 1024)

void *mem_alloc_nogc(struct vm *vm, size_t n)
{
    return heap_alloc(vm->heap, n);
}

void *mem_alloc(struct vm *vm, size_t n)
{
    if (!vm->gc_running && !vm->gc_stopped &&
        (vm->gc_torture || heap_in_use(vm->heap) + n > vm->gc_debt_limit))
        gc_full(vm);
    void *p = mem_alloc_nogc(vm, n);
    if (p == NULL && !vm->gc_running) {
        gc_full(vm);
        p = mem_alloc_nogc(vm, n);
    }
    if (p == NULL) mem_error(vm);
    return p;
}

_Noreturn void mem_error(struct vm *vm)
{
    /* The frame's slots above 'top' are ours to use; there is always at least one. */
    if (vm->top >= vm->stacksize) vm->top = vm->stacksize - 1;
    vm->stack[vm->top++] = val_obj(vm->memerr);
    vm_throw(vm, VM_ERROR);
}

void mem_free(struct vm *vm, void *p, size_t n)
{
    heap_free(vm->heap, p, n);
}

void *mem_realloc(struct vm *vm, void *p, size_t old, size_t n)
{
    void *q = mem_alloc(vm, n);
    if (p != NULL) {
        memcpy(q, p, old < n ? old : n);
        mem_free(vm, p, old);
    }
    return q;
}

size_t mem_in_use(struct vm *vm)
{
    return heap_in_use(vm->heap);
}

void *obj_new(struct vm *vm, uint8_t tt, size_t n)
{
    return obj_new_head(vm, tt, n, n);
}

void *obj_new_head(struct vm *vm, uint8_t tt, size_t n, size_t head)
{
    struct gcobj *o = mem_alloc(vm, n);
    memset(o, 0, head);
    o->tt = tt;
    o->next = vm->all;
    vm->all = o;
    return o;
}

/* --- marking --- */

static void mark_obj(struct vm *vm, struct gcobj *o);

static inline void mark_val(struct vm *vm, vm_val v)
{
    if (v.tt >= VT_STR && v.tt != VT_DEADKEY && !v.u.gc->marked) mark_obj(vm, v.u.gc);
}

static void mark_obj(struct vm *vm, struct gcobj *o)
{
    o->marked = 1;
    switch (o->tt) {
    case VT_STR:
    case VT_BUF:
        return;
    case VT_UPVAL:
        mark_val(vm, ((struct upval *)o)->v[0]);
        return;
    case VT_TAB:
        ((struct vtab *)o)->gclist = vm->gray;
        break;
    case VT_LCL:
        ((struct lclosure *)o)->gclist = vm->gray;
        break;
    case VT_NCL:
        ((struct nclosure *)o)->gclist = vm->gray;
        break;
    case VT_PROTO:
        ((struct proto *)o)->gclist = vm->gray;
        break;
    case VT_THREAD:
        ((struct vco *)o)->gclist = vm->gray;
        break;
    default:
        plat_panic("gc: bad object type");
    }
    vm->gray = o;
}

/* The weak mode of 't': bit 1 weak keys, bit 2 weak values. */
static int weak_mode(struct vm *vm, struct vtab *t)
{
    if (t->meta == NULL) return 0;
    const vm_val *m = tab_getstr(t->meta, vm->tmname[TM_MODE]);
    if (m->tt != VT_STR) return 0;
    int mode = 0;
    if (memchr(VSTR(*m)->data, 'k', VSTR(*m)->len)) mode |= 1;
    if (memchr(VSTR(*m)->data, 'v', VSTR(*m)->len)) mode |= 2;
    return mode;
}

/* An object a weak table may drop: not marked, and not a string (strings are values, as in
 * Lua: they are never removed from weak tables). */
static bool is_cleared(vm_val v)
{
    return v.tt > VT_STR && v.tt != VT_DEADKEY && !v.u.gc->marked;
}

static void traverse_table(struct vm *vm, struct vtab *t)
{
    if (t->meta != NULL && !t->meta->h.marked) mark_obj(vm, &t->meta->h);
    int mode = weak_mode(vm, t);
    uint32_t nsize = t->node ? 1u << t->lsizenode : 0;
    if (mode != 0) {
        /* Weak tables are revisited after propagation: keep them on the weak list. */
        t->gclist = vm->weak;
        vm->weak = &t->h;
    }
    if (!(mode & 2))
        for (uint32_t i = 0; i < t->asize; i++) mark_val(vm, t->arr[i]);
    for (uint32_t i = 0; i < nsize; i++) {
        struct node *n = &t->node[i];
        if (n->val.tt == VT_NIL) {
            if (n->key.tt >= VT_STR) n->key.tt = VT_DEADKEY;
            continue;
        }
        if (!(mode & 1)) mark_val(vm, n->key);
        if (!(mode & 2) && !(mode & 1)) mark_val(vm, n->val);
        if (mode == 1 && n->key.tt <= VT_STR) mark_val(vm, n->val);
        if (mode == 1 && n->key.tt > VT_STR && n->key.u.gc->marked) mark_val(vm, n->val);
    }
}

/* A coroutine's stack up to the highest of its top and every frame's top; slots above it are
 * cleared so that none can later be read as a pointer to a freed object. */
static void traverse_thread(struct vm *vm, struct vco *co)
{
    struct thstate *st = co == vm->running ? &vm->th : &co->st;
    if (st->stack == NULL) return; /* being created */
    uint32_t hi = st->top;
    for (struct callinfo *ci = st->cis; ci <= st->ci; ci++)
        if (ci->top > hi) hi = ci->top;
    if (hi > st->stacksize) hi = st->stacksize;
    for (uint32_t i = 0; i < hi; i++) mark_val(vm, st->stack[i]);
    for (uint32_t i = hi; i < st->stacksize; i++) st->stack[i] = val_nil();
    for (struct upval *u = st->open_upvals; u != NULL; u = u->open_next) u->h.marked = 1;
    if (co->resumer != NULL && !co->resumer->h.marked) mark_obj(vm, &co->resumer->h);
}

static void propagate(struct vm *vm)
{
    while (vm->gray != NULL) {
        struct gcobj *o = vm->gray;
        switch (o->tt) {
        case VT_TAB: {
            struct vtab *t = (struct vtab *)o;
            vm->gray = t->gclist;
            traverse_table(vm, t);
            break;
        }
        case VT_LCL: {
            struct lclosure *c = (struct lclosure *)o;
            vm->gray = c->gclist;
            if (!c->p->h.marked) mark_obj(vm, &c->p->h);
            for (int i = 0; i < c->nup; i++)
                if (c->up[i] != NULL && !c->up[i]->h.marked) mark_obj(vm, &c->up[i]->h);
            break;
        }
        case VT_NCL: {
            struct nclosure *c = (struct nclosure *)o;
            vm->gray = c->gclist;
            for (int i = 0; i < c->nup; i++) mark_val(vm, c->up[i]);
            break;
        }
        case VT_PROTO: {
            struct proto *p = (struct proto *)o;
            vm->gray = p->gclist;
            if (p->source) p->source->h.marked = 1;
            for (uint32_t i = 0; i < p->nk; i++) mark_val(vm, p->k[i]);
            for (uint32_t i = 0; i < p->nup; i++)
                if (p->up[i].name) p->up[i].name->h.marked = 1;
            for (uint32_t i = 0; i < p->nproto; i++)
                if (p->p[i] != NULL && !p->p[i]->h.marked) mark_obj(vm, &p->p[i]->h);
            for (uint32_t i = 0; i < p->nlocvars; i++)
                if (p->locvars[i].name) p->locvars[i].name->h.marked = 1;
            break;
        }
        case VT_THREAD: {
            struct vco *co = (struct vco *)o;
            vm->gray = co->gclist;
            traverse_thread(vm, co);
            break;
        }
        default:
            plat_panic("gc: gray object of bad type");
        }
    }
}

/* Ephemerons: a weak-key table's value is reachable once its key is. Repeats until nothing
 * new is marked. */
static void converge_ephemerons(struct vm *vm)
{
    bool changed = true;
    while (changed) {
        changed = false;
        for (struct gcobj *o = vm->weak; o != NULL; o = ((struct vtab *)o)->gclist) {
            struct vtab *t = (struct vtab *)o;
            if (weak_mode(vm, t) != 1) continue;
            uint32_t nsize = t->node ? 1u << t->lsizenode : 0;
            for (uint32_t i = 0; i < nsize; i++) {
                struct node *n = &t->node[i];
                if (n->val.tt == VT_NIL || n->key.tt == VT_DEADKEY) continue;
                bool key_live = n->key.tt <= VT_STR || n->key.u.gc->marked;
                if (key_live && n->val.tt >= VT_STR && !n->val.u.gc->marked) {
                    /* propagate may prepend weak tables to vm->weak; the next round sees them. */
                    mark_val(vm, n->val);
                    propagate(vm);
                    changed = true;
                }
            }
        }
    }
}

static void clear_weak(struct vm *vm)
{
    for (struct gcobj *o = vm->weak; o != NULL; o = ((struct vtab *)o)->gclist) {
        struct vtab *t = (struct vtab *)o;
        for (uint32_t i = 0; i < t->asize; i++)
            if (is_cleared(t->arr[i])) t->arr[i] = val_nil();
        uint32_t nsize = t->node ? 1u << t->lsizenode : 0;
        for (uint32_t i = 0; i < nsize; i++) {
            struct node *n = &t->node[i];
            if (n->val.tt == VT_NIL) continue;
            if (is_cleared(n->key) || is_cleared(n->val)) {
                n->val = val_nil();
                if (n->key.tt >= VT_STR) n->key.tt = VT_DEADKEY;
            }
        }
    }
}

static size_t obj_size(struct gcobj *o)
{
    switch (o->tt) {
    case VT_STR:
        return sizeof(struct vstr) + ((struct vstr *)o)->len + 1;
    case VT_TAB:
        return sizeof(struct vtab);
    case VT_LCL:
        return sizeof(struct lclosure) + ((struct lclosure *)o)->nup * sizeof(struct upval *);
    case VT_NCL:
        return sizeof(struct nclosure) + ((struct nclosure *)o)->nup * sizeof(vm_val);
    case VT_PROTO:
        return sizeof(struct proto);
    case VT_UPVAL:
        return sizeof(struct upval);
    case VT_BUF:
        return sizeof(struct vbuf) + ((struct vbuf *)o)->cap;
    case VT_THREAD:
        return sizeof(struct vco);
    default:
        plat_panic("gc: sweeping bad type");
    }
}

static void free_obj(struct vm *vm, struct gcobj *o)
{
    switch (o->tt) {
    case VT_TAB:
        tab_free(vm, (struct vtab *)o);
        return;
    case VT_PROTO:
        proto_free(vm, (struct proto *)o);
        return;
    case VT_THREAD:
        co_free(vm, (struct vco *)o);
        return;
    default:
        mem_free(vm, o, obj_size(o));
    }
}

void gc_full(struct vm *vm)
{
    if (vm->gc_running) return;
    vm->gc_running = true;
    vm->gray = NULL;
    vm->weak = NULL;

    /* Roots: the main and the running coroutine (which marks its resumers), the globals, ... */
    mark_obj(vm, &vm->main_co->h);
    if (!vm->running->h.marked) mark_obj(vm, &vm->running->h);
    mark_val(vm, vm->globals);
    mark_val(vm, vm->registry);
    if (vm->strmeta && !vm->strmeta->h.marked) mark_obj(vm, &vm->strmeta->h);
    for (int i = 0; i < TM_N; i++) vm->tmname[i]->h.marked = 1;
    vm->memerr->h.marked = 1;

    propagate(vm);
    converge_ephemerons(vm);
    clear_weak(vm);

    str_table_sweep(vm);
    struct gcobj **pp = &vm->all;
    while (*pp != NULL) {
        struct gcobj *o = *pp;
        if (o->marked) {
            o->marked = 0;
            pp = &o->next;
        } else {
            *pp = o->next;
            free_obj(vm, o);
        }
    }
    size_t live = heap_in_use(vm->heap);
    vm->gc_debt_limit = live * 2 > GC_MIN_THRESHOLD ? live * 2 : GC_MIN_THRESHOLD;
    vm->gc_running = false;
}

void vm_gc_collect(struct vm *vm)
{
    gc_full(vm);
}

size_t vm_gc_count(struct vm *vm)
{
    return heap_in_use(vm->heap);
}

void vm_gc_torture(struct vm *vm, bool on)
{
    vm->gc_torture = on;
}
