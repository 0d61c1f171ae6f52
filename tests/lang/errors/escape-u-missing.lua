print("\u48")
