print("app: start")
local util = require "lib.util"
local deep = require "lib.sub.deep"
print("app: end")
return {util = util, describe = function() return util.join({"app", deep.name}, "+") end}
