-- table library beyond tables.lua/sort.lua: insert/remove positions and their errors, concat
-- with sep/i/j and number values, unpack ranges, pack.n, move overlaps and overflow errors,
-- every function through __index/__newindex/__len proxies, sort call order with a logging
-- comparator (the comparisons Lua's quicksort makes), "array too big".
local function show(t, n)
  local parts = {}
  for i = 1, n or #t do parts[#parts + 1] = tostring(t[i]) end
  print(table.concat(parts, ","))
end

local t = {}
table.insert(t, "a")
table.insert(t, 1, "b")
table.insert(t, 3, "c")
table.insert(t, 2, "d")
show(t)
print(pcall(function() table.insert(t, 6, "x") end))
print(pcall(function() table.insert(t, 0, "x") end))
print(pcall(function() table.insert(t, -1, "x") end))
print(pcall(function() table.insert(t) end))
print(pcall(function() table.insert(t, 1, 2, 3) end))
print(pcall(function() table.insert(nil, 1) end))
print(pcall(function() table.insert(t, "2", "y") end))
print(pcall(function() table.insert(t, 1.5, "y") end))
table.insert(t, 5.0, "e")
show(t)

print(table.remove(t), #t)
print(table.remove(t, 1), #t)
show(t)
print(table.remove(t, #t + 1), #t)
print(pcall(function() table.remove(t, #t + 2) end))
print(pcall(function() table.remove(t, 0) end))
local e = {}
print(table.remove(e), table.remove(e, 0), #e)
print(pcall(function() table.remove(e, 2) end))
local z = {[0] = "zero"}
print(table.remove(z, 0), z[0])

print(table.concat({}), table.concat({}, "x"), table.concat({1, 2.5, "s", -0.0, 2^63}, "|"))
print(table.concat({"a", "b", "c", "d"}, ", ", 2, 3), table.concat({"a", "b"}, "-", 3),
      table.concat({"a", "b"}, "-", 2, 2))
print(pcall(function() return table.concat({1, {}, 3}) end))
print(pcall(function() return table.concat({1, 2}, ",", 1, 3) end))
print(pcall(function() return table.concat({true}) end))
print(pcall(function() return table.concat({}, {}) end))

print(table.unpack({1, 2, 3}))
print(table.unpack({1, 2, 3}, 2))
print(table.unpack({1, 2, 3}, 2, 5))
print(table.unpack({1, 2, 3}, 3, 1))
print(table.unpack({1, 2, 3}, -1, 1))
print(select("#", table.unpack({}, 1, 0)), select("#", table.unpack({n = 3}, 1, 3)))
print(pcall(table.unpack, {}, 1, 1e8))
print(pcall(table.unpack, {}, math.mininteger, math.maxinteger))
print(pcall(function() return table.unpack(nil) end))

local p = table.pack()
print(p.n, #p)
p = table.pack(nil, 2, nil)
print(p.n, p[1], p[2], p[3])

show(table.move({1, 2, 3, 4, 5}, 1, 3, 2), 5)
show(table.move({1, 2, 3, 4, 5}, 2, 4, 1), 5)
show(table.move({1, 2, 3}, 1, 3, 1, {}), 3)
show(table.move({1, 2, 3}, 1, 0, 5), 3)
local dst = {}
print(table.move({7, 8}, 1, 2, 4, dst) == dst, dst[4], dst[5])
print(pcall(table.move, {}, 1, math.maxinteger, 2))
print(pcall(table.move, {}, -1, math.maxinteger, 2))
print(pcall(table.move, {1, 2}, 1, 2, math.maxinteger))
print(pcall(table.move, {}, 1, 2))
print(pcall(table.move, 1, 1, 2, 3))

-- proxies: every access goes through metamethods
local log = {}
local store = {10, 20, 30}
local proxy = setmetatable({}, {
  __index = function(_, k) log[#log + 1] = "get" .. k; return store[k] end,
  __newindex = function(_, k, v) log[#log + 1] = "set" .. k; store[k] = v end,
  __len = function() return #store end,
})
table.insert(proxy, 1, 5)
print(table.concat(log, " ")); log = {}
show(store)
print(table.remove(proxy, 2), table.concat(log, " ")); log = {}
print(table.concat(proxy, "+"), table.unpack(proxy))
log = {}
table.sort(proxy, function(a, b) return a > b end)
show(store)
print(#log > 0)
print(pcall(table.insert, setmetatable({}, {__len = function() return "x" end}), 1))
print(pcall(table.insert, setmetatable({}, {__len = function() return 2.5 end}), 1))
local lenonly = setmetatable({}, {__len = function() return 2 end})
table.insert(lenonly, "v")
print(rawget(lenonly, 3))

-- sort's comparisons, in order
local calls = {}
local data = {5, 3, 8, 1, 9, 2, 7, 4, 6}
table.sort(data, function(a, b) calls[#calls + 1] = a .. "<" .. b; return a < b end)
show(data)
print(#calls, table.concat(calls, " "))
local words = {}
for w in ("the quick brown fox jumps over the lazy dog again and again"):gmatch("%a+") do
  words[#words + 1] = w
end
table.sort(words)
print(table.concat(words, " "))
print(pcall(table.sort, setmetatable({}, {__len = function() return math.maxinteger end})))
print(pcall(table.sort, {3, 2, 1}, function(a, b) return a.x < b end))
local inv = {}
for i = 1, 20 do inv[i] = 20 - i end
print(pcall(table.sort, inv, function(a, b) return a <= b end))
