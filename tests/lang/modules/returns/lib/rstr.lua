return "a string"
