return {f = function() return "z yields from a module's function" end}
