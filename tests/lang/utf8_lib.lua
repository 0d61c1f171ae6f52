-- utf8 library beyond utf8.lua: encodings at every length boundary, lax mode up to 2^31-1,
-- surrogates, overlong and truncated sequences, relative positions, len's fail + position,
-- offset in both directions and its errors, codes over bad input.
local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02X", c:byte()) end))
end
for _, c in ipairs({0, 0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0x10000, 0x10FFFF, 0x110000, 0x1FFFFF,
                    0x200000, 0x3FFFFFF, 0x4000000, 0x7FFFFFFF}) do
  local s = utf8.char(c)
  print(string.format("%X", c), hex(s), #s, utf8.len(s), utf8.len(s, 1, -1, true),
        utf8.codepoint(s, 1, 1, true), pcall(utf8.codepoint, s))
end
print(utf8.char(), utf8.char(72, 105), hex(utf8.char(0xE9, 0x4E2D, 0x1F600)))
print(pcall(utf8.char, 0x80000000))
print(pcall(utf8.char, -1))
print(pcall(utf8.char, "x"))
print(pcall(utf8.char, 65, nil))
print(hex(utf8.charpattern))

-- invalid sequences: len reports the first bad byte
local bad = {"\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xED\xA0\x80", "\xED\xBF\xBF", "\xF4\x90\x80\x80",
             "\xF8\x88\x80\x80\x80", "\xFE", "\xFF", "\x80", "ab\xE4\xBD", "\xE4\xBDx", "a\xF0\x9F\x98"}
for _, s in ipairs(bad) do
  print(hex(s), utf8.len(s), utf8.len(s, 1, -1, true), pcall(utf8.codepoint, s, 1, -1))
end
print(utf8.len("\xED\xA0\x80", 1, -1, true), utf8.codepoint("\xED\xA0\x80", 1, 1, true))

-- positions
local s = "aé中😀z"
print(#s, utf8.len(s), utf8.len(s, 2), utf8.len(s, -1), utf8.len(s, 3), utf8.len(s, 1, 3))
print(utf8.len(""), utf8.len("", 1), utf8.len("abc", 4), utf8.len("abc", 1, 0))
print(pcall(utf8.len, "abc", -10))
print(pcall(utf8.len, "abc", 5))
print(pcall(utf8.len, "abc", 0))
print(pcall(utf8.len, "abc", 1, 4))
print(utf8.codepoint(s, 1, -1))
print(utf8.codepoint(s, -1), utf8.codepoint(s, 2), select("#", utf8.codepoint(s, 3, 2)))
print(pcall(utf8.codepoint, s, 3))
print(pcall(utf8.codepoint, s, 0))
print(pcall(utf8.codepoint, s, 1, #s + 1))
for i = -3, 7 do io.write(tostring(utf8.offset(s, i)), " ") end print()
for i = -3, 3 do io.write(tostring(utf8.offset(s, i, 4)), " ") end print()
for i = 1, #s + 1 do io.write(tostring(utf8.offset(s, 0, i)), " ") end print()
print(utf8.offset("", 1), utf8.offset("", 0), utf8.offset("", -1), utf8.offset("abc", 5))
print(pcall(utf8.offset, s, 1, 3))
print(pcall(utf8.offset, s, 1, #s + 2))
print(pcall(utf8.offset, s, 1, 0))
print(pcall(utf8.offset, s))

-- codes
for p, c in utf8.codes(s) do io.write(p, ":", c, " ") end print()
for p, c in utf8.codes("a\x80\x80b") do io.write(p, ":", c, " ") end print()
for p, c in utf8.codes("\xF4\x90\x80\x80", true) do io.write(p, ":", c, " ") end print()
print(pcall(function() for p, c in utf8.codes("ab\xF4\x90\x80\x80") do io.write(p, " ") end end))
print(pcall(function() for p, c in utf8.codes("x\xE4\xBD") do io.write(p, " ") end end))
print(pcall(utf8.codes))
print(pcall(utf8.codes, {}))
for c in s:gmatch(utf8.charpattern) do io.write(hex(c), " ") end print()
local iter = utf8.codes("x")
print(pcall(iter, {}, 0))
print(pcall(function() return iter({}, 0) end))
