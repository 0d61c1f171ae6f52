/* vm/: the bytecode virtual machine (Lua 5.4 dialect), its one public header.
 *
 * The module owns every VM value: strings (short ones interned), tables, closures, native
 * functions, the value stack and the garbage collector. They all live in one heap, the memory
 * the embedder hands to vm_init(); nothing is allocated anywhere else.
 *
 * Order of calls (embedding):
 *   vm = vm_init(mem, heap_bytes, write, ctx);   the VM lives inside 'mem'
 *   vm_open_libs(vm);                            base, string, table, math, utf8, os/io
 *   vm_load(vm, bytes, len, "app.skb")           verifies, pushes the main function
 *   vm_run(vm, nargs, nresults)                  calls it, errors caught
 *   vm_error_message(vm, &len) / vm_traceback(vm, &len) after VM_ERROR
 *   vm_fini(vm); the embedder frees 'mem'
 *
 * Error convention: the embedding calls return enum vm_outcome. Inside a native function a
 * script error does not return: vm_error() and friends longjmp (like Lua's luaD_throw) to the
 * innermost protected boundary (vm_run, pcall, xpcall), which is inside this module; no longjmp
 * crosses the module's edge. Running out of heap raises Lua's "not enough memory", whose
 * string exists from vm_init on.
 *
 * The native-function API is Lua's C API in spirit: a native sees a window of the VM stack,
 * addressed by index: 1 is its first argument, vm_stack_top(vm) its last; a negative index
 * counts from the top (-1 is the top). Values are never handed out as C pointers, so nothing a
 * native holds can be freed under it by the collector: whatever is on the stack is a GC root,
 * whatever is only in a C local is not. A string pointer returned by this API stays valid while
 * its value stays on the stack.
 *
 * Coroutines: the kernel runs each connection's handler in a coroutine it resumes with an
 * instruction budget (vm_co_new, vm_resume); scripts have the coroutine library as in Lua 5.4.
 * A coroutine yields from anywhere Lua allows and more (inside pcall, metamethods, iterators,
 * table.sort comparators, gsub callbacks): natives that call Lua do it through vm_call_cont.
 *
 * Not supported: userdata, the debug library, loading source text (lang/ compiles on the host;
 * load() takes bytecode).
 */
#ifndef SKIFF_VM_H
#define SKIFF_VM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

/* A native's continuation (vm_call_cont, vm_yield): what runs when control comes back to it,
 * with 'ctx' as the native gave it; returns the native's result count. */
typedef int (*vm_cont)(struct vm *vm, intptr_t ctx);

/* --- Embedding --- */

enum vm_outcome {
    VM_DONE = 0,          /* the call returned; its results are on the stack */
    VM_YIELD = 1,         /* vm_resume: the coroutine yielded; the yielded values are on the stack */
    VM_PREEMPTED = 2,     /* vm_resume: the budget ran out; resume it again to continue */
    VM_ERROR = -1,        /* a script error (or "not enough memory"); the error value is on top */
    VM_BAD_BYTECODE = -2, /* vm_load refused the bundle; the message is on top */
};

/* Where print and io.write send their bytes (stdout for `skiff lua`, the console in the
 * kernel). Called with 'ctx' as given to vm_init; must not call back into the VM. */
typedef void (*vm_write_fn)(void *ctx, const char *s, size_t len);

/* The least 'heap_bytes' vm_init accepts: the VM's own state, the stack and the interned
 * strings' table must fit with room to run. */
#define VM_HEAP_MIN (64 * 1024)

/* Builds a VM inside 'mem' (heap_bytes, 16-byte aligned, borrowed until vm_fini): the VM's
 * state, every object and every stack come from it. Returns the VM, or NULL when heap_bytes <
 * VM_HEAP_MIN. No library is open yet. The kernel passes plat_pages_alloc memory; tests pass a
 * buffer they reuse for VM after VM. */
struct vm *vm_init(void *mem, size_t heap_bytes, vm_write_fn write, void *write_ctx);

/* Ends the VM: after it, nothing may use 'vm' and the embedder may reuse or free 'mem'. Pending
 * <close> variables are not run (a VM ends only after its calls have returned). */
void vm_fini(struct vm *vm);

/* Opens every library into the globals: base (lib_base.c), string (with the string metatable,
 * so ("x"):upper() works), table, math, utf8, os and io.write, and require with the package
 * table (lib_package.c: require finds modules in the bundle vm_load loaded). */
void vm_open_libs(struct vm *vm);

/* Verifies the whole bundle 'bytes' (len bytes, borrowed for the call only; docs/bytecode.md)
 * before anything of it runs. On VM_DONE pushes its main function (a closure with _ENV = the
 * globals). On VM_BAD_BYTECODE pushes the message "<name>: bad bytecode: <what> at function <n>
 * pc <k>". Never runs script code; the only other failure is "not enough memory" (VM_ERROR). */
enum vm_outcome vm_load(struct vm *vm, const uint8_t *bytes, size_t len, const char *name);

/* Calls the function below the 'nargs' arguments on top of the stack, errors caught (lua_pcall).
 * VM_DONE: function and arguments are replaced by 'nresults' results (VM_MULTRET: all of them).
 * VM_ERROR: they are replaced by the error value, and vm_traceback() describes where it was
 * raised. Lua calls inside run on the VM's own stack, not C recursion. */
enum vm_outcome vm_run(struct vm *vm, int nargs, int nresults);
#define VM_MULTRET (-1)

/* The error value on top of the stack, as lua.c's message handler words it: the string itself
 * (numbers converted), the result of its __tostring, or "(error object is a %s value)". The
 * bytes stay valid until the next call into the VM. 'len' may be NULL (also for vm_traceback). */
const char *vm_error_message(struct vm *vm, size_t *len);

/* The traceback of the last error vm_run caught, as lua5.4 prints it after the message:
 * "stack traceback:\n\t[C]: in ?\n\tapp.lua:3: in function 'f'\n..." (no trailing newline).
 * Empty before any error. Valid until the next vm_run. */
const char *vm_traceback(struct vm *vm, size_t *len);

/* After 'steps' more instructions (counted as vm_resume's budget counts them), a script run by
 * vm_run gets the error "instruction limit reached" (catchable, so a script may also loop in
 * pcall until it runs out again). 0 (the default) means no limit. For tests that run untrusted
 * bytecode with vm_run (the mutation test), so that a mutated endless loop ends; the kernel
 * schedules with vm_resume's budget instead. */
void vm_step_limit_set(struct vm *vm, uint64_t steps);

/* --- Coroutines: what the kernel schedules --- */

/* A coroutine the embedder holds: the handle keeps it (and all it references) alive until
 * vm_co_release. Only the VM touches what it points to. */
struct vm_co;

/* Pops a function and makes a suspended coroutine that will call it at its first vm_resume.
 * Returns NULL (the function popped all the same) when memory ran out or the value is not a
 * function. */
struct vm_co *vm_co_new(struct vm *vm);

/* Lets the collector have the coroutine once nothing else references it. */
void vm_co_release(struct vm *vm, struct vm_co *co);

enum vm_co_status {
    VM_CO_SUSPENDED, /* new, or yielded: vm_resume passes values to it */
    VM_CO_PREEMPTED, /* stopped by its budget: vm_resume continues it, passing nothing */
    VM_CO_DEAD,      /* returned or raised */
};
enum vm_co_status vm_co_status(struct vm *vm, struct vm_co *co);

/* Bytes the coroutine holds: its record, stack and frames (not the objects it references). */
size_t vm_co_memory(struct vm *vm, struct vm_co *co);

/* What vm_resume reports besides its outcome. */
struct vm_resume_info {
    int nvalues;          /* values it pushed: results, yielded values, or the error value */
    uint64_t executed;    /* instructions run (and natives' work), this resume */
    uint32_t wait_reason; /* VM_YIELD from vm_yield: its reason; 0 for coroutine.yield */
    int64_t wait_arg;     /* and its argument */
};

/* Runs 'co' until it returns (VM_DONE, results pushed), yields (VM_YIELD, yielded values
 * pushed), raises (VM_ERROR, error value pushed; vm_traceback() says where) or has executed
 * 'budget' instructions (VM_PREEMPTED, nothing pushed). 0 means no budget. The 'nargs' values
 * on top of the stack are passed (the body's arguments first, then the results of the yield it
 * waits in); a preempted coroutine takes none (they are dropped). Preemption falls between two
 * instructions, invisibly to the script, and is deterministic: the same budget stops it at the
 * same instruction. Where a call in progress cannot be abandoned (a native that called Lua
 * without vm_call_cont), the budget is exceeded until it returns, or for 10 million
 * instructions at most: then the coroutine is killed (VM_ERROR, "instruction budget exceeded
 * where the coroutine cannot be preempted", which no pcall inside it catches). Call it from
 * the embedder only (not from a native); a coroutine that is not suspended or preempted gives
 * VM_ERROR with "cannot resume dead coroutine" or "cannot resume non-suspended coroutine". */
enum vm_outcome vm_resume(struct vm *vm, struct vm_co *co, int nargs, uint64_t budget,
                          struct vm_resume_info *info);

/* Yields the running coroutine from a native, as the last thing the native does (it does not
 * return). The top 'nresults' values go to the resumer (a script's coroutine.resume, or
 * vm_resume with VM_YIELD and 'reason' and 'arg' in its info: why the coroutine waits, in the
 * embedder's terms, e.g. "request body" or "sleep until arg"). When resumed, k(vm, ctx) runs
 * with the values passed to the resume on top of the stack and returns the native's result
 * count; without k those values are the native's results. Raises "attempt to yield from
 * outside a coroutine" or "attempt to yield across a C-call boundary" where it cannot. */
_Noreturn void vm_yield(struct vm *vm, int nresults, uint32_t reason, int64_t arg, intptr_t ctx,
                        vm_cont k);

/* True where vm_yield would not raise: inside a coroutine, with no non-yieldable call (a
 * native's vm_call) in progress. */
bool vm_is_yieldable(struct vm *vm);

/* --- The collector (incremental mark and sweep) ---
 *
 * Allocation drives it as Lua 5.4's does: a cycle starts when the bytes in use pass the pause
 * (200% of what survived the last cycle), then every 8 KiB allocated pays for a step of work
 * (step multiplier 100%); collectgarbage("incremental", pause, stepmul, stepsize) tunes both.
 * The embedder may add steps of its own (vm_gc_step) between batches of work.
 *
 * Work is counted in units: marking an object costs one unit plus one per value slot, stack
 * slot or frame it holds; sweeping costs one unit per object and per chain of the interned
 * strings' table. One unit is about the work 16 bytes of allocation pay for, a few
 * nanoseconds: the kernel's default gc_budget of 1000 units is a step of a few microseconds.
 * A step does not split one object's traversal, and the atomic phase (one step per cycle)
 * traverses every live coroutine's stack and the weak tables at once, so a step can exceed its
 * budget by that much. */

/* Runs a full collection now: finishes the cycle in progress, then one whole cycle. Never
 * raises; runs even while collectgarbage("stop") is in force. */
void vm_gc_collect(struct vm *vm);

/* Does up to 'work' units of collector work (at least one indivisible piece), stopping early
 * when a cycle ends. Does nothing while no cycle is in progress and none is due (the bytes in
 * use are below the pause's threshold), or while the script stopped the collector, so the
 * embedder may call it on every iteration of its loop. Returns 1 when a cycle ended during the
 * call, else 0. Never raises. */
size_t vm_gc_step(struct vm *vm, size_t work);

/* Bytes of the heap in use by live and not yet collected objects (collectgarbage("count")*1024). */
size_t vm_gc_count(struct vm *vm);

/* Torture modes, slow, for tests: `skiff lua` reads SKIFF_GC_TORTURE=1 or 2 from the
 * environment. FULL runs a full collection before every allocation, so an object a native or
 * the interpreter forgot to root is freed at once (and, under ASan, its memory poisoned). STEP
 * runs one indivisible piece of collector work before every allocation, so cycles interleave
 * finely with the program and a missing write barrier loses a live object. */
enum vm_gc_torture {
    VM_GC_TORTURE_OFF = 0,
    VM_GC_TORTURE_FULL = 1,
    VM_GC_TORTURE_STEP = 2,
};
void vm_gc_torture(struct vm *vm, enum vm_gc_torture mode);

/* What the collector has cost since vm_init (times from plat_clock_ns). A step is an
 * allocation's step, a vm_gc_step or a collectgarbage("step"); torture-mode pieces are not
 * counted. Full collections (vm_gc_collect, collectgarbage("collect"), a full heap, torture
 * mode FULL) are counted apart: they are not bounded. The collector's share of the run time is
 * (step_ns + full_ns) / run_ns. */
#define VM_GC_STEP_GOAL_NS 50000 /* issue 5: a step at the default budget stays below 50 us */
struct vm_gc_stats {
    uint64_t steps;       /* steps taken */
    uint64_t step_ns;     /* their total time */
    uint64_t step_max_ns; /* the longest one */
    uint64_t step_p99_ns; /* 99% of steps took at most this (to within a quarter: a histogram) */
    uint64_t steps_long;  /* steps that took longer than VM_GC_STEP_GOAL_NS */
    uint64_t fulls;       /* full collections */
    uint64_t full_ns;     /* their total time */
    uint64_t full_max_ns; /* the longest one */
    uint64_t cycles;      /* cycles completed, full collections' included */
    uint64_t run_ns;      /* time since vm_init */
};
void vm_gc_stats(struct vm *vm, struct vm_gc_stats *out);

/* --- Native functions --- */

/* A native function. Its arguments are at stack indices 1..vm_stack_top(vm); it returns how
 * many results it pushed (they are the top that many values; anything below them is dropped).
 * It may raise with vm_error(). At entry at least VM_MINSTACK free slots are available. */
typedef int (*vm_native)(struct vm *vm);

#define VM_MINSTACK 20

/* One entry of a library table; a list ends with {NULL, NULL}. */
struct vm_lib_fn {
    const char *name; /* static storage */
    vm_native fn;
};

/* Creates the global table 'libname' (or reuses it if present) holding a native function for
 * every entry of 'fns' (static storage), and leaves the table on top of the stack so the caller
 * can add constants (math.pi) with vm_tab_setfield; the caller pops it. For base functions pass
 * libname NULL: they go straight into the globals and the globals table is left on top. The
 * names serve errors raised where no call-site name is known ("bad argument #1 to 'string.rep'"). */
void vm_lib_register(struct vm *vm, const char *libname, const struct vm_lib_fn *fns);

/* Makes the table at 'idx' the __index of every string: ("x"):upper() looks up "upper" there. */
void vm_string_meta_set(struct vm *vm, int idx);

/* Pushes a native function carrying 'nup' upvalues, popped from the top of the stack (the
 * first pushed is upvalue 1). 'name' (static storage) is used as in vm_lib_register. */
void vm_push_native(struct vm *vm, vm_native fn, const char *name, int nup);

/* Pushes upvalue 'i' (1-based) of the running native; vm_upvalue_set pops the top into it. */
void vm_upvalue_push(struct vm *vm, int i);
void vm_upvalue_set(struct vm *vm, int i);

/* Writes bytes through the embedder's vm_write_fn (io.write). */
void vm_write(struct vm *vm, const char *s, size_t len);

/* --- The stack --- */

/* Number of values in the running native's window (its arguments, on entry). */
int vm_stack_top(struct vm *vm);
/* Sets the window to 'idx' values (a negative idx counts from the top): drops values or pads
 * with nil. */
void vm_stack_set_top(struct vm *vm, int idx);
/* Pops 'n' values. */
void vm_stack_pop(struct vm *vm, int n);
/* Pushes a copy of the value at 'idx'. */
void vm_stack_copy(struct vm *vm, int idx);
/* Moves the top value to 'idx', shifting the values above 'idx' up. */
void vm_stack_insert(struct vm *vm, int idx);
/* Pops the top value into 'idx'. */
void vm_stack_replace(struct vm *vm, int idx);
/* Makes room for 'n' more pushes; returns false (nothing changed) if that would pass the stack
 * limit (LUAI_MAXSTACK, 1,000,000 slots). Natives that push a count decided by the script
 * (table.unpack, string.byte) call it and raise their own message when it fails. */
bool vm_stack_grow(struct vm *vm, int n);

/* --- Types and conversions --- */

/* The types a native can see. Order is Lua's (LUA_TNIL ...). */
enum vm_type {
    VM_TNONE = -1, /* an index past the top */
    VM_TNIL = 0,
    VM_TBOOLEAN,
    VM_TNUMBER, /* integer or float; vm_is_int tells which */
    VM_TSTRING,
    VM_TTABLE,
    VM_TFUNCTION,
    VM_TTHREAD, /* a coroutine */
};

enum vm_type vm_type(struct vm *vm, int idx);
/* "no value", "nil", "boolean", "number", "string", "table", "function". */
const char *vm_type_name(enum vm_type t);
/* True for a number of the integer subtype (not a float with an integral value). */
bool vm_is_int(struct vm *vm, int idx);

/* Lua's truth: false for nil and false, true for everything else (0 and "" included). */
bool vm_to_bool(struct vm *vm, int idx);
/* Lua's lua_tointegerx: an integer; a float with an exact integer value in range; a string
 * that converts to one of those. Returns false (and *out = 0) otherwise. */
bool vm_to_int(struct vm *vm, int idx, int64_t *out);
/* Lua's lua_tonumberx: a number, or a string that converts to one (as the lexer reads it:
 * decimal or hex, integer or float, surrounding spaces allowed). False and *out = 0 otherwise. */
bool vm_to_num(struct vm *vm, int idx, double *out);
/* Lua's lua_tolstring: a string's bytes; a number is converted in place to its string
 * ("%.14g" for floats, "1.0" for integral ones, "inf", "-nan" as the C library prints them).
 * Returns NULL for every other type. The bytes are NUL-terminated ('len' excludes it). */
const char *vm_to_str(struct vm *vm, int idx, size_t *len);
/* Lua's luaL_tolstring: pushes the value as tostring() shows it (its __tostring, whose result
 * must be a string, else "'__tostring' must return a string"; "<__name>: 0x..."; "table:
 * 0x...") and returns the pushed bytes. May call a metamethod, so it may raise. */
const char *vm_push_tostring(struct vm *vm, int idx, size_t *len);
/* Converts 's' (len bytes) as the lexer would (lua_stringtonumber): pushes the number and
 * returns true, or pushes nothing and returns false. */
bool vm_push_str_number(struct vm *vm, const char *s, size_t len);
/* True if the float 'd' has an exact integer value in the range of int64_t, stored in *out
 * (math.tointeger, the "number has no integer representation" test). */
bool vm_num_to_int(double d, int64_t *out);

/* --- Pushing values --- */

void vm_push_nil(struct vm *vm);
void vm_push_bool(struct vm *vm, bool b);
void vm_push_int(struct vm *vm, int64_t i);
void vm_push_num(struct vm *vm, double n);
/* Pushes the string of 'len' bytes at 's' (copied; short strings interned) and returns its
 * bytes, NUL-terminated. */
const char *vm_push_str(struct vm *vm, const char *s, size_t len);
const char *vm_push_cstr(struct vm *vm, const char *s);
/* Pushes a string formatted as snprintf would ('fmt' is C's printf format). */
const char *vm_push_fstr(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *vm_push_vfstr(struct vm *vm, const char *fmt, va_list ap);
/* Pushes a new empty table with room for 'narr' array items and 'nhash' other keys. */
void vm_push_table(struct vm *vm, int narr, int nhash);
/* Pushes the globals table. */
void vm_push_globals(struct vm *vm);

/* --- Tables --- */

/* Each getter pushes the value it read and returns its type. Each may run __index or
 * __newindex (and so raise) except the raw ones. Keys follow Lua: a float key with an integer
 * value is that integer; setting a nil or NaN key raises "index is nil" / "index is NaN". */

/* t[k]: pops the key k, 't' is the table's index (any value: metamethods decide). */
enum vm_type vm_tab_get(struct vm *vm, int t);
/* t[k] = v: v on top, k below it; pops both. */
void vm_tab_set(struct vm *vm, int t);
/* The raw forms: 't' must be a table. */
enum vm_type vm_tab_rawget(struct vm *vm, int t);
void vm_tab_rawset(struct vm *vm, int t);
/* t[n] with an integer key (with metamethods, as lua_geti; table.insert uses it). */
enum vm_type vm_tab_geti(struct vm *vm, int t, int64_t n);
/* t[n] = v, v popped from the top (with metamethods). */
void vm_tab_seti(struct vm *vm, int t, int64_t n);
enum vm_type vm_tab_rawgeti(struct vm *vm, int t, int64_t n);
void vm_tab_rawseti(struct vm *vm, int t, int64_t n);
/* t.k and t.k = v (v popped) for a C-string key, with metamethods. */
enum vm_type vm_tab_getfield(struct vm *vm, int t, const char *k);
void vm_tab_setfield(struct vm *vm, int t, const char *k);
/* next(t, k): pops the key k; pushes the next key and its value and returns true, or pushes
 * nothing and returns false at the end. Raises "invalid key to 'next'" for a key not in t. */
bool vm_tab_next(struct vm *vm, int t);
/* The border #t without __len ('t' a table), or the byte length of a string. */
uint64_t vm_rawlen(struct vm *vm, int idx);
/* #v with __len (luaL_len): its result must be an integer, else "object length is not an
 * integer". Raises "attempt to get length of a nil value" and the like. */
int64_t vm_len(struct vm *vm, int idx);

/* --- Metatables --- */

/* Pushes the metatable of the value at 'idx' and returns true, or pushes nothing and returns
 * false. (Strings share one metatable.) */
bool vm_meta_get(struct vm *vm, int idx);
/* Pops a table or nil and makes it the metatable of the table at 'idx'. */
void vm_meta_set(struct vm *vm, int idx);
/* Pushes field 'name' of the metatable of the value at 'idx' (raw get) and returns its type,
 * or pushes nothing and returns VM_TNIL when there is no metatable or no such field. */
enum vm_type vm_meta_field(struct vm *vm, int idx, const char *name);

/* --- Comparisons --- */

bool vm_raw_equal(struct vm *vm, int a, int b);
/* a == b with __eq. May raise. */
bool vm_equal(struct vm *vm, int a, int b);
/* a < b with __lt; raises "attempt to compare number with nil" and the like. */
bool vm_less(struct vm *vm, int a, int b);

/* --- Calling a value from a native --- */

/* Calls the value below the 'nargs' arguments on top of the stack (__call honoured), replacing
 * them with 'nresults' results (VM_MULTRET: all). Errors propagate. The callee cannot yield
 * (it would have to come back into this C frame): a yield inside raises "attempt to yield
 * across a C-call boundary". */
void vm_call(struct vm *vm, int nargs, int nresults);

/* The continuation form, which a native that calls Lua uses so that its callee may yield
 * (table.sort comparators, gsub callbacks). Write the native as a state machine whose state
 * lives on the VM stack or in 'ctx' (never in C locals across the call), and call as the last
 * thing it does:
 *     return vm_call_cont(vm, nargs, nresults, ctx, k);
 * vm_call_cont makes the call, then returns k(vm, ctx) with the results on top of the stack.
 * When the callee yields, the C frame of the native is abandoned and k(vm, ctx) is called
 * after the resume instead, with the stack as it would have been. k returns the native's
 * result count, or itself ends in another vm_call_cont. */
int vm_call_cont(struct vm *vm, int nargs, int nresults, intptr_t ctx, vm_cont k);

/* Calls like vm_call but catches errors (pcall): returns VM_DONE with the results, or VM_ERROR
 * with the error value on top in place of the function and its arguments. */
enum vm_outcome vm_pcall(struct vm *vm, int nargs, int nresults);

/* --- Raising errors (none of these returns) --- */

/* Raises the string formatted as snprintf would, prefixed with "file:line: " of the Lua function
 * that called the running native (luaL_error), or with nothing if there is none. */
_Noreturn void vm_error(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Raises the value on top of the stack as it is (error(v, 0)). */
_Noreturn void vm_error_raise(struct vm *vm);
/* Raises the value on top of the stack as error(v, level) does: a string gets "file:line: " of
 * the Lua function 'level' frames up (1: the running native's caller) in front, or nothing when
 * that frame is not a Lua function; any other value is raised as it is. */
_Noreturn void vm_error_raise_at(struct vm *vm, int level);
/* Raises "bad argument #<arg> to '<name>' (<msg>)", with the function named from the call
 * site as Lua does ('sub' for s:sub(), with the argument number shifted for method calls and
 * "calling 'sub' on bad self" for argument 0). */
_Noreturn void vm_arg_error(struct vm *vm, int arg, const char *msg);
/* Raises the argument error "<expected> expected, got <type of arg, or its __name>". */
_Noreturn void vm_type_error(struct vm *vm, int arg, const char *expected);

/* --- Checking arguments (each raises Lua's exact message on failure) --- */

/* Any value, nil included, but present: "bad argument #2 to 'f' (value expected)". */
void vm_check_any(struct vm *vm, int arg);
/* The argument has type 't' (messages as vm_type_error with the type's name). */
void vm_check_type(struct vm *vm, int arg, enum vm_type t);
/* An integer (vm_to_int rules): "number expected, got X", or for a float or numeric string
 * without an integer value "number has no integer representation". */
int64_t vm_check_int(struct vm *vm, int arg);
double vm_check_num(struct vm *vm, int arg);
/* A string or a number (converted in place): "string expected, got X". */
const char *vm_check_str(struct vm *vm, int arg, size_t *len);
/* As the check_ forms, but nil or absent gives 'def' (for vm_opt_str, 'len' is set to
 * strlen(def), or 0 when def is NULL). */
int64_t vm_opt_int(struct vm *vm, int arg, int64_t def);
double vm_opt_num(struct vm *vm, int arg, double def);
const char *vm_opt_str(struct vm *vm, int arg, const char *def, size_t *len);
/* The index in 'names' (NULL-terminated) of the string argument, or of 'def' when absent;
 * "invalid option 'x'" otherwise (luaL_checkoption). */
int vm_check_option(struct vm *vm, int arg, const char *def, const char *const names[]);

/* --- Building strings --- */

/* A string under construction (luaL_Buffer). vm_buf_init pushes one stack slot that the buffer
 * owns until vm_buf_push replaces it with the result: between the two, the native may push and
 * pop above it but must not remove it. Bytes grow first in 'init', then in a heap block held by
 * that slot, so an error in between frees it with the slot. */
struct vm_buf {
    struct vm *vm; /* borrowed */
    char *p;       /* the bytes so far: 'init' or the block in the stack slot */
    size_t len;    /* bytes used at 'p' */
    size_t cap;    /* bytes available at 'p' */
    int slot;      /* absolute stack index of the owned slot */
    char init[256];
};

void vm_buf_init(struct vm *vm, struct vm_buf *b);
/* Returns room for 'n' more bytes at b->p + b->len; the caller writes them and adds n to
 * b->len. May collect garbage or raise "not enough memory". */
char *vm_buf_reserve(struct vm_buf *b, size_t n);
void vm_buf_add(struct vm_buf *b, const char *s, size_t len);
void vm_buf_add_char(struct vm_buf *b, char c);
/* Pops the top value, a string or a number (converted as vm_to_str does), and appends it. */
void vm_buf_add_value(struct vm_buf *b);
/* Replaces the buffer's slot, which must be the top of the stack again, with the string built
 * and returns its bytes. */
const char *vm_buf_push(struct vm_buf *b);

#endif
