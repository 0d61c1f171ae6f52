-- A module runs inside require, which cannot yield (as in Lua 5.4); its functions can.
local co = coroutine.create(function() return (require "lib.y") end)
print(coroutine.resume(co))
print(package.loaded["lib.y"])
local co2 = coroutine.wrap(function() local m = require "lib.z" coroutine.yield(m.f()) return "done" end)
print(co2())
print(co2())
