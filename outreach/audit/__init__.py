"""Append-only audit log and what compliance staff read from it.

``log`` records events (hash-chained); ``chain`` verifies the chain; ``search`` and ``export``
answer auditors' questions; ``csv_cells`` keeps spreadsheet formulas out of CSV exports;
``retention`` purges by schedule under legal holds; ``kpis`` are the collections figures.
"""
