BAD_RUNS = (BAD_RUNS or 0) + 1
local x = 1
error("boom " .. BAD_RUNS)
