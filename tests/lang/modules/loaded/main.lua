-- package.loaded decides: a value put there first is returned without loading anything.
package.loaded["lib.real"] = "preset"
print((require "lib.real"))
package.loaded.fake = {answer = 42}
print(require("fake").answer)
package.loaded["lib.real"] = nil
print((require "lib.real"))
package.loaded["lib.real"] = false
print((require "lib.real"))
print("real runs", REAL_RUNS)
-- The standard libraries are there too.
print(require "string" == string, require "table" == table, require "_G" == _G)
print(require "math" == math, require "os" == os, require "package" == package)
print(package.loaded.string == string, package.loaded.utf8 == utf8)
-- require keeps the table it started with: replacing package.loaded changes nothing.
local saved = package.loaded
package.loaded = {}
print(require "lib.real", rawequal(saved["lib.real"], require "lib.real"))
package.loaded = saved
-- A metatable on package.loaded is honoured.
setmetatable(package.loaded, {__index = function(t, k)
  if k == "virtual" then return "from __index" end
end})
print(require "virtual")
setmetatable(package.loaded, nil)
