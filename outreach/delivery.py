"""Delivering one claimed outbox row: stop check -> channel fallback -> policy -> log -> send.

Channels are tried in the order the campaign step gives. A channel is skipped when the borrower
has no usable address on it; a policy block that time cannot lift (no consent, opted out) is
logged as a blocked message and the next channel is tried; a block that time lifts (contact
window, caps) defers the whole row to ``next_allowed_at``. WhatsApp outside the 24-hour session
uses the approved Content template mapped in ``config/whatsapp_templates.yaml``.

Provider errors: permanent ones are acted on (Twilio 21211 invalid number and SMTP 5xx: the
contact point is marked invalid; 21610: marked opted out; 63016: resent as a Content template)
and the next channel is used; transient ones (timeouts, 5xx, 429) are retried with exponential
backoff and full jitter up to ``retry.max_attempts``.
"""

from __future__ import annotations

import logging
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from . import audit
from .campaign_config import CampaignConfig
from .channels import ChannelError
from .channels.whatsapp_templates import content_for
from .contact_policy import check_contact
from .message_templates import render, render_email
from .messaging import record_blocked, send_message
from .models import (
    BorrowerFlag,
    ContactPoint,
    HandoffCase,
    Loan,
    OutboxItem,
    PaymentPlan,
    PromiseToPay,
)
from .selfservice_links import make_link
from .settings import Settings
from .sms_encoding import analyse

log = logging.getLogger(__name__)
OPEN_PLAN = ("accepted", "current")
INVALID_CODES = {"21211", "21614"}  # invalid / not a mobile number
OPTED_OUT_CODES = {"21610"}
SESSION_CLOSED_CODES = {"63016"}


def _babel_locale(locale: str) -> str:
    return (locale or "en").replace("-", "_")


def _plain(text: str) -> str:
    # Babel puts (narrow) no-break spaces in amounts and dates: not GSM-7, so one would turn a
    # whole SMS into UCS-2 (70 characters a segment instead of 160).
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def variables(settings: Settings, config: CampaignConfig, item: OutboxItem) -> dict[str, Any]:
    """Template variables for ``item``, formatted for the borrower's locale with Babel."""
    p = item.payload or {}
    loc = _babel_locale(item.locale or "en")
    values: dict[str, Any] = {
        "lender": settings.lender_name,
        "link": make_link(settings, item.borrower_id),
        "collector": config.collector_disclosure,
        "days_past_due": p.get("days_past_due", 0),
        "instalment_number": p.get("instalment_number", ""),
        "instalment_count": p.get("instalment_count", ""),
    }
    amount = p.get("amount")
    values["amount"] = (
        _plain(format_currency(Decimal(amount), p.get("currency") or "USD", locale=loc))
        if amount
        else ""
    )
    for key in ("due_date", "promised_date"):
        raw = p.get(key)
        values[key] = (
            _plain(format_date(date.fromisoformat(raw), "long", locale=loc)) if raw else ""
        )
    values["unsubscribe_url"] = ""
    return values


def stop_reason(session: Session, item: OutboxItem, today: date) -> str | None:
    """Why a planned reminder must not go out any more (checked again at send time)."""
    kind = (item.payload or {}).get("kind", "cadence")
    if session.scalar(
        select(
            exists().where(
                BorrowerFlag.borrower_id == item.borrower_id, BorrowerFlag.cleared_at.is_(None)
            )
        )
    ):
        return "borrower_flag"
    if session.scalar(
        select(
            exists().where(
                HandoffCase.borrower_id == item.borrower_id, HandoffCase.status != "closed"
            )
        )
    ):
        return "handoff_open"
    loan = session.get(Loan, item.loan_id) if item.loan_id else None
    if loan is not None and (loan.status in ("paid", "charged_off") or loan.outstanding <= 0):
        return "loan_paid"
    if kind == "cadence" and loan is not None:
        if session.scalar(
            select(
                exists().where(PaymentPlan.loan_id == loan.id, PaymentPlan.status.in_(OPEN_PLAN))
            )
        ):
            return "plan_current"
        if session.scalar(
            select(exists().where(PromiseToPay.loan_id == loan.id, PromiseToPay.status == "open"))
        ):
            return "promise_open"
    if kind == "promise":
        ptp = session.get(PromiseToPay, (item.payload or {}).get("promise_id"))
        if ptp is None or ptp.status != "open":
            return "promise_resolved"
    return None


def batch_stop_reasons(session: Session, ids: list[int]) -> dict[int, str]:
    """``stop_reason`` for a whole claimed batch in a few set-based queries: {row id: reason}."""
    out: dict[int, str] = {}
    if not ids:
        return out
    rows = session.execute(
        select(OutboxItem.id, OutboxItem.borrower_id, OutboxItem.loan_id, OutboxItem.payload).where(
            OutboxItem.id.in_(ids)
        )
    ).all()
    borrowers = {r.borrower_id for r in rows}
    loans = {r.loan_id for r in rows if r.loan_id}
    flagged = set(
        session.scalars(
            select(BorrowerFlag.borrower_id).where(
                BorrowerFlag.borrower_id.in_(borrowers), BorrowerFlag.cleared_at.is_(None)
            )
        )
    )
    handoff = set(
        session.scalars(
            select(HandoffCase.borrower_id).where(
                HandoffCase.borrower_id.in_(borrowers), HandoffCase.status != "closed"
            )
        )
    )
    closed = set(
        session.scalars(
            select(Loan.id).where(
                Loan.id.in_(loans),
                (Loan.status.in_(("paid", "charged_off"))) | (Loan.outstanding <= 0),
            )
        )
    )
    planned = set(
        session.scalars(
            select(PaymentPlan.loan_id).where(
                PaymentPlan.loan_id.in_(loans), PaymentPlan.status.in_(OPEN_PLAN)
            )
        )
    )
    promised = set(
        session.scalars(
            select(PromiseToPay.loan_id).where(
                PromiseToPay.loan_id.in_(loans), PromiseToPay.status == "open"
            )
        )
    )
    promise_ids = {(r.payload or {}).get("promise_id") for r in rows} - {None}
    open_promises = (
        set(
            session.scalars(
                select(PromiseToPay.id).where(
                    PromiseToPay.id.in_(promise_ids), PromiseToPay.status == "open"
                )
            )
        )
        if promise_ids
        else set()
    )
    for r in rows:
        kind = (r.payload or {}).get("kind", "cadence")
        if r.borrower_id in flagged:
            out[r.id] = "borrower_flag"
        elif r.borrower_id in handoff:
            out[r.id] = "handoff_open"
        elif r.loan_id in closed:
            out[r.id] = "loan_paid"
        elif kind == "cadence" and r.loan_id in planned:
            out[r.id] = "plan_current"
        elif kind == "cadence" and r.loan_id in promised:
            out[r.id] = "promise_open"
        elif kind == "promise" and (r.payload or {}).get("promise_id") not in open_promises:
            out[r.id] = "promise_resolved"
    return out


def backoff(config: CampaignConfig, attempts: int) -> timedelta:
    """Exponential backoff with full jitter: uniform(0, min(max, base * 2**(attempts-1)))."""
    ceiling = min(config.retry_max_seconds, config.retry_base_seconds * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=max(1.0, random.uniform(0, ceiling)))


def _mark_point(session: Session, point: ContactPoint, code: str | None, now: datetime) -> None:
    if code in OPTED_OUT_CODES:
        point.opted_out_at = point.opted_out_at or now
    elif code in INVALID_CODES or (code or "").startswith("smtp5"):
        point.invalid_at = point.invalid_at or now
    else:
        return
    audit.record(
        session,
        "scheduler",
        "contact_point.marked",
        subject=f"contact_point:{point.id}",
        borrower_id=point.borrower_id,
        details={
            "channel": point.channel,
            "code": code,
            "mark": "opted_out" if code in OPTED_OUT_CODES else "invalid",
        },
    )


def _point(session: Session, borrower_id: int, channel: str) -> ContactPoint | None:
    return session.scalar(
        select(ContactPoint)
        .where(
            ContactPoint.borrower_id == borrower_id,
            ContactPoint.channel == channel,
            ContactPoint.invalid_at.is_(None),
        )
        .order_by(ContactPoint.opted_out_at.is_not(None), ContactPoint.id)
    )


def stop(session: Session, item: OutboxItem, reason: str) -> str:
    """Cancel a row a stop or pause condition now holds back (audited, never silent)."""
    item.status, item.last_error = "cancelled", reason
    audit.record(
        session,
        "scheduler",
        "outbox.stopped",
        subject=f"outbox:{item.id}",
        borrower_id=item.borrower_id,
        details={"reason": reason},
    )
    session.commit()
    return "cancelled"


def _mark_sent(item: OutboxItem, payload: dict[str, Any], tried: list[str]) -> None:
    item.status = "sent"
    item.payload = {**payload, "tried": tried}


def deliver(
    session: Session,
    settings: Settings,
    config: CampaignConfig,
    item: OutboxItem,
    now: datetime,
    limiter: Any = None,
    checked: bool = False,
) -> str:
    """Process one claimed row; returns sent | deferred | retry | cancelled | failed."""
    item.attempts += 1
    # ``checked``: the dispatcher already ran batch_stop_reasons() for this row's batch.
    reason = None if checked else stop_reason(session, item, now.date())
    if reason:
        return stop(session, item, reason)
    payload = dict(item.payload or {})
    chain = payload.get("channels") or [item.channel]
    tried = list(payload.get("tried") or [])
    values = variables(settings, config, item)
    outcome = "cancelled"
    for ch in chain:
        if ch in tried:
            continue
        point = _point(session, item.borrower_id, ch)
        if point is None:
            continue  # no address on this channel: the next one, nothing to log
        message = None
        content = None
        if ch == "whatsapp":
            message = {"kind": "freeform", "category": "utility"}
        decision = check_contact(
            session, item.borrower, ch, now, **({"message": message} if message else {})
        )
        if ch == "whatsapp" and (
            payload.get("whatsapp_template") or "whatsapp_session_closed" in decision["reasons"]
        ):
            content = content_for(item.template, item.locale or "en", values)
            if content is not None:
                decision = check_contact(
                    session,
                    item.borrower,
                    ch,
                    now,
                    message={"kind": "template", "category": "utility"},
                )
        item.last_decision = decision
        if not decision["allowed"] and decision.get("next_allowed_at"):
            item.status = "pending"
            item.not_before = datetime.fromisoformat(
                decision["next_allowed_at"].replace("Z", "+00:00")
            )
            audit.record(
                session,
                "scheduler",
                "outbox.deferred",
                subject=f"outbox:{item.id}",
                borrower_id=item.borrower_id,
                details={
                    "channel": ch,
                    "reasons": decision["reasons"],
                    "next_allowed_at": decision["next_allowed_at"],
                    "rules_version": decision.get("rules_version"),
                },
            )
            session.commit()
            return "deferred"
        body, kwargs = _render(item, ch, values, content, settings)
        if ch == "sms" and analyse(body).segments > config.max_sms_segments:
            log.warning(
                "outbox %s: SMS %s is %s segments (max %s)",
                item.id,
                item.template,
                analyse(body).segments,
                config.max_sms_segments,
            )
        key = f"{item.idempotency_key}#{ch}#{item.attempts}"
        item.channel, item.address, item.body = ch, point.address, body
        if not decision["allowed"]:
            msg = record_blocked(
                session,
                channel=ch,
                address=point.address,
                body=body,
                sender="scheduler",
                decision=decision,
                borrower_id=item.borrower_id,
                loan_id=item.loan_id,
                template=item.template,
                dedupe_key=key,
            )
            item.message_id = msg.id
            tried.append(ch)
            continue
        if limiter is not None:
            limiter.acquire(ch)
        try:
            msg = send_message(
                session,
                settings,
                channel=ch,
                address=point.address,
                body=body,
                sender="scheduler",
                borrower_id=item.borrower_id,
                loan_id=item.loan_id,
                template=item.template,
                decision=decision,
                dedupe_key=key,
                send_kwargs=kwargs,
                raise_errors=True,
                before_send=lambda m: setattr(item, "message_id", m.id),
                after_send=lambda m: _mark_sent(item, payload, tried),
            )
        except ChannelError as exc:
            item.last_error = str(exc)[:500]
            if not exc.permanent:
                if item.attempts < config.max_attempts:
                    item.status = "pending"
                    item.not_before = now + backoff(config, item.attempts)
                    session.commit()
                    return "retry"
            elif (
                exc.code in SESSION_CLOSED_CODES
                and content is None
                and not payload.get("whatsapp_template")
            ):
                payload["whatsapp_template"] = True  # 63016: resend as the approved template
                item.payload = {**payload, "tried": tried}
                item.status = "pending"
                session.commit()
                return "retry"
            else:
                _mark_point(session, point, exc.code, now)
            tried.append(ch)
            outcome = "failed"
            item.payload = {**payload, "tried": tried}
            session.commit()
            continue
        return "sent"  # recorded by _mark_sent in the provider-result transaction
    item.status = outcome
    item.payload = {**payload, "tried": tried}
    session.commit()
    return outcome


def _render(
    item: OutboxItem,
    channel: str,
    values: dict[str, Any],
    content: tuple[str, dict[str, str]] | None,
    settings: Settings,
) -> tuple[str, dict[str, Any]]:
    locale = item.locale or "en"
    if channel == "email":
        from .web.unsubscribe import unsubscribe_url

        values = {**values, "unsubscribe_url": unsubscribe_url(settings, item.borrower_id)}
        parts = render_email(item.template, locale, **values)
        return parts["text"], {
            "subject": parts["subject"],
            "html": parts["html"],
            "unsubscribe_url": values["unsubscribe_url"],
        }
    body = render(item.template, channel, locale, **values)
    if content is not None:
        return body, {"content_sid": content[0], "content_variables": content[1]}
    return body, {}


# Twilio MessageStatus values -> ours. Twilio's "accepted"/"scheduled"/"queued" are all "queued"
# for us; "receiving"/"received" never concern an outbound row.
TWILIO_STATUSES = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "sending",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}


def on_delivery_error(session: Session, msg: Any, code: str | None, now: datetime) -> None:
    """A status callback reported a failure: act on the address, and give the outbox row its
    next chance (63016: the approved WhatsApp template; 21211/21610: the next channel)."""
    point = session.scalar(
        select(ContactPoint).where(
            ContactPoint.borrower_id == msg.borrower_id,
            ContactPoint.channel == msg.channel,
            ContactPoint.address == msg.address,
        )
    )
    if point is not None:
        _mark_point(session, point, code, now)
    item = session.scalar(select(OutboxItem).where(OutboxItem.message_id == msg.id))
    if item is None or item.status != "sent":
        return
    payload = dict(item.payload or {})
    if code in SESSION_CLOSED_CODES and not payload.get("whatsapp_template"):
        payload["whatsapp_template"] = True
    elif code in INVALID_CODES | OPTED_OUT_CODES:
        payload["tried"] = [*payload.get("tried", []), msg.channel]
    else:
        return
    item.payload, item.status, item.not_before = payload, "pending", now
    audit.record(
        session,
        "scheduler",
        "outbox.requeued",
        subject=f"outbox:{item.id}",
        borrower_id=item.borrower_id,
        details={"code": code, "channel": msg.channel},
    )
