/* vm/interp.c: the interpreter loop, calls and returns, the stack, and the protected boundary.
 *
 * Entry points: interp_run (runs the Lua frame vm->ci until it returns), vm_call_at (any call,
 * re-entrant: natives and metamethods use it), pcall_at and error_raise (the longjmp boundary),
 * stack_grow / stack_reserve.
 *
 * A Lua call from Lua pushes a struct callinfo and continues in the same C loop ("goto
 * newframe"), so Lua recursion uses no C stack; only natives and metamethods re-enter. The
 * instruction set is Lua 5.4's (vm/skb.h); the verifier (verify.c) has already proved every
 * register, constant, upvalue and jump in range, so the loop does not check them again.
 *
 * Invariant while a Lua frame runs: every slot below ci->top is its own; vm->top is ci->top
 * before any call out (SAVE), except just after an instruction that left a multiple-result
 * count in it (CALL or VARARG with C = 0), which only CALL, RETURN or SETLIST with B = 0 read.
 */
#include "vm/core.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kernel/platform.h"

/* LUAI_MAXSTACK: slots one VM stack may hold; "stack overflow" past it. */
#define MAXSTACK 1000000
/* Slots kept beyond MAXSTACK so the overflow error itself has room (Lua's EXTRA_STACK). */
#define EXTRA_STACK 40
/* Frames in one VM; as deep as MAXSTACK allows with the smallest frames. */
#define MAXCIS 220000

void stack_grow(struct vm *vm, uint32_t n)
{
    uint64_t need = (uint64_t)vm->top + n;
    if (need > MAXSTACK) {
        /* The error message itself needs a slot: grow into the reserve once. */
        stack_grow_to(vm, MAXSTACK + EXTRA_STACK);
        vm_rt_error(vm, "stack overflow");
    }
    uint64_t size = (uint64_t)vm->stacksize * 2;
    if (size < need + EXTRA_STACK) size = need + EXTRA_STACK;
    if (size > MAXSTACK + EXTRA_STACK) size = MAXSTACK + EXTRA_STACK;
    stack_grow_to(vm, (uint32_t)size);
}

void stack_grow_to(struct vm *vm, uint32_t size)
{
    if (size <= vm->stacksize) return;
    vm_val *ns = mem_alloc(vm, size * sizeof(vm_val));
    memcpy(ns, vm->stack, vm->stacksize * sizeof(vm_val));
    for (uint32_t i = vm->stacksize; i < size; i++) ns[i] = val_nil();
    mem_free(vm, vm->stack, vm->stacksize * sizeof(vm_val));
    vm->stack = ns;
    vm->stacksize = size;
    for (struct upval *u = vm->open_upvals; u != NULL; u = u->open_next) u->v = &ns[u->level];
}

static void ci_grow(struct vm *vm)
{
    if (vm->ncis >= MAXCIS) vm_rt_error(vm, "stack overflow");
    ptrdiff_t at = vm->ci - vm->cis;
    uint32_t n = vm->ncis * 2;
    vm->cis = mem_realloc(vm, vm->cis, vm->ncis * sizeof(struct callinfo),
                          n * sizeof(struct callinfo));
    vm->ncis = n;
    vm->ci = vm->cis + at;
}

/* The next frame record, its fields for the caller to set (precall sets every one). Compared
 * as pointers: an index would cost a division by the record's size at every call. */
static inline struct callinfo *ci_push(struct vm *vm)
{
    if (__builtin_expect(vm->ci + 1 == vm->cis + vm->ncis, 0)) ci_grow(vm);
    return ++vm->ci;
}

/* Moves the 'n' results at the top of the stack to the frame's function slot, as many as its
 * caller wanted, and pops the frame. */
static inline void poscall(struct vm *vm, struct callinfo *ci, uint32_t n)
{
    uint32_t res = ci->func, first = vm->top - n;
    int wanted = ci->nresults;
    if (wanted == VM_MULTRET) wanted = (int)n;
    for (uint32_t i = 0; i < (uint32_t)wanted; i++)
        vm->stack[res + i] = i < n ? vm->stack[first + i] : val_nil();
    vm->top = res + (uint32_t)wanted;
    vm->ci = ci - 1;
}

/* Replaces a non-function at stack[func] by its __call metamethod, the value becoming the first
 * argument. */
static void insert_call_tm(struct vm *vm, uint32_t func)
{
    vm_val f = vm->stack[func];
    const vm_val *tm = meta_tm(vm, f, TM_CALL);
    if (!tab_hit(tm)) debug_callerror(vm, &vm->stack[func], f);
    vm_val t = *tm;
    stack_reserve(vm, 1);
    memmove(&vm->stack[func + 1], &vm->stack[func], (vm->top - func) * sizeof(vm_val));
    vm->top++;
    vm->stack[func] = t;
}

/* SETFIELD's and SETTABUP's fast path: a short-string key present in table 't' takes the value
 * in place (__newindex applies only to absent keys), and so does an absent one whose node
 * exists when 't' has no metatable. Returns false when the general store must run. A store
 * into a heap object, so the write barrier follows it. */
static inline bool store_field_fast(struct vm *vm, vm_val *t, struct vstr *key, vm_val v)
{
    if (t->tt != VT_TAB || !key->is_short) return false;
    struct node *n = tab_findshort(VTAB(*t), key);
    if (n == NULL || (n->val.tt == VT_NIL && VTAB(*t)->meta != NULL)) return false;
    n->val = v;
    gc_barrier_tab(vm, VTAB(*t), v);
    return true;
}

/* t[key] for a short-string key absent from table t itself, through its chain of __index
 * tables without a call: methods found in a class or its parent. Returns the value (nil when
 * the chain ends without it), or NULL where val_get must decide (an __index function or
 * non-table, a long chain). Out of line: the loop's first probe finds most fields. */
static __attribute__((noinline)) const vm_val *get_short_chain(struct vm *vm, const struct vtab *t,
                                                                const struct vstr *key)
{
    for (int depth = 0; depth < 4; depth++) {
        if (t->meta == NULL) return &tab_absent;
        const struct node *ix = tab_findshort(t->meta, vm->tmname[TM_INDEX]);
        if (ix == NULL || ix->val.tt == VT_NIL) return &tab_absent;
        if (ix->val.tt != VT_TAB) return NULL;
        t = VTAB(ix->val);
        const struct node *n = tab_findshort(t, key);
        if (n != NULL && n->val.tt != VT_NIL) return &n->val;
    }
    return NULL;
}

/* Pushes the frame of Lua function 'p' at stack[func], its arguments up to vm->top. Small and
 * inlined: the interpreter's CALL takes this path without calling precall. */
static inline void precall_lua(struct vm *vm, uint32_t func, int nresults, const struct proto *p)
{
    uint32_t nargs = vm->top - func - 1;
    if (vm->stacksize - vm->top < p->maxstack + 1u) stack_grow(vm, p->maxstack + 1u);
    struct callinfo *ci = ci_push(vm);
    ci->func = func;
    ci->nresults = (int16_t)nresults;
    ci->status = CI_LUA;
    ci->savedpc = p->code;
    ci->nextra = 0;
    for (; nargs < p->numparams; nargs++) vm->stack[vm->top++] = val_nil();
    ci->top = func + 1 + p->maxstack;
    if (!p->is_vararg) vm->top = ci->top;
}

/* Starts the call of stack[func] with the arguments up to vm->top. Returns true when it pushed
 * a Lua frame for the caller to run; false when a native ran and its results are in place. */
static bool precall(struct vm *vm, uint32_t func, int nresults)
{
    for (;;) {
        vm_val f = vm->stack[func];
        if (f.tt == VT_LCL) {
            precall_lua(vm, func, nresults, VLCL(f)->p);
            return true;
        }
        if (f.tt == VT_NCL) {
            stack_reserve(vm, VM_MINSTACK);
            struct callinfo *ci = ci_push(vm);
            ci->func = func;
            ci->nresults = (int16_t)nresults;
            ci->status = 0;
            ci->savedpc = NULL;
            ci->nextra = 0;
            ci->k = NULL;
            ci->top = vm->top + VM_MINSTACK;
            if (++vm->c_depth >= VM_MAXCCALLS) {
                vm->c_depth -= 5; /* room to raise */
                vm_rt_error(vm, "C stack overflow");
            }
            int n = VNCL(f)->fn(vm);
            vm->c_depth--;
            poscall(vm, vm->ci, (uint32_t)n);
            return false;
        }
        insert_call_tm(vm, func);
    }
}

void call_at(struct vm *vm, uint32_t func, int nresults, bool yieldable)
{
    /* Checked before the callee's frame exists, so the error is the caller's. */
    if (vm->c_depth + 1 >= VM_MAXCCALLS) {
        vm->c_depth -= 5;
        vm_rt_error(vm, "C stack overflow");
    }
    if (!yieldable) vm->nny++;
    if (precall(vm, func, nresults)) {
        vm->c_depth++;
        vm->ci->status |= CI_FRESH;
        interp_run(vm);
        vm->c_depth--;
    }
    if (!yieldable) vm->nny--;
}

void vm_call_at(struct vm *vm, uint32_t func, int nresults)
{
    /* A call made for an instruction of a Lua frame (a metamethod, an iterator, a __close) can
     * yield: finish_op completes that instruction after the resume. A call made for a native
     * cannot, unless the native passed a continuation (vm_call_cont calls call_at itself). */
    call_at(vm, func, nresults, (vm->ci->status & CI_LUA) != 0);
}

/* --- errors --- */

_Noreturn void vm_throw(struct vm *vm, int status)
{
    (void)status;
    if (vm->errjmp == NULL) plat_panic("vm: error outside any protected call");
    longjmp(vm->errjmp->b, ERRJMP_ERROR);
}

_Noreturn void error_raise(struct vm *vm)
{
    struct errjmp *ej = vm->errjmp;
    if (ej != NULL && ej->in_handler) {
        /* An error inside the message handler is not handled again (Lua's LUA_ERRERR). */
        vm->stack[vm->top - 1] = val_obj(str_newc(vm, "error in error handling"));
        vm_throw(vm, VM_ERROR);
    }
    if (ej != NULL && ej->handler != 0) {
        ej->in_handler = true;
        stack_reserve(vm, 2);
        vm->stack[vm->top] = vm->stack[vm->top - 1];
        vm->stack[vm->top - 1] = vm->stack[ej->handler];
        vm->top++;
        call_at(vm, vm->top - 2, 1, false);
        ej->in_handler = false;
    }
    if (ej != NULL && ej->traceback) debug_traceback(vm);
    vm_throw(vm, VM_ERROR);
}

_Noreturn void vm_rt_error(struct vm *vm, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char where[300] = "";
    if (vm->ci->status & CI_LUA) debug_where(vm, 0, where, sizeof where);
    if (vm->top >= vm->stacksize) vm->top = vm->stacksize - 1;
    vm_push_fstr(vm, "%s%s", where, msg);
    error_raise(vm);
}

/* The protected boundary, the one setjmp of the interpreter: runs f(vm, ud) with errors caught
 * at a boundary carrying 'handler' and 'tb' (struct errjmp). After an error the C depth and the
 * non-yieldable count are back as they were and the error value is on top; the frames are left
 * for the caller to unwind. */
static enum vm_outcome catch_errors(struct vm *vm, void (*f)(struct vm *, void *), void *ud,
                                    uint32_t handler, bool tb)
{
    struct errjmp ej;
    ej.prev = vm->errjmp;
    ej.handler = handler;
    ej.traceback = tb;
    ej.in_handler = false;
    int depth = vm->c_depth, nny = vm->nny;
    vm->errjmp = &ej;
    if (setjmp(ej.b) == 0) {
        f(vm, ud);
        vm->errjmp = ej.prev;
        return VM_DONE;
    }
    vm->errjmp = ej.prev;
    vm->c_depth = depth;
    vm->nny = nny;
    return VM_ERROR;
}

enum vm_outcome protected_run(struct vm *vm, void (*f)(struct vm *, void *), void *ud)
{
    uint32_t top = vm->top;
    ptrdiff_t ci_saved = vm->ci - vm->cis;
    if (catch_errors(vm, f, ud, 0, false) == VM_DONE) return VM_DONE;
    vm->ci = vm->cis + ci_saved;
    vm_val err = vm->stack[vm->top - 1];
    vm->top = top;
    vm->stack[vm->top++] = err;
    return VM_ERROR;
}

/* Closes the newest pending to-be-closed variable with error value *err, errors caught; an
 * error in its __close replaces *err (Lua 5.4 manual §3.3.8) and the call returns true. */
static bool pcall_close_one(struct vm *vm, vm_val *err)
{
    uint32_t slot = vm->tbc[--vm->tbc_top];
    vm_val v = vm->stack[slot];
    const vm_val *tm = meta_tm(vm, v, TM_CLOSE);
    if (!tab_hit(tm)) return false;
    stack_reserve(vm, 3);
    uint32_t func = vm->top;
    vm->stack[vm->top++] = *tm;
    vm->stack[vm->top++] = v;
    vm->stack[vm->top++] = *err;
    bool failed = pcall_at(vm, func, 0, 0, false) != VM_DONE;
    if (failed) *err = vm->stack[func];
    vm->top = func;
    return failed;
}

bool interp_close_all(struct vm *vm, vm_val *err)
{
    bool failed = false;
    while (vm->tbc_top > 0)
        if (pcall_close_one(vm, err)) failed = true;
    return failed;
}

/* After an error caught at a protected boundary whose frame is cis[ci_saved]: closes the
 * upvalues and to-be-closed variables of the frames that ended (from stack slot 'func' and
 * above tbc_saved) and leaves the error value in stack[func], the top just above it. */
static void pcall_recover(struct vm *vm, ptrdiff_t ci_saved, uint32_t func, uint32_t tbc_saved)
{
    vm->ci = vm->cis + ci_saved;
    vm_val err = vm->top > 0 ? vm->stack[vm->top - 1] : val_nil();
    upval_close(vm, func);
    /* The top stays where the error left it while __close handlers run, above every slot of
     * the frames being closed, so their variables are intact until closed. */
    while (vm->tbc_top > tbc_saved) pcall_close_one(vm, &err);
    vm->stack[func] = err;
    vm->top = func + 1;
}

struct call_job {
    uint32_t func;
    int nresults;
    bool yieldable;
};

static void call_job_run(struct vm *vm, void *ud)
{
    struct call_job *job = ud;
    call_at(vm, job->func, job->nresults, job->yieldable);
}

static enum vm_outcome pcall_run(struct vm *vm, uint32_t func, int nresults, uint32_t handler,
                                 bool tb, bool yieldable)
{
    ptrdiff_t ci_saved = vm->ci - vm->cis;
    uint32_t tbc_saved = vm->tbc_top;
    struct call_job job = {func, nresults, yieldable};
    if (catch_errors(vm, call_job_run, &job, handler, tb) == VM_DONE) return VM_DONE;
    if (vm->running->killed) vm_throw(vm, VM_ERROR); /* not caught: see co_budget_expired */
    pcall_recover(vm, ci_saved, func, tbc_saved);
    return VM_ERROR;
}

enum vm_outcome pcall_at(struct vm *vm, uint32_t func, int nresults, uint32_t handler, bool tb)
{
    return pcall_run(vm, func, nresults, handler, tb, false);
}

/* --- pcall and xpcall, which a coroutine can yield across ---
 *
 * The native's frame is marked CI_YPCALL and remembers what recovery needs: the callee's slot
 * in its window ('ctx': 1 for pcall, 3 for xpcall, whose handler sits at 2) and the pending
 * to-be-closed count ('nextra', unused by natives). Without a yield, pcall_run's setjmp catches
 * errors. After a yield that boundary is gone, so interp_unroll re-establishes it over the
 * frames above the pcall when the coroutine resumes. */

static int pcall_finish(struct vm *vm, intptr_t callee)
{
    struct callinfo *ci = vm->ci;
    bool ok = !(ci->status & CI_PCALL_ERR);
    ci->status &= (uint8_t)~(CI_YPCALL | CI_PCALL_ERR);
    vm_push_bool(vm, ok);
    if (callee == 1) {
        vm_stack_insert(vm, 1);
        return vm_stack_top(vm);
    }
    vm_stack_replace(vm, 2);
    return vm_stack_top(vm) - 1;
}

int interp_pcall(struct vm *vm, int callee)
{
    struct callinfo *ci = vm->ci;
    ci->status |= CI_YPCALL;
    ci->nextra = (int)vm->tbc_top;
    ci->k = pcall_finish;
    ci->ctx = callee;
    uint32_t handler = callee == 3 ? ci->func + 2 : 0;
    if (pcall_run(vm, ci->func + (uint32_t)callee, VM_MULTRET, handler, false, true) != VM_DONE)
        vm->ci->status |= CI_PCALL_ERR;
    return pcall_finish(vm, callee);
}

void close_tbc(struct vm *vm, uint32_t level, vm_val err, bool with_err)
{
    while (vm->tbc_top > 0 && vm->tbc[vm->tbc_top - 1] >= level) {
        uint32_t slot = vm->tbc[--vm->tbc_top];
        vm_val v = vm->stack[slot];
        const vm_val *tm = meta_tm(vm, v, TM_CLOSE);
        if (!tab_hit(tm)) continue; /* checked at TBC; a metatable changed since */
        stack_reserve(vm, 3);
        uint32_t func = vm->top;
        vm->stack[vm->top++] = *tm;
        vm->stack[vm->top++] = v;
        vm->stack[vm->top++] = with_err ? err : val_nil();
        vm_call_at(vm, func, 0);
        vm->top = func;
    }
}

static void tbc_add(struct vm *vm, uint32_t slot)
{
    vm_val v = vm->stack[slot];
    if (val_falsy(v)) return;
    if (!tab_hit(meta_tm(vm, v, TM_CLOSE))) debug_tbcerror(vm, slot);
    if (vm->tbc_top == vm->tbc_cap) {
        uint32_t n = vm->tbc_cap ? vm->tbc_cap * 2 : 16;
        vm->tbc = mem_realloc(vm, vm->tbc, vm->tbc_cap * sizeof(uint32_t), n * sizeof(uint32_t));
        vm->tbc_cap = n;
    }
    vm->tbc[vm->tbc_top++] = slot;
}

/* --- numeric for --- */

static _Noreturn void for_error(struct vm *vm, const char *what, vm_val v)
{
    vm_rt_error(vm, "bad 'for' %s (number expected, got %s)", what, val_typename(vm, v));
}

/* Lua 5.4's forlimit: the integer limit for an integer loop; true when the loop must not run. */
static bool for_limit(struct vm *vm, int64_t init, vm_val lim, int64_t *p, int64_t step)
{
    if (lim.tt == VT_INT) {
        *p = lim.u.i;
    } else {
        double f;
        if (lim.tt != VT_FLT) for_error(vm, "limit", lim);
        f = lim.u.n;
        double fl = step < 0 ? ceil(f) : floor(f);
        if (!vm_num_to_int(fl, p)) {
            if (f != f) return true;
            if (f > 0) {
                if (step < 0) return true;
                *p = INT64_MAX;
            } else {
                if (step > 0) return true;
                *p = INT64_MIN;
            }
        }
    }
    return step > 0 ? init > *p : init < *p;
}

/* Prepares R[ra..ra+3]; returns true when the loop runs zero times. */
static bool for_prep(struct vm *vm, vm_val *ra)
{
    vm_val init = ra[0], plimit = ra[1], pstep = ra[2];
    if (init.tt == VT_INT && pstep.tt == VT_INT) {
        int64_t i = init.u.i, step = pstep.u.i, limit;
        if (step == 0) vm_rt_error(vm, "'for' step is zero");
        if (for_limit(vm, i, plimit, &limit, step)) return true;
        uint64_t count;
        if (step > 0) {
            count = (uint64_t)limit - (uint64_t)i;
            if (step != 1) count /= (uint64_t)step;
        } else {
            count = (uint64_t)i - (uint64_t)limit;
            count /= (uint64_t)(-(step + 1)) + 1u;
        }
        ra[1] = val_int((int64_t)count);
        ra[3] = val_int(i);
        return false;
    }
    double fi, fl, fs;
    if (plimit.tt != VT_INT && plimit.tt != VT_FLT) for_error(vm, "limit", plimit);
    if (pstep.tt != VT_INT && pstep.tt != VT_FLT) for_error(vm, "step", pstep);
    if (init.tt != VT_INT && init.tt != VT_FLT) for_error(vm, "initial value", init);
    val_tonum(plimit, &fl);
    val_tonum(pstep, &fs);
    val_tonum(init, &fi);
    if (fs == 0) vm_rt_error(vm, "'for' step is zero");
    if (fs > 0 ? !(fi <= fl) : !(fl <= fi)) return true;
    ra[0] = val_flt(fi);
    ra[1] = val_flt(fl);
    ra[2] = val_flt(fs);
    ra[3] = val_flt(fi);
    return false;
}

/* --- the loop --- */

void interp_run(struct vm *vm)
{
    /* Indexed by the instruction's low byte, the opcode's 7 bits and A's lowest bit, so that
     * dispatching needs no mask: every opcode is listed twice. The slots past the last opcode
     * hold EXTRAARG's label (the verifier lets no such opcode through). */
#define SKB_X_LABEL(name, fmt, a, b, c, effect) &&L_##name,
#define PAD5 &&L_EXTRAARG, &&L_EXTRAARG, &&L_EXTRAARG, &&L_EXTRAARG, &&L_EXTRAARG,
#define PAD45 PAD5 PAD5 PAD5 PAD5 PAD5 PAD5 PAD5 PAD5 PAD5
    static const void *const dispatch[] = {SKB_OPCODES(SKB_X_LABEL) PAD45
                                           SKB_OPCODES(SKB_X_LABEL) PAD45};
#undef PAD45
#undef PAD5
#undef SKB_X_LABEL
    _Static_assert(sizeof dispatch / sizeof dispatch[0] == 256, "one entry per low byte");
    _Static_assert(sizeof(vm_val) == 16 && SKB_SIZE_A == 8 && SKB_SIZE_B == 8 && SKB_SIZE_C == 8,
                   "OPND scales 8-bit operands by 16");
    struct callinfo *ci;
    struct lclosure *cl;
    const vm_val *k;
    vm_val *base;
    const skb_ins *pc;
    skb_ins i;

/* Macros of this loop only (#undef'd after it). */
/* An 8-bit operand at bit 'pos' as a byte offset into an array of values: one shift and one
 * mask, since a vm_val is 16 bytes (the loop's most frequent computation). */
#define OPND(arr, pos) ((__typeof__(&(arr)[0]))((const char *)(arr) + ((i >> ((pos) - 4)) & 0xff0u)))
#define RA() OPND(base, SKB_POS_A)
#define RB() OPND(base, SKB_POS_B)
#define RC() OPND(base, SKB_POS_C)
#define KB() OPND(k, SKB_POS_B)
#define KC() OPND(k, SKB_POS_C)
#define RKC() (skb_k(i) ? KC() : RC())
#define IDX(p) ((uint32_t)((p) - vm->stack))
/* Before anything that may raise, call out or allocate: the error's line and a safe top. */
#define SAVE() (ci->savedpc = pc, vm->top = ci->top)
/* After anything that may have moved the stack or the frame array. */
#define RELOAD() (ci = vm->ci, base = vm->stack + ci->func + 1)
/* Every instruction is counted against vm->budget (co.c): a coroutine can be preempted
 * between any two instructions, and the same budget always stops it at the same one. */
#define NEXT()                                                                                     \
    do {                                                                                           \
        if (__builtin_expect(--vm->budget < 0, 0)) goto out_of_budget;                             \
        i = *pc++;                                                                                 \
        goto *dispatch[(uint8_t)i];                                                                \
    } while (0)
#define CASE(name) L_##name:
/* A comparison or test, always followed by a JMP (verify.c): skips it when 'cond' differs from
 * k, else takes it at once, without dispatching it (so, like Lua's count hook, the budget
 * counts the pair as one instruction). */
#define COND_JUMP(cond)                                                                            \
    do {                                                                                           \
        if ((cond) != skb_k(i)) pc++;                                                              \
        else pc += skb_sj(*pc) + 1;                                                                \
        NEXT();                                                                                    \
    } while (0)

    ci = vm->ci;
    goto newframe;
out_of_budget:
    /* Preempts (longjmp to the resume, pc saved as the next instruction) or grants more. */
    ci->savedpc = pc;
    co_budget_expired(vm, true);
    i = *pc++;
    goto *dispatch[(uint8_t)i];
newframe:
    cl = VLCL(vm->stack[ci->func]);
    k = cl->p->k;
    base = vm->stack + ci->func + 1;
    pc = ci->savedpc;
    NEXT();

    CASE(MOVE) { *RA() = *RB(); NEXT(); }
    CASE(LOADI) { *RA() = val_int(skb_sbx(i)); NEXT(); }
    CASE(LOADF) { *RA() = val_flt((double)skb_sbx(i)); NEXT(); }
    CASE(LOADK) { *RA() = k[skb_bx(i)]; NEXT(); }
    CASE(LOADKX) { *RA() = k[skb_ax(*pc)]; pc++; NEXT(); }
    CASE(LOADFALSE) { *RA() = val_bool(false); NEXT(); }
    CASE(LFALSESKIP) { *RA() = val_bool(false); pc++; NEXT(); }
    CASE(LOADTRUE) { *RA() = val_bool(true); NEXT(); }
    CASE(LOADNIL) {
        vm_val *ra = RA();
        for (unsigned n = skb_b(i); ; n--) { *ra++ = val_nil(); if (n == 0) break; }
        NEXT();
    }
    CASE(GETUPVAL) { *RA() = *cl->up[skb_b(i)]->v; NEXT(); }
    CASE(SETUPVAL) { upval_store(vm, cl->up[skb_b(i)], *RA()); NEXT(); }
    CASE(GETTABUP) {
        vm_val *up = cl->up[skb_b(i)]->v;
        struct vstr *key = VSTR(*KC());
        if (up->tt == VT_TAB && key->is_short) {
            const struct node *n = tab_findshort(VTAB(*up), key);
            if (n != NULL && n->val.tt != VT_NIL) { *RA() = n->val; NEXT(); }
        }
        SAVE();
        vm_val r = val_get(vm, up, *up, *KC());
        RELOAD();
        *RA() = r;
        NEXT();
    }
    CASE(GETTABLE) {
        vm_val *rb = RB(), *rc = RC();
        if (rb->tt == VT_TAB) {
            struct vtab *t = VTAB(*rb);
            if (rc->tt == VT_INT && (uint64_t)rc->u.i - 1 < t->asize && t->arr[rc->u.i - 1].tt != VT_NIL) {
                *RA() = t->arr[rc->u.i - 1];
                NEXT();
            }
            const vm_val *v = rc->tt == VT_INT ? tab_getint(t, rc->u.i) : tab_get(t, *rc);
            if (tab_hit(v) || VTAB(*rb)->meta == NULL) { *RA() = *v; NEXT(); }
        }
        SAVE();
        vm_val r = val_get(vm, rb, *rb, *rc);
        RELOAD();
        *RA() = r;
        NEXT();
    }
    CASE(GETI) {
        vm_val *rb = RB();
        if (rb->tt == VT_TAB) {
            const vm_val *v = tab_getint(VTAB(*rb), skb_c(i));
            if (tab_hit(v) || VTAB(*rb)->meta == NULL) { *RA() = *v; NEXT(); }
        }
        SAVE();
        vm_val r = val_get(vm, rb, *rb, val_int(skb_c(i)));
        RELOAD();
        *RA() = r;
        NEXT();
    }
    CASE(GETFIELD) {
        vm_val *rb = RB();
        struct vstr *key = VSTR(*KC());
        if (rb->tt == VT_TAB && key->is_short) {
            const struct node *n = tab_findshort(VTAB(*rb), key);
            if (n != NULL && n->val.tt != VT_NIL) { *RA() = n->val; NEXT(); }
            const vm_val *v = get_short_chain(vm, VTAB(*rb), key);
            if (v != NULL) { *RA() = *v; NEXT(); }
        }
        SAVE();
        vm_val r = val_get(vm, rb, *rb, *KC());
        RELOAD();
        *RA() = r;
        NEXT();
    }
    CASE(SETTABUP) {
        vm_val *up = cl->up[skb_a(i)]->v;
        if (store_field_fast(vm, up, VSTR(*KB()), *RKC())) NEXT();
        SAVE();
        if (up->tt == VT_TAB && VTAB(*up)->meta == NULL) tab_set(vm, VTAB(*up), *KB(), *RKC());
        else val_set(vm, up, *up, *KB(), *RKC());
        RELOAD();
        NEXT();
    }
    CASE(SETTABLE) {
        vm_val *ra = RA();
        if (ra->tt == VT_TAB) {
            /* A present array slot: no __newindex applies, with or without a metatable. */
            struct vtab *t = VTAB(*ra);
            vm_val *rb = RB();
            if (rb->tt == VT_INT && (uint64_t)rb->u.i - 1 < t->asize &&
                (t->arr[rb->u.i - 1].tt != VT_NIL || t->meta == NULL)) {
                tab_arr_store(vm, t, (uint32_t)(rb->u.i - 1), *RKC());
                NEXT();
            }
        }
        SAVE();
        if (ra->tt == VT_TAB && VTAB(*ra)->meta == NULL) {
            vm_val *rb = RB();
            if (rb->tt == VT_INT && (uint64_t)rb->u.i - 1 < VTAB(*ra)->asize)
                tab_arr_store(vm, VTAB(*ra), (uint32_t)(rb->u.i - 1), *RKC());
            else
                tab_set(vm, VTAB(*ra), *rb, *RKC());
        } else {
            val_set(vm, ra, *ra, *RB(), *RKC());
        }
        RELOAD();
        NEXT();
    }
    CASE(SETI) {
        vm_val *ra = RA();
        SAVE();
        if (ra->tt == VT_TAB && VTAB(*ra)->meta == NULL) tab_setint(vm, VTAB(*ra), skb_b(i), *RKC());
        else val_set(vm, ra, *ra, val_int(skb_b(i)), *RKC());
        RELOAD();
        NEXT();
    }
    CASE(SETFIELD) {
        vm_val *ra = RA();
        if (store_field_fast(vm, ra, VSTR(*KB()), *RKC())) NEXT();
        SAVE();
        if (ra->tt == VT_TAB && VTAB(*ra)->meta == NULL) tab_set(vm, VTAB(*ra), *KB(), *RKC());
        else val_set(vm, ra, *ra, *KB(), *RKC());
        RELOAD();
        NEXT();
    }
    CASE(NEWTABLE) {
        uint32_t b = skb_b(i), c = skb_c(i);
        if (b > 0) b = b - 1 < 31 ? 1u << (b - 1) : 1u << 30;
        if (skb_k(i)) c += skb_ax(*pc) * (SKB_MAXARG_C + 1);
        pc++;
        SAVE();
        /* Hints come from the file: clamp them so a hostile one cannot ask for the heap. */
        if (c > 1u << 20) c = 1u << 20;
        if (b > 1u << 20) b = 1u << 20;
        struct vtab *t = tab_new(vm, c, b);
        RELOAD();
        *RA() = val_obj(t);
        NEXT();
    }
    CASE(SELF) {
        vm_val *rb = RB();
        vm_val obj = *rb, key = *RKC();
        base[skb_a(i) + 1] = obj;
        if (obj.tt == VT_TAB && key.tt == VT_STR && VSTR(key)->is_short) {
            const struct node *n = tab_findshort(VTAB(obj), VSTR(key));
            if (n != NULL && n->val.tt != VT_NIL) { *RA() = n->val; NEXT(); }
            const vm_val *v = get_short_chain(vm, VTAB(obj), VSTR(key));
            if (v != NULL) { *RA() = *v; NEXT(); }
        }
        SAVE();
        vm_val r = val_get(vm, rb, obj, key);
        RELOAD();
        *RA() = r;
        NEXT();
    }

/* Arithmetic: the fast path for two integers or two numbers, then pc++ past the MMBIN*. When
 * it does not apply, execution falls into the MMBIN* that follows. */
/* A number of either subtype, and its value as a float (Lua's tonumber on numbers). */
#define IS_NUM(v) ((v).tt == VT_FLT || (v).tt == VT_INT)
#define AS_FLT(v) ((v).tt == VT_INT ? (double)(v).u.i : (v).u.n)
#define ARITH_II(opi, opf, rb, vc)                                                                 \
    do {                                                                                           \
        vm_val b_ = *(rb), c_ = (vc);                                                              \
        if (b_.tt == VT_INT && c_.tt == VT_INT) {                                                  \
            int64_t x = b_.u.i, y = c_.u.i;                                                        \
            (void)x; (void)y;                                                                      \
            *RA() = val_int(opi);                                                                  \
            pc++;                                                                                  \
        } else if (b_.tt == VT_FLT && c_.tt == VT_FLT) {                                           \
            double x = b_.u.n, y = c_.u.n;                                                         \
            *RA() = val_flt(opf);                                                                  \
            pc++;                                                                                  \
        } else if (IS_NUM(b_) && IS_NUM(c_)) {                                                     \
            double x = AS_FLT(b_), y = AS_FLT(c_);                                                 \
            *RA() = val_flt(opf);                                                                  \
            pc++;                                                                                  \
        }                                                                                          \
        NEXT();                                                                                    \
    } while (0)
#define ARITH_F(opf, rb, vc)                                                                       \
    do {                                                                                           \
        vm_val b_ = *(rb), c_ = (vc);                                                              \
        if (IS_NUM(b_) && IS_NUM(c_)) {                                                            \
            double x = AS_FLT(b_), y = AS_FLT(c_);                                                 \
            *RA() = val_flt(opf);                                                                  \
            pc++;                                                                                  \
        }                                                                                          \
        NEXT();                                                                                    \
    } while (0)
/* Integer division and modulo may raise (by zero): save first. */
#define ARITH_DIVLIKE(fi, ff, rb, vc)                                                              \
    do {                                                                                           \
        vm_val b_ = *(rb), c_ = (vc);                                                              \
        if (b_.tt == VT_INT && c_.tt == VT_INT) {                                                  \
            SAVE();                                                                                \
            *RA() = val_int(fi(vm, b_.u.i, c_.u.i));                                               \
            pc++;                                                                                  \
        } else if (IS_NUM(b_) && IS_NUM(c_)) {                                                     \
            double x = AS_FLT(b_), y = AS_FLT(c_);                                                 \
            *RA() = val_flt(ff);                                                                   \
            pc++;                                                                                  \
        }                                                                                          \
        NEXT();                                                                                    \
    } while (0)
#define BITWISE(op, rb, vc)                                                                        \
    do {                                                                                           \
        vm_val b_ = *(rb), c_ = (vc);                                                              \
        int64_t x, y;                                                                              \
        if (b_.tt == VT_INT && c_.tt == VT_INT) {                                                  \
            x = b_.u.i; y = c_.u.i;                                                                \
            *RA() = val_int(op);                                                                   \
            pc++;                                                                                  \
        } else if (b_.tt <= VT_FLT && c_.tt <= VT_FLT && val_to_int_exact(b_, &x) &&               \
                   val_to_int_exact(c_, &y)) {                                                     \
            *RA() = val_int(op);                                                                   \
            pc++;                                                                                  \
        }                                                                                          \
        NEXT();                                                                                    \
    } while (0)
#define WADD(a, b) ((int64_t)((uint64_t)(a) + (uint64_t)(b)))
#define WSUB(a, b) ((int64_t)((uint64_t)(a) - (uint64_t)(b)))
#define WMUL(a, b) ((int64_t)((uint64_t)(a) * (uint64_t)(b)))

    CASE(ADDI) { ARITH_II(WADD(x, y), x + y, RB(), val_int(skb_sc(i))); }
    CASE(ADDK) { ARITH_II(WADD(x, y), x + y, RB(), *KC()); }
    CASE(SUBK) { ARITH_II(WSUB(x, y), x - y, RB(), *KC()); }
    CASE(MULK) { ARITH_II(WMUL(x, y), x * y, RB(), *KC()); }
    CASE(MODK) { ARITH_DIVLIKE(int_mod, flt_mod(x, y), RB(), *KC()); }
    CASE(POWK) { ARITH_F(y == 2 ? x * x : pow(x, y), RB(), *KC()); }
    CASE(DIVK) { ARITH_F(x / y, RB(), *KC()); }
    CASE(IDIVK) { ARITH_DIVLIKE(int_floordiv, floor(x / y), RB(), *KC()); }
    CASE(BANDK) { BITWISE(x & y, RB(), *KC()); }
    CASE(BORK) { BITWISE(x | y, RB(), *KC()); }
    CASE(BXORK) { BITWISE(x ^ y, RB(), *KC()); }
    CASE(SHRI) { BITWISE(int_shl(x, WSUB(0, y)), RB(), val_int(skb_sc(i))); }
    CASE(SHLI) { BITWISE(int_shl(y, x), RB(), val_int(skb_sc(i))); }
    CASE(ADD) { ARITH_II(WADD(x, y), x + y, RB(), *RC()); }
    CASE(SUB) { ARITH_II(WSUB(x, y), x - y, RB(), *RC()); }
    CASE(MUL) { ARITH_II(WMUL(x, y), x * y, RB(), *RC()); }
    CASE(MOD) { ARITH_DIVLIKE(int_mod, flt_mod(x, y), RB(), *RC()); }
    CASE(POW) { ARITH_F(y == 2 ? x * x : pow(x, y), RB(), *RC()); }
    CASE(DIV) { ARITH_F(x / y, RB(), *RC()); }
    CASE(IDIV) { ARITH_DIVLIKE(int_floordiv, floor(x / y), RB(), *RC()); }
    CASE(BAND) { BITWISE(x & y, RB(), *RC()); }
    CASE(BOR) { BITWISE(x | y, RB(), *RC()); }
    CASE(BXOR) { BITWISE(x ^ y, RB(), *RC()); }
    CASE(SHL) { BITWISE(int_shl(x, y), RB(), *RC()); }
    CASE(SHR) { BITWISE(int_shl(x, WSUB(0, y)), RB(), *RC()); }

    CASE(MMBIN) {
        skb_ins prev = pc[-2];
        vm_val *ra = RA(), *rb = RB();
        SAVE();
        vm_val r = arith_slow(vm, (int)skb_c(i), *ra, *rb, ra, rb);
        RELOAD();
        base[skb_a(prev)] = r;
        NEXT();
    }
    CASE(MMBINI) {
        skb_ins prev = pc[-2];
        vm_val *ra = RA();
        vm_val imm = val_int(skb_sb(i));
        SAVE();
        vm_val r = skb_k(i) ? arith_slow(vm, (int)skb_c(i), imm, *ra, NULL, ra)
                            : arith_slow(vm, (int)skb_c(i), *ra, imm, ra, NULL);
        RELOAD();
        base[skb_a(prev)] = r;
        NEXT();
    }
    CASE(MMBINK) {
        skb_ins prev = pc[-2];
        vm_val *ra = RA();
        vm_val kv = *KB();
        SAVE();
        vm_val r = skb_k(i) ? arith_slow(vm, (int)skb_c(i), kv, *ra, NULL, ra)
                            : arith_slow(vm, (int)skb_c(i), *ra, kv, ra, NULL);
        RELOAD();
        base[skb_a(prev)] = r;
        NEXT();
    }
    CASE(UNM) {
        vm_val *rb = RB();
        if (rb->tt == VT_INT) { *RA() = val_int(WSUB(0, rb->u.i)); NEXT(); }
        if (rb->tt == VT_FLT) { *RA() = val_flt(-rb->u.n); NEXT(); }
        SAVE();
        vm_val r = arith_slow(vm, TM_UNM, *rb, *rb, rb, rb);
        RELOAD();
        *RA() = r;
        NEXT();
    }
    CASE(BNOT) {
        vm_val *rb = RB();
        if (rb->tt == VT_INT) { *RA() = val_int(~rb->u.i); NEXT(); }
        SAVE();
        vm_val r = arith_slow(vm, TM_BNOT, *rb, *rb, rb, rb);
        RELOAD();
        *RA() = r;
        NEXT();
    }
    CASE(NOT) { *RA() = val_bool(val_falsy(*RB())); NEXT(); }
    CASE(LEN) {
        vm_val *rb = RB();
        if (rb->tt == VT_TAB && VTAB(*rb)->meta == NULL) {
            *RA() = val_int((int64_t)tab_len(VTAB(*rb)));
            NEXT();
        }
        SAVE();
        vm_val r = val_len(vm, rb, *rb);
        RELOAD();
        *RA() = r;
        NEXT();
    }
    CASE(CONCAT) {
        uint32_t a = IDX(RA()), n = skb_b(i);
        SAVE();
        vm->top = a + n;
        concat_values(vm, a, (int)n);
        RELOAD();
        vm->top = ci->top;
        NEXT();
    }
    CASE(CLOSE) {
        uint32_t a = IDX(RA());
        SAVE();
        upval_close(vm, a);
        close_tbc(vm, a, val_nil(), false);
        RELOAD();
        NEXT();
    }
    CASE(TBC) {
        SAVE();
        tbc_add(vm, IDX(RA()));
        RELOAD();
        NEXT();
    }
    CASE(JMP) {
        int sj = skb_sj(i);
        pc += sj;
        NEXT();
    }
    CASE(EQ) {
        vm_val *ra = RA(), *rb = RB();
        bool cond;
        if (ra->tt == VT_INT && rb->tt == VT_INT) cond = ra->u.i == rb->u.i;
        else {
            SAVE();
            cond = val_eq(vm, *ra, *rb);
            RELOAD();
        }
        COND_JUMP(cond);
    }
    CASE(LT) {
        vm_val *ra = RA(), *rb = RB();
        bool cond;
        if (ra->tt == VT_INT && rb->tt == VT_INT) cond = ra->u.i < rb->u.i;
        else {
            SAVE();
            cond = val_lt(vm, *ra, *rb);
            RELOAD();
        }
        COND_JUMP(cond);
    }
    CASE(LE) {
        vm_val *ra = RA(), *rb = RB();
        bool cond;
        if (ra->tt == VT_INT && rb->tt == VT_INT) cond = ra->u.i <= rb->u.i;
        else {
            SAVE();
            cond = val_le(vm, *ra, *rb);
            RELOAD();
        }
        COND_JUMP(cond);
    }
    CASE(EQK) {
        bool cond = val_raweq(*RA(), *KB());
        COND_JUMP(cond);
    }
    CASE(EQI) {
        vm_val *ra = RA();
        int im = skb_sb(i);
        bool cond = ra->tt == VT_INT ? ra->u.i == im : ra->tt == VT_FLT ? ra->u.n == (double)im : false;
        COND_JUMP(cond);
    }
/* Order against an immediate: numbers inline, anything else through val_lt/val_le with the
 * immediate as an integer or (C = 1) a float, swapped for GTI/GEI. */
#define ORDER_I(opi, opf, fn, swap)                                                                \
    do {                                                                                           \
        vm_val *ra = RA();                                                                         \
        int im = skb_sb(i);                                                                        \
        bool cond;                                                                                 \
        if (ra->tt == VT_INT) cond = ra->u.i opi im;                                               \
        else if (ra->tt == VT_FLT) cond = ra->u.n opf (double)im;                                  \
        else {                                                                                     \
            vm_val iv = skb_c(i) ? val_flt((double)im) : val_int(im);                              \
            SAVE();                                                                                \
            cond = swap ? fn(vm, iv, *ra) : fn(vm, *ra, iv);                                       \
            RELOAD();                                                                              \
        }                                                                                          \
        COND_JUMP(cond);                                                                           \
    } while (0)
    CASE(LTI) { ORDER_I(<, <, val_lt, false); }
    CASE(LEI) { ORDER_I(<=, <=, val_le, false); }
    CASE(GTI) { ORDER_I(>, >, val_lt, true); }
    CASE(GEI) { ORDER_I(>=, >=, val_le, true); }
    CASE(TEST) {
        bool cond = !val_falsy(*RA());
        COND_JUMP(cond);
    }
    CASE(TESTSET) {
        vm_val *rb = RB();
        if (val_falsy(*rb) == skb_k(i)) {
            pc++;
        } else {
            *RA() = *rb;
            pc += skb_sj(*pc) + 1;
        }
        NEXT();
    }
    CASE(CALL) {
        uint32_t a = IDX(RA());
        unsigned b = skb_b(i);
        int nresults = (int)skb_c(i) - 1;
        if (b != 0) vm->top = a + b;
        ci->savedpc = pc;
        if (base[skb_a(i)].tt == VT_LCL) {
            precall_lua(vm, a, nresults, VLCL(base[skb_a(i)])->p);
            ci = vm->ci;
            goto newframe;
        }
        if (precall(vm, a, nresults)) {
            ci = vm->ci;
            goto newframe;
        }
        RELOAD();
        if (nresults >= 0) vm->top = ci->top;
        NEXT();
    }
    CASE(TAILCALL) {
        uint32_t a = IDX(RA());
        unsigned b = skb_b(i);
        if (b != 0) vm->top = a + b;
        ci->savedpc = pc;
        if (skb_k(i)) upval_close(vm, IDX(base));
        /* Resolve __call before the frame is reused, so errors name the right variable. */
        while (vm->stack[a].tt != VT_LCL && vm->stack[a].tt != VT_NCL) {
            insert_call_tm(vm, a);
            RELOAD();
        }
        if (vm->stack[a].tt == VT_NCL) {
            precall(vm, a, VM_MULTRET);
            RELOAD();
            NEXT(); /* the RETURN A 0 that always follows a TAILCALL (verify.c) returns them */
        }
        {
            uint32_t func = ci->func;
            if (cl->p->is_vararg) func -= (uint32_t)ci->nextra + cl->p->numparams + 1;
            uint32_t n = vm->top - a;
            for (uint32_t j = 0; j < n; j++) vm->stack[func + j] = vm->stack[a + j];
            vm->top = func + n;
            struct proto *p = VLCL(vm->stack[func])->p;
            stack_reserve(vm, p->maxstack + 1u);
            ci = vm->ci;
            ci->func = func;
            ci->status |= CI_TAIL;
            ci->savedpc = p->code;
            ci->nextra = 0;
            for (uint32_t nargs = n - 1; nargs < p->numparams; nargs++) vm->stack[vm->top++] = val_nil();
            ci->top = func + 1 + p->maxstack;
            if (!p->is_vararg) vm->top = ci->top;
            goto newframe;
        }
    }
    CASE(RETURN) {
        uint32_t a = IDX(RA());
        int n = (int)skb_b(i) - 1;
        if (n < 0) n = (int)(vm->top - a);
        if (skb_k(i)) {
            ci->savedpc = pc;
            vm->top = a + (uint32_t)n;
            upval_close(vm, IDX(base));
            close_tbc(vm, IDX(base), val_nil(), false);
            RELOAD();
            a = vm->top - (uint32_t)n;
        }
        if (cl->p->is_vararg) ci->func -= (uint32_t)ci->nextra + cl->p->numparams + 1;
        vm->top = a + (uint32_t)n;
        bool fresh = ci->status & CI_FRESH;
        int wanted = ci->nresults;
        poscall(vm, ci, (uint32_t)n);
        if (fresh) return;
        ci = vm->ci;
        if (wanted >= 0) vm->top = ci->top;
        goto newframe;
    }
    CASE(RETURN0) {
        if (cl->p->is_vararg) ci->func -= (uint32_t)ci->nextra + cl->p->numparams + 1;
        bool fresh = ci->status & CI_FRESH;
        int wanted = ci->nresults;
        vm->top = IDX(base);
        poscall(vm, ci, 0);
        if (fresh) return;
        ci = vm->ci;
        if (wanted >= 0) vm->top = ci->top;
        goto newframe;
    }
    CASE(RETURN1) {
        vm_val r = *RA();
        if (cl->p->is_vararg) ci->func -= (uint32_t)ci->nextra + cl->p->numparams + 1;
        bool fresh = ci->status & CI_FRESH;
        int wanted = ci->nresults;
        /* poscall for one result, the common case (one wanted) first. Storing it when none is
         * wanted is harmless: the slot is the callee's, above what the caller keeps. */
        uint32_t res = ci->func;
        vm->stack[res] = r;
        uint32_t ntop = res + 1;
        if (__builtin_expect(wanted != 1, 0)) {
            for (int j = 1; j < wanted; j++) vm->stack[res + (uint32_t)j] = val_nil();
            if (wanted >= 0) ntop = res + (uint32_t)wanted;
        }
        vm->ci = ci - 1;
        vm->top = ntop;
        if (fresh) return;
        ci = vm->ci;
        if (wanted >= 0) vm->top = ci->top;
        goto newframe;
    }
    CASE(FORLOOP) {
        /* Whole values are stored (not just payloads): bytecode that jumps here without its
         * FORPREP must not leave a tag that disagrees with its payload. */
        vm_val *ra = RA();
        if (ra[2].tt == VT_INT) {
            uint64_t count = ra[1].tt == VT_INT ? (uint64_t)ra[1].u.i : 0;
            if (count > 0) {
                int64_t idx = WADD(ra[0].tt == VT_INT ? ra[0].u.i : 0, ra[2].u.i);
                ra[1] = val_int((int64_t)(count - 1));
                ra[0] = val_int(idx);
                ra[3] = val_int(idx);
                pc -= skb_bx(i);
            }
        } else if (ra[0].tt == VT_FLT && ra[1].tt == VT_FLT && ra[2].tt == VT_FLT) {
            double step = ra[2].u.n, idx = ra[0].u.n + step, lim = ra[1].u.n;
            if (step > 0 ? idx <= lim : lim <= idx) {
                ra[0] = val_flt(idx);
                ra[3] = val_flt(idx);
                pc -= skb_bx(i);
            }
        }
        NEXT();
    }
    CASE(FORPREP) {
        SAVE();
        if (for_prep(vm, RA())) pc += skb_bx(i) + 1;
        NEXT();
    }
    CASE(TFORPREP) {
        SAVE();
        tbc_add(vm, IDX(RA()) + 3);
        RELOAD();
        pc += skb_bx(i);
        NEXT();
    }
    CASE(TFORCALL) {
        /* The call is made above the frame, then the results are moved into R[A+4..]: the
         * frame need not have room for the three copies Lua places at R[A+4..A+6]. */
        uint32_t a = IDX(RA());
        unsigned nres = skb_c(i);
        SAVE();
        stack_reserve(vm, 3 + nres);
        RELOAD();
        uint32_t f = vm->top;
        vm->stack[f] = base[skb_a(i)];
        vm->stack[f + 1] = base[skb_a(i) + 1];
        vm->stack[f + 2] = base[skb_a(i) + 2];
        vm->top = f + 3;
        vm_call_at(vm, f, (int)nres);
        RELOAD();
        for (unsigned j = 0; j < nres; j++) vm->stack[a + 4 + j] = vm->stack[f + j];
        vm->top = ci->top;
        NEXT();
    }
    CASE(TFORLOOP) {
        vm_val *ra = RA();
        if (ra[4].tt != VT_NIL) {
            ra[2] = ra[4];
            pc -= skb_bx(i);
        }
        NEXT();
    }
    CASE(SETLIST) {
        vm_val *ra = RA();
        uint32_t n = skb_b(i), last = skb_c(i);
        if (n == 0) n = vm->top - IDX(ra) - 1;
        if (skb_k(i)) {
            last += skb_ax(*pc) * (SKB_MAXARG_C + 1);
            pc++;
        }
        ci->savedpc = pc;
        if (ra->tt == VT_TAB) {
            struct vtab *t = VTAB(*ra);
            vm->top = ci->top > IDX(ra) + n + 1 ? ci->top : IDX(ra) + n + 1;
            if ((uint64_t)last + n > t->asize && (uint64_t)last + n <= (1u << 24)) {
                uint32_t nh = t->node ? (uint32_t)(1u << t->lsizenode) : 0;
                tab_resize(vm, t, last + n, nh - nh / 4);
                RELOAD();
                ra = RA();
            }
            for (uint32_t j = 1; j <= n; j++) tab_setint(vm, VTAB(*ra), (int64_t)last + j, ra[j]);
        }
        RELOAD();
        vm->top = ci->top;
        NEXT();
    }
    CASE(CLOSURE) {
        struct proto *p = cl->p->p[skb_bx(i)];
        SAVE();
        struct lclosure *ncl = lcl_new(vm, p);
        RELOAD();
        *RA() = val_obj(ncl);
        for (uint32_t j = 0; j < p->nup; j++) {
            if (p->up[j].instack) {
                struct upval *u = upval_find(vm, IDX(base) + p->up[j].idx);
                RELOAD();
                ncl->up[j] = u;
                gc_barrier_obj(vm, &ncl->h, val_obj(u));
            } else {
                ncl->up[j] = cl->up[p->up[j].idx];
                gc_barrier_obj(vm, &ncl->h, val_obj(ncl->up[j]));
            }
        }
        NEXT();
    }
    CASE(VARARG) {
        int n = ci->nextra;
        int wanted = (int)skb_c(i) - 1;
        uint32_t a = IDX(RA());
        if (wanted < 0) {
            wanted = n;
            SAVE();
            vm->top = a;
            stack_reserve(vm, (uint32_t)n + 1);
            RELOAD();
            vm->top = a + (uint32_t)n;
        }
        uint32_t from = ci->func - (uint32_t)ci->nextra;
        for (int j = 0; j < wanted; j++)
            vm->stack[a + (uint32_t)j] = j < n ? vm->stack[from + (uint32_t)j] : val_nil();
        NEXT();
    }
    CASE(VARARGPREP) {
        struct proto *p = cl->p;
        uint32_t actual = vm->top - ci->func - 1;
        uint32_t nextra = actual - p->numparams;
        ci->nextra = (int)nextra;
        ci->savedpc = pc;
        stack_reserve(vm, p->maxstack + 1u);
        RELOAD();
        uint32_t func = ci->func;
        vm->stack[vm->top++] = vm->stack[func];
        for (uint32_t j = 1; j <= p->numparams; j++) {
            vm->stack[vm->top++] = vm->stack[func + j];
            vm->stack[func + j] = val_nil();
        }
        ci->func += actual + 1;
        ci->top += actual + 1;
        vm->top = ci->top;
        RELOAD();
        NEXT();
    }
    CASE(EXTRAARG) {
        plat_panic("vm: EXTRAARG executed");
    }

#undef OPND
#undef RA
#undef RB
#undef RC
#undef KB
#undef KC
#undef RKC
#undef IDX
#undef SAVE
#undef RELOAD
#undef NEXT
#undef CASE
#undef COND_JUMP
#undef ARITH_II
#undef IS_NUM
#undef AS_FLT
#undef ARITH_F
#undef ARITH_DIVLIKE
#undef BITWISE
#undef WADD
#undef WSUB
#undef WMUL
#undef ORDER_I
}

/* --- resuming a coroutine's interrupted frames --- */

/* The Lua frame on top called a function that has now returned after a yield, its result on
 * top of the stack: completes the instruction that made the call, as its code in interp_run
 * would have after the call (Lua's luaV_finishOp). Only the instructions below can be
 * interrupted: only they call through vm_call_at from a Lua frame. */
static void finish_op(struct vm *vm)
{
    struct callinfo *ci = vm->ci;
    vm_val *base = vm->stack + ci->func + 1;
    skb_ins i = ci->savedpc[-1];
    switch (skb_op(i)) {
    case SKB_OP_MMBIN:
    case SKB_OP_MMBINI:
    case SKB_OP_MMBINK:
        base[skb_a(ci->savedpc[-2])] = vm->stack[--vm->top];
        break;
    case SKB_OP_UNM:
    case SKB_OP_BNOT:
    case SKB_OP_LEN:
    case SKB_OP_GETTABUP:
    case SKB_OP_GETTABLE:
    case SKB_OP_GETI:
    case SKB_OP_GETFIELD:
    case SKB_OP_SELF:
        base[skb_a(i)] = vm->stack[--vm->top];
        break;
    case SKB_OP_EQ:
    case SKB_OP_LT:
    case SKB_OP_LE:
    case SKB_OP_LTI:
    case SKB_OP_LEI:
    case SKB_OP_GTI:
    case SKB_OP_GEI: {
        bool res = !val_falsy(vm->stack[--vm->top]);
        if (ci->status & CI_LEQ) {
            ci->status &= (uint8_t)~CI_LEQ;
            res = !res;
        }
        if (res != skb_k(i)) ci->savedpc++; /* skip the jump, as the instruction does */
        break;
    }
    case SKB_OP_CONCAT: {
        /* The __concat result sits where the call was made, just past the pending values. */
        uint32_t first = ci->func + 1 + skb_a(i), call = vm->top - 1;
        vm->stack[call - 2] = vm->stack[call];
        vm->top = call - 1;
        concat_values(vm, first, (int)(vm->top - first));
        vm->top = ci->top;
        break;
    }
    case SKB_OP_CLOSE:
    case SKB_OP_RETURN:
        /* Run it again: the variables already closed have left the to-be-closed list. */
        ci->savedpc--;
        break;
    case SKB_OP_TFORCALL: {
        uint32_t a = ci->func + 1 + skb_a(i), f = ci->top;
        for (unsigned j = 0; j < skb_c(i); j++) vm->stack[a + 4 + j] = vm->stack[f + j];
        vm->top = ci->top;
        break;
    }
    case SKB_OP_CALL:
        if (skb_c(i) != 0) vm->top = ci->top;
        break;
    default:
        /* TAILCALL (its RETURN follows), SETTABUP, SETTABLE, SETI, SETFIELD: nothing left. */
        break;
    }
}

/* The native frame on top gets control back: its continuation runs (natives that called Lua
 * through vm_call_cont, or yielded with one) or, for a native that yielded without one, the
 * 'nvalues' values passed to the resume are its results. Then the frame returns. */
static void finish_native(struct vm *vm, int nvalues)
{
    struct callinfo *ci = vm->ci;
    int n = nvalues;
    if (ci->k != NULL) {
        /* Cleared first: a vm_call_cont in k is then the frame's outermost (see api.c). */
        vm_cont k = ci->k;
        ci->k = NULL;
        stack_reserve(vm, VM_MINSTACK);
        vm->ci->top = vm->top + VM_MINSTACK;
        n = k(vm, vm->ci->ctx);
    }
    poscall(vm, vm->ci, (uint32_t)n);
}

/* How the running coroutine's top frame stopped, for the first step of its resume. */
enum unroll_start {
    UNROLL_YIELDED,   /* a native yielded: it gets the resume's values */
    UNROLL_PREEMPTED, /* between two instructions, or a native stopped with a continuation */
    UNROLL_RETURNED,  /* a call made by the top frame has returned: finish what made it */
};

/* Runs the frames above cis[stop] to their end, the first as 'how' says. */
static void unroll_to(struct vm *vm, ptrdiff_t stop, enum unroll_start how, int nvalues)
{
    while (vm->ci - vm->cis > stop) {
        if (vm->ci->status & CI_LUA) {
            if (how != UNROLL_PREEMPTED) finish_op(vm);
            vm->c_depth++;
            interp_run(vm);
            vm->c_depth--;
        } else {
            finish_native(vm, how == UNROLL_YIELDED ? nvalues : 0);
        }
        how = UNROLL_RETURNED;
    }
}

struct unroll_job {
    ptrdiff_t stop;
    enum unroll_start how;
    int nvalues;
};

static void unroll_job_run(struct vm *vm, void *ud)
{
    struct unroll_job *job = ud;
    unroll_to(vm, job->stop, job->how, job->nvalues);
}

void interp_unroll(struct vm *vm, int nvalues, bool preempted)
{
    enum unroll_start how = preempted ? UNROLL_PREEMPTED : UNROLL_YIELDED;
    for (;;) {
        /* Frames above the newest pcall run under its protection again (the native that
         * yielded included: its continuation's errors are the pcall's too). */
        ptrdiff_t p = vm->ci - vm->cis;
        while (p > 0 && !(vm->cis[p].status & CI_YPCALL)) p--;
        if (p == 0) {
            unroll_to(vm, 0, how, nvalues);
            return;
        }
        struct callinfo *pci = &vm->cis[p];
        uint32_t callee = pci->func + (uint32_t)pci->ctx;
        uint32_t handler = pci->ctx == 3 ? pci->func + 2 : 0;
        uint32_t tbc_saved = (uint32_t)pci->nextra;
        struct unroll_job job = {p, how, nvalues};
        if (catch_errors(vm, unroll_job_run, &job, handler, false) != VM_DONE) {
            if (vm->running->killed) vm_throw(vm, VM_ERROR);
            pcall_recover(vm, p, callee, tbc_saved);
            vm->ci->status |= CI_PCALL_ERR;
        }
        how = UNROLL_RETURNED;
        finish_native(vm, 0);
    }
}
