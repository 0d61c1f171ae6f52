/* vm/core.h: the VM's internals, shared by the files of vm/ and their tests, never outside.
 *
 * Values. A vm_val is 16 bytes: a tag and a payload (64-bit integer, double, boolean, or a
 * pointer to a heap object). NaN-boxing would halve that but cannot hold Lua's full 64-bit
 * integers without boxing them; a tagged pair keeps integer arithmetic free of allocation.
 *
 * Objects. Every heap object starts with struct gcobj: the link of the "all objects" list the
 * sweep walks, its type and its mark. Strings keep their hash; short ones (<= VM_SHORTSTR)
 * are interned, so equal short strings are one object and compare by pointer.
 *
 * Stores. Every store of a value into a heap object is followed by its write barrier
 * (gc_barrier_tab for tables, gc_barrier_obj for upvalues, closures and metatables), and every
 * allocation goes through mem_alloc: the incremental collector's two hooks. Stack slots are
 * not heap objects: the collector rescans every coroutine's stack in its atomic phase.
 *
 * Coroutines. Each coroutine (struct vco) has its own value stack and frame array (struct
 * thstate). The running coroutine's state is kept in struct vm itself (vm->stack, vm->top,
 * vm->ci ...) so the interpreter reaches it without an indirection; switching coroutines
 * (co.c) saves those fields into the old coroutine's struct vco and loads the new one's. A
 * stack is grown by stack_grow (which moves it: code holding pointers into it reloads them
 * after any call that may grow it, like Lua's Protect). Frames are struct callinfo records in a
 * growable array; they hold stack positions as indices.
 */
#ifndef SKIFF_VM_CORE_H
#define SKIFF_VM_CORE_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/skb.h"
#include "vm/vm.h"

enum vt {
    VT_NIL = 0,
    VT_BOOL,
    VT_INT,
    VT_FLT,
    VT_STR,
    VT_TAB,
    VT_LCL,  /* Lua closure */
    VT_NCL,  /* native closure */
    VT_THREAD, /* a coroutine (struct vco) */
    VT_PROTO, /* internal: a function prototype */
    VT_UPVAL, /* internal: an upvalue cell */
    VT_BUF,   /* internal: a vm_buf's growing block */
    VT_DEADKEY, /* internal: a table key whose value is nil and object may be gone */
};

struct gcobj {
    struct gcobj *next; /* the all-objects list (vm->all) */
    uint8_t tt;         /* enum vt */
    uint8_t marked;     /* enum gc_colour; the collector's alone (and the barriers') */
};

/* The incremental collector's colours (gc.c). White: not reached in this cycle yet; gray:
 * reached, its references not all traversed (it is on a gray list); black: reached and
 * traversed. Two whites take turns: the atomic phase flips vm->gc_white, so during the sweep
 * an object of the other white is garbage while one created meanwhile, born in the new white,
 * lives. Invariant while marking: no black object points to a white one. */
enum gc_colour { GC_WHITE0 = 0, GC_WHITE1 = 1, GC_GRAY = 2, GC_BLACK = 3 };

/* The collector's phases (gc.c explains each). */
enum gc_phase { GC_PAUSE, GC_PROPAGATE, GC_ATOMIC, GC_SWEEP_STR, GC_SWEEP_OBJ };

/* Units of collector work (vm_gc_step) touching one object costs; a slot costs one. An object
 * is a cache miss or two (about 130 ns each on the build machines when nothing is cached), a
 * slot is a few nanoseconds: 1000 units stay under 50 us even when every object misses. */
#define GC_OBJ_UNITS 8

/* Buckets of the step-time histogram (gc.c's hist_bucket): four per power of two of ns. */
#define GC_HIST_N 164

typedef struct vm_val {
    union {
        int64_t i;
        double n;
        bool b;
        struct gcobj *gc;
    } u;
    uint8_t tt; /* enum vt */
} vm_val;

#define VM_SHORTSTR SKB_SHORTSTR_MAX

struct vstr {
    struct gcobj h;
    uint8_t is_short;
    uint8_t has_hash; /* long strings hash lazily */
    uint32_t hash;
    size_t len;
    struct vstr *hnext; /* interned chain (short strings) */
    char data[];        /* len bytes, then a NUL */
};

struct node {
    vm_val key; /* VT_NIL: never used; VT_DEADKEY: was used (probe continues) */
    vm_val val;
};

struct vtab {
    struct gcobj h;
    uint8_t lsizenode;    /* hash part has 1 << lsizenode slots, or 0 slots when node == NULL */
    uint32_t asize;       /* array part: keys 1..asize */
    uint32_t hused;       /* hash slots whose key is not VT_NIL (live or dead) */
    vm_val *arr;          /* owned, heap block of asize values */
    struct node *node;    /* owned, heap block of (1 << lsizenode) nodes, or NULL */
    struct vtab *meta;    /* the metatable, or NULL */
    struct gcobj *gclist; /* gray list link during a collection */
};

struct locvar {
    struct vstr *name;
    uint32_t startpc, endpc;
};

struct updesc {
    uint8_t instack, idx, kind;
    struct vstr *name; /* NULL without debug names */
};

struct proto {
    struct gcobj h;
    uint8_t numparams, is_vararg, maxstack;
    uint32_t ncode, nk, nup, nproto, nlines, nlocvars;
    uint32_t linedefined, lastlinedefined;
    skb_ins *code;        /* owned heap blocks, all of them */
    vm_val *k;
    struct updesc *up;
    struct proto **p;
    uint32_t *lines;      /* line of each instruction, or NULL */
    struct locvar *locvars;
    struct vstr *source;
    struct gcobj *gclist;
};

struct upval {
    struct gcobj h;
    vm_val *v;            /* the stack slot while open, &closed once closed */
    vm_val closed;
    struct upval *open_next; /* vm->open_upvals, sorted by decreasing slot, while open */
    uint32_t level;       /* stack index of the slot while open */
    /* While open, the coroutine whose stack holds the value: marking an open upvalue marks it,
     * so a stack is never freed under a live closure. */
    struct vco *owner;
};

struct lclosure {
    struct gcobj h;
    uint8_t nup;
    struct proto *p;
    struct gcobj *gclist;
    struct upval *up[];
};

struct nclosure {
    struct gcobj h;
    uint8_t nup;
    vm_native fn;
    const char *name; /* static storage */
    struct gcobj *gclist;
    vm_val up[];
};

struct vbuf {
    struct gcobj h;
    size_t cap;
    char data[];
};

/* Frame status bits. */
enum {
    CI_LUA = 1,      /* a Lua function (else native) */
    CI_FRESH = 2,    /* the first Lua frame of an interp_run: returning from it leaves the loop */
    CI_TAIL = 4,     /* reached through a tail call (traceback says so) */
    CI_YPCALL = 8,   /* native: a pcall/xpcall whose callee may yield (co.c recovers errors) */
    CI_LEQ = 16,     /* Lua: its metamethod call computes a <= b as not (b < a) */
    CI_PCALL_ERR = 32, /* native pcall: its continuation runs after a caught error */
};

struct callinfo {
    uint32_t func;   /* stack index of the function */
    uint32_t top;    /* stack index just past the frame's registers (Lua) or reserved slots */
    int16_t nresults; /* wanted by the caller, or VM_MULTRET */
    uint8_t status;
    const skb_ins *savedpc; /* Lua: next instruction */
    int nextra;      /* Lua vararg: extra arguments below func */
    vm_cont k;       /* native: what runs when its callee returns after a yield, or NULL */
    intptr_t ctx;    /* native: k's argument */
};

/* The execution state of one coroutine. Owned by the coroutine: 'stack', 'cis' and 'tbc' are
 * heap blocks freed with it. Declared twice from one list so struct vm can carry the running
 * coroutine's copy as plain fields (vm->stack) and as a whole (vm->th) for switching. */
#define VM_THREAD_STATE                                                                            \
    vm_val *stack;             /* 'stacksize' values; 'top' is the first free slot */            \
    uint32_t stacksize;                                                                            \
    uint32_t top;                                                                                  \
    struct callinfo *ci;       /* the running frame, in 'cis' */                                  \
    struct callinfo *cis;      /* 'ncis' frames; cis[0] stands for the coroutine's caller */     \
    uint32_t ncis;                                                                                 \
    struct upval *open_upvals; /* sorted by decreasing stack slot */                              \
    uint32_t tbc_top;          /* number of pending to-be-closed slots in 'tbc' */               \
    uint32_t *tbc;             /* stack indices of to-be-closed variables */                      \
    uint32_t tbc_cap;                                                                              \
    int nny;                   /* non-yieldable C calls in progress (vm_call, handlers) */
struct thstate {
    VM_THREAD_STATE
};

enum co_status {
    CO_SUSPENDED, /* created, yielded or preempted: resumable */
    CO_RUNNING,
    CO_NORMAL,    /* it resumed another coroutine that is running */
    CO_DEAD,      /* returned or raised */
};

/* A coroutine. Who may touch it: the VM only; the embedder holds it through vm.h's struct
 * vm_co handles, which root it until released. Its state 'st' is valid while it is not
 * running; while it runs the state is in struct vm (see VM_THREAD_STATE). */
struct vco {
    struct gcobj h;
    uint8_t status;        /* enum co_status */
    bool preempted;        /* suspended by the instruction budget, not by a yield */
    bool preemptible;      /* running inside a budgeted resume, every resumer yieldable */
    bool killed;           /* overran its budget where it could not be preempted: dying */
    bool ran;              /* has run since the collector last traversed it */
    uint32_t traversed;    /* the collector's cycle (vm->gc_epoch) that last traversed it */
    struct thstate st;
    struct vco *resumer;   /* while running or normal: the coroutine that resumed it */
    struct errjmp *resume_ej; /* while running: the boundary of its resume (yields jump here) */
    int nyield;            /* values the last yield left on top of its stack */
    bool failed;           /* dead by an error, whose value is on top of its stack */
    uint32_t wait_reason;  /* the last native yield's reason (vm_yield) */
    int64_t wait_arg;
    struct gcobj *gclist;
};

/* What a longjmp to a protected boundary carries: an error (vm_throw); the boundary of a
 * coroutine's resume also receives its yields and preemptions (co.c). */
enum errjmp_kind { ERRJMP_ERROR = 1, ERRJMP_YIELD, ERRJMP_PREEMPT };

/* One protected boundary (vm_run, pcall, xpcall), on the C stack of the function that set it. */
struct errjmp {
    struct errjmp *prev;
    jmp_buf b;
    uint32_t handler;   /* xpcall: stack index of the message handler; 0 = none */
    bool traceback;     /* vm_run: build vm->tb where the error is raised */
    bool in_handler;    /* the handler is running: an error inside it is not handled again */
};

/* Metamethod events, generated from skb.h's list (its order is the ABI MMBIN's C uses). */
enum tm {
#define SKB_X_TM(name, str) TM_##name = SKB_EV_##name,
    SKB_EVENTS(SKB_X_TM)
#undef SKB_X_TM
    TM_N = SKB_NUM_EVENTS
};

struct heap;

/* LUAI_MAXCCALLS: nested C-level calls (natives calling Lua, metamethods, resumes); bounds the
 * C stack, which every coroutine shares. */
#define VM_MAXCCALLS 200

struct vm {
    struct heap *heap;
    vm_write_fn write;
    void *write_ctx;

    /* The running coroutine's state (saved in its struct vco while another runs). */
    union {
        struct {
            VM_THREAD_STATE
        };
        struct thstate th;
    };
    struct vco *running;      /* the coroutine whose state is above */
    struct vco *main_co;      /* the VM's first coroutine (vm_run runs there); root */
    int64_t budget;           /* instructions left before co_budget_expired (co.c) */
    bool budget_raises;       /* vm_step_limit_set: running out raises instead */
    int64_t budget_granted;   /* instructions added to the running vm_resume's budget */
    bool budgeted;            /* a vm_resume with a budget is running */
    int c_depth;              /* nested C calls (VM_MAXCCALLS), for "C stack overflow" */

    /* Strings. */
    struct vstr **strt;       /* owned: interned short strings, chained */
    uint32_t strt_size, strt_n;
    struct vstr *tmname[TM_N]; /* pinned */
    struct vstr *memerr;      /* pinned "not enough memory" */

    vm_val globals;           /* a table; root */
    vm_val registry;          /* a table; root: string metatable, loaded modules */
    struct vtab *strmeta;     /* the string metatable or NULL; root */

    /* Collector (gc.c). The lists chain objects through their gclist fields. */
    struct gcobj *all;        /* every object, newest first; the sweep frees from it */
    struct gcobj *gray;       /* reached, to traverse */
    struct gcobj *grayagain;  /* to traverse in the atomic phase: coroutines, weak tables */
    struct gcobj *regray;     /* tables written after they turned black, to traverse again */
    struct gcobj *weak;       /* weak tables the atomic phase traversed, to clear */
    struct gcobj **gc_sweep;  /* the object sweep's place: the link to the next object */
    uint32_t gc_sweep_chain;  /* the string sweep's next chain of strt */
    uint32_t gc_sweep_chains; /* strt_size when that sweep began (a resize restarts it) */
    size_t gc_threshold;      /* a step when the bytes in use pass it; SIZE_MAX when stopped */
    size_t gc_owed;           /* bytes allocated that steps have not paid for yet */
    size_t gc_round_work;     /* units of propagation since the last round began */
    size_t gc_heap_bytes;     /* the heap's size: cycles start before it fills */
    uint8_t gc_phase;         /* enum gc_phase */
    uint8_t gc_white;         /* the current white: GC_WHITE0 or GC_WHITE1 */
    uint8_t gc_torture;       /* enum vm_gc_torture */
    uint8_t gc_pause;         /* Lua's pause, divided by 4 as Lua stores it */
    uint8_t gc_stepmul;       /* Lua's step multiplier, divided by 4 */
    uint8_t gc_stepsize;      /* log2 of the bytes allocated between two steps */
    uint8_t gc_rounds;        /* times this cycle's propagation took up regray or grayagain */
    bool gc_running;          /* inside a step or collection: allocation must not recurse */
    bool gc_stopped;          /* collectgarbage("stop") */
    uint64_t gc_start_ns;     /* plat_clock_ns at gc_init, for the collector's share */
    uint64_t gc_steps, gc_step_ns, gc_step_max_ns, gc_steps_long; /* vm_gc_stats */
    uint64_t gc_fulls, gc_full_ns, gc_full_max_ns, gc_cycles;
    uint32_t gc_epoch;        /* counts cycle starts: which cycle traversed a coroutine */
    uint64_t gc_cycles_seen;  /* gc_cycles at the end of the last gc_step_lua */
    uint64_t gc_hist[GC_HIST_N]; /* steps by time, log scale */

    struct errjmp *errjmp;    /* innermost protected boundary */

    /* The last traceback vm_run built, NUL-terminated; a fixed buffer, so that building it
     * needs no allocation at the moment memory may have run out. */
    char tb[4096];
    size_t tb_len;
    char namebuf[128]; /* debug_native_name's answer when it is built */
};

/* --- values --- */
static inline vm_val val_nil(void) { vm_val v; v.u.i = 0; v.tt = VT_NIL; return v; }
static inline vm_val val_int(int64_t i) { vm_val v; v.u.i = i; v.tt = VT_INT; return v; }
static inline vm_val val_flt(double n) { vm_val v; v.u.n = n; v.tt = VT_FLT; return v; }
static inline vm_val val_bool(bool b) { vm_val v; v.u.i = 0; v.u.b = b; v.tt = VT_BOOL; return v; }
static inline vm_val val_obj(void *o) { vm_val v; v.u.gc = o; v.tt = ((struct gcobj *)o)->tt; return v; }
static inline bool val_falsy(vm_val v) { return v.tt == VT_NIL || (v.tt == VT_BOOL && !v.u.b); }
static inline bool val_iscollectable(vm_val v) { return v.tt >= VT_STR; }
#define VSTR(v) ((struct vstr *)(v).u.gc)
#define VTAB(v) ((struct vtab *)(v).u.gc)
#define VLCL(v) ((struct lclosure *)(v).u.gc)
#define VNCL(v) ((struct nclosure *)(v).u.gc)
#define VCO(v) ((struct vco *)(v).u.gc)

/* --- heap.c: the allocator over the embedder's memory (no collection, never raises) --- */
struct heap *heap_init(void *mem, size_t bytes, size_t *used_for_heap);
void *heap_alloc(struct heap *h, size_t n);               /* NULL when no block fits */
void heap_free(struct heap *h, void *p, size_t n);        /* n as given to heap_alloc */
size_t heap_in_use(const struct heap *h);
/* What the heap holds, for tests and tools; heap_stats walks one free list for largest_free. */
struct heap_stats {
    size_t in_use;       /* heap_in_use */
    size_t free_bytes;   /* in free page-heap blocks, headers included; not free slab slots */
    size_t largest_free; /* the largest n heap_alloc(n > 256) could serve now */
    size_t slabs;        /* slabs of small blocks (4 KiB each), used or not */
};
void heap_stats(const struct heap *h, struct heap_stats *st);

/* --- gc.c: allocation with collection, and the collector --- */
void *mem_alloc(struct vm *vm, size_t n);                 /* raises "not enough memory" */
void *mem_alloc_nogc(struct vm *vm, size_t n);            /* NULL when full; never collects */
void mem_free(struct vm *vm, void *p, size_t n);
_Noreturn void mem_error(struct vm *vm);           /* raises "not enough memory" */
void *mem_realloc(struct vm *vm, void *p, size_t old, size_t n);
void *obj_new(struct vm *vm, uint8_t tt, size_t n);
/* obj_new zeroing only the first 'head' bytes: for payloads the caller fills before any read
 * (string bytes, buffer bytes), where zeroing cost a twentieth of string-heavy programs. */
void *obj_new_head(struct vm *vm, uint8_t tt, size_t n, size_t head);
/* vm_init: the collector's defaults, once the VM's roots exist; 'heap_bytes' as given. */
void gc_init(struct vm *vm, size_t heap_bytes);
/* collectgarbage("step", kib): the work 'kib' KiB of allocation pays for (a basic step for
 * 0), even when stopped. True if a cycle ended in it or since the previous call. */
bool gc_step_lua(struct vm *vm, int64_t kib);
/* collectgarbage("stop") and ("restart"). */
void gc_stop(struct vm *vm, bool stop);
/* Sets a pacing parameter to 'value' and returns its previous value: pause and step multiplier
 * in percent (kept as Lua keeps them, value / 4 in a byte, so 150 reads back as 148), step size
 * as log2 of bytes. */
enum gc_param { GC_PARAM_PAUSE, GC_PARAM_STEPMUL, GC_PARAM_STEPSIZE };
int gc_param_set(struct vm *vm, enum gc_param which, int value);

/* --- api.c --- */
/* The table library's fast path: moves n slots of the table at stack index t from 'from' to
 * 'to' (1-based) as n vm_tab_geti/vm_tab_seti pairs would, charging the same steps, when t has
 * no metatable and both ranges lie in its array part. False, with nothing done, otherwise. */
bool api_arr_move(struct vm *vm, int t, int64_t from, int64_t to, int64_t n);
size_t mem_in_use(struct vm *vm);
void gc_full(struct vm *vm);

/* --- str.c --- */
struct vstr *str_new(struct vm *vm, const char *s, size_t len);
struct vstr *str_newc(struct vm *vm, const char *s);
/* A long string of 'len' (> VM_SHORTSTR) bytes for the caller to fill before anyone sees it. */
struct vstr *str_build_begin(struct vm *vm, size_t len);
uint32_t str_hash(struct vstr *s);
bool str_eq(const struct vstr *a, const struct vstr *b);
void str_table_init(struct vm *vm);
/* The string sweep: drops from chains [from, from + n) of strt the strings the last mark did
 * not reach (the object sweep frees them). Returns the work: a unit per chain, GC_OBJ_UNITS
 * per string examined. */
size_t str_table_sweep(struct vm *vm, uint32_t from, uint32_t n);

/* --- tab.c --- */
struct vtab *tab_new(struct vm *vm, uint32_t narr, uint32_t nhash);
void tab_free(struct vm *vm, struct vtab *t);
const vm_val *tab_get(struct vtab *t, vm_val key);          /* never NULL: &absent for none */
const vm_val *tab_getint(struct vtab *t, int64_t key);
const vm_val *tab_getstr(struct vtab *t, struct vstr *key);
void tab_set(struct vm *vm, struct vtab *t, vm_val key, vm_val val); /* raises for nil/NaN keys */
void tab_setint(struct vm *vm, struct vtab *t, int64_t key, vm_val val);
uint64_t tab_len(struct vtab *t);
int tab_next(struct vm *vm, struct vtab *t, vm_val *key, vm_val *val); /* 1, 0 end, -1 bad key */
void tab_resize(struct vm *vm, struct vtab *t, uint32_t narr, uint32_t nhash);
extern const vm_val tab_absent;
static inline bool tab_hit(const vm_val *v) { return v->tt != VT_NIL; }

/* The node of t's hash part whose key is the short string 'key', or NULL. Short strings are
 * interned (one object per content) and carry their hash, so the interpreter's field accesses
 * compare pointers and make no call. The probe ends: the hash part is never full. */
static inline struct node *tab_findshort(const struct vtab *t, const struct vstr *key)
{
    if (t->node == NULL) return NULL;
    uint32_t mask = (1u << t->lsizenode) - 1;
    for (uint32_t i = key->hash & mask;; i = (i + 1) & mask) {
        struct node *n = &t->node[i];
        if (n->key.u.gc == (const void *)key && n->key.tt == VT_STR) return n;
        if (n->key.tt == VT_NIL) return NULL;
    }
}

/* --- the write barrier (gc.c) ---
 * The incremental collector's invariant: no black (fully traversed) object points to a white
 * (not yet reached) one. Every store of a value into a heap object calls one of these after
 * the store. Tables take the backward barrier (the table turns gray and is traversed again:
 * tables are written often); every other object the forward one (the value is marked). */
void gc_barrier_back_slow(struct vm *vm, struct vtab *t);
void gc_barrier_fwd_slow(struct vm *vm, struct gcobj *o, struct gcobj *v);
static inline void gc_barrier_tab(struct vm *vm, struct vtab *t, vm_val v)
{
    if (val_iscollectable(v) && t->h.marked == GC_BLACK && v.u.gc->marked < GC_GRAY)
        gc_barrier_back_slow(vm, t);
}
static inline void gc_barrier_obj(struct vm *vm, struct gcobj *o, vm_val v)
{
    if (val_iscollectable(v) && o->marked == GC_BLACK && v.u.gc->marked < GC_GRAY)
        gc_barrier_fwd_slow(vm, o, v.u.gc);
}
/* An interned string found again while the string sweep runs may be garbage (the other white)
 * not yet dropped from strt: it lives on, in the current white. */
static inline void gc_revive(struct vm *vm, struct gcobj *o)
{
    if (o->marked == (vm->gc_white ^ 1)) o->marked = vm->gc_white;
}

/* The array part's store, for the interpreter's fast path; 'i' < t->asize. */
static inline void tab_arr_store(struct vm *vm, struct vtab *t, uint32_t i, vm_val v)
{
    t->arr[i] = v;
    gc_barrier_tab(vm, t, v);
}

/* --- func.c: closures and upvalues --- */
struct lclosure *lcl_new(struct vm *vm, struct proto *p);
/* Pushes a new closure of a module's main prototype 'p' (which the caller keeps alive) with its
 * one upvalue, _ENV, closed over the globals: what vm_load and require run. */
void lcl_push_main(struct vm *vm, struct proto *p);
struct nclosure *ncl_new(struct vm *vm, vm_native fn, const char *name, int nup);
struct proto *proto_new(struct vm *vm);
void proto_free(struct vm *vm, struct proto *p);
struct upval *upval_find(struct vm *vm, uint32_t level);
static inline void upval_store(struct vm *vm, struct upval *u, vm_val v)
{
    *u->v = v;
    gc_barrier_obj(vm, &u->h, v);
}
void upval_close(struct vm *vm, uint32_t level);
int proto_line(const struct proto *p, int pc);

/* --- interp.c --- */
void interp_run(struct vm *vm);               /* runs the Lua frame vm->ci until it returns */
/* Calls stack[func] with the arguments above it (re-entrant). vm_call_at lets the callee
 * yield when the caller is a Lua frame (finish_op completes its instruction after the resume);
 * call_at decides by 'yieldable' (a native with a continuation, or never). */
void vm_call_at(struct vm *vm, uint32_t func, int nresults);
void call_at(struct vm *vm, uint32_t func, int nresults, bool yieldable);
/* pcall (callee 1) or xpcall (callee 3, handler at 2) for the running native, which returns
 * what this returns; the callee may yield (see interp.c). */
int interp_pcall(struct vm *vm, int callee);
/* Continues the running coroutine after a yield or a preemption, to the end of its frames:
 * the native that yielded gets 'nvalues' values (the resume's), then every interrupted frame
 * below it is finished and run. */
void interp_unroll(struct vm *vm, int nvalues, bool preempted);
/* Closes every pending to-be-closed variable of the running coroutine, newest first, each
 * with *err (nil for none) and errors caught (an error replaces *err; returns true if one
 * did): coroutine.close. */
bool interp_close_all(struct vm *vm, vm_val *err);
_Noreturn void vm_throw(struct vm *vm, int status);
_Noreturn void vm_rt_error(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void stack_grow(struct vm *vm, uint32_t n);
void stack_grow_to(struct vm *vm, uint32_t size);
bool val_tostr_inplace(struct vm *vm, vm_val *v);
int num_format(char *buf, vm_val v);          /* "%.14g" etc.; buf >= 48 bytes */
bool str_to_num(const char *s, size_t len, vm_val *out);
bool val_to_int_exact(vm_val v, int64_t *out);  /* int, or float with integral value */
bool val_tonum(vm_val v, double *out);
const vm_val *meta_tm(struct vm *vm, vm_val o, int event);
struct vtab *val_meta(struct vm *vm, vm_val o);
/* Indexing with __index/__newindex; 'pt' is where 't' lives (a register or upvalue of the
 * running Lua function, for the error's variable name), or NULL. */
vm_val val_get(struct vm *vm, const vm_val *pt, vm_val t, vm_val key);
void val_set(struct vm *vm, const vm_val *pt, vm_val t, vm_val key, vm_val val);
bool val_eq(struct vm *vm, vm_val a, vm_val b);
bool val_raweq(vm_val a, vm_val b);
bool val_lt(struct vm *vm, vm_val a, vm_val b);
bool val_le(struct vm *vm, vm_val a, vm_val b);
vm_val val_len(struct vm *vm, const vm_val *pv, vm_val v);
vm_val call_tm(struct vm *vm, vm_val f, vm_val a, vm_val b, int nargs);
bool arith_raw(struct vm *vm, int event, vm_val a, vm_val b, vm_val *res);
vm_val arith_slow(struct vm *vm, int event, vm_val a, vm_val b, const vm_val *pa, const vm_val *pb);
int64_t int_floordiv(struct vm *vm, int64_t a, int64_t b);
int64_t int_mod(struct vm *vm, int64_t a, int64_t b);
double flt_mod(double a, double b);
int64_t int_shl(int64_t x, int64_t y);
void concat_values(struct vm *vm, uint32_t first, int n);
/* Room for n pushes above top; inline, as calls and metamethods check it every time. */
static inline void stack_reserve(struct vm *vm, uint32_t n)
{
    if (vm->stacksize - vm->top < n) stack_grow(vm, n);
}

/* --- co.c: coroutines, yields, budgets --- */
void co_main_init(struct vm *vm);             /* vm_init: the main coroutine, running */
void co_free(struct vm *vm, struct vco *co);  /* the collector frees a dead coroutine */
/* vm->budget ran out. At an instruction boundary of a Lua frame ('at_instruction', savedpc
 * saved) a preemptible coroutine is preempted here and the call does not return; otherwise
 * more budget is granted, or under vm_step_limit_set "instruction limit reached" is raised. */
void co_budget_expired(struct vm *vm, bool at_instruction);
/* Charges 'n' instructions' worth of work done by a native. */
static inline void co_budget_charge(struct vm *vm, int64_t n)
{
    vm->budget -= n;
    if (vm->budget < 0) co_budget_expired(vm, false);
}

/* debug.c */
_Noreturn void debug_typeerror(struct vm *vm, const vm_val *p, vm_val v, const char *op);
_Noreturn void debug_indexerror(struct vm *vm, const vm_val *p, vm_val t, vm_val key);
_Noreturn void debug_callerror(struct vm *vm, const vm_val *p, vm_val v);
_Noreturn void debug_tbcerror(struct vm *vm, uint32_t slot);
_Noreturn void debug_tointerror(struct vm *vm, const vm_val *pa, vm_val a, const vm_val *pb, vm_val b);
const char *val_typename(struct vm *vm, vm_val v); /* honours __name */
const char *vt_name(int tt);
void debug_traceback(struct vm *vm);          /* into vm->tb, from vm->ci down */
/* The name the caller of the running native used for it (Lua's getfuncname): "sub" with
 * *is_method for s:sub(), or the native's own name, or "?". */
const char *debug_native_name(struct vm *vm, bool *is_method);
/* "src:line:" of the Lua function 'level' frames below the running one (1 = its caller), or
 * "" if that frame is not a Lua function. */
void debug_where(struct vm *vm, int level, char *buf, size_t cap);
/* Raises the value on top of the stack (running the xpcall handler, building the traceback). */
_Noreturn void error_raise(struct vm *vm);
/* Calls stack[func] with errors caught; 'handler' as in struct errjmp. */
enum vm_outcome pcall_at(struct vm *vm, uint32_t func, int nresults, uint32_t handler, bool tb);
/* Runs f(vm, ud) with errors caught: VM_DONE, or VM_ERROR with the top back where it was plus
 * the error value. */
enum vm_outcome protected_run(struct vm *vm, void (*f)(struct vm *, void *), void *ud);
void close_tbc(struct vm *vm, uint32_t level, vm_val err, bool with_err);

/* Pushes on the VM stack (grows it; raises on stack overflow). */
static inline void push(struct vm *vm, vm_val v)
{
    if (vm->top >= vm->stacksize) stack_grow(vm, 1);
    vm->stack[vm->top++] = v;
}

/* --- load.c / verify.c --- */
/* vm_load; 'app' false (load() of a bytecode string) leaves require's modules as they are. */
enum vm_outcome load_bytecode(struct vm *vm, const uint8_t *bytes, size_t len, const char *name,
                            bool app);
/* Returns NULL or the message "bad bytecode: <what> at function <n> pc <k>" in 'err'. */
const char *skb_verify_proto(const struct proto *p, const struct proto *parent, uint32_t fnum,
                             char *err, size_t cap);

#endif
