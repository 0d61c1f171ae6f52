local cfg
local function get()
  return cfg.port
end
get()

