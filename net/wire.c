/* The Internet checksum (RFC 1071). Entry points: wire_csum_add, wire_csum_fold, wire_csum;
 * the byte accessors are inline in net/wire.h. */
#include "net/wire.h"

/* Folds the carries of a one's-complement sum back into its low 16 bits (RFC 1071 §2 (C),
 * "end-around carry"). Two rounds suffice for any 32-bit value. */
static uint32_t fold(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint32_t)sum;
}

uint32_t wire_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    /* A 64-bit accumulator cannot overflow: even 2^32 words of 0xffff fit. */
    uint64_t acc = sum;
    size_t i = 0;
    for (; i + 1 < len; i += 2)
        acc += (uint32_t)p[i] << 8 | p[i + 1];
    if (i < len)
        acc += (uint32_t)p[i] << 8; /* odd last byte, padded with a zero byte (RFC 1071 §1) */
    return fold(acc);
}

uint16_t wire_csum_fold(uint32_t sum)
{
    return (uint16_t)~fold(sum);
}

uint16_t wire_csum(const uint8_t *p, size_t len)
{
    return wire_csum_fold(wire_csum_add(0, p, len));
}
