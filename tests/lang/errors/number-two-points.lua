local n = 3.4.5
