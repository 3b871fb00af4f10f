"""Connections to the lender's systems (issue 15).

``webhooks``: delivering the outbound events (written by the services into the outbox of events,
``outreach.events``, in the transaction of the change), signed per Standard Webhooks, from the
scheduler process, and the subscriptions they go to. The package sits above the services
(only web, cli and the scheduler call it); ``outreach.events`` sits low, beside the audit log,
so every service can emit.

The services behind the REST API (``outreach.web.api``): API keys, idempotency answers, the
loan book in as JSON (the CSV import's rules), payments the lender posts, account flags, a
borrower's timeline, arrangement changes since a cursor, and the contact-policy check. Each
service takes its session and ``now``; errors name the field by its JSON pointer
(``outreach.integrations.problems``).

``file_drops`` (loan books and payment files from a folder or SFTP; the daily export back) and
``fineract`` (Apache Fineract / Mifos X): connectors above the services they feed (loan import,
payments).
"""
