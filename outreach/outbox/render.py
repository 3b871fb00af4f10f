"""Rendering a planned reminder for the channel it goes out on.

Variables are formatted for the borrower's locale with Babel; the body is rendered when the
channel is known (at send time), so each message carries a fresh signed self-service link.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency

from outreach.campaigns.config import CampaignConfig
from outreach.messaging.links import make_link, unsubscribe_url
from outreach.messaging.templates import render, render_email
from outreach.models import OutboxItem
from outreach.settings import Settings


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


def render_for_channel(
    item: OutboxItem,
    channel: str,
    values: dict[str, Any],
    content: tuple[str, dict[str, str]] | None,
    settings: Settings,
) -> tuple[str, dict[str, Any]]:
    """The body kept in the log and the channel's extra send arguments.

    Email: the plain-text part as body, subject/HTML/unsubscribe URL as arguments. WhatsApp
    outside the session: the rendered text as body, the approved Content template as arguments.
    """
    locale = item.locale or "en"
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
