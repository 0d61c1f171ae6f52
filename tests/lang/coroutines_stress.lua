-- Coroutines under memory pressure: suspended coroutines holding open upvalues, closures that
-- outlive the coroutine whose locals they captured, abandoned coroutines, deep stacks that
-- shrink back, generators in generators. Compared with lua5.4; run in GC torture mode too.

-- closures capturing a coroutine's locals, kept after the coroutine is gone
local getters = {}
for i = 1, 50 do
  local co = coroutine.create(function(x)
    local captured = {value = x}
    getters[#getters + 1] = function() return captured.value end
    local y = coroutine.yield()
    captured.value = x + y
    return captured.value
  end)
  coroutine.resume(co, i)
  if i % 2 == 0 then coroutine.resume(co, 100) end
  -- odd ones are abandoned while suspended: their getters must keep working
end
collectgarbage()
local sum = 0
for _, g in ipairs(getters) do sum = sum + g() end
print("getters", #getters, sum)

-- a closure shares an open upvalue with the suspended coroutine that writes it
local co = coroutine.wrap(function()
  local n = 0
  local function bump() n = n + 1; return n end
  coroutine.yield(bump)
  while true do n = n * 2; coroutine.yield(n) end
end)
local bump = co()
print(bump(), bump(), co(), bump(), co())

-- generators of generators
local function range(n)
  return coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end end)
end
local function map(f, gen)
  return coroutine.wrap(function() for v in gen do coroutine.yield(f(v)) end end)
end
local function filter(p, gen)
  return coroutine.wrap(function() for v in gen do if p(v) then coroutine.yield(v) end end end)
end
local acc = {}
for v in filter(function(x) return x % 3 == 0 end, map(function(x) return x * x end, range(30))) do
  acc[#acc + 1] = v
end
print(table.concat(acc, " "))

-- deep recursion inside a coroutine, yielding at the bottom, then shallow again
local deep = coroutine.create(function()
  local function down(n) if n == 0 then return coroutine.yield("bottom") end return down(n - 1) end
  local function down2(n) if n == 0 then coroutine.yield("bottom2") return 0 end return 1 + down2(n - 1) end
  down(100)
  local r = down2(3000)
  coroutine.yield(r)
  return "up"
end)
print(coroutine.resume(deep))
print(coroutine.resume(deep))
print(coroutine.resume(deep))
print(coroutine.resume(deep))
print(coroutine.resume(deep))

-- many short-lived coroutines, with garbage in each
local total = 0
for i = 1, 2000 do
  local c = coroutine.wrap(function(a)
    local t = {}
    for j = 1, 10 do t[j] = tostring(a * j) end
    local b = coroutine.yield(#table.concat(t))
    return b + a
  end)
  total = total + c(i) + c(1)
end
print("total", total)

-- a coroutine resumed from inside another, errors crossing both
local inner = coroutine.create(function() local x = nil; coroutine.yield(1); return x.y end)
local outer = coroutine.create(function()
  print("inner first", coroutine.resume(inner))
  local ok, err = coroutine.resume(inner)
  coroutine.yield(ok, (string.gsub(err, "^.-:%d+: ", "")))
  return coroutine.status(inner)
end)
print(coroutine.resume(outer))
print(coroutine.resume(outer))

-- weak table of coroutines: a dead, unreferenced coroutine is collected
local weak = setmetatable({}, {__mode = "k"})
do
  local c = coroutine.create(function() coroutine.yield() end)
  coroutine.resume(c)
  weak[c] = true
end
collectgarbage()
collectgarbage()
local left = 0
for _ in pairs(weak) do left = left + 1 end
print("weak coroutines left", left)
