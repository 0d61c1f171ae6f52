print("\256")

