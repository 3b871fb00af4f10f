"""M-Pesa STK Push prompts the product sent to a borrower's phone, and what became of them.

One row per prompt Daraja accepted (``checkout_request_id`` is Daraja's CheckoutRequestID, unique):
the loan, the borrower, the conversation that asked (if any), the phone and the amount we asked
for. M-Pesa's result callback is unsigned, so it is believed only when it names one of these rows
and reports the amount and phone asked for (``outreach.payments.stk_settle``).

``status``: ``pending`` (the prompt is on the phone), ``paid`` (applied: ``provider_payment_id``
is the payment it produced; at most one per request), ``review`` (M-Pesa reported a payment
whose amount or phone differ from the request: parked for an officer, never applied),
``failed`` (cancelled, timed out, insufficient funds...: ``result_code``/``result_desc``), or
``expired`` (no answer from M-Pesa within a day). ``sandbox``: a demo-mode prompt, shown on the
sandbox phone instead of sent to Daraja.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.models.base import Base, utcnow
from outreach.models.loans import Loan

STK_STATUSES = ("pending", "paid", "review", "failed", "expired")


class StkRequest(Base):
    __tablename__ = "stk_requests"
    __table_args__ = (Index("ix_stk_requests_loan_created", "loan_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkout_request_id: Mapped[str] = mapped_column(String(64), unique=True)
    merchant_request_id: Mapped[str] = mapped_column(String(64))
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"))
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrowers.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    phone: Mapped[str] = mapped_column(String(16))  # as Daraja takes it: 2547XXXXXXXX
    amount: Mapped[Decimal]  # whole shillings (KES)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    result_code: Mapped[int | None]
    result_desc: Mapped[str | None] = mapped_column(String(255))
    receipt: Mapped[str | None] = mapped_column(String(40))  # MpesaReceiptNumber, when told
    sandbox: Mapped[bool] = mapped_column(default=False)
    started_by: Mapped[str] = mapped_column(String(64))  # "bot", "officer:<id>", "borrower:page"
    provider_payment_id: Mapped[int | None] = mapped_column(ForeignKey("provider_payments.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    loan: Mapped[Loan] = relationship()
