print("before")
error("boom")

