return 42.5
