return "plain"
