"""Payments: providers behind one interface, their callbacks, and posting a payment to a loan.

``providers`` builds the providers the settings configure (one without credentials is not
offered); each verifies and parses its own callbacks into a :class:`PaymentEvent`
(``stripe_checkout``, ``razorpay_links``, ``mpesa``); ``apply`` posts an event (idempotent by
provider reference) and moves what depends on it: arrangements, pending reminders. M-Pesa STK
Push: ``stk`` starts a prompt (Daraja client: ``daraja``), ``stk_settle`` settles it from its
callback (``stk_result``) or the status query (``stk_query``), ``stk_notice`` tells the borrower
how to pay by paybill when it fails, ``stk_sandbox`` answers demo prompts. The bot's "pay now":
``bot_offer`` (what to offer, the prompt the borrower confirmed), ``next_amount`` (the amount
proposed), ``bot_methods`` (the ways to pay, with the borrower's own link). The contract is
``contracts/payments.md``.
"""
