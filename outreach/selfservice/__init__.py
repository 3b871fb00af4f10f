"""Self-service: what the bot's custom actions call (the action server runs in the app's venv).

Actions import this package (``from outreach import selfservice``) and look each function up
on it when they call it, so tests replace one by patching the attribute here.

Contract: actions know only the opaque conversation id (``tracker.sender_id``, the
conversation's ``public_id``). Every call re-checks authorisation in the database itself: a slot
in Rasa is never trusted for access to account details, and nothing here trusts a caller's
word that the borrower is verified. Each call opens its own session; none touches the database
at import.

Modules: ``access`` (which conversation, which loan), ``verification`` (the identity factors),
``balance``, ``plans`` (plans, promises, payment methods), ``promises`` (a promise read back
before it is stored), ``account`` (flags, opt-out),
``handoff`` (cases for officers), ``hours`` (when an officer answers).
"""

from outreach.selfservice.access import borrower_today
from outreach.selfservice.account import (
    AccountEffect,
    flag_account,
    hold_for_opt_out,
    lender_name,
    opt_out,
    release_opt_out_hold,
)
from outreach.selfservice.balance import BalanceView, balance_for
from outreach.selfservice.care import (
    advice_for_conversation,
    disclosure_kind,
    record_payment_claim,
    record_vulnerability,
    states_risk,
)
from outreach.selfservice.handoff import open_handoff
from outreach.selfservice.hours import handoff_eta
from outreach.selfservice.identity import VerifyResult
from outreach.selfservice.locale import BOT_LANGUAGES
from outreach.selfservice.plans import (
    PlanOffer,
    PlanRequest,
    accept_plan,
    payment_methods,
    promise_limit,
    promise_to_pay,
    quote_plan,
)
from outreach.selfservice.promises import preview_promise
from outreach.selfservice.verification import factor_outcome, submit_factor, verification_factors
from outreach.selfservice.wrong_party import report_wrong_party

__all__ = [
    "BOT_LANGUAGES",
    "AccountEffect",
    "BalanceView",
    "PlanOffer",
    "PlanRequest",
    "VerifyResult",
    "accept_plan",
    "advice_for_conversation",
    "balance_for",
    "borrower_today",
    "disclosure_kind",
    "factor_outcome",
    "flag_account",
    "handoff_eta",
    "hold_for_opt_out",
    "lender_name",
    "open_handoff",
    "opt_out",
    "payment_methods",
    "preview_promise",
    "promise_limit",
    "promise_to_pay",
    "quote_plan",
    "record_payment_claim",
    "record_vulnerability",
    "release_opt_out_hold",
    "report_wrong_party",
    "states_risk",
    "submit_factor",
    "verification_factors",
]
