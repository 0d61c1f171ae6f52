print("util: loaded")
local M = {}
function M.join(t, sep) return table.concat(t, sep) end
return M
