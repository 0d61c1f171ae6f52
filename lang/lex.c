/* lang/lex.c: the lexer, Lua 5.4's lexical rules (Lua 5.4 reference manual §3.1): names,
 * reserved words, every string escape, long strings and comments, integer and float numerals
 * (decimal and hexadecimal, with Lua's integer/float rules). Error messages are lua5.4's, word
 * for word: "malformed number near '3x'", "unfinished string near '"abc'".
 *
 * Entry points: lex_init(), lex_next(), lex_lookahead(), lex_fini(); lex_error() raises.
 */
#include "lang/compiler.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EOZ (-1)

/* ORDER TOKEN */
static const char *const token_names[] = {"and",    "break",   "do",     "else",     "elseif",
                                          "end",    "false",   "for",    "function", "goto",
                                          "if",     "in",      "local",  "nil",      "not",
                                          "or",     "repeat",  "return", "then",     "true",
                                          "until",  "while",   "//",     "..",       "...",
                                          "==",     ">=",      "<=",     "~=",       "<<",
                                          ">>",     "::",      "<eof>",  "<number>", "<integer>",
                                          "<name>", "<string>"};

_Noreturn void lex_nomem(struct lex *ls)
{
    free(ls->err);
    ls->err = strdup("not enough memory");
    longjmp(*ls->on_error, 1);
}

void *lex_grow(struct lex *ls, void *p, int *cap, int need, size_t elem)
{
    if (need <= *cap) return p;
    int ncap = *cap < 8 ? 8 : *cap;
    while (ncap < need) {
        if (ncap > INT_MAX / 2) lex_nomem(ls);
        ncap *= 2;
    }
    void *np = realloc(p, (size_t)ncap * elem);
    if (np == NULL) lex_nomem(ls);
    *cap = ncap;
    return np;
}

/* ---- String table ---- */

static uint32_t str_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

struct lstr *lex_str(struct lex *ls, const char *s, size_t len)
{
    uint32_t h = str_hash(s, len);
    if (ls->capstr > 0) {
        for (struct lstr *e = ls->strtab[h & (ls->capstr - 1)]; e != NULL; e = e->next)
            if (e->hash == h && e->len == len && memcmp(e->s, s, len) == 0) return e;
    }
    if (ls->nstr + 1 > ls->capstr / 2) {
        size_t ncap = ls->capstr == 0 ? 256 : ls->capstr * 2;
        struct lstr **nt = calloc(ncap, sizeof *nt);
        if (nt == NULL) lex_nomem(ls);
        for (size_t i = 0; i < ls->capstr; i++) {
            for (struct lstr *e = ls->strtab[i], *next; e != NULL; e = next) {
                next = e->next;
                e->next = nt[e->hash & (ncap - 1)];
                nt[e->hash & (ncap - 1)] = e;
            }
        }
        free(ls->strtab);
        ls->strtab = nt;
        ls->capstr = ncap;
    }
    struct lstr *e = malloc(sizeof *e + len + 1);
    if (e == NULL) lex_nomem(ls);
    e->hash = h;
    e->len = len;
    e->reserved = 0;
    memcpy(e->s, s, len);
    e->s[len] = '\0';
    e->next = ls->strtab[h & (ls->capstr - 1)];
    ls->strtab[h & (ls->capstr - 1)] = e;
    ls->nstr++;
    return e;
}

/* The chunk's name as messages show it (Lua's luaO_chunkid for "@file" sources): the path,
 * or "..." and its last characters when it is too long. */
static void make_chunkid(char *out, size_t cap, const char *name)
{
    size_t len = strlen(name);
    if (len < cap) {
        memcpy(out, name, len + 1);
    } else {
        size_t keep = cap - 4;
        memcpy(out, "...", 3);
        memcpy(out + 3, name + len - keep, keep + 1);
    }
}

void lex_init(struct lex *ls, const char *src, size_t len, const char *chunkname)
{
    memset(ls, 0, sizeof *ls);
    ls->src = src;
    ls->len = len;
    ls->linenumber = 1;
    ls->lastline = 1;
    ls->t.tok = 0;
    ls->ahead.tok = TK_EOS;
    make_chunkid(ls->chunkid, sizeof ls->chunkid - 4, chunkname);
}

void lex_start(struct lex *ls)
{
    for (int i = 0; i < NUM_RESERVED; i++) {
        struct lstr *s = lex_str(ls, token_names[i], strlen(token_names[i]));
        s->reserved = i + 1;
    }
    ls->envn = lex_str(ls, "_ENV", 4);
    ls->brk = lex_str(ls, "break", 5);
    char src[sizeof ls->chunkid + 1];
    snprintf(src, sizeof src, "@%s", ls->chunkid);
    ls->source = lex_str(ls, src, strlen(src));
    ls->current = ls->len > 0 ? (unsigned char)ls->src[0] : EOZ;
    ls->pos = ls->len > 0 ? 1 : 0;
}

void lex_fini(struct lex *ls)
{
    for (size_t i = 0; i < ls->capstr; i++) {
        for (struct lstr *e = ls->strtab[i], *next; e != NULL; e = next) {
            next = e->next;
            free(e);
        }
    }
    free(ls->strtab);
    free(ls->buf);
    free(ls->kmap);
    free(ls->actvar);
    free(ls->gt.arr);
    free(ls->label.arr);
    free(ls->err);
    if (ls->main != NULL) lang_proto_free(ls->main);
    memset(ls, 0, sizeof *ls);
}

/* ---- Errors ---- */

const char *lex_token_text(struct lex *ls, int tok, char *buf, size_t cap)
{
    (void)ls;
    if (tok < 257) {
        if (tok >= 32 && tok < 127)
            snprintf(buf, cap, "'%c'", tok);
        else
            snprintf(buf, cap, "'<\\%d>'", tok);
    } else {
        const char *s = token_names[tok - TK_AND];
        if (tok < TK_EOS)
            snprintf(buf, cap, "'%s'", s);
        else
            snprintf(buf, cap, "%s", s);
    }
    return buf;
}

_Noreturn void lex_error(struct lex *ls, const char *msg, int tok)
{
    char near[128];
    const char *neartext = NULL;
    char *owned = NULL;
    if (tok == TK_NAME || tok == TK_STRING || tok == TK_FLT || tok == TK_INT) {
        /* the raw text of the token read last, as far as it goes */
        size_t n = strnlen(ls->buf != NULL ? ls->buf : "", ls->nbuf);
        owned = malloc(n + 3);
        if (owned == NULL) lex_nomem(ls);
        owned[0] = '\'';
        if (n > 0) memcpy(owned + 1, ls->buf, n);
        owned[n + 1] = '\'';
        owned[n + 2] = '\0';
        neartext = owned;
    } else if (tok != 0) {
        neartext = lex_token_text(ls, tok, near, sizeof near);
    }
    size_t cap = strlen(ls->chunkid) + strlen(msg) + (neartext ? strlen(neartext) : 0) + 64;
    char *m = malloc(cap);
    if (m == NULL) {
        free(owned);
        lex_nomem(ls);
    }
    if (neartext != NULL)
        snprintf(m, cap, "%s:%d: %s near %s", ls->chunkid, ls->linenumber, msg, neartext);
    else
        snprintf(m, cap, "%s:%d: %s", ls->chunkid, ls->linenumber, msg);
    free(owned);
    free(ls->err);
    ls->err = m;
    longjmp(*ls->on_error, 1);
}

_Noreturn void lex_syntax_error(struct lex *ls, const char *msg)
{
    lex_error(ls, msg, ls->t.tok);
}

/* ---- Characters ---- */

static void next(struct lex *ls)
{
    if (ls->pos < ls->len)
        ls->current = (unsigned char)ls->src[ls->pos++];
    else {
        ls->current = EOZ;
        ls->pos = ls->len + 1;
    }
}

static void save(struct lex *ls, int c)
{
    if (ls->nbuf + 1 >= ls->capbuf) {
        size_t ncap = ls->capbuf < 64 ? 64 : ls->capbuf * 2;
        char *nb = realloc(ls->buf, ncap);
        if (nb == NULL) lex_nomem(ls);
        ls->buf = nb;
        ls->capbuf = ncap;
    }
    ls->buf[ls->nbuf++] = (char)c;
    ls->buf[ls->nbuf] = '\0';
}

static void save_next(struct lex *ls)
{
    save(ls, ls->current);
    next(ls);
}

static void buf_reset(struct lex *ls)
{
    ls->nbuf = 0;
    if (ls->buf != NULL) ls->buf[0] = '\0';
}

static void buf_remove(struct lex *ls, size_t n)
{
    ls->nbuf -= n;
    ls->buf[ls->nbuf] = '\0';
}

static bool is_newline(int c)
{
    return c == '\n' || c == '\r';
}
static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}
static bool is_xdigit(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static bool is_alpha(int c) /* letters and '_', in the C locale, as Lua's lislalpha */
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool is_alnum(int c)
{
    return is_alpha(c) || is_digit(c);
}
static bool is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
static int hex_value(int c)
{
    return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* "\r\n" and "\n\r" count as one line break, as in Lua. */
static void inc_line(struct lex *ls)
{
    int old = ls->current;
    next(ls);
    if (is_newline(ls->current) && ls->current != old) next(ls);
    if (++ls->linenumber >= INT_MAX) lex_error(ls, "chunk has too many lines", 0);
}

static bool check_next2(struct lex *ls, const char *set)
{
    if (ls->current == set[0] || ls->current == set[1]) {
        save_next(ls);
        return true;
    }
    return false;
}

/* ---- Numbers ---- */

/* Lua's l_str2int: decimal (fails on overflow, so the caller reads a float) or hexadecimal
 * (wraps around modulo 2^64). */
static bool str2int(const char *s, int64_t *out)
{
    uint64_t a = 0;
    bool empty = true;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        for (s += 2; is_xdigit((unsigned char)*s); s++) {
            a = a * 16 + (uint64_t)hex_value((unsigned char)*s);
            empty = false;
        }
    } else {
        const uint64_t maxby10 = (uint64_t)INT64_MAX / 10, maxlastd = (uint64_t)INT64_MAX % 10;
        for (; is_digit((unsigned char)*s); s++) {
            uint64_t d = (uint64_t)(*s - '0');
            if (a >= maxby10 && (a > maxby10 || d > maxlastd)) return false;
            a = a * 10 + d;
            empty = false;
        }
    }
    if (empty || *s != '\0') return false;
    *out = (int64_t)a;
    return true;
}

int lex_str2num(const char *s, int64_t *i, double *r)
{
    if (str2int(s, i)) return 1;
    if (strpbrk(s, "nN") != NULL) return 0; /* rejects "inf" and "nan" */
    char *end;
    errno = 0;
    *r = strtod(s, &end);
    if (end == s || *end != '\0') return 0;
    return 2;
}

/* A numeral: digits, '.', exponent marks with their sign; a letter right after it is taken in
 * so that "3x" is reported whole as malformed (Lua 5.4's read_numeral). */
static int read_numeral(struct lex *ls, struct token *t)
{
    const char *expo = "Ee";
    int first = ls->current;
    save_next(ls);
    if (first == '0' && check_next2(ls, "xX")) expo = "Pp";
    for (;;) {
        if (check_next2(ls, expo))
            check_next2(ls, "-+");
        else if (is_xdigit(ls->current) || ls->current == '.')
            save_next(ls);
        else
            break;
    }
    if (is_alpha(ls->current)) save_next(ls);
    int kind = memchr(ls->buf, '\0', ls->nbuf) != NULL ? 0 : lex_str2num(ls->buf, &t->v.i, &t->v.r);
    if (kind == 0) lex_error(ls, "malformed number", TK_FLT);
    return kind == 1 ? TK_INT : TK_FLT;
}

/* ---- Strings ---- */

/* After '[': counts the '='s. Returns their count + 2 for a well-formed "[==[", 1 for a lone
 * '[', 0 for '[=' not followed by '['. */
static size_t skip_sep(struct lex *ls)
{
    size_t count = 0;
    int s = ls->current;
    save_next(ls);
    while (ls->current == '=') {
        save_next(ls);
        count++;
    }
    return ls->current == s ? count + 2 : count == 0 ? 1 : 0;
}

static void read_long_string(struct lex *ls, struct token *t, size_t sep)
{
    int line = ls->linenumber;
    save_next(ls); /* the second '[' */
    if (is_newline(ls->current)) inc_line(ls);
    for (;;) {
        switch (ls->current) {
        case EOZ: {
            char msg[80];
            snprintf(msg, sizeof msg, "unfinished long %s (starting at line %d)",
                     t != NULL ? "string" : "comment", line);
            lex_error(ls, msg, TK_EOS);
        }
        case ']':
            if (skip_sep(ls) == sep) {
                save_next(ls);
                goto done;
            }
            break;
        case '\n':
        case '\r':
            save(ls, '\n');
            inc_line(ls);
            if (t == NULL) buf_reset(ls);
            break;
        default:
            if (t != NULL)
                save_next(ls);
            else
                next(ls);
        }
    }
done:
    if (t != NULL) t->v.s = lex_str(ls, ls->buf + sep, ls->nbuf - 2 * sep);
}

static void esc_check(struct lex *ls, bool ok, const char *msg)
{
    if (!ok) {
        if (ls->current != EOZ) save_next(ls); /* the offending character, for the message */
        lex_error(ls, msg, TK_STRING);
    }
}

static int get_hexa(struct lex *ls)
{
    save_next(ls);
    esc_check(ls, is_xdigit(ls->current), "hexadecimal digit expected");
    return hex_value(ls->current);
}

static int read_hexa_esc(struct lex *ls)
{
    int r = get_hexa(ls);
    r = (r << 4) + get_hexa(ls);
    buf_remove(ls, 2);
    return r;
}

static unsigned long read_utf8_esc(struct lex *ls)
{
    unsigned long r;
    int i = 4; /* '\', 'u', '{' and the first digit are in the buffer */
    save_next(ls);
    esc_check(ls, ls->current == '{', "missing '{'");
    r = (unsigned long)get_hexa(ls);
    while (save_next(ls), is_xdigit(ls->current)) {
        i++;
        esc_check(ls, r <= (0x7FFFFFFFul >> 4), "UTF-8 value too large");
        r = (r << 4) + (unsigned long)hex_value(ls->current);
    }
    esc_check(ls, ls->current == '}', "missing '}'");
    next(ls);
    buf_remove(ls, (size_t)i);
    return r;
}

/* Encodes 'x' (< 2^31) in the original, up to 6-byte UTF-8 form, as Lua does. */
static void utf8_esc(struct lex *ls)
{
    unsigned long x = read_utf8_esc(ls);
    char out[8];
    int n = 1;
    if (x < 0x80) {
        out[7] = (char)x;
    } else {
        unsigned mfb = 0x3f;
        do {
            out[8 - n++] = (char)(0x80 | (x & 0x3f));
            x >>= 6;
            mfb >>= 1;
        } while (x > mfb);
        out[8 - n] = (char)((~mfb << 1) | x);
    }
    for (int i = 8 - n; i < 8; i++)
        save(ls, (unsigned char)out[i]);
}

static int read_dec_esc(struct lex *ls)
{
    int r = 0, i;
    for (i = 0; i < 3 && is_digit(ls->current); i++) {
        r = 10 * r + ls->current - '0';
        save_next(ls);
    }
    esc_check(ls, r <= UCHAR_MAX, "decimal escape too large");
    buf_remove(ls, (size_t)i);
    return r;
}

static void read_string(struct lex *ls, int del, struct token *t)
{
    save_next(ls); /* the delimiter stays in the buffer, for messages */
    while (ls->current != del) {
        switch (ls->current) {
        case EOZ:
            lex_error(ls, "unfinished string", TK_EOS);
        case '\n':
        case '\r':
            lex_error(ls, "unfinished string", TK_STRING);
        case '\\': {
            int c;
            save_next(ls); /* the '\' stays until the escape is known, for messages */
            switch (ls->current) {
            case 'a':
                c = '\a';
                goto read_save;
            case 'b':
                c = '\b';
                goto read_save;
            case 'f':
                c = '\f';
                goto read_save;
            case 'n':
                c = '\n';
                goto read_save;
            case 'r':
                c = '\r';
                goto read_save;
            case 't':
                c = '\t';
                goto read_save;
            case 'v':
                c = '\v';
                goto read_save;
            case 'x':
                c = read_hexa_esc(ls);
                goto read_save;
            case 'u':
                utf8_esc(ls);
                goto no_save;
            case '\n':
            case '\r':
                inc_line(ls);
                c = '\n';
                goto only_save;
            case '\\':
            case '"':
            case '\'':
                c = ls->current;
                goto read_save;
            case EOZ:
                goto no_save; /* the loop reports the unfinished string */
            case 'z':
                buf_remove(ls, 1);
                next(ls);
                while (is_space(ls->current)) {
                    if (is_newline(ls->current))
                        inc_line(ls);
                    else
                        next(ls);
                }
                goto no_save;
            default:
                esc_check(ls, is_digit(ls->current), "invalid escape sequence");
                c = read_dec_esc(ls);
                goto only_save;
            }
        read_save:
            next(ls);
        only_save:
            buf_remove(ls, 1);
            save(ls, c);
        no_save:
            break;
        }
        default:
            save_next(ls);
        }
    }
    save_next(ls);
    t->v.s = lex_str(ls, ls->buf + 1, ls->nbuf - 2);
}

/* ---- Tokens ---- */

static int llex(struct lex *ls, struct token *t)
{
    buf_reset(ls);
    for (;;) {
        switch (ls->current) {
        case '\n':
        case '\r':
            inc_line(ls);
            break;
        case ' ':
        case '\f':
        case '\t':
        case '\v':
            next(ls);
            break;
        case '-':
            next(ls);
            if (ls->current != '-') return '-';
            next(ls);
            if (ls->current == '[') {
                size_t sep = skip_sep(ls);
                buf_reset(ls);
                if (sep >= 2) {
                    read_long_string(ls, NULL, sep);
                    buf_reset(ls);
                    break;
                }
            }
            while (!is_newline(ls->current) && ls->current != EOZ)
                next(ls);
            break;
        case '[': {
            size_t sep = skip_sep(ls);
            if (sep >= 2) {
                read_long_string(ls, t, sep);
                return TK_STRING;
            }
            if (sep == 0) lex_error(ls, "invalid long string delimiter", TK_STRING);
            return '[';
        }
        case '=':
            next(ls);
            if (ls->current == '=') return next(ls), TK_EQ;
            return '=';
        case '<':
            next(ls);
            if (ls->current == '=') return next(ls), TK_LE;
            if (ls->current == '<') return next(ls), TK_SHL;
            return '<';
        case '>':
            next(ls);
            if (ls->current == '=') return next(ls), TK_GE;
            if (ls->current == '>') return next(ls), TK_SHR;
            return '>';
        case '/':
            next(ls);
            if (ls->current == '/') return next(ls), TK_IDIV;
            return '/';
        case '~':
            next(ls);
            if (ls->current == '=') return next(ls), TK_NE;
            return '~';
        case ':':
            next(ls);
            if (ls->current == ':') return next(ls), TK_DBCOLON;
            return ':';
        case '"':
        case '\'':
            read_string(ls, ls->current, t);
            return TK_STRING;
        case '.':
            save_next(ls);
            if (ls->current == '.') {
                save_next(ls);
                if (ls->current == '.') return save_next(ls), TK_DOTS;
                return TK_CONCAT;
            }
            if (!is_digit(ls->current)) return '.';
            return read_numeral(ls, t);
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7':
        case '8':
        case '9':
            return read_numeral(ls, t);
        case EOZ:
            return TK_EOS;
        default:
            if (is_alpha(ls->current)) {
                do {
                    save_next(ls);
                } while (is_alnum(ls->current));
                struct lstr *s = lex_str(ls, ls->buf, ls->nbuf);
                t->v.s = s;
                if (s->reserved) return TK_AND + s->reserved - 1;
                return TK_NAME;
            } else {
                int c = ls->current;
                next(ls);
                return c;
            }
        }
    }
}

void lex_next(struct lex *ls)
{
    ls->lastline = ls->linenumber;
    if (ls->ahead.tok != TK_EOS) {
        ls->t = ls->ahead;
        ls->ahead.tok = TK_EOS;
    } else {
        ls->t.tok = llex(ls, &ls->t);
    }
}

int lex_lookahead(struct lex *ls)
{
    ls->ahead.tok = llex(ls, &ls->ahead);
    return ls->ahead.tok;
}
