-- To-be-closed variables: __close runs in reverse order at block exit, on break, return,
-- goto out of the block and errors (receiving the error object); nil and false are allowed;
-- a value without __close is an error; errors inside __close replace the original one.
local function closer(name, log)
  return setmetatable({}, {__close = function(self, err)
    log[#log + 1] = name .. (err and ("(" .. tostring(err) .. ")") or "")
  end})
end

local log = {}
do
  local a <close> = closer("a", log)
  local b <close> = closer("b", log)
  local c <close> = nil
  local d <close> = false
  log[#log + 1] = "body"
end
print(table.concat(log, " "))

log = {}
for i = 1, 3 do
  local x <close> = closer("x" .. i, log)
  if i == 2 then break end
end
print(table.concat(log, " "))

log = {}
local function ret()
  local r <close> = closer("r", log)
  return "returned", #log
end
print(ret(), table.concat(log, " "))

log = {}
local ok, e = pcall(function()
  local a <close> = closer("a", log)
  local b <close> = closer("b", log)
  error("oops", 0)
end)
print(ok, e, table.concat(log, " "))

log = {}
ok, e = pcall(function()
  local a <close> = closer("a", log)
  local b <close> = setmetatable({}, {__close = function() error("in close", 0) end})
  local c <close> = closer("c", log)
  error("first", 0)
end)
print(ok, e, table.concat(log, " "))

log = {}
ok, e = pcall(function()
  local a <close> = closer("a", log)
  local b <close> = setmetatable({}, {__close = function() error("close error", 0) end})
  return "not reached"
end)
print(ok, e, table.concat(log, " "))

print(pcall(function() local x <close> = {} end))
print(pcall(function() local x <close> = 42 end))

log = {}
do
  local i = 0
  ::again::
  do
    local g <close> = closer("g" .. i, log)
    i = i + 1
    if i < 3 then goto again end
  end
end
print(table.concat(log, " "))

log = {}
local function gen()
  local n = 0
  return function() n = n + 1; if n <= 2 then return n end end, nil, nil, closer("iter", log)
end
for v in gen() do log[#log + 1] = "v" .. v end
print(table.concat(log, " "))
log = {}
for v in gen() do log[#log + 1] = "v" .. v; break end
print(table.concat(log, " "))

local cst <const> = 10
local s <const> = "str"
print(cst * 2, s .. "!", cst // 3)
do
  local limit <const> = 3
  local acc = 0
  for i = 1, limit do acc = acc + i end
  print(acc)
end
local nested = setmetatable({}, {__close = function(_, err) print("close with", err) end})
do local n <close> = nested end
print(pcall(function() local n <close> = nested; error("raised", 0) end))
