local a <const> = {}
a.x = 1
local b <const> = 1
b = 2
