/* The standard libraries' entry points, internal to vm/ (lib_*.c and vm_open_libs in
 * lib_base.c). Each open function registers its library in the globals through the
 * native-function API of vm.h (vm_lib_register) and leaves the stack as it found it.
 *
 * Owners: lib_base.c the VM engineer; lib_string*.c the string-library engineer; lib_table.c,
 * lib_math.c, lib_utf8.c and lib_os.c the library engineer; lib_package.c the modules engineer. */
#ifndef SKIFF_VM_LIB_H
#define SKIFF_VM_LIB_H

struct vm;

/* print, type, tostring, tonumber, pairs, ipairs, next, select, raw*, setmetatable,
 * getmetatable, assert, error, pcall, xpcall, load (bytecode only), collectgarbage, _G,
 * _VERSION. */
void vm_lib_base_open(struct vm *vm);
/* string, and the string metatable (vm_string_meta_set). */
void vm_lib_string_open(struct vm *vm);
void vm_lib_table_open(struct vm *vm);
void vm_lib_math_open(struct vm *vm);
void vm_lib_utf8_open(struct vm *vm);
/* coroutine: create, resume, yield, status, wrap, isyieldable, running, close (co.c). */
void vm_lib_coroutine_open(struct vm *vm);
/* os (time, clock, date) and io (write only). */
void vm_lib_os_open(struct vm *vm);
/* require and package (loaded, preload, searchers) over the bundle's modules (lib_package.c);
 * opened last, since package.loaded lists the library tables already in the globals. */
void vm_lib_package_open(struct vm *vm);

#endif
