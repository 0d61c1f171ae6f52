local M = {name = "a"}
package.loaded["lib.a"] = M
M.b = require "lib.b"
M.complete = true
return M
