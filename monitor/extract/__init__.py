"""Extract: run every extractor on an article in isolation and check what it returns at the boundary."""
