local a = require "lib.a"
local M = {name = "b", a = a, saw_complete = a.complete == true}
function M.a_value() return "later a.complete = " .. tostring(a.complete) end
return M
