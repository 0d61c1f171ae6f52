/* Unit tests for kernel/x86_64/virtio_mmio.c: parsing of the virtio_mmio.device= words. The
 * register probing needs the device itself and is covered by tests/qemu/ping-microvm.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "kernel/x86_64/virtio_mmio.c"

/* What the file needs from the rest of the kernel, none of it reached by parse_device. */
void virtio_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void x86_ioapic_route(unsigned gsi, bool level_triggered)
{
    (void)gsi, (void)level_triggered;
    fail();
}

bool x86_ioapic_has(unsigned gsi)
{
    (void)gsi;
    fail();
    return false;
}

static void test_parse_device_as_qemu_writes_it(void **state)
{
    (void)state;
    uint64_t base, len;
    int line;
    assert_true(parse_device("512@0xfeb02e00:47", &base, &len, &line));
    assert_int_equal(base, 0xfeb02e00);
    assert_int_equal(len, 512);
    assert_int_equal(line, 47);
}

/* Linux's syntax also allows a size suffix, a trailing ":<id>" and a following word. */
static void test_parse_device_suffix_id_and_next_word(void **state)
{
    (void)state;
    uint64_t base, len;
    int line;
    assert_true(parse_device("4K@0xd0000000:5:3", &base, &len, &line));
    assert_int_equal(len, 4096);
    assert_int_equal(base, 0xd0000000);
    assert_int_equal(line, 5);
    assert_true(parse_device("1M@4096:0 ip=10.0.0.2", &base, &len, &line));
    assert_int_equal(len, 1 << 20);
    assert_int_equal(base, 4096);
    assert_int_equal(line, 0);
}

/* Any line that fits an int parses; whether an IOAPIC has it is asked of x86_ioapic_has()
 * once the device is found (a line without an input means idle=halt wakes on timers only). */
static void test_parse_device_irq_limit(void **state)
{
    (void)state;
    uint64_t base, len;
    int line;
    assert_true(parse_device("512@0x1000:2147483647", &base, &len, &line));
    assert_int_equal(line, 2147483647);
    assert_false(parse_device("512@0x1000:2147483648", &base, &len, &line));
}

static void test_parse_device_malformed_refused(void **state)
{
    (void)state;
    const char *bad[] = {"",          "512",    "512@",         "512@0x1000",    "512@0x1000:",
                         "@0x1000:5", "512@:5", "512@0x1000:x", "512@0x1000:5x", "512#0x1000:5"};
    uint64_t base, len;
    int line;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (parse_device(bad[i], &base, &len, &line)) fail_msg("accepted '%s'", bad[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_device_as_qemu_writes_it),
        cmocka_unit_test(test_parse_device_suffix_id_and_next_word),
        cmocka_unit_test(test_parse_device_irq_limit),
        cmocka_unit_test(test_parse_device_malformed_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
