/* lang/emit.c: lang_compile(), the compile of each module behind its error boundary, and the
 * .skb writer (docs/bytecode.md: little-endian, counted, versioned).
 */
#include "lang/lang.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/compiler.h"

/* A growing output buffer; 'failed' once an allocation failed (later writes are dropped). */
struct wbuf {
    uint8_t *p;
    size_t len, cap;
    int failed;
};

static void put(struct wbuf *w, const void *src, size_t n)
{
    if (w->failed) return;
    if (w->len + n > w->cap) {
        size_t ncap = w->cap < 4096 ? 4096 : w->cap;
        while (ncap < w->len + n)
            ncap *= 2;
        uint8_t *np = realloc(w->p, ncap);
        if (np == NULL) {
            w->failed = 1;
            return;
        }
        w->p = np;
        w->cap = ncap;
    }
    memcpy(w->p + w->len, src, n);
    w->len += n;
}

static void put_u8(struct wbuf *w, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(w, &b, 1);
}

static void put_le(struct wbuf *w, uint64_t v, int n)
{
    uint8_t b[8];
    for (int i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    put(w, b, (size_t)n);
}

static void put_str(struct wbuf *w, const char *s, size_t len)
{
    put_le(w, len, 4);
    put(w, s, len);
}

static void put_function(struct wbuf *w, const struct proto *f)
{
    put_str(w, f->source->s, f->source->len);
    put_le(w, (uint32_t)f->linedefined, 4);
    put_le(w, (uint32_t)f->lastlinedefined, 4);
    put_u8(w, f->numparams);
    put_u8(w, f->is_vararg);
    put_u8(w, f->maxstacksize);
    put_le(w, (uint32_t)f->ncode, 4);
    for (int i = 0; i < f->ncode; i++)
        put_le(w, f->code[i], 4);
    put_le(w, (uint32_t)f->nk, 4);
    for (int i = 0; i < f->nk; i++) {
        const struct kval *k = &f->k[i];
        switch (k->tag) {
        case SKB_CONST_INT:
            put_u8(w, SKB_CONST_INT);
            put_le(w, (uint64_t)k->u.i, 8);
            break;
        case SKB_CONST_FLOAT: {
            uint64_t bits;
            memcpy(&bits, &k->u.f, sizeof bits);
            put_u8(w, SKB_CONST_FLOAT);
            put_le(w, bits, 8);
            break;
        }
        case SKB_CONST_SHORTSTR:
            put_u8(w, k->u.s->len <= SKB_SHORTSTR_MAX ? SKB_CONST_SHORTSTR : SKB_CONST_LONGSTR);
            put_str(w, k->u.s->s, k->u.s->len);
            break;
        default:
            put_u8(w, k->tag);
            break;
        }
    }
    put_le(w, (uint32_t)f->nup, 4);
    for (int i = 0; i < f->nup; i++) {
        put_u8(w, f->up[i].instack);
        put_u8(w, f->up[i].idx);
        put_u8(w, f->up[i].kind);
    }
    put_le(w, (uint32_t)f->np, 4);
    for (int i = 0; i < f->np; i++)
        put_function(w, f->p[i]);
    put_le(w, (uint32_t)f->ncode, 4);
    for (int i = 0; i < f->ncode; i++)
        put_le(w, (uint32_t)f->lines[i], 4);
    put_le(w, (uint32_t)f->nlocvars, 4);
    for (int i = 0; i < f->nlocvars; i++) {
        put_str(w, f->locvars[i].name->s, f->locvars[i].name->len);
        put_le(w, (uint32_t)f->locvars[i].startpc, 4);
        put_le(w, (uint32_t)f->locvars[i].endpc, 4);
    }
    put_le(w, (uint32_t)f->nup, 4);
    for (int i = 0; i < f->nup; i++)
        put_str(w, f->up[i].name->s, f->up[i].name->len);
}

static int add_error(struct lang_output *out, const char *msg)
{
    size_t have = out->errors != NULL ? strlen(out->errors) : 0, n = strlen(msg);
    char *e = realloc(out->errors, have + n + 2);
    if (e == NULL) return LANG_NOMEM;
    memcpy(e + have, msg, n);
    e[have + n] = '\n';
    e[have + n + 1] = '\0';
    out->errors = e;
    out->nerrors++;
    return LANG_OK;
}

/* The error boundary: parses and writes the module, or returns the error lex_error() raised.
 * No local of this function changes between setjmp() and longjmp(). */
static int parse_guarded(struct lex *ls, const struct lang_module *m, struct wbuf *w,
                         struct lang_output *out)
{
    jmp_buf on_error;
    ls->on_error = &on_error;
    if (setjmp(on_error) != 0) {
        int rc = strcmp(ls->err, "not enough memory") == 0 ? LANG_NOMEM : LANG_ERROR;
        if (rc == LANG_ERROR && add_error(out, ls->err) != LANG_OK) rc = LANG_NOMEM;
        return rc;
    }
    lex_start(ls);
    parse_chunk(ls);
    put_str(w, m->name, strlen(m->name));
    put_function(w, ls->main);
    return w->failed ? LANG_NOMEM : LANG_OK;
}

/* Compiles one module and appends it to 'w'; on error appends the message to 'out'. */
static int compile_module(const struct lang_module *m, struct wbuf *w, struct lang_output *out)
{
    struct lex ls;
    const char *text = m->text;
    size_t len = m->len;
    char *copy = NULL;
    if (len > 0 && text[0] == '#') { /* a "#!" line: blanked, so line numbers stay */
        copy = malloc(len);
        if (copy == NULL) return LANG_NOMEM;
        memcpy(copy, text, len);
        for (size_t i = 0; i < len && copy[i] != '\n' && copy[i] != '\r'; i++)
            copy[i] = ' ';
        text = copy;
    }
    lex_init(&ls, text, len, m->path);
    int rc = parse_guarded(&ls, m, w, out);
    lex_fini(&ls);
    free(copy);
    return rc;
}

int lang_compile(const struct lang_module *mods, int n, struct lang_output *out)
{
    memset(out, 0, sizeof *out);
    if (n < 1 || n > (int)SKB_MAX_MODULES) return LANG_LIMIT;
    for (int i = 0; i < n; i++) {
        size_t nl = strlen(mods[i].name);
        if (nl == 0 || nl > SKB_MAX_NAME) return LANG_LIMIT;
    }
    struct wbuf w = {0};
    put(&w, SKB_MAGIC, SKB_MAGIC_LEN);
    put_le(&w, SKB_VERSION, 2);
    put_u8(&w, SKB_INS_SIZE);
    put_u8(&w, SKB_INT_SIZE);
    put_u8(&w, SKB_NUM_SIZE);
    put_u8(&w, 0);
    put_le(&w, (uint64_t)SKB_CHECK_INT, 8);
    double check = SKB_CHECK_NUM;
    uint64_t bits;
    memcpy(&bits, &check, sizeof bits);
    put_le(&w, bits, 8);
    put_le(&w, (uint32_t)n, 4);
    int rc = LANG_OK;
    for (int i = 0; i < n; i++) {
        int r = compile_module(&mods[i], &w, out);
        if (r == LANG_NOMEM) {
            rc = LANG_NOMEM;
            break;
        }
        if (r != LANG_OK) rc = r;
    }
    if (w.failed) rc = LANG_NOMEM;
    if (rc != LANG_OK) {
        free(w.p);
        return rc;
    }
    out->bytes = w.p;
    out->len = w.len;
    return LANG_OK;
}

void lang_output_free(struct lang_output *out)
{
    free(out->bytes);
    free(out->errors);
    memset(out, 0, sizeof *out);
}

int lang_module_name(const char *path, char *buf, size_t cap)
{
    if (strncmp(path, "./", 2) == 0) path += 2;
    size_t len = strlen(path);
    if (len >= 4 && strcmp(path + len - 4, ".lua") == 0) len -= 4;
    if (len == 0 || len + 1 > cap) return -1;
    for (size_t i = 0; i < len; i++)
        buf[i] = path[i] == '/' ? '.' : path[i];
    buf[len] = '\0';
    return (int)len;
}
