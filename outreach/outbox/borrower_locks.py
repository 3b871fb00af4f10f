"""Claims serialised per borrower, so any number of dispatcher processes hold the caps exactly.

The frequency caps (``config/policy/*.yaml``: per channel per 24 h, per week ...) are decided from
the borrower's contact history. Two dispatchers that claim two reminders of one borrower in the
same instant would each read a history without the other's message and each send one (issue 19).
So the transaction that decides a batch first takes a PostgreSQL transaction-level advisory lock
per borrower of the batch (``pg_advisory_xact_lock``), in ascending id order so two batches never
wait on each other in a cycle, and only then loads the histories. The lock is released by the
commit that writes the messages, so the next dispatcher's history already has them.

SQLite needs nothing here: the dispatcher's transactions begin with ``BEGIN IMMEDIATE``
(``outreach.outbox.worker_engine``), which already lets one writer decide at a time.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

# The advisory-lock namespace (the two-key form's first key) for borrowers, so these locks can
# never collide with another feature's advisory locks (the scheduler leader uses another key).
BORROWER_LOCK_CLASS = 19_001


def lock_borrowers(session: Session, borrower_ids: Iterable[int]) -> None:
    """Wait for, then hold until this transaction ends, the lock of every borrower given."""
    ids = sorted(set(borrower_ids))
    if not ids or session.get_bind().dialect.name != "postgresql":
        return
    # One round trip; the subquery's ORDER BY fixes the order the locks are taken in.
    session.execute(
        text(
            "SELECT pg_advisory_xact_lock(:cls, b) "
            "FROM (SELECT unnest(CAST(:ids AS integer[])) AS b ORDER BY b) AS s"
        ),
        {"cls": BORROWER_LOCK_CLASS, "ids": ids},
    )
