-- Edge cases: stack overflow and huge strings as errors, integer/float comparison at the
-- precision limits, formats, string methods through the string metatable, io.write results.
print(string.format("%.3f", 2/3), string.format("%10.4s|", "abcdefg"), string.format("%-+6d|", 5))
print(math.tointeger("8"), math.tointeger(3.0), ("%5.2s|"):format("xyz"))
print(string.format("%q", "\r\n\0\1\127\255"))
print(("abc"):rep(3, ", "), ("x"):byte(-10, 10))
print(select('#', string.byte("", 1)), string.byte("abc", 0))
print(tostring(2^31), 2^31 | 0, -2^31 | 0, 1e308 * 10, -1e308 * 10)
print(7 // 0.0, -7 // 0.0, 0/0 == 0/0, 7 % -0.0 ~= 7 % -0.0)
print(math.floor(-0.0), math.ceil(-0.5), 1/math.ceil(-0.5))
print(string.format("%g", 0.1), string.format("%.20g", 0.1), string.format("%5.3g|", 1e-10))
print(#table.pack(table.unpack({1, 2, 3}, -2, 2)))
print(pcall(table.unpack, {}, 1, 1e8))
print(next({}, nil), type(next))
print(string.rep("a", 3, ""), ("x"):rep(1, "sep"))
print(tostring(1e15), tostring(-1e15), 1e15 // 1, 2^63 // 1, -2^63 // 1 | 0)
print(math.maxinteger // 1.0, math.maxinteger + 0.0 == 2^63, 2^53 + 1 == 2^53)
print(("%s"):format(0/0 ~= 0/0), -0.0 == 0, 3 == 3.0000000000000001)
print(100000000000000 * 100000, 123456789 * 987654321)
print(5 // -2, -5 // 2, 5 % -2, -5 % 2, 5.5 // -2, -5.5 % 2)
print(math.mininteger // -1, math.mininteger % -1, math.mininteger * -1)
print(("a"):rep(10):gsub("a", "b", 3))
print(string.find("a+b", "+", 1, true), string.find("abc", "[a-", 1, true))
print(pcall(string.find, "abc", "[a-"))
print(("key = value"):match("^(%w+)%s*=%s*(%w+)$"))
print(string.format("%x", 255.0), pcall(string.format, "%x", 255.5))
print(tostring(true):upper(), (""):len(), #"\u{10FFFF}")
print(table.concat({1, 2, 3}, ", ", 2), table.concat({"a"}, "x", 1, 1))
local t = setmetatable({}, {__index = table})
t:insert("a"); t:insert("b")
print(t:concat(","), #t)
print(rawequal("a", "a"), rawequal(1, 1.0), rawequal({}, {}))
print(math.abs(-3), math.abs(-3.5), math.max(3, 7.5, -1), math.min(3, 7.5, -1))
print(8 | 1.0, pcall(function() return 8 | 1.1 end))
print(string.format("[%5s][%-5s]", "ab", "ab"), ("x"):rep(3, ""))
goto skip
print("never")
::skip::
print(type(io.write), io.write("w1 ", 2, " ", 3.5, "\n") == io.stdout)
local function rec(n) return 1 + rec(n + 1) end
local ok, e = pcall(rec, 1)
print(ok, (e:gsub("^.-:%d+: ", "")))

print(pcall(string.rep, "x", 1 << 40))
print(1 // 1 == 1, pcall(function() local a = 1 // 0 end))
print(pcall(function() return 1 % 0 end))
local c = 0
local big = {}
for i = 1, 300 do big[i] = i end
print(select("#", table.unpack(big)))
print(math.maxinteger < math.maxinteger + 0.0, math.maxinteger + 0.0 > math.maxinteger)
print(2^53 < 2^53 + 1, (2^53 | 0) + 1 > 2^53, math.mininteger <= -2^63, math.mininteger < -2^63)
print(1 < 1.1, 1 <= 0.9, -1 > -1.1, math.maxinteger >= 9.2233720368547748e18)
local t = {}
t["1"] = "s"; t[1] = "i"
print(t["1"], t[1], t[1.0])
local s = ""
for i = 1, 100 do s = s .. i end
print(#s, s:sub(-10))
local x <const> = 2^10
print(x, 1 << 10 == x)
local deep = {{{{{{{{{{"in"}}}}}}}}}}
print(deep[1][1][1][1][1][1][1][1][1][1])
print(("%d"):format(-0), -0 == 0, 0.0 == -0)
print(string.format("%.0f %.0f %.0f", 2.5, 3.5, -2.5))
print(#{n = 1, 1, 2, [3] = 3})
print(tostring(nil) .. "", tostring(12.0), 12.0 .. "")
local a = {}
a[1], a[2] = 1
print(a[1], a[2])
print(pcall(error, setmetatable({}, {__tostring = function() return "X" end})))
