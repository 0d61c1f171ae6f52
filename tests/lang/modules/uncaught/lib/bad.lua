local t = {}
local function f() return t.x.y end
return f()
