/* lang/compiler.h: what the compiler's files share (internal; only lang/ and tests/lang/ include
 * it). lex.c turns source into tokens, parse.c reads the grammar and drives code.c, which
 * generates Lua 5.4 instructions into 'struct proto' trees; emit.c serializes them.
 *
 * Errors: every stage reports through lex_error()/lex_syntax_error(), which format the message
 * as lua5.4 does ("app.lua:12: 'end' expected near '<eof>'") and longjmp to the boundary in
 * lang_compile() (emit.c). Everything allocated while compiling one module is reachable from
 * its 'struct lex', so the boundary frees it all.
 */
#ifndef SKIFF_LANG_COMPILER_H
#define SKIFF_LANG_COMPILER_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/skb.h"

/* An interned string: equal strings are the same pointer. Owned by the lexer's string table. */
struct lstr {
    struct lstr *next; /* chain in the string table */
    uint32_t hash;
    int reserved; /* 1 + index of the reserved word, or 0 */
    size_t len;
    char s[]; /* 'len' bytes and a NUL (names never contain NUL; strings may) */
};

/* Tokens: single-character tokens are their character; the others start past the byte range.
 * ORDER TOKEN: lex.c's token_names follows this order. */
enum tok {
    TK_AND = 257,
    TK_BREAK,
    TK_DO,
    TK_ELSE,
    TK_ELSEIF,
    TK_END,
    TK_FALSE,
    TK_FOR,
    TK_FUNCTION,
    TK_GOTO,
    TK_IF,
    TK_IN,
    TK_LOCAL,
    TK_NIL,
    TK_NOT,
    TK_OR,
    TK_REPEAT,
    TK_RETURN,
    TK_THEN,
    TK_TRUE,
    TK_UNTIL,
    TK_WHILE,
    /* other multi-character tokens */
    TK_IDIV,
    TK_CONCAT,
    TK_DOTS,
    TK_EQ,
    TK_GE,
    TK_LE,
    TK_NE,
    TK_SHL,
    TK_SHR,
    TK_DBCOLON,
    TK_EOS,
    TK_FLT,
    TK_INT,
    TK_NAME,
    TK_STRING
};
#define NUM_RESERVED (TK_WHILE - TK_AND + 1)

struct token {
    int tok;
    union {
        double r;
        int64_t i;
        struct lstr *s;
    } v;
};

/* A constant of a function, as the .skb file holds it. */
struct kval {
    uint8_t tag; /* enum skb_const_tag; strings use SKB_CONST_SHORTSTR for both lengths */
    union {
        int64_t i;
        double f;
        struct lstr *s;
    } u;
};

struct locvar {
    struct lstr *name;
    int startpc, endpc;
};

struct upvaldesc {
    struct lstr *name;
    uint8_t instack, idx, kind;
};

/* One compiled function. Owns its arrays and its nested protos ('p'). */
struct proto {
    struct lstr *source;
    int linedefined, lastlinedefined;
    uint8_t numparams, is_vararg, maxstacksize;
    skb_ins *code;
    int *lines; /* absolute source line of each instruction, parallel to 'code' */
    int ncode, capcode;
    struct kval *k;
    int nk, capk;
    struct proto **p;
    int np, capp;
    struct upvaldesc *up;
    int nup, capup;
    struct locvar *locvars;
    int nlocvars, caplocvars;
};

/* Variable kinds (Lua's): the first three are also enum skb_upval_kind. */
enum var_kind { VDKREG = 0, RDKCONST = 1, RDKTOCLOSE = 2, RDKCTC = 3 };

/* An active local variable (the parser's stack of them, across nested functions). */
struct vardesc {
    struct lstr *name;
    uint8_t kind;     /* enum var_kind */
    uint8_t ridx;     /* register holding it */
    int pidx;         /* index of its record in the proto's 'locvars' */
    struct kval kval; /* the value of a compile-time constant (RDKCTC) */
};

/* A label, or a pending goto (also 'break'). */
struct labeldesc {
    struct lstr *name;
    int pc;
    int line;
    int nactvar; /* active locals at that position */
    int close;   /* a goto that has to close upvalues */
};

struct labellist {
    struct labeldesc *arr;
    int n, cap;
};

/* Keys of the constant map: which constant index a value had last (Lua's scanner table). */
struct kslot {
    uint8_t used;
    struct kval key;
    int idx;
};

struct funcstate;

/* The compile of one module. Owns every allocation made on its behalf. */
struct lex {
    const char *src; /* borrowed: the source text */
    size_t len, pos;
    int current; /* current character, or -1 at the end */
    int linenumber;
    int lastline; /* line of the last token consumed */
    struct token t, ahead;
    char *buf; /* owned: the token being read */
    size_t nbuf, capbuf;
    char chunkid[64];     /* the source's name as messages show it */
    struct lstr *source;  /* "@path" */
    struct lstr *envn;    /* "_ENV" */
    struct lstr *brk;     /* "break" */
    struct lstr **strtab; /* owned: interned strings */
    size_t nstr, capstr;
    struct kslot *kmap; /* owned */
    size_t nkmap, capkmap;
    struct funcstate *fs;
    struct proto *main;     /* owned: the tree under construction */
    struct vardesc *actvar; /* owned */
    int nactvar_all, capactvar;
    struct labellist gt, label; /* owned */
    int depth;                  /* C-level nesting of the parser */
    jmp_buf *on_error;
    char *err; /* owned: the error message once raised */
};

/* Expression kinds (Lua's expkind). ORDER EXPKIND: range checks below rely on it. */
enum expkind {
    VVOID, /* empty expression list, or no value */
    VNIL,
    VTRUE,
    VFALSE,
    VK,        /* constant; info = index */
    VKFLT,     /* nval */
    VKINT,     /* ival */
    VKSTR,     /* strval */
    VNONRELOC, /* value in a fixed register; info */
    VLOCAL,    /* local; var.ridx register, var.vidx index among active locals */
    VUPVAL,    /* info = upvalue index */
    VCONST,    /* compile-time constant; info = index in ls->actvar */
    VINDEXED,  /* ind.t table register, ind.idx key register */
    VINDEXUP,  /* ind.t upvalue, ind.idx string constant */
    VINDEXI,   /* ind.t table register, ind.idx integer key */
    VINDEXSTR, /* ind.t table register, ind.idx string constant */
    VJMP,      /* info = pc of the comparison's jump */
    VRELOC,    /* info = pc of an instruction whose A is still to be set */
    VCALL,     /* info = pc of the CALL */
    VVARARG    /* info = pc of the VARARG */
};
#define VKISVAR(k) (VLOCAL <= (k) && (k) <= VINDEXSTR)
#define VKISINDEXED(k) (VINDEXED <= (k) && (k) <= VINDEXSTR)
#define HASMULTRET(k) ((k) == VCALL || (k) == VVARARG)
#define NO_JUMP (-1)
#define NO_REG 255
#define MULTRET (-1)

struct expdesc {
    enum expkind k;
    union {
        int64_t ival;
        double nval;
        struct lstr *strval;
        int info;
        struct {
            short idx;
            uint8_t t;
        } ind;
        struct {
            uint8_t ridx;
            unsigned short vidx;
        } var;
    } u;
    int t, f; /* jump lists: exit when true, exit when false */
};

struct blockcnt {
    struct blockcnt *previous;
    int firstlabel, firstgoto;
    int nactvar; /* active locals outside the block */
    bool upval;  /* some variable of the block is an upvalue */
    bool isloop;
    bool insidetbc;
};

/* The function being compiled. */
struct funcstate {
    struct proto *f;
    struct funcstate *prev;
    struct lex *ls;
    struct blockcnt *bl;
    int pc, lasttarget;
    int nk, np;
    int firstlocal, firstlabel;
    int ndebugvars;
    int nactvar;
    int nups;
    int freereg;
    bool needclose;
};

/* Binary and unary operators. ORDER OPR: the arithmetic ones follow SKB_OP_ADD's order. */
enum binopr {
    OPR_ADD,
    OPR_SUB,
    OPR_MUL,
    OPR_MOD,
    OPR_POW,
    OPR_DIV,
    OPR_IDIV,
    OPR_BAND,
    OPR_BOR,
    OPR_BXOR,
    OPR_SHL,
    OPR_SHR,
    OPR_CONCAT,
    OPR_EQ,
    OPR_LT,
    OPR_LE,
    OPR_NE,
    OPR_GT,
    OPR_GE,
    OPR_AND,
    OPR_OR,
    OPR_NOBINOPR
};
enum unopr { OPR_MINUS, OPR_BNOT, OPR_NOT, OPR_LEN, OPR_NOUNOPR };

/* code.c: the code generator (Lua's lcode.c algorithms). */
int code_abck(struct funcstate *fs, int op, int a, int b, int c, int k);
int code_abx(struct funcstate *fs, int op, int a, unsigned bx);
int code_word(struct funcstate *fs, skb_ins i);
void code_fixline(struct funcstate *fs, int line);
void code_nil(struct funcstate *fs, int from, int n);
void code_int(struct funcstate *fs, int reg, int64_t i);
void code_reserveregs(struct funcstate *fs, int n);
void code_checkstack(struct funcstate *fs, int n);
int code_jump(struct funcstate *fs);
void code_ret(struct funcstate *fs, int first, int nret);
int code_getlabel(struct funcstate *fs);
void code_patchlist(struct funcstate *fs, int list, int target);
void code_patchtohere(struct funcstate *fs, int list);
void code_concat(struct funcstate *fs, int *l1, int l2);
void code_setreturns(struct funcstate *fs, struct expdesc *e, int nresults);
void code_setoneret(struct funcstate *fs, struct expdesc *e);
void code_dischargevars(struct funcstate *fs, struct expdesc *e);
int code_exp2anyreg(struct funcstate *fs, struct expdesc *e);
void code_exp2anyregup(struct funcstate *fs, struct expdesc *e);
void code_exp2nextreg(struct funcstate *fs, struct expdesc *e);
void code_exp2val(struct funcstate *fs, struct expdesc *e);
void code_storevar(struct funcstate *fs, struct expdesc *var, struct expdesc *e);
void code_self(struct funcstate *fs, struct expdesc *e, struct expdesc *key);
void code_indexed(struct funcstate *fs, struct expdesc *t, struct expdesc *k);
void code_goiftrue(struct funcstate *fs, struct expdesc *e);
void code_goiffalse(struct funcstate *fs, struct expdesc *e);
void code_prefix(struct funcstate *fs, enum unopr op, struct expdesc *e, int line);
void code_infix(struct funcstate *fs, enum binopr op, struct expdesc *v);
void code_posfix(struct funcstate *fs, enum binopr op, struct expdesc *e1, struct expdesc *e2,
                 int line);
void code_settablesize(struct funcstate *fs, int pc, int ra, int asize, int hsize);
void code_setlist(struct funcstate *fs, int base, int nelems, int tostore);
void code_finish(struct funcstate *fs);
bool code_exp2const(struct funcstate *fs, const struct expdesc *e, struct kval *v);
void code_const2exp(const struct kval *v, struct expdesc *e);
int code_nvarstack(struct funcstate *fs);

/* lex.c */
void lex_init(struct lex *ls, const char *src, size_t len, const char *chunkname);
/* After lex_init() and setting ls->on_error: interns the fixed names, reads the first
 * character. */
void lex_start(struct lex *ls);
void lex_fini(struct lex *ls);
void lex_next(struct lex *ls);
int lex_lookahead(struct lex *ls);
struct lstr *lex_str(struct lex *ls, const char *s, size_t len);
const char *lex_token_text(struct lex *ls, int tok, char *buf, size_t cap);
_Noreturn void lex_error(struct lex *ls, const char *msg, int tok);
_Noreturn void lex_syntax_error(struct lex *ls, const char *msg);
_Noreturn void lex_nomem(struct lex *ls);
void *lex_grow(struct lex *ls, void *p, int *cap, int need, size_t elem);
/* Converts a numeral as Lua does; returns 1 integer, 2 float, 0 malformed. */
int lex_str2num(const char *s, int64_t *i, double *r);

/* parse.c: compiles the whole module into ls->main. */
void parse_chunk(struct lex *ls);

/* Frees a proto tree. */
void lang_proto_free(struct proto *p);

#endif
