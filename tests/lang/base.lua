-- The base library: print and tostring of every type that prints without an address, type,
-- select, ipairs, rawequal, assert results, collectgarbage counts, _G and _VERSION, load of
-- source text where available.
print(1, 1.0, -0.0, "s", nil, true, false)
print(tostring(1e15), tostring(1e16), tostring(-1e-7), tostring(123), tostring("x"))
print(type(print), type(nil), type(2), type("x"), type({}), type(print) == "function")
print(pcall(type))
print(_VERSION, _G._G == _G, _G.print == print, _G.undefined)
_G.newglobal = 5
print(newglobal, rawget(_G, "newglobal"))
print(type(collectgarbage("count")), collectgarbage("count") > 0, collectgarbage())
print(math.type(collectgarbage("count")))
local t = {}
for i = 1, 10 do t[i] = {} end
t = nil
collectgarbage()
collectgarbage("collect")
print(select("#", collectgarbage("step")))
print(tostring(print):match("^builtin: ") or tostring(print):match("^function: ") and "function: ok")
print(tostring({}):match("^table: ") and "table: ok")
print(string.format("%5s|%-5s|", "ab", "cd"))
print(#arg, arg[0])
print(next({}), type(next), type(pairs({})), select("#", ipairs({})))
print(tostring(nil), tostring(false), tonumber("  10  "), tonumber("10", 36), tonumber("Z", 36))
print(tonumber("1e1"), tonumber("0x1P-2"), tonumber(".5"), tonumber("5."), tonumber("0x.8"))
print(tonumber("1 2"), tonumber("1e500"), tonumber("-0"), tonumber("-0.0"), tonumber("0x7fffffffffffffff"))
print(tonumber("9223372036854775808"), tonumber("-9223372036854775809"), tonumber("0xffffffffffffffffff"))
print(string.format("%q", tonumber("1e500")))
