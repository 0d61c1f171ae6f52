-- coroutine library basics, compared with lua5.4
local co = coroutine.create(function(a, b)
  print("start", a, b)
  local c = coroutine.yield(a + b)
  print("got", c)
  local d, e = coroutine.yield(c * 2)
  print("got", d, e)
  return "done", 42
end)
print(type(co), coroutine.status(co))
print(coroutine.resume(co, 1, 2))
print(coroutine.status(co))
print(coroutine.resume(co, 10))
print(coroutine.resume(co, "x", "y"))
print(coroutine.status(co))
print(coroutine.resume(co))
print(coroutine.resume(coroutine.create(function() error("boom") end)))
print(select("#", coroutine.resume(coroutine.create(function() error({code = 7}) end))))
print(select('#', coroutine.resume(coroutine.create(function() return end))))

-- wrap
local gen = coroutine.wrap(function(n)
  for i = 1, n do coroutine.yield(i) end
  return "end"
end)
print(gen(3), gen(), gen(), gen())
print(pcall(gen))

-- running / isyieldable
local main, ismain = coroutine.running()
print(type(main), ismain, coroutine.isyieldable())
coroutine.wrap(function()
  local c, m = coroutine.running()
  print(type(c), m, coroutine.isyieldable(), coroutine.status(c))
  print(coroutine.status(main))
end)()

-- yield across pcall
local co2 = coroutine.create(function()
  local ok, v = pcall(function()
    local x = coroutine.yield("in pcall")
    error("after " .. x)
  end)
  print("pcall gave", ok, v)
  local ok2, v2 = pcall(function() return coroutine.yield("again") + 1 end)
  print("pcall2 gave", ok2, v2)
  return "fin"
end)
print(coroutine.resume(co2))
print(coroutine.resume(co2, "resume1"))
print(coroutine.resume(co2, 41))

-- xpcall with a handler after a yield
local co3 = coroutine.create(function()
  return xpcall(function()
    coroutine.yield(1)
    error("late")
  end, function(m) return "handled: " .. m end)
end)
print(coroutine.resume(co3))
print(coroutine.resume(co3))

-- yields inside metamethods
local mt = {
  __index = function(t, k) return coroutine.yield("index " .. k) end,
  __add = function(a, b) return coroutine.yield("add") end,
  __lt = function(a, b) return coroutine.yield("lt") end,
  __le = function(a, b) return coroutine.yield("le") end,
  __eq = function(a, b) return coroutine.yield("eq") end,
  __concat = function(a, b) return coroutine.yield("concat") end,
  __len = function(a) return coroutine.yield("len") end,
  __newindex = function(t, k, v) coroutine.yield("newindex " .. k) rawset(t, k, v) end,
  __call = function(self, x) return coroutine.yield("call " .. x) end,
  __unm = function(a) return coroutine.yield("unm") end,
}
local function run(f)
  local c = coroutine.create(f)
  local res = {coroutine.resume(c)}
  local step = 0
  while coroutine.status(c) ~= "dead" do
    step = step + 1
    print("  yielded", table.unpack(res, 2))
    res = {coroutine.resume(c, "r" .. step)}
  end
  print("  result", table.unpack(res))
end
run(function() local t = setmetatable({}, mt); return t.foo, t.bar end)
run(function() local t = setmetatable({}, mt); return t + 1, 2 + t end)
run(function() local a, b = setmetatable({}, mt), setmetatable({}, mt); return a < b, a <= b, a == b, a ~= b end)
run(function() local a = setmetatable({}, mt); if a < a then return "yes" else return "no" end end)
run(function() local a = setmetatable({}, mt); return "x" .. a .. "y" .. "z", #a, -a end)
run(function() local t = setmetatable({}, mt); t.k = 5; return rawget(t, "k") end)
run(function() local t = setmetatable({}, mt); return t(7) end)
run(function() local t = setmetatable({}, mt); local n = 0; local r = {}; for i = 1, 3 do r[i] = t[i] end; return table.concat(r, ",") end)

-- yield inside a for-in iterator
run(function()
  local function iter(s, i) if i < 3 then coroutine.yield("iter " .. i); return i + 1 end end
  local acc = {}
  for i in iter, nil, 0 do acc[#acc + 1] = i end
  return table.concat(acc, " ")
end)

-- tail call to yield
run(function() return coroutine.yield("tail") end)

-- nested coroutines
local outer = coroutine.wrap(function()
  local inner = coroutine.wrap(function()
    coroutine.yield("inner 1")
    coroutine.yield("inner 2")
  end)
  coroutine.yield(inner())
  coroutine.yield("outer")
  coroutine.yield(inner())
end)
print(outer(), outer(), outer())

-- errors
print(coroutine.resume(coroutine.running()))
print(pcall(coroutine.yield, 1))
local dead = coroutine.create(function() end)
coroutine.resume(dead)
print(coroutine.resume(dead))
print(pcall(coroutine.wrap(function() error("in wrap") end)))
print(select("#", pcall(coroutine.wrap(function() error({}) end))))
local w = coroutine.wrap(function() end); w()
print(pcall(w))
print(pcall(coroutine.create, 1))
print(pcall(coroutine.resume, 1))
print(pcall(coroutine.status, nil))
-- yield across a C boundary
print(coroutine.resume(coroutine.create(function()
  local t = setmetatable({}, {__tostring = function() coroutine.yield() end})
  return tostring(t)
end)))

-- close
local cl = coroutine.create(function()
  local x <close> = setmetatable({}, {__close = function(_, e) print("closing x", e) end})
  local y <close> = setmetatable({}, {__close = function(_, e) print("closing y", e) end})
  coroutine.yield(1)
end)
coroutine.resume(cl)
print(coroutine.close(cl), coroutine.status(cl))
print(coroutine.close(coroutine.create(print)))
local ce = coroutine.create(function()
  local x <close> = setmetatable({}, {__close = function(_, e) print("closing after error", e) end})
  error("oops")
end)
print(coroutine.resume(ce))
print(coroutine.close(ce))
local cerr = coroutine.create(function()
  local x <close> = setmetatable({}, {__close = function(_, e) error("close failed") end})
  coroutine.yield()
end)
coroutine.resume(cerr)
print(coroutine.close(cerr))
print(pcall(coroutine.close, coroutine.running()))
-- wrap with pending close after error
local wc = coroutine.wrap(function()
  local x <close> = setmetatable({}, {__close = function(_, e) print("wrap close", e) end})
  error("werr")
end)
print(pcall(wc))

-- deep recursion inside a coroutine: stack overflow is an error, not a crash
local deep = coroutine.create(function()
  local function f(n) return 1 + f(n + 1) end
  return f(1)
end)
local ok, msg = coroutine.resume(deep)
print(ok, (string.gsub(msg, "^.-:%d+: ", "")))

-- many coroutines
local cos = {}
for i = 1, 1000 do cos[i] = coroutine.create(function(x) local y = coroutine.yield(x * 2); return x + y end) end
local sum = 0
for i = 1, 1000 do local _, v = coroutine.resume(cos[i], i); sum = sum + v end
for i = 1, 1000 do local _, v = coroutine.resume(cos[i], 1); sum = sum + v end
print(sum)
