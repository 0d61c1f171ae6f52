-- Modules requiring modules, in deeper folders; each runs once, in first-require order.
local app = require "lib.app"
print(app.describe())
print(require("lib.sub.deep").depth)
print(rawequal(require "lib.util", app.util))
