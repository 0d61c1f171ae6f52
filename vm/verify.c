/* vm/verify.c: the bytecode verifier (docs/bytecode.md "Verifier"). It proves, for one
 * function, that no instruction can make the interpreter read or write outside the frame, the
 * constant table, the upvalue array or the nested-function list, that every jump lands on an
 * instruction that may start executing, and that execution cannot run off the end. The operand
 * roles come from skb.h's opcode table, so a new opcode cannot escape the checks.
 *
 * Entry point: skb_verify_proto, called by load.c for every function before anything runs. */
#include "vm/core.h"

#include <stdio.h>

struct op_info {
    uint8_t fmt, a, b, c;
};

static const struct op_info op_info[SKB_NUM_OPCODES] = {
#define OP_INFO(name, fmt, ra, rb, rc, effect)                                                     \
    {SKB_FMT_##fmt, SKB_ROLE_##ra, SKB_ROLE_##rb, SKB_ROLE_##rc},
    SKB_OPCODES(OP_INFO)
#undef OP_INFO
};

struct vctx {
    const struct proto *p;
    uint32_t fnum;
    char *err;
    size_t cap;
    const char *msg;
};

static bool refuse(struct vctx *v, const char *what, uint32_t pc)
{
    snprintf(v->err, v->cap, "bad bytecode: %s at function %u pc %u", what, v->fnum, pc);
    v->msg = v->err;
    return false;
}

static bool is_arith(unsigned op)
{
    return op >= SKB_OP_ADDI && op <= SKB_OP_SHR;
}

static bool is_cond(unsigned op)
{
    return (op >= SKB_OP_EQ && op <= SKB_OP_GEI) || op == SKB_OP_TEST || op == SKB_OP_TESTSET;
}

static bool is_mmbin(unsigned op)
{
    return op == SKB_OP_MMBIN || op == SKB_OP_MMBINI || op == SKB_OP_MMBINK;
}

/* Checks one operand 'v' of instruction 'i' at 'pc' against 'role'. */
static bool check_role(struct vctx *v, uint32_t pc, skb_ins i, unsigned role, unsigned val)
{
    const struct proto *p = v->p;
    switch (role) {
    case SKB_ROLE_R:
        if (val >= p->maxstack) return refuse(v, "register out of range", pc);
        return true;
    case SKB_ROLE_K:
        if (val >= p->nk) return refuse(v, "constant out of range", pc);
        return true;
    case SKB_ROLE_KS:
        if (val >= p->nk) return refuse(v, "constant out of range", pc);
        if (p->k[val].tt != VT_STR) return refuse(v, "constant is not a string", pc);
        return true;
    case SKB_ROLE_KN: {
        if (val >= p->nk) return refuse(v, "constant out of range", pc);
        uint8_t tt = p->k[val].tt;
        unsigned op = skb_op(i);
        if (op == SKB_OP_BANDK || op == SKB_OP_BORK || op == SKB_OP_BXORK) {
            if (tt != VT_INT) return refuse(v, "constant is not an integer", pc);
        } else if (tt != VT_INT && tt != VT_FLT) {
            return refuse(v, "constant is not a number", pc);
        }
        return true;
    }
    case SKB_ROLE_RK:
        if (skb_k(i)) {
            if (val >= p->nk) return refuse(v, "constant out of range", pc);
        } else if (val >= p->maxstack) {
            return refuse(v, "register out of range", pc);
        }
        return true;
    case SKB_ROLE_U:
        if (val >= p->nup) return refuse(v, "upvalue out of range", pc);
        return true;
    case SKB_ROLE_P:
        if (val >= p->nproto) return refuse(v, "function index out of range", pc);
        return true;
    case SKB_ROLE_E:
        if (val < SKB_EV_ADD || val > SKB_EV_SHR) return refuse(v, "bad metamethod event", pc);
        return true;
    default:
        return true;
    }
}

/* A place execution may go to: inside the code and not an EXTRAARG. */
static bool check_target(struct vctx *v, uint32_t pc, int64_t target)
{
    if (target < 0 || target >= (int64_t)v->p->ncode) return refuse(v, "jump out of range", pc);
    if (skb_op(v->p->code[target]) == SKB_OP_EXTRAARG)
        return refuse(v, "jump to an extra argument", pc);
    if (target == 0 && v->p->is_vararg) return refuse(v, "jump to the vararg setup", pc);
    return true;
}

/* The instruction before 'pc' leaves a multiple-result top that reaches at least 'min_a'. */
static bool top_set_before(const struct proto *p, uint32_t pc, unsigned min_a, bool allow_tail)
{
    if (pc == 0) return false;
    skb_ins prev = p->code[pc - 1];
    unsigned op = skb_op(prev);
    if ((op == SKB_OP_CALL || op == SKB_OP_VARARG) && skb_c(prev) == 0) return skb_a(prev) >= min_a;
    if (allow_tail && op == SKB_OP_TAILCALL) return true;
    return false;
}

static bool check_upvalues(struct vctx *v, const struct proto *parent)
{
    const struct proto *p = v->p;
    if (parent == NULL) {
        if (p->nup != 1 || p->up[0].instack != 1 || p->up[0].idx != 0 || p->numparams != 0 ||
            !p->is_vararg)
            return refuse(v, "bad main function", 0);
        return true;
    }
    for (uint32_t u = 0; u < p->nup; u++) {
        if (p->up[u].instack ? p->up[u].idx >= parent->maxstack : p->up[u].idx >= parent->nup)
            return refuse(v, "upvalue descriptor out of range", 0);
    }
    return true;
}

static bool check_ins(struct vctx *v, uint32_t pc)
{
    const struct proto *p = v->p;
    skb_ins i = p->code[pc];
    unsigned op = skb_op(i);
    if (op >= SKB_NUM_OPCODES) return refuse(v, "bad opcode", pc);
    const struct op_info *info = &op_info[op];
    unsigned a = skb_a(i), b = skb_b(i), c = skb_c(i), ms = p->maxstack;
    uint32_t n = p->ncode;

    switch (info->fmt) {
    case SKB_FMT_ABC:
        if (!check_role(v, pc, i, info->a, a) || !check_role(v, pc, i, info->b, b) ||
            !check_role(v, pc, i, info->c, c))
            return false;
        break;
    case SKB_FMT_ABx:
    case SKB_FMT_AsBx:
        if (!check_role(v, pc, i, info->a, a) || !check_role(v, pc, i, info->b, skb_bx(i)))
            return false;
        break;
    default:
        break;
    }

    if (is_arith(op)) {
        if (pc + 2 >= n || !is_mmbin(skb_op(p->code[pc + 1])))
            return refuse(v, "arithmetic without its metamethod fallback", pc);
        if (!check_target(v, pc, (int64_t)pc + 2)) return false;
    }
    if (is_mmbin(op) && (pc == 0 || !is_arith(skb_op(p->code[pc - 1]))))
        return refuse(v, "metamethod fallback without its arithmetic", pc);
    if (is_cond(op)) {
        if (pc + 2 >= n || skb_op(p->code[pc + 1]) != SKB_OP_JMP)
            return refuse(v, "test without its jump", pc);
        if (!check_target(v, pc, (int64_t)pc + 2)) return false;
    }

    switch (op) {
    case SKB_OP_LOADKX:
        if (pc + 1 >= n || skb_op(p->code[pc + 1]) != SKB_OP_EXTRAARG)
            return refuse(v, "missing extra argument", pc);
        if (skb_ax(p->code[pc + 1]) >= p->nk) return refuse(v, "constant out of range", pc);
        if (pc + 2 >= n) return refuse(v, "code runs off the end", pc);
        break;
    case SKB_OP_NEWTABLE:
        if (pc + 1 >= n || skb_op(p->code[pc + 1]) != SKB_OP_EXTRAARG)
            return refuse(v, "missing extra argument", pc);
        if (pc + 2 >= n) return refuse(v, "code runs off the end", pc);
        break;
    case SKB_OP_SETLIST:
        if (b > 0 && a + b >= ms) return refuse(v, "register out of range", pc);
        if (b == 0 && !top_set_before(p, pc, a + 1, false))
            return refuse(v, "open list without a multiple result", pc);
        if (skb_k(i)) {
            if (pc + 1 >= n || skb_op(p->code[pc + 1]) != SKB_OP_EXTRAARG)
                return refuse(v, "missing extra argument", pc);
            if (pc + 2 >= n) return refuse(v, "code runs off the end", pc);
        }
        break;
    case SKB_OP_EXTRAARG: {
        if (pc == 0) return refuse(v, "extra argument without its instruction", pc);
        skb_ins prev = p->code[pc - 1];
        unsigned pop = skb_op(prev);
        if (!(pop == SKB_OP_LOADKX || pop == SKB_OP_NEWTABLE || (pop == SKB_OP_SETLIST && skb_k(prev))))
            return refuse(v, "extra argument without its instruction", pc);
        break;
    }
    case SKB_OP_LOADNIL:
        if (a + b >= ms) return refuse(v, "register out of range", pc);
        break;
    case SKB_OP_LFALSESKIP:
        if (!check_target(v, pc, (int64_t)pc + 2)) return false;
        break;
    case SKB_OP_SELF:
        if (a + 1 >= ms) return refuse(v, "register out of range", pc);
        break;
    case SKB_OP_CONCAT:
        if (b < 2 || a + b > ms) return refuse(v, "register out of range", pc);
        break;
    case SKB_OP_JMP:
        if (!check_target(v, pc, (int64_t)pc + 1 + skb_sj(i))) return false;
        break;
    case SKB_OP_CALL:
    case SKB_OP_TAILCALL:
        if (b > 0 && a + b > ms) return refuse(v, "register out of range", pc);
        if (b == 0 && !top_set_before(p, pc, a + 1, false))
            return refuse(v, "open call without a multiple result", pc);
        if (op == SKB_OP_CALL && c > 0 && a + c - 1 > ms) return refuse(v, "register out of range", pc);
        /* A native tail-called returns through the RETURN after the TAILCALL, also when it
         * yields and the coroutine resumes there (interp.c), so that RETURN must be there. */
        if (op == SKB_OP_TAILCALL &&
            (pc + 1 >= p->ncode || skb_op(p->code[pc + 1]) != SKB_OP_RETURN ||
             skb_a(p->code[pc + 1]) != a || skb_b(p->code[pc + 1]) != 0))
            return refuse(v, "tail call without its return", pc);
        break;
    case SKB_OP_RETURN:
        if (b > 0 && a + b - 1 > ms) return refuse(v, "register out of range", pc);
        if (b == 0 && !top_set_before(p, pc, a, true))
            return refuse(v, "open return without a multiple result", pc);
        break;
    case SKB_OP_VARARG:
        if (c > 0 && a + c - 1 > ms) return refuse(v, "register out of range", pc);
        break;
    case SKB_OP_VARARGPREP:
        if (pc != 0 || !p->is_vararg || a != p->numparams)
            return refuse(v, "misplaced vararg setup", pc);
        break;
    case SKB_OP_FORPREP:
        if (a + 3 >= ms) return refuse(v, "register out of range", pc);
        if (!check_target(v, pc, (int64_t)pc + 2 + skb_bx(i))) return false;
        break;
    case SKB_OP_FORLOOP:
        if (a + 3 >= ms) return refuse(v, "register out of range", pc);
        if (!check_target(v, pc, (int64_t)pc + 1 - skb_bx(i))) return false;
        break;
    case SKB_OP_TFORPREP: {
        if (a + 3 >= ms) return refuse(v, "register out of range", pc);
        int64_t t = (int64_t)pc + 1 + skb_bx(i);
        if (!check_target(v, pc, t)) return false;
        if (skb_op(p->code[t]) != SKB_OP_TFORCALL || skb_a(p->code[t]) != a)
            return refuse(v, "generic for without its call", pc);
        break;
    }
    case SKB_OP_TFORCALL:
        if (c < 1 || a + 3 + c >= ms) return refuse(v, "register out of range", pc);
        if (pc + 1 >= n || skb_op(p->code[pc + 1]) != SKB_OP_TFORLOOP || skb_a(p->code[pc + 1]) != a)
            return refuse(v, "generic for call without its loop", pc);
        break;
    case SKB_OP_TFORLOOP:
        if (a + 4 >= ms) return refuse(v, "register out of range", pc);
        if (!check_target(v, pc, (int64_t)pc + 1 - skb_bx(i))) return false;
        break;
    default:
        break;
    }
    return true;
}

const char *skb_verify_proto(const struct proto *p, const struct proto *parent, uint32_t fnum,
                             char *err, size_t cap)
{
    struct vctx v = {p, fnum, err, cap, NULL};
    if (!check_upvalues(&v, parent)) return v.msg;
    if (p->is_vararg != (skb_op(p->code[0]) == SKB_OP_VARARGPREP))
        return refuse(&v, "vararg setup missing", 0), v.msg;
    for (uint32_t pc = 0; pc < p->ncode; pc++)
        if (!check_ins(&v, pc)) return v.msg;
    unsigned last = skb_op(p->code[p->ncode - 1]);
    if (last != SKB_OP_RETURN && last != SKB_OP_RETURN0 && last != SKB_OP_RETURN1 &&
        last != SKB_OP_JMP)
        return refuse(&v, "code runs off the end", p->ncode - 1), v.msg;
    return NULL;
}
