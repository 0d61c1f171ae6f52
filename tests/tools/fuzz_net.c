/* fuzz_net: a deterministic mutation fuzzer for the network stack's input path.
 *
 *   fuzz_net SEED ITERATIONS [PCAP...]
 *
 * Feeds ITERATIONS frames to net_input(), each a valid ARP or IPv4/ICMP frame (built in below,
 * plus every Ethernet frame of the PCAPs, such as traces/ping.pcap and traces/malformed-*.pcap)
 * changed by one to four mutations: bit flips, bytes and 16-bit words set to boundary values,
 * truncation, extension, length fields (IHL, total length, ARP sizes) set to the values around
 * the real length, addresses swapped for ours, broadcast, multicast or strangers, and splices
 * from another frame. Half the frames then get their IPv4 and ICMP checksums fixed up, so that
 * they pass the checksum tests and reach the layers above. After every frame it checks:
 *   - rx_frames equals the frames fed, and tx_frames the frames taken from the output queue;
 *   - every output frame is well formed: 60..1514 bytes, from our MAC, ARP with our addresses as
 *     sender, or IPv4 with a valid header checksum, TTL 64, from our address, carrying an ICMP
 *     echo reply with a valid checksum;
 *   - no buffer is lost: once the output is drained and freed, pbuf_pool_free() ==
 *     pbuf_pool_size(). net/ holds no frame across calls today (an echo reply goes back to the
 *     requester's MAC without ARP, and nothing else calls ip4_output yet); when a layer starts
 *     holding packets while ARP resolves (arp_ip4_output), the exact check belongs only at the
 *     settle points, where the clock is run on through every ARP retry and expiry (one frame
 *     in 16, and after the last) and nothing can be held any more;
 *   - no sanitizer report and no panic (the tool is built with ASan and UBSan).
 * Everything is a function of SEED and the corpus, so a failure is reproduced by running the
 * same command again. The frames run in a child process, so that a panic (_exit(3)) or a
 * sanitizer report, which end the process, still leave the parent to print the seed, the
 * iteration and the frame. Exit status: 0 all invariants held, 1 a violation, 2 bad usage.
 *
 * Addresses are those of the traces: skiff is 10.99.0.2/24 at 02:53:4b:49:46:46, gateway and
 * client 10.99.0.1 at 02:63:6c:69:65:6e.
 */
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/net.h"
#include "net/stack.h"
#include "tests/net/frames.h"

#define POOL_BUFS 64 /* the least bufs= allows (kernel/kernel.h) */
#define CORPUS_MAX 4096
#define OUT_MAX 256 /* output frames taken at once; more than the pool holds */

static const uint8_t our_mac[6] = {0x02, 0x53, 0x4b, 0x49, 0x46, 0x46};
static const uint8_t client_mac[6] = {0x02, 0x63, 0x6c, 0x69, 0x65, 0x6e};
static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mcast_mac[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
static const uint8_t zero_mac[6] = {0};
#define OUR_IP 0x0a630002u    /* 10.99.0.2 */
#define CLIENT_IP 0x0a630001u /* 10.99.0.1, also the gateway */
#define NETMASK 0xffffff00u
#define NEIGHBOUR_IP 0x0a630007u /* 10.99.0.7: on the subnet, never announced */
#define FAR_IP 0x0a620005u       /* 10.98.0.5: off the subnet, reached through the gateway */
#define SUBNET_BCAST 0x0a6300ffu

/* ---- what the child shares with the parent: where it is, for the report ---- */

/* One page of shared memory, written by the child before each frame, read by the parent if
 * the child dies. */
struct progress {
    uint64_t iteration; /* the frame being fed, from 0 */
    uint16_t len;       /* that frame's length */
    uint8_t frame[PBUF_FRAME_MAX];
    bool done;           /* the child finished the loop: any later death is not a frame's doing */
    char why[256];       /* the invariant the child found broken, if any */
    char counters[1024]; /* at the end: " name=value" for every counter that moved */
};

static struct progress *progress;
static uint64_t seed;

/* ---- deterministic pseudo-random numbers (splitmix64: good enough, one line, no libc) ---- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A number in [0, n). */
static unsigned rng_below(unsigned n)
{
    return (unsigned)(rng_next() % n);
}

/* ---- frames, built with tests/net/frames.h (not net/'s code), so a wrong routine cannot
 * agree with itself ---- */

struct frame {
    uint16_t len;
    uint8_t b[PBUF_FRAME_MAX];
};

static struct frame corpus[CORPUS_MAX];
static unsigned corpus_len;

static struct frame *corpus_add(void)
{
    if (corpus_len == CORPUS_MAX) {
        fprintf(stderr, "fuzz_net: more than %d corpus frames\n", CORPUS_MAX);
        exit(2);
    }
    struct frame *f = &corpus[corpus_len++];
    memset(f, 0, sizeof *f);
    return f;
}

static void eth_put(struct frame *f, const uint8_t *dst, const uint8_t *src, unsigned type)
{
    fx_eth(f->b, dst, src, type);
}

static void arp_add(const uint8_t *eth_dst, unsigned op, uint32_t spa, const uint8_t *tha,
                    uint32_t tpa, bool padded)
{
    struct frame *f = corpus_add();
    size_t len = fx_arp(f->b, eth_dst, op, client_mac, spa, tha, tpa);
    f->len = (uint16_t)(padded ? 60 : len);
}

/* An echo request from 'src' to 'dst' with 'opt_words' words of NOP options and 'n' bytes of
 * data. */
static void echo_add(uint32_t src, uint32_t dst, unsigned opt_words, size_t n, unsigned frag)
{
    struct frame *f = corpus_add();
    eth_put(f, our_mac, client_mac, 0x0800);
    uint8_t *ip = f->b + 14;
    size_t hl = 20 + 4 * opt_words;
    ip[0] = (uint8_t)(0x40 | hl / 4);
    put16(ip + 2, (unsigned)(hl + 8 + n));
    put16(ip + 4, corpus_len);
    put16(ip + 6, frag);
    ip[8] = 64;
    ip[9] = 1;
    put32(ip + 12, src);
    put32(ip + 16, dst);
    memset(ip + 20, 1, hl - 20); /* IP option 1 is No Operation, RFC 791 */
    put16(ip + 10, sum16(ip, hl));
    uint8_t *m = ip + hl;
    m[0] = 8;
    put16(m + 4, 0x534b);
    put16(m + 6, corpus_len);
    for (size_t i = 0; i < n; i++)
        m[8 + i] = (uint8_t)(i * 7 + 3);
    put16(m + 2, sum16(m, 8 + n));
    f->len = (uint16_t)(14 + hl + 8 + n);
}

static void corpus_builtin(void)
{
    static const uint8_t none[6] = {0};
    arp_add(bcast_mac, 1, CLIENT_IP, none, OUR_IP, false);        /* who has us? */
    arp_add(bcast_mac, 1, CLIENT_IP, none, OUR_IP, true);         /* the same, padded to 60 */
    arp_add(our_mac, 2, CLIENT_IP, our_mac, OUR_IP, false);       /* the client's answer to us */
    arp_add(our_mac, 2, NEIGHBOUR_IP, our_mac, OUR_IP, true);     /* a neighbour's answer */
    arp_add(bcast_mac, 1, CLIENT_IP, none, CLIENT_IP, true);      /* the client's announcement */
    arp_add(bcast_mac, 1, NEIGHBOUR_IP, none, 0x0a630009u, true); /* about someone else */
    echo_add(CLIENT_IP, OUR_IP, 0, 0, 0);
    echo_add(CLIENT_IP, OUR_IP, 0, 56, 0x4000);
    echo_add(CLIENT_IP, OUR_IP, 0, 1472, 0); /* a 1514-byte frame, the largest */
    echo_add(CLIENT_IP, OUR_IP, 1, 24, 0);
    echo_add(CLIENT_IP, OUR_IP, 10, 16, 0); /* the longest header, IHL 15 */
    echo_add(NEIGHBOUR_IP, OUR_IP, 0, 32, 0);
    echo_add(FAR_IP, OUR_IP, 0, 32, 0);
    echo_add(CLIENT_IP, SUBNET_BCAST, 0, 8, 0);
    echo_add(CLIENT_IP, OUR_IP, 0, 8, 0x2000); /* a first fragment */
}

/* Adds every Ethernet frame of 'path' that fits a buffer. Returns false if it cannot be read. */
static bool corpus_load(const char *path)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, err);
    if (p == NULL) {
        fprintf(stderr, "fuzz_net: %s: %s\n", path, err);
        return false;
    }
    if (pcap_datalink(p) != DLT_EN10MB) {
        fprintf(stderr, "fuzz_net: %s: not an Ethernet trace\n", path);
        pcap_close(p);
        return false;
    }
    struct pcap_pkthdr *h;
    const u_char *bytes;
    int r;
    while ((r = pcap_next_ex(p, &h, &bytes)) == 1) {
        if (h->caplen > PBUF_FRAME_MAX) continue; /* giants: EXTEND makes its own */
        struct frame *f = corpus_add();
        memcpy(f->b, bytes, h->caplen);
        f->len = (uint16_t)h->caplen;
    }
    bool ok = r == PCAP_ERROR_BREAK;
    if (!ok) fprintf(stderr, "fuzz_net: %s: %s\n", path, pcap_geterr(p));
    pcap_close(p);
    return ok;
}

/* ---- mutations ---- */

enum mutation {
    MUT_FLIP,     /* one bit */
    MUT_BYTE,     /* one byte to a boundary value */
    MUT_WORD,     /* one 16-bit word to a boundary value */
    MUT_TRUNCATE, /* cut short, often at a header's edge */
    MUT_EXTEND,   /* lengthened with zeros or noise, up to a buffer's worth */
    MUT_LENFIELD, /* a length field to a value around the real length */
    MUT_ADDRESS,  /* a MAC or IPv4 address to one the stack treats specially */
    MUT_SPLICE,   /* a span copied from another corpus frame */
    MUT_COUNT
};

/* Where a mutation lands: the first 64 bytes (the headers) half the time. */
static unsigned pick_offset(unsigned len)
{
    if (len == 0) return 0;
    if (rng_below(2) == 0 && len > 64) return rng_below(64);
    return rng_below(len);
}

static void set_length(struct frame *f, unsigned len)
{
    if (len > PBUF_FRAME_MAX) len = PBUF_FRAME_MAX;
    if (len > f->len) memset(f->b + f->len, 0, len - f->len);
    f->len = (uint16_t)len;
}

static void mutate_lenfield(struct frame *f)
{
    unsigned payload = f->len > 14 ? f->len - 14u : 0;
    switch (rng_below(4)) {
    case 0: { /* IPv4 total length, RFC 791 §3.1 */
        static const unsigned fixed[] = {0, 1, 19, 20, 21, 27, 28, 29, 0x7fff, 0xffff};
        unsigned v;
        switch (rng_below(3)) {
        case 0:
            v = fixed[rng_below(sizeof fixed / sizeof fixed[0])];
            break;
        case 1:
            v = payload + rng_below(5) - 2;
            break;
        default:
            v = rng_below(0x10000);
            break;
        }
        if (f->len >= 18) put16(f->b + 16, v & 0xffff);
        break;
    }
    case 1: /* IHL: any of 0..15 words */
        if (f->len >= 15) f->b[14] = (uint8_t)((f->b[14] & 0xf0) | rng_below(16));
        break;
    case 2: /* ARP hardware and protocol address lengths, RFC 826 */
        if (f->len >= 20) f->b[18 + rng_below(2)] = (uint8_t)rng_below(3) * 3 + 3; /* 3, 6, 9 */
        break;
    default: /* IPv4 flags and fragment offset */
        if (f->len >= 22) {
            static const unsigned frag[] = {0, 0x4000, 0x2000, 0x0001, 0x1fff, 0x8000, 0xffff};
            put16(f->b + 20, frag[rng_below(sizeof frag / sizeof frag[0])]);
        }
        break;
    }
}

static void mutate_address(struct frame *f)
{
    static const uint32_t ips[] = {OUR_IP,      CLIENT_IP, NEIGHBOUR_IP, FAR_IP,     SUBNET_BCAST,
                                   0xffffffffu, 0,         0xe0000001u,  0x7f000001u};
    const uint8_t *macs[] = {our_mac, client_mac, bcast_mac, mcast_mac, zero_mac};
    uint32_t ip = ips[rng_below(sizeof ips / sizeof ips[0])];
    const uint8_t *mac = macs[rng_below(sizeof macs / sizeof macs[0])];
    /* Offsets of the addresses: Ethernet dst, src; IPv4 src, dst; ARP sha, spa, tha, tpa. */
    static const struct {
        unsigned off;
        bool is_mac;
    } where[] = {{0, true},  {6, true},   {26, false}, {30, false},
                 {22, true}, {28, false}, {32, true},  {38, false}};
    unsigned w = rng_below(sizeof where / sizeof where[0]);
    unsigned off = where[w].off;
    if (where[w].is_mac) {
        if (off + 6 <= f->len) memcpy(f->b + off, mac, 6);
    } else if (off + 4 <= f->len) {
        put32(f->b + off, ip);
    }
}

static void mutate(struct frame *f)
{
    switch ((enum mutation)rng_below(MUT_COUNT)) {
    case MUT_FLIP:
        if (f->len > 0) f->b[pick_offset(f->len)] ^= (uint8_t)(1u << rng_below(8));
        break;
    case MUT_BYTE: {
        static const uint8_t v[] = {0, 1, 0x7f, 0x80, 0xfe, 0xff};
        if (f->len > 0) f->b[pick_offset(f->len)] = v[rng_below(sizeof v)];
        break;
    }
    case MUT_WORD: {
        static const unsigned v[] = {0, 1, 0x7fff, 0x8000, 0xfffe, 0xffff};
        if (f->len >= 2) put16(f->b + pick_offset(f->len - 1), v[rng_below(6)]);
        break;
    }
    case MUT_TRUNCATE: {
        /* The edges: Ethernet header, IPv4 minimum header, ICMP header, ARP, Ethernet minimum. */
        static const unsigned edge[] = {0, 1, 13, 14, 15, 33, 34, 35, 41, 42, 43, 59, 60};
        unsigned len = rng_below(2) == 0 ? edge[rng_below(sizeof edge / sizeof edge[0])]
                                         : rng_below(f->len + 1u);
        if (len < f->len) f->len = (uint16_t)len;
        break;
    }
    case MUT_EXTEND: {
        static const unsigned edge[] = {60, 1514, 1515, PBUF_FRAME_MAX};
        unsigned old = f->len;
        unsigned len = rng_below(2) == 0 ? edge[rng_below(4)] : old + rng_below(64) + 1;
        set_length(f, len);
        if (rng_below(2) == 0) {
            for (unsigned i = old; i < f->len; i++)
                f->b[i] = (uint8_t)rng_next();
        }
        break;
    }
    case MUT_LENFIELD:
        mutate_lenfield(f);
        break;
    case MUT_ADDRESS:
        mutate_address(f);
        break;
    case MUT_SPLICE: {
        const struct frame *o = &corpus[rng_below(corpus_len)];
        if (o->len == 0) break;
        unsigned off = rng_below(o->len);
        unsigned n = 1 + rng_below(o->len - off);
        if (off + n > f->len) set_length(f, off + n);
        if (off < f->len) memcpy(f->b + off, o->b + off, f->len - off < n ? f->len - off : n);
        break;
    }
    case MUT_COUNT:
        break;
    }
}

/* Recomputes the IPv4 header checksum and the ICMP checksum over whatever the (possibly
 * mutated) length fields say, as far as the frame reaches: the frame then fails only the
 * checks the mutation was aimed at. */
static void checksums_fix(struct frame *f)
{
    if (f->len < 34 || get16(f->b + 12) != 0x0800) return;
    uint8_t *ip = f->b + 14;
    unsigned hl = (ip[0] & 0x0fu) * 4;
    if (hl < 20 || 14 + hl > f->len) return;
    put16(ip + 10, 0);
    put16(ip + 10, sum16(ip, hl));
    if (ip[9] != 1) return;
    unsigned total = get16(ip + 2);
    if (total > f->len - 14u) total = f->len - 14u;
    if (total < hl + 4) return;
    uint8_t *m = ip + hl;
    put16(m + 2, 0);
    put16(m + 2, sum16(m, total - hl));
}

/* ---- invariants ---- */

static struct net_config config(void)
{
    struct net_config cfg = {.ip = OUR_IP, .netmask = NETMASK, .gw = CLIENT_IP};
    memcpy(cfg.mac, our_mac, 6);
    return cfg;
}

/* Records why the run failed and ends the child with status 1. */
static _Noreturn void violation(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(progress->why, sizeof progress->why, fmt, ap);
    va_end(ap);
    _exit(1);
}

/* Checks one frame the stack queued for output. */
static void output_check(const struct pbuf *b)
{
    if (b->owner != PBUF_NET) violation("output frame owned by %u, not net", b->owner);
    if (b->data < b->head || b->data + b->len > b->head + PBUF_SIZE)
        violation("output frame outside its buffer");
    const uint8_t *p = b->data;
    if (b->len < ETH_FRAME_MIN || b->len > ETH_FRAME_MAX)
        violation("output frame of %u bytes", b->len);
    if (memcmp(p + 6, our_mac, 6) != 0) violation("output frame not from our MAC");
    unsigned type = get16(p + 12);
    if (type == 0x0806) {
        const uint8_t *a = p + 14;
        unsigned op = get16(a + 6);
        if (get16(a) != 1 || get16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4)
            violation("output ARP not Ethernet/IPv4");
        if (op != 1 && op != 2) violation("output ARP op %u", op);
        if (memcmp(a + 8, our_mac, 6) != 0 || get32(a + 14) != OUR_IP)
            violation("output ARP sender is not us");
        if (op == 1 && memcmp(p, bcast_mac, 6) != 0) violation("ARP request not broadcast");
        if (op == 2 && memcmp(p, a + 18, 6) != 0)
            violation("ARP reply sent elsewhere than its target hardware address");
        return;
    }
    if (type != 0x0800) violation("output EtherType 0x%04x", type);
    const uint8_t *ip = p + 14;
    if (ip[0] != 0x45) violation("output IPv4 version/IHL 0x%02x", ip[0]);
    if (sum16(ip, 20) != 0) violation("output IPv4 header checksum wrong");
    if (ip[8] != 64) violation("output IPv4 TTL %u", ip[8]);
    if (ip[9] != 1) violation("output IPv4 protocol %u", ip[9]);
    if (get32(ip + 12) != OUR_IP) violation("output IPv4 not from our address");
    if ((get16(ip + 6) & 0x3fff) != 0) violation("output IPv4 fragmented");
    unsigned total = get16(ip + 2);
    if (total < 28 || 14 + total > b->len) violation("output IPv4 total length %u", total);
    const uint8_t *m = ip + 20;
    /* The code is the request's, returned as is (RFC 792 changes only the type; so does
     * Linux), so only the type is checked. */
    if (m[0] != 0) violation("output ICMP type %u, not echo reply", m[0]);
    if (sum16(m, total - 20) != 0) violation("output ICMP checksum wrong");
}

static uint64_t taken; /* output frames taken from the stack so far */

/* Takes everything queued, now and then putting some back first (as a full device ring does),
 * checks each frame and returns it to the pool. */
static void output_drain(void)
{
    struct pbuf *out[OUT_MAX];
    int n = net_output_take(out, OUT_MAX);
    if (n > 1 && rng_below(8) == 0) {
        int back = 1 + (int)rng_below((unsigned)n);
        net_output_return(out + n - back, back);
        n -= back;
        n += net_output_take(out + n, OUT_MAX - n);
    }
    for (int i = 0; i < n; i++) {
        output_check(out[i]);
        pbuf_free(out[i], PBUF_NET);
    }
    taken += (uint64_t)n;
    if (net_output_take(out, 1) != 0) violation("output queue longer than %d", OUT_MAX);
}

static void counters_check(uint64_t fed)
{
    if (net_counter(NET_RX_FRAMES) != fed)
        violation("rx_frames %" PRIu64 " after %" PRIu64 " frames", net_counter(NET_RX_FRAMES),
                  fed);
    if (net_counter(NET_TX_FRAMES) != taken)
        violation("tx_frames %" PRIu64 ", %" PRIu64 " frames taken", net_counter(NET_TX_FRAMES),
                  taken);
    if (pbuf_pool_free() != pbuf_pool_size())
        violation("%u of %u buffers not in the pool with the output drained",
                  pbuf_pool_size() - pbuf_pool_free(), pbuf_pool_size());
}

/* Runs the clock on through every ARP retry and expiry, draining output as it goes; then no
 * packet can be held and every buffer must be back in the pool. Returns the new time. */
static uint64_t settle(uint64_t now)
{
    /* Each entry takes at most ARP_TRIES retries and then one expiry. */
    for (int steps = 0; steps <= ARP_CACHE_SIZE * (ARP_TRIES + 1); steps++) {
        uint64_t next = net_next_deadline();
        if (next == UINT64_MAX) {
            if (pbuf_pool_free() != pbuf_pool_size())
                violation("settled, but %u of %u buffers are not in the pool",
                          pbuf_pool_size() - pbuf_pool_free(), pbuf_pool_size());
            return now;
        }
        if (next > now) now = next;
        net_timers(now);
        output_drain();
    }
    violation("timers still pending after %d steps", ARP_CACHE_SIZE * (ARP_TRIES + 1));
}

/* ---- the run ---- */

struct summary {
    uint64_t fed;     /* frames given to net_input() */
    uint64_t fixed;   /* frames given the checksum fix-up (IPv4 ones only are changed) */
    uint64_t settles; /* settle points passed */
};

static void run(uint64_t iterations, struct summary *s)
{
    if (pbuf_pool_init(POOL_BUFS) != NET_OK) violation("pbuf_pool_init(%d)", POOL_BUFS);
    struct net_config cfg = config();
    uint64_t now = 1000000000ull;
    if (net_init(&cfg, now) != NET_OK) violation("net_init refused the configuration");
    output_drain();
    struct frame f;
    for (uint64_t i = 0; i < iterations; i++) {
        f = corpus[rng_below(corpus_len)];
        for (unsigned k = 1 + rng_below(4); k > 0; k--)
            mutate(&f);
        if (rng_below(2) == 0) {
            checksums_fix(&f);
            s->fixed++;
        }
        progress->iteration = i;
        progress->len = f.len;
        memcpy(progress->frame, f.b, f.len);

        now += rng_below(20000000); /* up to 20 ms later */
        if (net_next_deadline() <= now) net_timers(now);
        output_drain();
        struct pbuf *b = pbuf_take(PBUF_NET);
        if (b == NULL) violation("pool dry with the output drained");
        memcpy(b->data, f.b, f.len);
        b->len = f.len;
        net_input(b, now);
        s->fed++;
        output_drain();
        counters_check(s->fed);
        if (rng_below(16) == 0 || i + 1 == iterations) {
            now = settle(now);
            s->settles++;
        }
    }
}

static void counter_format(const char *name, uint64_t value, void *arg)
{
    size_t *used = arg;
    size_t cap = sizeof progress->counters;
    if (value == 0 || *used >= cap) return;
    int n = snprintf(progress->counters + *used, cap - *used, " %s=%" PRIu64, name, value);
    if (n > 0) *used += (size_t)n;
}

static void usage(void)
{
    fprintf(stderr, "usage: fuzz_net SEED ITERATIONS [PCAP...]\n");
    exit(2);
}

static uint64_t number(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0') usage();
    return v;
}

static void frame_print(const uint8_t *b, unsigned len)
{
    for (unsigned i = 0; i < len; i++)
        fprintf(stderr, "%02x%s", b[i], i % 32 == 31 || i + 1 == len ? "\n" : "");
}

int main(int argc, char **argv)
{
    if (argc < 3) usage();
    seed = number(argv[1]);
    uint64_t iterations = number(argv[2]);
    rng_state = seed;
    corpus_builtin();
    for (int i = 3; i < argc; i++)
        if (!corpus_load(argv[i])) return 2;

    progress =
        mmap(NULL, sizeof *progress, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct summary *s =
        mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (progress == MAP_FAILED || s == MAP_FAILED) {
        perror("fuzz_net: mmap");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fuzz_net: fork");
        return 2;
    }
    if (pid == 0) {
        run(iterations, s);
        size_t used = 0;
        net_stats_each(counter_format, &used);
        progress->done = true;
        exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            perror("fuzz_net: waitpid");
            return 2;
        }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && progress->done) {
        printf("fuzz_net: seed %" PRIu64 " ok: %" PRIu64 " frames in %.2f s, %.0f frames/s; %u"
               " corpus frames, %" PRIu64 " checksum fix-ups, %" PRIu64 " settles;%s\n",
               seed, s->fed, secs, secs > 0 ? (double)s->fed / secs : 0.0, corpus_len, s->fixed,
               s->settles, progress->counters);
        return 0;
    }
    if (progress->why[0] != '\0')
        fprintf(stderr, "fuzz_net: FAIL seed %" PRIu64 " iteration %" PRIu64 ": %s\n", seed,
                progress->iteration, progress->why);
    else if (WIFEXITED(status))
        fprintf(stderr,
                "fuzz_net: FAIL seed %" PRIu64 " iteration %" PRIu64
                ": exit status %d (3 is a panic; else a sanitizer report, above)\n",
                seed, progress->iteration, WEXITSTATUS(status));
    else
        fprintf(stderr, "fuzz_net: FAIL seed %" PRIu64 " iteration %" PRIu64 ": signal %d\n", seed,
                progress->iteration, WTERMSIG(status));
    fprintf(stderr, "fuzz_net: reproduce with: %s %" PRIu64 " %" PRIu64, argv[0], seed,
            progress->iteration + 1);
    for (int i = 3; i < argc; i++)
        fprintf(stderr, " %s", argv[i]);
    fprintf(stderr, "\nfuzz_net: the frame (%u bytes):\n", progress->len);
    frame_print(progress->frame, progress->len);
    return 1;
}
