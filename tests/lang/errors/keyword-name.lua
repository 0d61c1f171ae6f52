local and = 1
