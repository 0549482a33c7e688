"""Ledger: the SQLite file that keeps every accepted row, and every query of it."""
