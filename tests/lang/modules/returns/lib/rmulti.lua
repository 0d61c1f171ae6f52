return "first", "second", "third"
