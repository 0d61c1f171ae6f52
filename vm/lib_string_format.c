/* string.format's conversions (Lua 5.4 manual §6.4, string.format): the spec parser with Lua
 * 5.4.4's per-conversion checks, and each conversion through musl's (or, hosted, glibc's)
 * snprintf, as lstrlib does. Entry points: vm_fmt_spec_parse, vm_fmt_spec_check, vm_fmt_int,
 * vm_fmt_float, vm_fmt_chars, vm_fmt_quote_*.
 *
 * Two conversions are common enough in scripts to be written here instead: %d and %.Nf with
 * no flags (an optional width pads with spaces, as printf does). snprintf spent a sixth of
 * bench/lang/strings.lua on "%.2f". The %f path is exact: it rounds the double's exact binary
 * value, as glibc and musl do, so the bytes are theirs (tests/vm/test_lib_string_format.c
 * compares millions of values with snprintf); what it cannot do exactly goes to snprintf.
 *
 * %a goes to the C library too: musl and glibc agree on normal numbers, but print subnormals
 * differently (glibc "0x0.0000000000001p-1022", musl "0x1p-1074"), so the kernel and the
 * hosted build can differ there, as lua5.4 itself does between the two libraries. */
#include "vm/lib_string.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static bool is_spec_char(char c)
{
    return (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == ' ' || c == '#';
}

const char *vm_fmt_spec_parse(struct vm_fmt_spec *sp, const char *f, size_t len)
{
    size_t n = 0;
    while (n < len && is_spec_char(f[n]))
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

/* Writes 'v' in decimal at 'out' and returns the digits written (1 to 20). */
static int put_u64(char *out, uint64_t v)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

int vm_fmt_int(char *out, const struct vm_fmt_spec *sp, int64_t v)
{
    if (sp->spec[1] == 'd' && sp->spec[2] == '\0') {
        int neg = v < 0;
        out[0] = '-';
        return neg + put_u64(out + neg, neg ? 0u - (uint64_t)v : (uint64_t)v);
    }
    char form[VM_FMT_SPEC_MAX + 8];
    with_modifier(form, sp, "ll");
    return snprintf(out, VM_FMT_ITEM_MAX, form, (long long)v);
}

/* The exact path of %.Nf handles precisions up to this: 10^N * 2^53 must fit the 128-bit
 * product below, and 10^20 is the last power of ten with m * 10^N < 2^120. */
#define FIXED_PREC_MAX 20

__extension__ typedef unsigned __int128 u128;

/* %.Nf of 'v' (N = 'prec' <= FIXED_PREC_MAX) into 'out', or -1 when |v| * 10^N does not fit
 * 64 bits (or v is not finite): the caller asks snprintf. v = m * 2^e exactly, so v * 10^N is
 * m * 10^N * 2^e, a 128-bit product shifted: the bits shifted out are the exact remainder,
 * and rounding on it is rounding the exact value, ties to even (printf's rounding in the
 * default rounding mode). A negative v keeps its '-' when it rounds to zero, as printf does. */
static int fixed(char *out, double v, int prec)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    int biased = (int)(bits >> 52 & 0x7ff);
    uint64_t m = bits & ((UINT64_C(1) << 52) - 1);
    if (biased == 0x7ff)
        return -1;
    int e = biased == 0 ? -1074 : biased - 1075;
    if (biased != 0)
        m |= UINT64_C(1) << 52;
    uint64_t pow10 = 1;
    for (int i = 0; i < prec && i < 19; i++)
        pow10 *= 10;
    u128 p = (u128)m * pow10;
    if (prec == 20)
        p *= 10;
    uint64_t q;
    if (e >= 0) {
        if (e >= 64 || (p >> (64 - e)) != 0)
            return -1;
        q = (uint64_t)(p << e);
    } else if (-e >= 128) {
        q = 0; /* p < 2^120 is below half of 2^-e: rounds to zero */
    } else {
        int k = -e;
        u128 whole = p >> k;
        if ((whole >> 64) != 0)
            return -1;
        q = (uint64_t)whole;
        u128 rem = p & (((u128)1 << k) - 1), half = (u128)1 << (k - 1);
        if (rem > half || (rem == half && (q & 1))) {
            if (q == UINT64_MAX)
                return -1;
            q++;
        }
    }
    int n = 0;
    if (bits >> 63)
        out[n++] = '-';
    char digits[20];
    int nd = put_u64(digits, q);
    /* At least one digit before the point: "0.05" for q = 5, N = 2. */
    int lead = nd > prec ? nd - prec : 0;
    if (lead == 0)
        out[n++] = '0';
    memcpy(out + n, digits, (size_t)lead);
    n += lead;
    if (prec > 0) {
        out[n++] = '.';
        int zeros = prec - (nd - lead);
        memset(out + n, '0', (size_t)zeros);
        n += zeros;
        memcpy(out + n, digits + lead, (size_t)(nd - lead));
        n += nd - lead;
    }
    return n;
}

/* The width and precision of a spec "%[W][.P]f" with no flags (W not starting with '0', which
 * is a flag); false for any other spec. A missing precision is 6, "." alone is 0. */
static bool plain_fixed(const struct vm_fmt_spec *sp, int *width, int *prec)
{
    const char *s = sp->spec + 1;
    *width = 0;
    if (*s == '0')
        return false;
    while (*s >= '0' && *s <= '9')
        *width = *width * 10 + (*s++ - '0');
    *prec = 6;
    if (*s == '.') {
        s++;
        *prec = 0;
        while (*s >= '0' && *s <= '9')
            *prec = *prec * 10 + (*s++ - '0');
    }
    return s[0] == 'f' && s[1] == '\0';
}

int vm_fmt_float(char *out, const struct vm_fmt_spec *sp, double v)
{
    int width, prec;
    if (plain_fixed(sp, &width, &prec) && prec <= FIXED_PREC_MAX) {
        int n = fixed(out, v, prec);
        if (n >= 0) {
            if (n < width) { /* right-justified in 'width' (at most 99) */
                memmove(out + (width - n), out, (size_t)n);
                memset(out, ' ', (size_t)(width - n));
                n = width;
            }
            return n;
        }
    }
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
