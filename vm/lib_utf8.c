/* The utf8 library (Lua 5.4 manual §6.5): char, charpattern, codepoint, len, offset, codes, as
 * lua5.4 (5.4.4) behaves. Strict decoding refuses surrogates and code points past U+10FFFF;
 * 'lax' accepts the old UTF-8 of up to six bytes (values up to 2^31 - 1), as 5.4 does, but
 * never an overlong form. Entry point: vm_lib_utf8_open. */
#include "vm/lib.h"
#include "vm/vm.h"

#include <limits.h>
#include <stdint.h>

#define UTF8_MAXUNICODE 0x10FFFFu
#define UTF8_MAXUTF 0x7FFFFFFFu /* the largest value six bytes encode */

static const char msg_invalid[] = "invalid UTF-8 code";

static bool is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* The byte at 'i' of a string of 'len' bytes, or 0 past its end: VM strings end in a NUL, and
 * 5.4's decoder relies on reading it; this makes the reliance explicit and bounded. */
static unsigned char byte_at(const char *s, size_t len, size_t i)
{
    return i < len ? (unsigned char)s[i] : 0;
}

/* Decodes the sequence at s[i]. Returns the index just past it and sets *code, or returns
 * SIZE_MAX for an invalid sequence: a missing continuation byte, more than six bytes, an
 * overlong form, or (when 'strict') a surrogate or a value past U+10FFFF. */
static size_t utf8_decode(const char *s, size_t len, size_t i, uint32_t *code, bool strict)
{
    /* the least value each length may encode; anything below is overlong */
    static const uint32_t limits[] = {~(uint32_t)0, 0x80, 0x800, 0x10000u, 0x200000u, 0x4000000u};
    unsigned int c = byte_at(s, len, i);
    uint32_t res = 0;
    if (c < 0x80) {
        res = c;
    } else {
        int count = 0;
        for (; c & 0x40; c <<= 1) { /* each leading 1 bit past the first is a continuation */
            unsigned int cc = byte_at(s, len, i + (size_t)++count);
            if (!is_cont((unsigned char)cc)) return SIZE_MAX;
            res = (res << 6) | (cc & 0x3F);
        }
        if (count > 5) return SIZE_MAX;
        res |= (uint32_t)(c & 0x7F) << (count * 5);
        if (res > UTF8_MAXUTF || res < limits[count]) return SIZE_MAX;
        i += (size_t)count;
    }
    if (strict && (res > UTF8_MAXUNICODE || (0xD800u <= res && res <= 0xDFFFu))) return SIZE_MAX;
    *code = res;
    return i + 1;
}

/* Encodes 'x' (at most UTF8_MAXUTF) into the end of 'buf' (6 bytes); returns the byte count,
 * the bytes being the last that many of 'buf'. */
static int utf8_encode(char buf[6], uint32_t x)
{
    int n = 1;
    if (x < 0x80) {
        buf[5] = (char)x;
        return 1;
    }
    unsigned int mfb = 0x3f; /* the largest value the first byte still has room for */
    do {
        buf[6 - n++] = (char)(0x80 | (x & 0x3f));
        x >>= 6;
        mfb >>= 1;
    } while (x > mfb);
    buf[6 - n] = (char)((~mfb << 1) | x);
    return n;
}

/* A relative string position: negative counts from the end; too negative is 0. */
static int64_t posrelat(int64_t pos, size_t len)
{
    if (pos >= 0) return pos;
    if (0u - (uint64_t)pos > len) return 0;
    return (int64_t)len + pos + 1;
}

static void add_char(struct vm *vm, struct vm_buf *b, int arg)
{
    uint64_t code = (uint64_t)vm_check_int(vm, arg);
    if (code > UTF8_MAXUTF) vm_arg_error(vm, arg, "value out of range");
    char buf[6];
    int n = utf8_encode(buf, (uint32_t)code);
    vm_buf_add(b, buf + 6 - n, (size_t)n);
}

static int utf8_char(struct vm *vm)
{
    int n = vm_stack_top(vm);
    struct vm_buf b;
    vm_buf_init(vm, &b);
    for (int i = 1; i <= n; i++)
        add_char(vm, &b, i);
    vm_buf_push(&b);
    return 1;
}

/* utf8.len(s [, i [, j [, lax]]]): the count, or fail and the position of the first bad byte. */
static int utf8_len(struct vm *vm)
{
    size_t len;
    const char *s = vm_check_str(vm, 1, &len);
    int64_t posi = posrelat(vm_opt_int(vm, 2, 1), len);
    int64_t posj = posrelat(vm_opt_int(vm, 3, -1), len);
    bool lax = vm_to_bool(vm, 4);
    if (!(1 <= posi && --posi <= (int64_t)len))
        vm_arg_error(vm, 2, "initial position out of bounds");
    if (!(--posj < (int64_t)len)) vm_arg_error(vm, 3, "final position out of bounds");
    int64_t n = 0;
    while (posi <= posj) {
        uint32_t code;
        size_t next = utf8_decode(s, len, (size_t)posi, &code, !lax);
        if (next == SIZE_MAX) {
            vm_push_nil(vm);
            vm_push_int(vm, posi + 1);
            return 2;
        }
        posi = (int64_t)next;
        n++;
    }
    vm_push_int(vm, n);
    return 1;
}

/* utf8.codepoint(s [, i [, j [, lax]]]): the code points of the characters starting in [i, j]. */
static int utf8_codepoint(struct vm *vm)
{
    size_t len;
    const char *s = vm_check_str(vm, 1, &len);
    int64_t posi = posrelat(vm_opt_int(vm, 2, 1), len);
    int64_t pose = posrelat(vm_opt_int(vm, 3, posi), len);
    bool lax = vm_to_bool(vm, 4);
    if (posi < 1) vm_arg_error(vm, 2, "out of bounds");
    if (pose > (int64_t)len) vm_arg_error(vm, 3, "out of bounds");
    if (posi > pose) return 0;
    if (pose - posi >= INT_MAX || !vm_stack_grow(vm, (int)(pose - posi) + 1))
        vm_error(vm, "string slice too long");
    int n = 0;
    size_t i = (size_t)posi - 1, end = (size_t)pose;
    while (i < end) {
        uint32_t code;
        i = utf8_decode(s, len, i, &code, !lax);
        if (i == SIZE_MAX) vm_error(vm, "%s", msg_invalid);
        vm_push_int(vm, code);
        n++;
    }
    return n;
}

/* utf8.offset(s, n [, i]): the byte position where the n-th character (from i) starts. */
static int utf8_offset(struct vm *vm)
{
    size_t len;
    const char *s = vm_check_str(vm, 1, &len);
    int64_t n = vm_check_int(vm, 2);
    int64_t posi = n >= 0 ? 1 : (int64_t)len + 1;
    posi = posrelat(vm_opt_int(vm, 3, posi), len);
    if (!(1 <= posi && --posi <= (int64_t)len)) vm_arg_error(vm, 3, "position out of bounds");
    if (n == 0) { /* the start of the character holding byte i */
        while (posi > 0 && is_cont(byte_at(s, len, (size_t)posi)))
            posi--;
    } else {
        if (is_cont(byte_at(s, len, (size_t)posi)))
            vm_error(vm, "initial position is a continuation byte");
        if (n < 0) {
            while (n < 0 && posi > 0) {
                do {
                    posi--;
                } while (posi > 0 && is_cont(byte_at(s, len, (size_t)posi)));
                n++;
            }
        } else {
            n--; /* the first character is where we are */
            while (n > 0 && posi < (int64_t)len) {
                do {
                    posi++;
                } while (is_cont(byte_at(s, len, (size_t)posi))); /* stops at the end */
                n--;
            }
        }
    }
    if (n == 0)
        vm_push_int(vm, posi + 1);
    else
        vm_push_nil(vm);
    return 1;
}

/* The iterator of utf8.codes: from control value n (the previous character's position, 0 at
 * first) skips that character's continuation bytes, then decodes the next one. As in 5.4.4 a
 * stray continuation byte is skipped, not refused. */
static int codes_step(struct vm *vm, bool strict)
{
    size_t len;
    const char *s = vm_check_str(vm, 1, &len);
    int64_t ctl = 0;
    vm_to_int(vm, 2, &ctl);
    uint64_t n = (uint64_t)ctl;
    if (n < len) {
        while (is_cont(byte_at(s, len, (size_t)n)))
            n++;
    }
    if (n >= len) /* also a negative control value */
        return 0;
    uint32_t code;
    if (utf8_decode(s, len, (size_t)n, &code, strict) == SIZE_MAX) vm_error(vm, "%s", msg_invalid);
    vm_push_int(vm, (int64_t)n + 1);
    vm_push_int(vm, code);
    return 2;
}

static int codes_strict(struct vm *vm)
{
    return codes_step(vm, true);
}

static int codes_lax(struct vm *vm)
{
    return codes_step(vm, false);
}

static int utf8_codes(struct vm *vm)
{
    bool lax = vm_to_bool(vm, 2);
    size_t len;
    vm_check_str(vm, 1, &len);
    vm_push_native(vm, lax ? codes_lax : codes_strict, NULL, 0); /* unnamed, as in lua5.4: "?" */
    vm_stack_copy(vm, 1);
    vm_push_int(vm, 0);
    return 3;
}

static const struct vm_lib_fn utf8_fns[] = {
    {"offset", utf8_offset}, {"codepoint", utf8_codepoint}, {"char", utf8_char},
    {"len", utf8_len},       {"codes", utf8_codes},         {NULL, NULL},
};

void vm_lib_utf8_open(struct vm *vm)
{
    vm_lib_register(vm, "utf8", utf8_fns);
    /* one character: an ASCII or lead byte, then any continuation bytes */
    static const char pattern[] = "[\0-\x7F\xC2-\xFD][\x80-\xBF]*";
    vm_push_str(vm, pattern, sizeof pattern - 1);
    vm_tab_setfield(vm, -2, "charpattern");
    vm_stack_pop(vm, 1);
}
