/* Frame builders for the network tests and the fuzzer: big-endian accessors, the RFC 1071 sum,
 * Ethernet and ARP frames. Written independently of net/'s own routines, so that a wrong
 * routine in net/ cannot agree with itself. Header-only (static inline); no cmocka. */
#ifndef SKIFF_TESTS_NET_FRAMES_H
#define SKIFF_TESTS_NET_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

static inline unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static inline uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* The RFC 1071 sum, written the plain way: returns the checksum field's value. */
static inline unsigned sum16(const uint8_t *p, size_t len)
{
    unsigned long s = 0;
    for (size_t i = 0; i < len; i++)
        s += (i % 2 == 0) ? (unsigned long)p[i] << 8 : p[i];
    while (s > 0xffff)
        s = (s & 0xffff) + (s >> 16);
    return ~s & 0xffff;
}

/* Writes an Ethernet header; returns the header length. */
static inline size_t fx_eth(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], unsigned type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    put16(f + 12, type);
    return 14;
}

/* Writes a whole ARP frame (42 bytes, unpadded) and returns its length. */
static inline size_t fx_arp(uint8_t *f, const uint8_t eth_dst[6], unsigned op, const uint8_t sha[6],
                            uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
    fx_eth(f, eth_dst, sha, 0x0806);
    uint8_t *a = f + 14;
    put16(a, 1);
    put16(a + 2, 0x0800);
    a[4] = 6;
    a[5] = 4;
    put16(a + 6, op);
    memcpy(a + 8, sha, 6);
    put32(a + 14, spa);
    memcpy(a + 18, tha, 6);
    put32(a + 24, tpa);
    return 42;
}

#endif
