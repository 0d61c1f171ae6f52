-- String building, gsub and format: concatenation in a buffer table, table.concat, patterns
-- with captures and a replacement function, string.format of integers and floats.
local n = tonumber(arg and arg[1]) or 20000
local parts = {}
for i = 1, n do parts[#parts + 1] = string.format("%d:%.2f;", i, i / 7) end
local s = table.concat(parts)
local replaced, count = s:gsub("(%d+):(%d+)%.(%d+);", function(a, b, c) return b .. c .. "," end)
local acc = ""
for i = 1, n // 10 do acc = acc .. i % 10 end
local words = 0
for w in replaced:gmatch("%d+") do words = words + #w end
local h = 0
for i = 1, #replaced, 97 do h = (h * 31 + replaced:byte(i)) % 1000000007 end
print("strings", n, #s, count, #acc, words, h, s:upper():len(), s:find("999:", 1, true))
