print("pbcheck")
