-- The entry module is not in package.loaded (as with `lua5.4 main.lua`); requiring it by name
-- runs it again, as a module, with its name as the first argument.
local modname = ...
if modname == "main" then
  print("main as a module")
  return {as_module = true}
end
print("main as the entry", modname)
print("entry loaded?", package.loaded.main)
local m = require "main"
print("required main", m.as_module, rawequal(package.loaded.main, m))
print("again", rawequal(require "main", m))
