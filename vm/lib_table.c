/* The table library (Lua 5.4 manual §6.6): insert, remove, concat, sort, unpack, pack, move,
 * as lua5.4 (5.4.4) behaves. Every access goes through the VM's non-raw accessors, so __index,
 * __newindex and __len are honoured, and a non-table with those metamethods is accepted where
 * 5.4 accepts it. sort is 5.4's quicksort step for step (median of three, a pivot chosen at
 * random only for large intervals after an unbalanced split), so a comparator sees the same
 * calls in the same order and "invalid order function for sorting" is raised where 5.4 raises
 * it; unlike 5.4's, the comparator may yield (issue 5). Entry point: vm_lib_table_open. */
#include "vm/lib.h"
#include "vm/core.h"
#include "vm/vm.h"

#include <limits.h>
#include <stddef.h>
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

/* --- sort: 5.4's algorithm, as a state machine so that a comparator may yield (issue 5).
 *
 * The stack holds the table at index 1, the comparator (or nil) at 2 and, with a comparator,
 * the state block at 3; above them, the values being compared, never C locals, so the
 * collector sees them. sort_run runs the quicksort until it needs the comparator: it then
 * saves its position (struct sort_state) and ends in vm_call_cont, whose continuation
 * (sort_cont) feeds the comparator's answer back in. Without a comparator every comparison is
 * val_lt (vm_less's core), made in place, and sort_run runs to the end in one go with its
 * state in a C local: __lt metamethod calls stay non-yieldable, as the library's other
 * metamethod calls do. 5.4's recursion on the smaller half is an explicit stack of frames.
 * The stack work of a comparison goes straight through core.h: it runs once per comparison,
 * and the API calls it replaced cost more than the rest of the sort. --- */

typedef unsigned int sort_idx; /* 5.4 sorts at most INT_MAX elements, in unsigned arithmetic */

/* Intervals shorter than this use the middle element as pivot (5.4's RANLIMIT). */
#define SORT_RANLIMIT 100u

/* Pending larger halves. Each frame's child is at most half of its interval, so INT_MAX
 * elements nest at most 31 deep. */
#define SORT_MAXDEPTH 32

/* Where sort_run is in 5.4's sort_range and partition; each SORT_CMP_* step starts from the
 * result 'lt' of the comparison named. */
enum sort_step {
    SORT_RANGE,      /* the top of the loop over [lo, up] */
    SORT_CMP_ENDS,   /* a[up] < a[lo] */
    SORT_CMP_MID_LO, /* a[p] < a[lo] */
    SORT_CMP_UP_MID, /* a[up] < a[p] */
    SORT_PIVOT,      /* the three are in order: set the pivot aside in a[up - 1] */
    SORT_SCAN_I,     /* partition: fetch a[++i] */
    SORT_CMP_I,      /* partition: a[i] < P */
    SORT_CMP_J,      /* partition: P < a[j] */
    SORT_SPLIT,      /* partitioned at p: recurse on the smaller half, loop on the larger */
    SORT_RETURN,     /* [lo, up] is sorted: back to the frame below */
};

struct sort_frame {
    sort_idx lo, up; /* the larger half, sorted after the child */
    sort_idx n;      /* the child's size, for the unbalanced-split test */
    unsigned int rnd;
};

/* Everything sort_run keeps between two comparator calls. */
struct sort_state {
    enum sort_step step;
    sort_idx lo, up, p, i, j;
    unsigned int rnd; /* 0, or the pivot seed after an unbalanced split */
    bool has_cmp;     /* a comparator at stack index 2, else vm_less */
    int depth;        /* frames in use */
    struct sort_frame frame[SORT_MAXDEPTH];
};

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

static int sort_cont(struct vm *vm, intptr_t ctx);

/* Runs the sort from st->step, where 'lt' is the answer to the comparison that step names,
 * until it is done (returns 0, table.sort's result count) or needs the comparator (returns
 * what the call's continuation returns). Each step that compares leaves its operands on the
 * stack as stack indices a and b and breaks out of the switch. */
static int sort_run(struct vm *vm, struct sort_state *st, bool lt)
{
    enum sort_step step = st->step;
    sort_idx lo = st->lo, up = st->up, p = st->p, i = st->i, j = st->j;
    unsigned int rnd = st->rnd;
    for (;;) {
        int a = 0, b = 0; /* set by every step that breaks out to compare */
        switch (step) {
        case SORT_RANGE:
            if (lo >= up) {
                step = SORT_RETURN;
                continue;
            }
            vm_tab_geti(vm, 1, lo);
            vm_tab_geti(vm, 1, up);
            a = -1, b = -2, step = SORT_CMP_ENDS;
            break;
        case SORT_CMP_ENDS:
            if (lt)
                set2(vm, lo, up);
            else
                vm_stack_pop(vm, 2);
            if (up - lo == 1) {
                step = SORT_RETURN;
                continue;
            }
            if (up - lo < SORT_RANLIMIT || rnd == 0)
                p = (lo + up) / 2;
            else
                p = choose_pivot(lo, up, rnd);
            vm_tab_geti(vm, 1, p);
            vm_tab_geti(vm, 1, lo);
            a = -2, b = -1, step = SORT_CMP_MID_LO;
            break;
        case SORT_CMP_MID_LO:
            if (lt) {
                set2(vm, p, lo);
                step = SORT_PIVOT;
                continue;
            }
            vm_stack_pop(vm, 1);
            vm_tab_geti(vm, 1, up);
            a = -1, b = -2, step = SORT_CMP_UP_MID;
            break;
        case SORT_CMP_UP_MID:
            if (lt)
                set2(vm, p, up);
            else
                vm_stack_pop(vm, 2);
            step = SORT_PIVOT;
            continue;
        case SORT_PIVOT:
            if (up - lo == 2) {
                step = SORT_RETURN;
                continue;
            }
            vm_tab_geti(vm, 1, p); /* the pivot P, kept on the stack during the partition */
            vm_stack_copy(vm, -1);
            vm_tab_geti(vm, 1, up - 1);
            set2(vm, p, up - 1);
            /* Partition a[lo..up] so that a[lo..i-1] <= P == a[i] <= a[i+1..up]. An order
             * function that is not a strict order walks i or j off their ends: that is the
             * "invalid order function" error. */
            i = lo, j = up - 1;
            step = SORT_SCAN_I;
            continue;
        case SORT_SCAN_I: /* repeat ++i while a[i] < P */
            vm_tab_geti(vm, 1, ++i);
            a = -1, b = -2, step = SORT_CMP_I;
            break;
        case SORT_CMP_I:
            if (lt) {
                if (i == up - 1) vm_error(vm, "invalid order function for sorting");
                vm_stack_pop(vm, 1);
                step = SORT_SCAN_I;
                continue;
            }
            vm_tab_geti(vm, 1, --j); /* repeat --j while P < a[j] */
            a = -3, b = -1, step = SORT_CMP_J;
            break;
        case SORT_CMP_J:
            if (lt) {
                if (j < i) vm_error(vm, "invalid order function for sorting");
                vm_stack_pop(vm, 1);
                vm_tab_geti(vm, 1, --j);
                a = -3, b = -1;
                break;
            }
            if (j >= i) {
                set2(vm, i, j);
                step = SORT_SCAN_I;
                continue;
            }
            vm_stack_pop(vm, 1); /* a[j] */
            set2(vm, up - 1, i); /* swap the pivot into place */
            p = i;
            step = SORT_SPLIT;
            continue;
        case SORT_SPLIT: {
            struct sort_frame *f = &st->frame[st->depth++];
            f->rnd = rnd;
            if (p - lo < up - p) {
                f->lo = p + 1, f->up = up, f->n = p - lo;
                up = p - 1;
            } else {
                f->lo = lo, f->up = p - 1, f->n = up - p;
                lo = p + 1;
            }
            step = SORT_RANGE;
            continue;
        }
        case SORT_RETURN: {
            if (st->depth == 0) return 0;
            const struct sort_frame *f = &st->frame[--st->depth];
            lo = f->lo, up = f->up, rnd = f->rnd;
            if ((up - lo) / 128 > f->n) /* too unbalanced: randomize the pivots from now on */
                rnd = random_pivot();
            step = SORT_RANGE;
            continue;
        }
        }
        vm_val *top = &vm->stack[vm->top];
        if (!st->has_cmp) {
            lt = val_lt(vm, top[a], top[b]);
            continue;
        }
        stack_reserve(vm, 3);
        top = &vm->stack[vm->top];
        top[0] = vm->stack[vm->ci->func + 2];
        top[1] = top[a];
        top[2] = top[b];
        vm->top += 3;
        st->step = step;
        st->lo = lo, st->up = up, st->p = p, st->i = i, st->j = j;
        st->rnd = rnd;
        return vm_call_cont(vm, 2, 1, (intptr_t)st, sort_cont);
    }
}

/* The comparator returned: its result is on top. 'ctx' is the state block, which stack slot 3
 * keeps alive, and the collector never moves objects. */
static int sort_cont(struct vm *vm, intptr_t ctx)
{
    bool lt = !val_falsy(vm->stack[--vm->top]);
    return sort_run(vm, (struct sort_state *)ctx, lt);
}

/* A sort_state in a block held by a new stack slot (a vm_buf's block type, which holds no
 * references for the collector to follow). */
static struct sort_state *sort_state_push(struct vm *vm)
{
    size_t n = sizeof(struct sort_state);
    struct vbuf *blk = obj_new(vm, VT_BUF, sizeof(struct vbuf) + n);
    blk->cap = n;
    push(vm, val_obj(blk));
    return (struct sort_state *)(void *)blk->data;
}
_Static_assert(offsetof(struct vbuf, data) % _Alignof(struct sort_state) == 0,
               "a sort_state fits a vbuf's data");

static int tab_sort(struct vm *vm)
{
    int64_t n = len_of(vm, 1, TAB_RW);
    if (n <= 1) return 0;
    if (n >= INT_MAX) vm_arg_error(vm, 1, "array too big");
    enum vm_type ft = vm_type(vm, 2);
    if (ft != VM_TNONE && ft != VM_TNIL) vm_check_type(vm, 2, VM_TFUNCTION);
    vm_stack_set_top(vm, 2);
    struct sort_state local;
    struct sort_state *st = ft == VM_TFUNCTION ? sort_state_push(vm) : &local;
    st->step = SORT_RANGE;
    st->lo = 1, st->up = (sort_idx)n, st->p = st->i = st->j = 0;
    st->rnd = 0;
    st->has_cmp = ft == VM_TFUNCTION;
    st->depth = 0;
    return sort_run(vm, st, false);
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
