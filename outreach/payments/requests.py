"""A payment request an officer sends from a case: the borrower's payment link, in their
language, on the conversation's channel.

The link is demo mode's sandbox page when no real provider is configured, else the card page
when Stripe is; M-Pesa STK and Razorpay links are not built yet, so with only those configured
there is no link to send (None). The link names the loan and the conversation, never an amount.
"""

from __future__ import annotations

from outreach.messaging.templates import render
from outreach.models import Borrower, Loan
from outreach.payments import pay_links, sandbox
from outreach.payments.providers import configured
from outreach.payments.receipts import mask
from outreach.settings import Settings

TEMPLATE = "payment_request"


def payment_link(settings: Settings, loan: Loan, conversation_id: int | None) -> str | None:
    """Where this borrower pays ``loan`` now, or None when no offered provider has a page."""
    if sandbox.offered(settings):
        return sandbox.pay_url(settings, loan.id, conversation_id)
    if "stripe" in configured(settings):
        return pay_links.pay_url(settings, loan.id, conversation_id)
    return None


def request_text(
    settings: Settings, borrower: Borrower, loan: Loan, link: str, channel: str
) -> str:
    """The request's text in the borrower's locale (the web chat shows the SMS wording)."""
    locale = (borrower.locale or "en").replace("-", "_")
    ref = mask(loan.loan_number)
    if channel != "web":
        ref = ref.replace("•", "*")  # the bullet is not GSM-7: it would make the SMS UCS-2
    values = {"lender": settings.lender_name, "loan_ref": ref, "link": link}
    return render(TEMPLATE, "sms" if channel == "web" else channel, locale, **values)
