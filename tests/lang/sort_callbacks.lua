-- table.sort with a comparator function (issue 5 runs the sort as a state machine, so that a
-- comparator may yield): comparators that call other functions, sort and gsub inside a
-- comparator, errors raised in a comparator, results that are not booleans, a table behind
-- __index/__newindex, and 10000 elements. Every call of the comparator is counted: the
-- algorithm is lua5.4's step for step, so the counts match it.
local function lcg(seed)
  local x = seed
  return function() x = (x * 1103515245 + 12345) % 2147483648; return x end
end

-- nested calls: the comparator goes through two helper functions and a method
local keyer = {scale = 3}
function keyer:key(v) return (v * self.scale) % 17 end
local function by_key(a, b)
  local ka, kb = keyer:key(a), keyer:key(b)
  if ka ~= kb then return ka < kb end
  return a < b
end
local t = {}
for i = 1, 40 do t[i] = i end
local calls = 0
table.sort(t, function(a, b) calls = calls + 1; return by_key(a, b) end)
print(table.concat(t, " "))
print("calls", calls)

-- a sort inside the comparator, and a gsub with a callback inside it
local inner = 0
local words = {"delta", "alpha", "charlie", "bravo", "echo", "foxtrot", "golf"}
table.sort(words, function(a, b)
  local pair = {b, a}
  table.sort(pair, function(x, y) inner = inner + 1; return #x < #y or (#x == #y and x < y) end)
  local sa = a:gsub("%a", function(c) return c:upper() end)
  local sb = b:gsub("%a", function(c) return c:upper() end)
  return sa < sb
end)
print(table.concat(words, ","), inner)

-- pcall inside the comparator: its own errors are caught there
local caught = 0
local u = {5, 3, 9, 1, 7, 2, 8}
table.sort(u, function(a, b)
  local ok = pcall(error, "inner")
  if not ok then caught = caught + 1 end
  return a > b
end)
print(table.concat(u, " "), caught > 0)

-- results that are not booleans: only nil and false are false
local r = {4, 1, 3, 2}
table.sort(r, function(a, b) if a < b then return 0 else return nil end end)
print(table.concat(r, " "))
r = {4, 1, 3, 2}
table.sort(r, function(a, b) return a > b and "yes" or false end)
print(table.concat(r, " "))
r = {4, 1, 3, 2}
table.sort(r, function(a, b) return a < b, "ignored", "too" end)
print(table.concat(r, " "))

-- errors raised in the comparator: message, level, non-string values
print(pcall(table.sort, {3, 1, 2}, function(a, b) error("cmp failed") end))
print(pcall(table.sort, {3, 1, 2}, function(a, b) error("at level 2", 2) end))
local ok, e = pcall(table.sort, {3, 1, 2}, function(a, b) error({code = 7}) end)
print(ok, type(e), e.code)
print(pcall(table.sort, {3, 1, 2}, function(a, b) return a.x < b end))
print(pcall(table.sort, {3, 1, 2}, function(a, b) return nil + a end))
-- the error after some calls: the table is left partly sorted, as in lua5.4
local partial = {9, 8, 7, 6, 5, 4, 3, 2, 1}
local n = 0
print(pcall(table.sort, partial, function(a, b)
  n = n + 1
  if n == 6 then error("sixth call") end
  return a < b
end))
print(table.concat(partial, " "), n)

-- an order function that is not an order
local bad = {}
for i = 1, 50 do bad[i] = i % 5 end
print(pcall(table.sort, bad, function(a, b) return a <= b end))

-- the table behind __index and __newindex, with a comparator
local store = {30, 10, 50, 20, 40}
local proxy = setmetatable({}, {
  __index = function(_, k) return store[k] end,
  __newindex = function(_, k, v) store[k] = v end,
  __len = function() return #store end,
})
table.sort(proxy, function(a, b) return a > b end)
print(table.concat(store, " "))

-- values with __lt, sorted by a comparator that uses it
local V = {}
V.__lt = function(a, b) return a.v < b.v end
local objs = {}
for i, v in ipairs({5, 3, 8, 1, 9, 2}) do objs[i] = setmetatable({v = v}, V) end
table.sort(objs, function(a, b) return b < a end)
local vs = {}
for i, o in ipairs(objs) do vs[i] = o.v end
print(table.concat(vs, " "))

-- 10000 elements: random, sorted, reversed, all equal, few distinct
-- (the count is left out where an unbalanced split makes lua5.4 pick pivots at random)
local function check(name, arr, cmp, random_pivots)
  local cnt = 0
  table.sort(arr, function(a, b) cnt = cnt + 1; return cmp(a, b) end)
  for i = 2, #arr do
    if cmp(arr[i], arr[i - 1]) then print(name, "not sorted at", i) return end
  end
  print(name, #arr, arr[1], arr[#arr // 2], arr[#arr], random_pivots and "" or cnt)
end
local rnd = lcg(2024)
local big = {}
for i = 1, 10000 do big[i] = rnd() % 100000 end
check("random", big, function(a, b) return a < b end)
check("sorted", big, function(a, b) return a < b end)
check("reversed", big, function(a, b) return a > b end, true)
local same = {}
for i = 1, 10000 do same[i] = 7 end
check("equal", same, function(a, b) return a < b end)
local few = {}
for i = 1, 10000 do few[i] = rnd() % 3 end
check("few", few, function(a, b) return a < b end)
local strs = {}
for i = 1, 10000 do strs[i] = tostring(rnd() % 1000000) end
check("strings", strs, function(a, b) return a < b end)
local recs = {}
for i = 1, 10000 do recs[i] = {k = rnd() % 1000, i = i} end
table.sort(recs, function(a, b) if a.k ~= b.k then return a.k < b.k end return a.i < b.i end)
print("records", recs[1].k, recs[1].i, recs[10000].k, recs[10000].i)
