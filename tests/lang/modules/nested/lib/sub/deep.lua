print("deep: start")
local util = require "lib.util"
print("deep: end")
return {name = util.join({"deep", "er"}, "-"), depth = 3}
