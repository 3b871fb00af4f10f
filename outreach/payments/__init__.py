"""Payments: providers behind one interface, their callbacks, and posting a payment to a loan.

``providers`` builds the providers the settings configure (one without credentials is not
offered); each verifies and parses its own callbacks into a :class:`PaymentEvent`
(``stripe_checkout``, ``razorpay_links``, ``mpesa``); ``apply`` posts an event (idempotent by
provider reference) and moves what depends on it: arrangements, pending reminders. The contract
is ``contracts/payments.md``.
"""
