/* The table library (Lua 5.4 manual §6.6): insert, remove, concat, sort, unpack, pack, move,
 * as lua5.4 (5.4.4) behaves. Every access goes through the VM's non-raw accessors, so __index,
 * __newindex and __len are honoured, and a non-table with those metamethods is accepted where
 * 5.4 accepts it. sort is 5.4's quicksort step for step (median of three, a pivot chosen at
 * random only for large intervals after an unbalanced split), so a comparator sees the same
 * calls in the same order and "invalid order function for sorting" is raised where 5.4 raises
 * it. Entry point: vm_lib_table_open. */
#include "vm/lib.h"
#include "vm/core.h"
#include "vm/vm.h"

#include <limits.h>
#include <stdint.h>

#include "kernel/platform.h"

/* What an argument must support when it is not a table (5.4's TAB_R, TAB_W, TAB_L). */
enum tab_need {
    TAB_R = 1,
    TAB_W = 2,
    TAB_L = 4,
    TAB_RW = TAB_R | TAB_W,
};

static bool has_meta(struct vm *vm, int arg, const char *name)
{
    if (vm_meta_field(vm, arg, name) == VM_TNIL) return false;
    vm_stack_pop(vm, 1);
    return true;
}

/* A table, or a value whose metatable has every metamethod 'need' asks for; otherwise "table
 * expected, got X". */
static void check_tab(struct vm *vm, int arg, int need)
{
    if (vm_type(vm, arg) == VM_TTABLE) return;
    if ((need & TAB_R) && !has_meta(vm, arg, "__index")) vm_check_type(vm, arg, VM_TTABLE);
    if ((need & TAB_W) && !has_meta(vm, arg, "__newindex")) vm_check_type(vm, arg, VM_TTABLE);
    if ((need & TAB_L) && !has_meta(vm, arg, "__len")) vm_check_type(vm, arg, VM_TTABLE);
}

static int64_t len_of(struct vm *vm, int arg, int need)
{
    check_tab(vm, arg, need | TAB_L);
    return vm_len(vm, arg);
}

static int tab_insert(struct vm *vm)
{
    int64_t pos, e = len_of(vm, 1, TAB_RW);
    e = (int64_t)((uint64_t)e + 1); /* first empty slot; wraps as 5.4's luaL_intop */
    switch (vm_stack_top(vm)) {
    case 2:
        pos = e;
        break;
    case 3:
        pos = vm_check_int(vm, 2);
        /* pos in [1, e], as one unsigned comparison */
        if ((uint64_t)pos - 1u >= (uint64_t)e) vm_arg_error(vm, 2, "position out of bounds");
        for (int64_t i = e; i > pos; i--) {
            /* t[pos+1..i] = t[pos..i-1] at once; t[e] may first need to grow the array */
            if (i >= e - 1 && api_arr_move(vm, 1, pos, pos + 1, i - pos)) break;
            vm_tab_geti(vm, 1, i - 1);
            vm_tab_seti(vm, 1, i);
        }
        break;
    default:
        vm_error(vm, "wrong number of arguments to 'insert'");
    }
    vm_tab_seti(vm, 1, pos);
    return 0;
}

static int tab_remove(struct vm *vm)
{
    int64_t size = len_of(vm, 1, TAB_RW);
    int64_t pos = vm_opt_int(vm, 2, size);
    /* a given pos may be size + 1 (removes nothing), or anything when size is 0 */
    if (pos != size && (uint64_t)pos - 1u > (uint64_t)size)
        vm_arg_error(vm, 1, "position out of bounds"); /* #1, not #2: lua5.4.4 says so */
    vm_tab_geti(vm, 1, pos);
    if (pos < size && api_arr_move(vm, 1, pos + 1, pos, size - pos)) pos = size;
    for (; pos < size; pos++) {
        vm_tab_geti(vm, 1, pos + 1);
        vm_tab_seti(vm, 1, pos);
    }
    vm_push_nil(vm);
    vm_tab_seti(vm, 1, pos);
    return 1;
}

static void concat_add(struct vm *vm, struct vm_buf *b, int64_t i)
{
    enum vm_type t = vm_tab_geti(vm, 1, i);
    if (t != VM_TSTRING && t != VM_TNUMBER)
        vm_error(vm, "invalid value (%s) at index %lld in table for 'concat'", vm_type_name(t),
                 (long long)i);
    vm_buf_add_value(b);
}

static int tab_concat(struct vm *vm)
{
    int64_t last = len_of(vm, 1, TAB_R);
    size_t sep_len;
    const char *sep = vm_opt_str(vm, 2, "", &sep_len);
    int64_t i = vm_opt_int(vm, 3, 1);
    last = vm_opt_int(vm, 4, last);
    struct vm_buf b;
    vm_buf_init(vm, &b);
    for (; i < last; i++) {
        concat_add(vm, &b, i);
        vm_buf_add(&b, sep, sep_len);
    }
    if (i == last) concat_add(vm, &b, i);
    vm_buf_push(&b);
    return 1;
}

static int tab_pack(struct vm *vm)
{
    int n = vm_stack_top(vm);
    vm_push_table(vm, n, 1);
    vm_stack_insert(vm, 1);
    for (int i = n; i >= 1; i--)
        vm_tab_rawseti(vm, 1, i);
    vm_push_int(vm, n);
    vm_tab_setfield(vm, 1, "n");
    return 1;
}

static int tab_unpack(struct vm *vm)
{
    int64_t i = vm_opt_int(vm, 2, 1);
    enum vm_type et = vm_type(vm, 3);
    int64_t e = (et == VM_TNONE || et == VM_TNIL) ? vm_len(vm, 1) : vm_check_int(vm, 3);
    if (i > e) return 0;
    uint64_t n = (uint64_t)e - (uint64_t)i; /* elements minus one, which cannot overflow */
    if (n >= (uint64_t)INT_MAX || !vm_stack_grow(vm, (int)(n + 1)))
        vm_error(vm, "too many results to unpack");
    for (; i < e; i++)
        vm_tab_geti(vm, 1, i);
    vm_tab_geti(vm, 1, e);
    return (int)(n + 1);
}

static int tab_move(struct vm *vm)
{
    int64_t f = vm_check_int(vm, 2);
    int64_t e = vm_check_int(vm, 3);
    int64_t t = vm_check_int(vm, 4);
    enum vm_type dt = vm_type(vm, 5);
    int tt = (dt != VM_TNONE && dt != VM_TNIL) ? 5 : 1; /* destination */
    check_tab(vm, 1, TAB_R);
    check_tab(vm, tt, TAB_W);
    if (e >= f) {
        if (!(f > 0 || e < INT64_MAX + f)) vm_arg_error(vm, 3, "too many elements to move");
        int64_t n = e - f + 1;
        if (t > INT64_MAX - n + 1) vm_arg_error(vm, 4, "destination wrap around");
        /* Overlapping forward moves within one table copy from the end. */
        if (t > e || t <= f || (tt != 1 && !vm_equal(vm, 1, tt))) {
            for (int64_t i = 0; i < n; i++) {
                vm_tab_geti(vm, 1, f + i);
                vm_tab_seti(vm, tt, t + i);
            }
        } else {
            for (int64_t i = n - 1; i >= 0; i--) {
                vm_tab_geti(vm, 1, f + i);
                vm_tab_seti(vm, tt, t + i);
            }
        }
    }
    vm_stack_copy(vm, tt);
    return 1;
}

/* --- sort: 5.4's algorithm. The table is at index 1, the comparator (or nil) at index 2; the
 * values being compared sit on the stack, never in C locals, so the collector sees them. --- */

typedef unsigned int sort_idx; /* 5.4 sorts at most INT_MAX elements, in unsigned arithmetic */

/* Intervals shorter than this use the middle element as pivot (5.4's RANLIMIT). */
#define SORT_RANLIMIT 100u

/* a < b for stack indices 'a' and 'b' (negative, counted from the top). */
static bool sort_less(struct vm *vm, int a, int b)
{
    if (vm_type(vm, 2) == VM_TNIL) return vm_less(vm, a, b);
    int top = vm_stack_top(vm);
    int aa = top + a + 1, ab = top + b + 1;
    vm_stack_copy(vm, 2);
    vm_stack_copy(vm, aa);
    vm_stack_copy(vm, ab);
    vm_call(vm, 2, 1);
    bool r = vm_to_bool(vm, -1);
    vm_stack_pop(vm, 1);
    return r;
}

/* t[i] = top, t[j] = the value below it; pops both. */
static void set2(struct vm *vm, sort_idx i, sort_idx j)
{
    vm_tab_seti(vm, 1, i);
    vm_tab_seti(vm, 1, j);
}

/* A seed for pivot choice after an unbalanced split; lua5.4 mixes clock() and time(). Only
 * which pivot is chosen depends on it, never the sorted result. */
static unsigned int random_pivot(void)
{
    uint64_t c = plat_clock_ns();
    return (unsigned int)(c ^ (c >> 32));
}

static sort_idx choose_pivot(sort_idx lo, sort_idx up, unsigned int rnd)
{
    sort_idx r4 = (up - lo) / 4;
    return rnd % (r4 * 2) + (lo + r4);
}

/* With the pivot P at the top of the stack and in a[up - 1], partitions a[lo..up] so that
 * a[lo..i-1] <= P == a[i] <= a[i+1..up]; returns i. An order function that is not a strict
 * order can walk i or j off their ends: that is the "invalid order function" error. */
static sort_idx partition(struct vm *vm, sort_idx lo, sort_idx up)
{
    sort_idx i = lo, j = up - 1;
    for (;;) {
        /* repeat ++i while a[i] < P */
        while (vm_tab_geti(vm, 1, ++i), sort_less(vm, -1, -2)) {
            if (i == up - 1) vm_error(vm, "invalid order function for sorting");
            vm_stack_pop(vm, 1);
        }
        /* repeat --j while P < a[j] */
        while (vm_tab_geti(vm, 1, --j), sort_less(vm, -3, -1)) {
            if (j < i) vm_error(vm, "invalid order function for sorting");
            vm_stack_pop(vm, 1);
        }
        if (j < i) {
            vm_stack_pop(vm, 1); /* a[j] */
            set2(vm, up - 1, i); /* swap the pivot into place */
            return i;
        }
        set2(vm, i, j);
    }
}

static void sort_range(struct vm *vm, sort_idx lo, sort_idx up, unsigned int rnd)
{
    while (lo < up) { /* loop for the larger half; recursion only on the smaller */
        sort_idx p, n;
        vm_tab_geti(vm, 1, lo);
        vm_tab_geti(vm, 1, up);
        if (sort_less(vm, -1, -2)) /* a[up] < a[lo] */
            set2(vm, lo, up);
        else
            vm_stack_pop(vm, 2);
        if (up - lo == 1) break;
        if (up - lo < SORT_RANLIMIT || rnd == 0)
            p = (lo + up) / 2;
        else
            p = choose_pivot(lo, up, rnd);
        vm_tab_geti(vm, 1, p);
        vm_tab_geti(vm, 1, lo);
        if (sort_less(vm, -2, -1)) { /* a[p] < a[lo] */
            set2(vm, p, lo);
        } else {
            vm_stack_pop(vm, 1);
            vm_tab_geti(vm, 1, up);
            if (sort_less(vm, -1, -2)) /* a[up] < a[p] */
                set2(vm, p, up);
            else
                vm_stack_pop(vm, 2);
        }
        if (up - lo == 2) break;
        vm_tab_geti(vm, 1, p); /* the pivot, kept on the stack during the partition */
        vm_stack_copy(vm, -1);
        vm_tab_geti(vm, 1, up - 1);
        set2(vm, p, up - 1);
        p = partition(vm, lo, up);
        if (p - lo < up - p) {
            sort_range(vm, lo, p - 1, rnd);
            n = p - lo;
            lo = p + 1;
        } else {
            sort_range(vm, p + 1, up, rnd);
            n = up - p;
            up = p - 1;
        }
        if ((up - lo) / 128 > n) /* too unbalanced: randomize the pivots from now on */
            rnd = random_pivot();
    }
}

static int tab_sort(struct vm *vm)
{
    int64_t n = len_of(vm, 1, TAB_RW);
    if (n > 1) {
        if (n >= INT_MAX) vm_arg_error(vm, 1, "array too big");
        enum vm_type ft = vm_type(vm, 2);
        if (ft != VM_TNONE && ft != VM_TNIL) vm_check_type(vm, 2, VM_TFUNCTION);
        vm_stack_set_top(vm, 2);
        sort_range(vm, 1, (sort_idx)n, 0);
    }
    return 0;
}

static const struct vm_lib_fn table_fns[] = {
    {"concat", tab_concat}, {"insert", tab_insert}, {"pack", tab_pack}, {"unpack", tab_unpack},
    {"remove", tab_remove}, {"move", tab_move},     {"sort", tab_sort}, {NULL, NULL},
};

void vm_lib_table_open(struct vm *vm)
{
    vm_lib_register(vm, "table", table_fns);
    vm_stack_pop(vm, 1);
}
