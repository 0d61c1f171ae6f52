-- Weak tables under the incremental collector: weak keys, weak values, both, ephemerons (a
-- value reachable only through its own key, a key reachable only through another entry's
-- value), strings never cleared, and the same again with cycles run by collectgarbage("step")
-- while the program allocates. Each collection follows scrub(), which overwrites the registers
-- a finished call left behind: lua5.4 and skiff both see only live values there.
collectgarbage("incremental")
local function scrub() local a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24, a25, a26, a27, a28, a29, a30, a31, a32, a33, a34, a35, a36, a37, a38, a39, a40, a41, a42, a43, a44, a45, a46, a47, a48, a49, a50, a51, a52, a53, a54, a55, a56, a57, a58, a59, a60, a61, a62, a63, a64 end
local function count(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end

local keep = {}
local wk = setmetatable({}, {__mode = "k"})
local wv = setmetatable({}, {__mode = "v"})
local wkv = setmetatable({}, {__mode = "kv"})
local function fill()
  for i = 1, 100 do
    local t = {i}
    wk[t] = i
    wv[i] = t
    wkv[t] = t
    if i % 10 == 0 then keep[#keep + 1] = t end
  end
  wk.name = "a string key"
  wv.s = "a string value"
  wkv[1] = "one"
end
fill()
scrub()
collectgarbage()
print("weak keys", count(wk), "weak values", count(wv), "both", count(wkv))
local sum = 0
for k, v in pairs(wk) do if type(k) == "table" then sum = sum + v end end
print("kept keys sum", sum, wv.s, wk.name, wkv[1])

local eph = setmetatable({}, {__mode = "k"})
local function ephemerons()
  for i = 1, 50 do local k = {}; eph[k] = {k, i} end
  local k1 = {}
  keep.k1 = k1
  eph[k1] = {k1}
  local k2 = {}
  eph[k1][2] = k2
  eph[k2] = "reached through k1's value"
end
ephemerons()
scrub()
collectgarbage()
print("ephemerons", count(eph), eph[eph[keep.k1][2]])
keep.k1 = nil
scrub()
collectgarbage()
print("ephemerons after dropping k1", count(eph))

-- Cycles run in steps, with allocation in between.
local function cycle()
  local n = 0
  repeat
    n = n + 1
    local junk = {n, tostring(n)}
  until collectgarbage("step")
end
local sv = setmetatable({}, {__mode = "v"})
local sk = setmetatable({}, {__mode = "k"})
local function fill2()
  for i = 1, 300 do
    local t = {i}
    sv[i] = t
    sk[t] = tostring(i)
    if i % 3 == 0 then keep[#keep + 1] = t end
  end
end
fill2()
scrub()
cycle()
scrub()
cycle()
print("stepped weak values", count(sv), "stepped weak keys", count(sk))
for i = #keep, 1, -1 do keep[i] = nil end
scrub()
cycle()
scrub()
cycle()
print("after dropping", count(sv), count(sk), count(wk), count(wv), count(wkv))
