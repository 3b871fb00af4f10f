"""The outbox: claim due rows -> re-check the policy -> log -> send -> record.

``dispatcher`` runs passes (claim, pipeline, reconcile after a crash); ``batch`` decides and logs
one claimed chunk; ``jobs`` is one prepared send; ``provider_calls`` makes the provider call on a
worker thread within its send slot; ``results`` records what providers answered; ``send_rate``
reserves per-sender slots shared by every dispatcher process; ``render`` renders a reminder for
its channel; ``delivery`` maps provider errors and statuses; ``worker_engine`` is SQLite's
per-thread engine.
"""
