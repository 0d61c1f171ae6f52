/* vm/heap.c: the VM's heap: every block of the VM comes from the embedder's memory through here.
 *
 * Entry points: heap_init (once, by vm_init), heap_alloc, heap_free, heap_in_use, heap_stats.
 * The collector (gc.c) wraps them as mem_alloc / mem_free, which collect and raise.
 *
 * Two layers and a cache, so that memory freed in blocks of one size can later serve blocks of
 * any size:
 *
 * - The page heap: a two-level segregated fit (TLSF) allocator with boundary tags over the
 *   whole region. A block is an 8-byte header (size, FREE, PREV_FREE) followed by its payload,
 *   16-byte aligned; a free block also holds its free-list links at the start of its payload
 *   and its size in its last word (the footer), so its right neighbour can find its start.
 *   Freeing merges a block with free neighbours at once, so two free blocks are never adjacent.
 *   Free blocks sit in lists by size: the first level is the power of two, the second splits it
 *   into 16, and two bitmaps find the smallest non-empty list that surely fits in O(1). Every
 *   block over SMALL_MAX bytes comes from here.
 *
 * - Slabs for small blocks (up to SMALL_MAX bytes, 16-byte classes): a slab is a page-heap
 *   block of SLAB_BYTES whose payload starts at a multiple of SLAB_BYTES, so a small block
 *   finds its slab (the header at the start of that payload) by masking its address. A new
 *   slab is cut into blocks of one class, all pushed on that class's free list. Allocating and
 *   freeing a small block is a pop and a push on that list, with no counting, since the
 *   interpreter does it for every 16-64 byte object. Slabs go back to the page heap lazily:
 *   when the page heap cannot serve a request, reclaim() counts the free blocks of every slab,
 *   takes the blocks of wholly free slabs off the lists and frees those slabs into the page
 *   heap (where they merge), then the request is tried again. That costs a walk of the free
 *   small blocks, paid only when memory ran short, just before the collector's full
 *   collection, which costs more. Slabs are cut from the top of a free block and large blocks
 *   from its bottom, so the slabs a few live objects keep do not break up large free space.
 *
 * - Quick lists for blocks just over SMALL_MAX (up to QUICK_MAX): freed, such a block keeps its
 *   page-heap block and goes on a list by 16-byte class, for the next request of its size; the
 *   lists are emptied into the page heap, merging, by the same reclaim().
 *
 * Callers give the size back on free (as Lua's allocator interface does): a small block needs
 * no header, and the size tells which layer a block belongs to. heap_in_use counts the bytes
 * handed out (each request rounded up to 16 bytes), not headers, slack or free slots.
 *
 * Under AddressSanitizer everything not handed out is poisoned, the heap's own words included
 * (headers, links, footers, slab headers): heap.c reads and writes them through word_get /
 * word_set, which unpoison around the access. A write past the end of a block into a header
 * or a free block is reported, as is any use of a freed block.
 */
#include "vm/core.h"

#include <stdint.h>
#include <string.h>

#include "kernel/platform.h"

#if defined(__SANITIZE_ADDRESS__)
void __asan_poison_memory_region(void const volatile *addr, size_t size);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
#define POISON(p, n) __asan_poison_memory_region((p), (n))
#define UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* Small blocks: the interpreter's objects (strings, tables, closures, small arrays) are 16-256
 * bytes; larger blocks are rarer and can afford the page heap's few extra instructions. */
#define SMALL_MAX 256
#define NSMALL (SMALL_MAX / 16)

/* Bytes of one slab. Larger: less slack per slab (a 256-byte class wastes up to 247 bytes) and
 * fewer slab cuts; smaller: a class with few live blocks holds less memory, and a small heap
 * (VM_HEAP_MIN) can hold a slab for every class. Also the alignment of a slab, so it must be a
 * power of two. */
#define SLAB_BYTES 4096
#define SLAB_HDR 16 /* sizeof(struct slab), rounded to the 16-byte block alignment */
/* A slab's page-heap block is exactly SLAB_BYTES: its header is the last word of the page
 * before, its last word the next block's header, so slabs cut from one free block sit back to
 * back. It holds slab_blocks() blocks after its header. Any free block of SLAB_SURE bytes can
 * hold one, wherever the block starts (see slab_fit). */
#define SLAB_SURE (2 * SLAB_BYTES + 3 * MIN_BLOCK)

/* Large blocks up to QUICK_MAX bytes are not merged when freed but kept on a list by size
 * (16-byte classes, as small ones), for the next request of that size to take back: strings
 * and buffers of a few hundred bytes come and go as often as small objects in string-heavy
 * code, and the page heap's split and merge cost ten times a list pop. They are merged, all
 * at once, when the page heap cannot serve a request (reclaim). Larger: more requests skip
 * the page heap, and more memory waits unmerged for a request of its own size. */
#define QUICK_MAX 2048
#define NQUICK ((QUICK_MAX - SMALL_MAX) / 16)

/* The page heap. A block's size includes its 8-byte header; sizes are multiples of 16. */
#define HDR 8
#define MIN_BLOCK 32 /* header, two links, footer */
#define SL_LOG 4     /* second level: 16 lists per power of two (at most 6.25% slack) */
#define SL_COUNT (1u << SL_LOG)
#define FL_SHIFT 8  /* sizes below 256 bytes: one list per 16 bytes, in first level 0 */
#define FL_COUNT 30 /* first levels: sizes below 2^(FL_COUNT + FL_SHIFT - 1) */
/* The largest heap: 64 GiB, a power of two below what the first levels map, leaving room for
 * block_find's round-up. */
#define HEAP_MAX ((size_t)1 << (FL_COUNT + FL_SHIFT - 2))
#define FREE 1u      /* header flag: this block is free */
#define PREV_FREE 2u /* header flag: the block just before this one is free */
#define SIZE_MASK (~(size_t)15)
_Static_assert((SLAB_BYTES & (SLAB_BYTES - 1)) == 0, "a slab is aligned to its size");

struct freeblk {
    struct freeblk *next; /* next free small block of the same class, any slab */
};

/* The first SLAB_HDR bytes of a slab; its blocks follow. */
struct slab {
    struct slab *next; /* in heap.slabs, every slab */
    uint32_t size;     /* bytes per block of its class */
    uint32_t nfree;    /* reclaim's count of its free blocks; meaningless outside reclaim */
};
_Static_assert(sizeof(struct slab) <= SLAB_HDR, "slab header fits");

struct heap {
    struct freeblk *small[NSMALL]; /* free small blocks by class (16, 32, ... SMALL_MAX) */
    size_t in_use;                 /* bytes handed out, small and large */
    size_t large_in_use;           /* of which by the page heap directly */
    size_t small_cap;              /* bytes of small blocks the slabs hold, used or free */
    size_t free_bytes;             /* bytes in the page heap's free blocks, headers included */
    size_t nslabs;
    struct slab *slabs;              /* every slab, in no order */
    size_t max_request;              /* larger requests can never be served */
    char *quick[NQUICK];             /* freed blocks of SMALL_MAX+16 .. QUICK_MAX bytes, by class;
                                        in use as far as the page heap knows */
    size_t quick_bytes;              /* page-heap bytes of the blocks on 'quick' */
    uint32_t fl_map;                 /* bit fl: some list of first level fl is non-empty */
    uint32_t sl_map[FL_COUNT];       /* bit sl: list [fl][sl] is non-empty */
    char *lists[FL_COUNT][SL_COUNT]; /* free blocks (payload addresses), doubly linked */
};

_Static_assert(sizeof(struct heap) < VM_HEAP_MIN / 4, "the heap's bookkeeping is small");

/* --- the heap's own words, poisoned under ASan except while heap.c touches them --- */

static inline size_t word_get(const char *a)
{
    UNPOISON(a, sizeof(size_t));
    size_t v = *(const size_t *)a;
    POISON(a, sizeof(size_t));
    return v;
}

static inline void word_set(char *a, size_t v)
{
    UNPOISON(a, sizeof(size_t));
    *(size_t *)a = v;
    POISON(a, sizeof(size_t));
}

/* A block is named by its payload address 'b'; its header is the word before it. */
static inline size_t hdr_get(const char *b)
{
    return word_get(b - HDR);
}
static inline void hdr_set(char *b, size_t v)
{
    word_set(b - HDR, v);
}
static inline char *link_next(const char *b)
{
    return (char *)word_get(b);
}
static inline char *link_prev(const char *b)
{
    return (char *)word_get(b + sizeof(char *));
}
static inline void link_next_set(char *b, char *n)
{
    word_set(b, (size_t)n);
}
static inline void link_prev_set(char *b, char *p)
{
    word_set(b + sizeof(char *), (size_t)p);
}

static inline size_t round16(size_t n)
{
    return (n + 15) & SIZE_MASK;
}
static inline unsigned msb(size_t x)
{
    return 63u - (unsigned)__builtin_clzll((unsigned long long)x);
}

/* --- the page heap --- */

/* The list a free block of 'size' bytes lives in. */
static void list_of(size_t size, unsigned *fl, unsigned *sl)
{
    if (size < ((size_t)1 << FL_SHIFT)) {
        *fl = 0;
        *sl = (unsigned)(size >> 4);
    } else {
        unsigned m = msb(size);
        *fl = m - (FL_SHIFT - 1);
        *sl = (unsigned)(size >> (m - SL_LOG)) - SL_COUNT;
    }
}

static void list_insert(struct heap *h, char *b, size_t size)
{
    unsigned fl, sl;
    list_of(size, &fl, &sl);
    char *head = h->lists[fl][sl];
    link_next_set(b, head);
    link_prev_set(b, NULL);
    if (head != NULL) link_prev_set(head, b);
    h->lists[fl][sl] = b;
    h->fl_map |= 1u << fl;
    h->sl_map[fl] |= 1u << sl;
    h->free_bytes += size;
}

static void list_remove(struct heap *h, char *b)
{
    size_t size = hdr_get(b) & SIZE_MASK;
    unsigned fl, sl;
    list_of(size, &fl, &sl);
    char *next = link_next(b), *prev = link_prev(b);
    if (next != NULL) link_prev_set(next, prev);
    if (prev != NULL) {
        link_next_set(prev, next);
    } else {
        h->lists[fl][sl] = next;
        if (next == NULL) {
            h->sl_map[fl] &= ~(1u << sl);
            if (h->sl_map[fl] == 0) h->fl_map &= ~(1u << fl);
        }
    }
    h->free_bytes -= size;
}

/* Makes [b - HDR, b - HDR + size) one free block. Its left neighbour is in use (free
 * neighbours have been merged into it by the caller). */
static void block_make_free(struct heap *h, char *b, size_t size)
{
    hdr_set(b, size | FREE);
    word_set(b + size - 2 * HDR, size); /* the footer */
    hdr_set(b + size, hdr_get(b + size) | PREV_FREE);
    list_insert(h, b, size);
}

/* Turns block 'b' (in no list) into a used block of 'size' bytes; the rest, when it can make
 * a block, becomes a free one, else stays in 'b' as slack. */
static void block_use(struct heap *h, char *b, size_t size)
{
    size_t hd = hdr_get(b), have = hd & SIZE_MASK;
    if (have - size >= MIN_BLOCK) {
        hdr_set(b, size | (hd & PREV_FREE));
        block_make_free(h, b + size, have - size);
    } else {
        hdr_set(b, have | (hd & PREV_FREE));
        hdr_set(b + have, hdr_get(b + have) & ~(size_t)PREV_FREE);
    }
}

/* Gives used block 'b' back, merged with its free neighbours. */
static void block_free(struct heap *h, char *b)
{
    size_t hd = hdr_get(b), size = hd & SIZE_MASK;
    char *next = b + size;
    if (hd & PREV_FREE) {
        size_t before = word_get(b - 2 * HDR);
        b -= before;
        list_remove(h, b);
        size += before;
    }
    size_t nh = hdr_get(next);
    if (nh & FREE) {
        list_remove(h, next);
        size += nh & SIZE_MASK;
    }
    block_make_free(h, b, size);
}

/* A free block of at least 'size' bytes, or NULL. First the good fit: the smallest non-empty
 * list whose every block fits, found by the bitmaps in O(1). When that fails, the list 'size'
 * itself belongs to may still hold a block that fits; walking it costs its length, paid only
 * when memory is short. */
static char *block_find(struct heap *h, size_t size)
{
    unsigned fl, sl;
    if (size >= ((size_t)1 << FL_SHIFT)) {
        size_t up = size + ((size_t)1 << (msb(size) - SL_LOG)) - 1;
        list_of(up, &fl, &sl);
    } else {
        list_of(size, &fl, &sl);
    }
    if (fl < FL_COUNT) {
        uint32_t slm = h->sl_map[fl] & (~0u << sl);
        if (slm == 0 && fl + 1 < FL_COUNT) {
            uint32_t flm = h->fl_map & (~0u << (fl + 1));
            if (flm != 0) {
                fl = (unsigned)__builtin_ctz(flm);
                slm = h->sl_map[fl];
            }
        }
        if (slm != 0) return h->lists[fl][__builtin_ctz(slm)];
    }
    list_of(size, &fl, &sl);
    if (fl >= FL_COUNT) return NULL;
    for (char *b = h->lists[fl][sl]; b != NULL; b = link_next(b))
        if ((hdr_get(b) & SIZE_MASK) >= size) return b;
    return NULL;
}

/* The page-heap block for a request of 'n' bytes: the header, then 'n' rounded up to 16 (what
 * heap_in_use counts and ASan unpoisons), keeping the next header 8 bytes before a multiple of
 * 16. */
static inline size_t large_size(size_t n)
{
    return round16(n) + 16;
}

/* --- slabs --- */

static inline struct slab *slab_of(const void *p)
{
    return (struct slab *)((uintptr_t)p & ~(uintptr_t)(SLAB_BYTES - 1));
}

static inline uint32_t slab_blocks(uint32_t size)
{
    return (SLAB_BYTES - HDR - SLAB_HDR) / size;
}

/* Where free block 'b' can hold a slab: the highest SLAB_BYTES-aligned payload address with
 * room for the slab and, behind it and in front of it, for nothing or a free block; NULL when
 * there is none. The highest, because large blocks are cut from the low end of a free block
 * (block_use): slabs gather at the top of free space and large blocks at the bottom, so the
 * slabs that live objects keep do not break up the room large blocks need. The slab starts at
 * most 2 * SLAB_BYTES + MIN_BLOCK - 16 bytes below the end of 'b' (one page back when the room
 * left behind it would be too small for a block), hence SLAB_SURE. */
static char *slab_fit(const char *b)
{
    size_t size = hdr_get(b) & SIZE_MASK;
    if (size < SLAB_BYTES) return NULL;
    uintptr_t lo = (uintptr_t)b, end = lo + size; /* 'end': the payload address after 'b' */
    uintptr_t at = (end - SLAB_BYTES) & ~(uintptr_t)(SLAB_BYTES - 1);
    if (end - (at + SLAB_BYTES) != 0 && end - (at + SLAB_BYTES) < MIN_BLOCK) at -= SLAB_BYTES;
    if (at < lo || (at != lo && at - lo < MIN_BLOCK)) return NULL;
    return (char *)at;
}

/* Walks the free lists that may hold a slab, smallest first, looking at no more than 'limit'
 * blocks; returns a block that fits and its slab address in '*at', or NULL. */
static char *slab_scan(struct heap *h, size_t limit, char **at)
{
    unsigned fl, sl;
    list_of(SLAB_BYTES, &fl, &sl);
    for (; fl < FL_COUNT; fl++, sl = 0) {
        uint32_t slm = h->sl_map[fl] & (~0u << sl);
        for (; slm != 0; slm &= slm - 1) {
            for (char *b = h->lists[fl][__builtin_ctz(slm)]; b != NULL; b = link_next(b)) {
                if ((*at = slab_fit(b)) != NULL) return b;
                if (--limit == 0) return NULL;
            }
        }
    }
    return NULL;
}

/* Room for a slab: first a hole a freed slab left (a few blocks near the slab's size); then
 * a block large enough to hold a slab wherever it starts; then, memory being short, every
 * block that might. Returns the slab's address, its page-heap block in use. */
static char *slab_place(struct heap *h)
{
    char *at = NULL;
    char *b = slab_scan(h, 8, &at);
    if (b == NULL && (b = block_find(h, SLAB_SURE)) != NULL)
        at = slab_fit(b); /* never NULL: a block of SLAB_SURE bytes always holds a slab */
    if (b == NULL) b = slab_scan(h, SIZE_MAX, &at);
    if (b == NULL) return NULL;
    list_remove(h, b);
    size_t size = hdr_get(b) & SIZE_MASK, front = (size_t)(at - b);
    if (front != 0) {
        hdr_set(at, size - front);
        block_use(h, at, SLAB_BYTES);
        block_make_free(h, b, front); /* also marks the slab's header PREV_FREE */
    } else {
        block_use(h, at, SLAB_BYTES);
    }
    return at;
}

/* A slab's header, copied out and back (it is poisoned at rest under ASan). */
static struct slab slab_read(const struct slab *s)
{
    UNPOISON(s, SLAB_HDR);
    struct slab v = *s;
    POISON(s, SLAB_HDR);
    return v;
}

static void slab_write(struct slab *s, struct slab v)
{
    UNPOISON(s, SLAB_HDR);
    *s = v;
    POISON(s, SLAB_HDR);
}

static bool slab_empty(const struct slab *s)
{
    struct slab v = slab_read(s);
    return v.nfree == slab_blocks(v.size);
}

/* Gives the blocks kept on the quick lists back to the page heap, merged. Returns whether
 * there were any. */
static bool quick_flush(struct heap *h)
{
    if (h->quick_bytes == 0) return false;
    for (unsigned q = 0; q < NQUICK; q++) {
        for (char *b = h->quick[q], *next; b != NULL; b = next) {
            next = link_next(b);
            block_free(h, b);
        }
        h->quick[q] = NULL;
    }
    h->quick_bytes = 0;
    return true;
}

/* Frees the quick lists' blocks and every wholly free slab into the page heap. Returns whether
 * it freed any. The slabs are skipped when their free blocks do not add up to half a slab,
 * since then none can be wholly free. */
static bool reclaim(struct heap *h)
{
    bool flushed = quick_flush(h);
    size_t small_in_use = h->in_use - h->large_in_use;
    if (h->small_cap - small_in_use < SLAB_BYTES / 2) return flushed;
    for (struct slab *s = h->slabs; s != NULL;) {
        struct slab v = slab_read(s);
        v.nfree = 0;
        slab_write(s, v);
        s = v.next;
    }
    for (unsigned c = 0; c < NSMALL; c++) {
        for (char *f = (char *)h->small[c]; f != NULL; f = link_next(f)) {
            struct slab v = slab_read(slab_of(f));
            v.nfree++;
            slab_write(slab_of(f), v);
        }
    }
    for (unsigned c = 0; c < NSMALL; c++) {
        char *prev = NULL;
        for (char *f = (char *)h->small[c], *next; f != NULL; f = next) {
            next = link_next(f);
            if (!slab_empty(slab_of(f)))
                prev = f;
            else if (prev != NULL)
                link_next_set(prev, next);
            else
                h->small[c] = (struct freeblk *)next;
        }
    }
    bool freed = false;
    struct slab *prev = NULL;
    for (struct slab *s = h->slabs, *next; s != NULL; s = next) {
        struct slab v = slab_read(s);
        next = v.next;
        if (v.nfree != slab_blocks(v.size)) {
            prev = s;
            continue;
        }
        if (prev != NULL) {
            struct slab pv = slab_read(prev);
            pv.next = next;
            slab_write(prev, pv);
        } else {
            h->slabs = next;
        }
        h->nslabs--;
        h->small_cap -= (size_t)slab_blocks(v.size) * v.size;
        POISON(s, SLAB_BYTES - HDR);
        block_free(h, (char *)s);
        freed = true;
    }
    return freed || flushed;
}

/* Cuts a new slab into blocks of class 'c', all pushed on its free list (lowest address first
 * out). Returns false when the page heap has no room even after reclaim(). */
static bool slab_new(struct heap *h, unsigned c)
{
    char *at = slab_place(h);
    if (at == NULL && reclaim(h)) at = slab_place(h);
    if (at == NULL) return false;
    struct slab *s = (struct slab *)at;
    uint32_t size = (c + 1) * 16, n = slab_blocks(size);
    slab_write(s, (struct slab){.next = h->slabs, .size = size, .nfree = 0});
    h->slabs = s;
    h->nslabs++;
    h->small_cap += (size_t)n * size;
    char *first = at + SLAB_HDR;
    char *head = (char *)h->small[c];
    for (uint32_t i = n; i-- > 0;) {
        char *f = first + (size_t)i * size;
        link_next_set(f, head);
        head = f;
    }
    h->small[c] = (struct freeblk *)head;
    return true;
}

/* --- the interface (core.h) --- */

struct heap *heap_init(void *mem, size_t bytes, size_t *used)
{
    /* vm_init has checked bytes >= VM_HEAP_MIN, far more than struct heap. */
    if (bytes > HEAP_MAX) bytes = HEAP_MAX;
    struct heap *h = mem;
    memset(h, 0, sizeof *h);
    char *lo = (char *)(((uintptr_t)mem + sizeof *h + HDR + 15) & ~(uintptr_t)15);
    char *hi = (char *)(((uintptr_t)mem + bytes) & ~(uintptr_t)15);
    *used = (size_t)(lo - HDR - (char *)mem);
    POISON(lo - HDR, (size_t)(hi - (lo - HDR)));
    /* The block at 'hi' is a sentinel: size 0, never free, so merging stops there. */
    hdr_set(hi, 0);
    if ((size_t)(hi - lo) >= MIN_BLOCK) block_make_free(h, lo, (size_t)(hi - lo));
    h->max_request = (size_t)(hi - lo);
    return h;
}

/* The paths heap_alloc and heap_free leave: a class whose list is empty, a block over
 * SMALL_MAX, and a request of 0 bytes (served as 16, as the fast paths' class arithmetic
 * leaves it out). Kept out of line so the fast paths need no saved registers. */
static __attribute__((noinline)) void *alloc_slow(struct heap *h, size_t n)
{
    if (n <= SMALL_MAX) {
        size_t c = n == 0 ? 0 : (n - 1) >> 4, r = (c + 1) * 16;
        if (h->small[c] == NULL && !slab_new(h, (unsigned)c)) return NULL;
        struct freeblk *f = h->small[c];
        UNPOISON(f, r);
        h->small[c] = f->next;
        h->in_use += r;
        return f;
    }
    size_t r = round16(n);
    if (n <= QUICK_MAX) {
        size_t q = (n - SMALL_MAX - 1) >> 4;
        char *b = h->quick[q];
        if (b != NULL) {
            h->quick[q] = link_next(b);
            h->quick_bytes -= hdr_get(b) & SIZE_MASK;
            UNPOISON(b, r);
            h->in_use += r;
            h->large_in_use += r;
            return b;
        }
    }
    if (n > h->max_request) return NULL;
    size_t size = large_size(n);
    char *b = block_find(h, size);
    if (b == NULL && reclaim(h)) b = block_find(h, size);
    if (b == NULL) return NULL;
    list_remove(h, b);
    block_use(h, b, size);
    UNPOISON(b, r);
    h->in_use += r;
    h->large_in_use += r;
    return b;
}

static __attribute__((noinline)) void free_slow(struct heap *h, void *p, size_t n)
{
    if (n == 0) {
        heap_free(h, p, 16);
        return;
    }
    size_t hd = hdr_get(p), r = round16(n);
    if ((hd & FREE) || (hd & SIZE_MASK) < large_size(n))
        plat_panic("heap: large block freed twice or with a wrong size");
#if defined(__SANITIZE_ADDRESS__)
    memset(p, 0xdd, r); /* as heap_free does for small blocks */
#endif
    POISON(p, r);
    h->in_use -= r;
    h->large_in_use -= r;
    if (n <= QUICK_MAX) {
        size_t q = (n - SMALL_MAX - 1) >> 4;
        link_next_set(p, h->quick[q]);
        h->quick[q] = p;
        h->quick_bytes += hd & SIZE_MASK;
        return;
    }
    block_free(h, p);
}

void *heap_alloc(struct heap *h, size_t n)
{
    /* n - 1 wraps for n == 0, which takes the slow path. */
    if (n - 1 < SMALL_MAX) {
        size_t c = (n - 1) >> 4, r = (c + 1) * 16;
        struct freeblk *f = h->small[c];
        if (f != NULL) {
            UNPOISON(f, r);
            h->small[c] = f->next;
            h->in_use += r;
            return f;
        }
    }
    return alloc_slow(h, n);
}

void heap_free(struct heap *h, void *p, size_t n)
{
    if (p == NULL) return;
    if (n - 1 >= SMALL_MAX) {
        free_slow(h, p, n);
        return;
    }
    size_t c = (n - 1) >> 4, r = (c + 1) * 16;
#if defined(__SANITIZE_ADDRESS__)
    if (slab_read(slab_of(p)).size != r) plat_panic("heap: small block freed with a wrong size");
    /* Poison the bytes too: a stale read the sanitizer misses still sees garbage, not data.
     * Optimised builds skip it: it cost 6% of binary-trees' instructions. */
    memset(p, 0xdd, r);
#endif
    struct freeblk *f = p;
    f->next = h->small[c];
    h->small[c] = f;
    POISON(p, r);
    h->in_use -= r;
}

size_t heap_in_use(const struct heap *h)
{
    return h->in_use;
}

void heap_stats(const struct heap *h, struct heap_stats *st)
{
    st->in_use = h->in_use;
    st->free_bytes = h->free_bytes;
    st->slabs = h->nslabs;
    st->largest_free = 0;
    if (h->fl_map == 0) return;
    unsigned fl = msb(h->fl_map);
    for (uint32_t slm = h->sl_map[fl]; slm != 0; slm &= slm - 1)
        for (char *b = h->lists[fl][__builtin_ctz(slm)]; b != NULL; b = link_next(b))
            if ((hdr_get(b) & SIZE_MASK) - 16 > st->largest_free)
                st->largest_free = (hdr_get(b) & SIZE_MASK) - 16;
}
