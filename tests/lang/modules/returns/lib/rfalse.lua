FALSE_RUNS = (FALSE_RUNS or 0) + 1
return false
