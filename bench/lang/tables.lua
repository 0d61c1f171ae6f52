-- Table insert and sort: table.insert at the end and the front, table.remove, sort with and
-- without a comparator, hash-part inserts and lookups with string and integer keys.
local n = tonumber(arg and arg[1]) or 20000
local t = {}
local x = 42
for i = 1, n do x = (x * 1103515245 + 12345) % 2147483648; table.insert(t, x % 100000) end
table.sort(t)
local s1 = t[1] + t[n // 2] + t[n]
table.sort(t, function(a, b) return a > b end)
local s2 = t[1] + t[n // 2] + t[n]
local front = {}
for i = 1, n // 20 do table.insert(front, 1, i) end
local removed = 0
while #front > 0 do removed = removed + table.remove(front) end
local h = {}
for i = 1, n do h["k" .. (i % 5000)] = (h["k" .. (i % 5000)] or 0) + i end
local hs = 0
for i = 0, 4999 do hs = hs + h["k" .. i] end
local sq = {}
for i = 1, n do sq[i * 3] = i end
local ss = 0
for i = 1, n do ss = ss + (sq[i] or 0) end
print("tables", n, s1, s2, removed, hs, ss)
