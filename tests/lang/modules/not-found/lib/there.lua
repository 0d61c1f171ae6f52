return "here"
