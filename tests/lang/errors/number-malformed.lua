local n = 3x

