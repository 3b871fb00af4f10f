"""Account stages and legal escalation (issue 18): rules as data (``config/stages.yaml``,
``rules``), the scheduler's evaluation (``evaluate``), the supervisor review queue (``review``)
and the agency placement export (``agency``)."""
