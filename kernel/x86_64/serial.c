/* The console: COM1, a 16550 UART at I/O port 0x3F8, polled.
 *
 * Entry points: x86_serial_init, plat_console_write. Output only; the kernel reads nothing from
 * the console. Each '\n' goes out as "\r\n" so that a raw terminal (QEMU -serial mon:stdio)
 * shows lines. A machine without the UART (microvm,isa-serial=off) reads 0xFF from every port,
 * which looks like an always-empty transmitter, so writes cost a few port reads and vanish.
 */
#include "kernel/x86_64/x86.h"

#include "kernel/platform.h"

#define COM1 0x3f8
#define REG_DATA 0 /* DLAB=0: transmit holding; DLAB=1: divisor low byte */
#define REG_IER 1  /* DLAB=0: interrupt enable; DLAB=1: divisor high byte */
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR 0x07 /* FIFOs on, both cleared */
#define MCR_DTR_RTS 0x03
#define LSR_THRE 0x20    /* transmit holding register empty */
#define DIVISOR_115200 1 /* 115200 = 1.8432 MHz / 16 / 1 */

void x86_serial_init(void)
{
    x86_out8(COM1 + REG_IER, 0); /* polled: no UART interrupts */
    x86_out8(COM1 + REG_LCR, LCR_DLAB);
    x86_out8(COM1 + REG_DATA, DIVISOR_115200);
    x86_out8(COM1 + REG_IER, 0);
    x86_out8(COM1 + REG_LCR, LCR_8N1);
    x86_out8(COM1 + REG_FCR, FCR_ENABLE_CLEAR);
    x86_out8(COM1 + REG_MCR, MCR_DTR_RTS);
}

static void put(uint8_t c)
{
    while ((x86_in8(COM1 + REG_LSR) & LSR_THRE) == 0)
        ;
    x86_out8(COM1 + REG_DATA, c);
}

void plat_console_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n') put('\r');
        put((uint8_t)s[i]);
    }
}
