-- A missing module: Lua's message, then each searcher's line after a tab.
print(pcall(require, "nope"))
print(pcall(function() return require "lib.nope" end))
print(pcall(require, 12))
print(pcall(require, "lib"))
package.preload.s = "a string loader"
print(pcall(require, "s"))
print(pcall(require))
print(pcall(require, nil))
print(pcall(require, {}))
local ok, _, data = pcall(require, "lib.there")
print(ok, data)
local searchers = package.searchers
package.searchers = nil
print(pcall(require, "x"))
package.searchers = {}
print(pcall(require, "x"))
package.searchers = searchers
