/* The format reader of string.pack, string.unpack and string.packsize (Lua 5.4 manual §6.4.2)
 * and the integer codec they share. Entry points: vm_pack_init, vm_pack_next,
 * vm_pack_int_put, vm_pack_int_get. lib_string.c walks the options and moves the values.
 *
 * Native sizes are the x86_64 LP64 ones lua5.4 uses: short 2, int 4, long 8, size_t 8,
 * lua_Integer 8, float 4, double and lua_Number 8; native order is little-endian. */
#include "vm/lib_string.h"

#include <limits.h>
#include <stdio.h>

/* Digits a size may have: getnum stops before a value could pass INT_MAX. */
#define SIZE_LIMIT ((INT_MAX - 9) / 10)

void vm_pack_init(struct vm_pack_state *st, const char *fmt, size_t len)
{
    st->fmt = fmt;
    st->end = fmt + len;
    st->little = true;
    st->maxalign = 1;
}

static bool is_digit(const struct vm_pack_state *st)
{
    return st->fmt < st->end && *st->fmt >= '0' && *st->fmt <= '9';
}

static int get_num(struct vm_pack_state *st, int dflt)
{
    if (!is_digit(st))
        return dflt;
    int a = 0;
    do {
        a = a * 10 + (*st->fmt++ - '0');
    } while (is_digit(st) && a <= SIZE_LIMIT);
    return a;
}

/* An [iIs!] size, checked against [1, VM_PACK_MAXINTSIZE]; -1 with the message otherwise. */
static int get_num_limit(struct vm_pack_state *st, int dflt, char *errbuf, size_t errcap)
{
    int n = get_num(st, dflt);
    if (n > VM_PACK_MAXINTSIZE || n <= 0) {
        snprintf(errbuf, errcap, "integral size (%d) out of limits [1,%d]", n,
                 VM_PACK_MAXINTSIZE);
        return -1;
    }
    return n;
}

/* Reads one option letter and its size. Returns 0, or -1 with the message in 'errbuf'. */
static int get_option(struct vm_pack_state *st, struct vm_pack_opt *opt, char *errbuf,
                      size_t errcap)
{
    char c = *st->fmt++;
    opt->size = 0;
    opt->kind = VM_PACK_NOP;
    switch (c) {
    case 'b': opt->kind = VM_PACK_INT; opt->size = 1; break;
    case 'B': opt->kind = VM_PACK_UINT; opt->size = 1; break;
    case 'h': opt->kind = VM_PACK_INT; opt->size = 2; break;
    case 'H': opt->kind = VM_PACK_UINT; opt->size = 2; break;
    case 'l': case 'j': opt->kind = VM_PACK_INT; opt->size = 8; break;
    case 'L': case 'J': case 'T': opt->kind = VM_PACK_UINT; opt->size = 8; break;
    case 'f': opt->kind = VM_PACK_FLOAT; opt->size = 4; break;
    case 'n': case 'd': opt->kind = VM_PACK_DOUBLE; opt->size = 8; break;
    case 'i':
    case 'I':
        opt->kind = c == 'i' ? VM_PACK_INT : VM_PACK_UINT;
        opt->size = get_num_limit(st, 4, errbuf, errcap);
        return opt->size < 0 ? -1 : 0;
    case 's':
        opt->kind = VM_PACK_STRING;
        opt->size = get_num_limit(st, 8, errbuf, errcap);
        return opt->size < 0 ? -1 : 0;
    case 'c':
        opt->kind = VM_PACK_CHAR;
        opt->size = get_num(st, -1);
        if (opt->size == -1) {
            snprintf(errbuf, errcap, "missing size for format option 'c'");
            return -1;
        }
        break;
    case 'z': opt->kind = VM_PACK_ZSTR; break;
    case 'x': opt->kind = VM_PACK_PADDING; opt->size = 1; break;
    case 'X': opt->kind = VM_PACK_PADALIGN; break;
    case ' ': break;
    case '<': case '=': st->little = true; break;
    case '>': st->little = false; break;
    case '!': {
        int a = get_num_limit(st, VM_PACK_MAXALIGN, errbuf, errcap);
        if (a < 0)
            return -1;
        st->maxalign = a;
        break;
    }
    default:
        snprintf(errbuf, errcap, "invalid format option '%c'", c);
        return -1;
    }
    return 0;
}

int vm_pack_next(struct vm_pack_state *st, size_t total, struct vm_pack_opt *opt,
                 const char **err, char *errbuf, size_t errcap)
{
    if (st->fmt >= st->end)
        return 0;
    *err = errbuf;
    if (get_option(st, opt, errbuf, errcap) < 0)
        return -1;
    int align = opt->size; /* an option aligns to its own size, except X */
    if (opt->kind == VM_PACK_PADALIGN) {
        /* X takes its alignment from the option after it, which is otherwise ignored. */
        struct vm_pack_opt next;
        if (st->fmt >= st->end) {
            snprintf(errbuf, errcap, "invalid next option for option 'X'");
            return -2;
        }
        if (get_option(st, &next, errbuf, errcap) < 0)
            return -1;
        if (next.kind == VM_PACK_CHAR || next.size == 0) {
            snprintf(errbuf, errcap, "invalid next option for option 'X'");
            return -2;
        }
        align = next.size;
    }
    opt->ntoalign = 0;
    if (align > 1 && opt->kind != VM_PACK_CHAR) {
        if (align > st->maxalign)
            align = st->maxalign;
        if ((align & (align - 1)) != 0) {
            snprintf(errbuf, errcap, "format asks for alignment not power of 2");
            return -2;
        }
        opt->ntoalign = (align - (int)(total & (size_t)(align - 1))) & (align - 1);
    }
    *err = NULL;
    return 1;
}

void vm_pack_int_put(uint8_t *out, uint64_t v, bool little, int size, bool neg)
{
    for (int i = 0; i < size; i++) {
        uint8_t byte = i < 8 ? (uint8_t)(v >> (8 * i)) : (neg ? 0xff : 0);
        out[little ? i : size - 1 - i] = byte;
    }
}

bool vm_pack_int_get(const uint8_t *in, bool little, int size, bool is_signed, int64_t *v)
{
    uint64_t r = 0;
    int limit = size <= 8 ? size : 8;
    for (int i = limit - 1; i >= 0; i--)
        r = (r << 8) | in[little ? i : size - 1 - i];
    if (size < 8) {
        if (is_signed) {
            uint64_t mask = (uint64_t)1 << (size * 8 - 1);
            r = (r ^ mask) - mask; /* sign-extend */
        }
    } else if (size > 8) {
        /* The bytes past the eighth must only extend the sign. */
        uint8_t ext = (!is_signed || (int64_t)r >= 0) ? 0 : 0xff;
        for (int i = 8; i < size; i++)
            if (in[little ? i : size - 1 - i] != ext)
                return false;
    }
    *v = (int64_t)r;
    return true;
}
