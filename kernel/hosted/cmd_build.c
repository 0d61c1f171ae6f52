/* kernel/hosted/cmd_build.c: the compiler's host commands.
 *
 *   skiff build -o APP.skb main.lua [more.lua ...]   compiles a bundle (lang/lang.h); module
 *       names come from the paths (lib/util.lua -> "lib.util"); the first file is the entry.
 *       Errors go to stderr as "file:line: message"; exit 1 and no output file.
 *   skiff dis APP.skb   lists every function of every module, one instruction a line: pc,
 *       [source line], opcode and operands as luac5.4 -l -l prints them, then constants,
 *       locals and upvalues. Reads the file with its own reader (docs/bytecode.md), checking
 *       every count against the bytes left.
 */
#include "kernel/hosted/hosted.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/lang.h"
#include "vm/skb.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

int hosted_cmd_build(int argc, char **argv)
{
    const char *out_path = NULL;
    int nfiles = 0;
    const char **files = calloc((size_t)argc, sizeof *files);
    if (files == NULL) return EXIT_FAIL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            out_path = argv[++i];
        else
            files[nfiles++] = argv[i];
    }
    if (out_path == NULL || nfiles == 0) {
        fputs("usage: skiff build -o APP.skb main.lua [more.lua ...]\n", stderr);
        free(files);
        return EXIT_USAGE;
    }
    struct lang_module *mods = calloc((size_t)nfiles, sizeof *mods);
    char(*names)[SKB_MAX_NAME + 1] = calloc((size_t)nfiles, sizeof *names);
    int status = EXIT_FAIL;
    if (mods == NULL || names == NULL) goto done;
    for (int i = 0; i < nfiles; i++) {
        if (lang_module_name(files[i], names[i], sizeof names[i]) < 0) {
            fprintf(stderr, "skiff: cannot name a module after '%s'\n", files[i]);
            goto done;
        }
        for (int j = 0; j < i; j++) {
            if (strcmp(names[i], names[j]) == 0) {
                fprintf(stderr, "skiff: module '%s' given twice\n", names[i]);
                goto done;
            }
        }
        mods[i].name = names[i];
        mods[i].path = files[i];
        mods[i].text = read_file(files[i], &mods[i].len);
        if (mods[i].text == NULL) {
            fprintf(stderr, "skiff: cannot read %s\n", files[i]);
            goto done;
        }
    }
    struct lang_output out;
    int rc = lang_compile(mods, nfiles, &out);
    if (rc == LANG_OK) {
        FILE *f = fopen(out_path, "wb");
        bool ok = f != NULL && fwrite(out.bytes, 1, out.len, f) == out.len;
        if (f != NULL && fclose(f) != 0) ok = false;
        if (ok) {
            status = 0;
        } else {
            fprintf(stderr, "skiff: cannot write %s\n", out_path);
            remove(out_path);
        }
    } else if (rc == LANG_ERROR) {
        fputs(out.errors, stderr);
    } else {
        fprintf(stderr, "skiff: %s\n",
                rc == LANG_NOMEM ? "not enough memory" : "too many modules or a name too long");
    }
    lang_output_free(&out);
done:
    if (mods != NULL) {
        for (int i = 0; i < nfiles; i++)
            free((char *)mods[i].text);
    }
    free(mods);
    free(names);
    free(files);
    return status;
}

/* ---- The reader for dis ---- */

struct rd {
    const uint8_t *p;
    size_t len, pos;
    bool bad;
};

static uint64_t rd_le(struct rd *r, int n)
{
    if (r->bad || r->len - r->pos < (size_t)n) {
        r->bad = true;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)r->p[r->pos + i] << (8 * i);
    r->pos += (size_t)n;
    return v;
}

/* A count, bounded by 'max' and by the bytes left ('each' bytes at least per item). */
static uint32_t rd_count(struct rd *r, uint32_t max, size_t each)
{
    uint32_t n = (uint32_t)rd_le(r, 4);
    if (n > max || (each > 0 && (r->len - r->pos) / each < n)) r->bad = true;
    return r->bad ? 0 : n;
}

static const uint8_t *rd_str(struct rd *r, uint32_t *len)
{
    *len = rd_count(r, SKB_MAX_STRING, 1);
    if (r->bad) return NULL;
    const uint8_t *s = r->p + r->pos;
    r->pos += *len;
    return s;
}

struct dkval {
    uint8_t tag;
    int64_t i;
    double f;
    const uint8_t *s;
    uint32_t len;
};

struct dfunc {
    const uint8_t *source;
    uint32_t source_len, linedefined, lastlinedefined;
    uint8_t numparams, is_vararg, maxstacksize;
    uint32_t ncode, nk, nup, np, nlines, nloc, nupnames;
    skb_ins *code;
    uint32_t *lines;
    struct dkval *k;
    uint8_t (*up)[3];
    struct dfunc *p;
    struct {
        const uint8_t *name;
        uint32_t len, startpc, endpc;
    } * loc;
    struct {
        const uint8_t *name;
        uint32_t len;
    } * upname;
};

static void dfunc_free(struct dfunc *f)
{
    if (f->p != NULL) {
        for (uint32_t i = 0; i < f->np; i++)
            dfunc_free(&f->p[i]);
    }
    free(f->code);
    free(f->lines);
    free(f->k);
    free(f->up);
    free(f->p);
    free(f->loc);
    free(f->upname);
}

static void *rd_array(struct rd *r, uint32_t n, size_t elem)
{
    void *a = calloc(n ? n : 1, elem);
    if (a == NULL) r->bad = true;
    return a;
}

static void rd_func(struct rd *r, struct dfunc *f, int depth)
{
    memset(f, 0, sizeof *f);
    if (depth > SKB_MAX_DEPTH) {
        r->bad = true;
        return;
    }
    f->source = rd_str(r, &f->source_len);
    f->linedefined = (uint32_t)rd_le(r, 4);
    f->lastlinedefined = (uint32_t)rd_le(r, 4);
    f->numparams = (uint8_t)rd_le(r, 1);
    f->is_vararg = (uint8_t)rd_le(r, 1);
    f->maxstacksize = (uint8_t)rd_le(r, 1);
    f->ncode = rd_count(r, SKB_MAX_CODE, 4);
    f->code = rd_array(r, f->ncode, sizeof *f->code);
    for (uint32_t i = 0; i < f->ncode && !r->bad; i++)
        f->code[i] = (skb_ins)rd_le(r, 4);
    f->nk = rd_count(r, SKB_MAX_CONSTS, 1);
    f->k = rd_array(r, f->nk, sizeof *f->k);
    for (uint32_t i = 0; i < f->nk && !r->bad; i++) {
        struct dkval *k = &f->k[i];
        k->tag = (uint8_t)rd_le(r, 1);
        switch (k->tag) {
        case SKB_CONST_NIL:
        case SKB_CONST_FALSE:
        case SKB_CONST_TRUE:
            break;
        case SKB_CONST_INT:
            k->i = (int64_t)rd_le(r, 8);
            break;
        case SKB_CONST_FLOAT: {
            uint64_t bits = rd_le(r, 8);
            memcpy(&k->f, &bits, sizeof bits);
            break;
        }
        case SKB_CONST_SHORTSTR:
        case SKB_CONST_LONGSTR:
            k->s = rd_str(r, &k->len);
            break;
        default:
            r->bad = true;
        }
    }
    f->nup = rd_count(r, SKB_MAX_UPVALUES, 3);
    f->up = rd_array(r, f->nup, sizeof *f->up);
    for (uint32_t i = 0; i < f->nup && !r->bad; i++)
        for (int j = 0; j < 3; j++)
            f->up[i][j] = (uint8_t)rd_le(r, 1);
    f->np = rd_count(r, SKB_MAX_PROTOS, 20);
    f->p = rd_array(r, f->np, sizeof *f->p);
    for (uint32_t i = 0; i < f->np && !r->bad; i++)
        rd_func(r, &f->p[i], depth + 1);
    f->nlines = rd_count(r, SKB_MAX_CODE, 4);
    if (f->nlines != 0 && f->nlines != f->ncode) r->bad = true;
    f->lines = rd_array(r, f->nlines, sizeof *f->lines);
    for (uint32_t i = 0; i < f->nlines && !r->bad; i++)
        f->lines[i] = (uint32_t)rd_le(r, 4);
    f->nloc = rd_count(r, SKB_MAX_LOCVARS, 12);
    f->loc = rd_array(r, f->nloc, sizeof *f->loc);
    for (uint32_t i = 0; i < f->nloc && !r->bad; i++) {
        f->loc[i].name = rd_str(r, &f->loc[i].len);
        f->loc[i].startpc = (uint32_t)rd_le(r, 4);
        f->loc[i].endpc = (uint32_t)rd_le(r, 4);
    }
    f->nupnames = rd_count(r, SKB_MAX_UPVALUES, 4);
    if (f->nupnames != 0 && f->nupnames != f->nup) r->bad = true;
    f->upname = rd_array(r, f->nupnames, sizeof *f->upname);
    for (uint32_t i = 0; i < f->nupnames && !r->bad; i++)
        f->upname[i].name = rd_str(r, &f->upname[i].len);
}

/* ---- Printing, in luac5.4 -l -l's layout ---- */

static const char *const op_names[] = {
#define X_NAME(name, fmt, a, b, c, effect) #name,
    SKB_OPCODES(X_NAME)
#undef X_NAME
};

static const char *const event_names[] = {
#define X_EVENT(name, str) str,
    SKB_EVENTS(X_EVENT)
#undef X_EVENT
};

static void print_string(const uint8_t *s, uint32_t len)
{
    putchar('"');
    for (uint32_t i = 0; i < len; i++) {
        int c = s[i];
        switch (c) {
        case '"':
            fputs("\\\"", stdout);
            break;
        case '\\':
            fputs("\\\\", stdout);
            break;
        case '\a':
            fputs("\\a", stdout);
            break;
        case '\b':
            fputs("\\b", stdout);
            break;
        case '\f':
            fputs("\\f", stdout);
            break;
        case '\n':
            fputs("\\n", stdout);
            break;
        case '\r':
            fputs("\\r", stdout);
            break;
        case '\t':
            fputs("\\t", stdout);
            break;
        case '\v':
            fputs("\\v", stdout);
            break;
        default:
            if (c >= 32 && c < 127)
                putchar(c);
            else
                printf("\\%03d", c);
        }
    }
    putchar('"');
}

static void print_const(const struct dfunc *f, unsigned i)
{
    if (i >= f->nk) {
        printf("?");
        return;
    }
    const struct dkval *k = &f->k[i];
    switch (k->tag) {
    case SKB_CONST_NIL:
        printf("nil");
        break;
    case SKB_CONST_FALSE:
        printf("false");
        break;
    case SKB_CONST_TRUE:
        printf("true");
        break;
    case SKB_CONST_INT:
        printf("%lld", (long long)k->i);
        break;
    case SKB_CONST_FLOAT: {
        char buf[64];
        snprintf(buf, sizeof buf, "%.14g", k->f);
        printf("%s", buf);
        if (buf[strspn(buf, "-0123456789")] == '\0') printf(".0");
        break;
    }
    default:
        print_string(k->s, k->len);
        break;
    }
}

static void print_upname(const struct dfunc *f, unsigned i)
{
    if (i < f->nupnames)
        printf("%.*s", (int)f->upname[i].len, (const char *)f->upname[i].name);
    else
        printf("-");
}

static void print_code(const struct dfunc *f)
{
    for (uint32_t pc = 0; pc < f->ncode; pc++) {
        skb_ins i = f->code[pc];
        unsigned o = skb_op(i);
        int a = (int)skb_a(i), b = (int)skb_b(i), c = (int)skb_c(i), k = (int)skb_k(i);
        int bx = (int)skb_bx(i), sb = skb_sb(i), sc = skb_sc(i), sbx = skb_sbx(i);
        const char *isk = k ? "k" : "";
        int next_ax = pc + 1 < f->ncode ? (int)skb_ax(f->code[pc + 1]) : 0;
        printf("\t%u\t", pc + 1);
        if (pc < f->nlines && f->lines[pc] > 0)
            printf("[%u]\t", f->lines[pc]);
        else
            printf("[-]\t");
        if (o >= SKB_NUM_OPCODES) {
            printf("<bad opcode %u>\n", o);
            continue;
        }
        printf("%-9s\t", op_names[o]);
        switch (o) {
        case SKB_OP_MOVE:
            printf("%d %d", a, b);
            break;
        case SKB_OP_LOADI:
        case SKB_OP_LOADF:
            printf("%d %d", a, sbx);
            break;
        case SKB_OP_LOADK:
            printf("%d %d\t; ", a, bx);
            print_const(f, (unsigned)bx);
            break;
        case SKB_OP_LOADKX:
            printf("%d\t; ", a);
            print_const(f, (unsigned)next_ax);
            break;
        case SKB_OP_LOADFALSE:
        case SKB_OP_LFALSESKIP:
        case SKB_OP_LOADTRUE:
        case SKB_OP_CLOSE:
        case SKB_OP_TBC:
        case SKB_OP_RETURN1:
        case SKB_OP_VARARGPREP:
            printf("%d", a);
            break;
        case SKB_OP_LOADNIL:
            printf("%d %d\t; %d out", a, b, b + 1);
            break;
        case SKB_OP_GETUPVAL:
        case SKB_OP_SETUPVAL:
            printf("%d %d\t; ", a, b);
            print_upname(f, (unsigned)b);
            break;
        case SKB_OP_GETTABUP:
            printf("%d %d %d\t; ", a, b, c);
            print_upname(f, (unsigned)b);
            printf(" ");
            print_const(f, (unsigned)c);
            break;
        case SKB_OP_GETTABLE:
        case SKB_OP_GETI:
        case SKB_OP_ADD:
        case SKB_OP_SUB:
        case SKB_OP_MUL:
        case SKB_OP_MOD:
        case SKB_OP_POW:
        case SKB_OP_DIV:
        case SKB_OP_IDIV:
        case SKB_OP_BAND:
        case SKB_OP_BOR:
        case SKB_OP_BXOR:
        case SKB_OP_SHL:
        case SKB_OP_SHR:
            printf("%d %d %d", a, b, c);
            break;
        case SKB_OP_GETFIELD:
            printf("%d %d %d\t; ", a, b, c);
            print_const(f, (unsigned)c);
            break;
        case SKB_OP_SETTABUP:
            printf("%d %d %d%s\t; ", a, b, c, isk);
            print_upname(f, (unsigned)a);
            printf(" ");
            print_const(f, (unsigned)b);
            if (k) {
                printf(" ");
                print_const(f, (unsigned)c);
            }
            break;
        case SKB_OP_SETTABLE:
        case SKB_OP_SETI:
        case SKB_OP_SELF:
            printf("%d %d %d%s", a, b, c, isk);
            if (k) {
                printf("\t; ");
                print_const(f, (unsigned)c);
            }
            break;
        case SKB_OP_SETFIELD:
            printf("%d %d %d%s\t; ", a, b, c, isk);
            print_const(f, (unsigned)b);
            if (k) {
                printf(" ");
                print_const(f, (unsigned)c);
            }
            break;
        case SKB_OP_NEWTABLE:
            printf("%d %d %d\t; %d", a, b, c, c + next_ax * ((int)SKB_MAXARG_C + 1));
            break;
        case SKB_OP_ADDI:
        case SKB_OP_SHRI:
        case SKB_OP_SHLI:
            printf("%d %d %d", a, b, sc);
            break;
        case SKB_OP_ADDK:
        case SKB_OP_SUBK:
        case SKB_OP_MULK:
        case SKB_OP_MODK:
        case SKB_OP_POWK:
        case SKB_OP_DIVK:
        case SKB_OP_IDIVK:
        case SKB_OP_BANDK:
        case SKB_OP_BORK:
        case SKB_OP_BXORK:
            printf("%d %d %d\t; ", a, b, c);
            print_const(f, (unsigned)c);
            break;
        case SKB_OP_MMBIN:
            printf("%d %d %d\t; %s", a, b, c, c < SKB_NUM_EVENTS ? event_names[c] : "?");
            break;
        case SKB_OP_MMBINI:
            printf("%d %d %d %d\t; %s", a, sb, c, k, c < SKB_NUM_EVENTS ? event_names[c] : "?");
            if (k) printf(" flip");
            break;
        case SKB_OP_MMBINK:
            printf("%d %d %d %d\t; %s ", a, b, c, k, c < SKB_NUM_EVENTS ? event_names[c] : "?");
            print_const(f, (unsigned)b);
            if (k) printf(" flip");
            break;
        case SKB_OP_UNM:
        case SKB_OP_BNOT:
        case SKB_OP_NOT:
        case SKB_OP_LEN:
        case SKB_OP_CONCAT:
            printf("%d %d", a, b);
            break;
        case SKB_OP_JMP:
            printf("%d\t; to %d", skb_sj(i), skb_sj(i) + (int)pc + 2);
            break;
        case SKB_OP_EQ:
        case SKB_OP_LT:
        case SKB_OP_LE:
        case SKB_OP_TESTSET:
            printf("%d %d %d", a, b, k);
            break;
        case SKB_OP_EQK:
            printf("%d %d %d\t; ", a, b, k);
            print_const(f, (unsigned)b);
            break;
        case SKB_OP_EQI:
        case SKB_OP_LTI:
        case SKB_OP_LEI:
        case SKB_OP_GTI:
        case SKB_OP_GEI:
            printf("%d %d %d", a, sb, k);
            break;
        case SKB_OP_TEST:
            printf("%d %d", a, k);
            break;
        case SKB_OP_CALL:
            printf("%d %d %d\t; ", a, b, c);
            if (b == 0)
                printf("all in ");
            else
                printf("%d in ", b - 1);
            if (c == 0)
                printf("all out");
            else
                printf("%d out", c - 1);
            break;
        case SKB_OP_TAILCALL:
            printf("%d %d %d%s\t; %d in", a, b, c, isk, b - 1);
            break;
        case SKB_OP_RETURN:
            printf("%d %d %d%s\t; ", a, b, c, isk);
            if (b == 0)
                printf("all out");
            else
                printf("%d out", b - 1);
            break;
        case SKB_OP_RETURN0:
            break;
        case SKB_OP_FORLOOP:
            printf("%d %d\t; to %d", a, bx, (int)pc - bx + 2);
            break;
        case SKB_OP_FORPREP:
            printf("%d %d\t; exit to %d", a, bx, (int)pc + bx + 3);
            break;
        case SKB_OP_TFORPREP:
            printf("%d %d\t; to %d", a, bx, (int)pc + bx + 2);
            break;
        case SKB_OP_TFORCALL:
            printf("%d %d", a, c);
            break;
        case SKB_OP_TFORLOOP:
            printf("%d %d\t; to %d", a, bx, (int)pc - bx + 2);
            break;
        case SKB_OP_SETLIST:
            printf("%d %d %d", a, b, c);
            if (k) printf("\t; %d", c + next_ax * ((int)SKB_MAXARG_C + 1));
            break;
        case SKB_OP_CLOSURE:
            printf("%d %d", a, bx);
            break;
        case SKB_OP_VARARG:
            printf("%d %d\t; ", a, c);
            if (c == 0)
                printf("all out");
            else
                printf("%d out", c - 1);
            break;
        case SKB_OP_EXTRAARG:
            printf("%d", (int)skb_ax(i));
            break;
        default:
            break;
        }
        putchar('\n');
    }
}

static void print_func(const struct dfunc *f, bool is_main)
{
    const char *src = (const char *)f->source;
    int slen = (int)f->source_len;
    if (slen > 0 && (src[0] == '@' || src[0] == '=')) {
        src++;
        slen--;
    }
    printf("\n%s <%.*s:%u,%u> (%u instruction%s)\n", is_main ? "main" : "function", slen, src,
           f->linedefined, f->lastlinedefined, f->ncode, f->ncode == 1 ? "" : "s");
    printf("%d%s param%s, %d slot%s, %u upvalue%s, %u local%s, %u constant%s, %u function%s\n",
           f->numparams, f->is_vararg ? "+" : "", f->numparams == 1 ? "" : "s", f->maxstacksize,
           f->maxstacksize == 1 ? "" : "s", f->nup, f->nup == 1 ? "" : "s", f->nloc,
           f->nloc == 1 ? "" : "s", f->nk, f->nk == 1 ? "" : "s", f->np, f->np == 1 ? "" : "s");
    print_code(f);
    printf("constants (%u):\n", f->nk);
    for (uint32_t i = 0; i < f->nk; i++) {
        static const char tags[] = "NBBIFSS";
        printf("\t%u\t%c\t", i, f->k[i].tag < 7 ? tags[f->k[i].tag] : '?');
        print_const(f, i);
        putchar('\n');
    }
    printf("locals (%u):\n", f->nloc);
    for (uint32_t i = 0; i < f->nloc; i++)
        printf("\t%u\t%.*s\t%u\t%u\n", i, (int)f->loc[i].len, (const char *)f->loc[i].name,
               f->loc[i].startpc + 1, f->loc[i].endpc + 1);
    printf("upvalues (%u):\n", f->nup);
    for (uint32_t i = 0; i < f->nup; i++) {
        printf("\t%u\t", i);
        print_upname(f, i);
        printf("\t%d\t%d\n", f->up[i][0], f->up[i][1]);
    }
    for (uint32_t i = 0; i < f->np; i++)
        print_func(&f->p[i], false);
}

int hosted_cmd_dis(int argc, char **argv)
{
    if (argc != 3) {
        fputs("usage: skiff dis APP.skb\n", stderr);
        return EXIT_USAGE;
    }
    size_t len;
    char *bytes = read_file(argv[2], &len);
    if (bytes == NULL) {
        fprintf(stderr, "skiff: cannot read %s\n", argv[2]);
        return EXIT_FAIL;
    }
    struct rd r = {.p = (const uint8_t *)bytes, .len = len};
    int status = 0;
    if (len < SKB_HEADER_LEN || memcmp(bytes, SKB_MAGIC, SKB_MAGIC_LEN) != 0) {
        fprintf(stderr, "skiff: %s: not a .skb file\n", argv[2]);
        free(bytes);
        return EXIT_FAIL;
    }
    r.pos = SKB_MAGIC_LEN;
    unsigned version = (unsigned)rd_le(&r, 2);
    unsigned isz = (unsigned)rd_le(&r, 1), zsz = (unsigned)rd_le(&r, 1),
             nsz = (unsigned)rd_le(&r, 1);
    rd_le(&r, 1);
    int64_t ci = (int64_t)rd_le(&r, 8);
    uint64_t cbits = rd_le(&r, 8);
    double cn;
    memcpy(&cn, &cbits, sizeof cn);
    if (version != SKB_VERSION || isz != SKB_INS_SIZE || zsz != SKB_INT_SIZE ||
        nsz != SKB_NUM_SIZE || ci != SKB_CHECK_INT || cn != SKB_CHECK_NUM) {
        fprintf(stderr, "skiff: %s: unsupported .skb version or format\n", argv[2]);
        free(bytes);
        return EXIT_FAIL;
    }
    uint32_t nmod = rd_count(&r, SKB_MAX_MODULES, 1);
    printf("%s: .skb version %u, %u module%s\n", argv[2], version, nmod, nmod == 1 ? "" : "s");
    for (uint32_t m = 0; m < nmod && !r.bad; m++) {
        uint32_t nlen;
        const uint8_t *name = rd_str(&r, &nlen);
        struct dfunc f;
        rd_func(&r, &f, 0);
        if (!r.bad) {
            printf("\nmodule %.*s%s\n", (int)nlen, (const char *)name, m == 0 ? " (entry)" : "");
            print_func(&f, true);
        }
        dfunc_free(&f);
    }
    if (r.bad || r.pos != r.len) {
        fprintf(stderr, "skiff: %s: truncated or malformed at byte %zu\n", argv[2], r.pos);
        status = EXIT_FAIL;
    }
    free(bytes);
    return status;
}
