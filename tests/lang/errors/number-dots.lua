local n = 1..2
