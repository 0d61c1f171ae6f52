/* tests/lang/test_code.c: the code generator (lang/code.c), instruction by instruction; each
 * expected listing is what luac5.4 -l prints for the same source (Lua 5.4.4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lang/compiler.h"

static struct lex ls;
static jmp_buf on_error;

/* Compiles 'src'; returns its main function, or NULL with the message in ls.err. The caller
 * calls lex_fini(&ls). */
static struct proto *compile(const char *src)
{
    lex_init(&ls, src, strlen(src), "c.lua");
    ls.on_error = &on_error;
    if (setjmp(on_error) != 0) return NULL;
    lex_start(&ls);
    parse_chunk(&ls);
    return ls.main;
}

static skb_ins abck(int op, int a, int b, int c, int k)
{
    return skb_abck((unsigned)op, (unsigned)a, (unsigned)b, (unsigned)c, (unsigned)k);
}

static void check_code(const struct proto *f, const skb_ins *want, int n)
{
    assert_non_null(f);
    for (int i = 0; i < n && i < f->ncode; i++) {
        if (f->code[i] != want[i])
            fail_msg("pc %d: op %u a %u b %u c %u k %u, want op %u a %u b %u c %u k %u", i + 1,
                     skb_op(f->code[i]), skb_a(f->code[i]), skb_b(f->code[i]), skb_c(f->code[i]),
                     skb_k(f->code[i]), skb_op(want[i]), skb_a(want[i]), skb_b(want[i]),
                     skb_c(want[i]), skb_k(want[i]));
    }
    assert_int_equal(f->ncode, n);
}

#define SC(x) ((x) + SKB_OFFSET_SC)
#define CHECK(src, ...)                                                                            \
    do {                                                                                           \
        const skb_ins want_[] = {__VA_ARGS__};                                                     \
        check_code(compile(src), want_, (int)(sizeof want_ / sizeof want_[0]));                    \
        lex_fini(&ls);                                                                             \
    } while (0)

static void test_addi(void **state)
{
    (void)state;
    CHECK("local a = b + 1", abck(SKB_OP_VARARGPREP, 0, 0, 0, 0), abck(SKB_OP_GETTABUP, 0, 0, 0, 0),
          abck(SKB_OP_ADDI, 0, 0, SC(1), 0), abck(SKB_OP_MMBINI, 0, SC(1), SKB_EV_ADD, 0),
          abck(SKB_OP_RETURN, 1, 1, 1, 0));
}

static void test_folding(void **state)
{
    (void)state;
    CHECK("local x = 2^10 + 3 * 4", abck(SKB_OP_VARARGPREP, 0, 0, 0, 0),
          skb_asbx(SKB_OP_LOADF, 0, 1036), abck(SKB_OP_RETURN, 1, 1, 1, 0));
    /* division by zero is left to run time */
    CHECK("local x = 1 // 0", abck(SKB_OP_VARARGPREP, 0, 0, 0, 0), skb_asbx(SKB_OP_LOADI, 0, 1),
          abck(SKB_OP_IDIVK, 0, 0, 0, 0), abck(SKB_OP_MMBINK, 0, 0, SKB_EV_IDIV, 0),
          abck(SKB_OP_RETURN, 1, 1, 1, 0));
    /* integer arithmetic wraps around when folded */
    struct proto *f = compile("local x = math.maxinteger; local y = 9223372036854775807 + 1");
    assert_non_null(f);
    assert_int_equal(f->nk, 3);
    assert_int_equal(f->k[2].tag, SKB_CONST_INT);
    assert_true(f->k[2].u.i == INT64_MIN);
    lex_fini(&ls);
}

static void test_concat_and_fields(void **state)
{
    (void)state;
    CHECK("local t = {} t.x = t.y .. \"s\" .. 1", abck(SKB_OP_VARARGPREP, 0, 0, 0, 0),
          abck(SKB_OP_NEWTABLE, 0, 0, 0, 0), skb_iax(SKB_OP_EXTRAARG, 0),
          abck(SKB_OP_GETFIELD, 1, 0, 1, 0), skb_abx(SKB_OP_LOADK, 2, 2),
          skb_asbx(SKB_OP_LOADI, 3, 1), abck(SKB_OP_CONCAT, 1, 3, 0, 0),
          abck(SKB_OP_SETFIELD, 0, 0, 1, 0), abck(SKB_OP_RETURN, 1, 1, 1, 0));
}

static void test_sub_immediates(void **state)
{
    (void)state;
    CHECK("local a, b = 1; a = b - 5; b = 300 - a", abck(SKB_OP_VARARGPREP, 0, 0, 0, 0),
          skb_asbx(SKB_OP_LOADI, 0, 1), abck(SKB_OP_LOADNIL, 1, 0, 0, 0),
          abck(SKB_OP_ADDI, 0, 1, SC(-5), 0), abck(SKB_OP_MMBINI, 1, SC(5), SKB_EV_SUB, 0),
          skb_asbx(SKB_OP_LOADI, 2, 300), abck(SKB_OP_SUB, 1, 2, 0, 0),
          abck(SKB_OP_MMBIN, 2, 0, SKB_EV_SUB, 0), abck(SKB_OP_RETURN, 2, 1, 1, 0));
}

static void test_recursion(void **state)
{
    (void)state;
    struct proto *m =
        compile("local function f(n) if n < 2 then return n end return f(n-1) + f(n-2) end");
    assert_non_null(m);
    assert_int_equal(m->np, 1);
    const skb_ins want[] = {
        abck(SKB_OP_LTI, 0, SC(2), 0, 0),        skb_isj(SKB_OP_JMP, 1),
        abck(SKB_OP_RETURN1, 0, 2, 0, 0),        abck(SKB_OP_GETUPVAL, 1, 0, 0, 0),
        abck(SKB_OP_ADDI, 2, 0, SC(-1), 0),      abck(SKB_OP_MMBINI, 0, SC(1), SKB_EV_SUB, 0),
        abck(SKB_OP_CALL, 1, 2, 2, 0),           abck(SKB_OP_GETUPVAL, 2, 0, 0, 0),
        abck(SKB_OP_ADDI, 3, 0, SC(-2), 0),      abck(SKB_OP_MMBINI, 0, SC(2), SKB_EV_SUB, 0),
        abck(SKB_OP_CALL, 2, 2, 2, 0),           abck(SKB_OP_ADD, 1, 1, 2, 0),
        abck(SKB_OP_MMBIN, 1, 2, SKB_EV_ADD, 0), abck(SKB_OP_RETURN1, 1, 2, 0, 0),
        abck(SKB_OP_RETURN0, 1, 1, 0, 0),
    };
    check_code(m->p[0], want, (int)(sizeof want / sizeof want[0]));
    /* the main function closes its upvalue 'f' on return: RETURN with k */
    assert_int_equal(m->code[2], abck(SKB_OP_RETURN, 1, 1, 1, 1));
    assert_int_equal(m->p[0]->nup, 1);
    assert_int_equal(m->p[0]->up[0].instack, 1);
    lex_fini(&ls);
}

static void test_constants_and_debug_info(void **state)
{
    (void)state;
    struct proto *m = compile("local user <const> = 10\nlocal x = user * 2\nlocal y = 'a'\n");
    assert_non_null(m);
    /* 'user' is a compile-time constant: no register, no record; x is folded */
    assert_int_equal(m->nlocvars, 2);
    assert_string_equal(m->locvars[0].name->s, "x");
    assert_int_equal(m->code[1], skb_asbx(SKB_OP_LOADI, 0, 20));
    assert_int_equal(m->lines[1], 2);
    assert_int_equal(m->lines[2], 3);
    assert_string_equal(m->up[0].name->s, "_ENV");
    lex_fini(&ls);
}

static void test_register_limit(void **state)
{
    (void)state;
    char src[4096];
    size_t n = (size_t)snprintf(src, sizeof src, "x = f(a0");
    for (int i = 1; i < 300; i++)
        n += (size_t)snprintf(src + n, sizeof src - n, ",a%d", i);
    snprintf(src + n, sizeof src - n, ")");
    assert_null(compile(src));
    assert_string_equal(ls.err, "c.lua:1: function or expression needs too many registers "
                                "near 'a254'");
    lex_fini(&ls);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addi),
        cmocka_unit_test(test_folding),
        cmocka_unit_test(test_concat_and_fields),
        cmocka_unit_test(test_sub_immediates),
        cmocka_unit_test(test_recursion),
        cmocka_unit_test(test_constants_and_debug_info),
        cmocka_unit_test(test_register_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
