"""Which reminders are due for whom: the planning pass over the whole book.

``config`` parses config/campaigns.yaml; ``candidates`` are the set-based queries; ``steps``
picks a segment and cadence step; ``stops`` are the stop and pause conditions; ``planner`` runs
one pass and queues outbox rows; ``report`` is what a pass reports.
"""
