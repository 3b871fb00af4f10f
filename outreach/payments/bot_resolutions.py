"""Settlements, payment holidays and fee waivers in the bot conversation.

The bot's actions call these with the opaque conversation id only; each call opens its own
session and re-checks that the conversation passed a fresh identity check (None when not:
nothing is disclosed). The limits and tiers are the app's
(:mod:`outreach.arrangements.resolutions`); the bot only ever agrees within the ``bot`` tier
and only after the borrower's yes (:func:`accept` quotes again: a slot is never trusted).

- :func:`quote`: ``offer`` (within the bot's tier: the exact terms, in the jurisdiction's
  words: ``templates/messages/settlement_offer/chat.<locale>.j2``), ``counter`` (the closest
  terms within the bot's tier), ``handoff`` (nothing the bot may offer: an officer decides), or
  ``refused`` (a flagged borrower, nothing owed, no holiday for this loan).
- :func:`accept`: stores the agreement; a settlement answers the payment link (same providers,
  same ``/pay/<token>`` page) for its amount.
- :func:`hand_off`: stores the request (``requested``, with the tier it needs) attached to a new
  handoff case: the officers (or a supervisor) decide in the console.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency
from sqlalchemy.orm import Session

from outreach import clock
from outreach.arrangements import resolutions as res
from outreach.arrangements.resolution_notices import jurisdiction
from outreach.audit import log as audit
from outreach.db import session_scope
from outreach.messaging.templates import render
from outreach.models import Conversation, Loan
from outreach.payments.bot_methods import own_link
from outreach.selfservice.access import main_loan, verified_conversation
from outreach.selfservice.handoff import open_case
from outreach.selfservice.locale import BOT_LANGUAGES, reply_locale
from outreach.settings import Settings

DEFAULT_HOLIDAY_DAYS = 30  # "can I skip this month"


@dataclass(frozen=True)
class ResolutionAnswer:
    """What the bot says. ``outcome``: offer | counter | handoff | refused | accepted;
    ``amount`` / ``days``: the terms to hand back to :func:`accept` on the borrower's yes."""

    kind: str
    outcome: str
    refusal: str = ""
    amount: str = ""
    days: str = ""
    amount_text: str = ""
    balance_text: str = ""
    deadline_text: str = ""
    end_text: str = ""
    terms_text: str = ""  # the offer in the jurisdiction's words
    link: str = ""
    case_id: str = ""


@dataclass(frozen=True)
class _Ctx:
    conv: Conversation
    loan: Loan
    locale: str
    language: str
    today: date

    def money(self, value: Decimal) -> str:
        return format_currency(value, self.loan.currency, locale=self.locale)

    def day(self, value: date) -> str:
        return format_date(value, "long", locale=self.locale)


def _ctx(session: Session, conversation_id: str, language: str | None) -> _Ctx | None:
    conv = verified_conversation(session, conversation_id)
    loan = main_loan(session, conv) if conv is not None else None
    if conv is None or loan is None or conv.borrower is None:
        return None
    lang = language if language in BOT_LANGUAGES else "en"
    locale = reply_locale(conv.borrower.locale or "en", lang)
    return _Ctx(conv, loan, locale, lang, conv.borrower.today(clock.now()))


def _amount(ctx: _Ctx, amount: str | None) -> Decimal | None:
    """The amount named: a number, or "half" (of the balance: "if I pay half now...")."""
    if not amount:
        return None
    if amount == "half":
        return (ctx.loan.outstanding / 2).quantize(Decimal("0.01"))
    return Decimal(amount)


def _quote(session: Session, ctx: _Ctx, kind: str, amount: str | None, days: str | None):
    if kind == "settlement":
        return res.quote_settlement(ctx.loan, _amount(ctx, amount), ctx.today, "bot")
    if kind == "holiday":
        length = int(days) if days else DEFAULT_HOLIDAY_DAYS
        return res.quote_holiday(session, ctx.loan, length, ctx.today, "bot")
    limits_cap = res.rl.limits_for(ctx.loan, ctx.loan.borrower.country, ctx.loan.borrower.region)
    return res.quote_waiver(
        ctx.loan,
        Decimal(amount) if amount else limits_cap.waiver_cap["officer"] or Decimal("1"),
        "bot",
    )


def _answer(
    ctx: _Ctx, quote: res.Quote, outcome: str, amount: Decimal, days: int
) -> ResolutionAnswer:
    b = ctx.loan.borrower
    values = {
        "kind": quote.kind,
        "outcome": outcome,
        "amount": str(amount),
        "days": str(days) if days else "",
        "amount_text": ctx.money(amount),
        "balance_text": ctx.money(quote.limits.balance),
    }
    if quote.kind == "settlement" and quote.deadline is not None:
        values["deadline_text"] = ctx.day(quote.deadline)
        values["terms_text"] = render(
            "settlement_offer",
            "chat",
            ctx.language,
            balance=values["balance_text"],
            amount=values["amount_text"],
            deadline=values["deadline_text"],
            jurisdiction=jurisdiction(b.country, b.region),
        )
    if quote.kind == "holiday" and days:
        values["end_text"] = ctx.day(ctx.today + timedelta(days=days - 1))
    return ResolutionAnswer(**values)


def quote(
    conversation_id: str,
    kind: str,
    amount: str | None = None,
    days: str | None = None,
    language: str | None = None,
    settings: Settings | None = None,
) -> ResolutionAnswer | None:
    """What the bot may offer for the borrower's request (see the module docstring)."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        ctx = _ctx(session, conversation_id, language)
        if ctx is None:
            return None
        try:
            q = _quote(session, ctx, kind, amount, days)
        except res.NotOffered as exc:
            return ResolutionAnswer(kind, "refused", refusal=exc.code)
        except ValueError:
            return ResolutionAnswer(kind, "refused", refusal="invalid")
        if q.counter is None and q.tier is not None and q.tier == "bot":
            answer = _answer(ctx, q, "offer", q.amount, q.holiday_days)
        elif q.counter is not None and q.counter > 0 and kind == "holiday":
            answer = _answer(ctx, q, "counter", Decimal(0), int(q.counter))
        elif q.counter is not None and q.counter > 0:
            answer = _answer(ctx, q, "counter", q.counter, 0)
        else:
            answer = _answer(ctx, q, "handoff", q.amount, q.holiday_days)
        # Offers shown are audited (the KPIs count them); nothing is stored on the account.
        audit.record(
            session,
            "bot",
            f"{kind}.offered",
            subject=f"loan:{ctx.loan.id}",
            borrower_id=ctx.conv.borrower_id,
            details={
                "outcome": answer.outcome,
                "asked": str(q.amount),
                "offered": answer.amount,
                "tier": q.tier,
                "limits_version": q.limits.version,
            },
        )
        session.commit()
        return answer


def accept(
    conversation_id: str,
    kind: str,
    amount: str | None = None,
    days: str | None = None,
    language: str | None = None,
    settings: Settings | None = None,
) -> ResolutionAnswer | None:
    """The borrower said yes to these terms: quoted again at the bot's tier and stored (a term
    outside it is ``refused``, never stored); a settlement answers its payment link."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        ctx = _ctx(session, conversation_id, language)
        if ctx is None:
            return None
        try:
            q = _quote(session, ctx, kind, amount, days)
        except (res.NotOffered, ValueError) as exc:
            return ResolutionAnswer(kind, "refused", refusal=getattr(exc, "code", "invalid"))
        if q.tier != "bot" or q.counter is not None:
            return ResolutionAnswer(kind, "refused", refusal="outside")
        res.record(
            session,
            ctx.loan,
            q,
            status="accepted",
            requested_by="bot",
            decided_by="bot",
            today=ctx.today,
            conversation_id=ctx.conv.id,
            channel=ctx.conv.channel,
        )
        answer = _answer(ctx, q, "accepted", q.amount, q.holiday_days)
        link = own_link(settings, ctx.conv, ctx.loan) if kind == "settlement" else ""
        session.commit()
        return ResolutionAnswer(**{**vars(answer), "link": link})


def hand_off(
    conversation_id: str,
    kind: str,
    amount: str | None = None,
    days: str | None = None,
    language: str | None = None,
    settings: Settings | None = None,
) -> ResolutionAnswer | None:
    """The borrower's own proposal goes to the officers: stored as ``requested`` (with the tier
    that may agree it) on a new handoff case. Refused for a flagged borrower."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        ctx = _ctx(session, conversation_id, language)
        if ctx is None:
            return None
        try:
            q = _quote(session, ctx, kind, amount, days)
        except (res.NotOffered, ValueError) as exc:
            return ResolutionAnswer(kind, "refused", refusal=getattr(exc, "code", "invalid"))
        summary = {"request": kind, "amount": str(q.amount), "days": q.holiday_days, "tier": q.tier}
        case = open_case(session, ctx.conv, f"{kind}_request", summary)
        res.record(
            session,
            ctx.loan,
            q,
            status="requested",
            requested_by="bot",
            decided_by=None,
            today=ctx.today,
            conversation_id=ctx.conv.id,
            case_id=case.id,
            channel=ctx.conv.channel,
        )
        session.commit()
        answer = _answer(ctx, q, "handoff", q.amount, q.holiday_days)
        return ResolutionAnswer(**{**vars(answer), "case_id": str(case.id)})
