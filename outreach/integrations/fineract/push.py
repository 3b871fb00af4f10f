"""Telling Fineract what borrowers agreed: each promise and plan as a loan note, and (when the
lender enables ``FINERACT_DELINQUENCY_PAUSE``) a delinquency pause for the agreed payment holiday.

The payment holiday is the time a borrower was given before paying: from the day a promise was
made to its promised date, or from the day a plan was agreed to its first instalment. Fineract's
``pause`` delinquency action stops the loan's delinquency ageing over those days, so the
lender's own collections do not escalate a borrower who is keeping an agreement.

Each arrangement is pushed once (``fineract_pushes`` is unique per arrangement). The row is
written before the note is posted; if the process dies between Fineract storing the note and
us recording it, the retry first reads the loan's notes and finds it by its marker
(``[outreach:promise:12]``) instead of posting it twice. Fineract down: the run stops with
FineractUnavailable and every arrangement not yet pushed waits for the next run. Fineract
refusing (4xx: a closed loan, an overlapping pause): the refusal is kept with the row and not
retried.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from outreach.integrations.fineract.client import FineractClient, FineractRefused
from outreach.models import FineractLoan, FineractPush, Loan, PaymentPlan, PromiseToPay
from outreach.settings import Settings

BATCH = 200  # arrangements per query
# What is pushed: agreements (a plan proposed and never accepted is none), not those cancelled
# before the push (a later agreement replaced them; it is pushed itself).
PROMISE_STATUSES = ("open", "kept", "broken")
PLAN_STATUSES = ("accepted", "current", "broken", "completed")
NOTES = {
    "en": {
        "promise": "Outreach: promise to pay {amount}by {date} (recorded {made} by {by}).",
        "plan": (
            "Outreach: payment plan agreed: {count} {frequency} instalments of {amount} "
            "{currency} from {start}, total {total} {currency} (agreed {made} by {by})."
        ),
        "weekly": "weekly",
        "biweekly": "fortnightly",
        "monthly": "monthly",
    },
    "es": {
        "promise": "Outreach: promesa de pago {amount}para el {date} (registrada el {made} por {by}).",
        "plan": (
            "Outreach: plan de pagos acordado: {count} cuotas {frequency} de {amount} "
            "{currency} desde el {start}, total {total} {currency} (acordado el {made} por {by})."
        ),
        "weekly": "semanales",
        "biweekly": "quincenales",
        "monthly": "mensuales",
    },
}


@dataclass
class PushReport:
    notes: int = 0
    pauses: int = 0
    refused: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.notes} notes and {self.pauses} delinquency pauses pushed, {len(self.refused)} refused"


def marker(kind: str, arrangement_id: int) -> str:
    """What finds a note again in Fineract (a retry never posts it twice)."""
    return f"[outreach:{kind}:{arrangement_id}]"


def _money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


def note_text(
    arrangement: PromiseToPay | PaymentPlan, currency: str, lang: str, zone: ZoneInfo
) -> str:
    """The note for a promise or plan, in the lender's language (``FINERACT_LOCALE``)."""
    words = NOTES.get(lang, NOTES["en"])
    made = arrangement.created_at.astimezone(zone).date().isoformat()
    if isinstance(arrangement, PromiseToPay):
        amount = f"{_money(arrangement.amount)} {currency} " if arrangement.amount else ""
        text = words["promise"].format(
            amount=amount,
            date=arrangement.promised_date.isoformat(),
            made=made,
            by=arrangement.created_by,
        )
        return f"{text} {marker('promise', arrangement.id)}"
    text = words["plan"].format(
        count=arrangement.instalment_count,
        frequency=words.get(arrangement.frequency, arrangement.frequency),
        amount=_money(arrangement.instalment_amount),
        currency=currency,
        start=arrangement.start_date.isoformat(),
        total=_money(arrangement.total),
        made=made,
        by=arrangement.created_by,
    )
    return f"{text} {marker('plan', arrangement.id)}"


def holiday(
    arrangement: PromiseToPay | PaymentPlan, zone: ZoneInfo, today: date
) -> tuple[date, date] | None:
    """The agreed payment holiday to pause delinquency over, or None: only for an agreement
    still running whose first payment is still ahead, and at least one day long (Fineract
    refuses a pause that starts and ends the same day)."""
    if isinstance(arrangement, PromiseToPay):
        if arrangement.status != "open":
            return None
        end = arrangement.promised_date
    else:
        if arrangement.status not in ("accepted", "current"):
            return None
        end = arrangement.start_date
    start = arrangement.created_at.astimezone(zone).date()
    if end <= start or end < today:
        return None
    return start, end


def _unpushed(
    session: Session,
    model: type[PromiseToPay] | type[PaymentPlan],
    kind: str,
    statuses: tuple[str, ...],
) -> Sequence[Any]:
    """Arrangements on Fineract loans with no push row yet, a batch at a time."""
    query = (
        select(model, FineractLoan.fineract_loan_id)
        .join(FineractLoan, FineractLoan.loan_id == model.loan_id)
        .where(
            ~exists().where(
                and_(FineractPush.kind == kind, FineractPush.arrangement_id == model.id)
            )
        )
        .where(model.status.in_(statuses))
        .order_by(model.id)
        .limit(BATCH)
    )
    return session.execute(query).all()


def push(
    session: Session, fineract: FineractClient, settings: Settings, now: datetime
) -> PushReport:
    """Push every promise and plan on a Fineract loan not pushed yet, and finish the pushes a
    failure left half-done. Raises FineractUnavailable (what is not pushed waits)."""
    zone = ZoneInfo(settings.fineract_timezone or "UTC")
    today = now.astimezone(zone).date()
    report = PushReport()
    for model, kind, statuses in (
        (PromiseToPay, "promise", PROMISE_STATUSES),
        (PaymentPlan, "plan", PLAN_STATUSES),
    ):
        while rows := _unpushed(session, model, kind, statuses):
            for arrangement, fineract_loan_id in rows:
                window = (
                    holiday(arrangement, zone, today)
                    if settings.fineract_delinquency_pause
                    else None
                )
                session.add(
                    FineractPush(
                        kind=kind,
                        arrangement_id=arrangement.id,
                        loan_id=arrangement.loan_id,
                        fineract_loan_id=fineract_loan_id,
                        pause_status="pending" if window else "none",
                        pause_start=window[0] if window else None,
                        pause_end=window[1] if window else None,
                        created_at=now,
                    )
                )
            session.commit()
    pending = session.scalars(
        select(FineractPush)
        .where(
            or_(
                and_(FineractPush.note_id.is_(None), FineractPush.error.is_(None)),
                FineractPush.pause_status == "pending",
            )
        )
        .order_by(FineractPush.id)
    ).all()
    for row in pending:
        _finish(session, fineract, settings, row, zone, now, report)
    return report


def _arrangement(session: Session, row: FineractPush) -> PromiseToPay | PaymentPlan | None:
    model = PromiseToPay if row.kind == "promise" else PaymentPlan
    return session.get(model, row.arrangement_id)


def _finish(
    session: Session,
    fineract: FineractClient,
    settings: Settings,
    row: FineractPush,
    zone: ZoneInfo,
    now: datetime,
    report: PushReport,
) -> None:
    arrangement = _arrangement(session, row)
    if arrangement is None:
        return
    if row.note_id is None and row.error is None:
        try:
            if row.attempts:  # posted before, maybe stored: look before posting again
                tag = marker(row.kind, row.arrangement_id)
                found = [
                    n for n in fineract.notes(row.fineract_loan_id) if tag in str(n.get("note"))
                ]
                row.note_id = int(found[0]["id"]) if found else None
            if row.note_id is None:
                row.attempts += 1
                session.commit()
                loan = session.get(Loan, row.loan_id)
                currency = loan.currency if loan else ""
                text = note_text(arrangement, currency, settings.fineract_locale, zone)
                row.note_id = fineract.add_note(row.fineract_loan_id, text)
                report.notes += 1
            row.pushed_at = now
        except FineractRefused as exc:
            row.error = str(exc)
            report.refused.append(str(exc))
        session.commit()
    if row.pause_status == "pending" and row.pause_start and row.pause_end:
        try:
            row.pause_id = fineract.pause_delinquency(
                row.fineract_loan_id, row.pause_start, row.pause_end
            )
            row.pause_status = "done"
            report.pauses += 1
        except FineractRefused as exc:
            row.pause_status, row.error = "refused", str(exc)
            report.refused.append(str(exc))
        session.commit()
