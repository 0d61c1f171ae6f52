-- Strings: every escape, long strings, comparison, the basic string functions.
print("-- escapes")
print("a\tb\\c\"d\'e")
print(#"\a\b\f\n\r\t\v\\\"\'", ("\a\b\f\n\r\t\v"):byte(1, -1))
print("\65\066\0677", "\x41\x62\x7A", #"\0", ("\0x"):byte(1, 2), "\z
       continued", "\u{48}\u{49}", #"\u{7FF}", #"\u{FFFF}", #"\u{10FFFF}", #"\u{7FFFFFFF}")
print(("\u{E9}"):byte(1, -1))
print("line1\
line2")
print('single "quotes"', "double 'quotes'")
print("\z   ab", "x\z

  y")
print("\0491", #"\255\000\1")

print("-- long strings")
print([[plain]], [==[with ]] inside]==], #[[
skipped first newline]])
local ls = [[
a\nb
  c]]
print(ls, #ls)
print([=[
]=] == "", [[a
b]] == "a\nb")
--[[ a long
comment ]] print("after long comment")
--[==[ another ]] one ]==] print("after level-2 comment")

print("-- comparison")
print("a" < "b", "a" < "ab", "" < "a", "Z" < "a", "abc" <= "abc", "b" > "abc", "a\0b" < "a\0c")
print("a\0" > "a", "10" < "9", "" == "", "x" ~= "y")
print(pcall(function() return "a" < 1 end))
print(pcall(function() return {} < {} end))
print(pcall(function() return 1 <= "1" end))

print("-- functions")
local s = "Hello, World"
print(#s, s:len(), s:upper(), s:lower(), s:reverse(), s:rep(2, "|"), ("x"):rep(0), ("x"):rep(-1))
print(s:sub(1, 5), s:sub(-5), s:sub(8, -1), s:sub(0), s:sub(5, 2), s:sub(-100, 2), s:sub(3, 100))
print(s:sub(math.mininteger, math.maxinteger), s:sub(13), ("abc"):sub(2, 2))
print(s:byte(), s:byte(-1), s:byte(1, 3), s:byte(100), string.char(72, 105), string.char())
print(pcall(string.char, 256))
print(pcall(string.char, -1))
print(pcall(string.rep))
print(pcall(string.sub))
print(pcall(("x").sub, "x", {}))
print(pcall(string.upper, nil))
print(string.len("\0\0\0"), ("%d"):rep(3, ","), tostring(nil), tostring(true), tostring(12), tostring(1.5))
print(#string.rep("ab", 1000), string.rep("", 100) == "")
print(("abc"):find("b"), ("abc"):find("b", 1, true), ("a.c"):find(".", 1, true), ("abc"):find("d"))
print(("abc"):find(""), ("abc"):find("", 10), ("abc"):find("", 4), ("abc"):find("c", -1))

print("-- concat")
print("a" .. "b" .. 1 .. 2.0 .. -3, 1 .. "", "x" .. 2^63)
print(pcall(function() return "a" .. nil end))
print(pcall(function() return "a" .. {} end))
print(pcall(function() return true .. "a" end))
local parts = {}
for i = 1, 10 do parts[#parts + 1] = i end
print(table.concat(parts), table.concat(parts, ", "), table.concat(parts, "-", 3, 5), table.concat({}, "x"))
print(table.concat({1, 2.5, "x"}, " "))
print(pcall(table.concat, {1, {}, 3}))
print(pcall(table.concat, {1, 2}, ",", 1, 3))
