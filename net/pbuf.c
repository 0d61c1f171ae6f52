/* The packet buffer pool: a fixed set of PBUF_SIZE buffers allocated once from platform pages,
 * each owned by exactly one of pool, device or net at a time (enum pbuf_owner, net/net.h).
 * Entry points: pbuf_pool_init, pbuf_take, pbuf_give, pbuf_free, pbuf_pool_free,
 * pbuf_pool_size.
 *
 * Free buffers form a stack through 'next', so the buffer freed last, still warm in the cache,
 * is the next one taken. */
#include "net/net.h"

#include "kernel/platform.h"

static struct pbuf *descs; /* pool_size descriptors; platform pages, never freed */
static unsigned pool_size;
static unsigned pool_nfree;
static struct pbuf *free_top; /* top of the free stack, or NULL when the pool is dry */

static size_t pages_for(size_t bytes)
{
    return (bytes + PLAT_PAGE_SIZE - 1) / PLAT_PAGE_SIZE;
}

int pbuf_pool_init(unsigned n)
{
    _Static_assert(PLAT_PAGE_SIZE % PBUF_SIZE == 0,
                   "a buffer must not straddle a page: one DMA segment each");
    _Static_assert(PBUF_FRAME_MAX <= UINT16_MAX, "'len' is 16 bits");
    if (descs != NULL) plat_panic("pbuf: pool initialised twice");
    if (n == 0) return NET_OK;
    struct pbuf *d = plat_pages_alloc(pages_for((size_t)n * sizeof *d));
    uint8_t *mem = plat_pages_alloc(pages_for((size_t)n * PBUF_SIZE));
    if (d == NULL || mem == NULL)
        return NET_NOMEM; /* pages are never given back, so a half success is simply lost */
    descs = d;
    pool_size = n;
    pool_nfree = n;
    free_top = NULL;
    for (unsigned i = n; i-- > 0;) {
        d[i].head = mem + (size_t)i * PBUF_SIZE;
        d[i].data = d[i].head + PBUF_HEADROOM;
        d[i].len = 0;
        d[i].owner = PBUF_POOL;
        d[i].next = free_top;
        free_top = &d[i];
    }
    return NET_OK;
}

/* Panics unless 'b' is one of the pool's descriptors: a stray pointer is our bug. */
static void check_ours(const struct pbuf *b)
{
    if (b == NULL || descs == NULL || b < descs || b >= descs + pool_size)
        plat_panic("pbuf: not a pool buffer");
}

struct pbuf *pbuf_take(enum pbuf_owner owner)
{
    if (owner == PBUF_POOL) plat_panic("pbuf: take for the pool");
    struct pbuf *b = free_top;
    if (b == NULL) return NULL;
    free_top = b->next;
    pool_nfree--;
    b->owner = (uint8_t)owner;
    b->data = b->head + PBUF_HEADROOM;
    b->len = 0;
    b->next = NULL;
    return b;
}

void pbuf_give(struct pbuf *b, enum pbuf_owner from, enum pbuf_owner to)
{
    check_ours(b);
    if (b->owner != from || from == PBUF_POOL) plat_panic("pbuf: wrong owner");
    if (to == PBUF_POOL) plat_panic("pbuf: give to the pool (use pbuf_free)");
    b->owner = (uint8_t)to;
}

void pbuf_free(struct pbuf *b, enum pbuf_owner from)
{
    check_ours(b);
    /* from == PBUF_POOL would be a double free. */
    if (b->owner != from || from == PBUF_POOL) plat_panic("pbuf: wrong owner");
    b->owner = PBUF_POOL;
    b->len = 0;
    b->next = free_top;
    free_top = b;
    pool_nfree++;
}

unsigned pbuf_pool_free(void)
{
    return pool_nfree;
}

unsigned pbuf_pool_size(void)
{
    return pool_size;
}
