-- utf8.len, codepoint and offset over 150 byte strings made by a fixed generator from bytes
-- near every UTF-8 boundary (lead bytes, continuations, overlong and surrogate starters, 0xF4
-- and past, 0xFE/0xFF), in strict and lax mode, every result and error printed.
local pool = {0x41, 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xF7,
              0xF8, 0xFB, 0xFC, 0xFD, 0xFE, 0xFF, 0xA0, 0x90, 0x8F, 0x9F, 0x00}
local x = 20240601
local function rnd(n) x = (x * 1103515245 + 12345) % 2147483648; return x % n end
local function out(ok, ...)
  if not ok then io.write("E:", (...), ";") return end
  local t = table.pack(...)
  for i = 1, t.n do io.write(tostring(t[i]), ",") end
  io.write(";")
end
for _ = 1, 150 do
  local b = {}
  for i = 1, rnd(9) do b[i] = string.char(rnd(5) == 0 and rnd(256) or pool[rnd(#pool) + 1]) end
  local s = table.concat(b)
  io.write((s:gsub(".", function(c) return string.format("%02X", c:byte()) end)), " ")
  out(pcall(utf8.len, s)) out(pcall(utf8.len, s, 1, -1, true)) out(pcall(utf8.len, s, -2))
  out(pcall(utf8.codepoint, s, 1, -1)) out(pcall(utf8.codepoint, s, 1, -1, true))
  for k = -1, 1 do for i = 1, #s + 1 do out(pcall(utf8.offset, s, k, i)) end end
  out(pcall(function()
    local r = {}
    for p, c in utf8.codes(s, true) do r[#r + 1] = p .. ":" .. c end
    return table.concat(r, " ")
  end))
  print()
end
