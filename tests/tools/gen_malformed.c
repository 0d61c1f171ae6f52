/* gen_malformed: writes the malformed traces that tests/replay/malformed.sh replays.
 *
 *   gen_malformed DIR            writes DIR/malformed-*.pcap (the committed traces/ ones)
 *   gen_malformed --raw-ip FILE  writes a one-frame trace of link type RAW (bare IPv4), which
 *                                replay must refuse (tests/replay/bad-input.sh)
 *
 * Each trace is: a valid ARP request and a valid echo request (seq 1), one group of bad frames,
 * then a valid ARP request and echo request again (seq 2), so a replay shows both that the bad
 * frames were dropped and counted and that the stack still answers around them. Some groups
 * also hold a frame that is valid at a boundary (1514 bytes, Ethernet padding, IP options, DF)
 * and must be answered. The addresses are those of traces/ping.pcap: skiff is 10.99.0.2 at
 * 02:53:4b:49:46:46 (kernel/hosted/hosted.h), the client 10.99.0.1. The output is a pure
 * function of this file: fixed timestamps (1 ms apart from 2023-11-14 22:13:20 UTC), fixed
 * payloads. What each group must move is listed in tests/replay/malformed.sh.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"

#define T0_SEC 1700000000u

static const uint8_t skiff_mac[6] = {0x02, 0x53, 0x4b, 0x49, 0x46, 0x46};
static const uint8_t client_mac[6] = {0x02, 0x63, 0x6c, 0x69, 0x65, 0x6e};
static const uint8_t stranger_mac[6] = {0x02, 0x73, 0x74, 0x72, 0x61, 0x6e};
static const uint8_t other_mac[6] = {0x02, 0x53, 0x4b, 0x49, 0x46, 0x99};
static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mcast_mac[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
#define SKIFF_IP 0x0a630002u    /* 10.99.0.2 */
#define CLIENT_IP 0x0a630001u   /* 10.99.0.1 */
#define OTHER_IP 0x0a630003u    /* 10.99.0.3: on the subnet, not us */
#define STRANGER_IP 0x0a63004du /* 10.99.0.77: never seen before, so not in the ARP cache */
#define SUBNET_BCAST 0x0a6300ffu
#define ECHO_ID 0x534b

#define IP_DF 0x4000
#define IP_MF 0x2000

/* One frame being built. 'len' is its length on the wire; 'caplen' what the trace holds of it
 * (less than 'len' for a frame cut short by the capture). */
static struct {
    uint8_t b[10000];
    size_t len, caplen;
} f;

static pcap_dumper_t *out;
static unsigned frame_no;

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

/* RFC 1071: the one's complement of the one's complement sum of 16-bit words. */
static unsigned csum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (len & 1) sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return ~sum & 0xffff;
}

static void eth(const uint8_t *dst, const uint8_t *src, unsigned type)
{
    memset(f.b, 0, sizeof f.b);
    memcpy(f.b, dst, 6);
    memcpy(f.b + 6, src, 6);
    put16(f.b + 12, type);
    f.len = f.caplen = 14;
}

/* An IPv4 header at 14 with 'opt_len' bytes of NOP options, for 'payload' bytes after it. */
static uint8_t *ip4(uint32_t dst, unsigned proto, size_t payload, unsigned frag, size_t opt_len)
{
    uint8_t *h = f.b + 14;
    size_t hl = 20 + opt_len;
    h[0] = (uint8_t)(0x40 | hl / 4);
    put16(h + 2, (unsigned)(hl + payload));
    put16(h + 4, frame_no);
    put16(h + 6, frag);
    h[8] = 64;
    h[9] = (uint8_t)proto;
    put32(h + 12, CLIENT_IP);
    put32(h + 16, dst);
    memset(h + 20, 1, opt_len); /* IP option 1 is No Operation, RFC 791 */
    put16(h + 10, csum(h, hl));
    f.len = f.caplen = 14 + hl + payload;
    return h + hl;
}

static void icmp(uint8_t *m, unsigned type, unsigned seq, size_t payload)
{
    m[0] = (uint8_t)type;
    put16(m + 4, ECHO_ID);
    put16(m + 6, seq);
    for (size_t i = 0; i < payload; i++)
        m[8 + i] = (uint8_t)(i + seq);
    put16(m + 2, csum(m, 8 + payload));
}

/* An ICMP message of 'type' with 'payload' bytes, from the client to 'dst_ip' at 'dst_mac'. */
static void echo_to(const uint8_t *dst_mac, uint32_t dst_ip, unsigned type, unsigned seq,
                    size_t payload, unsigned frag)
{
    eth(dst_mac, client_mac, 0x0800);
    icmp(ip4(dst_ip, 1, 8 + payload, frag, 0), type, seq, payload);
}

static void echo(unsigned seq, size_t payload)
{
    echo_to(skiff_mac, SKIFF_IP, 8, seq, payload, 0);
}

static void arp(const uint8_t *sha, uint32_t spa, uint32_t tpa, unsigned op)
{
    eth(bcast_mac, sha, 0x0806);
    uint8_t *p = f.b + 14;
    put16(p, 1);          /* hardware: Ethernet */
    put16(p + 2, 0x0800); /* protocol: IPv4 */
    p[4] = 6;
    p[5] = 4;
    put16(p + 6, op);
    memcpy(p + 8, sha, 6);
    put32(p + 14, spa);
    put32(p + 24, tpa);
    f.len = f.caplen = 14 + 28;
}

static void dump(void)
{
    struct pcap_pkthdr h = {
        .ts = {.tv_sec = T0_SEC + frame_no / 1000, .tv_usec = frame_no % 1000 * 1000},
        .caplen = (bpf_u_int32)f.caplen,
        .len = (bpf_u_int32)f.len,
    };
    pcap_dump((u_char *)out, &h, f.b);
    frame_no++;
}

static void valid(unsigned seq)
{
    arp(client_mac, CLIENT_IP, SKIFF_IP, 1);
    dump();
    echo(seq, 56);
    dump();
}

/* ---- The groups: each writes its bad frames (and boundary frames that must be answered). */

/* Frames the capture cut short (caplen < len): what the stack sees is shorter than what the
 * headers claim. Moves: drop_too_short 2, drop_ip_bad_len 1. */
static void group_truncated(void)
{
    echo(100, 56);
    f.caplen = 14 + 12; /* inside the IPv4 header */
    dump();
    arp(client_mac, CLIENT_IP, SKIFF_IP, 1);
    f.caplen = 14 + 20; /* inside the ARP body */
    dump();
    echo(101, 56);
    f.caplen = 14 + 40; /* header whole, total length 84 past the end */
    dump();
}

/* Frames shorter than an Ethernet header. Moves: drop_too_short 4. */
static void group_runt(void)
{
    static const size_t lens[] = {0, 1, 6, 13};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        echo(200, 56);
        f.len = f.caplen = lens[i];
        dump();
    }
}

/* Frames longer than Ethernet allows. 1514 bytes is the largest valid one and is answered.
 * 1515 and PBUF_FRAME_MAX fit a buffer and reach the stack, which drops them; past
 * PBUF_FRAME_MAX the device itself drops them (a NIC would not deliver them either).
 * Moves: drop_too_long 2, device rx_too_long 2, icmp_echo_replies +1. */
static void group_giant(void)
{
    echo(300, 1514 - 14 - 20 - 8);
    dump();
    static const size_t lens[] = {1515, PBUF_FRAME_MAX, PBUF_FRAME_MAX + 1, 9014};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        echo((unsigned)(301 + i), lens[i] - 14 - 20 - 8);
        dump();
    }
}

/* Moves: drop_ip_bad_csum 2. */
static void group_ip_csum(void)
{
    echo(400, 56);
    f.b[14 + 10] ^= 0x01; /* off by one bit */
    dump();
    echo(401, 56);
    put16(f.b + 14 + 10, 0); /* not filled in */
    dump();
}

/* Moves: drop_icmp_bad_csum 2, drop_icmp_type 3, drop_too_short 1. */
static void group_icmp(void)
{
    echo(500, 56);
    f.b[14 + 20 + 2] ^= 0x80;
    dump();
    echo(501, 56);
    f.b[14 + 20 + 8] ^= 0xff; /* payload changed after the checksum */
    dump();
    static const unsigned types[] = {0 /* echo reply */, 3 /* unreachable */, 13 /* timestamp */};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        echo_to(skiff_mac, SKIFF_IP, types[i], (unsigned)(502 + i), 56, 0);
        dump();
    }
    eth(skiff_mac, client_mac, 0x0800);
    uint8_t *m = ip4(SKIFF_IP, 1, 4, 0, 0); /* 4 bytes of ICMP: less than its header */
    m[0] = 8;
    put16(m + 2, csum(m, 4));
    dump();
}

/* IPv4 version and lengths. Moves: drop_ip_bad_version 1, drop_ip_bad_len 4; two frames valid
 * at the edge are answered: a short datagram in a padded 60-byte frame, and a header with
 * options (IHL 6). */
static void group_ip_len(void)
{
    echo(600, 56);
    f.b[14] = 0x65; /* version 6 in an IPv4 EtherType */
    dump();
    echo(601, 56);
    f.b[14] = 0x44; /* IHL 4: shorter than the minimum header */
    dump();
    echo(602, 0);
    f.b[14] = 0x4f; /* IHL 15: 60 bytes, past the 28-byte datagram and the frame */
    dump();
    echo(603, 56);
    put16(f.b + 14 + 2, 16); /* total length less than the header */
    put16(f.b + 14 + 10, 0);
    put16(f.b + 14 + 10, csum(f.b + 14, 20));
    dump();
    echo(604, 56);
    put16(f.b + 14 + 2, 200); /* total length past the frame */
    put16(f.b + 14 + 10, 0);
    put16(f.b + 14 + 10, csum(f.b + 14, 20));
    dump();

    echo(605, 0);
    f.len = f.caplen = 60; /* 42 bytes of frame, Ethernet padding to the 60-byte minimum */
    dump();
    eth(skiff_mac, client_mac, 0x0800);
    icmp(ip4(SKIFF_IP, 1, 8 + 56, 0, 4), 8, 606, 56);
    dump();
}

/* Moves: drop_ip_fragment 3; an echo request with DF (not a fragment) is answered. */
static void group_fragment(void)
{
    echo_to(skiff_mac, SKIFF_IP, 8, 700, 56, IP_MF); /* first of several */
    dump();
    echo_to(skiff_mac, SKIFF_IP, 8, 701, 56, 185); /* the last one */
    dump();
    echo_to(skiff_mac, SKIFF_IP, 8, 702, 56, IP_MF | 185); /* one in the middle */
    dump();
    echo_to(skiff_mac, SKIFF_IP, 8, 703, 56, IP_DF);
    dump();
}

/* Moves: drop_ethertype 4. */
static void group_ethertype(void)
{
    static const unsigned types[] = {0x86dd /* IPv6 */, 0x8100 /* 802.1Q tag */, 0x88cc /* LLDP */,
                                     0x05dc /* an 802.3 length */};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        echo((unsigned)(800 + i), 56);
        put16(f.b + 12, types[i]);
        dump();
    }
}

/* Moves: drop_not_for_us 4, drop_icmp_broadcast 1. */
static void group_not_for_us(void)
{
    echo_to(skiff_mac, OTHER_IP, 8, 900, 56, 0); /* our MAC, another IP */
    dump();
    echo_to(other_mac, SKIFF_IP, 8, 901, 56, 0); /* our IP, another host's MAC */
    dump();
    echo_to(mcast_mac, SKIFF_IP, 8, 902, 56, 0); /* a multicast MAC */
    dump();
    arp(stranger_mac, STRANGER_IP, OTHER_IP, 1); /* who-has another address */
    dump();
    echo_to(bcast_mac, SUBNET_BCAST, 8, 903, 56, 0); /* ignored: RFC 1122 §3.2.2.6 */
    dump();
}

/* Moves: drop_ip_proto 3 (UDP, GRE, and 253, reserved for experiments by RFC 3692). */
static void group_ip_proto(void)
{
    static const unsigned protos[] = {17, 47, 253};
    for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++) {
        eth(skiff_mac, client_mac, 0x0800);
        uint8_t *p = ip4(SKIFF_IP, protos[i], 16, 0, 0);
        memset(p, (int)i, 16);
        dump();
    }
}

/* Moves: drop_arp_bad 4, drop_too_short 1. */
static void group_arp(void)
{
    arp(client_mac, CLIENT_IP, SKIFF_IP, 1);
    put16(f.b + 14, 6); /* hardware type IEEE 802 */
    dump();
    arp(client_mac, CLIENT_IP, SKIFF_IP, 1);
    put16(f.b + 14 + 2, 0x86dd); /* protocol IPv6 */
    dump();
    arp(client_mac, CLIENT_IP, SKIFF_IP, 1);
    f.b[14 + 4] = 8; /* 8-byte hardware addresses */
    dump();
    arp(client_mac, CLIENT_IP, SKIFF_IP, 3); /* RARP request: not ARP's */
    dump();
    arp(client_mac, CLIENT_IP, SKIFF_IP, 1);
    f.len = f.caplen = 14 + 20; /* a frame that ends inside the ARP body */
    dump();
}

static const struct {
    const char *name;
    void (*bad)(void);
} groups[] = {
    {"truncated", group_truncated},
    {"runt", group_runt},
    {"giant", group_giant},
    {"ip-csum", group_ip_csum},
    {"icmp", group_icmp},
    {"ip-len", group_ip_len},
    {"fragment", group_fragment},
    {"ethertype", group_ethertype},
    {"not-for-us", group_not_for_us},
    {"ip-proto", group_ip_proto},
    {"arp", group_arp},
};

static pcap_t *dead;

static void open_out(const char *path, int link)
{
    dead = pcap_open_dead(link, 65535);
    out = dead != NULL ? pcap_dump_open(dead, path) : NULL;
    if (out == NULL) {
        fprintf(stderr, "gen_malformed: cannot create %s: %s\n", path,
                dead != NULL ? pcap_geterr(dead) : "out of memory");
        exit(1);
    }
    frame_no = 0;
}

static void close_out(const char *path)
{
    if (pcap_dump_flush(out) != 0) {
        fprintf(stderr, "gen_malformed: cannot write %s\n", path);
        exit(1);
    }
    pcap_dump_close(out);
    pcap_close(dead);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--raw-ip") == 0) {
        open_out(argv[2], DLT_RAW);
        echo(1, 56);
        struct pcap_pkthdr h = {.ts = {T0_SEC, 0}, .caplen = 84, .len = 84};
        pcap_dump((u_char *)out, &h, f.b + 14); /* the IPv4 datagram without Ethernet */
        close_out(argv[2]);
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: gen_malformed DIR | gen_malformed --raw-ip FILE\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/malformed-%s.pcap", argv[1], groups[i].name);
        open_out(path, DLT_EN10MB);
        valid(1);
        groups[i].bad();
        valid(2);
        close_out(path);
    }
    return 0;
}
