/* vm/gc.c: allocation with collection, and the VM's incremental mark-and-sweep collector.
 *
 * Entry points: mem_alloc / mem_free / mem_realloc (every block of the VM, over heap.c),
 * obj_new (every collectable object, linked on vm->all, in the current white), the write
 * barrier's slow paths (gc_barrier_back_slow, gc_barrier_fwd_slow, behind core.h's inline
 * checks), gc_init (vm_init), gc_full, gc_step_lua (collectgarbage) and vm.h's vm_gc_* calls.
 *
 * A cycle runs through these phases (vm->gc_phase), a few units of work at a time:
 *   pause      nothing to do until the bytes in use pass the threshold the last cycle set;
 *   propagate  the roots turn gray, then one gray object at a time is traversed: its
 *              references turn gray, it turns black (coroutines and weak tables stay gray and
 *              wait on the grayagain list; a table the backward barrier turned gray again
 *              waits on the regray list). When the gray list runs dry, propagation takes
 *              up regray or grayagain again, for a few rounds (GC_ROUND_SMALL);
 *   atomic     one step, as long as the live state requires: the roots again, every coroutine
 *              reached, the grayagain and regray lists are traversed, ephemerons converge,
 *              weak tables are cleared, and the current white flips, so every object still in
 *              the old white is garbage;
 *   sweep      first the string table drops unreached interned strings, some chains per step,
 *              then vm->all is walked some objects per step: garbage is freed, the rest turns
 *              the new white. Objects created meanwhile are born in the new white and live.
 *
 * The invariant while marking (propagate and atomic): no black object points to a white one.
 * Every store into a heap object runs a barrier (core.h): a black table written with a white
 * value turns gray again (backward), any other black object marks the value (forward). During
 * the sweep the invariant does not matter, and a barrier whitens the black object instead.
 * Stack slots have no barrier: coroutines are never black, and the atomic phase re-traverses
 * every one reached, reading the running one's state from vm->th and the others' from co->st.
 *
 * Work is counted in units (vm_gc_step). Touching an object costs GC_OBJ_UNITS (its header is
 * usually a cache miss: that is what a step's time mostly goes to), and one more unit each
 * value slot, stack slot or frame traversed and each chain of the string table swept. A unit
 * pays for GC_WORK_BYTES of allocation at stepmul 100.
 */
#include "vm/core.h"

#include <string.h>

#include "kernel/platform.h"

/* Lua 5.4's defaults for pause and step multiplier (LUAI_GCPAUSE, LUAI_GCMUL): start a cycle
 * when the heap doubles; one unit of work per GC_WORK_BYTES allocated. They are stored divided
 * by 4 in a byte, as Lua stores them, so collectgarbage("setpause") answers what lua5.4 does.
 * The step size is ours: a step after every 2 KiB (Lua: 8 KiB) pays 1024 units, about the
 * kernel's default gc_budget, so that allocation's steps are as short as the loop's. */
#define GC_PAUSE_DEFAULT 200
#define GC_STEPMUL_DEFAULT 100
#define GC_STEPSIZE_DEFAULT 11

/* The bytes of allocation one unit of work pays for (Lua's WORK2MEM). Smaller: the collector
 * keeps up sooner, less floating garbage, more time collecting; larger: the reverse. With
 * GC_OBJ_UNITS, a 96-byte table (header and array part) costs 18 units to mark and sweep,
 * paid by 36 bytes of allocation. */
#define GC_WORK_BYTES 2

/* Never start a cycle below this many bytes in use: a small heap would otherwise collect after
 * every few allocations; more lets garbage pile up in small heaps. */
#define GC_MIN_THRESHOLD (256 * 1024)

/* Objects, and chains of the string table, per sweep call. Large enough to spread the call's
 * fixed cost, small enough that a step ends close to its budget. */
#define GC_SWEEP_OBJS 16
#define GC_SWEEP_CHAINS 16

/* When the gray list runs dry, propagation takes up the regray list, or else the grayagain
 * list (the coroutines: what their stacks reach now), again and again while a round finds
 * more than GC_ROUND_SMALL units of work besides the coroutines, at most GC_ROUNDS_MAX times;
 * then the atomic phase takes what is left. Everything the program built since the coroutines'
 * last traversal (a tree under construction hangs from the stack) would otherwise be traversed
 * in the atomic step, the one step without a budget. Fewer rounds: longer atomic steps; more:
 * a cycle chasing a program that keeps building. */
#define GC_ROUND_SMALL 1024
#define GC_ROUNDS_MAX 16

/* An allocation step pays at most this many step sizes of debt; the rest waits for the next
 * steps. A huge allocation would otherwise buy one step long enough to break the pause bound. */
#define GC_STEP_MAX_DEBT 4

/* --- allocation --- */

void *mem_alloc_nogc(struct vm *vm, size_t n)
{
    return heap_alloc(vm->heap, n);
}

static void alloc_step(struct vm *vm, size_t n);

/* The allocation failed: a full collection, then one more try, then "not enough memory". */
static __attribute__((noinline)) void *alloc_retry(struct vm *vm, size_t n)
{
    void *p = NULL;
    if (!vm->gc_running) {
        gc_full(vm);
        p = heap_alloc(vm->heap, n);
    }
    if (p == NULL) mem_error(vm);
    return p;
}

void *mem_alloc(struct vm *vm, size_t n)
{
    /* One comparison when no step is due: a stopped collector's threshold is SIZE_MAX, a
     * torture mode's is 0. */
    if (heap_in_use(vm->heap) + n > vm->gc_threshold) alloc_step(vm, n);
    void *p = heap_alloc(vm->heap, n);
    if (p == NULL) p = alloc_retry(vm, n);
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
    o->marked = vm->gc_white;
    o->next = vm->all;
    vm->all = o;
    return o;
}

/* --- marking --- */

static inline bool is_white(const struct gcobj *o)
{
    return o->marked < GC_GRAY;
}

/* The gray-list link of an object that can be gray on a list. */
static struct gcobj **gclist_of(struct gcobj *o)
{
    switch (o->tt) {
    case VT_TAB:
        return &((struct vtab *)o)->gclist;
    case VT_LCL:
        return &((struct lclosure *)o)->gclist;
    case VT_NCL:
        return &((struct nclosure *)o)->gclist;
    case VT_PROTO:
        return &((struct proto *)o)->gclist;
    case VT_THREAD:
        return &((struct vco *)o)->gclist;
    default:
        plat_panic("gc: no gray list for this type");
    }
}

static inline void link_gray(struct gcobj **list, struct gcobj *o)
{
    *gclist_of(o) = *list;
    *list = o;
}

static void mark_obj(struct vm *vm, struct gcobj *o);

static inline void mark_val(struct vm *vm, vm_val v)
{
    if (v.tt >= VT_STR && v.tt < VT_DEADKEY && is_white(v.u.gc)) mark_obj(vm, v.u.gc);
}

static inline void mark_ref(struct vm *vm, void *p)
{
    struct gcobj *o = p;
    if (o != NULL && is_white(o)) mark_obj(vm, o);
}

/* A white object turns gray (onto vm->gray), or black at once when it holds no references
 * worth a list entry. */
static void mark_obj(struct vm *vm, struct gcobj *o)
{
    switch (o->tt) {
    case VT_STR:
    case VT_BUF:
        o->marked = GC_BLACK;
        return;
    case VT_UPVAL: {
        struct upval *u = (struct upval *)o;
        o->marked = GC_BLACK;
        /* An open upvalue's value lives on its coroutine's stack: the coroutine stays alive as
         * long as the upvalue (its stack is never freed under a closure), and its traversal,
         * repeated in the atomic phase, marks the value as it is then. */
        if (u->v != &u->closed) mark_ref(vm, u->owner);
        mark_val(vm, *u->v);
        return;
    }
    case VT_TAB:
    case VT_LCL:
    case VT_NCL:
    case VT_PROTO:
    case VT_THREAD:
        o->marked = GC_GRAY;
        link_gray(&vm->gray, o);
        return;
    default:
        plat_panic("gc: marking bad type");
    }
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

/* An entry a weak table drops: an unreached object that is not a string (strings are values,
 * as in Lua: a weak table never loses one, so traversals mark them). */
static bool is_cleared(vm_val v)
{
    return v.tt > VT_STR && v.tt < VT_DEADKEY && is_white(v.u.gc);
}

static size_t traverse_table(struct vm *vm, struct vtab *t)
{
    mark_ref(vm, t->meta);
    int mode = weak_mode(vm, t);
    if (mode != 0 && vm->gc_phase == GC_PROPAGATE) {
        /* A weak table is traversed in the atomic phase only, when what is reachable is
         * final: until then it stays gray. */
        link_gray(&vm->grayagain, &t->h);
        return GC_OBJ_UNITS;
    }
    t->h.marked = GC_BLACK;
    bool wk = mode & 1, wv = mode & 2;
    if (mode != 0) link_gray(&vm->weak, &t->h);
    for (uint32_t i = 0; i < t->asize; i++)
        if (!wv || t->arr[i].tt == VT_STR) mark_val(vm, t->arr[i]);
    uint32_t nsize = t->node ? 1u << t->lsizenode : 0;
    for (uint32_t i = 0; i < nsize; i++) {
        struct node *n = &t->node[i];
        if (n->val.tt == VT_NIL) {
            /* Its object may be freed from now on: next() still finds the node by address. */
            if (n->key.tt >= VT_STR) n->key.tt = VT_DEADKEY;
            continue;
        }
        if (!wk || n->key.tt == VT_STR) mark_val(vm, n->key);
        if (wv) {
            if (n->val.tt == VT_STR) mark_val(vm, n->val);
        } else if (!wk || !is_cleared(n->key)) {
            mark_val(vm, n->val); /* strong values, or an ephemeron whose key is reached */
        }
    }
    return GC_OBJ_UNITS + t->asize + nsize;
}

static size_t traverse_lclosure(struct vm *vm, struct lclosure *c)
{
    c->h.marked = GC_BLACK;
    mark_ref(vm, c->p);
    for (int i = 0; i < c->nup; i++) mark_ref(vm, c->up[i]);
    return GC_OBJ_UNITS + c->nup;
}

static size_t traverse_nclosure(struct vm *vm, struct nclosure *c)
{
    c->h.marked = GC_BLACK;
    for (int i = 0; i < c->nup; i++) mark_val(vm, c->up[i]);
    return GC_OBJ_UNITS + c->nup;
}

static size_t traverse_proto(struct vm *vm, struct proto *p)
{
    p->h.marked = GC_BLACK;
    mark_ref(vm, p->source);
    for (uint32_t i = 0; i < p->nk; i++) mark_val(vm, p->k[i]);
    for (uint32_t i = 0; i < p->nup; i++) mark_ref(vm, p->up[i].name);
    for (uint32_t i = 0; i < p->nproto; i++) mark_ref(vm, p->p[i]);
    for (uint32_t i = 0; i < p->nlocvars; i++) mark_ref(vm, p->locvars[i].name);
    return GC_OBJ_UNITS + p->nk + p->nup + p->nproto + p->nlocvars;
}

/* A coroutine stays gray: while marking it waits on the grayagain list, and the atomic phase
 * traverses it once more. That traversal also clears the slots above the highest of its top
 * and every frame's top, so that none can later be read as a pointer to a freed object. */
static size_t traverse_thread(struct vm *vm, struct vco *co)
{
    bool atomic = vm->gc_phase == GC_ATOMIC, running = co == vm->running;
    /* A suspended coroutine traversed in this cycle that has not run since holds nothing new:
     * a thousand connections waiting on I/O cost the atomic phase nothing. (Values stored into
     * its stack through open upvalues meet the upvalue's forward barrier.) */
    if (atomic && !running && !co->ran && co->traversed == vm->gc_epoch) return GC_OBJ_UNITS;
    if (!atomic) link_gray(&vm->grayagain, &co->h);
    struct thstate *st = running ? &vm->th : &co->st;
    if (st->stack == NULL) return GC_OBJ_UNITS; /* being created */
    /* Live slots: up to the top, or to the top Lua frame's register window (registers above
     * the top are live there). Not a native's reserve, nor the registers of a frame below a
     * call above the callee's slot: dead there, so not marked (as lua5.4 marks). */
    uint32_t hi = st->top;
    if ((st->ci->status & CI_LUA) && st->ci->top > hi) hi = st->ci->top;
    if (hi > st->stacksize) hi = st->stacksize;
    for (uint32_t i = 0; i < hi; i++) mark_val(vm, st->stack[i]);
    size_t work = GC_OBJ_UNITS + hi + (size_t)(st->ci - st->cis);
    /* Slots above are cleared, so that none holds an object this cycle frees: always in the
     * atomic phase, and for a suspended coroutine at once (it cannot change until it runs). */
    if (atomic || !running) {
        for (uint32_t i = hi; i < st->stacksize; i++) st->stack[i] = val_nil();
        work += st->stacksize - hi;
    }
    if (!running) co->ran = false;
    co->traversed = vm->gc_epoch;
    for (struct upval *u = st->open_upvals; u != NULL; u = u->open_next) mark_ref(vm, u);
    mark_ref(vm, co->resumer);
    return work;
}

/* Traverses the first object of the gray list. */
static size_t propagate_one(struct vm *vm)
{
    struct gcobj *o = vm->gray;
    vm->gray = *gclist_of(o);
    switch (o->tt) {
    case VT_TAB:
        return traverse_table(vm, (struct vtab *)o);
    case VT_LCL:
        return traverse_lclosure(vm, (struct lclosure *)o);
    case VT_NCL:
        return traverse_nclosure(vm, (struct nclosure *)o);
    case VT_PROTO:
        return traverse_proto(vm, (struct proto *)o);
    case VT_THREAD:
        return traverse_thread(vm, (struct vco *)o);
    default:
        plat_panic("gc: gray object of bad type");
    }
}

static size_t propagate_all(struct vm *vm)
{
    size_t work = 0;
    while (vm->gray != NULL) work += propagate_one(vm);
    return work;
}

/* The roots: the main and the running coroutine (which reaches its resumers), the globals, the
 * registry (loaded modules, coroutine handles), the string metatable, the pinned strings. */
static size_t mark_roots(struct vm *vm)
{
    mark_ref(vm, vm->main_co);
    mark_ref(vm, vm->running);
    mark_val(vm, vm->globals);
    mark_val(vm, vm->registry);
    mark_ref(vm, vm->strmeta);
    for (int i = 0; i < TM_N; i++) mark_ref(vm, vm->tmname[i]);
    mark_ref(vm, vm->memerr);
    return GC_OBJ_UNITS * (3 + TM_N);
}

/* Ephemerons: a weak-key table's value is reachable once its key is. Repeats until nothing
 * new is marked. */
static size_t converge_ephemerons(struct vm *vm)
{
    size_t work = 0;
    bool changed = true;
    while (changed) {
        changed = false;
        for (struct gcobj *o = vm->weak; o != NULL; o = ((struct vtab *)o)->gclist) {
            struct vtab *t = (struct vtab *)o;
            if (weak_mode(vm, t) != 1) continue;
            uint32_t nsize = t->node ? 1u << t->lsizenode : 0;
            work += GC_OBJ_UNITS + nsize;
            for (uint32_t i = 0; i < nsize; i++) {
                struct node *n = &t->node[i];
                if (n->val.tt == VT_NIL || n->key.tt == VT_DEADKEY) continue;
                if (!is_cleared(n->key) && val_iscollectable(n->val) && is_white(n->val.u.gc)) {
                    /* propagate may prepend weak tables to vm->weak; the next round sees them. */
                    mark_val(vm, n->val);
                    work += propagate_all(vm);
                    changed = true;
                }
            }
        }
    }
    return work;
}

static size_t clear_weak(struct vm *vm)
{
    size_t work = 0;
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
        work += GC_OBJ_UNITS + t->asize + nsize;
    }
    return work;
}

/* --- the cycle --- */

static void enter_sweep(struct vm *vm)
{
    vm->gc_phase = GC_SWEEP_STR;
    vm->gc_sweep_chain = 0;
    vm->gc_sweep_chains = vm->strt_size;
    vm->gc_sweep = &vm->all;
}

static size_t restart(struct vm *vm)
{
    vm->gray = vm->grayagain = vm->regray = vm->weak = NULL;
    vm->gc_rounds = 0;
    vm->gc_round_work = 0;
    vm->gc_phase = GC_PROPAGATE;
    vm->gc_epoch++;
    return mark_roots(vm);
}

static size_t atomic(struct vm *vm)
{
    vm->gc_phase = GC_ATOMIC;
    size_t work = mark_roots(vm); /* the running coroutine and the string metatable may be new */
    work += propagate_all(vm);
    vm->gray = vm->regray;
    vm->regray = NULL;
    work += propagate_all(vm);
    vm->gray = vm->grayagain;
    vm->grayagain = NULL;
    work += propagate_all(vm);
    work += converge_ephemerons(vm);
    work += clear_weak(vm);
    vm->gc_white ^= 1; /* every object still in the old white is garbage from now on */
    enter_sweep(vm);
    return work;
}

static void threshold_set(struct vm *vm, size_t bytes)
{
    if (vm->gc_stopped)
        vm->gc_threshold = SIZE_MAX;
    else if (vm->gc_torture != VM_GC_TORTURE_OFF)
        vm->gc_threshold = 0;
    else
        vm->gc_threshold = bytes;
}

/* The sweep is over: the next cycle starts when the bytes in use reach 'pause' percent of what
 * survived, and before half of the heap still free is used, so that a cycle started late still
 * ends before the heap is full. */
static void cycle_end(struct vm *vm)
{
    vm->gc_phase = GC_PAUSE;
    vm->gc_cycles++;
    vm->gc_owed = 0;
    size_t live = heap_in_use(vm->heap);
    size_t th = live / 100 * (size_t)(vm->gc_pause * 4u);
    if (th < GC_MIN_THRESHOLD) th = GC_MIN_THRESHOLD;
    if (vm->gc_heap_bytes > live) {
        size_t cap = live + (vm->gc_heap_bytes - live) / 2;
        if (th > cap) th = cap;
    }
    threshold_set(vm, th);
}

static size_t sweep_strings(struct vm *vm)
{
    if (vm->gc_sweep_chains != vm->strt_size) {
        /* The table grew and rehashed every chain: sweeping them all again is harmless. */
        vm->gc_sweep_chain = 0;
        vm->gc_sweep_chains = vm->strt_size;
    }
    size_t work = str_table_sweep(vm, vm->gc_sweep_chain, GC_SWEEP_CHAINS);
    vm->gc_sweep_chain += GC_SWEEP_CHAINS;
    if (vm->gc_sweep_chain >= vm->strt_size) vm->gc_phase = GC_SWEEP_OBJ;
    return work;
}

static void free_obj(struct vm *vm, struct gcobj *o);

static size_t sweep_objects(struct vm *vm)
{
    uint8_t dead = vm->gc_white ^ 1, white = vm->gc_white;
    struct gcobj **pp = vm->gc_sweep;
    size_t n = 0;
    for (; n < GC_SWEEP_OBJS && *pp != NULL; n++) {
        struct gcobj *o = *pp;
        if (o->marked == dead) {
            *pp = o->next;
            free_obj(vm, o);
        } else {
            o->marked = white;
            pp = &o->next;
        }
    }
    vm->gc_sweep = pp;
    if (*pp == NULL) cycle_end(vm);
    return 1 + n * GC_OBJ_UNITS;
}

/* One indivisible piece of collector work; returns the units it cost. */
static size_t single_step(struct vm *vm)
{
    switch (vm->gc_phase) {
    case GC_PAUSE:
        return restart(vm);
    case GC_PROPAGATE:
        if (vm->gray != NULL) {
            /* A round's measure is what it found beyond the coroutines it traverses again. */
            bool thread = vm->gray->tt == VT_THREAD;
            size_t work = propagate_one(vm);
            if (!thread) vm->gc_round_work += work;
            return work;
        }
        if (vm->gc_round_work > GC_ROUND_SMALL && vm->gc_rounds < GC_ROUNDS_MAX) {
            struct gcobj **list = vm->regray != NULL ? &vm->regray : &vm->grayagain;
            vm->gray = *list;
            *list = NULL;
            vm->gc_rounds++;
            vm->gc_round_work = 0;
            return 1;
        }
        return atomic(vm);
    case GC_SWEEP_STR:
        return sweep_strings(vm);
    case GC_SWEEP_OBJ:
        return sweep_objects(vm);
    default:
        plat_panic("gc: bad phase");
    }
}

/* Log-scale histogram of step times: buckets below 4 ns hold one value each, then every power
 * of two is split in four (a bucket spans at most a quarter of its lower bound). */
static unsigned hist_bucket(uint64_t ns)
{
    if (ns < 4) return (unsigned)ns;
    unsigned e = 63u - (unsigned)__builtin_clzll(ns);
    unsigned b = 4 * (e - 1) + (unsigned)((ns >> (e - 2)) & 3);
    return b < GC_HIST_N ? b : GC_HIST_N - 1;
}

/* The largest time bucket 'b' holds. */
static uint64_t hist_top(unsigned b)
{
    if (b < 4) return b;
    unsigned e = b / 4 + 1;
    return ((uint64_t)(5 + b % 4) << (e - 2)) - 1;
}

/* Runs single steps until 'units' of work are done or a cycle ends, timed into the step
 * statistics. Returns true if the cycle ended. */
static bool timed_step(struct vm *vm, size_t units)
{
    uint64_t t0 = plat_clock_ns();
    vm->gc_running = true;
    size_t done = 0;
    do done += single_step(vm);
    while (done < units && vm->gc_phase != GC_PAUSE);
    vm->gc_running = false;
    uint64_t ns = plat_clock_ns() - t0;
    vm->gc_steps++;
    vm->gc_step_ns += ns;
    if (ns > vm->gc_step_max_ns) vm->gc_step_max_ns = ns;
    if (ns > VM_GC_STEP_GOAL_NS) vm->gc_steps_long++;
    vm->gc_hist[hist_bucket(ns)]++;
    return vm->gc_phase == GC_PAUSE;
}

/* Units of work that pay for 'bytes' of allocation at the step multiplier. */
static size_t gc_step_units(struct vm *vm, size_t bytes)
{
    size_t mul = vm->gc_stepmul * 4u;
    if (mul == 0) mul = 1;
    size_t units = bytes / GC_WORK_BYTES * mul / 100;
    return units > 0 ? units : 1;
}

/* mem_alloc found the bytes in use (with 'n' more) past the threshold: a step pays for what
 * was allocated since the last one, and the next comes after another step size. */
static __attribute__((noinline)) void alloc_step(struct vm *vm, size_t n)
{
    if (vm->gc_running || vm->gc_stopped) return;
    if (vm->gc_torture == VM_GC_TORTURE_FULL) {
        gc_full(vm);
        return;
    }
    if (vm->gc_torture == VM_GC_TORTURE_STEP) {
        vm->gc_running = true;
        single_step(vm);
        vm->gc_running = false;
        return;
    }
    size_t stepsize = (size_t)1 << vm->gc_stepsize;
    size_t in_use = heap_in_use(vm->heap);
    size_t owed = vm->gc_owed + stepsize;
    if (in_use + n > vm->gc_threshold) owed += in_use + n - vm->gc_threshold;
    size_t pay = owed < stepsize * GC_STEP_MAX_DEBT ? owed : stepsize * GC_STEP_MAX_DEBT;
    vm->gc_owed = owed - pay;
    if (!timed_step(vm, gc_step_units(vm, pay)))
        threshold_set(vm, heap_in_use(vm->heap) + stepsize);
}

/* --- the write barrier's slow paths --- */

void gc_barrier_back_slow(struct vm *vm, struct vtab *t)
{
    if (vm->gc_phase == GC_PROPAGATE) {
        t->h.marked = GC_GRAY;
        link_gray(&vm->regray, &t->h);
    } else {
        t->h.marked = vm->gc_white; /* sweeping: the sweep would whiten it anyway */
    }
}

void gc_barrier_fwd_slow(struct vm *vm, struct gcobj *o, struct gcobj *v)
{
    if (vm->gc_phase == GC_PROPAGATE)
        mark_obj(vm, v);
    else
        o->marked = vm->gc_white;
}

/* --- freeing --- */

static size_t obj_size(struct gcobj *o)
{
    switch (o->tt) {
    case VT_STR:
        return sizeof(struct vstr) + ((struct vstr *)o)->len + 1;
    case VT_LCL:
        return sizeof(struct lclosure) + ((struct lclosure *)o)->nup * sizeof(struct upval *);
    case VT_NCL:
        return sizeof(struct nclosure) + ((struct nclosure *)o)->nup * sizeof(vm_val);
    case VT_UPVAL:
        return sizeof(struct upval);
    case VT_BUF:
        return sizeof(struct vbuf) + ((struct vbuf *)o)->cap;
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

/* --- whole collections and the embedding calls --- */

void gc_init(struct vm *vm, size_t heap_bytes)
{
    vm->gc_heap_bytes = heap_bytes;
    vm->gc_pause = GC_PAUSE_DEFAULT / 4;
    vm->gc_stepmul = GC_STEPMUL_DEFAULT / 4;
    vm->gc_stepsize = GC_STEPSIZE_DEFAULT;
    vm->gc_start_ns = plat_clock_ns();
    vm->gc_stopped = false;
    threshold_set(vm, GC_MIN_THRESHOLD < heap_bytes / 2 ? GC_MIN_THRESHOLD : heap_bytes / 2);
}

void gc_full(struct vm *vm)
{
    if (vm->gc_running) return;
    uint64_t t0 = plat_clock_ns();
    vm->gc_running = true;
    /* A cycle that is still marking is abandoned: a sweep without the flip frees nothing and
     * whitens everything. Then one whole cycle. */
    if (vm->gc_phase == GC_PROPAGATE) enter_sweep(vm);
    while (vm->gc_phase != GC_PAUSE) single_step(vm);
    do single_step(vm);
    while (vm->gc_phase != GC_PAUSE);
    vm->gc_running = false;
    uint64_t ns = plat_clock_ns() - t0;
    vm->gc_fulls++;
    vm->gc_full_ns += ns;
    if (ns > vm->gc_full_max_ns) vm->gc_full_max_ns = ns;
}

bool gc_step_lua(struct vm *vm, int64_t kib)
{
    if (vm->gc_running) return false;
    if (vm->gc_torture == VM_GC_TORTURE_FULL) {
        /* Every allocation ends a cycle there: a step ends one too, so `repeat until
         * collectgarbage("step")` ends. */
        gc_full(vm);
        return true;
    }
    size_t units = kib <= 0 ? gc_step_units(vm, (size_t)1 << vm->gc_stepsize)
                            : gc_step_units(vm, (size_t)kib * 1024);
    bool ended = timed_step(vm, units);
    if (!ended) threshold_set(vm, heap_in_use(vm->heap) + ((size_t)1 << vm->gc_stepsize));
    /* A cycle this call drove may have been ended by an allocation's step since the last call:
     * that counts, or `repeat until collectgarbage("step")` in a loop that allocates could
     * start a new cycle each time and never see one end. */
    ended = ended || vm->gc_cycles != vm->gc_cycles_seen;
    vm->gc_cycles_seen = vm->gc_cycles;
    return ended;
}

void gc_stop(struct vm *vm, bool stop)
{
    vm->gc_stopped = stop;
    threshold_set(vm, heap_in_use(vm->heap)); /* restart: a step at the next allocation */
}

int gc_param_set(struct vm *vm, enum gc_param which, int value)
{
    int old;
    switch (which) {
    case GC_PARAM_PAUSE:
        old = vm->gc_pause * 4;
        vm->gc_pause = (uint8_t)(value / 4);
        return old;
    case GC_PARAM_STEPMUL:
        old = vm->gc_stepmul * 4;
        vm->gc_stepmul = (uint8_t)(value / 4);
        return old;
    default:
        old = vm->gc_stepsize;
        /* 2^40 bytes between steps already means never: the shift must not overflow. */
        vm->gc_stepsize = (uint8_t)(value < 0 ? 0 : value > 40 ? 40 : value);
        return old;
    }
}

void vm_gc_collect(struct vm *vm)
{
    gc_full(vm);
}

size_t vm_gc_step(struct vm *vm, size_t work)
{
    if (vm->gc_running || vm->gc_stopped) return 0;
    if (vm->gc_phase == GC_PAUSE && heap_in_use(vm->heap) <= vm->gc_threshold) return 0;
    if (vm->gc_torture == VM_GC_TORTURE_FULL) {
        gc_full(vm);
        return 1;
    }
    return timed_step(vm, work > 0 ? work : 1) ? 1 : 0;
}

size_t vm_gc_count(struct vm *vm)
{
    return heap_in_use(vm->heap);
}

void vm_gc_torture(struct vm *vm, enum vm_gc_torture mode)
{
    vm->gc_torture = (uint8_t)mode;
    if (vm->gc_phase == GC_PAUSE) threshold_set(vm, GC_MIN_THRESHOLD);
    else threshold_set(vm, heap_in_use(vm->heap));
}

void vm_gc_stats(struct vm *vm, struct vm_gc_stats *st)
{
    memset(st, 0, sizeof *st);
    st->steps = vm->gc_steps;
    st->step_ns = vm->gc_step_ns;
    st->step_max_ns = vm->gc_step_max_ns;
    st->steps_long = vm->gc_steps_long;
    st->fulls = vm->gc_fulls;
    st->full_ns = vm->gc_full_ns;
    st->full_max_ns = vm->gc_full_max_ns;
    st->cycles = vm->gc_cycles;
    st->run_ns = plat_clock_ns() - vm->gc_start_ns;
    uint64_t want = vm->gc_steps - vm->gc_steps / 100, seen = 0; /* the 99th percentile */
    for (unsigned b = 0; b < GC_HIST_N && vm->gc_steps > 0; b++) {
        seen += vm->gc_hist[b];
        if (seen >= want) {
            st->step_p99_ns = hist_top(b);
            break;
        }
    }
    if (st->step_p99_ns > st->step_max_ns) st->step_p99_ns = st->step_max_ns;
}
