/* net/wire.h: reading and writing protocol fields in raw frames, and the Internet checksum.
 * Internal to net/ and its tests; net/net.h is the public header.
 *
 * Every multi-byte field on the wire is big-endian ("network byte order", RFC 791 Appendix B)
 * and is read or written through these accessors at a named offset, never by casting a frame
 * to a packed struct: a frame may start at any address, and the accessors make no assumption
 * about alignment or the host's byte order.
 */
#ifndef SKIFF_NET_WIRE_H
#define SKIFF_NET_WIRE_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t wire_get16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t wire_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wire_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void wire_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* The Internet checksum, RFC 1071: the 16-bit one's-complement of the one's-complement sum of
 * the data taken as big-endian 16-bit words, an odd last byte padded with a zero byte.
 *
 * wire_csum_add() adds 'len' bytes at 'p' to a running sum and returns the new sum, folded to
 * 16 bits (so sums can be chained; only the last piece may have an odd length).
 * wire_csum_fold() turns a running sum into the checksum field's value.
 * wire_csum() is both for one piece. Checking a received header: wire_csum() over it,
 * checksum field included, is 0 when the checksum is right (RFC 1071 §1 (4)). */
uint32_t wire_csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t wire_csum_fold(uint32_t sum);
uint16_t wire_csum(const uint8_t *p, size_t len);

#endif
