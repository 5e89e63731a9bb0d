"""Service: one poll of one feed end to end, the daemon, and the core object every command calls."""
