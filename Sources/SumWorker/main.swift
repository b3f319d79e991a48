print("sum-worker: not built yet")
