-- What a module returns becomes package.loaded[name]; nil becomes true.
local function show(name)
  local v = require(name)
  local t = type(v)
  if t == "table" then v = v.tag elseif t == "function" then v = v() end
  print(name, t, v, type(package.loaded[name]), package.loaded[name] == require(name))
end
show "lib.rnil"
show "lib.rnone"
show "lib.rtable"
show "lib.rfunc"
show "lib.rnum"
show "lib.rstr"
show "lib.rmulti"
show "lib.rself"
print(select('#', require "lib.rmulti"))
-- false is stored, but it is not "loaded": the next require runs the module again.
print("false 1", (require "lib.rfalse"))
print("false 2", (require "lib.rfalse"))
print("loaded false", package.loaded["lib.rfalse"])
print("false runs", FALSE_RUNS)
