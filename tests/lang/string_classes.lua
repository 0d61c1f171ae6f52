-- Every pattern class and its complement, and upper/lower, over all 256 bytes ("C" locale).
local all = {}
for c = 0, 255 do all[#all + 1] = string.char(c) end
all = table.concat(all)
for _, cl in ipairs{"a", "c", "d", "g", "l", "p", "s", "u", "w", "x", "z"} do
  for _, k in ipairs{cl, cl:upper()} do
    local bits = all:gsub(".", function(ch) return ch:find("%" .. k) and "1" or "0" end)
    print(k, bits)
  end
end
print(all:upper() == all:gsub("%l", function(ch) return string.char(ch:byte() - 32) end))
print(all:lower() == all:gsub("%u", function(ch) return string.char(ch:byte() + 32) end))
print(#all:upper(), all:upper():sub(90, 100), all:lower():sub(60, 70))
