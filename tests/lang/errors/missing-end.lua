-- a function never closed
local x = 1
local function f()
  return x

