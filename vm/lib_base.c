/* vm/lib_base.c: the base library (Lua 5.4 manual §6.1) and vm_open_libs. Deviation from
 * Lua, by design (DESIGN.md section 7): load() takes bytecode only; given source text it
 * returns nil and a message saying to compile on the host. */
#include "vm/lib.h"

#include <string.h>

#include "vm/core.h"
#include "vm/vm.h"
#include "kernel/platform.h"

static int base_print(struct vm *vm)
{
    int n = vm_stack_top(vm);
    for (int i = 1; i <= n; i++) {
        size_t len;
        const char *s = vm_push_tostring(vm, i, &len);
        if (i > 1) vm_write(vm, "\t", 1);
        vm_write(vm, s, len);
        vm_stack_pop(vm, 1);
    }
    vm_write(vm, "\n", 1);
    return 0;
}

static int base_type(struct vm *vm)
{
    vm_check_any(vm, 1);
    vm_push_cstr(vm, vm_type_name(vm_type(vm, 1)));
    return 1;
}

static int base_tostring(struct vm *vm)
{
    vm_check_any(vm, 1);
    vm_push_tostring(vm, 1, NULL);
    return 1;
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int base_tonumber(struct vm *vm)
{
    if (vm_type(vm, 2) <= VM_TNIL) {
        if (vm_type(vm, 1) == VM_TNUMBER) {
            vm_stack_set_top(vm, 1);
            return 1;
        }
        size_t len;
        const char *s = vm_type(vm, 1) == VM_TSTRING ? vm_to_str(vm, 1, &len) : NULL;
        if (s != NULL && vm_push_str_number(vm, s, len)) return 1;
        vm_check_any(vm, 1);
        vm_push_nil(vm);
        return 1;
    }
    int64_t base = vm_check_int(vm, 2);
    vm_check_type(vm, 1, VM_TSTRING);
    size_t len;
    const char *s = vm_to_str(vm, 1, &len), *e = s + len;
    if (base < 2 || base > 36) vm_arg_error(vm, 2, "base out of range");
    while (s < e && is_space(*s)) s++;
    bool neg = false;
    if (s < e && *s == '-') {
        neg = true;
        s++;
    }
    uint64_t n = 0;
    bool any = false;
    while (s < e && digit_value(*s) < base) {
        n = n * (uint64_t)base + (uint64_t)digit_value(*s);
        s++;
        any = true;
    }
    while (s < e && is_space(*s)) s++;
    if (!any || s != e) {
        vm_push_nil(vm);
        return 1;
    }
    vm_push_int(vm, (int64_t)(neg ? 0 - n : n));
    return 1;
}

static int base_next(struct vm *vm)
{
    vm_check_type(vm, 1, VM_TTABLE);
    vm_stack_set_top(vm, 2);
    if (vm_tab_next(vm, 1)) return 2;
    vm_push_nil(vm);
    return 1;
}

static int base_pairs(struct vm *vm)
{
    vm_check_any(vm, 1);
    if (vm_meta_field(vm, 1, "__pairs") != VM_TNIL) {
        vm_stack_copy(vm, 1);
        vm_call(vm, 1, 3);
        return 3;
    }
    vm_push_native(vm, base_next, "next", 0);
    vm_stack_copy(vm, 1);
    vm_push_nil(vm);
    return 3;
}

static int ipairs_aux(struct vm *vm)
{
    int64_t i = vm_check_int(vm, 2) + 1;
    vm_push_int(vm, i);
    return vm_tab_geti(vm, 1, i) == VM_TNIL ? 1 : 2;
}

static int base_ipairs(struct vm *vm)
{
    vm_check_any(vm, 1);
    vm_push_native(vm, ipairs_aux, "ipairs_aux", 0);
    vm_stack_copy(vm, 1);
    vm_push_int(vm, 0);
    return 3;
}

static int base_select(struct vm *vm)
{
    int n = vm_stack_top(vm);
    size_t len;
    if (vm_type(vm, 1) == VM_TSTRING) {
        const char *s = vm_to_str(vm, 1, &len);
        if (len == 1 && s[0] == '#') {
            vm_push_int(vm, n - 1);
            return 1;
        }
    }
    int64_t i = vm_check_int(vm, 1);
    if (i < 0) i = n + i;
    else if (i > n) i = n;
    if (i < 1) vm_arg_error(vm, 1, "index out of range");
    return n - (int)i;
}

static int base_rawequal(struct vm *vm)
{
    vm_check_any(vm, 1);
    vm_check_any(vm, 2);
    vm_push_bool(vm, vm_raw_equal(vm, 1, 2));
    return 1;
}

static int base_rawlen(struct vm *vm)
{
    enum vm_type t = vm_type(vm, 1);
    if (t != VM_TTABLE && t != VM_TSTRING) vm_type_error(vm, 1, "table or string");
    vm_push_int(vm, (int64_t)vm_rawlen(vm, 1));
    return 1;
}

static int base_rawget(struct vm *vm)
{
    vm_check_type(vm, 1, VM_TTABLE);
    vm_check_any(vm, 2);
    vm_stack_set_top(vm, 2);
    vm_tab_rawget(vm, 1);
    return 1;
}

static int base_rawset(struct vm *vm)
{
    vm_check_type(vm, 1, VM_TTABLE);
    vm_check_any(vm, 2);
    vm_check_any(vm, 3);
    vm_stack_set_top(vm, 3);
    vm_tab_rawset(vm, 1);
    return 1;
}

static int base_getmetatable(struct vm *vm)
{
    vm_check_any(vm, 1);
    if (!vm_meta_get(vm, 1)) {
        vm_push_nil(vm);
        return 1;
    }
    vm_meta_field(vm, 1, "__metatable");
    return 1;
}

static int base_setmetatable(struct vm *vm)
{
    enum vm_type t = vm_type(vm, 2);
    vm_check_type(vm, 1, VM_TTABLE);
    if (t != VM_TNIL && t != VM_TTABLE) vm_type_error(vm, 2, "nil or table");
    if (vm_meta_field(vm, 1, "__metatable") != VM_TNIL)
        vm_error(vm, "cannot change a protected metatable");
    vm_stack_set_top(vm, 2);
    vm_meta_set(vm, 1);
    return 1;
}

static int base_assert(struct vm *vm)
{
    if (vm_to_bool(vm, 1)) return vm_stack_top(vm);
    vm_check_any(vm, 1);
    if (vm_type(vm, 2) <= VM_TNIL) vm_error(vm, "%s", "assertion failed!");
    vm_stack_set_top(vm, 2);
    vm_error_raise(vm);
}

static int base_error(struct vm *vm)
{
    int64_t level = vm_opt_int(vm, 2, 1);
    vm_stack_set_top(vm, 1);
    if (level > 0) vm_error_raise_at(vm, (int)(level > 1000 ? 1000 : level));
    vm_error_raise(vm);
}

static int base_pcall(struct vm *vm)
{
    vm_check_any(vm, 1);
    return interp_pcall(vm, 1);
}

static int base_xpcall(struct vm *vm)
{
    vm_check_type(vm, 2, VM_TFUNCTION);
    vm_stack_copy(vm, 1);
    vm_stack_insert(vm, 3);
    return interp_pcall(vm, 3);
}

static int base_load(struct vm *vm)
{
    size_t len;
    if (vm_type(vm, 1) != VM_TSTRING) {
        vm_push_nil(vm);
        vm_push_cstr(vm, "load: only bytecode strings can be loaded (no reader functions)");
        return 2;
    }
    const char *s = vm_to_str(vm, 1, &len);
    const char *name = vm_opt_str(vm, 2, "=(load)", NULL);
    if (len < SKB_MAGIC_LEN || memcmp(s, SKB_MAGIC, SKB_MAGIC_LEN) != 0) {
        vm_push_nil(vm);
        vm_push_fstr(vm, "%s: cannot load source text: skiff runs bytecode only (compile "
                         "with skiff build)", name[0] == '=' || name[0] == '@' ? name + 1 : name);
        return 2;
    }
    bool has_env = vm_stack_top(vm) >= 4;
    enum vm_outcome r = load_bytecode(vm, (const uint8_t *)s, len,
                                    name[0] == '=' || name[0] == '@' ? name + 1 : name, false);
    if (r != VM_DONE) {
        vm_push_nil(vm);
        vm_stack_insert(vm, -2);
        return 2;
    }
    if (has_env) {
        struct lclosure *cl = VLCL(vm->stack[vm->top - 1]);
        upval_store(vm, cl->up[0], vm->stack[vm->ci->func + 4]);
    }
    return 1;
}

/* collectgarbage as Lua 5.4's, over the incremental collector (gc.c). "generational" changes
 * nothing (vm/README.md: there is one mode), so both mode options answer "incremental". */
static int base_collectgarbage(struct vm *vm)
{
    static const char *const opts[] = {"stop", "restart", "collect", "count", "step", "setpause",
                                       "setstepmul", "isrunning", "generational", "incremental",
                                       NULL};
    int o = vm_check_option(vm, 1, "collect", opts);
    switch (o) {
    case 0:
    case 1:
        gc_stop(vm, o == 0);
        vm_push_int(vm, 0);
        return 1;
    case 2:
        gc_full(vm);
        vm_push_int(vm, 0);
        return 1;
    case 3:
        vm_push_num(vm, (double)vm_gc_count(vm) / 1024.0);
        return 1;
    case 4:
        vm_push_bool(vm, gc_step_lua(vm, vm_opt_int(vm, 2, 0)));
        return 1;
    case 5:
    case 6:
        vm_push_int(vm, gc_param_set(vm, o == 5 ? GC_PARAM_PAUSE : GC_PARAM_STEPMUL,
                                     (int)vm_opt_int(vm, 2, 0)));
        return 1;
    case 7:
        vm_push_bool(vm, !vm->gc_stopped);
        return 1;
    case 9: {
        /* Zero (or absent) leaves a parameter as it is. */
        static const enum gc_param which[] = {GC_PARAM_PAUSE, GC_PARAM_STEPMUL, GC_PARAM_STEPSIZE};
        for (int i = 0; i < 3; i++) {
            int64_t v = vm_opt_int(vm, 2 + i, 0);
            if (v != 0) gc_param_set(vm, which[i], (int)v);
        }
        vm_push_cstr(vm, "incremental");
        return 1;
    }
    default:
        vm_push_cstr(vm, "incremental");
        return 1;
    }
}

static const struct vm_lib_fn base_fns[] = {
    {"print", base_print},
    {"type", base_type},
    {"tostring", base_tostring},
    {"tonumber", base_tonumber},
    {"next", base_next},
    {"pairs", base_pairs},
    {"ipairs", base_ipairs},
    {"select", base_select},
    {"rawequal", base_rawequal},
    {"rawlen", base_rawlen},
    {"rawget", base_rawget},
    {"rawset", base_rawset},
    {"getmetatable", base_getmetatable},
    {"setmetatable", base_setmetatable},
    {"assert", base_assert},
    {"error", base_error},
    {"pcall", base_pcall},
    {"xpcall", base_xpcall},
    {"load", base_load},
    {"collectgarbage", base_collectgarbage},
    {NULL, NULL},
};

void vm_lib_base_open(struct vm *vm)
{
    vm_lib_register(vm, NULL, base_fns);
    vm_stack_copy(vm, -1);
    vm_tab_setfield(vm, -2, "_G");
    vm_push_cstr(vm, "Lua 5.4");
    vm_tab_setfield(vm, -2, "_VERSION");
    vm_stack_pop(vm, 1);
}

static void open_all(struct vm *vm, void *ud)
{
    (void)ud;
    vm_lib_base_open(vm);
    vm_lib_string_open(vm);
    vm_lib_table_open(vm);
    vm_lib_math_open(vm);
    vm_lib_utf8_open(vm);
    vm_lib_os_open(vm);
    vm_lib_coroutine_open(vm);
    vm_lib_package_open(vm); /* last: it lists the libraries opened before it in package.loaded */
}

void vm_open_libs(struct vm *vm)
{
    if (protected_run(vm, open_all, NULL) != VM_DONE) plat_panic("vm: heap too small for the libraries");
}
