print(("x"):rep({}))

