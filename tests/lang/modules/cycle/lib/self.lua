SELF_RUNS = (SELF_RUNS or 0) + 1
return require "lib.self"
