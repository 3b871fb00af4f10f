"""The numeric SMS menu for feature phones: "Reply 1 Balance, 2 Pay, 3 Payment plan, 4 Talk
to us", without the NLU bot.

A conversation is in the menu when the lender made it the default for the borrower's country
or product (``config/menu.yaml``), when the borrower texted MENU, or while a menu step is open
(``Conversation.menu_state``). The rules are the bot's own: the identity check
(``selfservice.identity.check_answer``, the same factors, attempts and lock-outs) before any
account detail, every detail re-checked against a *fresh* verification, a plan stored only after
the borrower's explicit "1" to the exact terms, and a handoff to a person on "4".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from babel import localedata
from babel.dates import format_date
from babel.numbers import format_currency
from sqlalchemy.orm import Session

from outreach import clock, config_files
from outreach.arrangements import agreements, limits
from outreach.audit import log as audit
from outreach.channels import Channels
from outreach.conversations.menu_texts import menu_language, text
from outreach.conversations.replies import send_reply
from outreach.messaging.pay_links import pay_url
from outreach.models import Borrower, Conversation, Loan, Message
from outreach.selfservice import identity, shared_phone
from outreach.selfservice.access import main_loan
from outreach.selfservice.handoff import open_case
from outreach.settings import Settings

MENU_WORDS = {"menu", "menyu", "menú", "मेन्यू", "मेनू"}
OPTIONS = {"1": "balance", "2": "pay", "3": "plan"}
DIGITS = {"0", "1", "2", "3", "4"}


@dataclass(frozen=True)
class MenuConfig:
    countries: frozenset[str]
    products: frozenset[str]
    channels: frozenset[str]
    frequency: str
    count: int
    start_days: int


def menu_config() -> MenuConfig:
    """``config/menu.yaml``; a missing file: the menu only on request (MENU), on SMS."""
    path = config_files.config_dir() / "menu.yaml"
    data = config_files.load("menu.yaml") if path.exists() else {}
    default_for = data.get("default_for") or {}
    plan = data.get("plan") or {}
    try:
        return MenuConfig(
            countries=frozenset(str(c).upper() for c in default_for.get("countries") or []),
            products=frozenset(str(p) for p in default_for.get("products") or []),
            channels=frozenset(data.get("channels") or ["sms"]),
            frequency=str(plan.get("frequency", "weekly")),
            count=int(plan.get("count", 4)),
            start_days=int(plan.get("start_days", 7)),
        )
    except (TypeError, ValueError) as exc:
        raise config_files.ConfigError(f"menu.yaml: plan: {exc}") from exc


def _command(body: str) -> str:
    """The message as a menu command: trimmed, lower-case, a trailing "." or "#" dropped."""
    return re.sub(r"[.#\s]+$", "", (body or "").strip()).lower()


def _default_for(session: Session, conv: Conversation, cfg: MenuConfig) -> bool:
    borrower = shared_phone.profile_of(session, conv)
    if borrower is None:
        return False
    if (borrower.country or "").upper() in cfg.countries:
        return True
    loan = main_loan(session, conv) if cfg.products else None
    return loan is not None and loan.product in cfg.products


def wants_menu(session: Session, conv: Conversation, body: str) -> bool:
    """Whether the menu, rather than the NLU bot, answers this message.

    MENU always opens it; an identity question it asked keeps it; a bare menu digit (0-4) is
    the menu's for a borrower it is the default for, or once it is open. Free text leaves it
    for the NLU bot (a smartphone user is never trapped in digits); the bot itself never asks
    for a bare digit, so the two cannot be confused."""
    cfg = menu_config()
    if conv.channel not in cfg.channels:
        return False
    command = _command(body)
    state = conv.menu_state or {}
    if command in MENU_WORDS or state.get("step") == "verify":
        return True
    if command in DIGITS and (conv.menu_state is not None or _default_for(session, conv, cfg)):
        return True
    conv.menu_state = None
    return False


class _Turn:
    """One menu turn: the conversation, its borrower's language and formats, the replies."""

    def __init__(
        self, session: Session, settings: Settings, channels: Channels, conv: Conversation
    ) -> None:
        self.session, self.settings, self.channels, self.conv = session, settings, channels, conv
        borrower: Borrower | None = shared_phone.profile_of(session, conv)
        self.language = menu_language(borrower.locale if borrower else None)
        territory = (borrower.country or "") if borrower else ""
        combined = f"{self.language}_{territory}" if territory else self.language
        self.locale = combined if localedata.exists(combined) else self.language
        self.now = clock.now()
        self.replies: list[Message] = []

    def say(self, key: str, **values: object) -> None:
        # Babel's no-break spaces ("Ksh\xa0300.00") are outside GSM-7: one of them would make
        # the SMS UCS-2 (70 characters a segment instead of 160) on the cheapest phones.
        body = text(self.language, key, **values).replace("\xa0", " ").replace("\u202f", " ")
        self.replies.append(
            send_reply(self.session, self.settings, self.channels, self.conv, body, sender="bot")
        )

    def money(self, amount: Decimal | None, loan: Loan) -> str:
        return format_currency(amount or 0, loan.currency, locale=self.locale)

    def day(self, value: Any) -> str:
        return format_date(value, "medium", locale=self.locale) if value else "-"

    def state(self, **values: Any) -> None:
        self.conv.menu_state = dict(values)  # a new dict: the JSON column sees the change


def run_turn(
    session: Session, settings: Settings, channels: Channels, conv: Conversation, msg: Message
) -> list[Message]:
    """Answer one borrower message in the menu; the caller commits."""
    turn = _Turn(session, settings, channels, conv)
    command = _command(msg.body)
    state = conv.menu_state or {}
    step = state.get("step")
    if command == "4":
        _handoff(turn, msg)
    elif command == "0" or command in MENU_WORDS:
        _main(turn)
    elif step == "verify":
        _answer_factor(turn, str(state.get("want")), str(state.get("factor")), msg.body)
    elif step == "plan" and command == "1":
        _accept_plan(turn, state.get("offer") or {})
    elif command in OPTIONS:
        _choose(turn, OPTIONS[command])
    else:
        _main(turn)
    return turn.replies


def _main(turn: _Turn) -> None:
    turn.state(step="main")
    turn.say("main", lender=turn.settings.lender_name)


def _handoff(turn: _Turn, msg: Message) -> None:
    """ "4": a person takes over the conversation (no account detail needed to ask)."""
    open_case(
        turn.session,
        turn.conv,
        "request_human",
        {"via": "sms_menu", "message_id": msg.id},
        details={"via": "sms_menu"},
    )
    turn.conv.menu_state = None  # the officer owns it; the menu starts afresh after the case
    turn.say("handoff")


def _choose(turn: _Turn, want: str) -> None:
    """An option that shows or changes account details: verified first (fresh), always."""
    if identity.is_fresh(turn.session, turn.conv, turn.now):
        _perform(turn, want)
        return
    factors = identity.factors_for(turn.conv)
    turn.state(step="verify", want=want, factor=factors[0])
    turn.say(f"ask_{factors[0]}")


def _answer_factor(turn: _Turn, want: str, factor: str, answer: str) -> None:
    result = identity.check_answer(turn.session, turn.conv, factor, answer, turn.now)
    if result.locked:
        turn.state(step="main")
        turn.say("locked", minutes=max(result.locked_minutes, 1))
    elif not result.understood or result.several:
        turn.say("not_understood", question=text(turn.language, f"ask_{factor}"))
    elif result.pending:
        factors = identity.factors_for(turn.conv)
        following = factors[factors.index(factor) + 1] if factor in factors[:-1] else factors[0]
        turn.state(step="verify", want=want, factor=following)
        turn.say(f"ask_{following}")
    elif result.verified:
        _perform(turn, want)
    else:
        turn.state(step="main")
        turn.say("failed", attempts=result.attempts_left)


def _perform(turn: _Turn, want: str) -> None:
    loan = main_loan(turn.session, turn.conv)
    if loan is None:
        turn.state(step="main")
        turn.say("plan_none")
        return
    if want == "balance":
        _balance(turn, loan)
    elif want == "pay":
        turn.state(step="main")
        link = pay_url(turn.settings, loan.id, turn.conv.id)
        turn.say(
            "pay", past_due=turn.money(loan.past_due_amount or loan.outstanding, loan), link=link
        )
    else:
        _offer_plan(turn, loan)


def _balance(turn: _Turn, loan: Loan) -> None:
    audit.record(
        turn.session,
        "bot",
        "balance.shown",
        subject=f"loan:{loan.id}",
        borrower_id=turn.conv.borrower_id,
        details={"via": "sms_menu"},
    )
    turn.state(step="main")
    turn.say(
        "balance",
        loan="••••" + loan.loan_number[-4:],
        outstanding=turn.money(loan.outstanding, loan),
        past_due=turn.money(loan.past_due_amount, loan),
        next_amount=turn.money(loan.next_due_amount, loan),
        next_date=turn.day(loan.next_due_date),
    )


def _proposal(turn: _Turn, loan: Loan) -> limits.PlanTerms | None:
    """The menu's standard plan for this loan, or the closest one within the limits."""
    cfg = menu_config()
    bounds = limits.limits_for(loan)
    owed: Decimal = bounds["owed"]
    if owed <= 0:
        return None
    frequency = (
        cfg.frequency if cfg.frequency in bounds["frequencies"] else bounds["frequencies"][0]
    )
    count = max(1, min(cfg.count, bounds["max_count"]))
    # Rounded up to a whole unit (KES 300, not KES 299.75): the last payment takes the remainder.
    amount = (owed / count).quantize(Decimal(1), rounding=ROUND_CEILING)
    today = loan.borrower.today(turn.now)
    terms = limits.PlanTerms(amount, count, frequency, today + timedelta(days=cfg.start_days))
    quote = limits.evaluate_proposal(loan, terms, today)
    return quote.terms if quote.within_policy else quote.counter_offer


def _offer_plan(turn: _Turn, loan: Loan) -> None:
    terms = _proposal(turn, loan)
    if terms is None:
        turn.state(step="main")
        turn.say("plan_none")
        return
    quote = limits.evaluate_proposal(loan, terms, loan.borrower.today(turn.now))
    total = sum((amount for _day, amount in quote.schedule), Decimal(0))
    audit.record(
        turn.session,
        "bot",
        "plan.quoted",
        subject=f"loan:{loan.id}",
        borrower_id=turn.conv.borrower_id,
        details={"within_policy": True, "via": "sms_menu"},
    )
    turn.state(
        step="plan",
        offer={
            "loan_id": loan.id,
            "amount": str(terms.instalment_amount),
            "count": terms.instalment_count,
            "frequency": terms.frequency,
            "start": terms.start_date.isoformat(),
        },
    )
    turn.say(
        "plan_offer",
        count=terms.instalment_count,
        amount=turn.money(terms.instalment_amount, loan),
        frequency=text(turn.language, terms.frequency),
        start=turn.day(terms.start_date),
        total=turn.money(total, loan),
    )


def _accept_plan(turn: _Turn, offer: dict[str, Any]) -> None:
    """The borrower's "1" to the exact terms shown: stored only within the limits, and only
    while the verification is still fresh (else the check comes first again)."""
    loan = turn.session.get(Loan, offer.get("loan_id"))
    if loan is None or loan.borrower_id != turn.conv.borrower_id:
        _main(turn)
        return
    if not identity.is_fresh(turn.session, turn.conv, turn.now):
        _choose(turn, "plan")
        return
    terms = limits.PlanTerms(
        Decimal(offer["amount"]),
        int(offer["count"]),
        offer["frequency"],
        date.fromisoformat(offer["start"]),
    )
    try:
        plan = agreements.create_plan(
            turn.session,
            loan,
            terms,
            created_by="bot",
            conversation_id=turn.conv.id,
            today=loan.borrower.today(turn.now),
        )
    except ValueError:  # the limits or the figures changed since the offer
        _offer_plan(turn, loan)
        return
    turn.state(step="main")
    turn.say(
        "plan_done",
        count=plan.instalment_count,
        amount=turn.money(plan.instalment_amount, loan),
        frequency=text(turn.language, plan.frequency),
        start=turn.day(plan.start_date),
    )
