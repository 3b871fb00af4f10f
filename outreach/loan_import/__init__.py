"""Loan-book import: ``book`` reads a file (encoding, header, rows), ``rows`` validates one row
into clean values, ``upsert`` writes borrowers, contact points and loans set-based."""
