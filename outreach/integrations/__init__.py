"""Connections to the lender's systems (issue 15).

``events``: the outbox of outbound events, written by the services in the transaction of the
change (low in the layers: it imports only models and the clock, so arrangements, payments,
conversations and the outbox can all emit). ``webhooks``: delivering them, signed per Standard
Webhooks, from the scheduler process, and the subscriptions they go to (higher: it calls the
audit log and is called only by web, cli and scheduler).
"""
