"""Delivering outbound events to the lender's webhook subscriptions (issue 15).

``subscriptions``: create (the ``whsec_`` secret shown once), list with delivery health, pause,
resume, delete, replay; every change audited. ``worker``: the delivery job the scheduler runs
(``flask --app wsgi events deliver`` runs it once): at least once, in order per borrower and
subscription, retried with ``retry``'s backoff and jitter, dead-lettered after the last attempt;
``streams`` is its bookkeeping (claims, outcomes, holds).
``sender``: one signed POST (Standard Webhooks, the ``standardwebhooks`` package) over a pooled
``requests`` session.
"""
