/* string.format's conversions (Lua 5.4 manual §6.4, string.format): the spec parser with Lua
 * 5.4.4's per-conversion checks, and each conversion through musl's (or, hosted, glibc's)
 * snprintf, as lstrlib does. Entry points: vm_fmt_spec_parse, vm_fmt_spec_check, vm_fmt_int,
 * vm_fmt_float, vm_fmt_chars, vm_fmt_quote_*.
 *
 * %a goes to the C library too: musl and glibc agree on normal numbers, but print subnormals
 * differently (glibc "0x0.0000000000001p-1022", musl "0x1p-1074"), so the kernel and the
 * hosted build can differ there, as lua5.4 itself does between the two libraries. */
#include "vm/lib_string.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* What strspn spans before the conversion letter: every flag, the digits and the '.' */
static const char spec_chars[] = "-+ #0123456789.";

const char *vm_fmt_spec_parse(struct vm_fmt_spec *sp, const char *f, size_t len)
{
    size_t n = 0;
    while (n < len && strchr(spec_chars, f[n]) && f[n] != '\0')
        n++;
    n++; /* the conversion letter, or the end of the format (Lua reads its terminating NUL) */
    if (n >= VM_FMT_SPEC_MAX)
        return "invalid format (too long)";
    sp->spec[0] = '%';
    size_t copy = n <= len ? n : len;
    memcpy(sp->spec + 1, f, copy);
    sp->spec[1 + copy] = '\0';
    sp->conv = n <= len ? f[n - 1] : '\0';
    sp->used = copy;
    return NULL;
}

static const char *two_digits(const char *s)
{
    if (*s >= '0' && *s <= '9') {
        s++;
        if (*s >= '0' && *s <= '9')
            s++;
    }
    return s;
}

const char *vm_fmt_spec_check(const struct vm_fmt_spec *sp, const char *flags, bool precision,
                              char *msg, size_t cap)
{
    const char *s = sp->spec + 1;
    while (*s && strchr(flags, *s))
        s++;
    if (*s != '0') { /* a width cannot start with '0' */
        s = two_digits(s);
        if (*s == '.' && precision)
            s = two_digits(s + 1);
    }
    if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z' && s[1] == '\0')
        return NULL;
    snprintf(msg, cap, "invalid conversion specification: '%s'", sp->spec);
    return msg;
}

/* The spec with a length modifier before the conversion: "%5.2" "ll" "d". */
static void with_modifier(char *form, const struct vm_fmt_spec *sp, const char *mod)
{
    size_t n = strlen(sp->spec);
    memcpy(form, sp->spec, n - 1);
    strcpy(form + n - 1, mod);
    size_t m = strlen(form);
    form[m] = sp->conv;
    form[m + 1] = '\0';
}

int vm_fmt_int(char *out, const struct vm_fmt_spec *sp, int64_t v)
{
    char form[VM_FMT_SPEC_MAX + 8];
    with_modifier(form, sp, "ll");
    return snprintf(out, VM_FMT_ITEM_MAX, form, (long long)v);
}

int vm_fmt_float(char *out, const struct vm_fmt_spec *sp, double v)
{
    return snprintf(out, VM_FMT_ITEM_MAX, sp->spec, v);
}

/* Width and precision of a spec that passed its check; -1 when absent. */
static void width_prec(const struct vm_fmt_spec *sp, int *width, int *prec, bool *left)
{
    const char *s = sp->spec + 1;
    *left = false;
    while (*s == '-') {
        *left = true;
        s++;
    }
    *width = 0;
    while (*s >= '0' && *s <= '9')
        *width = *width * 10 + (*s++ - '0');
    *prec = -1;
    if (*s == '.') {
        s++;
        *prec = 0;
        while (*s >= '0' && *s <= '9')
            *prec = *prec * 10 + (*s++ - '0');
    }
}

/* %c and %s are padded here rather than by snprintf, so the subject need not be
 * NUL-terminated and a %c of byte 0 is not cut short. */
int vm_fmt_chars(char *out, const struct vm_fmt_spec *sp, const char *v, size_t len)
{
    int width, prec;
    bool left;
    width_prec(sp, &width, &prec, &left);
    if (prec >= 0 && (size_t)prec < len)
        len = (size_t)prec;
    size_t pad = (size_t)width > len ? (size_t)width - len : 0;
    if (left) {
        memcpy(out, v, len);
        memset(out + len, ' ', pad);
    } else {
        memset(out, ' ', pad);
        memcpy(out + pad, v, len);
    }
    return (int)(pad + len);
}

int vm_fmt_quote_float(char *out, double v)
{
    if (v == (double)HUGE_VAL)
        return snprintf(out, VM_FMT_ITEM_MAX, "1e9999");
    if (v == -(double)HUGE_VAL)
        return snprintf(out, VM_FMT_ITEM_MAX, "-1e9999");
    if (v != v)
        return snprintf(out, VM_FMT_ITEM_MAX, "(0/0)");
    /* Hexadecimal keeps every bit, so reading the literal back gives the same float. */
    return snprintf(out, VM_FMT_ITEM_MAX, "%a", v);
}

int vm_fmt_quote_int(char *out, int64_t v)
{
    if (v == INT64_MIN)
        return snprintf(out, VM_FMT_ITEM_MAX, "0x%llx", (unsigned long long)v);
    return snprintf(out, VM_FMT_ITEM_MAX, "%lld", (long long)v);
}

void vm_fmt_quote_string(const char *s, size_t len, void (*put)(void *ctx, const char *p, size_t n),
                         void *ctx)
{
    put(ctx, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\' || c == '\n') {
            esc[0] = '\\';
            esc[1] = (char)c; /* a newline is quoted as backslash-newline */
            put(ctx, esc, 2);
        } else if (c < 32 || c == 127) { /* iscntrl in the "C" locale; \r too */
            /* Three digits when a digit follows, so the escape cannot swallow it. */
            bool digit_next = i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9';
            int n = snprintf(esc, sizeof esc, digit_next ? "\\%03d" : "\\%d", c);
            put(ctx, esc, (size_t)n);
        } else {
            put(ctx, (const char *)&s[i], 1);
        }
    }
    put(ctx, "\"", 1);
}
