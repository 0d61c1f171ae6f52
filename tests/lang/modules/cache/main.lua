-- require runs a module once and caches its value in package.loaded.
print("main starts")
local n1 = select('#', require "lib.counter")
print("first require results", n1)
local c1 = require "lib.counter"
local c2 = require "lib.counter"
print("same value", rawequal(c1, c2), rawequal(c1, package.loaded["lib.counter"]))
print("second require results", select('#', require "lib.counter"))
print("loads", c1.loads)
c1.bump()
print("shared state", (require "lib.counter").count)
local name, data = require "lib.args"
print("module name", name)
print("loader data is a string", type(data))
print("args seen by module", package.loaded["lib.args"])
