"""Deliver: the outbox, the channels, delivery with retries, and how an alert reads."""
