-- Yields from every place Lua 5.4 allows: __close on return, block exit and break, __le's
-- fallback to __lt, __call iterators, pcall inside metamethods, errors after yields.
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
local closer = {__close = function(o, e) local r = coroutine.yield("closing " .. o.name) print("closed", o.name, r) end}
run(function()
  local a <close> = setmetatable({name = "a"}, closer)
  local b <close> = setmetatable({name = "b"}, closer)
  return "ret", 1, 2
end)
run(function()
  do
    local a <close> = setmetatable({name = "blk"}, closer)
    print("in block")
  end
  return "after block"
end)
run(function()
  for i = 1, 2 do
    local a <close> = setmetatable({name = "loop" .. i}, closer)
    if i == 2 then break end
  end
  return "after loop"
end)
-- __le falls back to not __lt in lua5.4 (compat); yield inside it
local lt_only = {__lt = function(a, b) return coroutine.yield("lt " .. a.v .. " " .. b.v) end}
run(function()
  local x, y = setmetatable({v = 1}, lt_only), setmetatable({v = 2}, lt_only)
  return x <= y, y <= x
end)
-- generic for with a __call iterator object that yields
run(function()
  local it = setmetatable({n = 0}, {__call = function(self) self.n = self.n + 1; if self.n <= 2 then return coroutine.yield("it " .. self.n) end end})
  local out = {}
  for v in it do out[#out + 1] = v end
  return table.concat(out, ",")
end)
-- yield inside a pcall inside a metamethod inside a pcall
run(function()
  local t = setmetatable({}, {__index = function(_, k)
    local ok, v = pcall(function() return coroutine.yield("deep " .. k) end)
    return ok and v
  end})
  return pcall(function() return t.x .. t.y end)
end)
-- error after yield inside nested pcalls, handler at the right level
run(function()
  local r1 = {pcall(function()
    local r2 = {pcall(function() coroutine.yield("inner") error("e1") end)}
    coroutine.yield("between " .. tostring(r2[1]))
    error("e2")
  end)}
  return r1[1], r1[2]
end)
