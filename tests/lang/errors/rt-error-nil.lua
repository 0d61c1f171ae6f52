error(nil)

