LIB_RUNS = (LIB_RUNS or 0) + 1
return "from the bundle"
