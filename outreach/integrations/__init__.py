"""Connecting the lender's systems: the services behind the REST API (``outreach.web.api``).

API keys, idempotency answers, the loan book in as JSON (the CSV import's rules), payments the
lender posts, account flags, a borrower's timeline, arrangement changes since a cursor, and the
contact-policy check. Each service takes its session and ``now``; errors name the field by its
JSON pointer (``outreach.integrations.problems``).
"""
