/* net/stack.h: what the files of net/ share with each other and with their unit tests. Not a
 * public header: outside net/ and tests/net/, use net/net.h.
 *
 * A frame moves up through eth_input -> arp_input | ip4_input -> icmp_input, each layer
 * reading the one below's header by offset, and down through ip4_output -> arp_ip4_output ->
 * eth_output -> net_output_queue. Every buffer inside the stack is owned by PBUF_NET. A frame
 * that is not answered or kept ends in net_drop(), which counts it by reason and frees it.
 * Prototypes are grouped by the file that defines them.
 */
#ifndef SKIFF_NET_STACK_H
#define SKIFF_NET_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net.h"
#include "net/wire.h"

/* Ethernet II (IEEE 802.3 §3.1.1, without preamble and FCS, which the device handles). */
#define ETH_ADDR_LEN 6
#define ETH_DST 0   /* 6 bytes: destination MAC */
#define ETH_SRC 6   /* 6 bytes: source MAC */
#define ETH_TYPE 12 /* 2 bytes: EtherType */
#define ETH_HDR_LEN 14
#define ETH_FRAME_MIN 60   /* 802.3's 64-byte minimum frame less the 4-byte FCS */
#define ETH_FRAME_MAX 1514 /* the 1500-byte MTU plus the header; no FCS, no 802.1Q tag */
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_ARP 0x0806

#define IP4_ADDR_LEN 4
#define IP4_HDR_MIN 20            /* RFC 791 §3.1: IHL 5 */
#define IP4_PROTO_ICMP 1          /* RFC 790, "Assigned Numbers" */
#define IP4_BROADCAST 0xffffffffu /* the limited broadcast address, RFC 919 §7 */

extern const uint8_t eth_broadcast[ETH_ADDR_LEN];

/* One received IPv4 datagram after ip4_input's checks, as upper layers see it. Borrows the
 * frame's memory: valid while the frame is being handled, then gone. */
struct ip4_rx {
    uint8_t *hdr;   /* the IPv4 header, inside the frame */
    size_t hdr_len; /* IHL * 4: 20 to 60 bytes */
    size_t len;     /* total length: header plus payload; trailing padding is not counted */
    uint32_t src;   /* host order */
    uint32_t dst;   /* host order */
    bool broadcast; /* sent to 255.255.255.255 or to our subnet's broadcast address */
};

/* net.c: state shared by every layer. */

/* The configuration net_init() accepted. */
extern struct net_config net_cfg;

/* Adds one to counter 'c'. */
void net_count(enum net_counter c);

/* Counts 'b' as dropped for 'reason', prints one line if log=net, and frees it. */
void net_drop(struct pbuf *b, enum net_counter reason);

/* Takes a buffer for a frame net/ originates. Returns NULL and counts drop_no_buffer when the
 * pool is dry. */
struct pbuf *net_buf_take(void);

/* Takes 'b', a complete frame, pads it with zeros to ETH_FRAME_MIN if shorter, counts it and
 * appends it to the output queue. */
void net_output_queue(struct pbuf *b);

/* True if 'ip' is the limited broadcast address or our subnet's broadcast address. */
bool net_ip_is_broadcast(uint32_t ip);

/* eth.c */

/* Takes a received frame: checks its length and destination, then hands it to ARP or IPv4. */
void eth_input(struct pbuf *b, uint64_t now_ns);

/* Takes 'b' with its payload at data + ETH_HDR_LEN and 'len' covering it, writes the Ethernet
 * header (to 'dst', from our MAC, EtherType 'type') and queues the frame for output. */
void eth_output(struct pbuf *b, const uint8_t dst[ETH_ADDR_LEN], uint16_t type);

/* arp.c */

/* How many IPv4-to-MAC mappings the ARP cache holds. More entries let the stack talk to more
 * neighbours on the link without re-resolving them (each miss costs a broadcast and a round
 * trip, and a held packet); fewer keep the cache small and every timer scan (net_timers walks
 * all entries) short. A server normally talks to one gateway and a handful of local clients,
 * so 64 is plenty; on a flat LAN with more active peers, the oldest is evicted. */
#define ARP_CACHE_SIZE 64

/* How long a learned mapping is trusted before it is forgotten and resolved afresh. Longer
 * means fewer ARP requests; shorter means a moved address (a failed-over router, a re-leased
 * IP) is followed sooner. Linux reconfirms after 30 s (base_reachable_time) on average; the
 * classic BSD cache keeps entries 20 minutes. Every ARP packet from the peer (RFC 826 merge)
 * restarts the clock, so an active peer is rarely re-resolved. */
#define ARP_EXPIRY_NS (60ull * 1000000000)

/* A request for an unknown next hop is sent ARP_TRIES times, ARP_RETRY_NS apart, then given
 * up (the held packet counted drop_arp_unresolved). As Linux (mcast_solicit = 3, retrans_time
 * = 1 s): enough to survive a lost frame, short enough that a missing host is noticed in 3 s. */
#define ARP_TRIES 3
#define ARP_RETRY_NS 1000000000ull

/* Forgets every mapping and frees every held packet. */
void arp_init(void);

/* Takes a received ARP frame (its Ethernet header already checked). */
void arp_input(struct pbuf *b, uint64_t now_ns);

/* Queues a gratuitous ARP, an ARP announcement (RFC 5227 §2.3): a broadcast request whose
 * sender and target protocol addresses are both ours. */
void arp_announce(void);

/* Takes 'b', an IPv4 datagram at data + ETH_HDR_LEN with 'len' covering it, and sends it to
 * the next hop for 'dst': 'dst' itself inside our subnet, else the gateway, else it is dropped
 * (drop_no_route). A broadcast goes to the Ethernet broadcast address. An unresolved next hop
 * gets an ARP request and 'b' is held (one packet per next hop: the newest) until the reply. */
void arp_ip4_output(struct pbuf *b, uint32_t dst, uint64_t now_ns);

/* Copies the cached MAC address of 'ip' to 'mac' and returns true, or returns false if 'ip'
 * is not resolved. */
bool arp_cache_lookup(uint32_t ip, uint8_t mac[ETH_ADDR_LEN]);

/* Retries and expires cache entries whose time has come. Bounded by ARP_CACHE_SIZE. */
void arp_timers(uint64_t now_ns);

/* The earliest time arp_timers() has work, or UINT64_MAX. */
uint64_t arp_next_deadline(void);

/* ip4.c */

/* Restarts the identification counter. */
void ip4_init(void);

/* Takes a received IPv4 frame (its Ethernet header already checked). */
void ip4_input(struct pbuf *b, uint64_t now_ns);

/* Writes a 20-byte IPv4 header at 'hdr': from our address to 'dst', protocol 'proto',
 * 'total_len' bytes in all, TTL 64, DF set, the next identification, and the checksum. */
void ip4_header_emit(uint8_t *hdr, uint32_t dst, uint8_t proto, uint16_t total_len);

/* Takes 'b' whose payload is at data + ETH_HDR_LEN + IP4_HDR_MIN and whose 'len' covers it,
 * writes the IPv4 header and sends the datagram towards 'dst' (see arp_ip4_output). */
void ip4_output(struct pbuf *b, uint32_t dst, uint8_t proto, uint64_t now_ns);

/* icmp.c */

/* Takes a received ICMP message, the payload of 'ip' inside frame 'b'. */
void icmp_input(struct pbuf *b, const struct ip4_rx *ip);

#endif
