/* vm/str.c: strings. Short strings (<= VM_SHORTSTR bytes) are interned in vm->strt, a chained
 * hash table that doubles when it holds as many strings as chains; equal short strings are one
 * object. Long strings are created afresh and hashed the first time they are used as a key.
 * Every string ends with a NUL the length does not count, so the C library can read it. */
#include "vm/core.h"

#include <string.h>

/* FNV-1a over the bytes, seeded with the length. Short strings are hashed whole; long strings
 * too (they are hashed once, lazily, and only when used as keys). */
static uint32_t hash_bytes(const char *s, size_t len)
{
    uint32_t h = 2166136261u ^ (uint32_t)len;
    for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

uint32_t str_hash(struct vstr *s)
{
    if (!s->has_hash) {
        s->hash = hash_bytes(s->data, s->len);
        s->has_hash = 1;
    }
    return s->hash;
}

bool str_eq(const struct vstr *a, const struct vstr *b)
{
    if (a == b) return true;
    if (a->is_short && b->is_short) return false;
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static void strt_resize(struct vm *vm, uint32_t n)
{
    struct vstr **nt = mem_alloc_nogc(vm, n * sizeof *nt);
    if (nt == NULL) return; /* keep the old table: chains get longer, nothing breaks */
    memset(nt, 0, n * sizeof *nt);
    for (uint32_t i = 0; i < vm->strt_size; i++) {
        struct vstr *s = vm->strt[i];
        while (s != NULL) {
            struct vstr *next = s->hnext;
            uint32_t j = s->hash & (n - 1);
            s->hnext = nt[j];
            nt[j] = s;
            s = next;
        }
    }
    mem_free(vm, vm->strt, vm->strt_size * sizeof *nt);
    vm->strt = nt;
    vm->strt_size = n;
}

void str_table_init(struct vm *vm)
{
    vm->strt_size = 0;
    vm->strt = NULL;
    vm->strt_n = 0;
    uint32_t n = 256;
    vm->strt = mem_alloc_nogc(vm, n * sizeof *vm->strt);
    memset(vm->strt, 0, n * sizeof *vm->strt);
    vm->strt_size = n;
}

/* A string object of 'len' bytes; only the header is zeroed, the caller writes the bytes. */
static struct vstr *str_alloc(struct vm *vm, size_t len)
{
    return obj_new_head(vm, VT_STR, sizeof(struct vstr) + len + 1, sizeof(struct vstr));
}

struct vstr *str_new(struct vm *vm, const char *s, size_t len)
{
    if (len <= VM_SHORTSTR) {
        uint32_t h = hash_bytes(s, len);
        for (struct vstr *p = vm->strt[h & (vm->strt_size - 1)]; p != NULL; p = p->hnext)
            if (p->len == len && memcmp(p->data, s, len) == 0) {
                gc_revive(vm, &p->h);
                return p;
            }
        struct vstr *o = str_alloc(vm, len);
        o->is_short = 1;
        o->has_hash = 1;
        o->hash = h;
        o->len = len;
        memcpy(o->data, s, len);
        o->data[len] = '\0';
        uint32_t j = h & (vm->strt_size - 1);
        o->hnext = vm->strt[j];
        vm->strt[j] = o;
        if (++vm->strt_n > vm->strt_size) strt_resize(vm, vm->strt_size * 2);
        return o;
    }
    if (len > (size_t)INT32_MAX * 4) vm_rt_error(vm, "string length overflow");
    struct vstr *o = str_alloc(vm, len);
    o->len = len;
    memcpy(o->data, s, len);
    o->data[len] = '\0';
    return o;
}

struct vstr *str_build_begin(struct vm *vm, size_t len)
{
    struct vstr *o = str_alloc(vm, len);
    o->len = len;
    o->data[len] = '\0';
    return o;
}

struct vstr *str_newc(struct vm *vm, const char *s)
{
    return str_new(vm, s, strlen(s));
}

size_t str_table_sweep(struct vm *vm, uint32_t from, uint32_t n)
{
    uint8_t dead = vm->gc_white ^ 1; /* after the atomic phase's flip: not reached */
    uint32_t end = from + n < vm->strt_size ? from + n : vm->strt_size;
    size_t work = 0;
    for (uint32_t i = from; i < end; i++) {
        struct vstr **pp = &vm->strt[i];
        work++;
        while (*pp != NULL) {
            work += GC_OBJ_UNITS;
            if ((*pp)->h.marked == dead) {
                *pp = (*pp)->hnext;
                vm->strt_n--;
            } else {
                pp = &(*pp)->hnext;
            }
        }
    }
    return work;
}
