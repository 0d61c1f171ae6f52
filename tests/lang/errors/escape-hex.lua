print("\xZZ")

