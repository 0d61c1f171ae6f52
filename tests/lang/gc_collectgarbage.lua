-- collectgarbage's options as lua5.4 answers them: collect, count (falls once references go),
-- step (with and without a size; true when it ended a cycle), isrunning, stop, restart,
-- setpause and setstepmul (the previous value, kept as Lua keeps it: divided by 4), and an
-- allocation-heavy loop that the collector keeps within bounds.
local function scrub() local a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24, a25, a26, a27, a28, a29, a30, a31, a32, a33, a34, a35, a36, a37, a38, a39, a40, a41, a42, a43, a44, a45, a46, a47, a48, a49, a50, a51, a52, a53, a54, a55, a56, a57, a58, a59, a60, a61, a62, a63, a64 end
collectgarbage("incremental") -- lua5.4 (lua.c) starts in generational mode, where "step" never ends a cycle
print("collect", collectgarbage("collect"), collectgarbage())
print("count type", math.type(collectgarbage("count")))

local function build()
  local big = {}
  for i = 1, 20000 do big[i] = {i, "item"} end
  return big
end
collectgarbage()
local before = collectgarbage("count")
local big = build()
local peak = collectgarbage("count")
print("count grew", peak > before + 500)
big = nil
scrub()
collectgarbage()
print("count fell", collectgarbage("count") < peak - 500)

print("isrunning", collectgarbage("isrunning"))
print("stop", collectgarbage("stop"))
print("isrunning", collectgarbage("isrunning"))
local c0 = collectgarbage("count")
for i = 1, 2000 do local t = {i} end
print("grows while stopped", collectgarbage("count") > c0 + 20)
print("restart", collectgarbage("restart"))
print("isrunning", collectgarbage("isrunning"))

local steps = 0
repeat steps = steps + 1 until collectgarbage("step")
print("step ended a cycle", steps >= 1)
print("big step", collectgarbage("step", 100000))

print("setpause", collectgarbage("setpause", 150), collectgarbage("setpause", 200))
print("setstepmul", collectgarbage("setstepmul", 400), collectgarbage("setstepmul", 100))
print("pause back", collectgarbage("setpause", 200), collectgarbage("setstepmul", 100))
collectgarbage("incremental", 150, 300)
print("incremental set", collectgarbage("setpause", 200), collectgarbage("setstepmul", 100))

-- Allocation-heavy: a million short-lived tables and strings; the heap stays small.
local live = {}
for i = 1, 200000 do
  live[i % 1000 + 1] = {i, tostring(i)}
end
print("churn", #live, live[1][1], collectgarbage("count") < 20000)
