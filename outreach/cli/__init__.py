"""``flask --app wsgi ...`` command groups, thin: parse, call a service, print.

``setup`` registers them (init-db, seed-demo, import-loans, create-officer); ``outreach``
plans, dispatches and previews templates; ``policy`` replays and explains decisions; ``audit``
verifies, purges, holds and exports; ``payments`` lists what the payment providers reported;
``events`` manages webhook subscriptions and runs their deliveries;
``demo_seed`` is the demo book.
"""
