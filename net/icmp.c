/* ICMP for IPv4 (RFC 792): answering echo requests. Entry point: icmp_input.
 *
 * Only echo request is served; every other type is counted drop_icmp_type. We send no ICMP
 * errors (destination unreachable, time exceeded, ...): see net/README.md. */
#include "net/stack.h"

#include <string.h>

/* The ICMP echo and echo reply message (RFC 792, "Echo or Echo Reply Message"). */
#define ICMP_TYPE 0 /* 1 byte */
#define ICMP_CODE 1 /* 1 byte: 0 for echo */
#define ICMP_CSUM 2 /* 2 bytes: checksum of the whole ICMP message */
#define ICMP_ID 4   /* 2 bytes: identifier, returned as is */
#define ICMP_SEQ 6  /* 2 bytes: sequence number, returned as is */
#define ICMP_HDR_LEN 8

#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8

void icmp_input(struct pbuf *b, const struct ip4_rx *ip)
{
    uint8_t *msg = ip->hdr + ip->hdr_len;
    size_t len = ip->len - ip->hdr_len;
    if (len < ICMP_HDR_LEN) {
        net_drop(b, NET_DROP_TOO_SHORT);
        return;
    }
    if (wire_csum(msg, len) != 0) {
        net_drop(b, NET_DROP_ICMP_BAD_CSUM);
        return;
    }
    if (msg[ICMP_TYPE] != ICMP_ECHO_REQUEST) {
        net_drop(b, NET_DROP_ICMP_TYPE);
        return;
    }
    /* RFC 1122 §3.2.2.6 lets a host ignore echo requests sent to a broadcast address, and Linux
     * does by default (net.ipv4.icmp_echo_ignore_broadcasts = 1): answering them lets one
     * spoofed packet make every host on a subnet flood the victim (the "smurf" attack). */
    if (ip->broadcast) {
        net_drop(b, NET_DROP_ICMP_BROADCAST);
        return;
    }

    /* The reply is written over the request (RFC 792: "the source and destination addresses
     * are simply reversed, the type code changed to 0, and the checksum recomputed"). The
     * identifier, sequence number and data stay where they are, untouched. */
    msg[ICMP_TYPE] = ICMP_ECHO_REPLY;
    /* Recomputed over the whole message rather than updated for the one changed word (RFC 1624
     * eqn. 3): for an all-zero reply (identifier and sequence 0, no data) the update gives
     * 0x0000 where RFC 1071 gives 0xffff, and receivers reject it. A second pass over at most
     * 1480 bytes, still in cache from the check above, is cheap enough to be always right. */
    wire_put16(msg + ICMP_CSUM, 0);
    wire_put16(msg + ICMP_CSUM, wire_csum(msg, len));

    /* It goes back to the Ethernet address the request came from, not through ARP: that
     * station (the sender, or the router it came through) just delivered the request, so it
     * is the next hop back; asking ARP would cost a round trip first, and a replayed trace
     * without the ARP exchange would never get its answers. */
    uint8_t peer_mac[ETH_ADDR_LEN];
    memcpy(peer_mac, b->data + ETH_SRC, ETH_ADDR_LEN);

    /* The request's options, if any, are left out: the new 20-byte header goes right in
     * front of the ICMP message and the frame now starts 34 bytes before it. RFC 1122
     * §3.2.2.6 asks for Record Route and Timestamp options to be returned; see README. */
    b->data = msg - IP4_HDR_MIN - ETH_HDR_LEN;
    b->len = (uint16_t)(ETH_HDR_LEN + IP4_HDR_MIN + len);
    ip4_header_emit(msg - IP4_HDR_MIN, ip->src, IP4_PROTO_ICMP, (uint16_t)(IP4_HDR_MIN + len));
    net_count(NET_ICMP_ECHO_REPLIES);
    eth_output(b, peer_mac, ETH_TYPE_IPV4);
}
