"""Ingest: fetch a feed with limits and address guards, read only its new entries, parse them into Articles."""
