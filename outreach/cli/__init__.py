"""``flask --app wsgi ...`` command groups, thin: parse, call a service, print.

``setup`` registers them (init-db, seed-demo, import-loans, create-officer); ``outreach``
plans, dispatches and previews templates; ``policy`` replays and explains decisions; ``audit``
verifies, purges, holds and exports; ``payments`` lists what the payment providers reported;
``events`` manages webhook subscriptions and runs their deliveries;
``files`` runs the file-drop poll and export once; ``fineract`` syncs with Apache Fineract once;
``demo_seed`` is the demo book.
"""
