local function check(v)
  if not v then error("check failed", 2) end
end
local function caller()
  check(false)
end
caller()

