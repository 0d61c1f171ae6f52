REAL_RUNS = (REAL_RUNS or 0) + 1
return "real " .. REAL_RUNS
