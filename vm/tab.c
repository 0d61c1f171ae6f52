/* vm/tab.c: tables. An array part holds the keys 1..asize; everything else lives in a hash
 * part of 2^lsizenode nodes with open addressing and linear probing. A key whose value becomes
 * nil stays in its node (so next() can go on from it during a traversal, as Lua allows), and
 * the collector turns it into a dead key once its object may be gone. A new key that does not
 * fit (the hash part would pass 3/4 full) triggers a rehash that recounts the integer keys and
 * picks the largest array size that is more than half used (Lua 5.4's rule), so sequences move
 * into the array part.
 *
 * Keys are normalised before use: a float with an integral value is that integer; nil and NaN
 * keys are refused by tab_set with Lua's messages. */
#include "vm/core.h"

#include <string.h>

/* The array part's limit: 2^26 slots (1 GiB of values), beyond any heap we are given. */
#define MAXABITS 26
#define MAXASIZE (1u << MAXABITS)
#define MAXHBITS 26

const vm_val tab_absent = {{0}, VT_NIL};

static inline uint32_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (uint32_t)x;
}

static uint32_t key_hash(vm_val k)
{
    switch (k.tt) {
    case VT_INT:
        return mix64((uint64_t)k.u.i);
    case VT_FLT: {
        uint64_t b;
        memcpy(&b, &k.u.n, sizeof b);
        return mix64(b);
    }
    case VT_BOOL:
        return k.u.b ? 1u : 2u;
    case VT_STR:
        return str_hash(VSTR(k));
    default:
        return mix64((uint64_t)(uintptr_t)k.u.gc);
    }
}

static inline bool key_eq(vm_val a, vm_val b)
{
    if (a.tt != b.tt) return false;
    switch (a.tt) {
    case VT_INT:
        return a.u.i == b.u.i;
    case VT_FLT:
        return a.u.n == b.u.n;
    case VT_BOOL:
        return a.u.b == b.u.b;
    case VT_STR:
        return str_eq(VSTR(a), VSTR(b));
    case VT_DEADKEY:
        return false;
    default:
        return a.u.gc == b.u.gc;
    }
}

struct vtab *tab_new(struct vm *vm, uint32_t narr, uint32_t nhash)
{
    struct vtab *t = obj_new(vm, VT_TAB, sizeof *t);
    if (narr > 0 || nhash > 0) {
        /* Anchor the new table while its parts are allocated. */
        push(vm, val_obj(t));
        tab_resize(vm, t, narr, nhash);
        vm->top--;
    }
    return t;
}

void tab_free(struct vm *vm, struct vtab *t)
{
    mem_free(vm, t->arr, t->asize * sizeof(vm_val));
    if (t->node) mem_free(vm, t->node, ((size_t)1 << t->lsizenode) * sizeof(struct node));
    mem_free(vm, t, sizeof *t);
}

static struct node *find_node(const struct vtab *t, vm_val key)
{
    if (t->node == NULL) return NULL;
    uint32_t mask = (1u << t->lsizenode) - 1;
    uint32_t i = key_hash(key) & mask;
    for (;;) {
        struct node *n = &t->node[i];
        if (n->key.tt == VT_NIL) return NULL;
        if (key_eq(n->key, key)) return n;
        i = (i + 1) & mask;
    }
}

const vm_val *tab_getint(struct vtab *t, int64_t key)
{
    if ((uint64_t)key - 1 < t->asize) return &t->arr[key - 1];
    if (t->node == NULL) return &tab_absent;
    uint32_t mask = (1u << t->lsizenode) - 1;
    uint32_t i = mix64((uint64_t)key) & mask;
    for (;;) {
        struct node *n = &t->node[i];
        if (n->key.tt == VT_NIL) return &tab_absent;
        if (n->key.tt == VT_INT && n->key.u.i == key) return &n->val;
        i = (i + 1) & mask;
    }
}

const vm_val *tab_getstr(struct vtab *t, struct vstr *key)
{
    if (key->is_short) {
        struct node *n = tab_findshort(t, key);
        return n ? &n->val : &tab_absent;
    }
    if (t->node == NULL) return &tab_absent;
    uint32_t mask = (1u << t->lsizenode) - 1;
    uint32_t i = str_hash(key) & mask;
    for (;;) {
        struct node *n = &t->node[i];
        if (n->key.tt == VT_NIL) return &tab_absent;
        if (n->key.tt == VT_STR && (VSTR(n->key) == key || (!key->is_short && str_eq(VSTR(n->key), key))))
            return &n->val;
        i = (i + 1) & mask;
    }
}

/* A float key with an integral value becomes that integer (Lua 5.4 §3.4.3: "any float key
 * with integral value is converted to its respective integer"). */
static inline vm_val norm_key(vm_val k)
{
    int64_t i;
    if (k.tt == VT_FLT && val_to_int_exact(k, &i)) return val_int(i);
    return k;
}

const vm_val *tab_get(struct vtab *t, vm_val key)
{
    switch (key.tt) {
    case VT_NIL:
        return &tab_absent;
    case VT_INT:
        return tab_getint(t, key.u.i);
    case VT_STR:
        return tab_getstr(t, VSTR(key));
    case VT_FLT:
        key = norm_key(key);
        if (key.tt == VT_INT) return tab_getint(t, key.u.i);
        if (key.u.n != key.u.n) return &tab_absent;
        break;
    default:
        break;
    }
    struct node *n = find_node(t, key);
    return n ? &n->val : &tab_absent;
}

/* --- rehash --- */

static int ceil_log2(uint32_t x)
{
    int l = 0;
    while ((1u << l) < x) l++;
    return l;
}

/* nums[i]: integer keys k with 2^(i-1) < k <= 2^i. */
static void count_int(int64_t k, uint32_t *nums, uint32_t *na)
{
    if (k >= 1 && (uint64_t)k <= MAXASIZE) {
        nums[ceil_log2((uint32_t)k)]++;
        (*na)++;
    }
}

static uint32_t compute_asize(const uint32_t *nums, uint32_t na, uint32_t *na_out)
{
    uint32_t a = 0, nfit = 0, opt = 0;
    uint64_t twotoi = 1;
    for (int i = 0; i <= MAXABITS && twotoi / 2 < na; i++, twotoi *= 2) {
        a += nums[i];
        if (a > twotoi / 2) {
            opt = (uint32_t)twotoi;
            nfit = a;
        }
    }
    *na_out = nfit;
    return opt;
}

void tab_resize(struct vm *vm, struct vtab *t, uint32_t narr, uint32_t nhash)
{
    if (narr > MAXASIZE) vm_rt_error(vm, "table overflow");
    int lsize = 0;
    uint32_t nslots = 0;
    if (nhash > 0) {
        /* Room for nhash keys at 3/4 load. */
        uint64_t want = (uint64_t)nhash + nhash / 3 + 1;
        lsize = ceil_log2((uint32_t)(want > (1u << MAXHBITS) ? (1u << MAXHBITS) : want));
        if (lsize > MAXHBITS) vm_rt_error(vm, "table overflow");
        nslots = 1u << lsize;
    }
    if (nslots == 0 && t->node == NULL && narr >= t->asize) {
        /* Only an array part that grows ({f(), g()} after its NEWTABLE's hint): the values keep
         * their places, so they are copied, not re-inserted one by one. */
        if (narr == t->asize) return;
        vm_val *na = mem_alloc(vm, narr * sizeof(vm_val));
        if (t->asize > 0) memcpy(na, t->arr, t->asize * sizeof(vm_val));
        for (uint32_t i = t->asize; i < narr; i++) na[i] = val_nil();
        mem_free(vm, t->arr, t->asize * sizeof(vm_val));
        t->arr = na;
        t->asize = narr;
        return;
    }
    vm_val *narr_p = NULL;
    struct node *nnode = NULL;
    if (narr > 0) narr_p = mem_alloc(vm, narr * sizeof(vm_val));
    if (nslots > 0) {
        /* Raw blocks are never collected, so 'narr_p' survives a collection here; but if the
         * heap is full it must be given back before the error. */
        nnode = mem_alloc_nogc(vm, nslots * sizeof(struct node));
        if (nnode == NULL) {
            gc_full(vm);
            nnode = mem_alloc_nogc(vm, nslots * sizeof(struct node));
        }
        if (nnode == NULL) {
            mem_free(vm, narr_p, narr * sizeof(vm_val));
            mem_error(vm);
        }
        memset(nnode, 0, nslots * sizeof(struct node));
    }
    for (uint32_t i = 0; i < narr; i++) narr_p[i] = val_nil();

    vm_val *oarr = t->arr;
    uint32_t oasize = t->asize;
    struct node *onode = t->node;
    uint32_t onslots = onode ? 1u << t->lsizenode : 0;

    t->arr = narr_p;
    t->asize = narr;
    t->node = nnode;
    t->lsizenode = (uint8_t)lsize;
    t->hused = 0;

    /* Re-insert: these stores cannot rehash, since the new parts were sized for them. */
    for (uint32_t i = 0; i < oasize; i++)
        if (oarr[i].tt != VT_NIL) tab_setint(vm, t, (int64_t)i + 1, oarr[i]);
    for (uint32_t i = 0; i < onslots; i++)
        if (onode[i].val.tt != VT_NIL) tab_set(vm, t, onode[i].key, onode[i].val);
    mem_free(vm, oarr, oasize * sizeof(vm_val));
    if (onode) mem_free(vm, onode, onslots * sizeof(struct node));
}

static void rehash(struct vm *vm, struct vtab *t, vm_val extra)
{
    uint32_t nums[MAXABITS + 1];
    memset(nums, 0, sizeof nums);
    uint32_t na = 0, total = 0;
    for (uint32_t i = 0; i < t->asize; i++)
        if (t->arr[i].tt != VT_NIL) {
            count_int((int64_t)i + 1, nums, &na);
            total++;
        }
    uint32_t nslots = t->node ? 1u << t->lsizenode : 0;
    for (uint32_t i = 0; i < nslots; i++) {
        struct node *n = &t->node[i];
        if (n->val.tt == VT_NIL) continue;
        if (n->key.tt == VT_INT) count_int(n->key.u.i, nums, &na);
        total++;
    }
    if (extra.tt == VT_INT) count_int(extra.u.i, nums, &na);
    total++;
    uint32_t in_array;
    uint32_t asize = compute_asize(nums, na, &in_array);
    tab_resize(vm, t, asize, total - in_array);
}

/* Stores into the hash part; 'key' is normalised and not an array index. */
static void hash_set(struct vm *vm, struct vtab *t, vm_val key, vm_val val)
{
    struct node *n = find_node(t, key);
    if (n != NULL) {
        n->val = val;
        gc_barrier_tab(vm, t, val);
        return;
    }
    if (val.tt == VT_NIL) return;
    uint32_t nslots = t->node ? 1u << t->lsizenode : 0;
    if ((uint64_t)(t->hused + 1) * 4 > (uint64_t)nslots * 3) {
        /* 'key' and 'val' are the caller's: they are reachable from its frame or stack. */
        rehash(vm, t, key);
        tab_set(vm, t, key, val);
        return;
    }
    uint32_t mask = nslots - 1;
    uint32_t i = key_hash(key) & mask;
    /* Reuse the first node along the probe whose value is nil: the key is absent, so no later
     * node of this probe holds it. */
    while (t->node[i].val.tt != VT_NIL) i = (i + 1) & mask;
    if (t->node[i].key.tt == VT_NIL) t->hused++;
    t->node[i].key = key;
    t->node[i].val = val;
    gc_barrier_tab(vm, t, key);
    gc_barrier_tab(vm, t, val);
}

void tab_setint(struct vm *vm, struct vtab *t, int64_t key, vm_val val)
{
    if ((uint64_t)key - 1 < t->asize) {
        tab_arr_store(vm, t, (uint32_t)(key - 1), val);
        return;
    }
    hash_set(vm, t, val_int(key), val);
}

void tab_set(struct vm *vm, struct vtab *t, vm_val key, vm_val val)
{
    switch (key.tt) {
    case VT_NIL:
        vm_rt_error(vm, "table index is nil");
    case VT_INT:
        tab_setint(vm, t, key.u.i, val);
        return;
    case VT_FLT:
        key = norm_key(key);
        if (key.tt == VT_INT) {
            tab_setint(vm, t, key.u.i, val);
            return;
        }
        if (key.u.n != key.u.n) vm_rt_error(vm, "table index is NaN");
        break;
    default:
        break;
    }
    hash_set(vm, t, key, val);
}

static uint64_t hash_border(struct vtab *t, uint64_t j)
{
    uint64_t i = j;
    j++;
    while (tab_getint(t, (int64_t)j)->tt != VT_NIL) {
        i = j;
        if (j > (uint64_t)INT64_MAX / 2) {
            /* Pathological: a linear search for the border. */
            uint64_t k = 1;
            while (tab_getint(t, (int64_t)k)->tt != VT_NIL) k++;
            return k - 1;
        }
        j *= 2;
    }
    while (j - i > 1) {
        uint64_t m = (i + j) / 2;
        if (tab_getint(t, (int64_t)m)->tt == VT_NIL) j = m;
        else i = m;
    }
    return i;
}

uint64_t tab_len(struct vtab *t)
{
    uint32_t n = t->asize;
    if (n > 0 && t->arr[n - 1].tt == VT_NIL) {
        uint32_t i = 0, j = n;
        while (j - i > 1) {
            uint32_t m = (i + j) / 2;
            if (t->arr[m - 1].tt == VT_NIL) j = m;
            else i = m;
        }
        return i;
    }
    if (t->node == NULL || tab_getint(t, (int64_t)n + 1)->tt == VT_NIL) return n;
    return hash_border(t, n);
}

/* Finds where the traversal stands: 0 before the first element, else one past the array slot
 * or node of 'key'. Returns -1 when 'key' is not in the table. */
static int64_t next_index(struct vtab *t, vm_val key)
{
    if (key.tt == VT_NIL) return 0;
    key = norm_key(key);
    if (key.tt == VT_INT && (uint64_t)key.u.i - 1 < t->asize) return key.u.i;
    if (t->node == NULL) return -1;
    uint32_t nslots = 1u << t->lsizenode;
    uint32_t mask = nslots - 1;
    uint32_t i = key_hash(key) & mask;
    for (uint32_t probes = 0; probes < nslots; probes++) {
        struct node *n = &t->node[i];
        if (n->key.tt == VT_NIL) return -1;
        if (key_eq(n->key, key) ||
            (n->key.tt == VT_DEADKEY && key.tt >= VT_STR && n->key.u.gc == key.u.gc))
            return (int64_t)t->asize + i + 1;
        i = (i + 1) & mask;
    }
    return -1;
}

int tab_next(struct vm *vm, struct vtab *t, vm_val *key, vm_val *val)
{
    (void)vm;
    int64_t i = next_index(t, *key);
    if (i < 0) return -1;
    for (; i < t->asize; i++)
        if (t->arr[i].tt != VT_NIL) {
            *key = val_int(i + 1);
            *val = t->arr[i];
            return 1;
        }
    uint32_t nslots = t->node ? 1u << t->lsizenode : 0;
    for (i -= t->asize; i < nslots; i++) {
        struct node *n = &t->node[i];
        if (n->val.tt != VT_NIL) {
            *key = n->key;
            *val = n->val;
            return 1;
        }
    }
    return 0;
}
