/* vm/heap.c: the VM's heap: every block of the VM comes from the embedder's memory through here.
 *
 * Entry points: heap_init (once, by vm_init), heap_alloc, heap_free, heap_in_use. The collector
 * (gc.c) wraps them as mem_alloc / mem_free, which collect and raise.
 *
 * The heap is carved by a bump pointer and recycled through free lists by size class: 16-byte
 * steps up to 1 KiB, then four classes per power of two (at most 25% waste). Blocks are never
 * split or merged, so a program whose block sizes drift can fragment the heap. Callers give the
 * size back on free (as Lua's allocator interface does), so blocks carry no header.
 */
#include "vm/core.h"

#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
void __asan_poison_memory_region(void const volatile *addr, size_t size);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
#define POISON(p, n) __asan_poison_memory_region((p), (n))
#define UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define SMALL_MAX 1024
#define NSMALL (SMALL_MAX / 16)
#define NCLASS (NSMALL + 4 * 40)

struct freeblk {
    struct freeblk *next;
};

struct heap {
    char *bump, *end;
    size_t in_use;
    struct freeblk *free[NCLASS];
};

static unsigned size_class(size_t n, size_t *rounded)
{
    if (n <= SMALL_MAX) {
        size_t r = (n + 15) & ~(size_t)15;
        if (r == 0) r = 16;
        *rounded = r;
        return (unsigned)(r / 16 - 1);
    }
    size_t m = n - 1;
    unsigned e = 63u - (unsigned)__builtin_clzll((unsigned long long)m); /* m >= 1024: e >= 10 */
    unsigned sub = (unsigned)((m >> (e - 2)) & 3);
    *rounded = (size_t)(4 + sub + 1) << (e - 2);
    return NSMALL + (e - 10) * 4 + sub;
}

struct heap *heap_init(void *mem, size_t bytes, size_t *used)
{
    struct heap *h = mem;
    memset(h, 0, sizeof *h);
    size_t off = (sizeof *h + 15) & ~(size_t)15;
    h->bump = (char *)mem + off;
    h->end = (char *)mem + bytes;
    *used = off;
    POISON(h->bump, (size_t)(h->end - h->bump));
    return h;
}

void *heap_alloc(struct heap *h, size_t n)
{
    size_t r;
    unsigned c = size_class(n, &r);
    if (c >= NCLASS) return NULL;
    void *p;
    if (h->free[c] != NULL) {
        struct freeblk *f = h->free[c];
        UNPOISON(f, r);
        h->free[c] = f->next;
        p = f;
    } else {
        if ((size_t)(h->end - h->bump) < r) return NULL;
        p = h->bump;
        h->bump += r;
        UNPOISON(p, r);
    }
    h->in_use += r;
    return p;
}

void heap_free(struct heap *h, void *p, size_t n)
{
    if (p == NULL) return;
    size_t r;
    unsigned c = size_class(n, &r);
#if defined(__SANITIZE_ADDRESS__)
    /* Poison the bytes too: a stale read the sanitizer misses still sees garbage, not data.
     * Optimised builds skip it: it cost 6% of binary-trees' instructions. */
    memset(p, 0xdd, r);
#endif
    struct freeblk *f = p;
    f->next = h->free[c];
    h->free[c] = f;
    POISON(p, r);
    UNPOISON(f, sizeof *f);
    POISON((char *)p + sizeof *f, r - sizeof *f);
    h->in_use -= r;
}

size_t heap_in_use(const struct heap *h)
{
    return h->in_use;
}
