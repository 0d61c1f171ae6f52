/* vm/load.c: reads a .skb bundle (docs/bytecode.md) into prototypes, verifying each function
 * (verify.c) before anything runs. The file is hostile input: every count is checked against
 * its limit and against the bytes left before anything is allocated for it, and the first
 * failure refuses the whole file with "<name>: bad bytecode: <what> at function <n> pc <k>"
 * (n counts functions in file order from 0; k is 0 for faults outside the code).
 *
 * Entry point: vm_load. Only module 0 (the entry point) is run; the others are kept in the
 * registry's "modules" table for require (issue 5). */
#include "vm/core.h"

#include <string.h>

struct reader {
    struct vm *vm;
    const uint8_t *p, *end;
    const char *name;
    uint32_t fnum;  /* functions read so far: the number of the one being read */
    const char *what; /* the first fault, or NULL */
    uint32_t pc;
    char err[160];
};

static bool fail(struct reader *r, const char *what, uint32_t pc)
{
    if (r->what == NULL) {
        r->what = what;
        r->pc = pc;
    }
    return false;
}

static bool need(struct reader *r, size_t n)
{
    if ((size_t)(r->end - r->p) < n) return fail(r, "truncated", 0);
    return true;
}

static bool rd_u8(struct reader *r, uint8_t *v)
{
    if (!need(r, 1)) return false;
    *v = *r->p++;
    return true;
}

static bool rd_u32(struct reader *r, uint32_t *v)
{
    if (!need(r, 4)) return false;
    *v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
    r->p += 4;
    return true;
}

static bool rd_u64(struct reader *r, uint64_t *v)
{
    uint32_t lo, hi;
    if (!rd_u32(r, &lo) || !rd_u32(r, &hi)) return false;
    *v = (uint64_t)hi << 32 | lo;
    return true;
}

/* A count of items of at least 'item' bytes each, bounded by 'max' and by the bytes left. */
static bool rd_count(struct reader *r, uint32_t *n, uint32_t max, size_t item, const char *what)
{
    if (!rd_u32(r, n)) return false;
    if (*n > max) return fail(r, what, 0);
    if ((uint64_t)*n * item > (uint64_t)(r->end - r->p)) return fail(r, "truncated", 0);
    return true;
}

static bool rd_str(struct reader *r, struct vstr **out)
{
    uint32_t len;
    if (!rd_u32(r, &len)) return false;
    if (len > SKB_MAX_STRING) return fail(r, "string too long", 0);
    if (!need(r, len)) return false;
    *out = str_new(r->vm, (const char *)r->p, len);
    r->p += len;
    return true;
}

static bool rd_body(struct reader *r, struct proto *p, int depth);
static bool rd_function(struct reader *r, struct proto *p, int depth);

static bool rd_body(struct reader *r, struct proto *p, int depth)
{
    struct vm *vm = r->vm;
    r->fnum++;
    uint8_t np, va, ms;
    if (!rd_str(r, &p->source)) return false;
    gc_barrier_obj(vm, &p->h, val_obj(p->source)); /* 'p' may be black: the modules table holds it */
    if (!rd_u32(r, &p->linedefined) || !rd_u32(r, &p->lastlinedefined)) return false;
    if (!rd_u8(r, &np) || !rd_u8(r, &va) || !rd_u8(r, &ms)) return false;
    if (va > 1) return fail(r, "bad vararg flag", 0);
    if (ms < 2) return fail(r, "bad stack size", 0);
    if (np > ms) return fail(r, "more parameters than registers", 0);
    p->numparams = np;
    p->is_vararg = va;
    p->maxstack = ms;

    uint32_t n;
    if (!rd_count(r, &n, SKB_MAX_CODE, 4, "too many instructions")) return false;
    if (n == 0) return fail(r, "no code", 0);
    p->code = mem_alloc(vm, n * sizeof(skb_ins));
    p->ncode = n;
    for (uint32_t i = 0; i < n; i++) rd_u32(r, &p->code[i]);

    if (!rd_count(r, &n, SKB_MAX_CONSTS, 1, "too many constants")) return false;
    p->k = mem_alloc(vm, (n ? n : 1) * sizeof(vm_val));
    for (uint32_t i = 0; i < n; i++) p->k[i] = val_nil();
    p->nk = n;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t tag;
        uint64_t bits;
        if (!rd_u8(r, &tag)) return false;
        switch (tag) {
        case SKB_CONST_NIL: p->k[i] = val_nil(); break;
        case SKB_CONST_FALSE: p->k[i] = val_bool(false); break;
        case SKB_CONST_TRUE: p->k[i] = val_bool(true); break;
        case SKB_CONST_INT:
            if (!rd_u64(r, &bits)) return false;
            p->k[i] = val_int((int64_t)bits);
            break;
        case SKB_CONST_FLOAT: {
            if (!rd_u64(r, &bits)) return false;
            double d;
            memcpy(&d, &bits, sizeof d);
            p->k[i] = val_flt(d);
            break;
        }
        case SKB_CONST_SHORTSTR:
        case SKB_CONST_LONGSTR: {
            struct vstr *s;
            if (!rd_str(r, &s)) return false;
            if ((tag == SKB_CONST_SHORTSTR) != (s->len <= SKB_SHORTSTR_MAX))
                return fail(r, "string constant of the wrong kind", 0);
            p->k[i] = val_obj(s);
            gc_barrier_obj(vm, &p->h, p->k[i]);
            break;
        }
        default:
            return fail(r, "bad constant tag", 0);
        }
    }

    if (!rd_count(r, &n, SKB_MAX_UPVALUES, 3, "too many upvalues")) return false;
    p->up = mem_alloc(vm, (n ? n : 1) * sizeof(struct updesc));
    memset(p->up, 0, (n ? n : 1) * sizeof(struct updesc));
    p->nup = n;
    for (uint32_t i = 0; i < n; i++) {
        rd_u8(r, &p->up[i].instack);
        rd_u8(r, &p->up[i].idx);
        rd_u8(r, &p->up[i].kind);
        if (p->up[i].instack > 1 || p->up[i].kind > SKB_UPVAL_TOCLOSE)
            return fail(r, "bad upvalue descriptor", 0);
    }

    if (!rd_count(r, &n, SKB_MAX_PROTOS, 4, "too many functions")) return false;
    if (n > 0 && depth + 1 > SKB_MAX_DEPTH) return fail(r, "functions nested too deep", 0);
    p->p = mem_alloc(vm, (n ? n : 1) * sizeof(struct proto *));
    memset(p->p, 0, (n ? n : 1) * sizeof(struct proto *));
    p->nproto = n;
    for (uint32_t i = 0; i < n; i++) {
        p->p[i] = proto_new(vm);
        gc_barrier_obj(vm, &p->h, val_obj(p->p[i]));
        if (!rd_function(r, p->p[i], depth + 1)) return false;
    }

    if (!rd_u32(r, &n)) return false;
    if (n != 0 && n != p->ncode) return fail(r, "bad line count", 0);
    if (!need(r, (size_t)n * 4)) return false;
    if (n > 0) {
        p->lines = mem_alloc(vm, n * sizeof(uint32_t));
        p->nlines = n;
        for (uint32_t i = 0; i < n; i++) rd_u32(r, &p->lines[i]);
    }

    if (!rd_count(r, &n, SKB_MAX_LOCVARS, 12, "too many local variables")) return false;
    if (n > 0) {
        p->locvars = mem_alloc(vm, n * sizeof(struct locvar));
        memset(p->locvars, 0, n * sizeof(struct locvar));
        p->nlocvars = n;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!rd_str(r, &p->locvars[i].name)) return false;
        gc_barrier_obj(vm, &p->h, val_obj(p->locvars[i].name));
        if (!rd_u32(r, &p->locvars[i].startpc) || !rd_u32(r, &p->locvars[i].endpc)) return false;
        if (p->locvars[i].startpc > p->locvars[i].endpc || p->locvars[i].endpc > p->ncode)
            return fail(r, "bad local variable range", 0);
    }

    if (!rd_u32(r, &n)) return false;
    if (n != 0 && n != p->nup) return fail(r, "bad upvalue name count", 0);
    for (uint32_t i = 0; i < n; i++) {
        if (!rd_str(r, &p->up[i].name)) return false;
        gc_barrier_obj(vm, &p->h, val_obj(p->up[i].name));
    }
    return true;
}

static bool rd_function(struct reader *r, struct proto *p, int depth)
{
    return rd_body(r, p, depth);
}

/* Verifies 'p' and, recursively, its nested functions; numbers them as rd_body did. */
static bool verify_tree(struct reader *r, const struct proto *p, const struct proto *parent,
                        uint32_t *fnum)
{
    uint32_t me = (*fnum)++;
    const char *msg = skb_verify_proto(p, parent, me, r->err, sizeof r->err);
    if (msg != NULL) return false;
    for (uint32_t i = 0; i < p->nproto; i++)
        if (!verify_tree(r, p->p[i], p, fnum)) return false;
    return true;
}

struct load_job {
    struct reader r;
    const uint8_t *bytes;
    size_t len;
    bool app; /* the embedder's bundle: its modules become require's */
    bool ok;
};

static const uint8_t header_tail[] = {SKB_INS_SIZE, SKB_INT_SIZE, SKB_NUM_SIZE, 0};

static void load_body(struct vm *vm, void *ud)
{
    struct load_job *job = ud;
    struct reader *r = &job->r;
    job->ok = false;
    if (job->len < SKB_HEADER_LEN || memcmp(job->bytes, SKB_MAGIC, SKB_MAGIC_LEN) != 0) {
        fail(r, "not a .skb file", 0);
        return;
    }
    r->p = job->bytes + SKB_MAGIC_LEN;
    uint8_t v0 = 0, v1 = 0;
    rd_u8(r, &v0);
    rd_u8(r, &v1);
    if ((v0 | v1 << 8) != SKB_VERSION) {
        fail(r, "unsupported format version", 0);
        return;
    }
    if (memcmp(r->p, header_tail, sizeof header_tail) != 0) {
        fail(r, "bad sizes in header", 0);
        return;
    }
    r->p += sizeof header_tail;
    uint64_t ci, cn;
    rd_u64(r, &ci);
    rd_u64(r, &cn);
    double d;
    memcpy(&d, &cn, sizeof d);
    if ((int64_t)ci != SKB_CHECK_INT || d != SKB_CHECK_NUM) {
        fail(r, "bad check numbers in header", 0);
        return;
    }
    uint32_t nmod;
    if (!rd_u32(r, &nmod)) return;
    if (nmod < 1 || nmod > SKB_MAX_MODULES) {
        fail(r, "bad module count", 0);
        return;
    }
    /* The modules table anchors everything read so far against the collector. */
    vm_push_table(vm, 0, (int)nmod);
    uint32_t mods = vm->top - 1;
    struct proto *main = NULL;
    for (uint32_t m = 0; m < nmod; m++) {
        struct vstr *name;
        stack_reserve(vm, 4); /* so that the pushes below cannot collect */
        if (!rd_str(r, &name)) return;
        if (name->len < 1 || name->len > SKB_MAX_NAME) {
            fail(r, "bad module name", 0);
            return;
        }
        push(vm, val_obj(name));
        if (tab_hit(tab_getstr(VTAB(vm->stack[mods]), name))) {
            fail(r, "duplicate module name", 0);
            return;
        }
        struct proto *p = proto_new(vm);
        push(vm, val_obj(p));
        tab_set(vm, VTAB(vm->stack[mods]), vm->stack[vm->top - 2], val_obj(p));
        vm->top -= 2;
        uint32_t first = r->fnum;
        if (!rd_function(r, p, 0)) return;
        /* Structural faults are reported by rd_body; from here on, by the verifier. */
        if (!verify_tree(r, p, NULL, &first)) return;
        if (m == 0) main = p;
    }
    if (r->p != r->end) {
        fail(r, "trailing bytes", 0);
        return;
    }
    lcl_push_main(vm, main);
    if (job->app) {
        stack_reserve(vm, 2);
        vm->stack[vm->top++] = val_obj(str_newc(vm, "modules"));
        tab_set(vm, VTAB(vm->registry), vm->stack[vm->top - 1], vm->stack[mods]);
        vm->top--;
        /* require names the bundle in its loader data and messages (lib_package.c). */
        vm->stack[vm->top++] = val_obj(str_newc(vm, r->name));
        vm->stack[vm->top++] = val_obj(str_newc(vm, "bundle"));
        tab_set(vm, VTAB(vm->registry), vm->stack[vm->top - 1], vm->stack[vm->top - 2]);
        vm->top -= 2;
    }
    vm->stack[mods] = vm->stack[vm->top - 1];
    vm->top = mods + 1;
    job->ok = true;
}

enum vm_outcome vm_load(struct vm *vm, const uint8_t *bytes, size_t len, const char *name)
{
    return load_bytecode(vm, bytes, len, name, true);
}

enum vm_outcome load_bytecode(struct vm *vm, const uint8_t *bytes, size_t len, const char *name,
                            bool app)
{
    struct load_job job;
    memset(&job, 0, sizeof job);
    job.app = app;
    job.r.vm = vm;
    job.r.p = bytes;
    job.r.end = bytes + len;
    job.r.name = name;
    job.bytes = bytes;
    job.len = len;
    uint32_t top = vm->top;
    if (protected_run(vm, load_body, &job) != VM_DONE) return VM_ERROR;
    if (job.ok) return VM_DONE;
    vm->top = top;
    if (job.r.err[0] != '\0')
        vm_push_fstr(vm, "%s: %s", name, job.r.err);
    else
        vm_push_fstr(vm, "%s: bad bytecode: %s at function %u pc %u", name, job.r.what,
                     job.r.fnum > 0 ? job.r.fnum - 1 : 0, job.r.pc);
    return VM_BAD_BYTECODE;
}
