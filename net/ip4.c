/* IPv4 (RFC 791): checking received datagrams and handing them to their protocol, and writing
 * the header of datagrams we send. Entry points: ip4_init, ip4_input, ip4_header_emit,
 * ip4_output.
 *
 * Options are skipped, not interpreted. Fragments are dropped and counted (we never reassemble:
 * see net/README.md). Only our own address and the broadcast addresses are accepted. */
#include "net/stack.h"

/* The IPv4 header (RFC 791 §3.1). */
#define IP4_VER_IHL 0 /* 1 byte: version (high 4 bits), header length in 32-bit words (low 4) */
#define IP4_TOS 1     /* 1 byte: type of service (DSCP and ECN, RFC 2474, RFC 3168) */
#define IP4_LEN 2     /* 2 bytes: total length, header included */
#define IP4_ID 4      /* 2 bytes: identification */
#define IP4_FRAG 6    /* 2 bytes: flags (high 3 bits), fragment offset in 8-byte units */
#define IP4_TTL 8     /* 1 byte: time to live */
#define IP4_PROTO 9   /* 1 byte: protocol */
#define IP4_CSUM 10   /* 2 bytes: header checksum */
#define IP4_SRC 12    /* 4 bytes: source address */
#define IP4_DST 16    /* 4 bytes: destination address */

#define IP4_FLAG_DF 0x4000 /* don't fragment */
#define IP4_FLAG_MF 0x2000 /* more fragments */
#define IP4_FRAG_OFFSET 0x1fff

/* The TTL of every datagram we send: "Assigned Numbers" (RFC 1700) recommends 64, as does
 * Linux's net.ipv4.ip_default_ttl. RFC 1122 §3.2.1.7 says a fixed TTL "MUST be configurable";
 * ours is not a boot argument (a deviation: no use has needed another value yet). */
#define IP4_TTL_DEFAULT 64

/* The identification of the next datagram we send. Every datagram we send has DF set and is
 * never fragmented, so RFC 6864 §4.1 allows any value; a counter keeps replays deterministic. */
static uint16_t next_id;

void ip4_init(void)
{
    next_id = 0;
}

void ip4_input(struct pbuf *b, uint64_t now_ns)
{
    (void)now_ns; /* for TCP, the next protocol here */
    size_t avail = (size_t)b->len - ETH_HDR_LEN;
    uint8_t *hdr = b->data + ETH_HDR_LEN;
    if (avail < IP4_HDR_MIN) {
        net_drop(b, NET_DROP_TOO_SHORT);
        return;
    }
    if (hdr[IP4_VER_IHL] >> 4 != 4) {
        net_drop(b, NET_DROP_IP_BAD_VERSION);
        return;
    }
    size_t hdr_len = (size_t)(hdr[IP4_VER_IHL] & 0x0f) * 4;
    if (hdr_len < IP4_HDR_MIN || hdr_len > avail) {
        net_drop(b, NET_DROP_IP_BAD_LEN);
        return;
    }
    if (wire_csum(hdr, hdr_len) != 0) {
        net_drop(b, NET_DROP_IP_BAD_CSUM);
        return;
    }
    size_t len = wire_get16(hdr + IP4_LEN);
    if (len < hdr_len || len > avail) {
        net_drop(b, NET_DROP_IP_BAD_LEN);
        return;
    }
    /* Bytes past the total length are Ethernet padding (a short datagram in a 60-byte frame):
     * not part of the datagram, so no layer above may see them. */
    b->len = (uint16_t)(ETH_HDR_LEN + len);
    uint16_t frag = wire_get16(hdr + IP4_FRAG);
    if ((frag & IP4_FLAG_MF) != 0 || (frag & IP4_FRAG_OFFSET) != 0) {
        net_drop(b, NET_DROP_IP_FRAGMENT);
        return;
    }
    struct ip4_rx rx = {
        .hdr = hdr,
        .hdr_len = hdr_len,
        .len = len,
        .src = wire_get32(hdr + IP4_SRC),
        .dst = wire_get32(hdr + IP4_DST),
    };
    if (rx.dst != net_cfg.ip) {
        if (!net_ip_is_broadcast(rx.dst)) {
            net_drop(b, NET_DROP_NOT_FOR_US);
            return;
        }
        rx.broadcast = true;
    }
    /* One case per protocol we serve; TCP (6) joins here. */
    switch (hdr[IP4_PROTO]) {
    case IP4_PROTO_ICMP:
        icmp_input(b, &rx);
        return;
    default:
        net_drop(b, NET_DROP_IP_PROTO);
        return;
    }
}

void ip4_header_emit(uint8_t *hdr, uint32_t dst, uint8_t proto, uint16_t total_len)
{
    hdr[IP4_VER_IHL] = 4 << 4 | IP4_HDR_MIN / 4;
    hdr[IP4_TOS] = 0;
    wire_put16(hdr + IP4_LEN, total_len);
    wire_put16(hdr + IP4_ID, next_id++);
    /* DF: we never fragment, and with DF set a too-small link on the path answers with
     * ICMP "fragmentation needed" instead of fragmenting (RFC 1191 path MTU discovery). */
    wire_put16(hdr + IP4_FRAG, IP4_FLAG_DF);
    hdr[IP4_TTL] = IP4_TTL_DEFAULT;
    hdr[IP4_PROTO] = proto;
    wire_put16(hdr + IP4_CSUM, 0);
    wire_put32(hdr + IP4_SRC, net_cfg.ip);
    wire_put32(hdr + IP4_DST, dst);
    wire_put16(hdr + IP4_CSUM, wire_csum(hdr, IP4_HDR_MIN));
}

void ip4_output(struct pbuf *b, uint32_t dst, uint8_t proto, uint64_t now_ns)
{
    ip4_header_emit(b->data + ETH_HDR_LEN, dst, proto, (uint16_t)(b->len - ETH_HDR_LEN));
    arp_ip4_output(b, dst, now_ns);
}
