/* vm/co.c: coroutines: creating, resuming, yielding and preempting them, the instruction budget,
 * the coroutine library and the embedding calls vm_co_new / vm_resume.
 *
 * A resume is a C call (co_resume) that switches the VM's running state to the coroutine's
 * (core.h, VM_THREAD_STATE) and sets a protected boundary (struct errjmp) whose jmp_buf also
 * receives yields and preemptions: vm_yield and co_budget_expired longjmp straight to it,
 * abandoning the C frames between (nested interp_runs, metamethod calls, natives). Nothing is
 * lost: every frame that was abandoned is a record in the coroutine's frame array, and the next
 * resume runs them again from the top (interp_unroll): a Lua frame completes the instruction
 * that was interrupted (finish_op) and continues; a native frame calls its continuation
 * (vm_call_cont, vm_yield with k). Natives that called Lua without a continuation count as
 * non-yieldable (vm->nny), and a yield there is refused with Lua's message.
 *
 * Preemption is a yield the script does not see: the budget (vm->budget, decremented per
 * instruction by the interpreter) runs out between two instructions of a preemptible coroutine
 * and it stops there. A coroutine preempted while it was resuming another (coroutine.resume
 * inside a budgeted handler) preempts its resumer too, whose coroutine.resume continues the
 * inner resume when the outer one is resumed: the whole chain stops and restarts as one.
 */
#include "vm/core.h"

#include <string.h>

#include "kernel/platform.h"

/* Slots of a new coroutine's stack: a handler waiting in a native (its frame plus the
 * native's VM_MINSTACK) fits, so a suspended one costs under 1 KiB; stacks grow on demand. */
#define CO_STACK_INIT 32
#define CO_CIS_INIT 4
/* Instructions granted past an expired budget where preemption must wait (a non-yieldable
 * call in progress): it is tried again this often. */
#define CO_RETRY_BUDGET 64
/* How far past its budget a coroutine may run where it cannot be preempted (an endless loop in
 * a __tostring that print called) before it is killed: a few milliseconds of work. */
#define CO_OVERRUN_LIMIT 10000000

enum co_end { CO_END_RETURN, CO_END_YIELD, CO_END_ERROR, CO_END_PREEMPT };

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

/* Pushes a new suspended coroutine whose body will be 'fn' (which the caller keeps rooted). */
static struct vco *co_create(struct vm *vm, vm_val fn)
{
    stack_reserve(vm, 1);
    struct vco *co = obj_new(vm, VT_THREAD, sizeof *co);
    vm->stack[vm->top++] = val_obj(co);
    /* The blocks are attached only once both exist: a collection in between sees no stack. */
    vm_val *stack = mem_alloc(vm, CO_STACK_INIT * sizeof(vm_val));
    struct callinfo *cis = mem_alloc_nogc(vm, CO_CIS_INIT * sizeof *cis);
    if (cis == NULL) {
        mem_free(vm, stack, CO_STACK_INIT * sizeof(vm_val));
        mem_error(vm);
    }
    for (uint32_t i = 0; i < CO_STACK_INIT; i++) stack[i] = val_nil();
    stack[1] = fn;
    memset(cis, 0, CO_CIS_INIT * sizeof *cis);
    cis[0].top = 2;
    co->st.stack = stack;
    co->st.stacksize = CO_STACK_INIT;
    co->st.top = 2;
    co->st.cis = cis;
    co->st.ci = cis;
    co->st.ncis = CO_CIS_INIT;
    co->status = CO_SUSPENDED;
    co->ran = true; /* never traversed */
    /* No barrier: a coroutine is never black (gc.c traverses it again if it ran). */
    return co;
}

/* Not yet started: its body waits in slot 1 and no frame exists. */
static bool co_fresh(const struct vco *co)
{
    return co->st.ci == co->st.cis;
}

static void co_switch(struct vm *vm, struct vco *to)
{
    vm->running->st = vm->th;
    vm->th = to->st;
    vm->running = to;
    to->ran = true; /* its stack may change: the collector's atomic phase looks again */
}

/* Makes 'co' the running coroutine, resumed by the one running now, which is returned. */
static struct vco *co_enter(struct vm *vm, struct vco *co)
{
    struct vco *from = vm->running;
    co->resumer = from;
    from->status = CO_NORMAL;
    co->status = CO_RUNNING;
    co_switch(vm, co);
    return from;
}

/* Gives control back from the running coroutine to 'from', which resumed it. */
static void co_leave(struct vm *vm, struct vco *from)
{
    vm->running->resumer = NULL;
    co_switch(vm, from);
    from->status = CO_RUNNING;
}

/* A suspended coroutine gives back what deep calls made its stack and frame array grow to.
 * Blocks are taken without collecting (nothing here may raise): if none fits, it keeps its
 * size. Native frames need no slots while suspended: finish_native reserves before a
 * continuation runs. */
static void co_shrink(struct vm *vm, struct vco *co)
{
    struct thstate *st = &co->st;
    uint32_t used = st->top;
    for (struct callinfo *ci = st->cis; ci <= st->ci; ci++)
        if ((ci->status & CI_LUA) && ci->top > used) used = ci->top;
    uint32_t want = used + 8 > CO_STACK_INIT ? used + 8 : CO_STACK_INIT;
    if (st->stacksize > 2 * want) {
        vm_val *ns = mem_alloc_nogc(vm, want * sizeof(vm_val));
        if (ns != NULL) {
            memcpy(ns, st->stack, want * sizeof(vm_val));
            mem_free(vm, st->stack, st->stacksize * sizeof(vm_val));
            st->stack = ns;
            st->stacksize = want;
            for (struct upval *u = st->open_upvals; u != NULL; u = u->open_next)
                u->v = &ns[u->level];
        }
    }
    uint32_t frames = (uint32_t)(st->ci - st->cis) + 1;
    uint32_t nframes = frames * 2 > CO_CIS_INIT ? frames * 2 : CO_CIS_INIT;
    if (st->ncis > 2 * nframes) {
        struct callinfo *nc = mem_alloc_nogc(vm, nframes * sizeof *nc);
        if (nc != NULL) {
            memcpy(nc, st->cis, frames * sizeof *nc);
            mem_free(vm, st->cis, st->ncis * sizeof *nc);
            st->cis = nc;
            st->ci = nc + frames - 1;
            st->ncis = nframes;
        }
    }
}

/* Runs inside co_resume's boundary, the coroutine switched in: takes the 'nargs' arguments from
 * the resumer's stack, then starts the body or continues where it stopped. */
static void co_run(struct vm *vm, struct vco *from, int nargs, bool fresh, bool preempted)
{
    stack_reserve(vm, (uint32_t)nargs);
    struct thstate *fs = &from->st;
    memcpy(&vm->stack[vm->top], &fs->stack[fs->top - (uint32_t)nargs], (size_t)nargs * sizeof(vm_val));
    vm->top += (uint32_t)nargs;
    fs->top -= (uint32_t)nargs;
    if (fresh)
        call_at(vm, 1, VM_MULTRET, true);
    else
        interp_unroll(vm, nargs, preempted);
}

/* Resumes 'co' (suspended, or preempted as part of the running coroutine's chain) with the
 * 'nargs' values on top of the running stack. On return the resumer runs again and, in place of
 * those values, has the coroutine's results (CO_END_RETURN), the values it yielded
 * (CO_END_YIELD), its error value (CO_END_ERROR) or nothing (CO_END_PREEMPT); *nvalues counts
 * them. 'traceback': build vm->tb when it raises (the embedder's resumes). */
static enum co_end co_resume(struct vm *vm, struct vco *co, int nargs, bool preemptible,
                             bool traceback, int *nvalues)
{
    bool fresh = co_fresh(co), preempted = co->preempted;
    co->preempted = false;
    co->preemptible = preemptible;
    struct vco *from = co_enter(vm, co);

    struct errjmp ej;
    ej.prev = vm->errjmp;
    ej.handler = 0;
    ej.traceback = traceback;
    ej.in_handler = false;
    co->resume_ej = &ej;
    int depth = vm->c_depth;
    vm->errjmp = &ej;
    int how = setjmp(ej.b);
    if (how == 0) co_run(vm, from, nargs, fresh, preempted);
    vm->errjmp = ej.prev;
    vm->c_depth = depth;
    co->resume_ej = NULL;

    enum co_end end;
    uint32_t n;
    switch (how) {
    case 0:
        end = CO_END_RETURN;
        n = vm->top - 1;
        co->status = CO_DEAD;
        break;
    case ERRJMP_YIELD:
        end = CO_END_YIELD;
        n = (uint32_t)co->nyield;
        co->status = CO_SUSPENDED;
        break;
    case ERRJMP_PREEMPT:
        /* Not resumable by others: whoever resumed it continues it (resume_continue). */
        end = CO_END_PREEMPT;
        n = 0;
        co->preempted = true;
        co->status = CO_NORMAL;
        break;
    case ERRJMP_ERROR:
        end = CO_END_ERROR;
        n = 1;
        co->status = CO_DEAD;
        co->failed = true;
        break;
    default:
        plat_panic("vm: resume boundary left by an unknown longjmp");
    }
    uint32_t src = vm->top - n;
    co_leave(vm, from);
    /* The values stay counted in the coroutine's stack until copied: a collection while the
     * resumer's stack grows still sees them. */
    stack_reserve(vm, n);
    memcpy(&vm->stack[vm->top], &co->st.stack[src], n * sizeof(vm_val));
    vm->top += n;
    if (end == CO_END_YIELD) {
        co->st.top = src;
        co_shrink(vm, co);
    } else if (end == CO_END_RETURN) {
        co->st.top = 1;
        co_shrink(vm, co);
    }
    *nvalues = (int)n;
    return end;
}

_Noreturn void vm_yield(struct vm *vm, int nresults, uint32_t reason, int64_t arg, intptr_t ctx,
                        vm_cont k)
{
    struct vco *co = vm->running;
    /* Raised as lua5.4 does, without a position: the frame raising is the native's. */
    if (co == vm->main_co || vm->nny > 0) {
        vm_push_cstr(vm, co == vm->main_co ? "attempt to yield from outside a coroutine"
                                           : "attempt to yield across a C-call boundary");
        vm_error_raise(vm);
    }
    vm->ci->k = k;
    vm->ci->ctx = ctx;
    co->wait_reason = reason;
    co->wait_arg = arg;
    co->nyield = nresults;
    longjmp(co->resume_ej->b, ERRJMP_YIELD);
}

bool vm_is_yieldable(struct vm *vm)
{
    return vm->running != vm->main_co && vm->nny == 0;
}

/* Stops the running coroutine, which is in a native (its frame on top), as preempted: when
 * resumed, k(vm, ctx) continues the native. */
static _Noreturn void co_preempt_native(struct vm *vm, vm_cont k, intptr_t ctx)
{
    vm->ci->k = k;
    vm->ci->ctx = ctx;
    longjmp(vm->running->resume_ej->b, ERRJMP_PREEMPT);
}

void co_budget_expired(struct vm *vm, bool at_instruction)
{
    if (vm->budget_raises) {
        vm->budget = 0; /* the next instruction raises again */
        vm_rt_error(vm, "instruction limit reached");
    }
    if (!vm->budgeted) {
        vm->budget = INT64_MAX;
        return;
    }
    struct vco *co = vm->running;
    if (co->preemptible && at_instruction && vm->nny == 0) {
        vm->budget++; /* the instruction whose count ran out has not run */
        longjmp(co->resume_ej->b, ERRJMP_PREEMPT);
    }
    if (vm->budget_granted >= CO_OVERRUN_LIMIT || co->killed) {
        /* An error that every pcall inside passes on (interp.c): the coroutine dies with it. */
        co->killed = true;
        vm->budget = 0;
        vm_rt_error(vm, "instruction budget exceeded where the coroutine cannot be preempted");
    }
    /* Counted so that vm_resume's 'executed' stays exact: budget_granted - budget moves by the
     * work done only. */
    vm->budget_granted += CO_RETRY_BUDGET - vm->budget;
    vm->budget = CO_RETRY_BUDGET;
}

/* --- closing --- */

/* Closes a suspended or dead coroutine (coroutine.close, and wrap after an error): its pending
 * to-be-closed variables run in its own context, each with the error it died of (or nil), and
 * it is dead with an empty stack. Returns true, or false with the error value pushed (the
 * one it died of, or one a __close raised). */
struct close_job {
    vm_val err;
    bool failed;
};

static void close_job_run(struct vm *vm, void *ud)
{
    struct close_job *job = ud;
    if (interp_close_all(vm, &job->err)) job->failed = true;
}

static bool co_close(struct vm *vm, struct vco *co)
{
    struct close_job job = {co->failed ? co->st.stack[co->st.top - 1] : val_nil(), co->failed};
    struct vco *from = co_enter(vm, co);
    vm->nny++; /* no yields from a __close run here */
    if (protected_run(vm, close_job_run, &job) != VM_DONE) {
        /* No room to run the rest (memory, stack): that error is the outcome. */
        job.err = vm->stack[vm->top - 1];
        job.failed = true;
    }
    vm->nny--;
    vm->ci = vm->cis;
    vm->top = 1;
    vm->tbc_top = 0;
    upval_close(vm, 0);
    co_leave(vm, from);
    co->status = CO_DEAD;
    co->failed = false;
    co->preempted = false;
    co_shrink(vm, co);
    if (job.failed) push(vm, job.err);
    return !job.failed;
}

/* --- the coroutine library --- */

static struct vco *check_co(struct vm *vm, int arg)
{
    if (vm_type(vm, arg) != VM_TTHREAD) vm_type_error(vm, arg, "thread");
    return VCO(vm->stack[vm->ci->func + (uint32_t)arg]);
}

/* Why 'co' cannot be resumed now, or NULL. */
static const char *resume_refusal(struct vm *vm, const struct vco *co)
{
    if (co->status == CO_DEAD) return "cannot resume dead coroutine";
    /* A preempted coroutine is, as its script sees it, still running. */
    if (co->status != CO_SUSPENDED || co->preempted) return "cannot resume non-suspended coroutine";
    if (vm->c_depth >= VM_MAXCCALLS - 10) return "C stack overflow";
    return NULL;
}

static int resume_continue(struct vm *vm, intptr_t wrap);

/* What coroutine.resume (wrap: the function coroutine.wrap made) returns for how the resume of
 * 'co' ended, its 'n' values on top. */
static int resume_result(struct vm *vm, struct vco *co, enum co_end end, int n, bool wrap)
{
    if (end == CO_END_PREEMPT) co_preempt_native(vm, resume_continue, wrap);
    if (end == CO_END_ERROR) {
        if (wrap) {
            /* lua5.4 closes the coroutine first; an error in a __close replaces the value. */
            vm_stack_pop(vm, 1);
            co_close(vm, co);
            vm_error_raise_at(vm, 1); /* with its caller's position, as lua5.4's wrap does */
        }
        vm_push_bool(vm, false);
        vm_stack_insert(vm, -2);
        return 2;
    }
    if (wrap) return n;
    vm_push_bool(vm, true);
    vm_stack_insert(vm, vm_stack_top(vm) - n);
    return n + 1;
}

static struct vco *wrapped_co(struct vm *vm)
{
    return VCO(VNCL(vm->stack[vm->ci->func])->up[0]);
}

/* The continuation of a coroutine.resume whose coroutine was preempted (and this one with it):
 * continues that resume. */
static int resume_continue(struct vm *vm, intptr_t wrap)
{
    struct vco *co = wrap ? wrapped_co(vm) : check_co(vm, 1);
    int n;
    enum co_end end = co_resume(vm, co, 0, true, false, &n);
    return resume_result(vm, co, end, n, wrap);
}

static int resume_start(struct vm *vm, struct vco *co, int nargs, bool wrap)
{
    const char *refusal = resume_refusal(vm, co);
    if (refusal != NULL) {
        if (wrap) vm_error(vm, "%s", refusal);
        vm_push_bool(vm, false);
        vm_push_cstr(vm, refusal);
        return 2;
    }
    bool preemptible = vm->running->preemptible && vm->nny == 0;
    int n;
    enum co_end end = co_resume(vm, co, nargs, preemptible, false, &n);
    return resume_result(vm, co, end, n, wrap);
}

static int co_lib_create(struct vm *vm)
{
    vm_check_type(vm, 1, VM_TFUNCTION);
    co_create(vm, vm->stack[vm->ci->func + 1]);
    return 1;
}

static int co_lib_resume(struct vm *vm)
{
    struct vco *co = check_co(vm, 1);
    return resume_start(vm, co, vm_stack_top(vm) - 1, false);
}

static int co_lib_wrapped(struct vm *vm)
{
    return resume_start(vm, wrapped_co(vm), vm_stack_top(vm), true);
}

static int co_lib_wrap(struct vm *vm)
{
    vm_check_type(vm, 1, VM_TFUNCTION);
    co_create(vm, vm->stack[vm->ci->func + 1]);
    vm_push_native(vm, co_lib_wrapped, "wrap", 1);
    return 1;
}

static int co_lib_yield(struct vm *vm)
{
    vm_yield(vm, vm_stack_top(vm), 0, 0, 0, NULL);
}

static int co_lib_status(struct vm *vm)
{
    static const char *const names[] = {"suspended", "running", "normal", "dead"};
    struct vco *co = check_co(vm, 1);
    vm_push_cstr(vm, names[co->status]);
    return 1;
}

static int co_lib_running(struct vm *vm)
{
    push(vm, val_obj(vm->running));
    vm_push_bool(vm, vm->running == vm->main_co);
    return 2;
}

static int co_lib_isyieldable(struct vm *vm)
{
    if (vm_stack_top(vm) == 0) {
        vm_push_bool(vm, vm_is_yieldable(vm));
        return 1;
    }
    struct vco *co = check_co(vm, 1);
    vm_push_bool(vm, co == vm->running ? vm_is_yieldable(vm) : co != vm->main_co);
    return 1;
}

static int co_lib_close(struct vm *vm)
{
    struct vco *co = check_co(vm, 1);
    if (co->status == CO_RUNNING) vm_error(vm, "cannot close a running coroutine");
    if (co->status == CO_NORMAL) vm_error(vm, "cannot close a normal coroutine");
    if (co_close(vm, co)) {
        vm_push_bool(vm, true);
        return 1;
    }
    vm_push_bool(vm, false);
    vm_stack_insert(vm, -2);
    return 2;
}

static const struct vm_lib_fn co_fns[] = {
    {"create", co_lib_create},
    {"resume", co_lib_resume},
    {"yield", co_lib_yield},
    {"status", co_lib_status},
    {"wrap", co_lib_wrap},
    {"isyieldable", co_lib_isyieldable},
    {"running", co_lib_running},
    {"close", co_lib_close},
    {NULL, NULL},
};

void vm_lib_coroutine_open(struct vm *vm)
{
    vm_lib_register(vm, "coroutine", co_fns);
    vm_stack_pop(vm, 1);
}

/* --- the embedding calls --- */

struct new_job {
    struct vco *co;
};

static void new_job_run(struct vm *vm, void *ud)
{
    struct new_job *job = ud;
    vm_val fn = vm->stack[vm->top - 1];
    if (fn.tt != VT_LCL && fn.tt != VT_NCL) vm_rt_error(vm, "coroutine body is not a function");
    job->co = co_create(vm, fn);
    /* The registry roots it for the embedder until vm_co_release. */
    tab_set(vm, VTAB(vm->registry), val_obj(job->co), val_bool(true));
}

struct vm_co *vm_co_new(struct vm *vm)
{
    struct new_job job = {NULL};
    enum vm_outcome r = protected_run(vm, new_job_run, &job);
    vm->top -= 2; /* the function, and the coroutine or the error value */
    return r == VM_DONE ? (struct vm_co *)job.co : NULL;
}

void vm_co_release(struct vm *vm, struct vm_co *h)
{
    struct vco *co = (struct vco *)h;
    tab_set(vm, VTAB(vm->registry), val_obj(co), val_nil());
}

enum vm_co_status vm_co_status(struct vm *vm, struct vm_co *h)
{
    (void)vm;
    struct vco *co = (struct vco *)h;
    if (co->status == CO_DEAD) return VM_CO_DEAD;
    return co->preempted ? VM_CO_PREEMPTED : VM_CO_SUSPENDED;
}

size_t vm_co_memory(struct vm *vm, struct vm_co *h)
{
    (void)vm;
    const struct vco *co = (const struct vco *)h;
    return sizeof *co + co->st.stacksize * sizeof(vm_val) + co->st.ncis * sizeof(struct callinfo) +
           co->st.tbc_cap * sizeof(uint32_t);
}

struct resume_job {
    struct vco *co;
    int nargs;
    bool budgeted;
    enum co_end end;
    int nvalues;
};

static void resume_job_run(struct vm *vm, void *ud)
{
    struct resume_job *job = ud;
    job->end = co_resume(vm, job->co, job->nargs, job->budgeted, true, &job->nvalues);
}

enum vm_outcome vm_resume(struct vm *vm, struct vm_co *h, int nargs, uint64_t budget,
                          struct vm_resume_info *info)
{
    struct vco *co = (struct vco *)h;
    memset(info, 0, sizeof *info);
    if (vm->running != vm->main_co || vm->ci != vm->cis)
        plat_panic("vm: vm_resume called from inside the VM");
    const char *refusal = co->preempted ? NULL : resume_refusal(vm, co);
    if (refusal != NULL || co->preempted) vm->top -= (uint32_t)nargs; /* see vm.h */
    if (refusal != NULL) {
        vm_push_cstr(vm, refusal);
        info->nvalues = 1;
        return VM_ERROR;
    }
    if (co->preempted) nargs = 0;
    vm->tb_len = 0;
    vm->tb[0] = '\0';
    int64_t start = budget == 0 || budget > INT64_MAX ? INT64_MAX : (int64_t)budget;
    vm->budget = start;
    vm->budget_granted = 0;
    vm->budgeted = budget != 0;
    struct resume_job job = {co, nargs, budget != 0, CO_END_ERROR, 0};
    enum vm_outcome r = protected_run(vm, resume_job_run, &job);
    info->executed = (uint64_t)(start + vm->budget_granted - vm->budget);
    vm->budget = INT64_MAX;
    vm->budgeted = false;
    if (r != VM_DONE) {
        /* The resume itself failed (no room on the embedder's stack for the values). */
        info->nvalues = 1;
        return VM_ERROR;
    }
    info->nvalues = job.nvalues;
    switch (job.end) {
    case CO_END_RETURN:
        return VM_DONE;
    case CO_END_YIELD:
        info->wait_reason = co->wait_reason;
        info->wait_arg = co->wait_arg;
        return VM_YIELD;
    case CO_END_PREEMPT:
        co->status = CO_SUSPENDED;
        return VM_PREEMPTED;
    default:
        return VM_ERROR;
    }
}
