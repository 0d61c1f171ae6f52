/* vm/lib_package.c: require and the package table (Lua 5.4 manual §6.3) for a world of
 * bundles: every module an app can require was compiled into its .skb by `skiff build`, and
 * vm_load keeps their main functions in the registry's "modules" table (name -> prototype)
 * and the bundle's name under "bundle". There is no file system and no dynamic linking, so
 * package.path, cpath, config, searchpath and loadlib do not exist (vm/README.md).
 *
 * Entry point: vm_lib_package_open. require follows Lua 5.4 step for step: package.loaded
 * first (any true value is returned as it is), then each function of package.searchers in
 * order: the preload searcher (package.preload[name]), then the bundle searcher. The module's
 * loader runs with (name, loader data); its result, or true, is stored in package.loaded. */
#include "vm/lib.h"

#include <string.h>

#include "vm/core.h"
#include "vm/vm.h"

/* How many module names the "not found" message lists: enough for any app written by hand,
 * while a bundle of a thousand modules cannot make a message of a quarter megabyte. */
#define LIST_MAX 32

/* Pushes registry[key] (nil when absent). */
static enum vm_type registry_push(struct vm *vm, const char *key)
{
    vm_val v = *tab_getstr(VTAB(vm->registry), str_newc(vm, key));
    push(vm, v);
    return vm_type(vm, -1);
}

/* Orders strings as Lua compares them without a locale: bytes as unsigned, then length. */
static int str_cmp(const struct vstr *a, const struct vstr *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->data, b->data, n);
    if (c != 0) return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

/* The least key of 'mods' greater than 'after' (any key when 'after' is NULL), or NULL. */
static struct vstr *name_after(struct vm *vm, struct vtab *mods, const struct vstr *after)
{
    struct vstr *best = NULL;
    vm_val k = val_nil(), v;
    while (tab_next(vm, mods, &k, &v) > 0) {
        if (k.tt != VT_STR) continue;
        struct vstr *s = VSTR(k);
        if (after != NULL && str_cmp(s, after) <= 0) continue;
        if (best == NULL || str_cmp(s, best) < 0) best = s;
    }
    return best;
}

/* package.searchers[1]: package.preload[name] (upvalue 1 is the preload table, so that
 * replacing package.preload changes nothing, as in Lua). Returns the loader and ":preload:",
 * or the line for the "not found" message. */
static int search_preload(struct vm *vm)
{
    size_t len;
    const char *name = vm_check_str(vm, 1, &len);
    vm_upvalue_push(vm, 1);
    vm_stack_copy(vm, 1);
    if (vm_tab_get(vm, -2) == VM_TNIL) {
        vm_push_fstr(vm, "no field package.preload['%s']", name);
        return 1;
    }
    vm_push_cstr(vm, ":preload:");
    return 2;
}

/* package.searchers[2]: the module of that name in the loaded bundle. Returns a fresh closure
 * of its main function and "<bundle>:<name>", or the line for the "not found" message:
 * "no module 'x' in app.skb (modules: a, b, ...)", the names in byte order. */
static int search_bundle(struct vm *vm)
{
    size_t len;
    const char *name = vm_check_str(vm, 1, &len);
    vm_stack_set_top(vm, 1);
    if (registry_push(vm, "bundle") != VM_TSTRING) {
        vm_stack_pop(vm, 1);
        vm_push_cstr(vm, "the VM (no bundle loaded)");
    }
    const char *bundle = vm_to_str(vm, 2, NULL);
    registry_push(vm, "modules");
    struct vtab *mods = vm_type(vm, 3) == VM_TTABLE ? VTAB(vm->stack[vm->top - 1]) : NULL;
    if (mods != NULL) {
        const vm_val *p = tab_get(mods, vm->stack[vm->ci->func + 1]);
        if (p->tt == VT_PROTO) {
            lcl_push_main(vm, (struct proto *)p->u.gc);
            vm_push_fstr(vm, "%s:%s", bundle, name);
            return 2;
        }
    }
    struct vm_buf b;
    vm_buf_init(vm, &b);
    vm_buf_add(&b, "no module '", 11);
    vm_buf_add(&b, name, len);
    vm_buf_add(&b, "' in ", 5);
    vm_buf_add(&b, bundle, strlen(bundle));
    struct vstr *s = mods != NULL ? name_after(vm, mods, NULL) : NULL;
    if (s != NULL) {
        vm_buf_add(&b, " (modules: ", 11);
        for (int n = 0; s != NULL; n++) {
            if (n == LIST_MAX) {
                vm_buf_add(&b, ", ...", 5);
                break;
            }
            if (n > 0) vm_buf_add(&b, ", ", 2);
            vm_buf_add(&b, s->data, s->len);
            s = name_after(vm, mods, s);
        }
        vm_buf_add_char(&b, ')');
    }
    vm_buf_push(&b);
    return 1;
}

/* Runs package.searchers in order for the module named at stack index 1 and pushes the loader
 * and its data, or raises "module 'x' not found:" followed by every searcher's message, each
 * on a line of its own after a tab (Lua 5.4's layout). Upvalue 1 of require is the package
 * table. */
static void find_loader(struct vm *vm)
{
    size_t len;
    const char *name = vm_to_str(vm, 1, &len);
    vm_upvalue_push(vm, 1);
    if (vm_tab_getfield(vm, -1, "searchers") != VM_TTABLE)
        vm_error(vm, "'package.searchers' must be a table");
    int searchers = vm_stack_top(vm);
    char where[300];
    debug_where(vm, 1, where, sizeof where);
    struct vm_buf b;
    vm_buf_init(vm, &b);
    vm_buf_add(&b, where, strlen(where));
    vm_buf_add(&b, "module '", 8);
    vm_buf_add(&b, name, len);
    vm_buf_add(&b, "' not found:", 12);
    for (int64_t i = 1;; i++) {
        if (vm_tab_rawgeti(vm, searchers, i) == VM_TNIL) {
            vm_stack_pop(vm, 1);
            vm_buf_push(&b);
            vm_error_raise(vm);
        }
        vm_stack_copy(vm, 1);
        vm_call(vm, 1, 2);
        if (vm_type(vm, -2) == VM_TFUNCTION) return;
        enum vm_type t = vm_type(vm, -2);
        vm_stack_pop(vm, 1);
        if (t == VM_TSTRING || t == VM_TNUMBER) {
            vm_buf_add(&b, "\n\t", 2);
            vm_buf_add_value(&b);
        } else {
            vm_stack_pop(vm, 1);
        }
    }
}

/* require(name): upvalue 1 is the package table, upvalue 2 package.loaded as it was at open
 * (Lua keeps it in the registry: replacing package.loaded does not change what require uses). */
static int pkg_require(struct vm *vm)
{
    vm_check_str(vm, 1, NULL);
    vm_stack_set_top(vm, 1);
    vm_upvalue_push(vm, 2);
    vm_stack_copy(vm, 1);
    vm_tab_get(vm, 2);
    if (vm_to_bool(vm, 3)) return 1;
    vm_stack_pop(vm, 1);
    find_loader(vm);
    int loader = vm_stack_top(vm) - 1;
    vm_stack_copy(vm, loader);
    vm_stack_copy(vm, 1);
    vm_stack_copy(vm, loader + 1);
    vm_call(vm, 2, 1);
    if (vm_type(vm, -1) != VM_TNIL) {
        vm_stack_copy(vm, 1);
        vm_stack_copy(vm, -2);
        vm_tab_set(vm, 2);
    }
    vm_stack_pop(vm, 1);
    vm_stack_copy(vm, 1);
    if (vm_tab_get(vm, 2) == VM_TNIL) {
        vm_stack_pop(vm, 1);
        vm_push_bool(vm, true);
        vm_stack_copy(vm, 1);
        vm_stack_copy(vm, -2);
        vm_tab_set(vm, 2);
    }
    vm_stack_copy(vm, loader + 1);
    return 2;
}

void vm_lib_package_open(struct vm *vm)
{
    /* The libraries opened before this one go into package.loaded, as Lua's do (Lua also
     * lists debug, which skiff does not have), so require "string" returns the string table. */
    static const char *const libs[] = {"_G",   "package", "coroutine", "string", "table",
                                       "math", "utf8",    "os",        "io",     NULL};
    vm_push_globals(vm);
    int g = vm_stack_top(vm);
    vm_push_table(vm, 0, 4);
    int pkg = vm_stack_top(vm);
    vm_push_table(vm, 0, 16);
    int loaded = vm_stack_top(vm);
    vm_push_table(vm, 0, 0);
    int preload = vm_stack_top(vm);

    vm_stack_copy(vm, loaded);
    vm_tab_setfield(vm, pkg, "loaded");
    vm_stack_copy(vm, preload);
    vm_tab_setfield(vm, pkg, "preload");
    vm_push_table(vm, 2, 0);
    vm_stack_copy(vm, preload);
    vm_push_native(vm, search_preload, "search_preload", 1);
    vm_tab_rawseti(vm, -2, 1);
    vm_push_native(vm, search_bundle, "search_bundle", 0);
    vm_tab_rawseti(vm, -2, 2);
    vm_tab_setfield(vm, pkg, "searchers");

    vm_stack_copy(vm, pkg);
    vm_tab_setfield(vm, g, "package");
    vm_stack_copy(vm, pkg);
    vm_stack_copy(vm, loaded);
    vm_push_native(vm, pkg_require, "require", 2);
    vm_tab_setfield(vm, g, "require");

    for (int i = 0; libs[i] != NULL; i++) {
        if (vm_tab_getfield(vm, g, libs[i]) == VM_TTABLE)
            vm_tab_setfield(vm, loaded, libs[i]);
        else
            vm_stack_pop(vm, 1);
    }
    vm_stack_pop(vm, 4);
}
