print("loading counter")
local M = {count = 0}
LOADS = (LOADS or 0) + 1
M.loads = LOADS
function M.bump() M.count = M.count + 1 end
return M
