-- A cycle: lib.a publishes a partial table in package.loaded before requiring lib.b, which
-- requires lib.a back and receives that partial table.
local a = require "lib.a"
print(a.name, a.b.name, rawequal(a.b.a, a))
print("b saw a complete?", a.b.saw_complete)
print(a.b.a_value())
-- A module that requires itself without publishing anything recurses until the stack runs out.
local ok, msg = pcall(require, "lib.self")
print(ok, (string.find(msg, "stack overflow", 1, true) ~= nil))
print("self runs > 10", SELF_RUNS > 10, package.loaded["lib.self"])
