-- heap: 1M
-- Fragmentation: 640 rounds, each running the heap out with one of four allocation patterns,
-- then doing ordinary work. Each pattern takes a parameter 0..15 that changes its block sizes
-- from one of its runs to the next. Every exhaustion is "not enough memory" caught by pcall,
-- every piece of ordinary work gives the right result, and the heap the patterns can fill does
-- not shrink over time: in its last 16 runs (one per parameter) a pattern fills on average at
-- least 85% of what it filled in its second 16 (measured: 94% to 107%; over 1280 rounds the
-- means level off within a few per cent of the second 16's). The first 16 start from an empty
-- heap, which no later run sees again: long-lived objects, like the tables this script keeps
-- its figures in, take places a non-moving heap cannot change. A heap that could not reuse
-- what blocks of other sizes left would fill less and less of itself. Single runs vary: a
-- pattern whose array doubles needs one free block of half the heap, which a few live objects
-- can break up; the log shows the least.
-- Lines starting with "# " carry figures for the log (tests/heap/run.sh leaves them out).

local patterns = {
    -- Small tables, 16 to 256 bytes of array each, the size changing with the round.
    function(param)
        local t, n = {}, 1 + param
        while true do
            local e = {}
            for k = 1, n do e[k] = k end
            t[#t + 1] = e
        end
    end,
    -- Long strings whose length drifts from 100 to 3100 bytes.
    function(param)
        local t, i = {}, 0
        while true do
            i = i + 1
            t[i] = string.rep("y", 100 + (param * 191 + i * 11) % 3000)
        end
    end,
    -- One array doubling until it cannot: needs ever larger contiguous blocks.
    function(param)
        local t, i = {}, param
        while true do
            i = i + 1
            t[#t + 1] = i
        end
    end,
    -- A mix: mostly small records, every seventh a 5000-byte string.
    function(param)
        local t, i = {}, 0
        while true do
            i = i + 1
            if i % 7 == 0 then t[i] = string.rep("z", 5000 + 100 * param) else t[i] = {x = i} end
        end
    end,
}

-- Ordinary work: tables, a closure per element, a string built from pieces.
local function work()
    local t = {}
    for i = 1, 2000 do t[i] = {i} end
    local f = {}
    for i = 1, 200 do f[i] = function() return t[i][1] * 2 end end
    local sum = 0
    for i = 1, #t do sum = sum + t[i][1] end
    for i = 1, #f do sum = sum + f[i]() end
    local parts = {}
    for i = 1, 500 do parts[i] = "abcdefghij" end
    return sum + #table.concat(parts)
end

local want = work() -- 2001000 + 40200 + 5000
-- peaks[p][k]: the KiB in use when pattern p ran out of memory the k-th time.
local peaks = {}
for p = 1, #patterns do peaks[p] = {} end
local errors, wrong = 0, 0
for round = 1, 640 do
    local p = (round - 1) % #patterns + 1
    local param = (round - 1) // #patterns % 16
    local ok, err = pcall(patterns[p], param)
    if ok or err ~= "not enough memory" then errors = errors + 1 end
    local peak = collectgarbage("count")
    collectgarbage()
    if work() ~= want then wrong = wrong + 1 end
    table.insert(peaks[p], peak)
end
print("work", want)
print("exhaustions that were not 'not enough memory'", errors)
print("ordinary work with a wrong result", wrong)

-- The mean over 16 consecutive runs of a pattern: one of each parameter.
local function mean16(list, from)
    local sum = 0
    for k = from, from + 15 do sum = sum + list[k] end
    return sum / 16
end
for p = 1, #patterns do
    local n = #peaks[p]
    local first, second, late = mean16(peaks[p], 1), mean16(peaks[p], 17), mean16(peaks[p], n - 15)
    local least = math.huge
    for k = 1, n do least = math.min(least, peaks[p][k]) end
    print("pattern " .. p .. " keeps its heap", late >= 0.85 * second)
    print(string.format("# pattern %d: %.0f KiB filled on average in runs 1-16, %.0f in 17-32, %.0f in the last 16 (%.0f%% of 17-32), %.0f at least",
        p, first, second, late, 100 * late / second, least))
end
