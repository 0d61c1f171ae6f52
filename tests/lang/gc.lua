-- The collector must keep everything reachable: many allocations (tables, strings, closures)
-- with collections forced in between, strings made in different ways interned to the same key,
-- long strings as keys, upvalues kept by closures only, values reachable only from a
-- metatable or a weak table's strong part. Run in torture mode by tests/lang/run.sh.
local list = nil
for i = 1, 2000 do list = {value = i, next = list} end
collectgarbage()
local sum, count = 0, 0
while list do sum = sum + list.value; count = count + 1; list = list.next end
print("list", count, sum)

local keys = {}
for i = 1, 500 do keys["key" .. i] = i end
collectgarbage()
local hits = 0
for i = 1, 500 do if keys[string.format("key%d", i)] == i then hits = hits + 1 end end
print("interned", hits, keys["k" .. "e" .. "y" .. "250"])

local long = string.rep("long string segment ", 10)
local lt = {[long] = "found"}
collectgarbage()
print("long key", lt[string.rep("long string segment ", 10)], #long)

local makers = {}
for i = 1, 300 do
  local captured = {n = i, s = "s" .. i}
  makers[i] = function() return captured.n, captured.s end
end
collectgarbage()
local csum = 0
for i = 1, 300 do local n, s = makers[i](); csum = csum + n + #s end
print("closures", csum)

local hidden = setmetatable({}, {__index = {secret = {deep = "kept by metatable"}}})
collectgarbage()
print(hidden.secret.deep)

local weakk = setmetatable({}, {__mode = "k"})
local anchor = {}
weakk[anchor] = "anchored"
collectgarbage()
print("weak key kept", weakk[anchor])
local weakv = setmetatable({}, {__mode = "v"})
weakv.s = "strings are values, never collected from weak tables"
weakv.n = 42
collectgarbage()
print(weakv.s ~= nil, weakv.n)

local garbage = 0
for round = 1, 20 do
  local tmp = {}
  for i = 1, 200 do tmp[i] = {i, tostring(i), function() return i end} end
  garbage = garbage + #tmp + tmp[200][3]()
end
collectgarbage()
print("churn", garbage)

local grown = {}
for i = 1, 5000 do grown[i] = i * 2 end
for i = 1, 5000 do grown["h" .. i] = i end
collectgarbage()
local gs = 0
for i = 1, 5000 do gs = gs + grown[i] + grown["h" .. i] end
print("grown", gs, #grown)
for i = 1, 5000 do grown[i] = nil; grown["h" .. i] = nil end
collectgarbage()
print("emptied", next(grown))

local errs = 0
for i = 1, 200 do
  local ok, e = pcall(error, {code = i})
  if not ok and e.code == i then errs = errs + 1 end
end
collectgarbage()
print("errors", errs)
print(collectgarbage("count") > 0, math.type(collectgarbage("count")))
