"""Officer console: the queue, a case view, claim/reassign/close (``views``), casework
(``actions``), replies (``reply``), identity lock releases (``identity``), payment requests
(``payment_request``), M-Pesa prompts (``mpesa_prompt``), the review queue of parked payments
(``parked_payments``), account stages and letters (``stages``), payment claims to verify
(``payment_claims``); the blueprint and shared helpers live in ``blueprint``, which imports
none of them."""

from outreach.web.console import (
    actions,
    identity,
    mpesa_prompt,
    parked_payments,
    payment_claims,
    payment_request,
    reply,
    resolutions,
    stages,
    views,
)
from outreach.web.console.blueprint import bp

__all__ = [
    "actions",
    "bp",
    "identity",
    "mpesa_prompt",
    "parked_payments",
    "payment_claims",
    "payment_request",
    "reply",
    "resolutions",
    "stages",
    "views",
]
