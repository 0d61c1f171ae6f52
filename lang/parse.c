/* lang/parse.c: the parser, a recursive descent over Lua 5.4's grammar (reference manual §9),
 * one pass, driving code.c as it reads; scopes, locals (<const>, <close>), upvalues, gotos and
 * labels with Lua's rules. Each grammar function carries its rule. Error messages are
 * lua5.4's ("'end' expected (to close 'function' at line 3) near '<eof>'").
 *
 * Entry point: parse_chunk().
 */
#include "lang/compiler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXVARS 200   /* locals per function (Lua's limit: the register file) */
#define MAXUPVAL 255  /* upvalues per function: GETUPVAL's B is a byte */
#define MAXCCALLS 200 /* nesting of the parser's recursion (Lua's LUAI_MAXCCALLS) */
#define UNARY_PRIORITY 12

static void statement(struct lex *ls);
static void expr(struct lex *ls, struct expdesc *v);

void lang_proto_free(struct proto *p)
{
    for (int i = 0; i < p->np; i++)
        lang_proto_free(p->p[i]);
    free(p->code);
    free(p->lines);
    free(p->k);
    free(p->p);
    free(p->up);
    free(p->locvars);
    free(p);
}

/* ---- Errors and token checks ---- */

static _Noreturn void semerror(struct lex *ls, const char *msg)
{
    ls->t.tok = 0; /* no "near <token>" in semantic errors */
    lex_syntax_error(ls, msg);
}

static _Noreturn void error_expected(struct lex *ls, int tok)
{
    char t[64], msg[96];
    snprintf(msg, sizeof msg, "%s expected", lex_token_text(ls, tok, t, sizeof t));
    lex_syntax_error(ls, msg);
}

static _Noreturn void errorlimit(struct funcstate *fs, int limit, const char *what)
{
    char where[48], msg[160];
    int line = fs->f->linedefined;
    if (line == 0)
        snprintf(where, sizeof where, "main function");
    else
        snprintf(where, sizeof where, "function at line %d", line);
    snprintf(msg, sizeof msg, "too many %s (limit is %d) in %s", what, limit, where);
    lex_syntax_error(fs->ls, msg);
}

static void checklimit(struct funcstate *fs, int v, int l, const char *what)
{
    if (v > l) errorlimit(fs, l, what);
}

static bool testnext(struct lex *ls, int c)
{
    if (ls->t.tok == c) {
        lex_next(ls);
        return true;
    }
    return false;
}

static void check(struct lex *ls, int c)
{
    if (ls->t.tok != c) error_expected(ls, c);
}

static void checknext(struct lex *ls, int c)
{
    check(ls, c);
    lex_next(ls);
}

static void check_match(struct lex *ls, int what, int who, int where)
{
    if (!testnext(ls, what)) {
        if (where == ls->linenumber) error_expected(ls, what);
        char a[64], b[64], msg[200];
        snprintf(msg, sizeof msg, "%s expected (to close %s at line %d)",
                 lex_token_text(ls, what, a, sizeof a), lex_token_text(ls, who, b, sizeof b),
                 where);
        lex_syntax_error(ls, msg);
    }
}

static struct lstr *str_checkname(struct lex *ls)
{
    check(ls, TK_NAME);
    struct lstr *s = ls->t.v.s;
    lex_next(ls);
    return s;
}

static void init_exp(struct expdesc *e, enum expkind k, int i)
{
    e->f = e->t = NO_JUMP;
    e->k = k;
    e->u.info = i;
}

static void codestring(struct expdesc *e, struct lstr *s)
{
    e->f = e->t = NO_JUMP;
    e->k = VKSTR;
    e->u.strval = s;
}

static void codename(struct lex *ls, struct expdesc *e)
{
    codestring(e, str_checkname(ls));
}

static void enterlevel(struct lex *ls)
{
    if (++ls->depth > MAXCCALLS) lex_error(ls, "C stack overflow", 0);
}

static void leavelevel(struct lex *ls)
{
    ls->depth--;
}

/* ---- Variables ---- */

static struct vardesc *getlocalvardesc(struct funcstate *fs, int vidx)
{
    return &fs->ls->actvar[fs->firstlocal + vidx];
}

static int reglevel(struct funcstate *fs, int nvar)
{
    while (nvar-- > 0) {
        struct vardesc *vd = getlocalvardesc(fs, nvar);
        if (vd->kind != RDKCTC) return vd->ridx + 1;
    }
    return 0;
}

static int registerlocalvar(struct funcstate *fs, struct lstr *name)
{
    struct proto *f = fs->f;
    f->locvars =
        lex_grow(fs->ls, f->locvars, &f->caplocvars, fs->ndebugvars + 1, sizeof *f->locvars);
    f->locvars[fs->ndebugvars].name = name;
    f->locvars[fs->ndebugvars].startpc = fs->pc;
    f->locvars[fs->ndebugvars].endpc = fs->pc;
    f->nlocvars = fs->ndebugvars + 1;
    return fs->ndebugvars++;
}

static int new_localvar(struct lex *ls, struct lstr *name)
{
    struct funcstate *fs = ls->fs;
    checklimit(fs, ls->nactvar_all + 1 - fs->firstlocal, MAXVARS, "local variables");
    ls->actvar = lex_grow(ls, ls->actvar, &ls->capactvar, ls->nactvar_all + 1, sizeof *ls->actvar);
    struct vardesc *v = &ls->actvar[ls->nactvar_all++];
    memset(v, 0, sizeof *v);
    v->kind = VDKREG;
    v->name = name;
    return ls->nactvar_all - 1 - fs->firstlocal;
}

static int new_localvarliteral(struct lex *ls, const char *name)
{
    return new_localvar(ls, lex_str(ls, name, strlen(name)));
}

static struct locvar *localdebuginfo(struct funcstate *fs, int vidx)
{
    struct vardesc *vd = getlocalvardesc(fs, vidx);
    if (vd->kind == RDKCTC) return NULL;
    return &fs->f->locvars[vd->pidx];
}

static void init_var(struct funcstate *fs, struct expdesc *e, int vidx)
{
    e->f = e->t = NO_JUMP;
    e->k = VLOCAL;
    e->u.var.vidx = (unsigned short)vidx;
    e->u.var.ridx = getlocalvardesc(fs, vidx)->ridx;
}

static void check_readonly(struct lex *ls, struct expdesc *e)
{
    struct funcstate *fs = ls->fs;
    struct lstr *varname = NULL;
    switch (e->k) {
    case VCONST:
        varname = ls->actvar[e->u.info].name;
        break;
    case VLOCAL: {
        struct vardesc *vd = getlocalvardesc(fs, e->u.var.vidx);
        if (vd->kind != VDKREG) varname = vd->name;
        break;
    }
    case VUPVAL: {
        struct upvaldesc *up = &fs->f->up[e->u.info];
        if (up->kind != VDKREG) varname = up->name;
        break;
    }
    default:
        return;
    }
    if (varname != NULL) {
        char msg[320];
        snprintf(msg, sizeof msg, "attempt to assign to const variable '%s'", varname->s);
        semerror(ls, msg);
    }
}

static void adjustlocalvars(struct lex *ls, int nvars)
{
    struct funcstate *fs = ls->fs;
    int level = code_nvarstack(fs);
    for (int i = 0; i < nvars; i++) {
        int vidx = fs->nactvar++;
        struct vardesc *var = getlocalvardesc(fs, vidx);
        var->ridx = (uint8_t)level++;
        var->pidx = registerlocalvar(fs, var->name);
    }
}

static void removevars(struct funcstate *fs, int tolevel)
{
    fs->ls->nactvar_all -= fs->nactvar - tolevel;
    while (fs->nactvar > tolevel) {
        struct locvar *var = localdebuginfo(fs, --fs->nactvar);
        if (var) var->endpc = fs->pc;
    }
}

static int searchupvalue(struct funcstate *fs, struct lstr *name)
{
    for (int i = 0; i < fs->nups; i++)
        if (fs->f->up[i].name == name) return i;
    return -1;
}

static struct upvaldesc *allocupvalue(struct funcstate *fs)
{
    struct proto *f = fs->f;
    checklimit(fs, fs->nups + 1, MAXUPVAL, "upvalues");
    f->up = lex_grow(fs->ls, f->up, &f->capup, fs->nups + 1, sizeof *f->up);
    f->nup = fs->nups + 1;
    return &f->up[fs->nups++];
}

static int newupvalue(struct funcstate *fs, struct lstr *name, struct expdesc *v)
{
    struct upvaldesc *up = allocupvalue(fs);
    struct funcstate *prev = fs->prev;
    if (v->k == VLOCAL) {
        up->instack = 1;
        up->idx = v->u.var.ridx;
        up->kind = getlocalvardesc(prev, v->u.var.vidx)->kind;
    } else {
        up->instack = 0;
        up->idx = (uint8_t)v->u.info;
        up->kind = prev->f->up[v->u.info].kind;
    }
    up->name = name;
    return fs->nups - 1;
}

static int searchvar(struct funcstate *fs, struct lstr *n, struct expdesc *var)
{
    for (int i = fs->nactvar - 1; i >= 0; i--) {
        struct vardesc *vd = getlocalvardesc(fs, i);
        if (n == vd->name) {
            if (vd->kind == RDKCTC)
                init_exp(var, VCONST, fs->firstlocal + i);
            else
                init_var(fs, var, i);
            return (int)var->k;
        }
    }
    return -1;
}

/* Marks the block where variable 'level' was defined as having an upvalue. */
static void markupval(struct funcstate *fs, int level)
{
    struct blockcnt *bl = fs->bl;
    while (bl->nactvar > level)
        bl = bl->previous;
    bl->upval = true;
    fs->needclose = true;
}

static void marktobeclosed(struct funcstate *fs)
{
    struct blockcnt *bl = fs->bl;
    bl->upval = true;
    bl->insidetbc = true;
    fs->needclose = true;
}

static void singlevaraux(struct funcstate *fs, struct lstr *n, struct expdesc *var, int base)
{
    if (fs == NULL) {
        init_exp(var, VVOID, 0); /* global */
        return;
    }
    int v = searchvar(fs, n, var);
    if (v >= 0) {
        if (v == VLOCAL && !base) markupval(fs, var->u.var.vidx);
        return;
    }
    int idx = searchupvalue(fs, n);
    if (idx < 0) {
        singlevaraux(fs->prev, n, var, 0);
        if (var->k == VLOCAL || var->k == VUPVAL)
            idx = newupvalue(fs, n, var);
        else
            return; /* a global or a compile-time constant */
    }
    init_exp(var, VUPVAL, idx);
}

static void singlevar(struct lex *ls, struct expdesc *var)
{
    struct lstr *varname = str_checkname(ls);
    struct funcstate *fs = ls->fs;
    singlevaraux(fs, varname, var, 1);
    if (var->k == VVOID) { /* global: _ENV[varname] */
        struct expdesc key;
        singlevaraux(fs, ls->envn, var, 1);
        code_exp2anyregup(fs, var);
        codestring(&key, varname);
        code_indexed(fs, var, &key);
    }
}

static void adjust_assign(struct lex *ls, int nvars, int nexps, struct expdesc *e)
{
    struct funcstate *fs = ls->fs;
    int needed = nvars - nexps;
    if (HASMULTRET(e->k)) {
        int extra = needed + 1;
        if (extra < 0) extra = 0;
        code_setreturns(fs, e, extra);
    } else {
        if (e->k != VVOID) code_exp2nextreg(fs, e);
        if (needed > 0) code_nil(fs, fs->freereg, needed);
    }
    if (needed > 0)
        code_reserveregs(fs, needed);
    else
        fs->freereg += needed; /* drops the extra values */
}

/* ---- Blocks, labels and gotos ---- */

static _Noreturn void jumpscopeerror(struct lex *ls, struct labeldesc *gt)
{
    char msg[400];
    snprintf(msg, sizeof msg, "<goto %s> at line %d jumps into the scope of local '%s'",
             gt->name->s, gt->line, getlocalvardesc(ls->fs, gt->nactvar)->name->s);
    semerror(ls, msg);
}

static void solvegoto(struct lex *ls, int g, struct labeldesc *label)
{
    struct labellist *gl = &ls->gt;
    struct labeldesc *gt = &gl->arr[g];
    if (gt->nactvar < label->nactvar) jumpscopeerror(ls, gt);
    code_patchlist(ls->fs, gt->pc, label->pc);
    memmove(&gl->arr[g], &gl->arr[g + 1], (size_t)(gl->n - g - 1) * sizeof gl->arr[0]);
    gl->n--;
}

static struct labeldesc *findlabel(struct lex *ls, struct lstr *name)
{
    for (int i = ls->fs->firstlabel; i < ls->label.n; i++)
        if (ls->label.arr[i].name == name) return &ls->label.arr[i];
    return NULL;
}

static int newlabelentry(struct lex *ls, struct labellist *l, struct lstr *name, int line, int pc)
{
    int n = l->n;
    l->arr = lex_grow(ls, l->arr, &l->cap, n + 1, sizeof *l->arr);
    l->arr[n].name = name;
    l->arr[n].line = line;
    l->arr[n].nactvar = ls->fs->nactvar;
    l->arr[n].close = 0;
    l->arr[n].pc = pc;
    l->n = n + 1;
    return n;
}

static int newgotoentry(struct lex *ls, struct lstr *name, int line, int pc)
{
    return newlabelentry(ls, &ls->gt, name, line, pc);
}

/* Solves the pending gotos of the current block that match 'lb'; whether any of them has to
 * close upvalues. */
static bool solvegotos(struct lex *ls, struct labeldesc *lb)
{
    struct labellist *gl = &ls->gt;
    int i = ls->fs->bl->firstgoto;
    bool needsclose = false;
    while (i < gl->n) {
        if (gl->arr[i].name == lb->name) {
            needsclose |= gl->arr[i].close;
            solvegoto(ls, i, lb); /* removes entry 'i' */
        } else {
            i++;
        }
    }
    return needsclose;
}

static bool createlabel(struct lex *ls, struct lstr *name, int line, bool last)
{
    struct funcstate *fs = ls->fs;
    struct labellist *ll = &ls->label;
    int l = newlabelentry(ls, ll, name, line, code_getlabel(fs));
    if (last) ll->arr[l].nactvar = fs->bl->nactvar; /* the block's locals are out of scope */
    if (solvegotos(ls, &ll->arr[l])) {
        code_abck(fs, SKB_OP_CLOSE, code_nvarstack(fs), 0, 0, 0);
        return true;
    }
    return false;
}

static void movegotosout(struct funcstate *fs, struct blockcnt *bl)
{
    struct labellist *gl = &fs->ls->gt;
    for (int i = bl->firstgoto; i < gl->n; i++) {
        struct labeldesc *gt = &gl->arr[i];
        if (reglevel(fs, gt->nactvar) > reglevel(fs, bl->nactvar)) gt->close |= bl->upval;
        gt->nactvar = bl->nactvar;
    }
}

static void enterblock(struct funcstate *fs, struct blockcnt *bl, bool isloop)
{
    bl->isloop = isloop;
    bl->nactvar = fs->nactvar;
    bl->firstlabel = fs->ls->label.n;
    bl->firstgoto = fs->ls->gt.n;
    bl->upval = false;
    bl->insidetbc = fs->bl != NULL && fs->bl->insidetbc;
    bl->previous = fs->bl;
    fs->bl = bl;
}

static _Noreturn void undefgoto(struct lex *ls, struct labeldesc *gt)
{
    char msg[320];
    if (gt->name == ls->brk)
        snprintf(msg, sizeof msg, "break outside loop at line %d", gt->line);
    else
        snprintf(msg, sizeof msg, "no visible label '%s' for <goto> at line %d", gt->name->s,
                 gt->line);
    semerror(ls, msg);
}

static void leaveblock(struct funcstate *fs)
{
    struct blockcnt *bl = fs->bl;
    struct lex *ls = fs->ls;
    bool hasclose = false;
    int stklevel = reglevel(fs, bl->nactvar);
    if (bl->isloop) hasclose = createlabel(ls, ls->brk, 0, false); /* solves its 'break's */
    if (!hasclose && bl->previous && bl->upval) code_abck(fs, SKB_OP_CLOSE, stklevel, 0, 0, 0);
    fs->bl = bl->previous;
    removevars(fs, bl->nactvar);
    fs->freereg = stklevel;
    ls->label.n = bl->firstlabel;
    if (bl->previous)
        movegotosout(fs, bl);
    else if (bl->firstgoto < ls->gt.n)
        undefgoto(ls, &ls->gt.arr[bl->firstgoto]);
}

/* ---- Functions ---- */

static struct proto *proto_new(struct lex *ls)
{
    struct proto *p = calloc(1, sizeof *p);
    if (p == NULL) lex_nomem(ls);
    p->source = ls->source;
    return p;
}

static struct proto *addprototype(struct lex *ls)
{
    struct funcstate *fs = ls->fs;
    struct proto *f = fs->f;
    if (fs->np >= (int)SKB_MAX_PROTOS) errorlimit(fs, (int)SKB_MAX_PROTOS, "functions");
    f->p = lex_grow(ls, f->p, &f->capp, fs->np + 1, sizeof *f->p);
    struct proto *clp = proto_new(ls);
    f->p[fs->np++] = clp;
    f->np = fs->np;
    return clp;
}

static void codeclosure(struct lex *ls, struct expdesc *v)
{
    struct funcstate *fs = ls->fs->prev;
    init_exp(v, VRELOC, code_abx(fs, SKB_OP_CLOSURE, 0, (unsigned)(fs->np - 1)));
    code_exp2nextreg(fs, v);
}

static void open_func(struct lex *ls, struct funcstate *fs, struct blockcnt *bl)
{
    struct proto *f = fs->f;
    fs->prev = ls->fs;
    fs->ls = ls;
    ls->fs = fs;
    fs->pc = 0;
    fs->lasttarget = 0;
    fs->freereg = 0;
    fs->nk = 0;
    fs->np = 0;
    fs->nups = 0;
    fs->ndebugvars = 0;
    fs->nactvar = 0;
    fs->needclose = false;
    fs->firstlocal = ls->nactvar_all;
    fs->firstlabel = ls->label.n;
    fs->bl = NULL;
    f->maxstacksize = 2; /* registers 0 and 1 are always valid */
    enterblock(fs, bl, false);
}

static void close_func(struct lex *ls)
{
    struct funcstate *fs = ls->fs;
    code_ret(fs, code_nvarstack(fs), 0);
    leaveblock(fs);
    code_finish(fs);
    ls->fs = fs->prev;
}

static void setvararg(struct funcstate *fs, int nparams)
{
    fs->f->is_vararg = 1;
    code_abck(fs, SKB_OP_VARARGPREP, nparams, 0, 0, 0);
}

/* ---- Expressions ---- */

static bool block_follow(struct lex *ls, bool withuntil)
{
    switch (ls->t.tok) {
    case TK_ELSE:
    case TK_ELSEIF:
    case TK_END:
    case TK_EOS:
        return true;
    case TK_UNTIL:
        return withuntil;
    default:
        return false;
    }
}

/* statlist -> { stat [';'] } */
static void statlist(struct lex *ls)
{
    while (!block_follow(ls, true)) {
        if (ls->t.tok == TK_RETURN) {
            statement(ls);
            return; /* 'return' must be the last statement */
        }
        statement(ls);
    }
}

/* fieldsel -> ['.' | ':'] NAME */
static void fieldsel(struct lex *ls, struct expdesc *v)
{
    struct funcstate *fs = ls->fs;
    struct expdesc key;
    code_exp2anyregup(fs, v);
    lex_next(ls);
    codename(ls, &key);
    code_indexed(fs, v, &key);
}

/* index -> '[' expr ']' */
static void yindex(struct lex *ls, struct expdesc *v)
{
    lex_next(ls);
    expr(ls, v);
    code_exp2val(ls->fs, v);
    checknext(ls, ']');
}

struct conscontrol {
    struct expdesc v;  /* last list item read */
    struct expdesc *t; /* the table */
    int nh;            /* record fields */
    int na;            /* list items already stored */
    int tostore;       /* list items pending */
};

/* recfield -> (NAME | '['exp']') = exp */
static void recfield(struct lex *ls, struct conscontrol *cc)
{
    struct funcstate *fs = ls->fs;
    int reg = fs->freereg;
    struct expdesc tab, key, val;
    if (ls->t.tok == TK_NAME) {
        checklimit(fs, cc->nh, 2147483647, "items in a constructor");
        codename(ls, &key);
    } else {
        yindex(ls, &key);
    }
    cc->nh++;
    checknext(ls, '=');
    tab = *cc->t;
    code_indexed(fs, &tab, &key);
    expr(ls, &val);
    code_storevar(fs, &tab, &val);
    fs->freereg = reg;
}

static void closelistfield(struct funcstate *fs, struct conscontrol *cc)
{
    if (cc->v.k == VVOID) return;
    code_exp2nextreg(fs, &cc->v);
    cc->v.k = VVOID;
    if (cc->tostore == SKB_FIELDS_PER_FLUSH) {
        code_setlist(fs, cc->t->u.info, cc->na, cc->tostore);
        cc->na += cc->tostore;
        cc->tostore = 0;
    }
}

static void lastlistfield(struct funcstate *fs, struct conscontrol *cc)
{
    if (cc->tostore == 0) return;
    if (HASMULTRET(cc->v.k)) {
        code_setreturns(fs, &cc->v, MULTRET);
        code_setlist(fs, cc->t->u.info, cc->na, MULTRET);
        cc->na--; /* the open item's count is not known */
    } else {
        if (cc->v.k != VVOID) code_exp2nextreg(fs, &cc->v);
        code_setlist(fs, cc->t->u.info, cc->na, cc->tostore);
    }
    cc->na += cc->tostore;
}

/* listfield -> exp */
static void listfield(struct lex *ls, struct conscontrol *cc)
{
    expr(ls, &cc->v);
    cc->tostore++;
}

/* field -> listfield | recfield */
static void field(struct lex *ls, struct conscontrol *cc)
{
    switch (ls->t.tok) {
    case TK_NAME:
        if (lex_lookahead(ls) != '=')
            listfield(ls, cc);
        else
            recfield(ls, cc);
        break;
    case '[':
        recfield(ls, cc);
        break;
    default:
        listfield(ls, cc);
        break;
    }
}

/* constructor -> '{' [ field { sep field } [sep] ] '}'   sep -> ',' | ';' */
static void constructor(struct lex *ls, struct expdesc *t)
{
    struct funcstate *fs = ls->fs;
    int line = ls->linenumber;
    int pc = code_abck(fs, SKB_OP_NEWTABLE, 0, 0, 0, 0);
    struct conscontrol cc;
    code_word(fs, 0); /* room for the EXTRAARG */
    cc.na = cc.nh = cc.tostore = 0;
    cc.t = t;
    init_exp(t, VNONRELOC, fs->freereg);
    code_reserveregs(fs, 1);
    init_exp(&cc.v, VVOID, 0);
    checknext(ls, '{');
    do {
        if (ls->t.tok == '}') break;
        closelistfield(fs, &cc);
        field(ls, &cc);
    } while (testnext(ls, ',') || testnext(ls, ';'));
    check_match(ls, '}', '{', line);
    lastlistfield(fs, &cc);
    code_settablesize(fs, pc, t->u.info, cc.na, cc.nh);
}

/* parlist -> [ {NAME ','} (NAME | '...') ] */
static void parlist(struct lex *ls)
{
    struct funcstate *fs = ls->fs;
    struct proto *f = fs->f;
    int nparams = 0;
    bool isvararg = false;
    if (ls->t.tok != ')') {
        do {
            switch (ls->t.tok) {
            case TK_NAME:
                new_localvar(ls, str_checkname(ls));
                nparams++;
                break;
            case TK_DOTS:
                lex_next(ls);
                isvararg = true;
                break;
            default:
                lex_syntax_error(ls, "<name> or '...' expected");
            }
        } while (!isvararg && testnext(ls, ','));
    }
    adjustlocalvars(ls, nparams);
    f->numparams = (uint8_t)fs->nactvar;
    if (isvararg) setvararg(fs, f->numparams);
    code_reserveregs(fs, fs->nactvar);
}

/* body ->  '(' parlist ')' block END */
static void body(struct lex *ls, struct expdesc *e, bool ismethod, int line)
{
    struct funcstate new_fs;
    struct blockcnt bl;
    new_fs.f = addprototype(ls);
    new_fs.f->linedefined = line;
    open_func(ls, &new_fs, &bl);
    checknext(ls, '(');
    if (ismethod) {
        new_localvarliteral(ls, "self");
        adjustlocalvars(ls, 1);
    }
    parlist(ls);
    checknext(ls, ')');
    statlist(ls);
    new_fs.f->lastlinedefined = ls->linenumber;
    check_match(ls, TK_END, TK_FUNCTION, line);
    codeclosure(ls, e);
    close_func(ls);
}

/* explist -> expr { ',' expr } */
static int explist(struct lex *ls, struct expdesc *v)
{
    int n = 1;
    expr(ls, v);
    while (testnext(ls, ',')) {
        code_exp2nextreg(ls->fs, v);
        expr(ls, v);
        n++;
    }
    return n;
}

/* funcargs -> '(' [ explist ] ')' | constructor | STRING */
static void funcargs(struct lex *ls, struct expdesc *f, int line)
{
    struct funcstate *fs = ls->fs;
    struct expdesc args;
    int base, nparams;
    switch (ls->t.tok) {
    case '(':
        lex_next(ls);
        if (ls->t.tok == ')') {
            args.k = VVOID;
        } else {
            explist(ls, &args);
            if (HASMULTRET(args.k)) code_setreturns(fs, &args, MULTRET);
        }
        check_match(ls, ')', '(', line);
        break;
    case '{':
        constructor(ls, &args);
        break;
    case TK_STRING:
        codestring(&args, ls->t.v.s);
        lex_next(ls);
        break;
    default:
        lex_syntax_error(ls, "function arguments expected");
    }
    base = f->u.info;
    if (HASMULTRET(args.k)) {
        nparams = MULTRET;
    } else {
        if (args.k != VVOID) code_exp2nextreg(fs, &args);
        nparams = fs->freereg - (base + 1);
    }
    init_exp(f, VCALL, code_abck(fs, SKB_OP_CALL, base, nparams + 1, 2, 0));
    code_fixline(fs, line);
    fs->freereg = base + 1; /* the call leaves one result, unless changed later */
}

/* primaryexp -> NAME | '(' expr ')' */
static void primaryexp(struct lex *ls, struct expdesc *v)
{
    switch (ls->t.tok) {
    case '(': {
        int line = ls->linenumber;
        lex_next(ls);
        expr(ls, v);
        check_match(ls, ')', '(', line);
        code_dischargevars(ls->fs, v);
        return;
    }
    case TK_NAME:
        singlevar(ls, v);
        return;
    default:
        lex_syntax_error(ls, "unexpected symbol");
    }
}

/* suffixedexp -> primaryexp { '.' NAME | '[' exp ']' | ':' NAME funcargs | funcargs } */
static void suffixedexp(struct lex *ls, struct expdesc *v)
{
    struct funcstate *fs = ls->fs;
    int line = ls->linenumber;
    primaryexp(ls, v);
    for (;;) {
        switch (ls->t.tok) {
        case '.':
            fieldsel(ls, v);
            break;
        case '[': {
            struct expdesc key;
            code_exp2anyregup(fs, v);
            yindex(ls, &key);
            code_indexed(fs, v, &key);
            break;
        }
        case ':': {
            struct expdesc key;
            lex_next(ls);
            codename(ls, &key);
            code_self(fs, v, &key);
            funcargs(ls, v, line);
            break;
        }
        case '(':
        case TK_STRING:
        case '{':
            code_exp2nextreg(fs, v);
            funcargs(ls, v, line);
            break;
        default:
            return;
        }
    }
}

/* simpleexp -> FLT | INT | STRING | NIL | TRUE | FALSE | ... | constructor |
 *              FUNCTION body | suffixedexp */
static void simpleexp(struct lex *ls, struct expdesc *v)
{
    switch (ls->t.tok) {
    case TK_FLT:
        init_exp(v, VKFLT, 0);
        v->u.nval = ls->t.v.r;
        break;
    case TK_INT:
        init_exp(v, VKINT, 0);
        v->u.ival = ls->t.v.i;
        break;
    case TK_STRING:
        codestring(v, ls->t.v.s);
        break;
    case TK_NIL:
        init_exp(v, VNIL, 0);
        break;
    case TK_TRUE:
        init_exp(v, VTRUE, 0);
        break;
    case TK_FALSE:
        init_exp(v, VFALSE, 0);
        break;
    case TK_DOTS: {
        struct funcstate *fs = ls->fs;
        if (!fs->f->is_vararg) lex_syntax_error(ls, "cannot use '...' outside a vararg function");
        init_exp(v, VVARARG, code_abck(fs, SKB_OP_VARARG, 0, 0, 1, 0));
        break;
    }
    case '{':
        constructor(ls, v);
        return;
    case TK_FUNCTION:
        lex_next(ls);
        body(ls, v, false, ls->linenumber);
        return;
    default:
        suffixedexp(ls, v);
        return;
    }
    lex_next(ls);
}

static enum unopr getunopr(int op)
{
    switch (op) {
    case TK_NOT:
        return OPR_NOT;
    case '-':
        return OPR_MINUS;
    case '~':
        return OPR_BNOT;
    case '#':
        return OPR_LEN;
    default:
        return OPR_NOUNOPR;
    }
}

static enum binopr getbinopr(int op)
{
    switch (op) {
    case '+':
        return OPR_ADD;
    case '-':
        return OPR_SUB;
    case '*':
        return OPR_MUL;
    case '%':
        return OPR_MOD;
    case '^':
        return OPR_POW;
    case '/':
        return OPR_DIV;
    case TK_IDIV:
        return OPR_IDIV;
    case '&':
        return OPR_BAND;
    case '|':
        return OPR_BOR;
    case '~':
        return OPR_BXOR;
    case TK_SHL:
        return OPR_SHL;
    case TK_SHR:
        return OPR_SHR;
    case TK_CONCAT:
        return OPR_CONCAT;
    case TK_NE:
        return OPR_NE;
    case TK_EQ:
        return OPR_EQ;
    case '<':
        return OPR_LT;
    case TK_LE:
        return OPR_LE;
    case '>':
        return OPR_GT;
    case TK_GE:
        return OPR_GE;
    case TK_AND:
        return OPR_AND;
    case TK_OR:
        return OPR_OR;
    default:
        return OPR_NOBINOPR;
    }
}

/* Left and right priority of each binary operator (ORDER OPR); '..' and '^' are right
 * associative. */
static const struct {
    uint8_t left, right;
} priority[] = {
    {10, 10}, {10, 10}, {11, 11}, {11, 11}, {14, 13}, {11, 11}, {11, 11}, /* + - * % ^ / // */
    {6, 6},   {4, 4},   {5, 5},   {7, 7},   {7, 7},                       /* & | ~ << >> */
    {9, 8},                                                               /* .. */
    {3, 3},   {3, 3},   {3, 3},   {3, 3},   {3, 3},   {3, 3},             /* == < <= ~= > >= */
    {2, 2},   {1, 1},                                                     /* and or */
};

/* subexpr -> (simpleexp | unop subexpr) { binop subexpr }, where 'binop' is any binary
 * operator with a priority higher than 'limit' */
static enum binopr subexpr(struct lex *ls, struct expdesc *v, int limit)
{
    enterlevel(ls);
    enum unopr uop = getunopr(ls->t.tok);
    if (uop != OPR_NOUNOPR) {
        int line = ls->linenumber;
        lex_next(ls);
        subexpr(ls, v, UNARY_PRIORITY);
        code_prefix(ls->fs, uop, v, line);
    } else {
        simpleexp(ls, v);
    }
    enum binopr op = getbinopr(ls->t.tok);
    while (op != OPR_NOBINOPR && priority[op].left > limit) {
        struct expdesc v2;
        int line = ls->linenumber;
        lex_next(ls);
        code_infix(ls->fs, op, v);
        enum binopr nextop = subexpr(ls, &v2, priority[op].right);
        code_posfix(ls->fs, op, v, &v2, line);
        op = nextop;
    }
    leavelevel(ls);
    return op;
}

static void expr(struct lex *ls, struct expdesc *v)
{
    subexpr(ls, v, 0);
}

/* ---- Statements ---- */

/* block -> statlist */
static void block(struct lex *ls)
{
    struct funcstate *fs = ls->fs;
    struct blockcnt bl;
    enterblock(fs, &bl, false);
    statlist(ls);
    leaveblock(fs);
}

/* One variable on the left of a multiple assignment, chained to the ones before it. */
struct lhs_assign {
    struct lhs_assign *prev;
    struct expdesc v;
};

/* When a local or upvalue assigned here is also the table or key of an earlier indexed target
 * in the same assignment, the earlier target must use a copy made before any store. */
static void check_conflict(struct lex *ls, struct lhs_assign *lh, struct expdesc *v)
{
    struct funcstate *fs = ls->fs;
    int extra = fs->freereg;
    bool conflict = false;
    for (; lh; lh = lh->prev) {
        if (!VKISINDEXED(lh->v.k)) continue;
        if (lh->v.k == VINDEXUP) {
            if (v->k == VUPVAL && lh->v.u.ind.t == v->u.info) {
                conflict = true;
                lh->v.k = VINDEXSTR;
                lh->v.u.ind.t = (uint8_t)extra;
            }
        } else {
            if (v->k == VLOCAL && lh->v.u.ind.t == v->u.var.ridx) {
                conflict = true;
                lh->v.u.ind.t = (uint8_t)extra;
            }
            if (lh->v.k == VINDEXED && v->k == VLOCAL && lh->v.u.ind.idx == v->u.var.ridx) {
                conflict = true;
                lh->v.u.ind.idx = (short)extra;
            }
        }
    }
    if (conflict) {
        if (v->k == VLOCAL)
            code_abck(fs, SKB_OP_MOVE, extra, v->u.var.ridx, 0, 0);
        else
            code_abck(fs, SKB_OP_GETUPVAL, extra, v->u.info, 0, 0);
        code_reserveregs(fs, 1);
    }
}

/* restassign -> ',' suffixedexp restassign | '=' explist */
static void restassign(struct lex *ls, struct lhs_assign *lh, int nvars)
{
    struct expdesc e;
    if (!VKISVAR(lh->v.k)) lex_syntax_error(ls, "syntax error");
    check_readonly(ls, &lh->v);
    if (testnext(ls, ',')) {
        struct lhs_assign nv;
        nv.prev = lh;
        suffixedexp(ls, &nv.v);
        if (!VKISINDEXED(nv.v.k)) check_conflict(ls, lh, &nv.v);
        enterlevel(ls);
        restassign(ls, &nv, nvars + 1);
        leavelevel(ls);
    } else {
        checknext(ls, '=');
        int nexps = explist(ls, &e);
        if (nexps != nvars) {
            adjust_assign(ls, nvars, nexps, &e);
        } else {
            code_setoneret(ls->fs, &e);
            code_storevar(ls->fs, &lh->v, &e);
            return;
        }
    }
    init_exp(&e, VNONRELOC, ls->fs->freereg - 1); /* default: the value on top of the stack */
    code_storevar(ls->fs, &lh->v, &e);
}

/* cond -> exp */
static int cond(struct lex *ls)
{
    struct expdesc v;
    expr(ls, &v);
    if (v.k == VNIL) v.k = VFALSE; /* 'falses' are all equal here */
    code_goiftrue(ls->fs, &v);
    return v.f;
}

/* gotostat -> GOTO NAME */
static void gotostat(struct lex *ls)
{
    struct funcstate *fs = ls->fs;
    int line = ls->linenumber;
    struct lstr *name = str_checkname(ls);
    struct labeldesc *lb = findlabel(ls, name);
    if (lb == NULL) {
        newgotoentry(ls, name, line, code_jump(fs)); /* forward: solved at the label */
    } else {
        int lblevel = reglevel(fs, lb->nactvar);
        if (code_nvarstack(fs) > lblevel) code_abck(fs, SKB_OP_CLOSE, lblevel, 0, 0, 0);
        code_patchlist(fs, code_jump(fs), lb->pc);
    }
}

/* breakstat -> BREAK, a goto to the enclosing loop's "break" label */
static void breakstat(struct lex *ls)
{
    int line = ls->linenumber;
    lex_next(ls);
    newgotoentry(ls, ls->brk, line, code_jump(ls->fs));
}

static void checkrepeated(struct lex *ls, struct lstr *name)
{
    struct labeldesc *lb = findlabel(ls, name);
    if (lb != NULL) {
        char msg[320];
        snprintf(msg, sizeof msg, "label '%s' already defined on line %d", name->s, lb->line);
        semerror(ls, msg);
    }
}

/* label -> '::' NAME '::' */
static void labelstat(struct lex *ls, struct lstr *name, int line)
{
    checknext(ls, TK_DBCOLON);
    while (ls->t.tok == ';' || ls->t.tok == TK_DBCOLON)
        statement(ls); /* skips other no-op statements */
    checkrepeated(ls, name);
    createlabel(ls, name, line, block_follow(ls, false));
}

/* whilestat -> WHILE cond DO block END */
static void whilestat(struct lex *ls, int line)
{
    struct funcstate *fs = ls->fs;
    struct blockcnt bl;
    lex_next(ls);
    int whileinit = code_getlabel(fs);
    int condexit = cond(ls);
    enterblock(fs, &bl, true);
    checknext(ls, TK_DO);
    block(ls);
    code_patchlist(fs, code_jump(fs), whileinit);
    check_match(ls, TK_END, TK_WHILE, line);
    leaveblock(fs);
    code_patchtohere(fs, condexit);
}

/* repeatstat -> REPEAT block UNTIL cond */
static void repeatstat(struct lex *ls, int line)
{
    struct funcstate *fs = ls->fs;
    int repeat_init = code_getlabel(fs);
    struct blockcnt bl1, bl2;
    enterblock(fs, &bl1, true);  /* loop block */
    enterblock(fs, &bl2, false); /* scope block: the condition sees the body's locals */
    lex_next(ls);
    statlist(ls);
    check_match(ls, TK_UNTIL, TK_REPEAT, line);
    int condexit = cond(ls);
    leaveblock(fs);
    if (bl2.upval) { /* each repetition must close the body's upvalues */
        int exit = code_jump(fs);
        code_patchtohere(fs, condexit);
        code_abck(fs, SKB_OP_CLOSE, reglevel(fs, bl2.nactvar), 0, 0, 0);
        condexit = code_jump(fs);
        code_patchtohere(fs, exit);
    }
    code_patchlist(fs, condexit, repeat_init);
    leaveblock(fs);
}

static void exp1(struct lex *ls)
{
    struct expdesc e;
    expr(ls, &e);
    code_exp2nextreg(ls->fs, &e);
}

/* Sets the Bx jump of the FORPREP/FORLOOP at 'pc' to 'dest'. */
static void fixforjump(struct funcstate *fs, int pc, int dest, bool back)
{
    skb_ins *jmp = &fs->f->code[pc];
    int offset = dest - (pc + 1);
    if (back) offset = -offset;
    if (offset > (int)SKB_MAXARG_BX) lex_syntax_error(fs->ls, "control structure too long");
    *jmp = skb_set_bx(*jmp, (unsigned)offset);
}

/* forbody -> DO block */
static void forbody(struct lex *ls, int base, int line, int nvars, bool isgen)
{
    struct blockcnt bl;
    struct funcstate *fs = ls->fs;
    checknext(ls, TK_DO);
    int prep = code_abx(fs, isgen ? SKB_OP_TFORPREP : SKB_OP_FORPREP, base, 0);
    enterblock(fs, &bl, false);
    adjustlocalvars(ls, nvars);
    code_reserveregs(fs, nvars);
    block(ls);
    leaveblock(fs);
    fixforjump(fs, prep, code_getlabel(fs), false);
    if (isgen) {
        code_abck(fs, SKB_OP_TFORCALL, base, 0, nvars, 0);
        code_fixline(fs, line);
    }
    int endfor = code_abx(fs, isgen ? SKB_OP_TFORLOOP : SKB_OP_FORLOOP, base, 0);
    fixforjump(fs, endfor, prep + 1, true);
    code_fixline(fs, line);
}

/* fornum -> NAME = exp,exp[,exp] forbody */
static void fornum(struct lex *ls, struct lstr *varname, int line)
{
    struct funcstate *fs = ls->fs;
    int base = fs->freereg;
    new_localvarliteral(ls, "(for state)");
    new_localvarliteral(ls, "(for state)");
    new_localvarliteral(ls, "(for state)");
    new_localvar(ls, varname);
    checknext(ls, '=');
    exp1(ls);
    checknext(ls, ',');
    exp1(ls);
    if (testnext(ls, ',')) {
        exp1(ls);
    } else {
        code_int(fs, fs->freereg, 1);
        code_reserveregs(fs, 1);
    }
    adjustlocalvars(ls, 3);
    forbody(ls, base, line, 1, false);
}

/* forlist -> NAME {,NAME} IN explist forbody */
static void forlist(struct lex *ls, struct lstr *indexname)
{
    struct funcstate *fs = ls->fs;
    struct expdesc e;
    int nvars = 5; /* iterator, state, control, closing value, 'indexname' */
    int base = fs->freereg;
    new_localvarliteral(ls, "(for state)");
    new_localvarliteral(ls, "(for state)");
    new_localvarliteral(ls, "(for state)");
    new_localvarliteral(ls, "(for state)");
    new_localvar(ls, indexname);
    while (testnext(ls, ',')) {
        new_localvar(ls, str_checkname(ls));
        nvars++;
    }
    checknext(ls, TK_IN);
    int line = ls->linenumber;
    adjust_assign(ls, 4, explist(ls, &e), &e);
    adjustlocalvars(ls, 4);
    marktobeclosed(fs);     /* the closing value */
    code_checkstack(fs, 3); /* room to call the iterator */
    forbody(ls, base, line, nvars - 4, true);
}

/* forstat -> FOR (fornum | forlist) END */
static void forstat(struct lex *ls, int line)
{
    struct funcstate *fs = ls->fs;
    struct blockcnt bl;
    enterblock(fs, &bl, true);
    lex_next(ls);
    struct lstr *varname = str_checkname(ls);
    switch (ls->t.tok) {
    case '=':
        fornum(ls, varname, line);
        break;
    case ',':
    case TK_IN:
        forlist(ls, varname);
        break;
    default:
        lex_syntax_error(ls, "'=' or 'in' expected");
    }
    check_match(ls, TK_END, TK_FOR, line);
    leaveblock(fs);
}

/* test_then_block -> [IF | ELSEIF] cond THEN block */
static void test_then_block(struct lex *ls, int *escapelist)
{
    struct blockcnt bl;
    struct funcstate *fs = ls->fs;
    struct expdesc v;
    int jf;
    lex_next(ls);
    expr(ls, &v);
    checknext(ls, TK_THEN);
    if (ls->t.tok == TK_BREAK) { /* 'if x then break': jump straight out when x holds */
        int line = ls->linenumber;
        code_goiffalse(fs, &v);
        lex_next(ls);
        enterblock(fs, &bl, false);
        newgotoentry(ls, ls->brk, line, v.t);
        while (testnext(ls, ';')) {
        }
        if (block_follow(ls, false)) {
            leaveblock(fs);
            return;
        }
        jf = code_jump(fs);
    } else {
        code_goiftrue(fs, &v);
        enterblock(fs, &bl, false);
        jf = v.f;
    }
    statlist(ls);
    leaveblock(fs);
    if (ls->t.tok == TK_ELSE || ls->t.tok == TK_ELSEIF) code_concat(fs, escapelist, code_jump(fs));
    code_patchtohere(fs, jf);
}

/* ifstat -> IF cond THEN block {ELSEIF cond THEN block} [ELSE block] END */
static void ifstat(struct lex *ls, int line)
{
    int escapelist = NO_JUMP;
    test_then_block(ls, &escapelist);
    while (ls->t.tok == TK_ELSEIF)
        test_then_block(ls, &escapelist);
    if (testnext(ls, TK_ELSE)) block(ls);
    check_match(ls, TK_END, TK_IF, line);
    code_patchtohere(ls->fs, escapelist);
}

/* localfunc -> LOCAL FUNCTION NAME body */
static void localfunc(struct lex *ls)
{
    struct expdesc b;
    struct funcstate *fs = ls->fs;
    int fvar = fs->nactvar;
    new_localvar(ls, str_checkname(ls));
    adjustlocalvars(ls, 1); /* in scope inside its own body, for recursion */
    body(ls, &b, false, ls->linenumber);
    localdebuginfo(fs, fvar)->startpc = fs->pc;
}

/* attrib -> ['<' NAME '>'] */
static int getlocalattribute(struct lex *ls)
{
    if (testnext(ls, '<')) {
        struct lstr *attr = str_checkname(ls);
        checknext(ls, '>');
        if (strcmp(attr->s, "const") == 0) return RDKCONST;
        if (strcmp(attr->s, "close") == 0) return RDKTOCLOSE;
        char msg[320];
        snprintf(msg, sizeof msg, "unknown attribute '%s'", attr->s);
        semerror(ls, msg);
    }
    return VDKREG;
}

static void checktoclose(struct funcstate *fs, int level)
{
    if (level != -1) {
        marktobeclosed(fs);
        code_abck(fs, SKB_OP_TBC, reglevel(fs, level), 0, 0, 0);
    }
}

/* localstat -> LOCAL NAME attrib { ',' NAME attrib } ['=' explist] */
static void localstat(struct lex *ls)
{
    struct funcstate *fs = ls->fs;
    int toclose = -1;
    int vidx, nvars = 0, nexps;
    struct expdesc e;
    do {
        vidx = new_localvar(ls, str_checkname(ls));
        int kind = getlocalattribute(ls);
        getlocalvardesc(fs, vidx)->kind = (uint8_t)kind;
        if (kind == RDKTOCLOSE) {
            if (toclose != -1) semerror(ls, "multiple to-be-closed variables in local list");
            toclose = fs->nactvar + nvars;
        }
        nvars++;
    } while (testnext(ls, ','));
    if (testnext(ls, '=')) {
        nexps = explist(ls, &e);
    } else {
        e.k = VVOID;
        nexps = 0;
    }
    struct vardesc *var = getlocalvardesc(fs, vidx);
    if (nvars == nexps && var->kind == RDKCONST && code_exp2const(fs, &e, &var->kval)) {
        var->kind = RDKCTC; /* a compile-time constant: no register */
        adjustlocalvars(ls, nvars - 1);
        fs->nactvar++;
    } else {
        adjust_assign(ls, nvars, nexps, &e);
        adjustlocalvars(ls, nvars);
    }
    checktoclose(fs, toclose);
}

/* funcname -> NAME {fieldsel} [':' NAME] */
static bool funcname(struct lex *ls, struct expdesc *v)
{
    bool ismethod = false;
    singlevar(ls, v);
    while (ls->t.tok == '.')
        fieldsel(ls, v);
    if (ls->t.tok == ':') {
        ismethod = true;
        fieldsel(ls, v);
    }
    return ismethod;
}

/* funcstat -> FUNCTION funcname body */
static void funcstat(struct lex *ls, int line)
{
    struct expdesc v, b;
    lex_next(ls);
    bool ismethod = funcname(ls, &v);
    body(ls, &b, ismethod, line);
    check_readonly(ls, &v);
    code_storevar(ls->fs, &v, &b);
    code_fixline(ls->fs, line); /* the definition happens on its first line */
}

/* exprstat -> func | assignment */
static void exprstat(struct lex *ls)
{
    struct funcstate *fs = ls->fs;
    struct lhs_assign v;
    suffixedexp(ls, &v.v);
    if (ls->t.tok == '=' || ls->t.tok == ',') {
        v.prev = NULL;
        restassign(ls, &v, 1);
    } else {
        if (v.v.k != VCALL) lex_syntax_error(ls, "syntax error");
        skb_ins *inst = &fs->f->code[v.v.u.info];
        *inst = skb_set_c(*inst, 1); /* a call statement keeps no results */
    }
}

/* retstat -> RETURN [explist] [';'] */
static void retstat(struct lex *ls)
{
    struct funcstate *fs = ls->fs;
    struct expdesc e;
    int nret;
    int first = code_nvarstack(fs);
    if (block_follow(ls, true) || ls->t.tok == ';') {
        nret = 0;
    } else {
        nret = explist(ls, &e);
        if (HASMULTRET(e.k)) {
            code_setreturns(fs, &e, MULTRET);
            if (e.k == VCALL && nret == 1 && !fs->bl->insidetbc) { /* tail call */
                skb_ins *pc = &fs->f->code[e.u.info];
                *pc = skb_set_op(*pc, SKB_OP_TAILCALL);
            }
            nret = MULTRET;
        } else if (nret == 1) {
            first = code_exp2anyreg(fs, &e);
        } else {
            code_exp2nextreg(fs, &e);
        }
    }
    code_ret(fs, first, nret);
    testnext(ls, ';');
}

static void statement(struct lex *ls)
{
    int line = ls->linenumber;
    enterlevel(ls);
    switch (ls->t.tok) {
    case ';':
        lex_next(ls);
        break;
    case TK_IF:
        ifstat(ls, line);
        break;
    case TK_WHILE:
        whilestat(ls, line);
        break;
    case TK_DO:
        lex_next(ls);
        block(ls);
        check_match(ls, TK_END, TK_DO, line);
        break;
    case TK_FOR:
        forstat(ls, line);
        break;
    case TK_REPEAT:
        repeatstat(ls, line);
        break;
    case TK_FUNCTION:
        funcstat(ls, line);
        break;
    case TK_LOCAL:
        lex_next(ls);
        if (testnext(ls, TK_FUNCTION))
            localfunc(ls);
        else
            localstat(ls);
        break;
    case TK_DBCOLON:
        lex_next(ls);
        labelstat(ls, str_checkname(ls), line);
        break;
    case TK_RETURN:
        lex_next(ls);
        retstat(ls);
        break;
    case TK_BREAK:
        breakstat(ls);
        break;
    case TK_GOTO:
        lex_next(ls);
        gotostat(ls);
        break;
    default:
        exprstat(ls);
        break;
    }
    ls->fs->freereg = code_nvarstack(ls->fs);
    leavelevel(ls);
}

/* chunk -> statlist EOF, compiled as a vararg function with one upvalue, _ENV */
void parse_chunk(struct lex *ls)
{
    struct funcstate fs;
    struct blockcnt bl;
    ls->main = proto_new(ls);
    fs.f = ls->main;
    open_func(ls, &fs, &bl);
    setvararg(&fs, 0);
    struct upvaldesc *env = allocupvalue(&fs);
    env->instack = 1;
    env->idx = 0;
    env->kind = VDKREG;
    env->name = ls->envn;
    lex_next(ls);
    statlist(ls);
    check(ls, TK_EOS);
    close_func(ls);
}
