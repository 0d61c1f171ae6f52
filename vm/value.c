/* vm/value.c: what values do outside the interpreter's fast paths: Lua 5.4's number semantics
 * (conversions, arithmetic with its errors, comparisons), metatables and metamethods, indexing
 * with __index/__newindex, equality, length, and the string forms of numbers.
 *
 * Entry points: arith_slow (the MMBIN* path), val_get / val_set, val_eq / val_lt / val_le,
 * val_len, concat_values, num_format, str_to_num. */
#include "vm/core.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *vt_name(int tt)
{
    switch (tt) {
    case VT_NIL: return "nil";
    case VT_BOOL: return "boolean";
    case VT_INT:
    case VT_FLT: return "number";
    case VT_STR: return "string";
    case VT_TAB: return "table";
    case VT_LCL:
    case VT_NCL: return "function";
    case VT_THREAD: return "thread";
    default: return "no value";
    }
}

struct vtab *val_meta(struct vm *vm, vm_val o)
{
    if (o.tt == VT_TAB) return VTAB(o)->meta;
    if (o.tt == VT_STR) return vm->strmeta;
    return NULL;
}

const vm_val *meta_tm(struct vm *vm, vm_val o, int event)
{
    struct vtab *mt = val_meta(vm, o);
    if (mt == NULL) return &tab_absent;
    return tab_getstr(mt, vm->tmname[event]);
}

const char *val_typename(struct vm *vm, vm_val v)
{
    if (v.tt == VT_TAB && VTAB(v)->meta != NULL) {
        const vm_val *n = tab_getstr(VTAB(v)->meta, str_newc(vm, "__name"));
        if (n->tt == VT_STR) return VSTR(*n)->data;
    }
    return vt_name(v.tt);
}

/* --- numbers --- */

bool val_to_int_exact(vm_val v, int64_t *out)
{
    if (v.tt == VT_INT) {
        *out = v.u.i;
        return true;
    }
    if (v.tt == VT_FLT) return vm_num_to_int(v.u.n, out);
    return false;
}

bool vm_num_to_int(double d, int64_t *out)
{
    double f = floor(d);
    if (f != d) return false;
    /* -2^63 <= d < 2^63 */
    if (f >= -9223372036854775808.0 && f < 9223372036854775808.0) {
        *out = (int64_t)f;
        return true;
    }
    return false;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Lua's l_str2int: decimal (overflow: not an integer, so it reads as a float) or hexadecimal
 * (wraps around). */
static bool str2int(const char *s, const char *e, int64_t *out)
{
    uint64_t a = 0;
    bool empty = true, neg = false;
    while (s < e && is_space(*s)) s++;
    if (s < e && *s == '-') {
        s++;
        neg = true;
    } else if (s < e && *s == '+') {
        s++;
    }
    if (e - s >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        for (; s < e && hexval(*s) >= 0; s++) {
            a = a * 16 + (uint64_t)hexval(*s);
            empty = false;
        }
    } else {
        for (; s < e && *s >= '0' && *s <= '9'; s++) {
            int d = *s - '0';
            if (a >= 922337203685477580ULL && (a > 922337203685477580ULL || d > 7 + neg))
                return false;
            a = a * 10 + (uint64_t)d;
            empty = false;
        }
    }
    while (s < e && is_space(*s)) s++;
    if (empty || s != e) return false;
    *out = (int64_t)(neg ? 0 - a : a);
    return true;
}

bool str_to_num(const char *s, size_t len, vm_val *out)
{
    int64_t i;
    const char *e = s + len;
    if (str2int(s, e, &i)) {
        *out = val_int(i);
        return true;
    }
    /* Floats: strtod needs a NUL-terminated copy; reject "inf" and "nan" (Lua does). */
    if (len == 0 || len > 200) return false;
    char buf[201];
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (strpbrk(buf, "nN")) return false;
    char *end;
    double d = strtod(buf, &end);
    if (end == buf) return false;
    while (*end != '\0' && is_space(*end)) end++;
    if (end != buf + len) return false;
    *out = val_flt(d);
    return true;
}

int num_format(char *buf, vm_val v)
{
    if (v.tt == VT_INT) return snprintf(buf, 48, "%lld", (long long)v.u.i);
    int n = snprintf(buf, 48, "%.14g", v.u.n);
    if (buf[strspn(buf, "-0123456789")] == '\0') {
        buf[n++] = '.';
        buf[n++] = '0';
        buf[n] = '\0';
    }
    return n;
}

bool val_tostr_inplace(struct vm *vm, vm_val *v)
{
    if (v->tt == VT_STR) return true;
    if (v->tt != VT_INT && v->tt != VT_FLT) return false;
    char buf[48];
    int n = num_format(buf, *v);
    *v = val_obj(str_new(vm, buf, (size_t)n));
    return true;
}

bool val_tonum(vm_val v, double *out)
{
    if (v.tt == VT_FLT) {
        *out = v.u.n;
        return true;
    }
    if (v.tt == VT_INT) {
        *out = (double)v.u.i;
        return true;
    }
    vm_val r;
    if (v.tt == VT_STR && str_to_num(VSTR(v)->data, VSTR(v)->len, &r)) {
        *out = r.tt == VT_INT ? (double)r.u.i : r.u.n;
        return true;
    }
    return false;
}

/* A number, a string converted to one, or false. */
static bool to_numeric(vm_val v, vm_val *out)
{
    if (v.tt == VT_INT || v.tt == VT_FLT) {
        *out = v;
        return true;
    }
    if (v.tt == VT_STR) return str_to_num(VSTR(v)->data, VSTR(v)->len, out);
    return false;
}

int64_t int_floordiv(struct vm *vm, int64_t a, int64_t b)
{
    if ((uint64_t)b + 1u <= 1u) { /* b is 0 or -1 */
        if (b == 0) vm_rt_error(vm, "attempt to divide by zero");
        return (int64_t)(0u - (uint64_t)a); /* avoids the overflow of minint // -1 */
    }
    int64_t q = a / b;
    if ((a % b != 0) && ((a ^ b) < 0)) q--;
    return q;
}

int64_t int_mod(struct vm *vm, int64_t a, int64_t b)
{
    if ((uint64_t)b + 1u <= 1u) {
        if (b == 0) vm_rt_error(vm, "attempt to perform 'n%%0'");
        return 0;
    }
    int64_t r = a % b;
    if (r != 0 && (r ^ b) < 0) r += b;
    return r;
}

double flt_mod(double a, double b)
{
    double m = fmod(a, b);
    if ((m > 0) ? b < 0 : (m < 0 && b > 0)) m += b;
    return m;
}

int64_t int_shl(int64_t x, int64_t y)
{
    if (y < 0) {
        if (y <= -64) return 0;
        return (int64_t)((uint64_t)x >> (-y));
    }
    if (y >= 64) return 0;
    return (int64_t)((uint64_t)x << y);
}

/* Raises the error of an arithmetic or bitwise operation that found no metamethod. */
static _Noreturn void arith_error(struct vm *vm, int event, vm_val a, vm_val b, const vm_val *pa,
                                  const vm_val *pb)
{
    bool bitwise = event >= TM_BAND && event <= TM_SHR;
    if (event == TM_BNOT) bitwise = true;
    vm_val n1;
    if (bitwise) {
        if ((a.tt == VT_INT || a.tt == VT_FLT) && (b.tt == VT_INT || b.tt == VT_FLT))
            debug_tointerror(vm, pa, a, pb, b);
        const vm_val *bad = (a.tt == VT_INT || a.tt == VT_FLT) ? pb : pa;
        vm_val badv = (a.tt == VT_INT || a.tt == VT_FLT) ? b : a;
        debug_typeerror(vm, bad, badv, "perform bitwise operation on");
    }
    const vm_val *bad = to_numeric(a, &n1) ? pb : pa;
    vm_val badv = to_numeric(a, &n1) ? b : a;
    debug_typeerror(vm, bad, badv, "perform arithmetic on");
}

bool arith_raw(struct vm *vm, int event, vm_val a, vm_val b, vm_val *res)
{
    vm_val x, y;
    if (event >= TM_BAND && event <= TM_SHR) {
        int64_t i, j;
        if (!val_to_int_exact(a, &i) || !val_to_int_exact(b, &j)) return false;
        switch (event) {
        case TM_BAND: *res = val_int(i & j); break;
        case TM_BOR: *res = val_int(i | j); break;
        case TM_BXOR: *res = val_int(i ^ j); break;
        case TM_SHL: *res = val_int(int_shl(i, j)); break;
        case TM_SHR: *res = val_int(int_shl(i, (int64_t)(0u - (uint64_t)j))); break;
        }
        return true;
    }
    if (event == TM_BNOT) {
        int64_t i;
        if (!val_to_int_exact(a, &i)) return false;
        *res = val_int(~i);
        return true;
    }
    if (!to_numeric(a, &x) || !to_numeric(b, &y)) return false;
    if (x.tt == VT_INT && y.tt == VT_INT && event != TM_DIV && event != TM_POW) {
        uint64_t i = (uint64_t)x.u.i, j = (uint64_t)y.u.i;
        switch (event) {
        case TM_ADD: *res = val_int((int64_t)(i + j)); return true;
        case TM_SUB: *res = val_int((int64_t)(i - j)); return true;
        case TM_MUL: *res = val_int((int64_t)(i * j)); return true;
        case TM_MOD: *res = val_int(int_mod(vm, x.u.i, y.u.i)); return true;
        case TM_IDIV: *res = val_int(int_floordiv(vm, x.u.i, y.u.i)); return true;
        case TM_UNM: *res = val_int((int64_t)(0u - i)); return true;
        }
    }
    double d1 = x.tt == VT_INT ? (double)x.u.i : x.u.n;
    double d2 = y.tt == VT_INT ? (double)y.u.i : y.u.n;
    switch (event) {
    case TM_ADD: *res = val_flt(d1 + d2); break;
    case TM_SUB: *res = val_flt(d1 - d2); break;
    case TM_MUL: *res = val_flt(d1 * d2); break;
    case TM_DIV: *res = val_flt(d1 / d2); break;
    case TM_POW: *res = val_flt(d2 == 2 ? d1 * d1 : pow(d1, d2)); break;
    case TM_IDIV: *res = val_flt(floor(d1 / d2)); break;
    case TM_MOD: *res = val_flt(flt_mod(d1, d2)); break;
    case TM_UNM: *res = val_flt(-d1); break;
    default: return false;
    }
    return true;
}

/* Calls metamethod 'f' with (a, b) and returns its first result. */
vm_val call_tm(struct vm *vm, vm_val f, vm_val a, vm_val b, int nargs)
{
    stack_reserve(vm, 4);
    uint32_t func = vm->top;
    vm->stack[vm->top++] = f;
    vm->stack[vm->top++] = a;
    if (nargs > 1) vm->stack[vm->top++] = b;
    vm_call_at(vm, func, 1);
    vm_val r = vm->stack[--vm->top];
    return r;
}

vm_val arith_slow(struct vm *vm, int event, vm_val a, vm_val b, const vm_val *pa, const vm_val *pb)
{
    vm_val res;
    if (arith_raw(vm, event, a, b, &res)) return res;
    const vm_val *tm = meta_tm(vm, a, event);
    if (!tab_hit(tm)) tm = meta_tm(vm, b, event);
    if (!tab_hit(tm)) {
        if (event == TM_UNM || event == TM_BNOT) b = a, pb = pa;
        arith_error(vm, event, a, b, pa, pb);
    }
    return call_tm(vm, *tm, a, b, 2);
}

/* --- comparison --- */

bool val_raweq(vm_val a, vm_val b)
{
    if (a.tt != b.tt) {
        int64_t i;
        if (a.tt == VT_INT && b.tt == VT_FLT) return vm_num_to_int(b.u.n, &i) && i == a.u.i;
        if (a.tt == VT_FLT && b.tt == VT_INT) return val_raweq(b, a);
        return false;
    }
    switch (a.tt) {
    case VT_NIL: return true;
    case VT_BOOL: return a.u.b == b.u.b;
    case VT_INT: return a.u.i == b.u.i;
    case VT_FLT: return a.u.n == b.u.n;
    case VT_STR: return str_eq(VSTR(a), VSTR(b));
    default: return a.u.gc == b.u.gc;
    }
}

bool val_eq(struct vm *vm, vm_val a, vm_val b)
{
    if (a.tt != VT_TAB || b.tt != VT_TAB || a.u.gc == b.u.gc) return val_raweq(a, b);
    const vm_val *tm = meta_tm(vm, a, TM_EQ);
    if (!tab_hit(tm)) tm = meta_tm(vm, b, TM_EQ);
    if (!tab_hit(tm)) return false;
    return !val_falsy(call_tm(vm, *tm, a, b, 2));
}

/* Integer/float order, exactly (an int64 need not fit a double): Lua's LTintfloat and kin. */
static bool fits_double(int64_t i)
{
    return i >= -(INT64_C(1) << 53) && i <= (INT64_C(1) << 53);
}
static bool in_range(double f)
{
    return f >= -9223372036854775808.0 && f < 9223372036854775808.0;
}
static bool lt_int_flt(int64_t i, double f)
{
    if (fits_double(i)) return (double)i < f;
    double c = ceil(f);
    return in_range(c) ? i < (int64_t)c : f > 0;
}
static bool le_int_flt(int64_t i, double f)
{
    if (fits_double(i)) return (double)i <= f;
    double c = floor(f);
    return in_range(c) ? i <= (int64_t)c : f > 0;
}
static bool lt_flt_int(double f, int64_t i)
{
    if (fits_double(i)) return f < (double)i;
    double c = floor(f);
    return in_range(c) ? (int64_t)c < i : f < 0;
}
static bool le_flt_int(double f, int64_t i)
{
    if (fits_double(i)) return f <= (double)i;
    double c = ceil(f);
    return in_range(c) ? (int64_t)c <= i : f < 0;
}

static int str_cmp(const struct vstr *a, const struct vstr *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->data, b->data, n);
    if (c != 0) return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

static _Noreturn void order_error(struct vm *vm, vm_val a, vm_val b)
{
    const char *t1 = val_typename(vm, a), *t2 = val_typename(vm, b);
    if (strcmp(t1, t2) == 0) vm_rt_error(vm, "attempt to compare two %s values", t1);
    vm_rt_error(vm, "attempt to compare %s with %s", t1, t2);
}

static bool order_tm(struct vm *vm, vm_val a, vm_val b, int event)
{
    const vm_val *tm = meta_tm(vm, a, event);
    if (!tab_hit(tm)) tm = meta_tm(vm, b, event);
    if (!tab_hit(tm) && event == TM_LE) {
        /* a <= b as not (b < a): lua5.4 is built with LUA_COMPAT_LT_LE, and we match it. */
        tm = meta_tm(vm, b, TM_LT);
        if (!tab_hit(tm)) tm = meta_tm(vm, a, TM_LT);
        if (tab_hit(tm)) {
            /* After a yield inside the call, finish_op negates the result by this mark. */
            vm->ci->status |= CI_LEQ;
            bool r = val_falsy(call_tm(vm, *tm, b, a, 2));
            vm->ci->status &= (uint8_t)~CI_LEQ;
            return r;
        }
    }
    if (!tab_hit(tm)) order_error(vm, a, b);
    return !val_falsy(call_tm(vm, *tm, a, b, 2));
}

bool val_lt(struct vm *vm, vm_val a, vm_val b)
{
    if (a.tt == VT_INT && b.tt == VT_INT) return a.u.i < b.u.i;
    if (a.tt == VT_FLT && b.tt == VT_FLT) return a.u.n < b.u.n;
    if (a.tt == VT_INT && b.tt == VT_FLT) return lt_int_flt(a.u.i, b.u.n);
    if (a.tt == VT_FLT && b.tt == VT_INT) return lt_flt_int(a.u.n, b.u.i);
    if (a.tt == VT_STR && b.tt == VT_STR) return str_cmp(VSTR(a), VSTR(b)) < 0;
    return order_tm(vm, a, b, TM_LT);
}

bool val_le(struct vm *vm, vm_val a, vm_val b)
{
    if (a.tt == VT_INT && b.tt == VT_INT) return a.u.i <= b.u.i;
    if (a.tt == VT_FLT && b.tt == VT_FLT) return a.u.n <= b.u.n;
    if (a.tt == VT_INT && b.tt == VT_FLT) return le_int_flt(a.u.i, b.u.n);
    if (a.tt == VT_FLT && b.tt == VT_INT) return le_flt_int(a.u.n, b.u.i);
    if (a.tt == VT_STR && b.tt == VT_STR) return str_cmp(VSTR(a), VSTR(b)) <= 0;
    return order_tm(vm, a, b, TM_LE);
}

/* --- indexing --- */

/* Lua's MAXTAGLOOP: bounds __index/__newindex chains so a loop of metatables ends. */
#define MAXTAGLOOP 2000

vm_val val_get(struct vm *vm, const vm_val *pt, vm_val t, vm_val key)
{
    for (int loop = 0; loop < MAXTAGLOOP; loop++) {
        const vm_val *tm;
        if (t.tt == VT_TAB) {
            /* Short-string keys (fields, methods) along an __index chain: inline lookups. */
            if (key.tt == VT_STR && VSTR(key)->is_short) {
                const struct node *n = tab_findshort(VTAB(t), VSTR(key));
                if (n != NULL && n->val.tt != VT_NIL) return n->val;
            } else {
                const vm_val *v = tab_get(VTAB(t), key);
                if (tab_hit(v)) return *v;
            }
            struct vtab *mt = VTAB(t)->meta;
            if (mt == NULL) return val_nil();
            const struct node *n = tab_findshort(mt, vm->tmname[TM_INDEX]);
            if (n == NULL || n->val.tt == VT_NIL) return val_nil();
            tm = &n->val;
        } else {
            tm = meta_tm(vm, t, TM_INDEX);
            if (!tab_hit(tm)) debug_indexerror(vm, loop == 0 ? pt : NULL, t, key);
        }
        if (tm->tt == VT_LCL || tm->tt == VT_NCL) return call_tm(vm, *tm, t, key, 2);
        t = *tm;
        pt = NULL;
    }
    vm_rt_error(vm, "'__index' chain too long; possibly a loop");
}

void val_set(struct vm *vm, const vm_val *pt, vm_val t, vm_val key, vm_val val)
{
    for (int loop = 0; loop < MAXTAGLOOP; loop++) {
        const vm_val *tm;
        if (t.tt == VT_TAB) {
            struct vtab *h = VTAB(t);
            const vm_val *v = tab_get(h, key);
            if (tab_hit(v) || h->meta == NULL ||
                !tab_hit(tm = tab_getstr(h->meta, vm->tmname[TM_NEWINDEX]))) {
                tab_set(vm, h, key, val);
                return;
            }
        } else {
            tm = meta_tm(vm, t, TM_NEWINDEX);
            if (!tab_hit(tm)) debug_indexerror(vm, loop == 0 ? pt : NULL, t, key);
        }
        if (tm->tt == VT_LCL || tm->tt == VT_NCL) {
            stack_reserve(vm, 5);
            uint32_t func = vm->top;
            vm->stack[vm->top++] = *tm;
            vm->stack[vm->top++] = t;
            vm->stack[vm->top++] = key;
            vm->stack[vm->top++] = val;
            vm_call_at(vm, func, 0);
            return;
        }
        t = *tm;
        pt = NULL;
    }
    vm_rt_error(vm, "'__newindex' chain too long; possibly a loop");
}

vm_val val_len(struct vm *vm, const vm_val *pv, vm_val v)
{
    if (v.tt == VT_STR) return val_int((int64_t)VSTR(v)->len);
    const vm_val *tm = meta_tm(vm, v, TM_LEN);
    if (tab_hit(tm)) return call_tm(vm, *tm, v, v, 2);
    if (v.tt == VT_TAB) return val_int((int64_t)tab_len(VTAB(v)));
    debug_typeerror(vm, pv, v, "get length of");
}

/* --- concatenation --- */

static bool is_strnum(vm_val v)
{
    return v.tt == VT_STR || v.tt == VT_INT || v.tt == VT_FLT;
}

/* Concatenates the 'n' values at stack[first ..], right to left as Lua does (so __concat sees
 * the right operand already joined), leaving the result in stack[first]. */
void concat_values(struct vm *vm, uint32_t first, int n)
{
    while (n > 1) {
        uint32_t top = first + (uint32_t)n; /* one past the last */
        vm_val *a = &vm->stack[top - 2], *b = &vm->stack[top - 1];
        if (!is_strnum(*a) || !is_strnum(*b)) {
            const vm_val *tm = meta_tm(vm, *a, TM_CONCAT);
            if (!tab_hit(tm)) tm = meta_tm(vm, *b, TM_CONCAT);
            if (!tab_hit(tm)) {
                const vm_val *bad = is_strnum(*a) ? b : a;
                debug_typeerror(vm, bad, *bad, "concatenate");
            }
            uint32_t save = vm->top;
            vm->top = top;
            vm_val r = call_tm(vm, *tm, vm->stack[top - 2], vm->stack[top - 1], 2);
            vm->top = save;
            vm->stack[top - 2] = r;
            n--;
            continue;
        }
        /* Join as many string/number values as there are at the end. */
        int k = 2;
        while (k < n && is_strnum(vm->stack[top - 1 - (uint32_t)k])) k++;
        size_t total = 0;
        for (int i = 0; i < k; i++) {
            vm_val *v = &vm->stack[top - 1 - (uint32_t)i];
            val_tostr_inplace(vm, v);
            if (VSTR(*v)->len >= ((size_t)1 << 40) - total) vm_rt_error(vm, "string length overflow");
            total += VSTR(*v)->len;
        }
        struct vstr *s;
        if (total <= VM_SHORTSTR) {
            char buf[VM_SHORTSTR + 1];
            size_t off = 0;
            for (int i = k - 1; i >= 0; i--) {
                struct vstr *p = VSTR(vm->stack[top - 1 - (uint32_t)i]);
                memcpy(buf + off, p->data, p->len);
                off += p->len;
            }
            s = str_new(vm, buf, total);
        } else {
            s = str_build_begin(vm, total);
            size_t off = 0;
            for (int i = k - 1; i >= 0; i--) {
                struct vstr *p = VSTR(vm->stack[top - 1 - (uint32_t)i]);
                memcpy(s->data + off, p->data, p->len);
                off += p->len;
            }
        }
        vm->stack[top - (uint32_t)k] = val_obj(s);
        n -= k - 1;
    }
}
