/* tests/lang/test_lex.c: the lexer (lang/lex.c): tokens, every string escape and number form,
 * and the error messages, worded as lua5.4 words them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lang/compiler.h"
#include "lang/lang.h"

/* Lexes 'src' to its first token (after 'skip' tokens); returns NULL, or the error message
 * (into 'err'). */
static const char *lex_one(const char *src, int skip, struct token *out, char *err, size_t cap)
{
    static struct lex ls;
    static jmp_buf on_error;
    static const char *result;
    result = NULL;
    lex_init(&ls, src, strlen(src), "t.lua");
    ls.on_error = &on_error;
    if (setjmp(on_error) == 0) {
        lex_start(&ls);
        for (int i = 0; i <= skip; i++)
            lex_next(&ls);
        *out = ls.t;
        if (ls.t.tok == TK_STRING || ls.t.tok == TK_NAME) {
            size_t n = ls.t.v.s->len < cap - 1 ? ls.t.v.s->len : cap - 1;
            memcpy(err, ls.t.v.s->s, n); /* the string's bytes, for string tests */
            err[n] = '\0';
            out->v.i = (int64_t)ls.t.v.s->len;
        }
    } else {
        snprintf(err, cap, "%s", ls.err);
        result = err;
    }
    lex_fini(&ls);
    return result;
}

static void check_string(const char *src, const char *want, size_t want_len)
{
    struct token t;
    char buf[256];
    assert_null(lex_one(src, 0, &t, buf, sizeof buf));
    assert_int_equal(t.tok, TK_STRING);
    assert_int_equal(t.v.i, (int64_t)want_len);
    assert_memory_equal(buf, want, want_len);
}

static void check_error(const char *src, const char *want)
{
    struct token t;
    char buf[512];
    const char *e = lex_one(src, 8, &t, buf, sizeof buf);
    assert_non_null(e);
    assert_string_equal(e, want);
}

static void test_escapes(void **state)
{
    (void)state;
    check_string("'\\a\\b\\f\\n\\r\\t\\v\\\\\\\"\\''", "\a\b\f\n\r\t\v\\\"'", 10);
    check_string("'\\x41\\x6a'", "Aj", 2);
    check_string("'\\65\\0066\\255'", "A\0066\xff", 4);
    check_string("'\\0'", "\0", 1);
    check_string("'a\\z  \n\t  b'", "ab", 2);
    check_string("'a\\\nb'", "a\nb", 3);
    check_string("'\\u{41}\\u{e9}\\u{20AC}'", "A\xc3\xa9\xe2\x82\xac", 6);
    check_string("'\\u{10FFFF}'", "\xf4\x8f\xbf\xbf", 4);
    check_string("'\\u{7FFFFFFF}'", "\xfd\xbf\xbf\xbf\xbf\xbf", 6);
    check_string("[[\nfirst]]", "first", 5);
    check_string("[==[a]]b]=]c]==]", "a]]b]=]c", 8);
    check_string("[[a\r\nb]]", "a\nb", 3);
}

static void check_int(const char *src, int64_t want)
{
    struct token t;
    char buf[64];
    assert_null(lex_one(src, 0, &t, buf, sizeof buf));
    assert_int_equal(t.tok, TK_INT);
    assert_true(t.v.i == want);
}

static void check_flt(const char *src, double want)
{
    struct token t;
    char buf[64];
    assert_null(lex_one(src, 0, &t, buf, sizeof buf));
    assert_int_equal(t.tok, TK_FLT);
    assert_true(t.v.r == want);
}

static void test_numbers(void **state)
{
    (void)state;
    check_int("3", 3);
    check_int("0xff", 255);
    check_int("0xA", 10);
    check_int("9223372036854775807", INT64_MAX);
    check_int("0xffffffffffffffff", -1); /* hex wraps around */
    check_int("0x10000000000000001", 1);
    check_flt("9223372036854775808", 9223372036854775808.0); /* decimal overflow: float */
    check_flt("3.0", 3.0);
    check_flt(".5", 0.5);
    check_flt("3.", 3.0);
    check_flt("1e2", 100.0);
    check_flt("1E-2", 0.01);
    check_flt("2e+1", 20.0);
    check_flt("0x1p4", 16.0);
    check_flt("0xA.8p0", 10.5);
    check_flt("0x.1", 0.0625);
}

static void test_tokens(void **state)
{
    (void)state;
    static const struct {
        const char *src;
        int tok;
    } cases[] = {
        {"//", TK_IDIV},
        {"..", TK_CONCAT},
        {"...", TK_DOTS},
        {"==", TK_EQ},
        {">=", TK_GE},
        {"<=", TK_LE},
        {"~=", TK_NE},
        {"<<", TK_SHL},
        {">>", TK_SHR},
        {"::", TK_DBCOLON},
        {"and", TK_AND},
        {"while", TK_WHILE},
        {"goto", TK_GOTO},
        {"x1_", TK_NAME},
        {"-- c\n+", '+'},
        {"--[[ long\n comment ]] ~", '~'},
        {"--[==[ ]] ]==] #", '#'},
        {"", TK_EOS},
        {"--", TK_EOS},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct token t;
        char buf[64];
        assert_null(lex_one(cases[i].src, 0, &t, buf, sizeof buf));
        assert_int_equal(t.tok, cases[i].tok);
    }
}

static void test_errors(void **state)
{
    (void)state;
    check_error("x = 3x", "t.lua:1: malformed number near '3x'");
    check_error("x = 0x", "t.lua:1: malformed number near '0x'");
    check_error("x = 3.4.5", "t.lua:1: malformed number near '3.4.5'");
    check_error("x = 1e", "t.lua:1: malformed number near '1e'");
    check_error("x = 'abc", "t.lua:1: unfinished string near <eof>");
    check_error("x = 'abc\ny'", "t.lua:1: unfinished string near ''abc'");
    check_error("x = 'a\\qb'", "t.lua:1: invalid escape sequence near ''a\\q'");
    check_error("x = '\\xg1'", "t.lua:1: hexadecimal digit expected near ''\\xg'");
    check_error("x = '\\300'", "t.lua:1: decimal escape too large near ''\\300''");
    check_error("x = '\\u12'", "t.lua:1: missing '{' near ''\\u1'");
    check_error("x = '\\u{12'", "t.lua:1: missing '}' near ''\\u{12''");
    check_error("x = '\\u{110000000}'", "t.lua:1: UTF-8 value too large near ''\\u{110000000'");
    check_error("x = [==[ abc", "t.lua:1: unfinished long string (starting at line 1) near <eof>");
    check_error("\n--[[ abc", "t.lua:2: unfinished long comment (starting at line 2) near <eof>");
    check_error("x = [=abc", "t.lua:1: invalid long string delimiter near '[='");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
