/* vm/api.c: vm.h's functions: creating a VM, loading and running, and the native-function API
 * over the running native's stack window. */
#include "vm/vm.h"

#include <stdio.h>
#include <string.h>

#include "vm/core.h"

/* Initial sizes: the stack and frame array grow on demand (stack_grow, ci_push). */
#define STACK_INIT 256
#define CIS_INIT 32

static const char *const tm_names[TM_N] = {
#define SKB_X_EVENT(name, str) str,
    SKB_EVENTS(SKB_X_EVENT)
#undef SKB_X_EVENT
};

struct vm *vm_init(void *mem, size_t heap_bytes, vm_write_fn write, void *write_ctx)
{
    if (heap_bytes < VM_HEAP_MIN) return NULL;
    size_t used;
    struct heap *h = heap_init(mem, heap_bytes, &used);
    struct vm tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.heap = h;
    struct vm *vm = mem_alloc_nogc(&tmp, sizeof *vm);
    if (vm == NULL) return NULL;
    memcpy(vm, &tmp, sizeof *vm);
    vm->write = write;
    vm->write_ctx = write_ctx;
    vm->gc_stopped = true; /* nothing is rooted yet */
    vm->stack = mem_alloc_nogc(vm, STACK_INIT * sizeof(vm_val));
    vm->cis = mem_alloc_nogc(vm, CIS_INIT * sizeof(struct callinfo));
    if (vm->stack == NULL || vm->cis == NULL) return NULL;
    vm->stacksize = STACK_INIT;
    for (uint32_t i = 0; i < STACK_INIT; i++) vm->stack[i] = val_nil();
    vm->ncis = CIS_INIT;
    memset(vm->cis, 0, CIS_INIT * sizeof(struct callinfo));
    /* Frame 0 stands for the embedder (a native frame with no function): its window is the
     * whole stack from slot 1. */
    vm->ci = vm->cis;
    vm->ci->func = 0;
    vm->ci->top = 1 + VM_MINSTACK;
    vm->top = 1;
    str_table_init(vm);
    if (vm->strt == NULL) return NULL;
    co_main_init(vm);
    vm->memerr = str_newc(vm, "not enough memory");
    for (int i = 0; i < TM_N; i++) vm->tmname[i] = str_newc(vm, tm_names[i]);
    vm->globals = val_obj(tab_new(vm, 0, 64));
    vm->registry = val_obj(tab_new(vm, 0, 4));
    gc_init(vm, heap_bytes);
    return vm;
}

void vm_fini(struct vm *vm)
{
    /* Everything lives in the embedder's memory: forgetting it is enough. */
    vm->heap = NULL;
}

void vm_step_limit_set(struct vm *vm, uint64_t steps)
{
    vm->budget_raises = steps != 0;
    vm->budget = steps != 0 && steps < INT64_MAX ? (int64_t)steps : INT64_MAX;
}

void vm_write(struct vm *vm, const char *s, size_t len)
{
    if (vm->write != NULL) vm->write(vm->write_ctx, s, len);
}

/* --- index resolution --- */

static inline vm_val *slot(struct vm *vm, int idx)
{
    if (idx > 0) {
        uint32_t i = vm->ci->func + (uint32_t)idx;
        if (i >= vm->top) return NULL;
        return &vm->stack[i];
    }
    return &vm->stack[vm->top + (uint32_t)idx];
}

static inline vm_val get(struct vm *vm, int idx)
{
    vm_val *p = slot(vm, idx);
    return p ? *p : val_nil();
}

static uint32_t abs_index(struct vm *vm, int idx)
{
    return idx > 0 ? vm->ci->func + (uint32_t)idx : vm->top + (uint32_t)idx;
}

/* --- stack --- */

int vm_stack_top(struct vm *vm)
{
    return (int)(vm->top - vm->ci->func - 1);
}

void vm_stack_set_top(struct vm *vm, int idx)
{
    uint32_t nt = idx >= 0 ? vm->ci->func + 1 + (uint32_t)idx : vm->top + (uint32_t)idx + 1;
    if (nt > vm->top) stack_reserve(vm, nt - vm->top);
    while (vm->top < nt) vm->stack[vm->top++] = val_nil();
    vm->top = nt;
}

void vm_stack_pop(struct vm *vm, int n)
{
    vm->top -= (uint32_t)n;
}

void vm_stack_copy(struct vm *vm, int idx)
{
    push(vm, get(vm, idx));
}

void vm_stack_insert(struct vm *vm, int idx)
{
    uint32_t a = abs_index(vm, idx);
    vm_val v = vm->stack[vm->top - 1];
    memmove(&vm->stack[a + 1], &vm->stack[a], (vm->top - 1 - a) * sizeof(vm_val));
    vm->stack[a] = v;
}

void vm_stack_replace(struct vm *vm, int idx)
{
    uint32_t a = abs_index(vm, idx);
    vm->stack[a] = vm->stack[vm->top - 1];
    vm->top--;
}

bool vm_stack_grow(struct vm *vm, int n)
{
    if (n < 0 || (uint64_t)vm->top + (uint64_t)n > 1000000 - 100) return false;
    stack_reserve(vm, (uint32_t)n);
    if (vm->ci->top < vm->top + (uint32_t)n) vm->ci->top = vm->top + (uint32_t)n;
    return true;
}

/* --- types --- */

static inline enum vm_type type_of(const vm_val *p)
{
    switch (p->tt) {
    case VT_NIL: return VM_TNIL;
    case VT_BOOL: return VM_TBOOLEAN;
    case VT_INT:
    case VT_FLT: return VM_TNUMBER;
    case VT_STR: return VM_TSTRING;
    case VT_TAB: return VM_TTABLE;
    case VT_THREAD: return VM_TTHREAD;
    default: return VM_TFUNCTION;
    }
}

enum vm_type vm_type(struct vm *vm, int idx)
{
    vm_val *p = slot(vm, idx);
    return p == NULL ? VM_TNONE : type_of(p);
}

const char *vm_type_name(enum vm_type t)
{
    static const char *const names[] = {"nil",   "boolean",  "number", "string",
                                        "table", "function", "thread"};
    if (t == VM_TNONE) return "no value";
    return names[t];
}

bool vm_is_int(struct vm *vm, int idx)
{
    return get(vm, idx).tt == VT_INT;
}

bool vm_to_bool(struct vm *vm, int idx)
{
    return !val_falsy(get(vm, idx));
}

bool vm_to_int(struct vm *vm, int idx, int64_t *out)
{
    vm_val v = get(vm, idx), n;
    if (v.tt == VT_STR && str_to_num(VSTR(v)->data, VSTR(v)->len, &n)) v = n;
    if (val_to_int_exact(v, out)) return true;
    *out = 0;
    return false;
}

bool vm_to_num(struct vm *vm, int idx, double *out)
{
    if (val_tonum(get(vm, idx), out)) return true;
    *out = 0;
    return false;
}

const char *vm_to_str(struct vm *vm, int idx, size_t *len)
{
    vm_val *p = slot(vm, idx);
    if (p == NULL || !val_tostr_inplace(vm, p)) {
        if (len) *len = 0;
        return NULL;
    }
    p = slot(vm, idx); /* the conversion may have moved nothing, but re-read to be safe */
    if (len) *len = VSTR(*p)->len;
    return VSTR(*p)->data;
}

const char *vm_push_tostring(struct vm *vm, int idx, size_t *len)
{
    vm_val v = get(vm, idx);
    struct vtab *mt = val_meta(vm, v);
    if (mt != NULL && v.tt != VT_STR) {
        const vm_val *ts = tab_getstr(mt, str_newc(vm, "__tostring"));
        if (tab_hit(ts)) {
            vm_val r = call_tm(vm, *ts, get(vm, idx), val_nil(), 1);
            push(vm, r);
            if (!val_tostr_inplace(vm, &vm->stack[vm->top - 1]))
                vm_error(vm, "'__tostring' must return a string");
            r = vm->stack[vm->top - 1];
            if (len) *len = VSTR(r)->len;
            return VSTR(r)->data;
        }
    }
    switch (v.tt) {
    case VT_INT:
    case VT_FLT:
    case VT_STR:
        push(vm, v);
        return vm_to_str(vm, -1, len);
    case VT_NIL:
        return vm_push_str(vm, "nil", 3), (len ? *len = 3 : 0), VSTR(vm->stack[vm->top - 1])->data;
    case VT_BOOL:
        if (len) *len = v.u.b ? 4 : 5;
        return vm_push_cstr(vm, v.u.b ? "true" : "false");
    default: {
        const char *kind = val_typename(vm, v);
        const char *s = vm_push_fstr(vm, "%s: %p", kind, (void *)v.u.gc);
        if (len) *len = strlen(s);
        return s;
    }
    }
}

bool vm_push_str_number(struct vm *vm, const char *s, size_t len)
{
    vm_val v;
    if (!str_to_num(s, len, &v)) return false;
    push(vm, v);
    return true;
}

/* --- pushing --- */

void vm_push_nil(struct vm *vm) { push(vm, val_nil()); }
void vm_push_bool(struct vm *vm, bool b) { push(vm, val_bool(b)); }
void vm_push_int(struct vm *vm, int64_t i) { push(vm, val_int(i)); }
void vm_push_num(struct vm *vm, double n) { push(vm, val_flt(n)); }

const char *vm_push_str(struct vm *vm, const char *s, size_t len)
{
    stack_reserve(vm, 1);
    struct vstr *o = str_new(vm, s, len);
    vm->stack[vm->top++] = val_obj(o);
    return o->data;
}

const char *vm_push_cstr(struct vm *vm, const char *s)
{
    return vm_push_str(vm, s, strlen(s));
}

const char *vm_push_vfstr(struct vm *vm, const char *fmt, va_list ap)
{
    char small[256];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap2);
    va_end(ap2);
    if (n < 0) n = 0;
    if ((size_t)n < sizeof small) return vm_push_str(vm, small, (size_t)n);
    stack_reserve(vm, 1);
    struct vstr *o = str_build_begin(vm, (size_t)n);
    vsnprintf(o->data, (size_t)n + 1, fmt, ap);
    vm->stack[vm->top++] = val_obj(o);
    return o->data;
}

const char *vm_push_fstr(struct vm *vm, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *s = vm_push_vfstr(vm, fmt, ap);
    va_end(ap);
    return s;
}

void vm_push_table(struct vm *vm, int narr, int nhash)
{
    stack_reserve(vm, 1);
    struct vtab *t = tab_new(vm, narr > 0 ? (uint32_t)narr : 0, nhash > 0 ? (uint32_t)nhash : 0);
    vm->stack[vm->top++] = val_obj(t);
}

void vm_push_globals(struct vm *vm)
{
    push(vm, vm->globals);
}

void vm_push_native(struct vm *vm, vm_native fn, const char *name, int nup)
{
    stack_reserve(vm, 1);
    struct nclosure *c = ncl_new(vm, fn, name, nup);
    for (int i = 0; i < nup; i++) c->up[i] = vm->stack[vm->top - (uint32_t)nup + (uint32_t)i];
    vm->top -= (uint32_t)nup;
    vm->stack[vm->top++] = val_obj(c);
}

void vm_upvalue_push(struct vm *vm, int i)
{
    push(vm, VNCL(vm->stack[vm->ci->func])->up[i - 1]);
}

void vm_upvalue_set(struct vm *vm, int i)
{
    struct nclosure *c = VNCL(vm->stack[vm->ci->func]);
    c->up[i - 1] = vm->stack[--vm->top];
    gc_barrier_obj(vm, &c->h, c->up[i - 1]);
}

/* --- tables --- */

static enum vm_type push_result(struct vm *vm, vm_val v)
{
    push(vm, v);
    return type_of(&vm->stack[vm->top - 1]);
}

/* The budget also counts integer-keyed table accesses by natives, so that a library loop over
 * a huge range (table.move(t, 1, 2^40, 2)) is charged for its work and, under an instruction
 * limit, ends too. */
static inline void api_step(struct vm *vm)
{
    co_budget_charge(vm, 1);
}

static struct vtab *check_tab(struct vm *vm, int t)
{
    vm_val v = get(vm, t);
    if (v.tt != VT_TAB) vm_error(vm, "table expected");
    return VTAB(v);
}

enum vm_type vm_tab_get(struct vm *vm, int t)
{
    vm_val r = val_get(vm, NULL, get(vm, t), vm->stack[vm->top - 1]);
    vm->stack[vm->top - 1] = r;
    return vm_type(vm, -1);
}

void vm_tab_set(struct vm *vm, int t)
{
    val_set(vm, NULL, get(vm, t), vm->stack[vm->top - 2], vm->stack[vm->top - 1]);
    vm->top -= 2;
}

enum vm_type vm_tab_rawget(struct vm *vm, int t)
{
    vm->stack[vm->top - 1] = *tab_get(check_tab(vm, t), vm->stack[vm->top - 1]);
    return vm_type(vm, -1);
}

void vm_tab_rawset(struct vm *vm, int t)
{
    tab_set(vm, check_tab(vm, t), vm->stack[vm->top - 2], vm->stack[vm->top - 1]);
    vm->top -= 2;
}

/* vm_tab_geti past the array part: the hash part, then metamethods. Kept out of line so the
 * fast path needs no saved registers (a third of its instructions when inlined). */
__attribute__((noinline)) static enum vm_type tab_geti_slow(struct vm *vm, int t, int64_t n)
{
    vm_val tv = get(vm, t);
    if (tv.tt == VT_TAB) {
        const vm_val *v = tab_getint(VTAB(tv), n);
        if (tab_hit(v) || VTAB(tv)->meta == NULL) return push_result(vm, *v);
    }
    return push_result(vm, val_get(vm, NULL, tv, val_int(n)));
}

enum vm_type vm_tab_geti(struct vm *vm, int t, int64_t n)
{
    api_step(vm);
    /* A present array slot inline, with no call: library loops (sort, insert) live here. */
    const vm_val *p = slot(vm, t);
    if (p != NULL && p->tt == VT_TAB && vm->top < vm->stacksize) {
        struct vtab *h = VTAB(*p);
        if ((uint64_t)n - 1 < h->asize && h->arr[n - 1].tt != VT_NIL) {
            vm->stack[vm->top] = h->arr[n - 1];
            return type_of(&vm->stack[vm->top++]);
        }
    }
    return tab_geti_slow(vm, t, n);
}

/* vm_tab_seti past the array part or with a metatable; out of line as tab_geti_slow. */
__attribute__((noinline)) static void tab_seti_slow(struct vm *vm, vm_val tv, int64_t n)
{
    vm_val v = vm->stack[vm->top - 1];
    if (tv.tt == VT_TAB && VTAB(tv)->meta == NULL) tab_setint(vm, VTAB(tv), n, v);
    else val_set(vm, NULL, tv, val_int(n), v);
}

void vm_tab_seti(struct vm *vm, int t, int64_t n)
{
    api_step(vm);
    vm_val tv = get(vm, t);
    if (tv.tt == VT_TAB && VTAB(tv)->meta == NULL && (uint64_t)n - 1 < VTAB(tv)->asize)
        tab_arr_store(vm, VTAB(tv), (uint32_t)(n - 1), vm->stack[vm->top - 1]);
    else
        tab_seti_slow(vm, tv, n);
    vm->top--;
}

bool api_arr_move(struct vm *vm, int t, int64_t from, int64_t to, int64_t n)
{
    vm_val tv = get(vm, t);
    if (tv.tt != VT_TAB || VTAB(tv)->meta != NULL || n <= 0) return false;
    struct vtab *h = VTAB(tv);
    uint64_t a = h->asize, last = (uint64_t)(from > to ? from : to);
    if ((uint64_t)from - 1 >= a || (uint64_t)to - 1 >= a || (uint64_t)n > a - last + 1)
        return false;
    /* Under an instruction limit the pair-by-pair path raises at the exact pair. */
    if (vm->budget_raises && vm->budget <= 2 * n) return false;
    co_budget_charge(vm, 2 * n);
    memmove(&h->arr[to - 1], &h->arr[from - 1], (size_t)n * sizeof(vm_val));
    gc_barrier_tab(vm, h, val_obj(h)); /* values moved within t: t need only be traversed again */
    return true;
}

enum vm_type vm_tab_rawgeti(struct vm *vm, int t, int64_t n)
{
    api_step(vm);
    return push_result(vm, *tab_getint(check_tab(vm, t), n));
}

void vm_tab_rawseti(struct vm *vm, int t, int64_t n)
{
    api_step(vm);
    tab_setint(vm, check_tab(vm, t), n, vm->stack[vm->top - 1]);
    vm->top--;
}

enum vm_type vm_tab_getfield(struct vm *vm, int t, const char *k)
{
    uint32_t a = abs_index(vm, t);
    vm_push_cstr(vm, k);
    vm->stack[vm->top - 1] = val_get(vm, NULL, vm->stack[a], vm->stack[vm->top - 1]);
    return vm_type(vm, -1);
}

void vm_tab_setfield(struct vm *vm, int t, const char *k)
{
    uint32_t a = abs_index(vm, t);
    vm_push_cstr(vm, k);
    val_set(vm, NULL, vm->stack[a], vm->stack[vm->top - 1], vm->stack[vm->top - 2]);
    vm->top -= 2;
}

bool vm_tab_next(struct vm *vm, int t)
{
    struct vtab *h = check_tab(vm, t);
    vm_val key = vm->stack[vm->top - 1], val;
    int r = tab_next(vm, h, &key, &val);
    if (r < 0) vm_error(vm, "invalid key to 'next'");
    if (r == 0) {
        vm->top--;
        return false;
    }
    vm->stack[vm->top - 1] = key;
    push(vm, val);
    return true;
}

uint64_t vm_rawlen(struct vm *vm, int idx)
{
    vm_val v = get(vm, idx);
    if (v.tt == VT_TAB) return tab_len(VTAB(v));
    if (v.tt == VT_STR) return VSTR(v)->len;
    return 0;
}

int64_t vm_len(struct vm *vm, int idx)
{
    vm_val r = val_len(vm, NULL, get(vm, idx));
    int64_t n;
    if (r.tt != VT_INT) {
        if (!val_to_int_exact(r, &n)) vm_error(vm, "object length is not an integer");
        return n;
    }
    return r.u.i;
}

/* --- metatables --- */

bool vm_meta_get(struct vm *vm, int idx)
{
    struct vtab *mt = val_meta(vm, get(vm, idx));
    if (mt == NULL) return false;
    push(vm, val_obj(mt));
    return true;
}

void vm_meta_set(struct vm *vm, int idx)
{
    vm_val t = get(vm, idx), m = vm->stack[vm->top - 1];
    if (t.tt == VT_TAB) {
        VTAB(t)->meta = m.tt == VT_TAB ? VTAB(m) : NULL;
        if (m.tt == VT_TAB) gc_barrier_obj(vm, t.u.gc, m);
    }
    vm->top--;
}

enum vm_type vm_meta_field(struct vm *vm, int idx, const char *name)
{
    struct vtab *mt = val_meta(vm, get(vm, idx));
    if (mt == NULL) return VM_TNIL;
    stack_reserve(vm, 1);
    struct vstr *k = str_newc(vm, name);
    const vm_val *v = tab_getstr(mt, k);
    if (!tab_hit(v)) return VM_TNIL;
    return push_result(vm, *v);
}

void vm_string_meta_set(struct vm *vm, int idx)
{
    vm_val lib = get(vm, idx);
    stack_reserve(vm, 2);
    struct vtab *mt = tab_new(vm, 0, 2);
    vm->stack[vm->top++] = val_obj(mt);
    tab_set(vm, mt, val_obj(vm->tmname[TM_INDEX]), lib);
    vm->strmeta = mt;
    vm->top--;
}

/* --- comparisons --- */

bool vm_raw_equal(struct vm *vm, int a, int b)
{
    vm_val *pa = slot(vm, a), *pb = slot(vm, b);
    if (pa == NULL || pb == NULL) return false;
    return val_raweq(*pa, *pb);
}

bool vm_equal(struct vm *vm, int a, int b)
{
    vm_val *pa = slot(vm, a), *pb = slot(vm, b);
    if (pa == NULL || pb == NULL) return false;
    return val_eq(vm, *pa, *pb);
}

bool vm_less(struct vm *vm, int a, int b)
{
    return val_lt(vm, get(vm, a), get(vm, b));
}

/* --- calls --- */

void vm_call(struct vm *vm, int nargs, int nresults)
{
    uint32_t func = vm->top - (uint32_t)nargs - 1;
    if (nresults > 0) stack_reserve(vm, (uint32_t)nresults);
    vm_call_at(vm, func, nresults);
}

/* What a vm_call_cont nested in a continuation returns to the vm_call_cont loop below it: run
 * the continuation now in ci->k. Never a result count (those are >= 0). */
#define CONT_AGAIN (-1)

int vm_call_cont(struct vm *vm, int nargs, int nresults, intptr_t ctx, vm_cont k)
{
    /* A native that loops over calls (table.sort, string.gsub) ends each continuation in the
     * next vm_call_cont; calling k from there would nest C frames once per call and overflow
     * the C stack. So the outermost vm_call_cont of a frame runs the continuations in a loop,
     * and one nested in a continuation (ci->k already set) only makes its call. A frame that
     * resumes after a yield must start with ci->k cleared before its k runs. */
    ptrdiff_t at = vm->ci - vm->cis; /* the frame array may move during the call */
    bool nested = vm->ci->k != NULL;
    vm->ci->k = k;
    vm->ci->ctx = ctx;
    uint32_t func = vm->top - (uint32_t)nargs - 1;
    if (nresults > 0) stack_reserve(vm, (uint32_t)nresults);
    call_at(vm, func, nresults, true);
    if (nested) return CONT_AGAIN;
    int n;
    do {
        n = vm->cis[at].k(vm, vm->cis[at].ctx);
    } while (n == CONT_AGAIN);
    vm->cis[at].k = NULL;
    return n;
}

enum vm_outcome vm_pcall(struct vm *vm, int nargs, int nresults)
{
    uint32_t func = vm->top - (uint32_t)nargs - 1;
    return pcall_at(vm, func, nresults, 0, false);
}

enum vm_outcome vm_run(struct vm *vm, int nargs, int nresults)
{
    vm->tb_len = 0;
    vm->tb[0] = '\0';
    uint32_t func = vm->top - (uint32_t)nargs - 1;
    return pcall_at(vm, func, nresults, 0, true);
}

static int tostring_native(struct vm *vm)
{
    vm_push_tostring(vm, 1, NULL);
    return 1;
}

/* Replaces the value on top by its tostring(), errors caught. */
static enum vm_outcome pcall_tostring(struct vm *vm)
{
    vm_val v = vm->stack[vm->top - 1];
    vm_push_native(vm, tostring_native, "tostring", 0);
    push(vm, v);
    enum vm_outcome r = vm_pcall(vm, 1, 1);
    if (r == VM_DONE && vm->stack[vm->top - 1].tt != VT_STR) r = VM_ERROR;
    return r;
}

const char *vm_error_message(struct vm *vm, size_t *len)
{
    vm_val v = vm->stack[vm->top - 1];
    if (v.tt == VT_STR || v.tt == VT_INT || v.tt == VT_FLT) {
        val_tostr_inplace(vm, &vm->stack[vm->top - 1]);
        v = vm->stack[vm->top - 1];
        if (len != NULL) *len = VSTR(v)->len;
        return VSTR(v)->data;
    }
    struct vtab *mt = val_meta(vm, v);
    if (mt != NULL) {
        const vm_val *ts = tab_getstr(mt, str_newc(vm, "__tostring"));
        if (tab_hit(ts) && pcall_tostring(vm) == VM_DONE) {
            v = vm->stack[vm->top - 1];
            if (len != NULL) *len = VSTR(v)->len;
            return VSTR(v)->data;
        }
    }
    const char *s = vm_push_fstr(vm, "(error object is a %s value)", val_typename(vm, v));
    if (len != NULL) *len = strlen(s);
    return s;
}

const char *vm_traceback(struct vm *vm, size_t *len)
{
    if (len != NULL) *len = vm->tb_len;
    return vm->tb;
}

/* --- errors --- */

_Noreturn void vm_error(struct vm *vm, const char *fmt, ...)
{
    char where[300];
    debug_where(vm, 1, where, sizeof where);
    va_list ap;
    va_start(ap, fmt);
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vm_push_fstr(vm, "%s%s", where, msg);
    error_raise(vm);
}

_Noreturn void vm_error_raise(struct vm *vm)
{
    error_raise(vm);
}

_Noreturn void vm_error_raise_at(struct vm *vm, int level)
{
    if (vm_type(vm, -1) == VM_TSTRING) {
        char where[300];
        debug_where(vm, level, where, sizeof where);
        size_t len;
        const char *msg = vm_to_str(vm, -1, &len); /* stays valid: its slot stays below */
        struct vm_buf b;
        vm_buf_init(vm, &b);
        vm_buf_add(&b, where, strlen(where));
        vm_buf_add(&b, msg, len);
        vm_buf_push(&b);
    }
    error_raise(vm);
}

_Noreturn void vm_arg_error(struct vm *vm, int arg, const char *msg)
{
    bool method;
    const char *name = debug_native_name(vm, &method);
    if (method) {
        arg--;
        if (arg == 0) vm_error(vm, "calling '%s' on bad self (%s)", name, msg);
    }
    vm_error(vm, "bad argument #%d to '%s' (%s)", arg, name, msg);
}

_Noreturn void vm_type_error(struct vm *vm, int arg, const char *expected)
{
    vm_val *p = slot(vm, arg);
    const char *got;
    if (p == NULL) got = "no value";
    else got = val_typename(vm, *p);
    char msg[200];
    snprintf(msg, sizeof msg, "%s expected, got %s", expected, got);
    vm_arg_error(vm, arg, msg);
}

/* --- argument checks --- */

void vm_check_any(struct vm *vm, int arg)
{
    if (slot(vm, arg) == NULL) vm_arg_error(vm, arg, "value expected");
}

void vm_check_type(struct vm *vm, int arg, enum vm_type t)
{
    if (vm_type(vm, arg) != t) vm_type_error(vm, arg, vm_type_name(t));
}

int64_t vm_check_int(struct vm *vm, int arg)
{
    int64_t i;
    if (vm_to_int(vm, arg, &i)) return i;
    double d;
    if (vm_to_num(vm, arg, &d)) vm_arg_error(vm, arg, "number has no integer representation");
    vm_type_error(vm, arg, "number");
}

double vm_check_num(struct vm *vm, int arg)
{
    /* Numbers first, without a call: math's natives check every argument. */
    const vm_val *p = slot(vm, arg);
    if (p != NULL && p->tt == VT_FLT) return p->u.n;
    if (p != NULL && p->tt == VT_INT) return (double)p->u.i;
    double d;
    if (!vm_to_num(vm, arg, &d)) vm_type_error(vm, arg, "number");
    return d;
}

const char *vm_check_str(struct vm *vm, int arg, size_t *len)
{
    const char *s = vm_to_str(vm, arg, len);
    if (s == NULL) vm_type_error(vm, arg, "string");
    return s;
}

int64_t vm_opt_int(struct vm *vm, int arg, int64_t def)
{
    enum vm_type t = vm_type(vm, arg);
    if (t == VM_TNONE || t == VM_TNIL) return def;
    return vm_check_int(vm, arg);
}

double vm_opt_num(struct vm *vm, int arg, double def)
{
    enum vm_type t = vm_type(vm, arg);
    if (t == VM_TNONE || t == VM_TNIL) return def;
    return vm_check_num(vm, arg);
}

const char *vm_opt_str(struct vm *vm, int arg, const char *def, size_t *len)
{
    enum vm_type t = vm_type(vm, arg);
    if (t == VM_TNONE || t == VM_TNIL) {
        if (len) *len = def ? strlen(def) : 0;
        return def;
    }
    return vm_check_str(vm, arg, len);
}

int vm_check_option(struct vm *vm, int arg, const char *def, const char *const names[])
{
    const char *name = def ? vm_opt_str(vm, arg, def, NULL) : vm_check_str(vm, arg, NULL);
    for (int i = 0; names[i] != NULL; i++)
        if (strcmp(names[i], name) == 0) return i;
    char msg[200];
    snprintf(msg, sizeof msg, "invalid option '%s'", name);
    vm_arg_error(vm, arg, msg);
}

/* --- libraries --- */

void vm_lib_register(struct vm *vm, const char *libname, const struct vm_lib_fn *fns)
{
    if (libname == NULL) {
        push(vm, vm->globals);
    } else {
        push(vm, vm->globals);
        if (vm_tab_getfield(vm, -1, libname) != VM_TTABLE) {
            vm->top--;
            vm_push_table(vm, 0, 16);
            vm_stack_copy(vm, -1);
            vm_tab_setfield(vm, -3, libname);
        }
        vm_stack_replace(vm, -2);
    }
    for (const struct vm_lib_fn *f = fns; f->name != NULL; f++) {
        vm_push_native(vm, f->fn, f->name, 0);
        vm_tab_setfield(vm, -2, f->name);
    }
}

/* --- buffers --- */

void vm_buf_init(struct vm *vm, struct vm_buf *b)
{
    b->vm = vm;
    b->p = b->init;
    b->len = 0;
    b->cap = sizeof b->init;
    push(vm, val_nil());
    b->slot = (int)(vm->top - 1);
}

char *vm_buf_reserve(struct vm_buf *b, size_t n)
{
    if (b->cap - b->len >= n) return b->p + b->len;
    struct vm *vm = b->vm;
    size_t ncap = b->cap * 2;
    if (ncap - b->len < n) ncap = b->len + n;
    if (ncap < b->len) vm_error(vm, "string length overflow");
    struct vbuf *nb = obj_new_head(vm, VT_BUF, sizeof(struct vbuf) + ncap, sizeof(struct vbuf));
    nb->cap = ncap;
    memcpy(nb->data, b->p, b->len);
    vm->stack[b->slot] = val_obj(nb);
    b->p = nb->data;
    b->cap = ncap;
    return b->p + b->len;
}

void vm_buf_add(struct vm_buf *b, const char *s, size_t len)
{
    if (len == 0) return;
    char *d = vm_buf_reserve(b, len);
    memcpy(d, s, len);
    b->len += len;
}

void vm_buf_add_char(struct vm_buf *b, char c)
{
    char *d = vm_buf_reserve(b, 1);
    *d = c;
    b->len++;
}

void vm_buf_add_value(struct vm_buf *b)
{
    struct vm *vm = b->vm;
    size_t len;
    vm_to_str(vm, -1, &len);
    /* Reserve first: the growth may collect, and the value is still on the stack. */
    vm_buf_reserve(b, len);
    memcpy(b->p + b->len, VSTR(vm->stack[vm->top - 1])->data, len);
    b->len += len;
    vm->top--;
}

const char *vm_buf_push(struct vm_buf *b)
{
    struct vm *vm = b->vm;
    struct vstr *s;
    if (b->len <= VM_SHORTSTR) {
        s = str_new(vm, b->p, b->len);
    } else {
        s = str_build_begin(vm, b->len);
        memcpy(s->data, b->p, b->len);
    }
    vm->stack[b->slot] = val_obj(s);
    vm->top = (uint32_t)b->slot + 1;
    return s->data;
}
