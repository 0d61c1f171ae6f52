/* vm/debug.c: what errors say about where they happened: "file:line:" positions, variable
 * names in messages ("(local 'user')", "(global 'foo')", "(field 'x')", "(upvalue 'u')",
 * "(constant 'k')", "(method 'm')"), the names of natives in "bad argument" messages, and the
 * traceback of an uncaught error. Names are found as Lua finds them: from the local-variable
 * records, or by finding the instruction that last set the register (findsetreg) and reading
 * what it loaded. */
#include "vm/core.h"

#include <stdio.h>
#include <string.h>

static struct proto *ci_proto(struct vm *vm, const struct callinfo *ci)
{
    return VLCL(vm->stack[ci->func])->p;
}

static int ci_pc(struct vm *vm, const struct callinfo *ci)
{
    return (int)(ci->savedpc - ci_proto(vm, ci)->code) - 1;
}

static const char *local_name(const struct proto *p, int reg1, int pc)
{
    for (uint32_t i = 0; i < p->nlocvars && p->locvars[i].startpc <= (uint32_t)pc; i++) {
        if ((uint32_t)pc < p->locvars[i].endpc) {
            if (--reg1 == 0) return p->locvars[i].name ? p->locvars[i].name->data : NULL;
        }
    }
    return NULL;
}

static const char *upval_name(const struct proto *p, unsigned u)
{
    if (u < p->nup && p->up[u].name != NULL) return p->up[u].name->data;
    return "?";
}

/* Whether the opcode writes register A (Lua's testAMode). */
static bool sets_a(unsigned op)
{
    switch (op) {
    case SKB_OP_SETTABUP: case SKB_OP_SETTABLE: case SKB_OP_SETI: case SKB_OP_SETFIELD:
    case SKB_OP_SETUPVAL: case SKB_OP_MMBIN: case SKB_OP_MMBINI: case SKB_OP_MMBINK:
    case SKB_OP_CLOSE: case SKB_OP_TBC: case SKB_OP_JMP: case SKB_OP_EQ: case SKB_OP_LT:
    case SKB_OP_LE: case SKB_OP_EQK: case SKB_OP_EQI: case SKB_OP_LTI: case SKB_OP_LEI:
    case SKB_OP_GTI: case SKB_OP_GEI: case SKB_OP_TEST: case SKB_OP_RETURN:
    case SKB_OP_RETURN0: case SKB_OP_RETURN1: case SKB_OP_TFORPREP: case SKB_OP_SETLIST:
    case SKB_OP_VARARGPREP: case SKB_OP_EXTRAARG:
        return false;
    default:
        return true;
    }
}

static int find_setreg(const struct proto *p, int lastpc, int reg)
{
    int setreg = -1, jmptarget = 0;
    unsigned lop = skb_op(p->code[lastpc]);
    /* An MMBIN* reports for the arithmetic before it, which did not set its register. */
    if (lop == SKB_OP_MMBIN || lop == SKB_OP_MMBINI || lop == SKB_OP_MMBINK) lastpc--;
    for (int pc = 0; pc < lastpc; pc++) {
        skb_ins i = p->code[pc];
        unsigned op = skb_op(i);
        int a = (int)skb_a(i);
        bool change;
        switch (op) {
        case SKB_OP_LOADNIL:
            change = a <= reg && reg <= a + (int)skb_b(i);
            break;
        case SKB_OP_TFORCALL:
            change = reg >= a + 2;
            break;
        case SKB_OP_CALL:
        case SKB_OP_TAILCALL:
            change = reg >= a;
            break;
        case SKB_OP_JMP: {
            int dest = pc + 1 + skb_sj(i);
            if (dest <= lastpc && dest > jmptarget) jmptarget = dest;
            change = false;
            break;
        }
        default:
            change = sets_a(op) && reg == a;
        }
        if (change) setreg = pc < jmptarget ? -1 : pc;
    }
    return setreg;
}

static const char *obj_name(const struct proto *p, int lastpc, int reg, const char **name);

static const char *kstr(const struct proto *p, unsigned idx)
{
    if (idx < p->nk && p->k[idx].tt == VT_STR) return VSTR(p->k[idx])->data;
    return "?";
}

static const char *is_env(const struct proto *p, int pc, skb_ins i, bool isup)
{
    const char *name = NULL;
    if (isup) name = upval_name(p, skb_b(i));
    else obj_name(p, pc, (int)skb_b(i), &name);
    return name && strcmp(name, "_ENV") == 0 ? "global" : "field";
}

static const char *obj_name(const struct proto *p, int lastpc, int reg, const char **name)
{
    *name = local_name(p, reg + 1, lastpc);
    if (*name) return "local";
    int pc = find_setreg(p, lastpc, reg);
    if (pc == -1) return NULL;
    skb_ins i = p->code[pc];
    switch (skb_op(i)) {
    case SKB_OP_MOVE:
        if ((int)skb_b(i) < (int)skb_a(i)) return obj_name(p, pc, (int)skb_b(i), name);
        return NULL;
    case SKB_OP_GETTABUP:
        *name = kstr(p, skb_c(i));
        return is_env(p, pc, i, true);
    case SKB_OP_GETTABLE: {
        const char *kn = NULL;
        const char *what = obj_name(p, pc, (int)skb_c(i), &kn);
        *name = (what && strcmp(what, "constant") == 0) ? kn : "?";
        return is_env(p, pc, i, false);
    }
    case SKB_OP_GETI:
        *name = "integer index";
        return "field";
    case SKB_OP_GETFIELD:
        *name = kstr(p, skb_c(i));
        return is_env(p, pc, i, false);
    case SKB_OP_GETUPVAL:
        *name = upval_name(p, skb_b(i));
        return "upvalue";
    case SKB_OP_LOADK:
        if (p->k[skb_bx(i)].tt == VT_STR) {
            *name = VSTR(p->k[skb_bx(i)])->data;
            return "constant";
        }
        return NULL;
    case SKB_OP_LOADKX:
        if (p->k[skb_ax(p->code[pc + 1])].tt == VT_STR) {
            *name = VSTR(p->k[skb_ax(p->code[pc + 1])])->data;
            return "constant";
        }
        return NULL;
    case SKB_OP_SELF:
        if (skb_k(i)) *name = kstr(p, skb_c(i));
        else {
            const char *kn = NULL;
            const char *what = obj_name(p, pc, (int)skb_c(i), &kn);
            *name = (what && strcmp(what, "constant") == 0) ? kn : "?";
        }
        return "method";
    default:
        return NULL;
    }
}

/* " (local 'x')" for a value that lives in a register or upvalue of the running Lua
 * function, else "". */
static void varinfo(struct vm *vm, const vm_val *p, char *buf, size_t cap)
{
    buf[0] = '\0';
    struct callinfo *ci = vm->ci;
    if (p == NULL || !(ci->status & CI_LUA)) return;
    struct lclosure *cl = VLCL(vm->stack[ci->func]);
    const char *kind = NULL, *name = NULL;
    for (int u = 0; u < cl->nup; u++)
        if (cl->up[u] != NULL && cl->up[u]->v == p) {
            kind = "upvalue";
            name = upval_name(cl->p, (unsigned)u);
        }
    const vm_val *base = vm->stack + ci->func + 1;
    if (kind == NULL && p >= base && p < vm->stack + ci->top)
        kind = obj_name(cl->p, ci_pc(vm, ci), (int)(p - base), &name);
    if (kind != NULL) snprintf(buf, cap, " (%s '%s')", kind, name);
}

_Noreturn void debug_typeerror(struct vm *vm, const vm_val *p, vm_val v, const char *op)
{
    char info[200];
    varinfo(vm, p, info, sizeof info);
    vm_rt_error(vm, "attempt to %s a %s value%s", op, val_typename(vm, v), info);
}

_Noreturn void debug_indexerror(struct vm *vm, const vm_val *p, vm_val t, vm_val key)
{
    (void)key;
    debug_typeerror(vm, p, t, "index");
}

_Noreturn void debug_callerror(struct vm *vm, const vm_val *p, vm_val v)
{
    debug_typeerror(vm, p, v, "call");
}

_Noreturn void debug_tointerror(struct vm *vm, const vm_val *pa, vm_val a, const vm_val *pb, vm_val b)
{
    int64_t t;
    if (!val_to_int_exact(a, &t)) pb = pa;
    (void)b;
    char info[200];
    varinfo(vm, pb, info, sizeof info);
    vm_rt_error(vm, "number%s has no integer representation", info);
}

_Noreturn void debug_tbcerror(struct vm *vm, uint32_t slot)
{
    struct callinfo *ci = vm->ci;
    const char *name = NULL;
    if (ci->status & CI_LUA)
        name = local_name(ci_proto(vm, ci), (int)(slot - ci->func), ci_pc(vm, ci));
    vm_rt_error(vm, "variable '%s' got a non-closable value", name ? name : "?");
}

/* Lua's luaO_chunkid: "@file" is the file name; "=name" is the name; other sources show as
 * [string "first line..."]. */
static void chunk_id(const struct proto *p, char *buf, size_t cap)
{
    const char *s = p->source ? p->source->data : "?";
    size_t len = p->source ? p->source->len : 1;
    if (*s == '@' || *s == '=') {
        if (len - 1 < cap) snprintf(buf, cap, "%s", s + 1);
        else snprintf(buf, cap, "...%s", s + len - (cap - 4));
        return;
    }
    const char *nl = memchr(s, '\n', len);
    size_t n = nl ? (size_t)(nl - s) : len;
    if (n > cap - 15) n = cap - 15;
    snprintf(buf, cap, "[string \"%.*s%s\"]", (int)n, s, (nl || n < len) ? "..." : "");
}

void debug_where(struct vm *vm, int level, char *buf, size_t cap)
{
    buf[0] = '\0';
    struct callinfo *ci = vm->ci - level;
    if (ci <= vm->cis || !(ci->status & CI_LUA)) return;
    struct proto *p = ci_proto(vm, ci);
    char src[200];
    chunk_id(p, src, sizeof src);
    snprintf(buf, cap, "%s:%d: ", src, proto_line(p, ci_pc(vm, ci)));
}

/* The name the calling instruction used for the function of frame 'ci', with its kind. */
static const char *call_name(struct vm *vm, struct callinfo *ci, const char **name)
{
    struct callinfo *caller = ci - 1;
    if (ci->status & CI_TAIL) return NULL;
    if (caller <= vm->cis || !(caller->status & CI_LUA)) return NULL;
    struct proto *p = ci_proto(vm, caller);
    int pc = ci_pc(vm, caller);
    skb_ins i = p->code[pc];
    switch (skb_op(i)) {
    case SKB_OP_CALL:
    case SKB_OP_TAILCALL:
        return obj_name(p, pc, (int)skb_a(i), name);
    case SKB_OP_TFORCALL:
        *name = "for iterator";
        return "for iterator";
    default:
        return NULL;
    }
}

/* The global name of function 'f', as lua5.4 finds it in package.loaded: "print", or
 * "string.rep" for a library function. */
static bool global_name(struct vm *vm, vm_val f, char *buf, size_t cap)
{
    if (vm->globals.tt != VT_TAB) return false;
    struct vtab *g = VTAB(vm->globals);
    vm_val k = val_nil(), v;
    while (tab_next(vm, g, &k, &v) == 1) {
        if (k.tt != VT_STR) continue;
        if (v.tt == f.tt && v.u.gc == f.u.gc) {
            snprintf(buf, cap, "%s", VSTR(k)->data);
            return true;
        }
    }
    k = val_nil();
    while (tab_next(vm, g, &k, &v) == 1) {
        if (k.tt != VT_STR || v.tt != VT_TAB || VTAB(v) == g) continue;
        if (strcmp(VSTR(k)->data, "_G") == 0) continue;
        vm_val k2 = val_nil(), v2;
        while (tab_next(vm, VTAB(v), &k2, &v2) == 1) {
            if (k2.tt == VT_STR && v2.tt == f.tt && v2.u.gc == f.u.gc) {
                snprintf(buf, cap, "%s.%s", VSTR(k)->data, VSTR(k2)->data);
                return true;
            }
        }
    }
    return false;
}

const char *debug_native_name(struct vm *vm, bool *is_method)
{
    const char *name = NULL;
    const char *kind = call_name(vm, vm->ci, &name);
    *is_method = kind != NULL && strcmp(kind, "method") == 0;
    if (kind != NULL && name != NULL) return name;
    vm_val f = vm->stack[vm->ci->func];
    if (global_name(vm, f, vm->namebuf, sizeof vm->namebuf)) return vm->namebuf;
    if (f.tt == VT_NCL && VNCL(f)->name != NULL) return VNCL(f)->name;
    return "?";
}

static void tb_add(struct vm *vm, const char *s)
{
    size_t n = strlen(s);
    if (vm->tb_len + n >= sizeof vm->tb) n = sizeof vm->tb - 1 - vm->tb_len;
    memcpy(vm->tb + vm->tb_len, s, n);
    vm->tb_len += n;
    vm->tb[vm->tb_len] = '\0';
}

/* Lua prints at most this many frames from each end of a deep stack (luaL_traceback's
 * LEVELS1/LEVELS2). */
#define TB_FIRST 10
#define TB_LAST 11

void debug_traceback(struct vm *vm)
{
    vm->tb_len = 0;
    vm->tb[0] = '\0';
    tb_add(vm, "stack traceback:");
    int nframes = (int)(vm->ci - vm->cis);
    int level = 0;
    for (struct callinfo *ci = vm->ci; ci >= vm->cis; ci--, level++) {
        if (nframes > TB_FIRST + TB_LAST && level == TB_FIRST) {
            char line[64];
            snprintf(line, sizeof line, "\n\t...\t(skipping %d levels)", nframes - TB_FIRST - TB_LAST + 1);
            tb_add(vm, line);
            ci = vm->cis + TB_LAST - 1;
            level = nframes - TB_LAST + 1;
        }
        char line[700], what[260];
        if (ci == vm->cis) {
            tb_add(vm, "\n\t[C]: in ?");
            break;
        }
        vm_val f = vm->stack[ci->func];
        const char *name = NULL;
        const char *kind = call_name(vm, ci, &name);
        char gname[200];
        if (global_name(vm, f, gname, sizeof gname)) snprintf(what, sizeof what, "function '%s'", gname);
        else if (kind != NULL) snprintf(what, sizeof what, "%s '%s'", kind, name);
        else if (f.tt == VT_LCL && VLCL(f)->p->linedefined == 0) snprintf(what, sizeof what, "main chunk");
        else if (f.tt == VT_LCL) {
            char src[200];
            chunk_id(VLCL(f)->p, src, sizeof src);
            snprintf(what, sizeof what, "function <%s:%u>", src, VLCL(f)->p->linedefined);
        } else snprintf(what, sizeof what, "?");
        if (ci->status & CI_LUA) {
            char src[200];
            chunk_id(ci_proto(vm, ci), src, sizeof src);
            snprintf(line, sizeof line, "\n\t%s:%d: in %s", src, proto_line(ci_proto(vm, ci), ci_pc(vm, ci)), what);
        } else {
            snprintf(line, sizeof line, "\n\t[C]: in %s", what);
        }
        tb_add(vm, line);
        if (ci->status & CI_TAIL) tb_add(vm, "\n\t(...tail calls...)");
    }
}
