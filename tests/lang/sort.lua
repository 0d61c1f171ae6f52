-- table.sort: default order for numbers and strings, comparators, stability not assumed
-- (only totally ordered keys), sorting through __lt, the "invalid order function" error,
-- comparing incomparable values, large inputs.
local t = {5, 2, 8, 1, 9, 3, 7, 4, 6, 0}
table.sort(t)
print(table.concat(t, " "))
table.sort(t, function(a, b) return a > b end)
print(table.concat(t, " "))
local s = {"pear", "apple", "fig", "banana", "Cherry", "apple2", ""}
table.sort(s)
print(table.concat(s, ","))
table.sort(s, function(a, b) return #a < #b or (#a == #b and a < b) end)
print(table.concat(s, ","))
local mixed = {3, 1.5, -2, 2^53, -0.5, math.mininteger, math.maxinteger, 1e300, -math.huge}
table.sort(mixed)
for _, v in ipairs(mixed) do io.write(tostring(v), " ") end print()
local recs = {{n = "c", v = 3}, {n = "a", v = 1}, {n = "b", v = 2}}
table.sort(recs, function(x, y) return x.v < y.v end)
print(recs[1].n, recs[2].n, recs[3].n)
local R = {__lt = function(a, b) return a.k < b.k end}
local objs = {}
for i, k in ipairs({4, 2, 3, 1}) do objs[i] = setmetatable({k = k}, R) end
table.sort(objs)
print(objs[1].k, objs[2].k, objs[3].k, objs[4].k)
table.sort({})
table.sort({1})
local big = {}
local x = 12345
for i = 1, 2000 do x = (x * 1103515245 + 12345) % 2147483648; big[i] = x % 1000 end
table.sort(big)
local ok = true
for i = 2, #big do if big[i - 1] > big[i] then ok = false end end
print(ok, big[1], big[1000], big[2000])
table.sort(big, function(a, b) return a > b end)
print(big[1], big[2000])
print(pcall(table.sort, {"x", 1}))
print(pcall(table.sort, {{}, 2}))
print(pcall(table.sort, {1, nil, 3}))
print(pcall(table.sort, {1, 2, 3}, 1))
local bad = {}
for i = 1, 100 do bad[i] = i % 7 end
print(pcall(table.sort, bad, function(a, b) return true end))
print(pcall(table.sort, {5, 4, 3, 2, 1}, function(a, b) error("cmp", 0) end))
