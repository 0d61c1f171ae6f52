-- Coroutines through incremental cycles: many coroutines resumed and suspended while cycles
-- run in steps (stack writes have no write barrier: the collector must rescan them), a
-- closure that outlives its suspended coroutine still reading the variable it captured, and
-- values handed through yield and resume.
collectgarbage("incremental")
local function scrub() local a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24, a25, a26, a27, a28, a29, a30, a31, a32, a33, a34, a35, a36, a37, a38, a39, a40, a41, a42, a43, a44, a45, a46, a47, a48, a49, a50, a51, a52, a53, a54, a55, a56, a57, a58, a59, a60, a61, a62, a63, a64 end
local cos = {}
for i = 1, 100 do
  cos[i] = coroutine.wrap(function(seed)
    local acc = {}
    for j = 1, 40 do
      acc[j] = {j, tostring(seed + j)}
      local got = coroutine.yield(#acc)
      acc[j][3] = got
    end
    local s = 0
    for j = 1, 40 do s = s + acc[j][1] + #acc[j][2] + #acc[j][3] end
    return s
  end)
end
local total = 0
for round = 1, 41 do
  for i = 1, 100 do
    local r = cos[i](round == 1 and i or string.rep("x", round % 5))
    total = total + r
  end
  collectgarbage("step", 4)
end
print("coroutines", total)

local getters = {}
local function spawn(n)
  local co = coroutine.create(function()
    local captured = {msg = "captured " .. n}
    getters[n] = function() return captured.msg end
    coroutine.yield()
    captured = nil
  end)
  coroutine.resume(co)
end
for i = 1, 20 do spawn(i) end
scrub()
collectgarbage()
for i = 1, 20 do local junk = {} for j = 1, 100 do junk[j] = {j} end end
collectgarbage()
print("open upvalues", getters[1](), getters[20]())

local pipe = coroutine.wrap(function()
  local v = coroutine.yield()
  while true do
    local t = {}
    for i = 1, 100 do t[i] = v .. i end
    v = coroutine.yield(t)
  end
end)
pipe()
local len = 0
for i = 1, 200 do
  local t = pipe("p" .. i)
  len = len + #t[100]
  if i % 10 == 0 then collectgarbage("step") end
end
print("pipe", len)
