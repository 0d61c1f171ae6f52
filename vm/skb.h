/* vm/skb.h: the bytecode ABI shared by lang/ (which writes it) and vm/ (which loads, verifies and
 * runs it): the instruction set, the instruction encoding, its limits, and the constants of the
 * .skb file format. docs/bytecode.md is the full description; this header and that document
 * change together, and any change to what a valid file means bumps SKB_VERSION.
 *
 * The instruction set is Lua 5.4's: the same 83 opcodes in the same order with the same 32-bit
 * encodings and operand meanings, so anyone who knows Lua 5.4's virtual machine can read it.
 * The wording below is ours.
 *
 * Header only; no code to link. Freestanding (stdint.h, stdbool.h only).
 */
#ifndef SKIFF_VM_SKB_H
#define SKIFF_VM_SKB_H

#include <stdbool.h>
#include <stdint.h>

/* ---- Instruction encoding --------------------------------------------------------------------
 *
 * Every instruction is one 32-bit word, 'op' in the low 7 bits. Five formats:
 *
 *        31       24 23      16 15 14       7 6      0
 *  ABC   |    C     |    B     |k |    A     |   op   |
 *  ABx   |          Bx (17 bits)  |    A     |   op   |
 *  AsBx  |          sBx (17 bits) |    A     |   op   |
 *  Ax    |              Ax (25 bits)         |   op   |
 *  sJ    |              sJ (25 bits)         |   op   |
 *
 * Signed fields (sBx, sJ, and sB/sC read from B/C) are stored with an excess: the stored unsigned
 * value minus SKB_OFFSET_x. 'k' is a one-bit flag whose meaning depends on the opcode.
 */
typedef uint32_t skb_ins;

#define SKB_SIZE_OP 7
#define SKB_SIZE_A 8
#define SKB_SIZE_B 8
#define SKB_SIZE_C 8
#define SKB_SIZE_BX (SKB_SIZE_B + SKB_SIZE_C + 1) /* 17: B, C and k together */
#define SKB_SIZE_AX (SKB_SIZE_BX + SKB_SIZE_A)    /* 25 */

#define SKB_POS_OP 0
#define SKB_POS_A (SKB_POS_OP + SKB_SIZE_OP) /* 7 */
#define SKB_POS_K (SKB_POS_A + SKB_SIZE_A)   /* 15 */
#define SKB_POS_B (SKB_POS_K + 1)            /* 16 */
#define SKB_POS_C (SKB_POS_B + SKB_SIZE_B)   /* 24 */
#define SKB_POS_BX SKB_POS_K                 /* 15 */
#define SKB_POS_AX SKB_POS_A                 /* 7 */

#define SKB_MAXARG_A ((1u << SKB_SIZE_A) - 1)   /* 255 */
#define SKB_MAXARG_B ((1u << SKB_SIZE_B) - 1)   /* 255 */
#define SKB_MAXARG_C ((1u << SKB_SIZE_C) - 1)   /* 255 */
#define SKB_MAXARG_BX ((1u << SKB_SIZE_BX) - 1) /* 131071 */
#define SKB_MAXARG_AX ((1u << SKB_SIZE_AX) - 1) /* 33554431 */
#define SKB_MAXARG_SJ SKB_MAXARG_AX

#define SKB_OFFSET_SBX ((int32_t)(SKB_MAXARG_BX >> 1)) /* 65535 */
#define SKB_OFFSET_SJ ((int32_t)(SKB_MAXARG_SJ >> 1))  /* 16777215 */
#define SKB_OFFSET_SC ((int32_t)(SKB_MAXARG_C >> 1))   /* 127, also for sB */

/* Registers are numbered 0..254: a function's frame holds at most SKB_MAX_REGS values, so that
 * "A + n" in range checks never wraps a byte's worth of registers. */
#define SKB_MAX_REGS 255

/* SETLIST stores this many array items per flush (the compiler's batch, Lua's LFIELDS_PER_FLUSH).
 * Only the compiler depends on it; the VM takes the count from the instruction. */
#define SKB_FIELDS_PER_FLUSH 50

#define SKB_MASK(n) ((1u << (n)) - 1)

static inline unsigned skb_op(skb_ins i)
{
    return i & SKB_MASK(SKB_SIZE_OP);
}
static inline unsigned skb_a(skb_ins i)
{
    return (i >> SKB_POS_A) & SKB_MASK(SKB_SIZE_A);
}
static inline unsigned skb_b(skb_ins i)
{
    return (i >> SKB_POS_B) & SKB_MASK(SKB_SIZE_B);
}
static inline unsigned skb_c(skb_ins i)
{
    return (i >> SKB_POS_C) & SKB_MASK(SKB_SIZE_C);
}
static inline unsigned skb_k(skb_ins i)
{
    return (i >> SKB_POS_K) & 1u;
}
static inline int skb_sb(skb_ins i)
{
    return (int)skb_b(i) - SKB_OFFSET_SC;
}
static inline int skb_sc(skb_ins i)
{
    return (int)skb_c(i) - SKB_OFFSET_SC;
}
static inline unsigned skb_bx(skb_ins i)
{
    return (i >> SKB_POS_BX) & SKB_MASK(SKB_SIZE_BX);
}
static inline int skb_sbx(skb_ins i)
{
    return (int)skb_bx(i) - SKB_OFFSET_SBX;
}
static inline unsigned skb_ax(skb_ins i)
{
    return (i >> SKB_POS_AX) & SKB_MASK(SKB_SIZE_AX);
}
static inline int skb_sj(skb_ins i)
{
    return (int)skb_ax(i) - SKB_OFFSET_SJ;
}

/* Constructors. Arguments must already be in range (the compiler checks its limits first); bits
 * beyond a field's width are masked off, never carried into the next field. */
static inline skb_ins skb_abck(unsigned op, unsigned a, unsigned b, unsigned c, unsigned k)
{
    return (skb_ins)((op & SKB_MASK(SKB_SIZE_OP)) | (a & SKB_MASK(SKB_SIZE_A)) << SKB_POS_A |
                     (k & 1u) << SKB_POS_K | (b & SKB_MASK(SKB_SIZE_B)) << SKB_POS_B |
                     (c & SKB_MASK(SKB_SIZE_C)) << SKB_POS_C);
}
static inline skb_ins skb_abx(unsigned op, unsigned a, unsigned bx)
{
    return (skb_ins)((op & SKB_MASK(SKB_SIZE_OP)) | (a & SKB_MASK(SKB_SIZE_A)) << SKB_POS_A |
                     (bx & SKB_MASK(SKB_SIZE_BX)) << SKB_POS_BX);
}
static inline skb_ins skb_asbx(unsigned op, unsigned a, int sbx)
{
    return skb_abx(op, a, (unsigned)(sbx + SKB_OFFSET_SBX));
}
static inline skb_ins skb_iax(unsigned op, unsigned ax)
{
    return (skb_ins)((op & SKB_MASK(SKB_SIZE_OP)) | (ax & SKB_MASK(SKB_SIZE_AX)) << SKB_POS_AX);
}
static inline skb_ins skb_isj(unsigned op, int sj)
{
    return skb_iax(op, (unsigned)(sj + SKB_OFFSET_SJ));
}

/* Field setters, for patching an emitted instruction (jump targets, result counts). */
static inline skb_ins skb_set_field(skb_ins i, unsigned pos, unsigned size, unsigned v)
{
    return (skb_ins)((i & ~(SKB_MASK(size) << pos)) | (v & SKB_MASK(size)) << pos);
}
static inline skb_ins skb_set_op(skb_ins i, unsigned op)
{
    return skb_set_field(i, SKB_POS_OP, SKB_SIZE_OP, op);
}
static inline skb_ins skb_set_a(skb_ins i, unsigned a)
{
    return skb_set_field(i, SKB_POS_A, SKB_SIZE_A, a);
}
static inline skb_ins skb_set_b(skb_ins i, unsigned b)
{
    return skb_set_field(i, SKB_POS_B, SKB_SIZE_B, b);
}
static inline skb_ins skb_set_c(skb_ins i, unsigned c)
{
    return skb_set_field(i, SKB_POS_C, SKB_SIZE_C, c);
}
static inline skb_ins skb_set_k(skb_ins i, unsigned k)
{
    return skb_set_field(i, SKB_POS_K, 1, k);
}
static inline skb_ins skb_set_bx(skb_ins i, unsigned bx)
{
    return skb_set_field(i, SKB_POS_BX, SKB_SIZE_BX, bx);
}
static inline skb_ins skb_set_sbx(skb_ins i, int sbx)
{
    return skb_set_bx(i, (unsigned)(sbx + SKB_OFFSET_SBX));
}
static inline skb_ins skb_set_sj(skb_ins i, int sj)
{
    return skb_set_field(i, SKB_POS_AX, SKB_SIZE_AX, (unsigned)(sj + SKB_OFFSET_SJ));
}

/* ---- The opcode table ------------------------------------------------------------------------
 *
 * X(name, format, A, B, C, effect): one row per opcode; row order is the ABI (Lua 5.4's order).
 * 'format' is one of ABC, ABx, AsBx, Ax, sJ. A, B, C give the role of each operand for the
 * verifier; in the formats without B and C, the B column describes Bx/sBx and the A column
 * describes Ax/sJ. Roles (enum skb_role):
 *   _    unused: the compiler writes 0; the VM never reads it
 *   R    a register: < the function's maxstacksize
 *   K    a constant index: < the number of constants
 *   KS   a constant index whose constant is a string (short or long)
 *   KN   a constant index whose constant is a number (integer or float)
 *   RK   a register when the k bit is 0, a constant index when it is 1
 *   U    an upvalue index: < the number of upvalues
 *   I    an unsigned immediate value (any value of the field)
 *   SI   a signed immediate (sB, sC or sBx; any value of the field)
 *   N    a count; its meaning and bound are in the effect and docs/bytecode.md
 *   JF   a forward jump held in Bx (target given per opcode in docs/bytecode.md)
 *   JB   a backward jump held in Bx
 *   J    a signed jump held in sJ: the target is pc + 1 + sJ
 *   P    a nested prototype index: < the number of nested prototypes
 *   E    a metamethod event (enum skb_event), one of the arithmetic/bitwise ones
 *   XA   an extra argument (EXTRAARG's Ax), read by the instruction before it
 * Notation in the effects: R[x] register, K[x] constant, U[x] upvalue, RK(C) register or
 * constant as chosen by k, sB/sC/sBx signed fields, "pc" the index of this instruction. "(n)"
 * refers to the notes after the table.
 */
/* clang-format off */
#define SKB_OPCODES(X)                                                                            \
    X(MOVE,       ABC,  R,  R,  _,  "R[A] = R[B]")                                              \
    X(LOADI,      AsBx, R,  SI, _,  "R[A] = integer sBx")                                       \
    X(LOADF,      AsBx, R,  SI, _,  "R[A] = float sBx")                                         \
    X(LOADK,      ABx,  R,  K,  _,  "R[A] = K[Bx]")                                             \
    X(LOADKX,     ABx,  R,  _,  _,  "R[A] = K[Ax of the EXTRAARG at pc+1] (1)")                 \
    X(LOADFALSE,  ABC,  R,  _,  _,  "R[A] = false")                                             \
    X(LFALSESKIP, ABC,  R,  _,  _,  "R[A] = false; skip the next instruction")                  \
    X(LOADTRUE,   ABC,  R,  _,  _,  "R[A] = true")                                              \
    X(LOADNIL,    ABC,  R,  N,  _,  "R[A .. A+B] = nil (B+1 registers)")                        \
    X(GETUPVAL,   ABC,  R,  U,  _,  "R[A] = U[B]")                                              \
    X(SETUPVAL,   ABC,  R,  U,  _,  "U[B] = R[A]")                                              \
    X(GETTABUP,   ABC,  R,  U,  KS, "R[A] = U[B][K[C]]")                                        \
    X(GETTABLE,   ABC,  R,  R,  R,  "R[A] = R[B][R[C]]")                                        \
    X(GETI,       ABC,  R,  R,  I,  "R[A] = R[B][C] (C an integer key)")                        \
    X(GETFIELD,   ABC,  R,  R,  KS, "R[A] = R[B][K[C]]")                                        \
    X(SETTABUP,   ABC,  U,  KS, RK, "U[A][K[B]] = RK(C)")                                       \
    X(SETTABLE,   ABC,  R,  R,  RK, "R[A][R[B]] = RK(C)")                                       \
    X(SETI,       ABC,  R,  I,  RK, "R[A][B] = RK(C) (B an integer key)")                       \
    X(SETFIELD,   ABC,  R,  KS, RK, "R[A][K[B]] = RK(C)")                                       \
    X(NEWTABLE,   ABC,  R,  N,  N,  "R[A] = new table with size hints (2)")                     \
    X(SELF,       ABC,  R,  R,  RK, "R[A+1] = R[B]; R[A] = R[B][RK(C)] (RK(C) a string)")       \
    X(ADDI,       ABC,  R,  R,  SI, "R[A] = R[B] + sC (3)")                                     \
    X(ADDK,       ABC,  R,  R,  KN, "R[A] = R[B] + K[C] (3)")                                   \
    X(SUBK,       ABC,  R,  R,  KN, "R[A] = R[B] - K[C] (3)")                                   \
    X(MULK,       ABC,  R,  R,  KN, "R[A] = R[B] * K[C] (3)")                                   \
    X(MODK,       ABC,  R,  R,  KN, "R[A] = R[B] % K[C] (3)")                                   \
    X(POWK,       ABC,  R,  R,  KN, "R[A] = R[B] ^ K[C] (3)")                                   \
    X(DIVK,       ABC,  R,  R,  KN, "R[A] = R[B] / K[C] (3)")                                   \
    X(IDIVK,      ABC,  R,  R,  KN, "R[A] = R[B] // K[C] (3)")                                  \
    X(BANDK,      ABC,  R,  R,  KN, "R[A] = R[B] & K[C] (3), K[C] an integer")                  \
    X(BORK,       ABC,  R,  R,  KN, "R[A] = R[B] | K[C] (3), K[C] an integer")                  \
    X(BXORK,      ABC,  R,  R,  KN, "R[A] = R[B] ~ K[C] (3), K[C] an integer")                  \
    X(SHRI,       ABC,  R,  R,  SI, "R[A] = R[B] >> sC (3)")                                    \
    X(SHLI,       ABC,  R,  R,  SI, "R[A] = sC << R[B] (3)")                                    \
    X(ADD,        ABC,  R,  R,  R,  "R[A] = R[B] + R[C] (3)")                                   \
    X(SUB,        ABC,  R,  R,  R,  "R[A] = R[B] - R[C] (3)")                                   \
    X(MUL,        ABC,  R,  R,  R,  "R[A] = R[B] * R[C] (3)")                                   \
    X(MOD,        ABC,  R,  R,  R,  "R[A] = R[B] % R[C] (3)")                                   \
    X(POW,        ABC,  R,  R,  R,  "R[A] = R[B] ^ R[C] (3)")                                   \
    X(DIV,        ABC,  R,  R,  R,  "R[A] = R[B] / R[C] (3)")                                   \
    X(IDIV,       ABC,  R,  R,  R,  "R[A] = R[B] // R[C] (3)")                                  \
    X(BAND,       ABC,  R,  R,  R,  "R[A] = R[B] & R[C] (3)")                                   \
    X(BOR,        ABC,  R,  R,  R,  "R[A] = R[B] | R[C] (3)")                                   \
    X(BXOR,       ABC,  R,  R,  R,  "R[A] = R[B] ~ R[C] (3)")                                   \
    X(SHL,        ABC,  R,  R,  R,  "R[A] = R[B] << R[C] (3)")                                  \
    X(SHR,        ABC,  R,  R,  R,  "R[A] = R[B] >> R[C] (3)")                                  \
    X(MMBIN,      ABC,  R,  R,  E,  "metamethod C on R[A], R[B]; result to the previous op's A (3)") \
    X(MMBINI,     ABC,  R,  SI, E,  "metamethod C on R[A], sB; k: operands swapped (3)")    \
    X(MMBINK,     ABC,  R,  K,  E,  "metamethod C on R[A], K[B]; k: operands swapped (3)")  \
    X(UNM,        ABC,  R,  R,  _,  "R[A] = -R[B]")                                             \
    X(BNOT,       ABC,  R,  R,  _,  "R[A] = ~R[B]")                                             \
    X(NOT,        ABC,  R,  R,  _,  "R[A] = not R[B]")                                          \
    X(LEN,        ABC,  R,  R,  _,  "R[A] = #R[B]")                                             \
    X(CONCAT,     ABC,  R,  N,  _,  "R[A] = R[A] .. ... .. R[A+B-1] (B >= 2 values)")          \
    X(CLOSE,      ABC,  R,  _,  _,  "close upvalues and to-be-closed variables >= R[A]")        \
    X(TBC,        ABC,  R,  _,  _,  "mark R[A] as a to-be-closed variable")                     \
    X(JMP,        sJ,   J,  _,  _,  "pc = pc + 1 + sJ")                                         \
    X(EQ,         ABC,  R,  R,  _,  "if (R[A] == R[B]) ~= k then skip the next instruction (4)") \
    X(LT,         ABC,  R,  R,  _,  "if (R[A] < R[B]) ~= k then skip (4)")                      \
    X(LE,         ABC,  R,  R,  _,  "if (R[A] <= R[B]) ~= k then skip (4)")                     \
    X(EQK,        ABC,  R,  K,  _,  "if (R[A] == K[B]) ~= k then skip (4)")                     \
    X(EQI,        ABC,  R,  SI, I,  "if (R[A] == sB) ~= k then skip (4)(5)")                    \
    X(LTI,        ABC,  R,  SI, I,  "if (R[A] < sB) ~= k then skip (4)(5)")                     \
    X(LEI,        ABC,  R,  SI, I,  "if (R[A] <= sB) ~= k then skip (4)(5)")                    \
    X(GTI,        ABC,  R,  SI, I,  "if (R[A] > sB) ~= k then skip (4)(5)")                     \
    X(GEI,        ABC,  R,  SI, I,  "if (R[A] >= sB) ~= k then skip (4)(5)")                    \
    X(TEST,       ABC,  R,  _,  _,  "if truth(R[A]) == k then skip the next instruction (4)")   \
    X(TESTSET,    ABC,  R,  R,  _,  "if truth(R[B]) ~= k then skip, else R[A] = R[B] (4)")      \
    X(CALL,       ABC,  R,  N,  N,  "R[A .. A+C-2] = R[A](R[A+1 .. A+B-1]) (6)")                \
    X(TAILCALL,   ABC,  R,  N,  N,  "return R[A](R[A+1 .. A+B-1]) (6)(7)")                      \
    X(RETURN,     ABC,  N,  N,  N,  "return R[A .. A+B-2] (6)(7)")                              \
    X(RETURN0,    ABC,  N,  _,  _,  "return (no values, nothing to close)")                     \
    X(RETURN1,    ABC,  R,  _,  _,  "return R[A] (one value, nothing to close)")                \
    X(FORLOOP,    ABx,  R,  JB, _,  "numeric for step; if the loop goes on: pc = pc + 1 - Bx (8)") \
    X(FORPREP,    ABx,  R,  JF, _,  "numeric for setup; if it runs 0 times: pc = pc + 2 + Bx (8)") \
    X(TFORPREP,   ABx,  R,  JF, _,  "mark R[A+3] to be closed; pc = pc + 1 + Bx (9)")           \
    X(TFORCALL,   ABC,  R,  _,  N,  "R[A+4 .. A+3+C] = R[A](R[A+1], R[A+2]) (9)")              \
    X(TFORLOOP,   ABx,  R,  JB, _,  "if R[A+4] ~= nil then R[A+2] = R[A+4]; pc = pc + 1 - Bx (9)") \
    X(SETLIST,    ABC,  R,  N,  N,  "R[A][C+i] = R[A+i] for 1 <= i <= B (10)")                  \
    X(CLOSURE,    ABx,  R,  P,  _,  "R[A] = new closure of nested prototype Bx")                \
    X(VARARG,     ABC,  R,  _,  N,  "R[A .. A+C-2] = the extra arguments (C = 0: all of them)") \
    X(VARARGPREP, ABC,  N,  _,  _,  "set up a vararg frame; A = number of fixed parameters")    \
    X(EXTRAARG,   Ax,   XA, _,  _,  "extra operand for the instruction before it; never runs")
/* clang-format on */
/* Notes.
 * (1) LOADKX is always followed by EXTRAARG; its Ax (< the number of constants) is the index.
 * (2) NEWTABLE: B is the hash size hint, encoded as 0 (none) or ceil(log2(size)) + 1; C is the
 *     array size hint; when k is 1 the array hint is C + Ax * (SKB_MAXARG_C + 1), where Ax is the
 *     EXTRAARG that always follows NEWTABLE (the compiler always writes it, with Ax = 0 when k=0).
 * (3) Arithmetic and bitwise operations try the plain numeric operation first; when it succeeds
 *     the next instruction (always MMBIN, MMBINI or MMBINK) is skipped. When it cannot (an
 *     operand is not a number, or not convertible to an integer for the bitwise ones), execution
 *     falls into that MMBIN*, which calls the metamethod for event C and stores the result in the
 *     A register of the instruction before it. MMBINI/MMBINK with k = 1 pass the immediate or
 *     constant as the first operand (the source had it on the left). SHRI/SHLI with negative sC
 *     are the opposite shifts; SHLI computes sC << R[B] (the immediate is the left operand).
 * (4) Comparisons and tests are always followed by a JMP; "skip" means pc += 1 past that JMP, and
 *     otherwise the JMP runs. The comparisons may call metamethods (__eq, __lt, __le).
 * (5) EQI..GEI: C is 1 when the source operand sB was a float that has an integer value, so
 *     metamethods and error messages see a float; the VM uses it only for that.
 * (6) CALL/TAILCALL/RETURN: B = 0 means "up to the top of the stack" (the values a previous CALL
 *     with C = 0, or VARARG with C = 0, left there); otherwise B-1 values. CALL's C = 0 means
 *     "all results, set top"; otherwise C-1 results. RETURN's and RETURN0's A is the first
 *     free register, which equals maxstacksize when every register holds a local (luac5.4
 *     writes the same), so its role is N: the verifier checks A+B-1 against maxstacksize.
 * (7) TAILCALL and RETURN: k = 1 means the function has upvalues or to-be-closed variables to
 *     close first; C > 0 means the function is vararg and C-1 is its number of fixed parameters
 *     (the VM needs it to find the frame's real base).
 * (8) FORPREP: R[A], R[A+1], R[A+2] are start, limit, step; R[A+3] is the visible variable.
 *     FORPREP jumps to pc + 2 + Bx (past the FORLOOP) when the loop runs zero times; FORLOOP
 *     jumps to pc + 1 - Bx (the first instruction of the body) while it goes on.
 * (9) Generic for: R[A] iterator, R[A+1] state, R[A+2] control, R[A+3] closing value; the
 *     variables start at R[A+4]. TFORPREP jumps to pc + 1 + Bx, which is the TFORCALL; TFORCALL
 *     is always followed by TFORLOOP (same A), which jumps to pc + 1 - Bx (the loop body).
 * (10) SETLIST: B = 0 means "up to the top"; when k is 1, the real C is C + Ax * (SKB_MAXARG_C+1)
 *     with Ax from the EXTRAARG that follows. The table is R[A]; items start at R[A+1].
 */

enum skb_op {
#define SKB_X_ENUM(name, fmt, a, b, c, effect) SKB_OP_##name,
    SKB_OPCODES(SKB_X_ENUM)
#undef SKB_X_ENUM
        SKB_NUM_OPCODES
};
_Static_assert(SKB_NUM_OPCODES == 83, "Lua 5.4 has 83 opcodes");
_Static_assert(SKB_NUM_OPCODES <= (1 << SKB_SIZE_OP), "opcodes fit 7 bits");

enum skb_format { SKB_FMT_ABC, SKB_FMT_ABx, SKB_FMT_AsBx, SKB_FMT_Ax, SKB_FMT_sJ };

enum skb_role {
    SKB_ROLE__, /* unused */
    SKB_ROLE_R,
    SKB_ROLE_K,
    SKB_ROLE_KS,
    SKB_ROLE_KN,
    SKB_ROLE_RK,
    SKB_ROLE_U,
    SKB_ROLE_I,
    SKB_ROLE_SI,
    SKB_ROLE_N,
    SKB_ROLE_JF,
    SKB_ROLE_JB,
    SKB_ROLE_J,
    SKB_ROLE_P,
    SKB_ROLE_E,
    SKB_ROLE_XA,
};

/* Metamethod events, in the order MMBIN's C names them (Lua 5.4's TM order, which the ABI
 * fixes because C holds the number). Only ADD..SHR appear in bytecode. */
#define SKB_EVENTS(X)                                                                              \
    X(INDEX, "__index")                                                                            \
    X(NEWINDEX, "__newindex")                                                                      \
    X(GC, "__gc")                                                                                  \
    X(MODE, "__mode")                                                                              \
    X(LEN, "__len")                                                                                \
    X(EQ, "__eq")                                                                                  \
    X(ADD, "__add")                                                                                \
    X(SUB, "__sub")                                                                                \
    X(MUL, "__mul")                                                                                \
    X(MOD, "__mod")                                                                                \
    X(POW, "__pow")                                                                                \
    X(DIV, "__div")                                                                                \
    X(IDIV, "__idiv")                                                                              \
    X(BAND, "__band")                                                                              \
    X(BOR, "__bor")                                                                                \
    X(BXOR, "__bxor")                                                                              \
    X(SHL, "__shl")                                                                                \
    X(SHR, "__shr")                                                                                \
    X(UNM, "__unm")                                                                                \
    X(BNOT, "__bnot")                                                                              \
    X(LT, "__lt")                                                                                  \
    X(LE, "__le")                                                                                  \
    X(CONCAT, "__concat")                                                                          \
    X(CALL, "__call")                                                                              \
    X(CLOSE, "__close")

enum skb_event {
#define SKB_X_EVENT(name, str) SKB_EV_##name,
    SKB_EVENTS(SKB_X_EVENT)
#undef SKB_X_EVENT
        SKB_NUM_EVENTS
};

/* ---- The .skb file ---------------------------------------------------------------------------
 *
 * Summary (docs/bytecode.md is exact): all multi-byte fields little-endian.
 *   header:  magic "\x1bSkb" (4 bytes), u16 SKB_VERSION, u8 instruction size (4),
 *            u8 integer size (8), u8 number size (8), u8 0 (reserved),
 *            i64 SKB_CHECK_INT, f64 SKB_CHECK_NUM, u32 module count (1..SKB_MAX_MODULES)
 *   module:  str name, function main
 *   function: str source, u32 linedefined, u32 lastlinedefined, u8 numparams, u8 is_vararg,
 *            u8 maxstacksize, u32 ncode + ncode u32 instructions, u32 nk + constants,
 *            u32 nupvalues + (u8 instack, u8 idx, u8 kind) each, u32 nprotos + functions,
 *            u32 nlines (0 or ncode) + u32 line each, u32 nlocvars + (str, u32 startpc,
 *            u32 endpc) each, u32 nupnames (0 or nupvalues) + str each
 *   constant: u8 tag (enum skb_const_tag), then nothing, i64, f64, or str
 *   str:     u32 length (<= SKB_MAX_STRING) + bytes (no terminator)
 * The file ends exactly after the last module.
 */
#define SKB_MAGIC "\x1bSkb"
#define SKB_MAGIC_LEN 4
#define SKB_VERSION 1
#define SKB_INS_SIZE 4
#define SKB_INT_SIZE 8
#define SKB_NUM_SIZE 8
#define SKB_CHECK_INT ((int64_t)0x5678)
#define SKB_CHECK_NUM 370.5
#define SKB_HEADER_LEN 30 /* magic 4, version 2, sizes 3, reserved 1, int 8, num 8, count 4 */

enum skb_const_tag {
    SKB_CONST_NIL = 0,
    SKB_CONST_FALSE = 1,
    SKB_CONST_TRUE = 2,
    SKB_CONST_INT = 3,      /* i64 */
    SKB_CONST_FLOAT = 4,    /* f64, IEEE 754 binary64 bits */
    SKB_CONST_SHORTSTR = 5, /* str, length <= SKB_SHORTSTR_MAX */
    SKB_CONST_LONGSTR = 6,  /* str, length > SKB_SHORTSTR_MAX */
};

/* Upvalue kinds, as the variable was declared in the enclosing function. */
enum skb_upval_kind {
    SKB_UPVAL_REG = 0,     /* an ordinary local */
    SKB_UPVAL_CONST = 1,   /* local <const> (not a compile-time constant) */
    SKB_UPVAL_TOCLOSE = 2, /* local <close> */
};

/* Limits the loader checks; every count in a file is bounded by one of these (and by the bytes
 * left in the file). Each is at least what the compiler can produce. */
#define SKB_MAX_MODULES 1024         /* modules in one bundle */
#define SKB_MAX_NAME 255             /* bytes in a module name */
#define SKB_MAX_STRING (1u << 28)    /* bytes in any str (256 MiB) */
#define SKB_SHORTSTR_MAX 40          /* longest short string constant (Lua's LUAI_MAXSHORTLEN) */
#define SKB_MAX_CODE (1u << 24)      /* instructions per function: every jump fits sJ */
#define SKB_MAX_CONSTS (1u << 24)    /* constants per function (LOADKX reaches them) */
#define SKB_MAX_UPVALUES 255         /* upvalues per function: GETUPVAL's B is a byte */
#define SKB_MAX_PROTOS SKB_MAXARG_BX /* nested functions per function: CLOSURE's Bx */
#define SKB_MAX_LOCVARS (1u << 20)   /* local variable records per function */
#define SKB_MAX_DEPTH 200            /* nesting of functions (the compiler's C-level limit) */

#endif
