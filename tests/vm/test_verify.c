/* The loader and verifier (vm/load.c, vm/verify.c): a minimal valid bundle loads and runs;
 * every prefix of it is refused as truncated; and each check of docs/bytecode.md refuses a
 * bundle built to break exactly that rule, with "t.skb: bad bytecode: <what> at function <n>
 * pc <k>". Bundles are built here byte by byte, so the tests do not depend on lang/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vm/skb.h"
#include "vm/vm.h"

static _Alignas(16) unsigned char heap[4 << 20];

struct out {
    uint8_t b[4096];
    size_t n;
};

static void u8(struct out *o, unsigned v) { o->b[o->n++] = (uint8_t)v; }
static void u32(struct out *o, uint32_t v)
{
    for (int i = 0; i < 4; i++) u8(o, (v >> (8 * i)) & 0xff);
}
static void u64(struct out *o, uint64_t v)
{
    for (int i = 0; i < 8; i++) u8(o, (unsigned)(v >> (8 * i)) & 0xff);
}
static void str(struct out *o, const char *s)
{
    u32(o, (uint32_t)strlen(s));
    memcpy(o->b + o->n, s, strlen(s));
    o->n += strlen(s);
}

/* A function: constants K[0] = integer 1, K[1] = "x"; 'nup' upvalues (the first _ENV-like:
 * instack 1, idx 0; others instack 0, idx 'upidx'); 'child' nested functions given as code. */
struct fn {
    const skb_ins *code;
    uint32_t ncode;
    uint8_t maxstack, vararg, nup, upidx;
    const struct fn *child;
};

static void function(struct out *o, const struct fn *f)
{
    str(o, "@t.lua");
    u32(o, 0);
    u32(o, 0);
    u8(o, 0);
    u8(o, f->vararg);
    u8(o, f->maxstack);
    u32(o, f->ncode);
    for (uint32_t i = 0; i < f->ncode; i++) u32(o, f->code[i]);
    u32(o, 2);
    u8(o, SKB_CONST_INT);
    u64(o, 1);
    u8(o, SKB_CONST_SHORTSTR);
    str(o, "x");
    u32(o, f->nup);
    for (unsigned i = 0; i < f->nup; i++) {
        u8(o, i == 0 ? 1 : 0);
        u8(o, i == 0 ? 0 : f->upidx);
        u8(o, 0);
    }
    u32(o, f->child ? 1 : 0);
    if (f->child) function(o, f->child);
    u32(o, f->ncode);
    for (uint32_t i = 0; i < f->ncode; i++) u32(o, 1);
    u32(o, 0);
    u32(o, 0);
}

static void bundle(struct out *o, const struct fn *main)
{
    o->n = 0;
    memcpy(o->b, SKB_MAGIC, SKB_MAGIC_LEN);
    o->n = SKB_MAGIC_LEN;
    u8(o, SKB_VERSION);
    u8(o, 0);
    u8(o, 4);
    u8(o, 8);
    u8(o, 8);
    u8(o, 0);
    u64(o, (uint64_t)SKB_CHECK_INT);
    double d = SKB_CHECK_NUM;
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    u64(o, bits);
    u32(o, 1);
    str(o, "main");
    function(o, main);
}

#define ABC(op, a, b, c, k) skb_abck(SKB_OP_##op, a, b, c, k)
/* The main function's first and last instructions. */
#define prep ABC(VARARGPREP, 0, 0, 0, 0)
#define ret ABC(RETURN, 0, 1, 1, 0)

/* Loads 'o' and returns the outcome; the message, if any, in 'msg'. */
static enum vm_outcome load(struct out *o, char *msg, size_t cap)
{
    struct vm *vm = vm_init(heap, sizeof heap, NULL, NULL);
    assert_non_null(vm);
    enum vm_outcome r = vm_load(vm, o->b, o->n, "t.skb");
    msg[0] = '\0';
    if (r != VM_DONE) {
        size_t len;
        const char *m = vm_error_message(vm, &len);
        snprintf(msg, cap, "%s", m);
    } else {
        assert_int_equal(vm_run(vm, 0, 0), VM_DONE);
    }
    vm_fini(vm);
    return r;
}

static void expect_refused(const struct fn *main, const char *what)
{
    struct out o;
    char msg[256];
    bundle(&o, main);
    assert_int_equal(load(&o, msg, sizeof msg), VM_BAD_BYTECODE);
    assert_string_equal(msg, what);
}

static void test_minimal_bundle_loads_and_runs(void **state)
{
    (void)state;
    skb_ins code[] = {prep, ret};
    struct fn f = {code, 2, 2, 1, 1, 0, NULL};
    struct out o;
    char msg[256];
    bundle(&o, &f);
    assert_int_equal(load(&o, msg, sizeof msg), VM_DONE);
}

static void test_every_prefix_refused(void **state)
{
    (void)state;
    skb_ins code[] = {prep, ret};
    struct fn f = {code, 2, 2, 1, 1, 0, NULL};
    struct out o;
    char msg[256];
    bundle(&o, &f);
    size_t full = o.n;
    for (size_t n = 0; n < full; n++) {
        o.n = n;
        assert_int_equal(load(&o, msg, sizeof msg), VM_BAD_BYTECODE);
    }
}

static void test_trailing_bytes_refused(void **state)
{
    (void)state;
    skb_ins code[] = {prep, ret};
    struct fn f = {code, 2, 2, 1, 1, 0, NULL};
    struct out o;
    char msg[256];
    bundle(&o, &f);
    u8(&o, 0);
    assert_int_equal(load(&o, msg, sizeof msg), VM_BAD_BYTECODE);
    assert_string_equal(msg, "t.skb: bad bytecode: trailing bytes at function 0 pc 0");
}

static void test_bad_magic_refused(void **state)
{
    (void)state;
    skb_ins code[] = {prep, ret};
    struct fn f = {code, 2, 2, 1, 1, 0, NULL};
    struct out o;
    char msg[256];
    bundle(&o, &f);
    o.b[1] = 'X';
    assert_int_equal(load(&o, msg, sizeof msg), VM_BAD_BYTECODE);
    assert_string_equal(msg, "t.skb: bad bytecode: not a .skb file at function 0 pc 0");
}

static void test_bad_opcode_refused(void **state)
{
    (void)state;
    skb_ins code[] = {prep, 83, ret};
    struct fn f = {code, 3, 2, 1, 1, 0, NULL};
    expect_refused(&f, "t.skb: bad bytecode: bad opcode at function 0 pc 1");
}

static void test_register_at_maxstack_refused(void **state)
{
    (void)state;
    skb_ins ok[] = {prep, ABC(MOVE, 1, 0, 0, 0), ret};
    struct fn f = {ok, 3, 2, 1, 1, 0, NULL};
    struct out o;
    char msg[256];
    bundle(&o, &f);
    assert_int_equal(load(&o, msg, sizeof msg), VM_DONE); /* R1 < maxstack 2: the limit */
    skb_ins bad[] = {prep, ABC(MOVE, 2, 0, 0, 0), ret};
    f.code = bad;
    expect_refused(&f, "t.skb: bad bytecode: register out of range at function 0 pc 1");
}

/* luac5.4 writes the first free register into RETURN's A even when it equals maxstacksize. */
static void test_return_with_a_at_maxstack_loads(void **state)
{
    (void)state;
    skb_ins code[] = {prep, ABC(RETURN, 2, 1, 1, 0)};
    struct fn f = {code, 2, 2, 1, 1, 0, NULL};
    struct out o;
    char msg[256];
    bundle(&o, &f);
    assert_int_equal(load(&o, msg, sizeof msg), VM_DONE);
    skb_ins bad[] = {prep, ABC(RETURN, 2, 2, 1, 0)}; /* would return R[2], past the frame */
    f.code = bad;
    expect_refused(&f, "t.skb: bad bytecode: register out of range at function 0 pc 1");
}

static void test_constant_out_of_range_refused(void **state)
{
    (void)state;
    skb_ins code[] = {prep, skb_abx(SKB_OP_LOADK, 0, 2), ret};
    struct fn f = {code, 3, 2, 1, 1, 0, NULL};
    expect_refused(&f, "t.skb: bad bytecode: constant out of range at function 0 pc 1");
}

static void test_field_key_not_string_refused(void **state)
{
    (void)state;
    skb_ins code[] = {prep, ABC(GETFIELD, 0, 0, 0, 0), ret};
    struct fn f = {code, 3, 2, 1, 1, 0, NULL};
    expect_refused(&f, "t.skb: bad bytecode: constant is not a string at function 0 pc 1");
}

static void test_upvalue_out_of_range_refused(void **state)
{
    (void)state;
    skb_ins code[] = {prep, ABC(GETUPVAL, 0, 1, 0, 0), ret};
    struct fn f = {code, 3, 2, 1, 1, 0, NULL};
    expect_refused(&f, "t.skb: bad bytecode: upvalue out of range at function 0 pc 1");
}

static void test_jump_out_of_range_refused(void **state)
{
    (void)state;
    skb_ins code[] = {prep, skb_isj(SKB_OP_JMP, 1), ret};
    struct fn f = {code, 3, 2, 1, 1, 0, NULL};
    expect_refused(&f, "t.skb: bad bytecode: jump out of range at function 0 pc 1");
}

static void test_arith_without_mmbin_refused(void **state)
{
    (void)state;
    skb_ins code[] = {prep, ABC(ADD, 0, 0, 0, 0), ret, ret};
    struct fn f = {code, 4, 2, 1, 1, 0, NULL};
    expect_refused(&f,
                   "t.skb: bad bytecode: arithmetic without its metamethod fallback at function 0 pc 1");
}

static void test_loadkx_without_extraarg_refused(void **state)
{
    (void)state;
    skb_ins code[] = {prep, skb_abx(SKB_OP_LOADKX, 0, 0), ret};
    struct fn f = {code, 3, 2, 1, 1, 0, NULL};
    expect_refused(&f, "t.skb: bad bytecode: missing extra argument at function 0 pc 1");
}

static void test_code_running_off_the_end_refused(void **state)
{
    (void)state;
    skb_ins code[] = {prep, ABC(MOVE, 0, 1, 0, 0)};
    struct fn f = {code, 2, 2, 1, 1, 0, NULL};
    expect_refused(&f, "t.skb: bad bytecode: code runs off the end at function 0 pc 1");
}

static void test_main_with_two_upvalues_refused(void **state)
{
    (void)state;
    skb_ins code[] = {prep, ret};
    struct fn f = {code, 2, 2, 1, 2, 0, NULL};
    expect_refused(&f, "t.skb: bad bytecode: bad main function at function 0 pc 0");
}

static void test_nested_upvalue_descriptor_out_of_range_refused(void **state)
{
    (void)state;
    skb_ins inner[] = {ABC(RETURN0, 0, 0, 0, 0)};
    struct fn child = {inner, 1, 2, 0, 2, 5, NULL}; /* upvalue 1: enclosing upvalue 5 of 1 */
    skb_ins code[] = {prep, skb_abx(SKB_OP_CLOSURE, 0, 0), ret};
    struct fn f = {code, 3, 2, 1, 1, 0, &child};
    expect_refused(&f, "t.skb: bad bytecode: upvalue descriptor out of range at function 1 pc 0");
}

static void test_open_call_without_multiple_result_refused(void **state)
{
    (void)state;
    skb_ins code[] = {prep, ABC(CALL, 0, 0, 1, 0), ret};
    struct fn f = {code, 3, 2, 1, 1, 0, NULL};
    expect_refused(&f, "t.skb: bad bytecode: open call without a multiple result at function 0 pc 1");
}

static void test_vararg_setup_misplaced_refused(void **state)
{
    (void)state;
    skb_ins code[] = {prep, prep, ret};
    struct fn f = {code, 3, 2, 1, 1, 0, NULL};
    expect_refused(&f, "t.skb: bad bytecode: misplaced vararg setup at function 0 pc 1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal_bundle_loads_and_runs),
        cmocka_unit_test(test_every_prefix_refused),
        cmocka_unit_test(test_trailing_bytes_refused),
        cmocka_unit_test(test_bad_magic_refused),
        cmocka_unit_test(test_bad_opcode_refused),
        cmocka_unit_test(test_register_at_maxstack_refused),
        cmocka_unit_test(test_return_with_a_at_maxstack_loads),
        cmocka_unit_test(test_constant_out_of_range_refused),
        cmocka_unit_test(test_field_key_not_string_refused),
        cmocka_unit_test(test_upvalue_out_of_range_refused),
        cmocka_unit_test(test_jump_out_of_range_refused),
        cmocka_unit_test(test_arith_without_mmbin_refused),
        cmocka_unit_test(test_loadkx_without_extraarg_refused),
        cmocka_unit_test(test_code_running_off_the_end_refused),
        cmocka_unit_test(test_main_with_two_upvalues_refused),
        cmocka_unit_test(test_nested_upvalue_descriptor_out_of_range_refused),
        cmocka_unit_test(test_open_call_without_multiple_result_refused),
        cmocka_unit_test(test_vararg_setup_misplaced_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
