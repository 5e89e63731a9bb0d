"""Facts: what is known, the one pure decision (claims against it: changes, quorum), and the baseline."""
