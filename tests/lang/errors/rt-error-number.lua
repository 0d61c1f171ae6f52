error(42)

