/* The stack's shared state: configuration, counters, the output queue and timers. Entry
 * points: net_init, net_input, net_output_take, net_output_return, net_timers,
 * net_next_deadline, net_counter, net_stats_each (net/net.h), and for the protocol files
 * net_count, net_drop, net_buf_take, net_output_queue, net_ip_is_broadcast (net/stack.h). */
#include "net/net.h"

#include <string.h>

#include "kernel/platform.h"
#include "net/stack.h"

struct net_config net_cfg;

static uint64_t counters[NET_COUNTER_COUNT];

static const char *const counter_names[NET_COUNTER_COUNT] = {
#define NET_COUNTER_NAME(id, name) name,
    NET_COUNTERS(NET_COUNTER_NAME)
#undef NET_COUNTER_NAME
};

/* Frames waiting for the device, oldest first; every one owned by PBUF_NET. */
static struct pbuf *out_head;
static struct pbuf *out_tail;

/* A netmask is a run of ones followed by a run of zeros. RFC 950 still allowed others; no
 * stack in use accepts them, and neither do we. */
static bool mask_is_contiguous(uint32_t mask)
{
    uint32_t host = ~mask;
    return (host & (host + 1)) == 0;
}

/* Whether 'ip' can be a host's unicast address at all: not 0.0.0.0/8 ("this network"),
 * 127.0.0.0/8 (loopback), nor 224.0.0.0/4 and above (multicast, reserved, broadcast); RFC 1122
 * §3.2.1.3. */
static bool ip_is_unicast(uint32_t ip)
{
    uint32_t first = ip >> 24;
    return first != 0 && first != 127 && first < 224;
}

static bool config_valid(const struct net_config *cfg)
{
    if (!ip_is_unicast(cfg->ip) || !mask_is_contiguous(cfg->netmask)) return false;
    if (cfg->gw != 0 && (cfg->gw == cfg->ip || ((cfg->gw ^ cfg->ip) & cfg->netmask) != 0))
        return false;
    /* Outside a /31 or /32 (RFC 3021), the all-zeros and all-ones host parts name the subnet
     * and its broadcast (RFC 1122 §3.2.1.3), never one host. */
    uint32_t host = ~cfg->netmask;
    if (host > 1) {
        if ((cfg->ip & host) == 0 || (cfg->ip & host) == host) return false;
        if (cfg->gw != 0 && ((cfg->gw & host) == 0 || (cfg->gw & host) == host)) return false;
    }
    return true;
}

static void output_free_all(void)
{
    while (out_head != NULL) {
        struct pbuf *b = out_head;
        out_head = b->next;
        b->next = NULL;
        pbuf_free(b, PBUF_NET);
    }
    out_tail = NULL;
}

int net_init(const struct net_config *cfg, uint64_t now_ns)
{
    (void)now_ns; /* nothing is timed from start-up yet; the announcement goes out at once */
    if (!config_valid(cfg)) return NET_EINVAL;
    output_free_all();
    arp_init();
    ip4_init();
    memset(counters, 0, sizeof counters);
    net_cfg = *cfg;
    arp_announce();
    return NET_OK;
}

void net_input(struct pbuf *frame, uint64_t now_ns)
{
    if (frame->owner != PBUF_NET) plat_panic("pbuf: wrong owner");
    counters[NET_RX_FRAMES]++;
    frame->next = NULL;
    eth_input(frame, now_ns);
}

int net_output_take(struct pbuf **frames, int max)
{
    int n = 0;
    while (n < max && out_head != NULL) {
        struct pbuf *b = out_head;
        out_head = b->next;
        b->next = NULL;
        frames[n++] = b;
    }
    if (out_head == NULL) out_tail = NULL;
    return n;
}

void net_output_return(struct pbuf **frames, int n)
{
    for (int i = n; i-- > 0;) {
        struct pbuf *b = frames[i];
        if (b->owner != PBUF_NET) plat_panic("pbuf: wrong owner");
        b->next = out_head;
        out_head = b;
        if (out_tail == NULL) out_tail = b;
    }
}

void net_timers(uint64_t now_ns)
{
    arp_timers(now_ns);
}

uint64_t net_next_deadline(void)
{
    return arp_next_deadline();
}

uint64_t net_counter(enum net_counter c)
{
    return counters[c];
}

void net_stats_each(void (*fn)(const char *name, uint64_t value, void *arg), void *arg)
{
    for (int c = 0; c < NET_COUNTER_COUNT; c++)
        fn(counter_names[c], counters[c], arg);
}

void net_count(enum net_counter c)
{
    counters[c]++;
}

/* Writes "net: <reason> len=<bytes>\n" to the console. Formatted by hand: one decimal number
 * does not justify pulling printf's machinery into the kernel. */
static void trace_drop(enum net_counter reason, unsigned len)
{
    char line[80];
    size_t n = 0;
    const char *name = counter_names[reason];
    static const char head[] = "net: ";
    static const char mid[] = " len=";
    memcpy(line, head, sizeof head - 1);
    n = sizeof head - 1;
    size_t name_len = strlen(name);
    memcpy(line + n, name, name_len);
    n += name_len;
    memcpy(line + n, mid, sizeof mid - 1);
    n += sizeof mid - 1;
    char digits[10];
    size_t nd = 0;
    do {
        digits[nd++] = (char)('0' + len % 10);
        len /= 10;
    } while (len != 0);
    while (nd > 0)
        line[n++] = digits[--nd];
    line[n++] = '\n';
    plat_console_write(line, n);
}

void net_drop(struct pbuf *b, enum net_counter reason)
{
    counters[reason]++;
    if (net_cfg.trace) trace_drop(reason, b->len);
    pbuf_free(b, PBUF_NET);
}

struct pbuf *net_buf_take(void)
{
    struct pbuf *b = pbuf_take(PBUF_NET);
    if (b == NULL) {
        counters[NET_DROP_NO_BUFFER]++;
        if (net_cfg.trace) trace_drop(NET_DROP_NO_BUFFER, 0);
    }
    return b;
}

void net_output_queue(struct pbuf *b)
{
    if (b->len < ETH_FRAME_MIN) {
        /* Our frames start at most PBUF_HEADROOM into the buffer, so 60 bytes always fit. */
        if (b->data + ETH_FRAME_MIN > b->head + PBUF_SIZE)
            plat_panic("net: no room to pad a frame");
        memset(b->data + b->len, 0, ETH_FRAME_MIN - b->len);
        b->len = ETH_FRAME_MIN;
    }
    b->next = NULL;
    if (out_tail == NULL)
        out_head = b;
    else
        out_tail->next = b;
    out_tail = b;
    counters[NET_TX_FRAMES]++;
}

bool net_ip_is_broadcast(uint32_t ip)
{
    if (ip == IP4_BROADCAST) return true;
    /* A /31 or /32 has no broadcast address (RFC 3021 §2.2). */
    if (net_cfg.netmask >= 0xfffffffeu) return false;
    return ip == (net_cfg.ip | ~net_cfg.netmask);
}
