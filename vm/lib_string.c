/* The string library (Lua 5.4 manual §6.4): the natives behind string.*, the string
 * metatable's __index and its arithmetic metamethods ("10" + 1 == 11). Entry point:
 * vm_lib_string_open (vm/lib.h). The algorithmic cores live beside it (vm/lib_string.h):
 * patterns in lib_string_pattern.c, format conversions in lib_string_format.c, the pack format
 * reader in lib_string_pack.c; this file moves values between them and the VM stack.
 *
 * Every result and message is lua5.4's (5.4.4). Differences, with reasons, are listed in
 * vm/README.md: string.dump refuses every function, and a gsub replacement function may yield
 * (lua5.4 raises "attempt to yield across a C-call boundary"; a replacement table's __index
 * function still cannot yield, as no metamethod called from a native can). */
#include "vm/lib.h"

#include <math.h>
#include <string.h>

#include "kernel/platform.h"
#include "vm/core.h"
#include "vm/lib_string.h"
#include "vm/vm.h"

/* The longest string rep and packsize may produce: Lua's MAXSIZE (INT_MAX, so lengths fit an
 * int everywhere). */
#define STR_MAXSIZE ((size_t)0x7fffffff)

/* Lua's posrelatI: a 1-based start position from a possibly negative index, clipped to >= 1. */
static size_t pos_start(int64_t pos, size_t len)
{
    if (pos > 0)
        return (size_t)pos;
    if (pos == 0 || pos < -(int64_t)len)
        return 1;
    return len + (size_t)pos + 1;
}

/* Lua's getendpos: an end position from argument 'arg' (default 'def'), clipped to [0, len]. */
static size_t pos_end(struct vm *vm, int arg, int64_t def, size_t len)
{
    int64_t pos = vm_opt_int(vm, arg, def);
    if (pos > (int64_t)len)
        return len;
    if (pos >= 0)
        return (size_t)pos;
    if (pos < -(int64_t)len)
        return 0;
    return len + (size_t)pos + 1;
}

static int str_len(struct vm *vm)
{
    size_t len;
    vm_check_str(vm, 1, &len);
    vm_push_int(vm, (int64_t)len);
    return 1;
}

static int str_sub(struct vm *vm)
{
    size_t len;
    const char *s = vm_check_str(vm, 1, &len);
    size_t start = pos_start(vm_check_int(vm, 2), len);
    size_t end = pos_end(vm, 3, -1, len);
    if (start <= end)
        vm_push_str(vm, s + start - 1, end - start + 1);
    else
        vm_push_str(vm, "", 0);
    return 1;
}

static int str_reverse(struct vm *vm)
{
    size_t len;
    const char *s = vm_check_str(vm, 1, &len);
    struct vm_buf b;
    vm_buf_init(vm, &b);
    char *p = vm_buf_reserve(&b, len);
    for (size_t i = 0; i < len; i++)
        p[i] = s[len - 1 - i];
    b.len += len;
    vm_buf_push(&b);
    return 1;
}

/* lower and upper in the "C" locale, as lua5.4 runs. */
static int str_case(struct vm *vm, bool upper)
{
    size_t len;
    const char *s = vm_check_str(vm, 1, &len);
    struct vm_buf b;
    vm_buf_init(vm, &b);
    char *p = vm_buf_reserve(&b, len);
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (upper && c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        else if (!upper && c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        p[i] = c;
    }
    b.len += len;
    vm_buf_push(&b);
    return 1;
}

static int str_lower(struct vm *vm) { return str_case(vm, false); }
static int str_upper(struct vm *vm) { return str_case(vm, true); }

static int str_rep(struct vm *vm)
{
    size_t len, sep_len;
    const char *s = vm_check_str(vm, 1, &len);
    int64_t n = vm_check_int(vm, 2);
    const char *sep = vm_opt_str(vm, 3, "", &sep_len);
    if (n <= 0) {
        vm_push_str(vm, "", 0);
        return 1;
    }
    if (len + sep_len < len || len + sep_len > STR_MAXSIZE / (uint64_t)n)
        vm_error(vm, "resulting string too large");
    size_t total = (size_t)n * len + (size_t)(n - 1) * sep_len;
    if (total == 0) { /* lua5.4 loops n times here, which for 1 << 40 empty copies never ends */
        vm_push_str(vm, "", 0);
        return 1;
    }
    struct vm_buf b;
    vm_buf_init(vm, &b);
    char *p = vm_buf_reserve(&b, total);
    /* vm_buf_reserve may have run the collector, but 's' and 'sep' are arguments, so still on
     * the stack and not moved. */
    for (int64_t i = 0; i < n; i++) {
        memcpy(p, s, len);
        p += len;
        if (i + 1 < n && sep_len > 0) {
            memcpy(p, sep, sep_len);
            p += sep_len;
        }
    }
    b.len += total;
    vm_buf_push(&b);
    return 1;
}

static int str_byte(struct vm *vm)
{
    size_t len;
    const char *s = vm_check_str(vm, 1, &len);
    int64_t pi = vm_opt_int(vm, 2, 1);
    size_t pose = pos_end(vm, 3, pi, len);
    size_t posi = pos_start(pi, len);
    if (posi > pose)
        return 0;
    if (pose - posi >= (size_t)0x7fffffff)
        vm_error(vm, "string slice too long");
    int n = (int)(pose - posi) + 1;
    if (!vm_stack_grow(vm, n))
        vm_error(vm, "stack overflow (string slice too long)");
    for (int i = 0; i < n; i++)
        vm_push_int(vm, (unsigned char)s[posi + (size_t)i - 1]);
    return n;
}

static int str_char(struct vm *vm)
{
    int n = vm_stack_top(vm);
    struct vm_buf b;
    vm_buf_init(vm, &b);
    char *p = vm_buf_reserve(&b, (size_t)n);
    for (int i = 1; i <= n; i++) {
        uint64_t c = (uint64_t)vm_check_int(vm, i);
        if (c > 255)
            vm_arg_error(vm, i, "value out of range");
        p[i - 1] = (char)c;
    }
    b.len += (size_t)n;
    vm_buf_push(&b);
    return 1;
}

static int str_dump(struct vm *vm)
{
    vm_check_type(vm, 1, VM_TFUNCTION);
    /* Bytecode comes only from `skiff build` on the host; a running script cannot make more,
     * so every function is refused, with the message Lua gives for a C function. */
    vm_error(vm, "unable to dump given function");
}

/* --- Patterns: find, match, gmatch, gsub --- */

static _Noreturn void pat_raise(struct vm *vm, struct vm_pat *ms)
{
    vm_error(vm, "%s", ms->err);
}

/* Pushes capture 'i' of the match [s, e). */
static void push_capture(struct vm *vm, struct vm_pat *ms, int i, const char *s, const char *e)
{
    const char *str;
    size_t len;
    int64_t pos;
    switch (vm_pat_capture_get(ms, i, s, e, &str, &len, &pos)) {
    case VM_PAT_CAP_STRING: vm_push_str(vm, str, len); break;
    case VM_PAT_CAP_POS: vm_push_int(vm, pos); break;
    case VM_PAT_CAP_ERROR: pat_raise(vm, ms);
    }
}

/* Pushes every capture (or the whole match when the pattern has none and 's' is given) and
 * returns how many. */
static int push_captures(struct vm *vm, struct vm_pat *ms, const char *s, const char *e)
{
    int n = (ms->level == 0 && s) ? 1 : ms->level;
    if (!vm_stack_grow(vm, n))
        vm_error(vm, "stack overflow (too many captures)");
    for (int i = 0; i < n; i++)
        push_capture(vm, ms, i, s, e);
    return n;
}

/* The first occurrence of 'p' (lp bytes) in 's' (ls bytes), or NULL. */
static const char *mem_find(const char *s, size_t ls, const char *p, size_t lp)
{
    if (lp == 0)
        return s;
    if (lp > ls)
        return NULL;
    const char *last = s + (ls - lp);
    for (const char *q = s; q <= last; q++) {
        q = memchr(q, p[0], (size_t)(last - q) + 1);
        if (!q)
            return NULL;
        if (memcmp(q + 1, p + 1, lp - 1) == 0)
            return q;
    }
    return NULL;
}

static int find_aux(struct vm *vm, bool find)
{
    size_t ls, lp;
    const char *s = vm_check_str(vm, 1, &ls);
    const char *p = vm_check_str(vm, 2, &lp);
    size_t init = pos_start(vm_opt_int(vm, 3, 1), ls) - 1;
    if (init > ls) {
        vm_push_nil(vm);
        return 1;
    }
    if (find && (vm_to_bool(vm, 4) || vm_pat_is_plain(p, lp))) {
        const char *hit = mem_find(s + init, ls - init, p, lp);
        if (hit) {
            vm_push_int(vm, hit - s + 1);
            vm_push_int(vm, (int64_t)(hit - s + (ptrdiff_t)lp));
            return 2;
        }
        vm_push_nil(vm);
        return 1;
    }
    bool anchor = lp > 0 && *p == '^';
    if (anchor) {
        p++;
        lp--;
    }
    struct vm_pat ms;
    vm_pat_init(&ms, s, ls, p, lp);
    const char *s1 = s + init;
    do {
        vm_pat_reset(&ms);
        const char *e = vm_pat_match(&ms, s1, p);
        if (e) {
            if (find) {
                vm_push_int(vm, s1 - s + 1);
                vm_push_int(vm, e - s);
                return push_captures(vm, &ms, NULL, NULL) + 2;
            }
            return push_captures(vm, &ms, s1, e);
        }
        if (ms.err)
            pat_raise(vm, &ms);
    } while (s1++ < ms.src_end && !anchor);
    vm_push_nil(vm);
    return 1;
}

static int str_find(struct vm *vm) { return find_aux(vm, true); }
static int str_match(struct vm *vm) { return find_aux(vm, false); }

/* The iterator gmatch returns. Upvalues: 1 the subject, 2 the pattern, 3 the offset to try
 * next, 4 the end offset of the last match (-1 before the first), which an empty match may not
 * repeat. */
static int gmatch_next(struct vm *vm)
{
    size_t ls, lp;
    int64_t next, last;
    vm_upvalue_push(vm, 1);
    const char *s = vm_to_str(vm, -1, &ls);
    vm_upvalue_push(vm, 2);
    const char *p = vm_to_str(vm, -1, &lp);
    vm_upvalue_push(vm, 3);
    vm_to_int(vm, -1, &next);
    vm_upvalue_push(vm, 4);
    vm_to_int(vm, -1, &last);
    vm_stack_pop(vm, 2);
    struct vm_pat ms;
    vm_pat_init(&ms, s, ls, p, lp);
    for (int64_t src = next; src <= (int64_t)ls; src++) {
        vm_pat_reset(&ms);
        const char *e = vm_pat_match(&ms, s + src, p);
        if (e && e - s != last) {
            vm_push_int(vm, e - s);
            vm_stack_copy(vm, -1);
            vm_upvalue_set(vm, 3);
            vm_upvalue_set(vm, 4);
            return push_captures(vm, &ms, s + src, e);
        }
        if (ms.err)
            pat_raise(vm, &ms);
    }
    vm_push_int(vm, (int64_t)ls + 1); /* exhausted: later calls find nothing at once */
    vm_upvalue_set(vm, 3);
    return 0;
}

static int str_gmatch(struct vm *vm)
{
    size_t ls, lp;
    vm_check_str(vm, 1, &ls);
    vm_check_str(vm, 2, &lp);
    size_t init = pos_start(vm_opt_int(vm, 3, 1), ls) - 1;
    if (init > ls)
        init = ls + 1;
    vm_stack_set_top(vm, 2);
    vm_push_int(vm, (int64_t)init);
    vm_push_int(vm, -1);
    vm_push_native(vm, gmatch_next, "gmatch_aux", 4);
    return 1;
}

/* Appends the replacement string (argument 3) for the match [s, e), expanding %0-%9 and %%. */
static void add_replacement(struct vm *vm, struct vm_buf *b, struct vm_pat *ms, const char *s,
                            const char *e)
{
    size_t l;
    const char *r = vm_to_str(vm, 3, &l);
    const char *esc;
    while ((esc = memchr(r, '%', l)) != NULL) {
        vm_buf_add(b, r, (size_t)(esc - r));
        char c = esc[1]; /* the string's terminating NUL when '%' is last */
        if (c == '%') {
            vm_buf_add_char(b, '%');
        } else if (c == '0') {
            vm_buf_add(b, s, (size_t)(e - s));
        } else if (c >= '1' && c <= '9') {
            push_capture(vm, ms, c - '1', s, e);
            vm_buf_add_value(b);
        } else {
            vm_error(vm, "invalid use of '%%' in replacement string");
        }
        l -= (size_t)(esc + 2 - r);
        r = esc + 2;
    }
    vm_buf_add(b, r, l);
}

/* Appends the value on top, the replacement function's or table's answer for the match
 * [s, e), and pops it. Returns false when it is false or nil, which keeps the match. */
static inline bool add_answer(struct vm *vm, struct vm_buf *b, const char *s, const char *e)
{
    if (!vm_to_bool(vm, -1)) {
        vm_stack_pop(vm, 1);
        vm_buf_add(b, s, (size_t)(e - s));
        return false;
    }
    enum vm_type t = vm_type(vm, -1);
    if (t != VM_TSTRING && t != VM_TNUMBER)
        vm_error(vm, "invalid replacement value (a %s)", vm_type_name(t));
    vm_buf_add_value(b);
    return true;
}

/* gsub is a state machine, so that a replacement function may yield (issue 5): the stack holds
 * the subject at 1, the pattern at 2, the replacement at 3 and, for a function, the state
 * block at 4 and the result buffer's slot at 5 (else the buffer's slot is on top). gsub_run scans until a match needs the
 * function, saves its position in struct gsub_state and ends in vm_call_cont; gsub_cont
 * appends the answer and scans on. A string or table replacement never calls out through a
 * continuation (a table's __index function runs as a metamethod, which cannot yield, as in
 * lua5.4), so its state stays in a C local. The subject and pattern are strings anchored at
 * 1 and 2, so their bytes, which the matcher borrows, stay put while the function runs. */
struct gsub_state {
    struct vm_buf b;  /* the result so far; a function's state block keeps 'init' in place */
    struct vm_pat ms; /* over the subject and the pattern (less its '^') */
    size_t src;       /* subject offset of the next match attempt */
    ptrdiff_t last;   /* end offset of the last match, which an empty match may not repeat */
    size_t mstart;    /* the match the function is replacing: [mstart, src) */
    int64_t n, max_n; /* matches replaced so far, and the most allowed */
    enum vm_type tr;  /* the replacement's type */
    bool anchor;      /* the pattern starts with '^': one attempt, at the start */
    bool changed;     /* some match was replaced (else the subject itself is the result) */
};

static int gsub_cont(struct vm *vm, intptr_t ctx);

/* Argument 'arg' of the running native, which str_gsub made a string (vm_check_str): read in
 * place, as gsub_run starts again after every call of a replacement function. */
static struct vstr *gsub_arg(struct vm *vm, int arg)
{
    return VSTR(vm->stack[vm->ci->func + (uint32_t)arg]);
}

/* Appends what is left of the subject and returns the result and the count. */
static inline int gsub_finish(struct vm *vm, struct gsub_state *st)
{
    int64_t n = st->n;
    if (st->changed) {
        struct vstr *s = gsub_arg(vm, 1);
        vm_buf_add(&st->b, s->data + st->src, s->len - st->src);
        vm_buf_push(&st->b);
    } else {
        vm_stack_copy(vm, 1); /* the buffer is unused: the subject is the result */
    }
    vm_push_int(vm, n);
    return 2;
}

static int gsub_run(struct vm *vm, struct gsub_state *st)
{
    struct vm_pat *ms = &st->ms;
    const char *s = ms->src_init, *p = gsub_arg(vm, 2)->data + st->anchor;
    const char *src = s + st->src;
    int64_t n = st->n; /* kept in locals while the loop runs, in st across a call */
    ptrdiff_t last = st->last;
    while (n < st->max_n) {
        vm_pat_reset(ms);
        const char *e = vm_pat_match(ms, src, p);
        if (ms->err)
            pat_raise(vm, ms);
        if (e && e - s != last) {
            n++;
            if (st->tr == VM_TFUNCTION) {
                st->n = n;
                st->mstart = (size_t)(src - s);
                st->src = (size_t)(e - s);
                st->last = e - s;
                vm_stack_copy(vm, 3);
                int nargs = push_captures(vm, ms, src, e);
                return vm_call_cont(vm, nargs, 1, (intptr_t)st, gsub_cont);
            }
            if (st->tr == VM_TTABLE) {
                push_capture(vm, ms, 0, src, e);
                vm_tab_get(vm, 3);
                st->changed = add_answer(vm, &st->b, src, e) || st->changed;
            } else {
                add_replacement(vm, &st->b, ms, src, e);
                st->changed = true;
            }
            src = e;
            last = e - s;
        } else if (src < ms->src_end) {
            vm_buf_add_char(&st->b, *src++);
        } else {
            break;
        }
        if (st->anchor)
            break;
    }
    st->n = n;
    st->src = (size_t)(src - s);
    return gsub_finish(vm, st);
}

/* The replacement function returned its answer, on top. 'ctx' is the state block, which stack
 * slot 4 keeps alive; the collector never moves objects. */
static int gsub_cont(struct vm *vm, intptr_t ctx)
{
    struct gsub_state *st = (struct gsub_state *)ctx;
    const char *s = gsub_arg(vm, 1)->data;
    st->changed = add_answer(vm, &st->b, s + st->mstart, s + st->src) || st->changed;
    if (st->anchor)
        return gsub_finish(vm, st);
    return gsub_run(vm, st);
}

/* A gsub_state in a block held by a new stack slot (a vm_buf's block type, which holds no
 * references for the collector to follow). */
static struct gsub_state *gsub_state_push(struct vm *vm)
{
    size_t n = sizeof(struct gsub_state);
    struct vbuf *blk = obj_new_head(vm, VT_BUF, sizeof(struct vbuf) + n, sizeof(struct vbuf));
    blk->cap = n;
    push(vm, val_obj(blk));
    return (struct gsub_state *)(void *)blk->data;
}
_Static_assert(offsetof(struct vbuf, data) % _Alignof(struct gsub_state) == 0,
               "a gsub_state fits a vbuf's data");

static int str_gsub(struct vm *vm)
{
    size_t ls, lp;
    const char *s = vm_check_str(vm, 1, &ls);
    const char *p = vm_check_str(vm, 2, &lp);
    enum vm_type tr = vm_type(vm, 3);
    int64_t max_n = vm_opt_int(vm, 4, (int64_t)ls + 1);
    if (tr != VM_TNUMBER && tr != VM_TSTRING && tr != VM_TFUNCTION && tr != VM_TTABLE)
        vm_type_error(vm, 3, "string/function/table");
    struct gsub_state local, *st = &local;
    if (tr == VM_TFUNCTION) {
        vm_stack_set_top(vm, 3);
        st = gsub_state_push(vm);
    }
    vm_buf_init(vm, &st->b);
    st->src = 0;
    st->last = -1;
    st->mstart = 0;
    st->n = 0;
    st->max_n = max_n;
    st->tr = tr;
    st->anchor = lp > 0 && *p == '^';
    st->changed = false;
    vm_pat_init(&st->ms, s, ls, p + st->anchor, lp - st->anchor);
    return gsub_run(vm, st);
}

/* --- format --- */

/* Flags each conversion accepts (Lua 5.4.4's L_FMTFLAGS*). */
#define FLAGS_FLOAT "-+ #0"
#define FLAGS_HEX "-#0"
#define FLAGS_INT "-+ 0"
#define FLAGS_UINT "-0"
#define FLAGS_CHAR "-"

static void check_spec(struct vm *vm, const struct vm_fmt_spec *sp, const char *flags, bool prec)
{
    char msg[64];
    if (vm_fmt_spec_check(sp, flags, prec, msg, sizeof msg))
        vm_error(vm, "%s", msg);
}

static void quote_put(void *ctx, const char *p, size_t n) { vm_buf_add(ctx, p, n); }

/* %q: the value as a Lua literal that reads back as the same value. */
static void add_quoted(struct vm *vm, struct vm_buf *b, int arg)
{
    char item[VM_FMT_ITEM_MAX];
    switch (vm_type(vm, arg)) {
    case VM_TSTRING: {
        size_t len;
        const char *s = vm_to_str(vm, arg, &len);
        vm_fmt_quote_string(s, len, quote_put, b);
        return;
    }
    case VM_TNUMBER: {
        int n;
        if (vm_is_int(vm, arg)) {
            int64_t i;
            vm_to_int(vm, arg, &i);
            n = vm_fmt_quote_int(item, i);
        } else {
            double d;
            vm_to_num(vm, arg, &d);
            n = vm_fmt_quote_float(item, d);
        }
        vm_buf_add(b, item, (size_t)n);
        return;
    }
    case VM_TNIL:
    case VM_TBOOLEAN: {
        size_t len;
        const char *s = vm_push_tostring(vm, arg, &len);
        vm_buf_add(b, s, len);
        vm_stack_pop(vm, 1);
        return;
    }
    default: vm_arg_error(vm, arg, "value has no literal form");
    }
}

/* %p: lua5.4 prints the object's address; only tables and functions have one a script can
 * tell apart, and vm.h hands out no addresses, so it is read back from tostring's
 * "table: 0x..." form. Values without an address print "(null)". */
static void add_pointer(struct vm *vm, struct vm_buf *b, const struct vm_fmt_spec *sp, int arg)
{
    enum vm_type t = vm_type(vm, arg);
    const char *addr = "(null)";
    size_t addr_len = 6;
    bool pushed = false;
    if (t == VM_TTABLE || t == VM_TFUNCTION || t == VM_TTHREAD || t == VM_TSTRING) {
        size_t len;
        const char *s = vm_push_tostring(vm, arg, &len);
        pushed = true;
        const char *hex = t == VM_TSTRING ? NULL : mem_find(s, len, ": 0x", 4);
        if (hex) {
            addr = hex + 2;
            addr_len = len - (size_t)(addr - s);
        }
    }
    check_spec(vm, sp, FLAGS_CHAR, false);
    char *out = vm_buf_reserve(b, VM_FMT_WIDTH_MAX + addr_len);
    b->len += (size_t)vm_fmt_chars(out, sp, addr, addr_len);
    if (pushed) {
        /* The buffer may have grown into its slot: the tostring result sits above it. */
        vm_stack_pop(vm, 1);
    }
}

static int str_format(struct vm *vm)
{
    int top = vm_stack_top(vm);
    int arg = 1;
    size_t fl;
    const char *f = vm_check_str(vm, 1, &fl);
    const char *end = f + fl;
    struct vm_buf b;
    vm_buf_init(vm, &b);
    while (f < end) {
        if (*f != '%') {
            const char *pct = memchr(f, '%', (size_t)(end - f));
            const char *stop = pct ? pct : end;
            vm_buf_add(&b, f, (size_t)(stop - f));
            f = stop;
            continue;
        }
        f++;
        if (f < end && *f == '%') {
            vm_buf_add_char(&b, '%');
            f++;
            continue;
        }
        if (++arg > top)
            vm_arg_error(vm, arg, "no value");
        struct vm_fmt_spec sp;
        const char *err = vm_fmt_spec_parse(&sp, f, (size_t)(end - f));
        if (err)
            vm_error(vm, "%s", err);
        f += sp.used;
        /* Numbers are written here first, then copied: reserving VM_FMT_ITEM_MAX in the
         * buffer would move every short result out of its 256 bytes into a heap block. */
        char item[VM_FMT_ITEM_MAX];
        int n;
        switch (sp.conv) {
        case 'c': {
            check_spec(vm, &sp, FLAGS_CHAR, false);
            char c = (char)vm_check_int(vm, arg);
            n = vm_fmt_chars(item, &sp, &c, 1);
            break;
        }
        case 'd':
        case 'i':
        case 'u':
        case 'o':
        case 'x':
        case 'X': {
            int64_t v = vm_check_int(vm, arg);
            const char *flags = sp.conv == 'u' ? FLAGS_UINT
                                : (sp.conv == 'd' || sp.conv == 'i') ? FLAGS_INT : FLAGS_HEX;
            check_spec(vm, &sp, flags, true);
            n = vm_fmt_int(item, &sp, v);
            break;
        }
        case 'a':
        case 'A': {
            check_spec(vm, &sp, FLAGS_FLOAT, true);
            double v = vm_check_num(vm, arg);
            n = vm_fmt_float(item, &sp, v);
            break;
        }
        case 'f': /* no 'F': lua5.4 (5.4.4) refuses it as an invalid conversion */
        case 'e':
        case 'E':
        case 'g':
        case 'G': {
            double v = vm_check_num(vm, arg);
            check_spec(vm, &sp, FLAGS_FLOAT, true);
            n = vm_fmt_float(item, &sp, v);
            break;
        }
        case 'p':
            add_pointer(vm, &b, &sp, arg);
            continue;
        case 'q':
            if (sp.spec[2] != '\0')
                vm_error(vm, "specifier '%%q' cannot have modifiers");
            add_quoted(vm, &b, arg);
            continue;
        case 's': {
            size_t len;
            const char *s = vm_push_tostring(vm, arg, &len);
            if (sp.spec[2] == '\0') {
                vm_buf_add_value(&b);
                continue;
            }
            if (strlen(s) != len)
                vm_arg_error(vm, arg, "string contains zeros");
            check_spec(vm, &sp, FLAGS_CHAR, true);
            if (!strchr(sp.spec, '.') && len >= 100) {
                vm_buf_add_value(&b); /* too long to pad: kept whole, as Lua does */
                continue;
            }
            char *out = vm_buf_reserve(&b, VM_FMT_WIDTH_MAX + len);
            b.len += (size_t)vm_fmt_chars(out, &sp, s, len);
            vm_stack_pop(vm, 1);
            continue;
        }
        default:
            vm_error(vm, "invalid conversion '%s' to 'format'", sp.spec);
        }
        vm_buf_add(&b, item, (size_t)n);
    }
    vm_buf_push(&b);
    return 1;
}

/* --- pack, packsize, unpack --- */

static _Noreturn void pack_raise(struct vm *vm, int rc, const char *err)
{
    if (rc == -2)
        vm_arg_error(vm, 1, err);
    vm_error(vm, "%s", err);
}

static int str_pack(struct vm *vm)
{
    size_t fl;
    const char *fmt = vm_check_str(vm, 1, &fl);
    struct vm_pack_state st;
    vm_pack_init(&st, fmt, fl);
    struct vm_buf b;
    vm_buf_init(vm, &b);
    int arg = 1;
    size_t total = 0;
    struct vm_pack_opt opt;
    const char *err;
    char errbuf[64];
    int rc;
    while ((rc = vm_pack_next(&st, total, &opt, &err, errbuf, sizeof errbuf)) == 1) {
        total += (size_t)opt.ntoalign + (size_t)opt.size;
        memset(vm_buf_reserve(&b, (size_t)opt.ntoalign), 0, (size_t)opt.ntoalign);
        b.len += (size_t)opt.ntoalign;
        arg++;
        switch (opt.kind) {
        case VM_PACK_INT:
        case VM_PACK_UINT: {
            int64_t v = vm_check_int(vm, arg);
            if (opt.size < 8) {
                if (opt.kind == VM_PACK_INT) {
                    int64_t lim = (int64_t)1 << (opt.size * 8 - 1);
                    if (v < -lim || v >= lim)
                        vm_arg_error(vm, arg, "integer overflow");
                } else if ((uint64_t)v >= (uint64_t)1 << (opt.size * 8)) {
                    vm_arg_error(vm, arg, "unsigned overflow");
                }
            }
            vm_pack_int_put((uint8_t *)vm_buf_reserve(&b, (size_t)opt.size), (uint64_t)v,
                            st.little, opt.size, opt.kind == VM_PACK_INT && v < 0);
            b.len += (size_t)opt.size;
            break;
        }
        case VM_PACK_FLOAT:
        case VM_PACK_DOUBLE: {
            double d = vm_check_num(vm, arg);
            uint8_t raw[8];
            if (opt.kind == VM_PACK_FLOAT) {
                float f = (float)d;
                memcpy(raw, &f, 4);
            } else {
                memcpy(raw, &d, 8);
            }
            char *out = vm_buf_reserve(&b, (size_t)opt.size);
            for (int i = 0; i < opt.size; i++) /* raw is little-endian, as x86_64 is */
                out[i] = (char)raw[st.little ? i : opt.size - 1 - i];
            b.len += (size_t)opt.size;
            break;
        }
        case VM_PACK_CHAR: {
            size_t len;
            const char *s = vm_check_str(vm, arg, &len);
            if (len > (size_t)opt.size)
                vm_arg_error(vm, arg, "string longer than given size");
            vm_buf_add(&b, s, len);
            memset(vm_buf_reserve(&b, (size_t)opt.size - len), 0, (size_t)opt.size - len);
            b.len += (size_t)opt.size - len;
            break;
        }
        case VM_PACK_STRING: {
            size_t len;
            const char *s = vm_check_str(vm, arg, &len);
            if (opt.size < 8 && len >= (size_t)1 << (opt.size * 8))
                vm_arg_error(vm, arg, "string length does not fit in given size");
            vm_pack_int_put((uint8_t *)vm_buf_reserve(&b, (size_t)opt.size), len, st.little,
                            opt.size, false);
            b.len += (size_t)opt.size;
            vm_buf_add(&b, s, len);
            total += len;
            break;
        }
        case VM_PACK_ZSTR: {
            size_t len;
            const char *s = vm_check_str(vm, arg, &len);
            if (strlen(s) != len)
                vm_arg_error(vm, arg, "string contains zeros");
            vm_buf_add(&b, s, len);
            vm_buf_add_char(&b, '\0');
            total += len + 1;
            break;
        }
        case VM_PACK_PADDING:
            vm_buf_add_char(&b, '\0');
            arg--;
            break;
        case VM_PACK_PADALIGN:
        case VM_PACK_NOP:
            arg--;
            break;
        }
    }
    if (rc < 0)
        pack_raise(vm, rc, err);
    vm_buf_push(&b);
    return 1;
}

static int str_packsize(struct vm *vm)
{
    size_t fl;
    const char *fmt = vm_check_str(vm, 1, &fl);
    struct vm_pack_state st;
    vm_pack_init(&st, fmt, fl);
    size_t total = 0;
    struct vm_pack_opt opt;
    const char *err;
    char errbuf[64];
    int rc;
    while ((rc = vm_pack_next(&st, total, &opt, &err, errbuf, sizeof errbuf)) == 1) {
        if (opt.kind == VM_PACK_STRING || opt.kind == VM_PACK_ZSTR)
            vm_arg_error(vm, 1, "variable-length format");
        size_t size = (size_t)opt.size + (size_t)opt.ntoalign;
        if (total > STR_MAXSIZE - size)
            vm_arg_error(vm, 1, "format result too large");
        total += size;
    }
    if (rc < 0)
        pack_raise(vm, rc, err);
    vm_push_int(vm, (int64_t)total);
    return 1;
}

static int str_unpack(struct vm *vm)
{
    size_t fl, ld;
    const char *fmt = vm_check_str(vm, 1, &fl);
    const char *data = vm_check_str(vm, 2, &ld);
    size_t pos = pos_start(vm_opt_int(vm, 3, 1), ld) - 1;
    if (pos > ld)
        vm_arg_error(vm, 3, "initial position out of string");
    struct vm_pack_state st;
    vm_pack_init(&st, fmt, fl);
    struct vm_pack_opt opt;
    const char *err;
    char errbuf[64];
    int rc, n = 0;
    while ((rc = vm_pack_next(&st, pos, &opt, &err, errbuf, sizeof errbuf)) == 1) {
        if ((size_t)opt.ntoalign + (size_t)opt.size > ld - pos)
            vm_arg_error(vm, 2, "data string too short");
        pos += (size_t)opt.ntoalign;
        if (!vm_stack_grow(vm, 2))
            vm_error(vm, "stack overflow (too many results)");
        n++;
        const uint8_t *at = (const uint8_t *)data + pos;
        switch (opt.kind) {
        case VM_PACK_INT:
        case VM_PACK_UINT: {
            int64_t v;
            if (!vm_pack_int_get(at, st.little, opt.size, opt.kind == VM_PACK_INT, &v))
                vm_error(vm, "%d-byte integer does not fit into Lua Integer", opt.size);
            vm_push_int(vm, v);
            break;
        }
        case VM_PACK_FLOAT:
        case VM_PACK_DOUBLE: {
            uint8_t raw[8];
            for (int i = 0; i < opt.size; i++)
                raw[i] = at[st.little ? i : opt.size - 1 - i];
            if (opt.kind == VM_PACK_FLOAT) {
                float f;
                memcpy(&f, raw, 4);
                vm_push_num(vm, (double)f);
            } else {
                double d;
                memcpy(&d, raw, 8);
                vm_push_num(vm, d);
            }
            break;
        }
        case VM_PACK_CHAR:
            vm_push_str(vm, (const char *)at, (size_t)opt.size);
            break;
        case VM_PACK_STRING: {
            int64_t len;
            if (!vm_pack_int_get(at, st.little, opt.size, false, &len))
                vm_error(vm, "%d-byte integer does not fit into Lua Integer", opt.size);
            if ((uint64_t)len > ld - pos - (size_t)opt.size)
                vm_arg_error(vm, 2, "data string too short");
            vm_push_str(vm, (const char *)at + opt.size, (size_t)len);
            pos += (size_t)len;
            break;
        }
        case VM_PACK_ZSTR: {
            size_t len = strlen((const char *)at);
            if (pos + len >= ld)
                vm_arg_error(vm, 2, "unfinished string for format 'z'");
            vm_push_str(vm, (const char *)at, len);
            pos += len + 1;
            break;
        }
        case VM_PACK_PADDING:
        case VM_PACK_PADALIGN:
        case VM_PACK_NOP:
            n--;
            break;
        }
        pos += (size_t)opt.size;
    }
    if (rc < 0)
        pack_raise(vm, rc, err);
    vm_push_int(vm, (int64_t)pos + 1);
    return n + 1;
}

/* --- Arithmetic on strings: the string metatable's __add and friends --- */

enum arith_op { OP_ADD, OP_SUB, OP_MUL, OP_MOD, OP_POW, OP_DIV, OP_IDIV, OP_UNM };

/* The metamethod names, for the error that names the operation ("attempt to add a ..."). */
static const char *const arith_event[] = {"__add", "__sub", "__mul", "__mod",
                                          "__pow", "__div", "__idiv", "__unm"};

/* Pushes the number argument 'arg' stands for: a number, or a string that converts whole. */
static bool to_number(struct vm *vm, int arg)
{
    if (vm_type(vm, arg) == VM_TNUMBER) {
        vm_stack_copy(vm, arg);
        return true;
    }
    size_t len;
    const char *s = vm_type(vm, arg) == VM_TSTRING ? vm_to_str(vm, arg, &len) : NULL;
    return s && vm_push_str_number(vm, s, len);
}

/* a op b for two numbers, with Lua 5.4's integer/float rules (manual §3.4.1). */
static void arith_numbers(struct vm *vm, enum arith_op op, int ia, int ib)
{
    int64_t x, y;
    if (vm_is_int(vm, ia) && vm_is_int(vm, ib) && op != OP_POW && op != OP_DIV) {
        vm_to_int(vm, ia, &x);
        vm_to_int(vm, ib, &y);
        uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
        int64_t r = 0;
        switch (op) {
        case OP_ADD: r = (int64_t)(ux + uy); break;
        case OP_SUB: r = (int64_t)(ux - uy); break;
        case OP_MUL: r = (int64_t)(ux * uy); break;
        case OP_UNM: r = (int64_t)(0 - ux); break;
        case OP_MOD:
            if (y == 0) {
                vm_push_cstr(vm, "attempt to perform 'n%0'");
                vm_error_raise(vm);
            }
            if (y == -1)
                r = 0;
            else {
                r = x % y;
                if (r != 0 && (r ^ y) < 0)
                    r += y;
            }
            break;
        case OP_IDIV:
            if (y == 0) {
                vm_push_cstr(vm, "attempt to divide by zero");
                vm_error_raise(vm);
            }
            if (y == -1)
                r = (int64_t)(0 - ux);
            else {
                r = x / y;
                if ((x ^ y) < 0 && x % y != 0)
                    r -= 1;
            }
            break;
        default: break;
        }
        vm_push_int(vm, r);
        return;
    }
    double a, b, r = 0;
    vm_to_num(vm, ia, &a);
    vm_to_num(vm, ib, &b);
    switch (op) {
    case OP_ADD: r = a + b; break;
    case OP_SUB: r = a - b; break;
    case OP_MUL: r = a * b; break;
    case OP_DIV: r = a / b; break;
    case OP_POW: r = b == 2 ? a * a : pow(a, b); break;
    case OP_MOD: r = flt_mod(a, b); break;
    case OP_IDIV: r = floor(a / b); break;
    case OP_UNM: r = -a; break;
    }
    vm_push_num(vm, r);
}

static int arith(struct vm *vm, enum arith_op op)
{
    if (op == OP_UNM && vm_stack_top(vm) < 2) {
        vm_stack_set_top(vm, 1); /* Lua calls __unm with the operand twice */
        vm_stack_copy(vm, 1);
    }
    vm_stack_set_top(vm, 2);
    if (to_number(vm, 1) && to_number(vm, 2)) {
        arith_numbers(vm, op, 3, 4);
        return 1;
    }
    /* Not two numbers: the second operand's own metamethod may still apply (a table with
     * __add on the right of a string), unless it is a string too. */
    vm_stack_set_top(vm, 2);
    const char *event = arith_event[op];
    if (vm_type(vm, 2) == VM_TSTRING || vm_meta_field(vm, 2, event) == VM_TNIL)
        vm_error(vm, "attempt to %s a '%s' with a '%s'", event + 2,
                 vm_type_name(vm_type(vm, 1)), vm_type_name(vm_type(vm, 2)));
    vm_stack_insert(vm, 1);
    vm_call(vm, 2, 1);
    return 1;
}

static int mt_add(struct vm *vm) { return arith(vm, OP_ADD); }
static int mt_sub(struct vm *vm) { return arith(vm, OP_SUB); }
static int mt_mul(struct vm *vm) { return arith(vm, OP_MUL); }
static int mt_mod(struct vm *vm) { return arith(vm, OP_MOD); }
static int mt_pow(struct vm *vm) { return arith(vm, OP_POW); }
static int mt_div(struct vm *vm) { return arith(vm, OP_DIV); }
static int mt_idiv(struct vm *vm) { return arith(vm, OP_IDIV); }
static int mt_unm(struct vm *vm) { return arith(vm, OP_UNM); }

static const struct vm_lib_fn string_fns[] = {
    {"byte", str_byte},       {"char", str_char},       {"dump", str_dump},
    {"find", str_find},       {"format", str_format},   {"gmatch", str_gmatch},
    {"gsub", str_gsub},       {"len", str_len},         {"lower", str_lower},
    {"match", str_match},     {"rep", str_rep},         {"reverse", str_reverse},
    {"sub", str_sub},         {"upper", str_upper},     {"pack", str_pack},
    {"packsize", str_packsize}, {"unpack", str_unpack}, {NULL, NULL},
};

static const struct vm_lib_fn string_meta_fns[] = {
    {"__add", mt_add}, {"__sub", mt_sub},   {"__mul", mt_mul},   {"__mod", mt_mod},
    {"__pow", mt_pow}, {"__div", mt_div},   {"__idiv", mt_idiv}, {"__unm", mt_unm},
    {NULL, NULL},
};

void vm_lib_string_open(struct vm *vm)
{
    vm_lib_register(vm, "string", string_fns);
    vm_string_meta_set(vm, -1);
    /* The metatable every string shares now exists; the arithmetic metamethods join __index
     * in it. */
    vm_push_str(vm, "", 0);
    if (!vm_meta_get(vm, -1))
        plat_panic("string: no metatable after vm_string_meta_set");
    for (const struct vm_lib_fn *f = string_meta_fns; f->name; f++) {
        vm_push_native(vm, f->fn, f->name, 0);
        vm_tab_setfield(vm, -2, f->name);
    }
    vm_stack_pop(vm, 3);
}
