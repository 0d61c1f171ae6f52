/* lang/code.c: the code generator. The parser hands it expressions as 'struct expdesc' and it
 * decides when and where they reach registers, folds constants, picks the immediate and
 * constant forms of instructions, and threads jump lists, following the algorithms of Lua
 * 5.4's lcode.c so that the instructions match luac5.4's one for one.
 *
 * Entry points: the code_* functions declared in compiler.h.
 */
#include "lang/compiler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXINDEXRK ((int)SKB_MAXARG_B)
#define KEY_INTFLOAT 7 /* tag of the constant map's key for a float with an integer value */

static struct kval *var_kval(struct funcstate *fs, int idx)
{
    return &fs->ls->actvar[idx].kval;
}

/* Register level of the first 'nvar' active locals (compile-time constants take none). */
static int reglevel(struct funcstate *fs, int nvar)
{
    while (nvar-- > 0) {
        struct vardesc *vd = &fs->ls->actvar[fs->firstlocal + nvar];
        if (vd->kind != RDKCTC) return vd->ridx + 1;
    }
    return 0;
}

int code_nvarstack(struct funcstate *fs)
{
    return reglevel(fs, fs->nactvar);
}

static bool hasjumps(const struct expdesc *e)
{
    return e->t != e->f;
}

/* ---- Emitting ---- */

int code_word(struct funcstate *fs, skb_ins i)
{
    struct proto *f = fs->f;
    if (fs->pc >= (int)SKB_MAX_CODE) lex_syntax_error(fs->ls, "control structure too long");
    int cap = f->capcode;
    f->code = lex_grow(fs->ls, f->code, &cap, fs->pc + 1, sizeof *f->code);
    cap = f->capcode;
    f->lines = lex_grow(fs->ls, f->lines, &cap, fs->pc + 1, sizeof *f->lines);
    f->capcode = cap;
    f->code[fs->pc] = i;
    f->lines[fs->pc] = fs->ls->lastline;
    f->ncode = fs->pc + 1;
    return fs->pc++;
}

int code_abck(struct funcstate *fs, int op, int a, int b, int c, int k)
{
    return code_word(fs,
                     skb_abck((unsigned)op, (unsigned)a, (unsigned)b, (unsigned)c, (unsigned)k));
}

int code_abx(struct funcstate *fs, int op, int a, unsigned bx)
{
    return code_word(fs, skb_abx((unsigned)op, (unsigned)a, bx));
}

static int code_asbx(struct funcstate *fs, int op, int a, int sbx)
{
    return code_word(fs, skb_asbx((unsigned)op, (unsigned)a, sbx));
}

static int code_extraarg(struct funcstate *fs, unsigned a)
{
    return code_word(fs, skb_iax(SKB_OP_EXTRAARG, a));
}

void code_fixline(struct funcstate *fs, int line)
{
    fs->f->lines[fs->pc - 1] = line;
}

static skb_ins *getinstr(struct funcstate *fs, const struct expdesc *e)
{
    return &fs->f->code[e->u.info];
}

/* The instruction before the current position, when no jump can land between them. */
static skb_ins *previous_instr(struct funcstate *fs)
{
    static skb_ins invalid = SKB_NUM_OPCODES; /* matches no opcode */
    if (fs->pc > fs->lasttarget) return &fs->f->code[fs->pc - 1];
    invalid = SKB_NUM_OPCODES;
    return &invalid;
}

void code_nil(struct funcstate *fs, int from, int n)
{
    int l = from + n - 1;
    skb_ins *prev = previous_instr(fs);
    if (skb_op(*prev) == SKB_OP_LOADNIL) {
        int pfrom = (int)skb_a(*prev), pl = pfrom + (int)skb_b(*prev);
        if ((pfrom <= from && from <= pl + 1) || (from <= pfrom && pfrom <= l + 1)) {
            if (pfrom < from) from = pfrom;
            if (pl > l) l = pl;
            *prev = skb_set_b(skb_set_a(*prev, (unsigned)from), (unsigned)(l - from));
            return;
        }
    }
    code_abck(fs, SKB_OP_LOADNIL, from, n - 1, 0, 0);
}

/* ---- Jumps ---- */

static int getjump(struct funcstate *fs, int pc)
{
    int offset = skb_sj(fs->f->code[pc]);
    return offset == NO_JUMP ? NO_JUMP : pc + 1 + offset;
}

static void fixjump(struct funcstate *fs, int pc, int dest)
{
    int offset = dest - (pc + 1);
    if (!(-SKB_OFFSET_SJ <= offset && offset <= (int)SKB_MAXARG_SJ - SKB_OFFSET_SJ))
        lex_syntax_error(fs->ls, "control structure too long");
    fs->f->code[pc] = skb_set_sj(fs->f->code[pc], offset);
}

void code_concat(struct funcstate *fs, int *l1, int l2)
{
    if (l2 == NO_JUMP) return;
    if (*l1 == NO_JUMP) {
        *l1 = l2;
        return;
    }
    int list = *l1, next;
    while ((next = getjump(fs, list)) != NO_JUMP)
        list = next;
    fixjump(fs, list, l2);
}

int code_jump(struct funcstate *fs)
{
    return code_word(fs, skb_isj(SKB_OP_JMP, NO_JUMP));
}

void code_ret(struct funcstate *fs, int first, int nret)
{
    int op = nret == 0 ? SKB_OP_RETURN0 : nret == 1 ? SKB_OP_RETURN1 : SKB_OP_RETURN;
    code_abck(fs, op, first, nret + 1, 0, 0);
}

static int condjump(struct funcstate *fs, int op, int a, int b, int c, int k)
{
    code_abck(fs, op, a, b, c, k);
    return code_jump(fs);
}

int code_getlabel(struct funcstate *fs)
{
    fs->lasttarget = fs->pc;
    return fs->pc;
}

static bool is_test_mode(unsigned op)
{
    return (op >= SKB_OP_EQ && op <= SKB_OP_GEI) || op == SKB_OP_TEST || op == SKB_OP_TESTSET;
}

static skb_ins *getjumpcontrol(struct funcstate *fs, int pc)
{
    skb_ins *pi = &fs->f->code[pc];
    if (pc >= 1 && is_test_mode(skb_op(*(pi - 1)))) return pi - 1;
    return pi;
}

/* Makes the TESTSET controlling 'node' store into 'reg', or turns it into a TEST when no value
 * is wanted (or it would copy a register onto itself). Returns false when 'node' is not
 * controlled by a TESTSET. */
static bool patchtestreg(struct funcstate *fs, int node, int reg)
{
    skb_ins *i = getjumpcontrol(fs, node);
    if (skb_op(*i) != SKB_OP_TESTSET) return false;
    if (reg != NO_REG && reg != (int)skb_b(*i))
        *i = skb_set_a(*i, (unsigned)reg);
    else
        *i = skb_abck(SKB_OP_TEST, skb_b(*i), 0, 0, skb_k(*i));
    return true;
}

static void removevalues(struct funcstate *fs, int list)
{
    for (; list != NO_JUMP; list = getjump(fs, list))
        patchtestreg(fs, list, NO_REG);
}

static void patchlistaux(struct funcstate *fs, int list, int vtarget, int reg, int dtarget)
{
    while (list != NO_JUMP) {
        int next = getjump(fs, list);
        if (patchtestreg(fs, list, reg))
            fixjump(fs, list, vtarget);
        else
            fixjump(fs, list, dtarget);
        list = next;
    }
}

void code_patchlist(struct funcstate *fs, int list, int target)
{
    patchlistaux(fs, list, target, NO_REG, target);
}

void code_patchtohere(struct funcstate *fs, int list)
{
    code_patchlist(fs, list, code_getlabel(fs));
}

/* ---- Registers ---- */

void code_checkstack(struct funcstate *fs, int n)
{
    int newstack = fs->freereg + n;
    if (newstack > fs->f->maxstacksize) {
        if (newstack >= SKB_MAX_REGS)
            lex_syntax_error(fs->ls, "function or expression needs too many registers");
        fs->f->maxstacksize = (uint8_t)newstack;
    }
}

void code_reserveregs(struct funcstate *fs, int n)
{
    code_checkstack(fs, n);
    fs->freereg += n;
}

static void freereg(struct funcstate *fs, int reg)
{
    if (reg >= code_nvarstack(fs)) fs->freereg--;
}

static void freeregs(struct funcstate *fs, int r1, int r2)
{
    if (r1 > r2) {
        freereg(fs, r1);
        freereg(fs, r2);
    } else {
        freereg(fs, r2);
        freereg(fs, r1);
    }
}

static void freeexp(struct funcstate *fs, const struct expdesc *e)
{
    if (e->k == VNONRELOC) freereg(fs, e->u.info);
}

static void freeexps(struct funcstate *fs, const struct expdesc *e1, const struct expdesc *e2)
{
    int r1 = e1->k == VNONRELOC ? e1->u.info : -1;
    int r2 = e2->k == VNONRELOC ? e2->u.info : -1;
    freeregs(fs, r1, r2);
}

/* ---- Constants ---- */

static bool kval_same(const struct kval *a, const struct kval *b)
{
    if (a->tag != b->tag) return false;
    switch (a->tag) {
    case SKB_CONST_INT:
    case KEY_INTFLOAT:
        return a->u.i == b->u.i;
    case SKB_CONST_FLOAT:
        return a->u.f == b->u.f; /* as Lua's raw equality: 0.0 == -0.0 */
    case SKB_CONST_SHORTSTR:
        return a->u.s == b->u.s;
    default:
        return true;
    }
}

/* Whether float 'f' has an exact integer value; gives it in 'i'. */
static bool flt2int(double f, int64_t *i)
{
    if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0)) return false;
    double fl = floor(f);
    if (fl != f) return false;
    *i = (int64_t)fl;
    return true;
}

/* The key a value has in the constant map. As in Lua 5.4.4, a float with an integer value gets
 * a key of its own kind (so 1.0 and 1 stay two constants, and 0.0 and -0.0 one), and one map
 * serves every function of the module: a key remembers the index it got last, in whichever
 * function, and the index is reused only when this function's constant there is equal. */
static struct kval kmap_key(const struct kval *v)
{
    struct kval key = *v;
    int64_t i;
    if (v->tag == SKB_CONST_FLOAT && flt2int(v->u.f, &i)) {
        key.tag = KEY_INTFLOAT;
        key.u.i = i;
    }
    return key;
}

static uint64_t kval_hash(const struct kval *k)
{
    uint64_t h;
    switch (k->tag) {
    case SKB_CONST_INT:
    case KEY_INTFLOAT:
        h = (uint64_t)k->u.i;
        break;
    case SKB_CONST_FLOAT:
        memcpy(&h, &k->u.f, sizeof h);
        break;
    case SKB_CONST_SHORTSTR:
        h = k->u.s->hash;
        break;
    default:
        h = 0;
    }
    h = (h ^ k->tag) * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 29);
}

static struct kslot *kmap_find(struct lex *ls, const struct kval *key)
{
    if (ls->nkmap + 1 > ls->capkmap / 2) {
        size_t ncap = ls->capkmap == 0 ? 64 : ls->capkmap * 2;
        struct kslot *nm = calloc(ncap, sizeof *nm);
        if (nm == NULL) lex_nomem(ls);
        for (size_t i = 0; i < ls->capkmap; i++) {
            if (!ls->kmap[i].used) continue;
            size_t j = kval_hash(&ls->kmap[i].key) & (ncap - 1);
            while (nm[j].used)
                j = (j + 1) & (ncap - 1);
            nm[j] = ls->kmap[i];
        }
        free(ls->kmap);
        ls->kmap = nm;
        ls->capkmap = ncap;
    }
    size_t j = kval_hash(key) & (ls->capkmap - 1);
    while (ls->kmap[j].used && !kval_same(&ls->kmap[j].key, key))
        j = (j + 1) & (ls->capkmap - 1);
    return &ls->kmap[j];
}

static int addk(struct funcstate *fs, const struct kval *v)
{
    struct kval key = kmap_key(v);
    struct kslot *slot = kmap_find(fs->ls, &key);
    struct proto *f = fs->f;
    if (slot->used) {
        int k = slot->idx;
        if (k < fs->nk && kval_same(&f->k[k], v)) return k;
    } else {
        slot->used = 1;
        slot->key = key;
        fs->ls->nkmap++;
    }
    if (fs->nk >= (int)SKB_MAX_CONSTS) lex_syntax_error(fs->ls, "too many constants");
    f->k = lex_grow(fs->ls, f->k, &f->capk, fs->nk + 1, sizeof *f->k);
    f->k[fs->nk] = *v;
    f->nk = fs->nk + 1;
    slot->idx = fs->nk;
    return fs->nk++;
}

static int stringK(struct funcstate *fs, struct lstr *s)
{
    struct kval v = {.tag = SKB_CONST_SHORTSTR, .u.s = s};
    return addk(fs, &v);
}

static int intK(struct funcstate *fs, int64_t n)
{
    struct kval v = {.tag = SKB_CONST_INT, .u.i = n};
    return addk(fs, &v);
}

static int numberK(struct funcstate *fs, double r)
{
    struct kval v = {.tag = SKB_CONST_FLOAT, .u.f = r};
    return addk(fs, &v);
}

static int boolK(struct funcstate *fs, bool b)
{
    struct kval v = {.tag = b ? SKB_CONST_TRUE : SKB_CONST_FALSE};
    return addk(fs, &v);
}

static int nilK(struct funcstate *fs)
{
    struct kval v = {.tag = SKB_CONST_NIL};
    return addk(fs, &v);
}

static bool fits_bx(int64_t i)
{
    return -SKB_OFFSET_SBX <= i && i <= (int64_t)SKB_MAXARG_BX - SKB_OFFSET_SBX;
}

static bool fits_c(int64_t i)
{
    return (uint64_t)i + SKB_OFFSET_SC <= SKB_MAXARG_C;
}

static void codek(struct funcstate *fs, int reg, int k)
{
    if (k <= (int)SKB_MAXARG_BX) {
        code_abx(fs, SKB_OP_LOADK, reg, (unsigned)k);
    } else {
        code_abx(fs, SKB_OP_LOADKX, reg, 0);
        code_extraarg(fs, (unsigned)k);
    }
}

void code_int(struct funcstate *fs, int reg, int64_t i)
{
    if (fits_bx(i))
        code_asbx(fs, SKB_OP_LOADI, reg, (int)i);
    else
        codek(fs, reg, intK(fs, i));
}

static void code_float(struct funcstate *fs, int reg, double f)
{
    int64_t fi;
    if (flt2int(f, &fi) && fits_bx(fi))
        code_asbx(fs, SKB_OP_LOADF, reg, (int)fi);
    else
        codek(fs, reg, numberK(fs, f));
}

void code_const2exp(const struct kval *v, struct expdesc *e)
{
    switch (v->tag) {
    case SKB_CONST_INT:
        e->k = VKINT;
        e->u.ival = v->u.i;
        break;
    case SKB_CONST_FLOAT:
        e->k = VKFLT;
        e->u.nval = v->u.f;
        break;
    case SKB_CONST_FALSE:
        e->k = VFALSE;
        break;
    case SKB_CONST_TRUE:
        e->k = VTRUE;
        break;
    case SKB_CONST_NIL:
        e->k = VNIL;
        break;
    default:
        e->k = VKSTR;
        e->u.strval = v->u.s;
        break;
    }
}

static bool tonumeral(const struct expdesc *e, struct kval *v)
{
    if (hasjumps(e)) return false;
    if (e->k == VKINT) {
        if (v) *v = (struct kval){.tag = SKB_CONST_INT, .u.i = e->u.ival};
        return true;
    }
    if (e->k == VKFLT) {
        if (v) *v = (struct kval){.tag = SKB_CONST_FLOAT, .u.f = e->u.nval};
        return true;
    }
    return false;
}

bool code_exp2const(struct funcstate *fs, const struct expdesc *e, struct kval *v)
{
    if (hasjumps(e)) return false;
    switch (e->k) {
    case VFALSE:
        v->tag = SKB_CONST_FALSE;
        return true;
    case VTRUE:
        v->tag = SKB_CONST_TRUE;
        return true;
    case VNIL:
        v->tag = SKB_CONST_NIL;
        return true;
    case VKSTR:
        v->tag = SKB_CONST_SHORTSTR;
        v->u.s = e->u.strval;
        return true;
    case VCONST:
        *v = *var_kval(fs, e->u.info);
        return true;
    default:
        return tonumeral(e, v);
    }
}

/* ---- Expressions to registers ---- */

void code_setreturns(struct funcstate *fs, struct expdesc *e, int nresults)
{
    skb_ins *pc = getinstr(fs, e);
    if (e->k == VCALL) {
        *pc = skb_set_c(*pc, (unsigned)(nresults + 1));
    } else {
        *pc = skb_set_a(skb_set_c(*pc, (unsigned)(nresults + 1)), (unsigned)fs->freereg);
        code_reserveregs(fs, 1);
    }
}

static void str2K(struct funcstate *fs, struct expdesc *e)
{
    e->u.info = stringK(fs, e->u.strval);
    e->k = VK;
}

void code_setoneret(struct funcstate *fs, struct expdesc *e)
{
    if (e->k == VCALL) {
        e->k = VNONRELOC;
        e->u.info = (int)skb_a(*getinstr(fs, e));
    } else if (e->k == VVARARG) {
        skb_ins *pc = getinstr(fs, e);
        *pc = skb_set_c(*pc, 2);
        e->k = VRELOC;
    }
}

void code_dischargevars(struct funcstate *fs, struct expdesc *e)
{
    switch (e->k) {
    case VCONST:
        code_const2exp(var_kval(fs, e->u.info), e);
        break;
    case VLOCAL:
        e->u.info = e->u.var.ridx;
        e->k = VNONRELOC;
        break;
    case VUPVAL:
        e->u.info = code_abck(fs, SKB_OP_GETUPVAL, 0, e->u.info, 0, 0);
        e->k = VRELOC;
        break;
    case VINDEXUP:
        e->u.info = code_abck(fs, SKB_OP_GETTABUP, 0, e->u.ind.t, e->u.ind.idx, 0);
        e->k = VRELOC;
        break;
    case VINDEXI:
        freereg(fs, e->u.ind.t);
        e->u.info = code_abck(fs, SKB_OP_GETI, 0, e->u.ind.t, e->u.ind.idx, 0);
        e->k = VRELOC;
        break;
    case VINDEXSTR:
        freereg(fs, e->u.ind.t);
        e->u.info = code_abck(fs, SKB_OP_GETFIELD, 0, e->u.ind.t, e->u.ind.idx, 0);
        e->k = VRELOC;
        break;
    case VINDEXED:
        freeregs(fs, e->u.ind.t, e->u.ind.idx);
        e->u.info = code_abck(fs, SKB_OP_GETTABLE, 0, e->u.ind.t, e->u.ind.idx, 0);
        e->k = VRELOC;
        break;
    case VVARARG:
    case VCALL:
        code_setoneret(fs, e);
        break;
    default:
        break;
    }
}

static void discharge2reg(struct funcstate *fs, struct expdesc *e, int reg)
{
    code_dischargevars(fs, e);
    switch (e->k) {
    case VNIL:
        code_nil(fs, reg, 1);
        break;
    case VFALSE:
        code_abck(fs, SKB_OP_LOADFALSE, reg, 0, 0, 0);
        break;
    case VTRUE:
        code_abck(fs, SKB_OP_LOADTRUE, reg, 0, 0, 0);
        break;
    case VKSTR:
        str2K(fs, e);
        codek(fs, reg, e->u.info);
        break;
    case VK:
        codek(fs, reg, e->u.info);
        break;
    case VKFLT:
        code_float(fs, reg, e->u.nval);
        break;
    case VKINT:
        code_int(fs, reg, e->u.ival);
        break;
    case VRELOC: {
        skb_ins *pc = getinstr(fs, e);
        *pc = skb_set_a(*pc, (unsigned)reg);
        break;
    }
    case VNONRELOC:
        if (reg != e->u.info) code_abck(fs, SKB_OP_MOVE, reg, e->u.info, 0, 0);
        break;
    default:
        return; /* VJMP: nothing to do yet */
    }
    e->u.info = reg;
    e->k = VNONRELOC;
}

static void discharge2anyreg(struct funcstate *fs, struct expdesc *e)
{
    if (e->k != VNONRELOC) {
        code_reserveregs(fs, 1);
        discharge2reg(fs, e, fs->freereg - 1);
    }
}

static int code_loadbool(struct funcstate *fs, int a, int op)
{
    code_getlabel(fs);
    return code_abck(fs, op, a, 0, 0, 0);
}

/* Whether some jump in 'list' needs a value (is not controlled by a TESTSET). */
static bool need_value(struct funcstate *fs, int list)
{
    for (; list != NO_JUMP; list = getjump(fs, list)) {
        if (skb_op(*getjumpcontrol(fs, list)) != SKB_OP_TESTSET) return true;
    }
    return false;
}

static void exp2reg(struct funcstate *fs, struct expdesc *e, int reg)
{
    discharge2reg(fs, e, reg);
    if (e->k == VJMP) code_concat(fs, &e->t, e->u.info);
    if (hasjumps(e)) {
        int p_f = NO_JUMP, p_t = NO_JUMP;
        if (need_value(fs, e->t) || need_value(fs, e->f)) {
            int fj = e->k == VJMP ? NO_JUMP : code_jump(fs);
            p_f = code_loadbool(fs, reg, SKB_OP_LFALSESKIP);
            p_t = code_loadbool(fs, reg, SKB_OP_LOADTRUE);
            code_patchtohere(fs, fj);
        }
        int final = code_getlabel(fs);
        patchlistaux(fs, e->f, final, reg, p_f);
        patchlistaux(fs, e->t, final, reg, p_t);
    }
    e->f = e->t = NO_JUMP;
    e->u.info = reg;
    e->k = VNONRELOC;
}

void code_exp2nextreg(struct funcstate *fs, struct expdesc *e)
{
    code_dischargevars(fs, e);
    freeexp(fs, e);
    code_reserveregs(fs, 1);
    exp2reg(fs, e, fs->freereg - 1);
}

int code_exp2anyreg(struct funcstate *fs, struct expdesc *e)
{
    code_dischargevars(fs, e);
    if (e->k == VNONRELOC) {
        if (!hasjumps(e)) return e->u.info;
        if (e->u.info >= code_nvarstack(fs)) {
            exp2reg(fs, e, e->u.info);
            return e->u.info;
        }
        /* a local with jumps: the value goes to a new register */
    }
    code_exp2nextreg(fs, e);
    return e->u.info;
}

void code_exp2anyregup(struct funcstate *fs, struct expdesc *e)
{
    if (e->k != VUPVAL || hasjumps(e)) code_exp2anyreg(fs, e);
}

void code_exp2val(struct funcstate *fs, struct expdesc *e)
{
    if (hasjumps(e))
        code_exp2anyreg(fs, e);
    else
        code_dischargevars(fs, e);
}

/* Makes 'e' a constant operand when it is a literal and its index fits an RK field. */
static bool exp2K(struct funcstate *fs, struct expdesc *e)
{
    if (!hasjumps(e)) {
        int info;
        switch (e->k) {
        case VTRUE:
            info = boolK(fs, true);
            break;
        case VFALSE:
            info = boolK(fs, false);
            break;
        case VNIL:
            info = nilK(fs);
            break;
        case VKINT:
            info = intK(fs, e->u.ival);
            break;
        case VKFLT:
            info = numberK(fs, e->u.nval);
            break;
        case VKSTR:
            info = stringK(fs, e->u.strval);
            break;
        case VK:
            info = e->u.info;
            break;
        default:
            return false;
        }
        if (info <= MAXINDEXRK) {
            e->k = VK;
            e->u.info = info;
            return true;
        }
    }
    return false;
}

static int exp2RK(struct funcstate *fs, struct expdesc *e)
{
    if (exp2K(fs, e)) return 1;
    code_exp2anyreg(fs, e);
    return 0;
}

static void codeABRK(struct funcstate *fs, int op, int a, int b, struct expdesc *ec)
{
    int k = exp2RK(fs, ec);
    code_abck(fs, op, a, b, ec->u.info, k);
}

void code_storevar(struct funcstate *fs, struct expdesc *var, struct expdesc *ex)
{
    switch (var->k) {
    case VLOCAL:
        freeexp(fs, ex);
        exp2reg(fs, ex, var->u.var.ridx);
        return;
    case VUPVAL: {
        int e = code_exp2anyreg(fs, ex);
        code_abck(fs, SKB_OP_SETUPVAL, e, var->u.info, 0, 0);
        break;
    }
    case VINDEXUP:
        codeABRK(fs, SKB_OP_SETTABUP, var->u.ind.t, var->u.ind.idx, ex);
        break;
    case VINDEXI:
        codeABRK(fs, SKB_OP_SETI, var->u.ind.t, var->u.ind.idx, ex);
        break;
    case VINDEXSTR:
        codeABRK(fs, SKB_OP_SETFIELD, var->u.ind.t, var->u.ind.idx, ex);
        break;
    case VINDEXED:
        codeABRK(fs, SKB_OP_SETTABLE, var->u.ind.t, var->u.ind.idx, ex);
        break;
    default:
        break;
    }
    freeexp(fs, ex);
}

void code_self(struct funcstate *fs, struct expdesc *e, struct expdesc *key)
{
    code_exp2anyreg(fs, e);
    int ereg = e->u.info;
    freeexp(fs, e);
    e->u.info = fs->freereg;
    e->k = VNONRELOC;
    code_reserveregs(fs, 2);
    codeABRK(fs, SKB_OP_SELF, e->u.info, ereg, key);
    freeexp(fs, key);
}

/* ---- Conditions ---- */

static void negatecondition(struct funcstate *fs, struct expdesc *e)
{
    skb_ins *pc = getjumpcontrol(fs, e->u.info);
    *pc = skb_set_k(*pc, skb_k(*pc) ^ 1u);
}

static int jumponcond(struct funcstate *fs, struct expdesc *e, int cond)
{
    if (e->k == VRELOC) {
        skb_ins ie = *getinstr(fs, e);
        if (skb_op(ie) == SKB_OP_NOT) {
            fs->pc--; /* drop the NOT: test its operand with the opposite condition */
            fs->f->ncode = fs->pc;
            return condjump(fs, SKB_OP_TEST, (int)skb_b(ie), 0, 0, !cond);
        }
    }
    discharge2anyreg(fs, e);
    freeexp(fs, e);
    return condjump(fs, SKB_OP_TESTSET, NO_REG, e->u.info, 0, cond);
}

void code_goiftrue(struct funcstate *fs, struct expdesc *e)
{
    int pc;
    code_dischargevars(fs, e);
    switch (e->k) {
    case VJMP:
        negatecondition(fs, e);
        pc = e->u.info;
        break;
    case VK:
    case VKFLT:
    case VKINT:
    case VKSTR:
    case VTRUE:
        pc = NO_JUMP; /* always true: nothing to jump over */
        break;
    default:
        pc = jumponcond(fs, e, 0);
        break;
    }
    code_concat(fs, &e->f, pc);
    code_patchtohere(fs, e->t);
    e->t = NO_JUMP;
}

void code_goiffalse(struct funcstate *fs, struct expdesc *e)
{
    int pc;
    code_dischargevars(fs, e);
    switch (e->k) {
    case VJMP:
        pc = e->u.info;
        break;
    case VNIL:
    case VFALSE:
        pc = NO_JUMP;
        break;
    default:
        pc = jumponcond(fs, e, 1);
        break;
    }
    code_concat(fs, &e->t, pc);
    code_patchtohere(fs, e->f);
    e->f = NO_JUMP;
}

static void codenot(struct funcstate *fs, struct expdesc *e)
{
    switch (e->k) {
    case VNIL:
    case VFALSE:
        e->k = VTRUE;
        break;
    case VK:
    case VKFLT:
    case VKINT:
    case VKSTR:
    case VTRUE:
        e->k = VFALSE;
        break;
    case VJMP:
        negatecondition(fs, e);
        break;
    case VRELOC:
    case VNONRELOC:
        discharge2anyreg(fs, e);
        freeexp(fs, e);
        e->u.info = code_abck(fs, SKB_OP_NOT, 0, e->u.info, 0, 0);
        e->k = VRELOC;
        break;
    default:
        break;
    }
    int tmp = e->f;
    e->f = e->t;
    e->t = tmp;
    removevalues(fs, e->f);
    removevalues(fs, e->t);
}

/* ---- Indexing ---- */

static bool isKstr(struct funcstate *fs, const struct expdesc *e)
{
    return e->k == VK && !hasjumps(e) && e->u.info <= (int)SKB_MAXARG_B &&
           fs->f->k[e->u.info].tag == SKB_CONST_SHORTSTR &&
           fs->f->k[e->u.info].u.s->len <= SKB_SHORTSTR_MAX;
}

static bool isKint(const struct expdesc *e)
{
    return e->k == VKINT && !hasjumps(e);
}

static bool isCint(const struct expdesc *e)
{
    return isKint(e) && (uint64_t)e->u.ival <= SKB_MAXARG_C;
}

static bool isSCint(const struct expdesc *e)
{
    return isKint(e) && fits_c(e->u.ival);
}

static bool isSCnumber(const struct expdesc *e, int *pi, int *isfloat)
{
    int64_t i;
    if (e->k == VKINT)
        i = e->u.ival;
    else if (e->k == VKFLT && flt2int(e->u.nval, &i))
        *isfloat = 1;
    else
        return false;
    if (!hasjumps(e) && fits_c(i)) {
        *pi = (int)i + SKB_OFFSET_SC;
        return true;
    }
    return false;
}

void code_indexed(struct funcstate *fs, struct expdesc *t, struct expdesc *k)
{
    if (k->k == VKSTR) str2K(fs, k);
    if (t->k == VUPVAL && !isKstr(fs, k)) code_exp2anyreg(fs, t);
    if (t->k == VUPVAL) {
        int up = t->u.info;
        t->u.ind.t = (uint8_t)up;
        t->u.ind.idx = (short)k->u.info;
        t->k = VINDEXUP;
    } else {
        t->u.ind.t = (uint8_t)(t->k == VLOCAL ? t->u.var.ridx : t->u.info);
        if (isKstr(fs, k)) {
            t->u.ind.idx = (short)k->u.info;
            t->k = VINDEXSTR;
        } else if (isCint(k)) {
            t->u.ind.idx = (short)k->u.ival;
            t->k = VINDEXI;
        } else {
            t->u.ind.idx = (short)code_exp2anyreg(fs, k);
            t->k = VINDEXED;
        }
    }
}

/* ---- Constant folding ---- */

static int64_t ishift(int64_t x, int64_t y) /* x << y, negative y shifts right, Lua's rules */
{
    if (y < 0) {
        if (y <= -64) return 0;
        return (int64_t)((uint64_t)x >> (uint64_t)-y);
    }
    if (y >= 64) return 0;
    return (int64_t)((uint64_t)x << (uint64_t)y);
}

static bool tointeger(const struct kval *v, int64_t *i)
{
    if (v->tag == SKB_CONST_INT) {
        *i = v->u.i;
        return true;
    }
    return flt2int(v->u.f, i);
}

static double tonumber(const struct kval *v)
{
    return v->tag == SKB_CONST_INT ? (double)v->u.i : v->u.f;
}

static double fmod_lua(double a, double b)
{
    double m = fmod(a, b);
    if ((m > 0) ? b < 0 : (m < 0 && b > 0)) m += b;
    return m;
}

/* Whether folding 'op' over these operands is safe: bitwise ones need integer values, and
 * division and modulo by zero are left to run time. */
static bool validop(int op, const struct kval *v1, const struct kval *v2)
{
    int64_t i;
    switch (op) {
    case OPR_BAND:
    case OPR_BOR:
    case OPR_BXOR:
    case OPR_SHL:
    case OPR_SHR:
    case OPR_NOBINOPR + 1 + OPR_BNOT:
        return tointeger(v1, &i) && tointeger(v2, &i);
    case OPR_DIV:
    case OPR_IDIV:
    case OPR_MOD:
        return tonumber(v2) != 0;
    default:
        return true;
    }
}

/* Folds 'op' (a binary operator, or OPR_NOBINOPR + 1 + a unary one) into 'e1'. */
static bool constfolding(int op, struct expdesc *e1, const struct expdesc *e2)
{
    struct kval v1, v2;
    if (!tonumeral(e1, &v1) || !tonumeral(e2, &v2) || !validop(op, &v1, &v2)) return false;
    const int bnot = OPR_NOBINOPR + 1 + OPR_BNOT;
    bool isint = false;
    int64_t ri = 0;
    double rf = 0;
    if (op == OPR_BAND || op == OPR_BOR || op == OPR_BXOR || op == OPR_SHL || op == OPR_SHR ||
        op == bnot) {
        int64_t a = 0, b = 0;
        tointeger(&v1, &a);
        tointeger(&v2, &b);
        uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
        isint = true;
        switch (op) {
        case OPR_BAND:
            ri = (int64_t)(ua & ub);
            break;
        case OPR_BOR:
            ri = (int64_t)(ua | ub);
            break;
        case OPR_BXOR:
            ri = (int64_t)(ua ^ ub);
            break;
        case OPR_SHL:
            ri = ishift(a, b);
            break;
        case OPR_SHR:
            ri = ishift(a, b == INT64_MIN ? INT64_MAX : -b);
            break;
        default:
            ri = (int64_t)~ua;
            break;
        }
    } else if (op != OPR_DIV && op != OPR_POW && v1.tag == SKB_CONST_INT &&
               v2.tag == SKB_CONST_INT) {
        uint64_t a = (uint64_t)v1.u.i, b = (uint64_t)v2.u.i;
        isint = true;
        switch (op) {
        case OPR_ADD:
            ri = (int64_t)(a + b);
            break;
        case OPR_SUB:
            ri = (int64_t)(a - b);
            break;
        case OPR_MUL:
            ri = (int64_t)(a * b);
            break;
        case OPR_MOD:
            if (v2.u.i == -1) {
                ri = 0;
            } else {
                ri = v1.u.i % v2.u.i;
                if (ri != 0 && (ri ^ v2.u.i) < 0) ri += v2.u.i;
            }
            break;
        case OPR_IDIV:
            if (v2.u.i == -1) {
                ri = (int64_t)(0 - a);
            } else {
                ri = v1.u.i / v2.u.i;
                if ((v1.u.i % v2.u.i != 0) && ((v1.u.i ^ v2.u.i) < 0)) ri -= 1;
            }
            break;
        default:
            ri = (int64_t)(0 - a);
            break; /* unary minus */
        }
    } else {
        double a = tonumber(&v1), b = tonumber(&v2);
        switch (op) {
        case OPR_ADD:
            rf = a + b;
            break;
        case OPR_SUB:
            rf = a - b;
            break;
        case OPR_MUL:
            rf = a * b;
            break;
        case OPR_DIV:
            rf = a / b;
            break;
        case OPR_POW:
            rf = b == 2 ? a * a : pow(a, b);
            break;
        case OPR_IDIV:
            rf = floor(a / b);
            break;
        case OPR_MOD:
            rf = fmod_lua(a, b);
            break;
        default:
            rf = -a;
            break;
        }
    }
    if (isint) {
        e1->k = VKINT;
        e1->u.ival = ri;
    } else {
        if (isnan(rf) || rf == 0) return false; /* keeps -0.0 and NaN out of constants */
        e1->k = VKFLT;
        e1->u.nval = rf;
    }
    return true;
}

/* ---- Operators ---- */

static void codeunexpval(struct funcstate *fs, int op, struct expdesc *e, int line)
{
    int r = code_exp2anyreg(fs, e);
    freeexp(fs, e);
    e->u.info = code_abck(fs, op, 0, r, 0, 0);
    e->k = VRELOC;
    code_fixline(fs, line);
}

static void finishbinexpval(struct funcstate *fs, struct expdesc *e1, struct expdesc *e2, int op,
                            int v2, int flip, int line, int mmop, int event)
{
    int v1 = code_exp2anyreg(fs, e1);
    int pc = code_abck(fs, op, 0, v1, v2, 0);
    freeexps(fs, e1, e2);
    e1->u.info = pc;
    e1->k = VRELOC;
    code_fixline(fs, line);
    code_abck(fs, mmop, v1, v2, event, flip);
    code_fixline(fs, line);
}

static void codebinexpval(struct funcstate *fs, enum binopr opr, struct expdesc *e1,
                          struct expdesc *e2, int line)
{
    int v2 = code_exp2anyreg(fs, e2);
    finishbinexpval(fs, e1, e2, SKB_OP_ADD + (int)opr, v2, 0, line, SKB_OP_MMBIN,
                    SKB_EV_ADD + (int)opr);
}

static void codebini(struct funcstate *fs, int op, struct expdesc *e1, struct expdesc *e2, int flip,
                     int line, int event)
{
    int v2 = (int)e2->u.ival + SKB_OFFSET_SC;
    finishbinexpval(fs, e1, e2, op, v2, flip, line, SKB_OP_MMBINI, event);
}

static void swapexps(struct expdesc *e1, struct expdesc *e2)
{
    struct expdesc t = *e1;
    *e1 = *e2;
    *e2 = t;
}

/* 'e1 op -I' coded as an immediate instruction when I and -I both fit sC; the metamethod
 * still sees the original operand. */
static bool finishbinexpneg(struct funcstate *fs, struct expdesc *e1, struct expdesc *e2, int op,
                            int line, int event)
{
    if (!isKint(e2)) return false;
    int64_t i2 = e2->u.ival;
    if (!(fits_c(i2) && fits_c(-i2))) return false;
    int v2 = (int)i2;
    finishbinexpval(fs, e1, e2, op, -v2 + SKB_OFFSET_SC, 0, line, SKB_OP_MMBINI, event);
    fs->f->code[fs->pc - 1] = skb_set_b(fs->f->code[fs->pc - 1], (unsigned)(v2 + SKB_OFFSET_SC));
    return true;
}

static void codearith(struct funcstate *fs, enum binopr opr, struct expdesc *e1, struct expdesc *e2,
                      int flip, int line)
{
    if (tonumeral(e2, NULL) && exp2K(fs, e2)) {
        int v2 = e2->u.info;
        finishbinexpval(fs, e1, e2, SKB_OP_ADDK + (int)opr, v2, flip, line, SKB_OP_MMBINK,
                        SKB_EV_ADD + (int)opr);
    } else {
        if (flip) swapexps(e1, e2);
        codebinexpval(fs, opr, e1, e2, line);
    }
}

static void codecommutative(struct funcstate *fs, enum binopr op, struct expdesc *e1,
                            struct expdesc *e2, int line)
{
    int flip = 0;
    if (tonumeral(e1, NULL)) {
        swapexps(e1, e2);
        flip = 1;
    }
    if (op == OPR_ADD && isSCint(e2))
        codebini(fs, SKB_OP_ADDI, e1, e2, flip, line, SKB_EV_ADD);
    else
        codearith(fs, op, e1, e2, flip, line);
}

static void codebitwise(struct funcstate *fs, enum binopr opr, struct expdesc *e1,
                        struct expdesc *e2, int line)
{
    int flip = 0;
    if (e1->k == VKINT) {
        swapexps(e1, e2);
        flip = 1;
    }
    if (e2->k == VKINT && exp2K(fs, e2)) {
        finishbinexpval(fs, e1, e2, SKB_OP_ADDK + (int)opr, e2->u.info, flip, line, SKB_OP_MMBINK,
                        SKB_EV_ADD + (int)opr);
    } else {
        if (flip) swapexps(e1, e2);
        codebinexpval(fs, opr, e1, e2, line);
    }
}

static void codeorder(struct funcstate *fs, int op, struct expdesc *e1, struct expdesc *e2)
{
    int r1, r2, im, isfloat = 0;
    if (isSCnumber(e2, &im, &isfloat)) {
        r1 = code_exp2anyreg(fs, e1);
        r2 = im;
        op = op - SKB_OP_LT + SKB_OP_LTI;
    } else if (isSCnumber(e1, &im, &isfloat)) {
        r1 = code_exp2anyreg(fs, e2);
        r2 = im;
        op = op == SKB_OP_LT ? SKB_OP_GTI : SKB_OP_GEI;
    } else {
        r1 = code_exp2anyreg(fs, e1);
        r2 = code_exp2anyreg(fs, e2);
    }
    freeexps(fs, e1, e2);
    e1->u.info = condjump(fs, op, r1, r2, isfloat, 1);
    e1->k = VJMP;
}

static void codeeq(struct funcstate *fs, enum binopr opr, struct expdesc *e1, struct expdesc *e2)
{
    int r1, r2, im, isfloat = 0, op;
    if (e1->k != VNONRELOC) swapexps(e1, e2); /* e1 is a literal: the register goes first */
    r1 = code_exp2anyreg(fs, e1);
    if (isSCnumber(e2, &im, &isfloat)) {
        op = SKB_OP_EQI;
        r2 = im;
    } else if (exp2RK(fs, e2)) {
        op = SKB_OP_EQK;
        r2 = e2->u.info;
    } else {
        op = SKB_OP_EQ;
        r2 = code_exp2anyreg(fs, e2);
    }
    freeexps(fs, e1, e2);
    e1->u.info = condjump(fs, op, r1, r2, isfloat, opr == OPR_EQ);
    e1->k = VJMP;
}

void code_prefix(struct funcstate *fs, enum unopr op, struct expdesc *e, int line)
{
    static const struct expdesc ef = {.k = VKINT, .u.ival = 0, .t = NO_JUMP, .f = NO_JUMP};
    code_dischargevars(fs, e);
    switch (op) {
    case OPR_MINUS:
    case OPR_BNOT:
        if (constfolding(OPR_NOBINOPR + 1 + (int)op, e, &ef)) break;
        codeunexpval(fs, op == OPR_MINUS ? SKB_OP_UNM : SKB_OP_BNOT, e, line);
        break;
    case OPR_LEN:
        codeunexpval(fs, SKB_OP_LEN, e, line);
        break;
    case OPR_NOT:
        codenot(fs, e);
        break;
    default:
        break;
    }
}

void code_infix(struct funcstate *fs, enum binopr op, struct expdesc *v)
{
    code_dischargevars(fs, v);
    switch (op) {
    case OPR_AND:
        code_goiftrue(fs, v);
        break;
    case OPR_OR:
        code_goiffalse(fs, v);
        break;
    case OPR_CONCAT:
        code_exp2nextreg(fs, v);
        break;
    case OPR_EQ:
    case OPR_NE:
        if (!tonumeral(v, NULL)) exp2RK(fs, v);
        break;
    case OPR_LT:
    case OPR_LE:
    case OPR_GT:
    case OPR_GE: {
        int dummy, dummy2;
        if (!isSCnumber(v, &dummy, &dummy2)) code_exp2anyreg(fs, v);
        break;
    }
    default: /* arithmetic and bitwise: keep numerals, for folding or immediates */
        if (!tonumeral(v, NULL)) code_exp2anyreg(fs, v);
        break;
    }
}

static void codeconcat(struct funcstate *fs, struct expdesc *e1, struct expdesc *e2, int line)
{
    skb_ins *ie2 = previous_instr(fs);
    if (skb_op(*ie2) == SKB_OP_CONCAT) { /* merge into the CONCAT of e2 */
        unsigned n = skb_b(*ie2);
        freeexp(fs, e2);
        *ie2 = skb_set_b(skb_set_a(*ie2, (unsigned)e1->u.info), n + 1);
    } else {
        code_abck(fs, SKB_OP_CONCAT, e1->u.info, 2, 0, 0);
        freeexp(fs, e2);
        code_fixline(fs, line);
    }
}

void code_posfix(struct funcstate *fs, enum binopr opr, struct expdesc *e1, struct expdesc *e2,
                 int line)
{
    code_dischargevars(fs, e2);
    if (opr <= OPR_SHR && constfolding((int)opr, e1, e2)) return;
    switch (opr) {
    case OPR_AND:
        code_concat(fs, &e2->f, e1->f);
        *e1 = *e2;
        break;
    case OPR_OR:
        code_concat(fs, &e2->t, e1->t);
        *e1 = *e2;
        break;
    case OPR_CONCAT:
        code_exp2nextreg(fs, e2);
        codeconcat(fs, e1, e2, line);
        break;
    case OPR_ADD:
    case OPR_MUL:
        codecommutative(fs, opr, e1, e2, line);
        break;
    case OPR_SUB:
        if (finishbinexpneg(fs, e1, e2, SKB_OP_ADDI, line, SKB_EV_SUB)) break;
        codearith(fs, opr, e1, e2, 0, line);
        break;
    case OPR_DIV:
    case OPR_IDIV:
    case OPR_MOD:
    case OPR_POW:
        codearith(fs, opr, e1, e2, 0, line);
        break;
    case OPR_BAND:
    case OPR_BOR:
    case OPR_BXOR:
        codebitwise(fs, opr, e1, e2, line);
        break;
    case OPR_SHL:
        if (isSCint(e1)) {
            swapexps(e1, e2);
            codebini(fs, SKB_OP_SHLI, e1, e2, 1, line, SKB_EV_SHL);
        } else if (!finishbinexpneg(fs, e1, e2, SKB_OP_SHRI, line, SKB_EV_SHL)) {
            codebinexpval(fs, opr, e1, e2, line);
        }
        break;
    case OPR_SHR:
        if (isSCint(e2))
            codebini(fs, SKB_OP_SHRI, e1, e2, 0, line, SKB_EV_SHR);
        else
            codebinexpval(fs, opr, e1, e2, line);
        break;
    case OPR_EQ:
    case OPR_NE:
        codeeq(fs, opr, e1, e2);
        break;
    case OPR_LT:
    case OPR_LE:
        codeorder(fs, SKB_OP_LT + (int)(opr - OPR_LT), e1, e2);
        break;
    case OPR_GT:
    case OPR_GE:
        swapexps(e1, e2); /* a > b is b < a; a >= b is b <= a */
        codeorder(fs, SKB_OP_LT + (int)(opr - OPR_GT), e1, e2);
        break;
    default:
        break;
    }
}

/* ---- Tables and the end of a function ---- */

static int ceillog2(unsigned x)
{
    int l = 0;
    x--;
    while (x > 0) {
        l++;
        x >>= 1;
    }
    return l;
}

void code_settablesize(struct funcstate *fs, int pc, int ra, int asize, int hsize)
{
    skb_ins *inst = &fs->f->code[pc];
    int rb = hsize != 0 ? ceillog2((unsigned)hsize) + 1 : 0;
    int extra = asize / ((int)SKB_MAXARG_C + 1);
    int rc = asize % ((int)SKB_MAXARG_C + 1);
    inst[0] = skb_abck(SKB_OP_NEWTABLE, (unsigned)ra, (unsigned)rb, (unsigned)rc, extra > 0);
    inst[1] = skb_iax(SKB_OP_EXTRAARG, (unsigned)extra);
}

void code_setlist(struct funcstate *fs, int base, int nelems, int tostore)
{
    if (tostore == MULTRET) tostore = 0;
    if (nelems <= (int)SKB_MAXARG_C) {
        code_abck(fs, SKB_OP_SETLIST, base, tostore, nelems, 0);
    } else {
        int extra = nelems / ((int)SKB_MAXARG_C + 1);
        nelems %= (int)SKB_MAXARG_C + 1;
        code_abck(fs, SKB_OP_SETLIST, base, tostore, nelems, 1);
        code_extraarg(fs, (unsigned)extra);
    }
    fs->freereg = base + 1;
}

/* Where a chain of jumps starting at 'i' ends (at most 100 links, as Lua). */
static int finaltarget(const skb_ins *code, int i)
{
    for (int count = 0; count < 100; count++) {
        skb_ins pc = code[i];
        if (skb_op(pc) != SKB_OP_JMP) break;
        i += skb_sj(pc) + 1;
    }
    return i;
}

void code_finish(struct funcstate *fs)
{
    struct proto *p = fs->f;
    for (int i = 0; i < fs->pc; i++) {
        skb_ins *pc = &p->code[i];
        switch (skb_op(*pc)) {
        case SKB_OP_RETURN0:
        case SKB_OP_RETURN1:
            if (!(fs->needclose || p->is_vararg)) break;
            *pc = skb_set_op(*pc, SKB_OP_RETURN);
            __attribute__((fallthrough)); /* RETURN does the extra work */
        case SKB_OP_RETURN:
        case SKB_OP_TAILCALL:
            if (fs->needclose) *pc = skb_set_k(*pc, 1);
            if (p->is_vararg) *pc = skb_set_c(*pc, p->numparams + 1u);
            break;
        case SKB_OP_JMP:
            fixjump(fs, i, finaltarget(p->code, i));
            break;
        default:
            break;
        }
    }
}
