-- An uncaught require of a missing module.
local x = require "lib.gone"
