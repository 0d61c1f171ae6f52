-- heap: 2M
-- Allocating forever, five ways, each inside pcall and three times over: every one ends in
-- Lua's "not enough memory" error, which pcall catches; once the garbage is collected the
-- memory in use is back where it was before, and ordinary work goes on with correct results.
-- Lines starting with "# " carry figures for the log; tests/heap/run.sh leaves them out of the
-- comparison with exhaust.expected.

local function tables()
    local t = {}
    while true do t[#t + 1] = {} end
end

local function strings()
    local t, i = {}, 0
    while true do
        i = i + 1
        t[i] = string.rep("x", 41 + i % 300) -- long strings: never interned
    end
end

local function grow()
    local t, i = {}, 0
    while true do
        i = i + 1
        t[i] = i
    end
end

local function concat()
    local s = "ab"
    while true do s = s .. s end
end

local function hash()
    local t, i = {}, 0
    while true do
        i = i + 1
        t[i * 7919] = i -- integer keys: the hash part grows, no string is interned
    end
end

local cases = {
    {"tables", tables}, {"strings", strings}, {"grow", grow}, {"concat", concat}, {"hash", hash},
}

-- Runs one case; returns pcall's results, the KiB in use at the failure and after collecting.
local function run(f)
    local ok, err = pcall(f)
    local peak = collectgarbage("count")
    collectgarbage()
    collectgarbage()
    return ok, err, peak, collectgarbage("count")
end

local function report(round, name, ok, err, peak, after, base)
    print(round, name, ok, err)
    print(string.format("# %s: %.0f KiB in use at the failure, %.3f KiB after collecting, %.3f before",
        name, peak, after, base))
end

-- A first round that fails at once: what printing and pcall allocate the first time they run
-- is then in use before the measurement starts.
local ok0, err0, peak0, base = run(function() error("not enough memory", 0) end)
report(0, "warm-up", ok0, err0, peak0, base, base)
local worst = 0
for round = 1, 3 do
    for _, case in ipairs(cases) do
        local ok, err, peak, after = run(case[2])
        if after - base > worst then worst = after - base end
        report(round, case[1], ok, err, peak, after, base)
    end
end
-- The collector gives back what the runaway functions took: all but at most 1 KiB, the room
-- the stack and the frame array grew into (they shrink back lazily, at a later collection).
-- The functions intern no strings: the string table's buckets grow with the strings interned
-- and are not shrunk.
print("memory back", worst < 1)
print(string.format("# largest difference from before: %.3f KiB", worst))

-- Ordinary work afterwards.
local t = {}
for i = 1, 1000 do t[i] = i * i end
local sum = 0
for i = 1, #t do sum = sum + t[i] end
local words = {}
for i = 1, 100 do words[#words + 1] = "w" .. i end
print(sum, #table.concat(words, " "), string.format("%5.2f", 3.14159))
