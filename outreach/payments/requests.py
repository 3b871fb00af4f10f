"""A payment request an officer sends from a case: the borrower's payment link, in their
language, on the conversation's channel.

The link is the one payment link every provider shares (``PUBLIC_BASE_URL/pay/<token>``,
``outreach.messaging.pay_links``): the page decides when it is opened how the borrower pays
(demo mode's sandbox, the card page, a UPI link, an M-Pesa prompt). There is a link to send
whenever the borrower is offered any provider (``outreach.payments.offers``, the sandbox
included), else None. It names the loan and the conversation, never an amount.
"""

from __future__ import annotations

from outreach.messaging import pay_links
from outreach.messaging.templates import render
from outreach.models import Borrower, Loan
from outreach.payments.offers import offer_for
from outreach.payments.receipts import mask
from outreach.settings import Settings

TEMPLATE = "payment_request"


def payment_link(settings: Settings, loan: Loan, conversation_id: int | None) -> str | None:
    """The borrower's payment link for ``loan``, naming the conversation that asks, when they
    are offered any provider (demo mode's sandbox included); None when nothing is offered."""
    if not offer_for(settings, loan.borrower.country).providers:
        return None
    return pay_links.pay_url(settings, loan.id, conversation_id)


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
