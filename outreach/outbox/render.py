"""Rendering a planned reminder for the channel it goes out on.

Variables are formatted for the borrower's locale with Babel; the body is rendered when the
channel is known (at send time), so each message carries fresh signed links: the self-service
chat link (``link``) and, for a reminder about a loan, the borrower's payment link
(``pay_link``, naming the loan and no conversation).

The payment link goes in whenever the reminder names a loan, whatever the borrower is offered:
the page it opens (``/pay/<token>``) decides when it is opened, which may be days later and
under another offer (demo mode ended, a provider set up), and with nothing offered it says how
to pay the lender directly and links the chat. The outbox sits below ``outreach.payments`` and
does not ask it: the page does.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, get_currency_symbol
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from outreach.campaigns.config import CampaignConfig
from outreach.channels.sms_encoding import is_gsm7
from outreach.locale_codes import normalise
from outreach.messaging.links import make_link, unsubscribe_url
from outreach.messaging.pay_links import pay_url
from outreach.messaging.templates import render, render_email
from outreach.models import ContactPoint, OutboxItem
from outreach.settings import Settings

PHONE_CHANNELS = ("sms", "whatsapp")
SHARED_PHONE_TEMPLATE = "shared_phone_reminder"


def _babel_locale(locale: str) -> str:
    # "hi-Latn-IN" -> "hi_Latn_IN", "tl_PH" -> "fil_PH": the spellings Babel knows.
    return normalise(locale) or "en"


def _plain(text: str) -> str:
    # Babel puts (narrow) no-break spaces in amounts and dates: not GSM-7, so one would turn a
    # whole SMS into UCS-2 (70 characters a segment instead of 160).
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def money(amount: Decimal, currency: str, locale: str) -> str:
    """``amount`` for the borrower's locale, in GSM-7: a symbol outside it (the rupee's, the
    naira's) would make the whole SMS UCS-2, so the currency's code stands in for it."""
    text = _plain(format_currency(amount, currency, locale=locale))
    if is_gsm7(text):
        return text
    symbol = get_currency_symbol(currency, locale=locale)
    return " ".join(text.replace(symbol, f" {currency.upper()} ").split())


def variables(settings: Settings, config: CampaignConfig, item: OutboxItem) -> dict[str, Any]:
    """Template variables for ``item``, formatted for the borrower's locale with Babel."""
    p = item.payload or {}
    loc = _babel_locale(item.locale or "en")
    values: dict[str, Any] = {
        "lender": settings.lender_name,
        "link": make_link(settings, item.borrower_id),
        "pay_link": pay_url(settings, item.loan_id) if item.loan_id is not None else "",
        "collector": config.collector_disclosure,
        "days_past_due": p.get("days_past_due", 0),
        "instalment_number": p.get("instalment_number", ""),
        "instalment_count": p.get("instalment_count", ""),
    }
    amount = p.get("amount")
    values["amount"] = money(Decimal(amount), p.get("currency") or "USD", loc) if amount else ""
    balance = p.get("balance")  # settlements: the balance the settlement is for
    values["balance"] = money(Decimal(balance), p.get("currency") or "USD", loc) if balance else ""
    values["jurisdiction"] = p.get("jurisdiction") or ""
    for key in ("due_date", "promised_date", "deadline"):
        raw = p.get(key)
        values[key] = (
            _plain(format_date(date.fromisoformat(raw), "long", locale=loc)) if raw else ""
        )
    values["unsubscribe_url"] = ""
    # A group leader's summary (outreach.campaigns.group_summary): counts, the group's name and
    # its meeting's weekday, nothing of any member.
    values["group_name"] = p.get("group_name") or ""
    values["counted"] = p.get("counted", "")
    values["on_time"] = p.get("on_time", "")
    meeting = p.get("meeting_date")
    values["meeting_day"] = (
        _plain(format_date(date.fromisoformat(meeting), "EEEE", locale=loc)) if meeting else ""
    )
    return values


def shared_addresses(session: Session, facts: dict[int, Any]) -> frozenset[str]:
    """Of these borrowers' phone numbers, the ones another borrower also has."""
    mine = {p.address for f in facts.values() for p in f.points if p.channel in PHONE_CHANNELS}
    if not mine:
        return frozenset()
    rows = session.execute(
        select(ContactPoint.address)
        .where(ContactPoint.address.in_(mine), ContactPoint.channel.in_(PHONE_CHANNELS))
        .group_by(ContactPoint.address)
        .having(func.count(distinct(ContactPoint.borrower_id)) > 1)
    )
    return frozenset(address for (address,) in rows)


def render_for_channel(
    item: OutboxItem,
    channel: str,
    values: dict[str, Any],
    content: tuple[str, dict[str, str]] | None,
    settings: Settings,
    *,
    shared_phone: bool = False,
) -> tuple[str, dict[str, Any]]:
    """The body kept in the log and the channel's extra send arguments.

    Email: the plain-text part as body, subject/HTML/unsubscribe URL as arguments. WhatsApp
    outside the session: the rendered text as body, the approved Content template as arguments.
    ``shared_phone``: several borrowers use this number, so whoever holds it may be another
    group member; the reminder then names no one and shows no amount, date, loan or link (a
    pay link opens the loan; a chat link's token names one borrower): only the lender, "reply
    MENU", the collector disclosure and STOP. Whoever replies is asked who they are and learns
    only their own account (outreach.selfservice.shared_phone; issue 20, third-party disclosure).
    """
    locale = item.locale or "en"
    if shared_phone and channel in PHONE_CHANNELS:
        safe = {k: values[k] for k in ("lender", "collector")}
        return render(SHARED_PHONE_TEMPLATE, channel, locale, **safe), {}
    if channel == "email":
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
