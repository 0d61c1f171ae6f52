local limit <const> = 10
local function f() limit = 11 end

