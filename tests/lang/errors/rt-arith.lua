local s = {}
return s + 1

