/* The math library (Lua 5.4 manual §6.7), as lua5.4 (5.4.4, Debian's build) behaves: integer
 * results where 5.4 gives them (floor, ceil, modf, abs), the integer and float forms of fmod,
 * log with a base, and math.random as 5.4 draws it: xoshiro256** seeded as 5.4 seeds it, floats
 * from the high 53 bits, ranges by "project" (mask, then reject). Debian builds lua5.4 with
 * LUA_COMPAT_MATHLIB, so cosh, sinh, tanh, pow, frexp, ldexp, log10 and atan2 are here too.
 * Entry point: vm_lib_math_open. */
#include "vm/lib.h"
#include "vm/vm.h"

#include <math.h>
#include <stdint.h>

#include "kernel/platform.h"

/* Not M_PI: musl defines it only outside strict C11, which the kernel build uses. */
#define PI 3.141592653589793238462643383279502884

/* --- xoshiro256** (Blackman and Vigna, "Scrambled linear pseudorandom number generators",
 * 2018), the generator Lua 5.4 uses --- */

static uint64_t rotl(uint64_t x, int n)
{
    return (x << n) | (x >> (64 - n));
}

static uint64_t rand_next(uint64_t s[4])
{
    uint64_t s0 = s[0], s1 = s[1], s2 = s[2] ^ s0, s3 = s[3] ^ s1;
    uint64_t res = rotl(s1 * 5, 7) * 9;
    s[0] = s0 ^ s3;
    s[1] = s1 ^ s2;
    s[2] = s2 ^ (s1 << 17);
    s[3] = rotl(s3, 45);
    return res;
}

/* Lua 5.4's seeding: (n1, 0xff, n2, 0), then 16 draws thrown away so that close seeds give
 * unrelated sequences (0xff keeps the state from being all zeros). */
static void rand_seed(uint64_t s[4], uint64_t n1, uint64_t n2)
{
    s[0] = n1;
    s[1] = 0xff;
    s[2] = n2;
    s[3] = 0;
    for (int i = 0; i < 16; i++)
        rand_next(s);
}

/* A float in [0, 1) from the high 53 bits, as 5.4 converts (FIGS = 53). */
static double rand_float(uint64_t r)
{
    return (double)(r >> 11) * 0x1p-53;
}

/* 5.4's "project": a uniform integer in [0, n] from 'ran'. When n + 1 is a power of two the low
 * bits are it; otherwise mask to the smallest 2^b - 1 >= n and draw again until inside. */
static uint64_t rand_project(uint64_t ran, uint64_t n, uint64_t s[4])
{
    if ((n & (n + 1)) == 0) return ran & n;
    uint64_t lim = n;
    lim |= lim >> 1;
    lim |= lim >> 2;
    lim |= lim >> 4;
    lim |= lim >> 8;
    lim |= lim >> 16;
    lim |= lim >> 32;
    while ((ran &= lim) > n)
        ran = rand_next(s);
    return ran;
}

/* The generator's state lives in a table of four integers, upvalue 1 of random and randomseed
 * (the VM has no userdata); each call reads it, draws, and writes it back. */
static void state_load(struct vm *vm, uint64_t s[4])
{
    vm_upvalue_push(vm, 1);
    for (int i = 0; i < 4; i++) {
        vm_tab_rawgeti(vm, -1 - i, i + 1);
        int64_t v;
        vm_to_int(vm, -1, &v);
        s[i] = (uint64_t)v;
    }
    vm_stack_pop(vm, 5);
}

static void state_store(struct vm *vm, const uint64_t s[4])
{
    vm_upvalue_push(vm, 1);
    for (int i = 0; i < 4; i++) {
        vm_push_int(vm, (int64_t)s[i]);
        vm_tab_rawseti(vm, -2, i + 1);
    }
    vm_stack_pop(vm, 1);
}

/* The state is stored back only once the arguments have passed their checks: a call that
 * raises draws nothing, as in lua5.4. */
static int math_random(struct vm *vm)
{
    uint64_t s[4];
    int64_t low, up;
    state_load(vm, s);
    uint64_t rv = rand_next(s);
    switch (vm_stack_top(vm)) {
    case 0:
        state_store(vm, s);
        vm_push_num(vm, rand_float(rv));
        return 1;
    case 1:
        low = 1;
        up = vm_check_int(vm, 1);
        if (up == 0) { /* math.random(0): all 64 bits */
            state_store(vm, s);
            vm_push_int(vm, (int64_t)rv);
            return 1;
        }
        break;
    case 2:
        low = vm_check_int(vm, 1);
        up = vm_check_int(vm, 2);
        break;
    default:
        vm_error(vm, "wrong number of arguments");
    }
    if (low > up) vm_arg_error(vm, 1, "interval is empty");
    uint64_t p = rand_project(rv, (uint64_t)up - (uint64_t)low, s);
    state_store(vm, s);
    vm_push_int(vm, (int64_t)(p + (uint64_t)low));
    return 1;
}

/* Seeds from the platform (lua5.4 mixes the time and an address; we have plat_random_seed,
 * fixed under replay so replays stay deterministic) and pushes the two seed words, as
 * math.randomseed() returns them. */
static void seed_from_platform(struct vm *vm, uint64_t s[4])
{
    uint64_t n1 = plat_random_seed();
    uint64_t n2 = plat_clock_ns();
    rand_seed(s, n1, n2);
    vm_push_int(vm, (int64_t)n1);
    vm_push_int(vm, (int64_t)n2);
}

static int math_randomseed(struct vm *vm)
{
    uint64_t s[4];
    if (vm_type(vm, 1) == VM_TNONE) {
        seed_from_platform(vm, s);
    } else {
        int64_t n1 = vm_check_int(vm, 1);
        int64_t n2 = vm_opt_int(vm, 2, 0);
        rand_seed(s, (uint64_t)n1, (uint64_t)n2);
        vm_push_int(vm, n1);
        vm_push_int(vm, n2);
    }
    state_store(vm, s);
    return 2;
}

/* --- The rest of math --- */

/* A float result as an integer when it has an exact integer value in range (5.4's pushnumint). */
static void push_numint(struct vm *vm, double d)
{
    int64_t n;
    if (vm_num_to_int(d, &n))
        vm_push_int(vm, n);
    else
        vm_push_num(vm, d);
}

static int math_abs(struct vm *vm)
{
    if (vm_is_int(vm, 1)) {
        int64_t n = vm_check_int(vm, 1);
        if (n < 0) /* wraps for mininteger, as in 5.4 */
            n = (int64_t)(0u - (uint64_t)n);
        vm_push_int(vm, n);
    } else {
        vm_push_num(vm, fabs(vm_check_num(vm, 1)));
    }
    return 1;
}

static int math_floor(struct vm *vm)
{
    if (vm_is_int(vm, 1))
        vm_stack_set_top(vm, 1);
    else
        push_numint(vm, floor(vm_check_num(vm, 1)));
    return 1;
}

static int math_ceil(struct vm *vm)
{
    if (vm_is_int(vm, 1))
        vm_stack_set_top(vm, 1);
    else
        push_numint(vm, ceil(vm_check_num(vm, 1)));
    return 1;
}

static int math_fmod(struct vm *vm)
{
    if (vm_is_int(vm, 1) && vm_is_int(vm, 2)) {
        int64_t a = vm_check_int(vm, 1), d = vm_check_int(vm, 2);
        if ((uint64_t)d + 1u <= 1u) { /* 0 or -1: -1 would overflow mininteger % -1 */
            if (d == 0) vm_arg_error(vm, 2, "zero");
            vm_push_int(vm, 0);
        } else {
            vm_push_int(vm, a % d); /* C's %, truncating, as fmod does */
        }
    } else {
        vm_push_num(vm, fmod(vm_check_num(vm, 1), vm_check_num(vm, 2)));
    }
    return 1;
}

static int math_modf(struct vm *vm)
{
    if (vm_is_int(vm, 1)) {
        vm_stack_set_top(vm, 1);
        vm_push_num(vm, 0.0);
    } else {
        double n = vm_check_num(vm, 1);
        double ip = n < 0 ? ceil(n) : floor(n);
        push_numint(vm, ip);
        vm_push_num(vm, n == ip ? 0.0 : n - ip); /* n == ip also for inf: no inf - inf */
    }
    return 2;
}

static int math_sqrt(struct vm *vm)
{
    vm_push_num(vm, sqrt(vm_check_num(vm, 1)));
    return 1;
}

static int math_exp(struct vm *vm)
{
    vm_push_num(vm, exp(vm_check_num(vm, 1)));
    return 1;
}

static int math_log(struct vm *vm)
{
    double x = vm_check_num(vm, 1), res;
    enum vm_type bt = vm_type(vm, 2);
    if (bt == VM_TNONE || bt == VM_TNIL) {
        res = log(x);
    } else {
        double base = vm_check_num(vm, 2);
        if (base == 2.0) /* exact where log(x)/log(2) is not, as 5.4 does */
            res = log2(x);
        else if (base == 10.0)
            res = log10(x);
        else
            res = log(x) / log(base);
    }
    vm_push_num(vm, res);
    return 1;
}

static int math_sin(struct vm *vm)
{
    vm_push_num(vm, sin(vm_check_num(vm, 1)));
    return 1;
}

static int math_cos(struct vm *vm)
{
    vm_push_num(vm, cos(vm_check_num(vm, 1)));
    return 1;
}

static int math_tan(struct vm *vm)
{
    vm_push_num(vm, tan(vm_check_num(vm, 1)));
    return 1;
}

static int math_asin(struct vm *vm)
{
    vm_push_num(vm, asin(vm_check_num(vm, 1)));
    return 1;
}

static int math_acos(struct vm *vm)
{
    vm_push_num(vm, acos(vm_check_num(vm, 1)));
    return 1;
}

static int math_atan(struct vm *vm)
{
    double y = vm_check_num(vm, 1);
    double x = vm_opt_num(vm, 2, 1.0);
    vm_push_num(vm, atan2(y, x));
    return 1;
}

static int math_deg(struct vm *vm)
{
    vm_push_num(vm, vm_check_num(vm, 1) * (180.0 / PI));
    return 1;
}

static int math_rad(struct vm *vm)
{
    vm_push_num(vm, vm_check_num(vm, 1) * (PI / 180.0));
    return 1;
}

static int math_tointeger(struct vm *vm)
{
    int64_t n;
    if (vm_to_int(vm, 1, &n)) {
        vm_push_int(vm, n);
    } else {
        vm_check_any(vm, 1);
        vm_push_nil(vm);
    }
    return 1;
}

static int math_type(struct vm *vm)
{
    if (vm_type(vm, 1) == VM_TNUMBER) {
        vm_push_cstr(vm, vm_is_int(vm, 1) ? "integer" : "float");
    } else {
        vm_check_any(vm, 1);
        vm_push_nil(vm);
    }
    return 1;
}

static int math_ult(struct vm *vm)
{
    uint64_t a = (uint64_t)vm_check_int(vm, 1), b = (uint64_t)vm_check_int(vm, 2);
    vm_push_bool(vm, a < b);
    return 1;
}

/* max and min compare with '<' (metamethods and its errors included) and return the argument
 * itself, the first of equals: math.max(1, 2.0, 2) is 2.0. */
static int math_max(struct vm *vm)
{
    int n = vm_stack_top(vm), best = 1;
    if (n < 1) vm_arg_error(vm, 1, "value expected");
    for (int i = 2; i <= n; i++)
        if (vm_less(vm, best, i)) best = i;
    vm_stack_copy(vm, best);
    return 1;
}

static int math_min(struct vm *vm)
{
    int n = vm_stack_top(vm), best = 1;
    if (n < 1) vm_arg_error(vm, 1, "value expected");
    for (int i = 2; i <= n; i++)
        if (vm_less(vm, i, best)) best = i;
    vm_stack_copy(vm, best);
    return 1;
}

/* LUA_COMPAT_MATHLIB, which Debian's lua5.4 has. */

static int math_cosh(struct vm *vm)
{
    vm_push_num(vm, cosh(vm_check_num(vm, 1)));
    return 1;
}

static int math_sinh(struct vm *vm)
{
    vm_push_num(vm, sinh(vm_check_num(vm, 1)));
    return 1;
}

static int math_tanh(struct vm *vm)
{
    vm_push_num(vm, tanh(vm_check_num(vm, 1)));
    return 1;
}

static int math_pow(struct vm *vm)
{
    double x = vm_check_num(vm, 1), y = vm_check_num(vm, 2);
    vm_push_num(vm, pow(x, y));
    return 1;
}

static int math_frexp(struct vm *vm)
{
    int e;
    vm_push_num(vm, frexp(vm_check_num(vm, 1), &e));
    vm_push_int(vm, e);
    return 2;
}

static int math_ldexp(struct vm *vm)
{
    double x = vm_check_num(vm, 1);
    int e = (int)vm_check_int(vm, 2); /* truncated to int, as 5.4's cast does */
    vm_push_num(vm, ldexp(x, e));
    return 1;
}

static int math_log10(struct vm *vm)
{
    vm_push_num(vm, log10(vm_check_num(vm, 1)));
    return 1;
}

static const struct vm_lib_fn math_fns[] = {
    {"abs", math_abs},
    {"ceil", math_ceil},
    {"floor", math_floor},
    {"fmod", math_fmod},
    {"modf", math_modf},
    {"sqrt", math_sqrt},
    {"exp", math_exp},
    {"log", math_log},
    {"sin", math_sin},
    {"cos", math_cos},
    {"tan", math_tan},
    {"asin", math_asin},
    {"acos", math_acos},
    {"atan", math_atan},
    {"deg", math_deg},
    {"rad", math_rad},
    {"tointeger", math_tointeger},
    {"type", math_type},
    {"ult", math_ult},
    {"max", math_max},
    {"min", math_min},
    {"cosh", math_cosh},
    {"sinh", math_sinh},
    {"tanh", math_tanh},
    {"pow", math_pow},
    {"frexp", math_frexp},
    {"ldexp", math_ldexp},
    {"log10", math_log10},
    {"atan2", math_atan},
    {NULL, NULL},
};

void vm_lib_math_open(struct vm *vm)
{
    vm_lib_register(vm, "math", math_fns);
    vm_push_num(vm, PI);
    vm_tab_setfield(vm, -2, "pi");
    vm_push_num(vm, HUGE_VAL);
    vm_tab_setfield(vm, -2, "huge");
    vm_push_int(vm, INT64_MAX);
    vm_tab_setfield(vm, -2, "maxinteger");
    vm_push_int(vm, INT64_MIN);
    vm_tab_setfield(vm, -2, "mininteger");

    /* random and randomseed share one state table, seeded now as lua5.4 seeds at open. */
    uint64_t s[4];
    vm_push_table(vm, 4, 0);
    seed_from_platform(vm, s);
    vm_stack_pop(vm, 2);
    for (int i = 0; i < 4; i++) {
        vm_push_int(vm, (int64_t)s[i]);
        vm_tab_rawseti(vm, -2, i + 1);
    }
    vm_stack_copy(vm, -1);
    vm_push_native(vm, math_random, "math.random", 1);
    vm_tab_setfield(vm, -3, "random");
    vm_push_native(vm, math_randomseed, "math.randomseed", 1);
    vm_tab_setfield(vm, -2, "randomseed");
    vm_stack_pop(vm, 1);
}
