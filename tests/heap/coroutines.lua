-- heap: 2M
-- Heap exhaustion inside coroutines: the coroutine that allocates forever gets Lua's
-- "not enough memory" (resume returns it, or its own pcall catches it and it carries on); a
-- coroutine suspended meanwhile resumes and finishes with the right result; and once the
-- runaway coroutine is dead and unreachable, the memory it took is back.
-- Lines starting with "# " carry figures for the log (tests/heap/run.sh leaves them out).

local function hog()
    local t = {}
    while true do t[#t + 1] = {} end
end

-- Sums in steps, yielding after each, with some allocation of its own at every step.
local function steady()
    local sum = 0
    for i = 1, 5 do
        local t = {}
        for j = 1, 100 do t[j] = j * i end
        for j = 1, #t do sum = sum + t[j] end
        coroutine.yield(sum)
    end
    return "done", sum
end

local function count()
    collectgarbage()
    collectgarbage()
    return collectgarbage("count")
end

-- Warm-up: the same calls once, without running out, so first-time allocations are not
-- counted as lost.
do
    local w = coroutine.create(function() error("not enough memory", 0) end)
    print(0, coroutine.resume(w))
end
local base = count()

local s = coroutine.create(steady)
print("steady", coroutine.resume(s))
local h = coroutine.create(hog)
local ok, err = coroutine.resume(h)
print("hog", ok, err, coroutine.status(h))
-- As in Lua 5.4, a coroutine that died of an error keeps its stack (for the debug library),
-- so what it allocated lives as long as the coroutine does: let it go.
h = nil
print("steady", coroutine.resume(s))
print("steady", coroutine.resume(s))

-- A coroutine that catches its own exhaustion and goes on working.
local r = coroutine.create(function()
    local ok2, err2 = pcall(hog)
    coroutine.yield("caught", ok2, err2)
    local t = {}
    for i = 1, 1000 do t[i] = i end
    return "after", #t
end)
print("recover", coroutine.resume(r))
print("steady", coroutine.resume(s))
print("recover", coroutine.resume(r))

-- wrap raises the coroutine's error in the caller.
print("wrap", pcall(coroutine.wrap(hog)))
print("steady", coroutine.resume(s))
print("steady", coroutine.resume(s))
print("steady", coroutine.status(s))

r, s = nil, nil
local after = count()
print("memory back", after - base < 1)
print(string.format("# %.3f KiB in use before, %.3f KiB after", base, after))
