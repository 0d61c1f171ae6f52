#!/bin/sh
# Regenerates the mutation test's corpus (tests/vm/test_mutate.c): real programs from
# tests/lang/, compiled by luac5.4 and repackaged as .skb by ../luac2skb.py (same instruction
# set, different container), so the corpus does not depend on lang/.
set -e
cd "$(dirname "$0")"
for name in basics closures metatables tables varargs goto forloop operators strings patterns \
        format pack utf8 sort numbers close coroutines coroutines_yield_points; do
    luac5.4 -o /tmp/corpus.$$.luac ../../lang/$name.lua
    python3 ../luac2skb.py /tmp/corpus.$$.luac $name.skb
done
rm -f /tmp/corpus.$$.luac
