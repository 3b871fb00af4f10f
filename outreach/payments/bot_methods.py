"""The ways to pay the bot lists ("how can I pay?"), with the borrower's own payment link.

config/bot.yaml ``payment_methods`` holds the lender's ways to pay per language; a line's
``{link}`` is the lender's page (``payment_link``). When the borrower is offered any provider
(``outreach.payments.offers``, demo mode's sandbox included), their own payment link
(``outreach.payments.requests.payment_link``: it names the loan and this conversation; the page
decides how they pay) takes its place; the configured link stays for lenders without one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from outreach import config_files
from outreach.db import session_scope
from outreach.models import Conversation, Loan
from outreach.payments import requests
from outreach.selfservice.access import find_conversation, main_loan, verified_conversation
from outreach.selfservice.locale import BOT_LANGUAGES
from outreach.settings import Settings

LINK = "{link}"


@dataclass(frozen=True)
class MethodsView:
    """The lines the bot lists; ``withheld``: the borrower has a payment link of their own,
    which the bot gives only after the identity check (say "pay now")."""

    lines: list[str]
    withheld: bool = False


def configured_lines(language: str, link: str | None = None) -> list[str]:
    """config/bot.yaml's ways to pay in ``language``; ``{link}`` is ``link``, else the
    configured payment link, and lines naming it are left out when ``link`` is ""."""
    cfg = config_files.bot()
    listed = cfg.get("payment_methods") or {}
    # A lender that lists no lines in this language still tells the borrower how to pay.
    lines = [str(line) for line in listed.get(language) or listed.get("en") or []]
    if link == "":
        return [line for line in lines if LINK not in line]
    return [line.replace(LINK, link or str(cfg.get("payment_link", ""))) for line in lines]


def as_list(lines: list[str]) -> str:
    """The lines as the bot's message shows them, one ``- `` item each."""
    return "\n".join(f"- {line}" for line in lines)


def own_link(settings: Settings, conv: Conversation, loan: Loan) -> str:
    """The borrower's payment link naming this conversation ("" when nothing is offered)."""
    return requests.payment_link(settings, loan, conv.id) or ""


def _own_link(session: Session, settings: Settings, conversation_id: str) -> str:
    conv = find_conversation(session, conversation_id)
    if conv is None or conv.borrower is None:
        return ""
    loan = main_loan(session, conv)
    return own_link(settings, conv, loan) if loan is not None else ""


def payment_methods(
    conversation_id: str, language: str | None = None, settings: Settings | None = None
) -> MethodsView:
    """The ways to pay for this conversation's borrower, in ``language``. Their own link opens a
    page showing the loan's arrears, so before a fresh identity check it is withheld: the lines
    naming a link are left out and ``withheld`` is set."""
    settings = settings or Settings.from_env()
    lang = language if language in BOT_LANGUAGES else "en"
    with session_scope(settings.database_url) as session:
        link = _own_link(session, settings, conversation_id)
        if not link:
            return MethodsView(configured_lines(lang))
        if verified_conversation(session, conversation_id) is None:
            return MethodsView(configured_lines(lang, ""), withheld=True)
        return MethodsView(configured_lines(lang, link))
