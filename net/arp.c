/* ARP for IPv4 over Ethernet (RFC 826): answering requests for our address, the cache of
 * next-hop MAC addresses, and resolving next hops for IPv4 output. Entry points: arp_init,
 * arp_input, arp_announce, arp_ip4_output, arp_cache_lookup, arp_timers, arp_next_deadline.
 *
 * The cache is a fixed array of ARP_CACHE_SIZE entries. An entry is PENDING while we ask for
 * a next hop's address (ARP_TRIES requests, ARP_RETRY_NS apart), holding the newest IPv4
 * packet for it, and RESOLVED once an ARP packet from that host told us, until it expires
 * ARP_EXPIRY_NS after the last such packet. When the cache is full, the entry learned or
 * confirmed longest ago makes room.
 *
 * Not implemented: address conflict detection and defence (RFC 5227 §2.1, §2.4: our address
 * is static and announced once), proxy ARP, RARP, and ARP for anything but IPv4 over Ethernet.
 */
#include "net/stack.h"

#include <string.h>

/* The ARP packet for IPv4 over Ethernet (RFC 826, "Packet format"), after the Ethernet header. */
#define ARP_HTYPE 0 /* 2 bytes: hardware type, 1 = Ethernet */
#define ARP_PTYPE 2 /* 2 bytes: protocol type, an EtherType: 0x0800 = IPv4 */
#define ARP_HLEN 4  /* 1 byte: hardware address length, 6 */
#define ARP_PLEN 5  /* 1 byte: protocol address length, 4 */
#define ARP_OP 6    /* 2 bytes: 1 = request, 2 = reply */
#define ARP_SHA 8   /* 6 bytes: sender hardware address */
#define ARP_SPA 14  /* 4 bytes: sender protocol address */
#define ARP_THA 18  /* 6 bytes: target hardware address */
#define ARP_TPA 24  /* 4 bytes: target protocol address */
#define ARP_LEN 28

#define ARP_HTYPE_ETHERNET 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

enum arp_state {
    ARP_FREE,     /* unused slot */
    ARP_PENDING,  /* requests sent, no answer yet */
    ARP_RESOLVED, /* 'mac' is valid until 'deadline_ns' */
};

struct arp_entry {
    uint32_t ip; /* host order */
    uint8_t mac[ETH_ADDR_LEN];
    uint8_t state;        /* enum arp_state */
    uint8_t tries;        /* PENDING: requests sent so far */
    uint64_t stamp_ns;    /* when created or last confirmed; the oldest is evicted first */
    uint64_t deadline_ns; /* PENDING: next retry (or giving up); RESOLVED: expiry */
    struct pbuf *held;    /* PENDING: the newest packet for this next hop, or NULL. Owned by
                           * the cache (PBUF_NET) until sent on resolution or dropped. */
};

static struct arp_entry cache[ARP_CACHE_SIZE];

void arp_init(void)
{
    for (int i = 0; i < ARP_CACHE_SIZE; i++) {
        if (cache[i].held != NULL) pbuf_free(cache[i].held, PBUF_NET);
    }
    memset(cache, 0, sizeof cache);
}

static struct arp_entry *find(uint32_t ip)
{
    for (int i = 0; i < ARP_CACHE_SIZE; i++) {
        if (cache[i].state != ARP_FREE && cache[i].ip == ip) return &cache[i];
    }
    return NULL;
}

static void entry_clear(struct arp_entry *e)
{
    if (e->held != NULL) net_drop(e->held, NET_DROP_ARP_UNRESOLVED);
    memset(e, 0, sizeof *e);
}

/* Returns a free entry for 'ip', evicting the oldest if the cache is full. */
static struct arp_entry *entry_new(uint32_t ip, uint64_t now_ns)
{
    struct arp_entry *victim = &cache[0];
    for (int i = 0; i < ARP_CACHE_SIZE; i++) {
        if (cache[i].state == ARP_FREE) {
            victim = &cache[i];
            break;
        }
        if (cache[i].stamp_ns < victim->stamp_ns) victim = &cache[i];
    }
    entry_clear(victim);
    victim->ip = ip;
    victim->stamp_ns = now_ns;
    return victim;
}

/* Writes an ARP packet of type 'op' from us to 'tha'/'tpa' after the Ethernet header of 'b'
 * ('tha' must not point into 'b'). */
static void arp_emit(struct pbuf *b, uint16_t op, const uint8_t tha[ETH_ADDR_LEN], uint32_t tpa)
{
    uint8_t *p = b->data + ETH_HDR_LEN;
    wire_put16(p + ARP_HTYPE, ARP_HTYPE_ETHERNET);
    wire_put16(p + ARP_PTYPE, ETH_TYPE_IPV4);
    p[ARP_HLEN] = ETH_ADDR_LEN;
    p[ARP_PLEN] = IP4_ADDR_LEN;
    wire_put16(p + ARP_OP, op);
    memcpy(p + ARP_SHA, net_cfg.mac, ETH_ADDR_LEN);
    wire_put32(p + ARP_SPA, net_cfg.ip);
    memcpy(p + ARP_THA, tha, ETH_ADDR_LEN);
    wire_put32(p + ARP_TPA, tpa);
    b->len = ETH_HDR_LEN + ARP_LEN;
}

/* Broadcasts a request for 'tpa'. RFC 826 leaves the target hardware address of a request
 * unspecified; we send zeros, as RFC 5227 §2.1.1 asks of probes and Linux does. */
static void request_send(uint32_t tpa)
{
    static const uint8_t unknown[ETH_ADDR_LEN];
    struct pbuf *b = net_buf_take();
    if (b == NULL) return;
    arp_emit(b, ARP_OP_REQUEST, unknown, tpa);
    net_count(NET_ARP_REQUESTS);
    eth_output(b, eth_broadcast, ETH_TYPE_ARP);
}

void arp_announce(void)
{
    request_send(net_cfg.ip);
}

/* Records that 'e' is at 'mac' as of 'now_ns', and sends the packet it was holding. */
static void entry_confirm(struct arp_entry *e, const uint8_t mac[ETH_ADDR_LEN], uint64_t now_ns)
{
    memcpy(e->mac, mac, ETH_ADDR_LEN);
    e->state = ARP_RESOLVED;
    e->tries = 0;
    e->stamp_ns = now_ns;
    e->deadline_ns = now_ns + ARP_EXPIRY_NS;
    if (e->held != NULL) {
        struct pbuf *held = e->held;
        e->held = NULL;
        eth_output(held, e->mac, ETH_TYPE_IPV4);
    }
}

/* Whether a sender's mapping may go into the cache. Not an unspecified sender (0.0.0.0, an
 * RFC 5227 probe), not our own address (a conflict, or our own frame looped back), not a
 * group MAC (no host has one), and only on our subnet: the cache holds next hops, and every
 * next hop is on the subnet, so an off-subnet entry would only take a slot. */
static bool sender_learnable(uint32_t spa, const uint8_t *sha)
{
    return spa != 0 && spa != net_cfg.ip && (sha[0] & 1) == 0 &&
           ((spa ^ net_cfg.ip) & net_cfg.netmask) == 0 && !net_ip_is_broadcast(spa);
}

void arp_input(struct pbuf *b, uint64_t now_ns)
{
    if (b->len < ETH_HDR_LEN + ARP_LEN) {
        net_drop(b, NET_DROP_TOO_SHORT);
        return;
    }
    uint8_t *p = b->data + ETH_HDR_LEN;
    uint16_t op = wire_get16(p + ARP_OP);
    if (wire_get16(p + ARP_HTYPE) != ARP_HTYPE_ETHERNET ||
        wire_get16(p + ARP_PTYPE) != ETH_TYPE_IPV4 || p[ARP_HLEN] != ETH_ADDR_LEN ||
        p[ARP_PLEN] != IP4_ADDR_LEN || (op != ARP_OP_REQUEST && op != ARP_OP_REPLY)) {
        net_drop(b, NET_DROP_ARP_BAD);
        return;
    }
    uint32_t spa = wire_get32(p + ARP_SPA);
    uint32_t tpa = wire_get32(p + ARP_TPA);
    const uint8_t *sha = p + ARP_SHA;
    bool learnable = sender_learnable(spa, sha);

    /* RFC 826, "Packet Reception": if the sender is in the table, update its hardware address
     * (Merge_flag); then, if we are the target, add the sender if it was not merged; then, if
     * this is a request, answer it. */
    bool merged = false;
    struct arp_entry *e = learnable ? find(spa) : NULL;
    if (e != NULL) {
        entry_confirm(e, sha, now_ns);
        merged = true;
    }
    if (tpa != net_cfg.ip) {
        if (merged)
            pbuf_free(b, PBUF_NET); /* done with: it refreshed a mapping */
        else
            net_drop(b, NET_DROP_NOT_FOR_US);
        return;
    }
    if (!merged && learnable) entry_confirm(entry_new(spa, now_ns), sha, now_ns);
    if (op != ARP_OP_REQUEST) {
        pbuf_free(b, PBUF_NET); /* a reply to us: its news is in the cache now */
        return;
    }
    /* The reply is written over the request, in the same buffer (no copy, no allocation):
     * RFC 826 "swap hardware and protocol fields, putting the local hardware and protocol
     * addresses in the sender fields", and send it to the requester's hardware address. */
    uint8_t requester[ETH_ADDR_LEN];
    memcpy(requester, sha, ETH_ADDR_LEN);
    arp_emit(b, ARP_OP_REPLY, requester, spa);
    net_count(NET_ARP_REPLIES);
    eth_output(b, requester, ETH_TYPE_ARP);
}

void arp_ip4_output(struct pbuf *b, uint32_t dst, uint64_t now_ns)
{
    if (net_ip_is_broadcast(dst)) {
        eth_output(b, eth_broadcast, ETH_TYPE_IPV4);
        return;
    }
    uint32_t hop;
    if (((dst ^ net_cfg.ip) & net_cfg.netmask) == 0)
        hop = dst;
    else if (net_cfg.gw != 0)
        hop = net_cfg.gw;
    else {
        net_drop(b, NET_DROP_NO_ROUTE);
        return;
    }
    struct arp_entry *e = find(hop);
    if (e != NULL && e->state == ARP_RESOLVED) {
        eth_output(b, e->mac, ETH_TYPE_IPV4);
        return;
    }
    if (e != NULL) {
        /* Keep the newest: a retransmission usually supersedes what it repeats, and holding
         * one packet per next hop bounds what an unanswered ARP can pin in the pool. */
        if (e->held != NULL) net_drop(e->held, NET_DROP_ARP_UNRESOLVED);
        e->held = b;
        return;
    }
    e = entry_new(hop, now_ns);
    e->state = ARP_PENDING;
    e->tries = 1;
    e->deadline_ns = now_ns + ARP_RETRY_NS;
    e->held = b;
    request_send(hop);
}

bool arp_cache_lookup(uint32_t ip, uint8_t mac[ETH_ADDR_LEN])
{
    const struct arp_entry *e = find(ip);
    if (e == NULL || e->state != ARP_RESOLVED) return false;
    memcpy(mac, e->mac, ETH_ADDR_LEN);
    return true;
}

void arp_timers(uint64_t now_ns)
{
    for (int i = 0; i < ARP_CACHE_SIZE; i++) {
        struct arp_entry *e = &cache[i];
        if (e->state == ARP_FREE || e->deadline_ns > now_ns) continue;
        if (e->state == ARP_PENDING && e->tries < ARP_TRIES) {
            e->tries++;
            e->deadline_ns = now_ns + ARP_RETRY_NS;
            request_send(e->ip);
            continue;
        }
        /* Expired, or asked ARP_TRIES times without an answer: forget it. The next packet
         * for this host starts a fresh resolution. */
        entry_clear(e);
    }
}

uint64_t arp_next_deadline(void)
{
    uint64_t next = UINT64_MAX;
    for (int i = 0; i < ARP_CACHE_SIZE; i++) {
        if (cache[i].state != ARP_FREE && cache[i].deadline_ns < next) next = cache[i].deadline_ns;
    }
    return next;
}
