/* tests/lang/test_parse.c: the parser's error messages through lang_compile(), each checked
 * against what luac5.4 -p prints for the same file (Lua 5.4.4), and the bundle's shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lang/lang.h"
#include "vm/skb.h"

static void check_error(const char *src, const char *want)
{
    struct lang_module m = {.name = "app", .path = "app.lua", .text = src, .len = strlen(src)};
    struct lang_output out;
    assert_int_equal(lang_compile(&m, 1, &out), LANG_ERROR);
    assert_null(out.bytes);
    assert_int_equal(out.nerrors, 1);
    size_t n = strlen(out.errors);
    assert_true(n > 0 && out.errors[n - 1] == '\n');
    out.errors[n - 1] = '\0';
    assert_string_equal(out.errors, want);
    lang_output_free(&out);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    check_error("local x = ", "app.lua:1: unexpected symbol near <eof>");
    check_error("x = = 1", "app.lua:1: unexpected symbol near '='");
    check_error("function f()\n  return 1\n",
                "app.lua:3: 'end' expected (to close 'function' at line 1) near <eof>");
    check_error("\n\n\nlocal function f()\n  if x then\n    return 1\n  end\nend\nend",
                "app.lua:9: <eof> expected near 'end'");
    check_error("for i = 1 do end", "app.lua:1: ',' expected near 'do'");
    check_error("for i do end", "app.lua:1: '=' or 'in' expected near 'do'");
    check_error("x = {1, 2", "app.lua:1: '}' expected near <eof>");
    check_error("x = (1 + 2\ny = 3", "app.lua:2: ')' expected (to close '(' at line 1) near 'y'");
    check_error("local function() end", "app.lua:1: <name> expected near '('");
    check_error("a.b.c", "app.lua:1: syntax error near <eof>");
    check_error("a, b() = 1, 2", "app.lua:1: syntax error near '='");
    check_error("local a = {} a:b", "app.lua:1: function arguments expected near <eof>");
    check_error("return return", "app.lua:1: unexpected symbol near 'return'");
    check_error("local function g() return ... end",
                "app.lua:1: cannot use '...' outside a vararg function near '...'");
    check_error("x = $", "app.lua:1: unexpected symbol near '$'");
    check_error("x = \1", "app.lua:1: unexpected symbol near '<\\1>'");
    check_error("local t = {} t.1 = 2", "app.lua:1: syntax error near '.1'");
    check_error("f(a, b,)", "app.lua:1: unexpected symbol near ')'");
}

static void test_semantic_errors(void **state)
{
    (void)state;
    check_error("local x <const> = 1; x = 2", "app.lua:1: attempt to assign to const variable 'x'");
    check_error("local x <const> = {}\nfunction f() x = 2 end",
                "app.lua:2: attempt to assign to const variable 'x'");
    check_error("local x <foo> = 1", "app.lua:1: unknown attribute 'foo'");
    check_error("local a <close>, b <close> = 1, 2",
                "app.lua:1: multiple to-be-closed variables in local list");
    check_error("goto nowhere", "app.lua:1: no visible label 'nowhere' for <goto> at line 1");
    check_error("\nbreak", "app.lua:2: break outside loop at line 2");
    check_error("::a:: ::a::", "app.lua:1: label 'a' already defined on line 1");
    check_error("do goto l; local x; ::l:: print(x) end",
                "app.lua:1: <goto l> at line 1 jumps into the scope of local 'x'");
}

static void test_limits(void **state)
{
    (void)state;
    char src[8192];
    size_t n = (size_t)snprintf(src, sizeof src, "function f()\nlocal v0");
    for (int i = 1; i < 201; i++)
        n += (size_t)snprintf(src + n, sizeof src - n, ", v%d", i);
    snprintf(src + n, sizeof src - n, "\nend");
    check_error(src, "app.lua:3: too many local variables (limit is 200) in function at line 1 "
                     "near 'end'");
    n = (size_t)snprintf(src, sizeof src, "return ");
    for (int i = 0; i < 250; i++)
        src[n++] = '(';
    src[n] = '\0';
    check_error(src, "app.lua:1: C stack overflow");
}

static void test_bundle(void **state)
{
    (void)state;
    struct lang_module m[2] = {
        {.name = "main", .path = "main.lua", .text = "return 1", .len = 8},
        {.name = "lib.util", .path = "lib/util.lua", .text = "#!shebang\nreturn 2", .len = 18},
    };
    struct lang_output out;
    assert_int_equal(lang_compile(m, 2, &out), LANG_OK);
    assert_null(out.errors);
    assert_true(out.len > SKB_HEADER_LEN);
    assert_memory_equal(out.bytes, SKB_MAGIC, SKB_MAGIC_LEN);
    assert_int_equal(out.bytes[4] | out.bytes[5] << 8, SKB_VERSION);
    assert_int_equal(out.bytes[26], 2); /* module count */
    assert_int_equal(out.bytes[30], 4); /* first name's length, "main" */
    assert_memory_equal(out.bytes + 34, "main", 4);
    lang_output_free(&out);

    /* both modules' errors are reported, and no bytes */
    m[0].text = "x = ";
    m[0].len = 4;
    m[1].text = "y = = 1";
    m[1].len = 7;
    assert_int_equal(lang_compile(m, 2, &out), LANG_ERROR);
    assert_null(out.bytes);
    assert_int_equal(out.nerrors, 2);
    assert_string_equal(out.errors, "main.lua:1: unexpected symbol near <eof>\n"
                                    "lib/util.lua:1: unexpected symbol near '='\n");
    lang_output_free(&out);
}

static void test_module_name(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(lang_module_name("lib/util.lua", buf, sizeof buf), 8);
    assert_string_equal(buf, "lib.util");
    assert_int_equal(lang_module_name("./main.lua", buf, sizeof buf), 4);
    assert_string_equal(buf, "main");
    assert_int_equal(lang_module_name(".lua", buf, sizeof buf), -1);
    assert_int_equal(lang_module_name("a/very/long/name.lua", buf, 8), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax_errors), cmocka_unit_test(test_semantic_errors),
        cmocka_unit_test(test_limits),        cmocka_unit_test(test_bundle),
        cmocka_unit_test(test_module_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
