-- Numbers: integer/float subtypes, wrap-around, floor division and modulo by sign,
-- float->integer conversions and their errors, string coercions, %.14g printing.
local function show(...)
  local t = table.pack(...)
  local parts = {}
  for i = 1, t.n do
    local v = t[i]
    parts[i] = tostring(v) .. ":" .. (math.type(v) or type(v))
  end
  print(table.concat(parts, " "))
end

print("-- subtypes")
show(1, 1.0, 3 / 2, 4 / 2, 7 // 2, 7.0 // 2, 2^2, 10 % 3, 10.0 % 3)
show(0x10, 0xff, 0xA.8p0, 0x.1p4, 1e2, 1E-2, .5, 5., 3e0)
show(9007199254740993, 0x7fffffffffffffff, 0xffffffffffffffff, 0x1p63)
show(9223372036854775807, 9223372036854775808, -9223372036854775808)
show(math.maxinteger, math.mininteger, math.huge, -math.huge, math.pi)

print("-- wrap-around")
show(math.maxinteger + 1 == math.mininteger, math.mininteger - 1 == math.maxinteger)
show(math.maxinteger * 2, math.mininteger * -1, -math.mininteger)
show(math.maxinteger + 1.0, math.mininteger // -1, math.mininteger % -1)
show(0x7fffffffffffffff + 0x7fffffffffffffff)
show(1 << 63, 1 << 64, -1 >> 1, -1 >> 63, -1 >> 64, 1 << -1, 3 >> -1)

print("-- floor division and modulo by sign")
for _, a in ipairs({7, -7, 7.5, -7.5, 0}) do
  for _, b in ipairs({2, -2, 2.5, -2.5}) do
    print(a, b, a // b, a % b)
  end
end
show(5 // 0.0, -5 // 0.0, 0/0 ~= 0/0, 5 % math.huge, -5 % math.huge, 5 % -math.huge)
show(5.0 % 0, -5 % 0.0 ~= -5 % 0.0, 0.0 // 0)
show(pcall(function() return 1 // 0 end))
show(pcall(function() return 1 % 0 end))
show(3 % -2, -3 % 2, 3.0 % -2, -3.0 % 2, -0.0 % 1)

print("-- float to integer")
show(math.tointeger(3.0), math.tointeger(3.5), math.tointeger(2^63))
show(3.0 | 0, 2^53 | 0, -0.0 | 0, 2.0 ~ 1, 1.0 << 2)
show(pcall(function() return "10" | 0 end))
show(pcall(function() return 3.5 | 0 end))
show(pcall(function() return 2^63 | 0 end))
show(pcall(function() return math.huge // 1 | 0 end))
show(pcall(function() return "3.5" | 0 end))
show(pcall(function() return "abc" | 0 end))
show(pcall(function() return {} | 0 end))
show(pcall(string.rep, "x", 2.5))
show(string.rep("ab", 3.0), ("x"):rep("2"))
show(math.floor(3.7), math.ceil(3.2), math.floor(-3.5), math.ceil(-3.5), math.floor(2^70))
show(math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7, -3), math.fmod(-7.5, 2))
show(pcall(math.fmod, 1, 0))
show(math.fmod(1, 0.0) ~= math.fmod(1, 0.0), math.fmod(math.mininteger, -1))
show(math.abs(math.mininteger), math.abs(-0.0), math.max(1, 2.0, 3), math.min(1.0, 1))
show(math.ult(1, -1), math.ult(-1, 1), 1 < -1)

print("-- string coercions")
show("10" + 1, "10" * "2", "3.0" + 1, "0x10" + 0, " 5 " - 1, "1e1" + 0, 10 .. 20)
show(1.5 .. "", 2^63 .. "", -0.0 .. "", 1e100 .. "", math.mininteger .. "")
show(pcall(function() return "a" + 1 end))
show(pcall(function() return "10" + {} end))
show("10" == 10, "abc" < "abd", tonumber("  0x1p4  "), tonumber("1e"), tonumber(""))
show(tonumber("10", 2), tonumber("ff", 16), tonumber("FF", 16), tonumber("zz", 36), tonumber("8", 8))
show(tonumber(" -7 ", 10), tonumber("7fffffffffffffff", 16), tonumber("ffffffffffffffff", 16))
show(tonumber("1.5", 10), tonumber("", 10), tonumber("0x10"), tonumber("0x"), tonumber("- 1"))
show(tonumber(nil), tonumber(true), tonumber({}), tonumber("inf"), tonumber("nan"))
show(pcall(tonumber, "10", 1))
show(pcall(tonumber, "10", 37))
show(pcall(tonumber, 10, 16))
show(pcall(tonumber))
show(math.type(1), math.type(1.0), math.type("1"), math.type(nil))

print("-- %.14g printing")
show(0.1, 1/3, -0.0, 1/0, -1/0, 1e100, 2^63, -2^63, 1e15, 1e16, 123456789012345.0)
show(100.0, -100.0, 1e14, 1e-5, 5e-324, 1.7976931348623157e308, 2^53, 3.14159265358979)
print(0/0 ~= 0/0, tostring(0/0) == tostring(0/0), math.huge, -math.huge)
local nan = 0/0
print(nan, -nan, string.format("%.1f", 1/0), string.format("%g", -1/0))
print(string.format("%.14g", 2^63), string.format("%d", 3.0), string.format("%5.1f", -0.0))
print(8 // 3, 8.0 // 3, -8 // 3, 8 % -3, 2^-1, 10 / 2, 3 * 1.0)

print("-- comparisons across subtypes")
show(1 == 1.0, 2^53 == 2^53 + 1, math.maxinteger == 2^63, math.maxinteger < 2^63)
show(math.maxinteger + 0.0 == 2^63, math.mininteger == -2^63, -0.0 == 0.0, 1 < 1.5, -1 > -1.5)
show(0/0 == 0/0, 0/0 < 1, 0/0 > 1, 1 <= 0/0, math.maxinteger < math.huge, math.mininteger > -math.huge)
show(9007199254740993 < 9007199254740992.0, 9007199254740993 > 9007199254740992.0)

print("-- bitwise")
show(5 & 3, 5 | 3, 5 ~ 3, ~5, ~0, 1 << 2, 256 >> 4, 2.0 & 3, 3 | 4.0)
show(0xF0 ~ 0xFF, -1 & 0xFF, math.mininteger >> 63, ~math.mininteger)
show(pcall(function() return 1.5 & 1 end))
show(pcall(function() return 1 // nil end))

print("-- math")
show(math.sqrt(16), math.exp(0), math.log(1), math.log(8, 2), math.log(100, 10), math.log(27, 3))
show(math.sin(0), math.cos(0), math.floor(math.atan(1, 1) * 1000), math.modf(3.7))
show(math.modf(-3.7))
show(math.modf(5), math.modf(math.huge), math.modf(-math.huge))
math.randomseed(42)
local r = math.random(1, 10)
show(r >= 1 and r <= 10, math.type(r), math.random() < 1, math.type(math.random(5)))
show(pcall(math.random, 2, 1))
show(pcall(math.floor, "x"))
-- float modulo folded at compile time, every sign combination (the result takes b's sign)
print(5.5 % 2, -5.5 % 2, 5.5 % -2, -5.5 % -2, 5 % -2.5, -0.0 % 1, 3 % math.huge, -3 % math.huge)
