print("a\qb")

