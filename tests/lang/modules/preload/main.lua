-- package.preload is searched before the bundle.
package.preload.virt = function(...)
  print("virt loader", ...)
  return {v = true}
end
local v, data = require "virt"
print(v.v, data, require("virt") == v)
package.preload["lib.shadowed"] = function(name) return "preloaded " .. name end
print((require "lib.shadowed"))
print((require "lib.plain"))
print(LIB_RUNS)
-- A searcher added to package.searchers is called in its turn.
table.insert(package.searchers, 2, function(name)
  if name:sub(1, 4) == "gen." then
    return function(n, extra) return {made = n, extra = extra} end, "from searcher"
  end
  return nil
end)
local g, extra = require "gen.thing"
print(g.made, g.extra, extra)
print(#package.searchers >= 3, type(package.preload), type(package.searchers[1]))
print((require "lib.plain"))
