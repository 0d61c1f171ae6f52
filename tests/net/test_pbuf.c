/* Unit tests for net/pbuf.c: the fixed buffer pool and its owner checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/net.h"

#define POOL_BUFS 16

static int group_setup(void **state)
{
    (void)state;
    return pbuf_pool_init(POOL_BUFS) == NET_OK ? 0 : -1;
}

/* Every test leaves the pool full. */
static int test_teardown(void **state)
{
    (void)state;
    assert_int_equal(pbuf_pool_free(), POOL_BUFS);
    return 0;
}

/* Runs 'fn' in a child process and returns what it wrote to stderr; asserts the child ended
 * through plat_panic (the hosted platform's exit status 3), not normally or by a signal. */
static void expect_panic(void (*fn)(void), const char *tag)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        fn();
        _exit(0); /* not reached if fn panicked */
    }
    close(fds[1]);
    char out[256] = {0};
    size_t got = 0;
    ssize_t n;
    while (got < sizeof out - 1 && (n = read(fds[0], out + got, sizeof out - 1 - got)) > 0)
        got += (size_t)n;
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 3);
    char want[128];
    snprintf(want, sizeof want, "panic: %s\n", tag);
    assert_string_equal(out, want);
}

static void test_pool_init_all_buffers_free(void **state)
{
    (void)state;
    assert_int_equal(pbuf_pool_size(), POOL_BUFS);
    assert_int_equal(pbuf_pool_free(), POOL_BUFS);
}

static void test_take_gives_empty_buffer_at_headroom(void **state)
{
    (void)state;
    struct pbuf *b = pbuf_take(PBUF_DEVICE);
    assert_non_null(b);
    assert_int_equal(b->owner, PBUF_DEVICE);
    assert_ptr_equal(b->data, b->head + PBUF_HEADROOM);
    assert_int_equal(b->len, 0);
    assert_null(b->next);
    assert_int_equal(pbuf_pool_free(), POOL_BUFS - 1);
    /* The whole frame area is writable (ASan would catch an overrun). */
    memset(b->data, 0xa5, PBUF_FRAME_MAX);
    pbuf_free(b, PBUF_DEVICE);
}

static void test_take_reset_after_reuse(void **state)
{
    (void)state;
    struct pbuf *b = pbuf_take(PBUF_NET);
    b->data += 10;
    b->len = 99;
    pbuf_free(b, PBUF_NET);
    struct pbuf *c = pbuf_take(PBUF_NET);
    assert_ptr_equal(c, b); /* last freed, first taken */
    assert_ptr_equal(c->data, c->head + PBUF_HEADROOM);
    assert_int_equal(c->len, 0);
    pbuf_free(c, PBUF_NET);
}

static void test_pool_buffers_distinct_and_aligned(void **state)
{
    (void)state;
    struct pbuf *b[POOL_BUFS];
    for (int i = 0; i < POOL_BUFS; i++) {
        b[i] = pbuf_take(PBUF_NET);
        assert_non_null(b[i]);
        assert_int_equal((uintptr_t)b[i]->head % PBUF_SIZE, 0);
        for (int j = 0; j < i; j++)
            assert_true(b[i]->head + PBUF_SIZE <= b[j]->head ||
                        b[j]->head + PBUF_SIZE <= b[i]->head);
    }
    for (int i = 0; i < POOL_BUFS; i++)
        pbuf_free(b[i], PBUF_NET);
}

static void test_pool_dry_take_returns_null(void **state)
{
    (void)state;
    struct pbuf *b[POOL_BUFS];
    for (int i = 0; i < POOL_BUFS; i++)
        assert_non_null(b[i] = pbuf_take(PBUF_NET));
    assert_int_equal(pbuf_pool_free(), 0);
    assert_null(pbuf_take(PBUF_NET));
    assert_null(pbuf_take(PBUF_DEVICE));
    pbuf_free(b[3], PBUF_NET);
    assert_ptr_equal(pbuf_take(PBUF_NET), b[3]);
    for (int i = 0; i < POOL_BUFS; i++)
        pbuf_free(b[i], PBUF_NET);
}

static void test_give_moves_owner(void **state)
{
    (void)state;
    struct pbuf *b = pbuf_take(PBUF_DEVICE);
    pbuf_give(b, PBUF_DEVICE, PBUF_NET);
    assert_int_equal(b->owner, PBUF_NET);
    pbuf_give(b, PBUF_NET, PBUF_DEVICE);
    assert_int_equal(b->owner, PBUF_DEVICE);
    pbuf_free(b, PBUF_DEVICE);
    assert_int_equal(b->owner, PBUF_POOL);
}

static void give_from_wrong_owner(void)
{
    struct pbuf *b = pbuf_take(PBUF_NET);
    pbuf_give(b, PBUF_DEVICE, PBUF_NET);
}

static void test_give_wrong_owner_panics(void **state)
{
    (void)state;
    expect_panic(give_from_wrong_owner, "pbuf: wrong owner");
}

static void free_by_wrong_owner(void)
{
    struct pbuf *b = pbuf_take(PBUF_DEVICE);
    pbuf_free(b, PBUF_NET);
}

static void test_free_wrong_owner_panics(void **state)
{
    (void)state;
    expect_panic(free_by_wrong_owner, "pbuf: wrong owner");
}

static void free_twice(void)
{
    struct pbuf *b = pbuf_take(PBUF_NET);
    pbuf_free(b, PBUF_NET);
    pbuf_free(b, PBUF_NET);
}

static void test_double_free_panics(void **state)
{
    (void)state;
    expect_panic(free_twice, "pbuf: wrong owner");
}

static void give_free_buffer(void)
{
    struct pbuf *b = pbuf_take(PBUF_NET);
    pbuf_free(b, PBUF_NET);
    pbuf_give(b, PBUF_POOL, PBUF_NET);
}

static void test_give_from_pool_panics(void **state)
{
    (void)state;
    expect_panic(give_free_buffer, "pbuf: wrong owner");
}

static void free_foreign(void)
{
    static struct pbuf stray;
    stray.owner = PBUF_NET;
    pbuf_free(&stray, PBUF_NET);
}

static void test_free_foreign_buffer_panics(void **state)
{
    (void)state;
    expect_panic(free_foreign, "pbuf: not a pool buffer");
}

static void init_twice(void)
{
    pbuf_pool_init(1);
}

static void test_pool_init_twice_panics(void **state)
{
    (void)state;
    expect_panic(init_twice, "pbuf: pool initialised twice");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_pool_init_all_buffers_free, test_teardown),
        cmocka_unit_test_teardown(test_take_gives_empty_buffer_at_headroom, test_teardown),
        cmocka_unit_test_teardown(test_take_reset_after_reuse, test_teardown),
        cmocka_unit_test_teardown(test_pool_buffers_distinct_and_aligned, test_teardown),
        cmocka_unit_test_teardown(test_pool_dry_take_returns_null, test_teardown),
        cmocka_unit_test_teardown(test_give_moves_owner, test_teardown),
        cmocka_unit_test_teardown(test_give_wrong_owner_panics, test_teardown),
        cmocka_unit_test_teardown(test_free_wrong_owner_panics, test_teardown),
        cmocka_unit_test_teardown(test_double_free_panics, test_teardown),
        cmocka_unit_test_teardown(test_give_from_pool_panics, test_teardown),
        cmocka_unit_test_teardown(test_free_foreign_buffer_panics, test_teardown),
        cmocka_unit_test_teardown(test_pool_init_twice_panics, test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
