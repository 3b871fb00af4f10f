"""The identity check: which factors a conversation needs, checking one answer, freshness.

Contract (security findings 1, 2 and 14):

* An answer is one value (``identity_answers``); the value is always compared, never assumed:
  a conversation that was verified before is checked again like any other.
* Failed checks count per conversation, borrower and typed loan number across conversations,
  sessions and channels, with lock-outs (``identity_locks``).
* A web visitor who typed the loan number has just "given" the last four digits: that
  conversation is asked ``typed_loan_factors`` instead (date of birth and postal code).
* A verification is *fresh* only in its own conversation while the borrower keeps writing:
  no gap longer than ``idle_minutes`` between the check and now (``is_fresh``). Every service
  that shows or changes account details goes through ``verified_conversation``.
* Flask checks the answer before Rasa sees it (``identity_turns``) and stores the outcome here;
  the form validation in the action server reads it with ``take_outcome``.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from itertools import pairwise

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outreach import clock
from outreach.audit import log as audit
from outreach.models import Borrower, Conversation, Loan, Message, VerificationProgress
from outreach.selfservice import shared_phone
from outreach.selfservice.answers import (
    NOTHING,
    Reading,
    postal_codes_match,
    read_date,
    read_last4,
    read_postal_code,
)
from outreach.selfservice.locks import (
    active_lock,
    failures,
    loan_key,
    normalise_loan_number,
    record_check,
    subjects,
)
from outreach.selfservice.verification_config import VerificationConfig, verification_config


@dataclass(frozen=True)
class VerifyResult:
    verified: bool
    locked: bool
    attempts_left: int
    # More factors are needed before the outcome is decided (nothing is said about this one).
    pending: bool = False
    # The text did not hold a value of this factor: no attempt was spent.
    understood: bool = True
    # The text held several values ("please send one"): no attempt spent, nothing compared.
    several: bool = False
    # While locked: whole minutes until the check opens again.
    locked_minutes: int = 0


def factors_for(conv: Conversation, cfg: VerificationConfig | None = None) -> list[str]:
    """The factors this conversation is asked for, in order (the phone number never counts)."""
    cfg = cfg or verification_config()
    return list(cfg.typed_loan_factors if conv.identify_key else cfg.factors)


def _read(
    conv: Conversation, factor: str, text: str, now: datetime, borrower: Borrower | None = None
) -> Reading:
    borrower = borrower or conv.borrower
    if factor == "date_of_birth":
        today = borrower.today(now) if borrower is not None else now.date()
        return read_date(text, borrower.country if borrower else None, today)
    if factor == "loan_last4":
        return read_last4(text)
    return read_postal_code(text)


def _matches(
    conv: Conversation, factor: str, value: date | str | None, borrower: Borrower | None = None
) -> bool:
    borrower = borrower or conv.borrower
    if borrower is None:
        return False  # an unknown number or loan goes through the same steps, never verifies
    if factor == "date_of_birth":
        return borrower.date_of_birth is not None and borrower.date_of_birth == value
    if factor == "loan_last4":
        return any(
            re.sub(r"\D", "", loan.loan_number).endswith(str(value)) for loan in borrower.loans
        )
    return postal_codes_match(str(value), borrower.postal_code, borrower.country)


def _progress(session: Session, conv: Conversation) -> VerificationProgress:
    progress = session.scalar(
        select(VerificationProgress).where(VerificationProgress.conversation_id == conv.id)
    )
    if progress is None:
        progress = VerificationProgress(conversation_id=conv.id, factors={})
        session.add(progress)
    return progress


def _locked(locked_until: datetime, now: datetime) -> VerifyResult:
    minutes = max(1, math.ceil((locked_until - now).total_seconds() / 60))
    return VerifyResult(False, True, 0, locked_minutes=minutes)


def _attempts_left(
    session: Session, conv: Conversation, now: datetime, cfg: VerificationConfig
) -> int:
    return min(
        max(0, cfg.max_attempts - failures(session, s.key, now, cfg.attempt_window))
        for s in subjects(conv)
    )


def check_answer(
    session: Session, conv: Conversation, factor: str, text: str, now: datetime
) -> VerifyResult:
    """Check one factor answer; decide once every factor of this conversation is in.

    The borrower learns only the final outcome, never which factor was wrong. While a subject
    of the conversation is locked the answer is refused unread (not an attempt)."""
    cfg = verification_config()
    factors = factors_for(conv, cfg)
    lock = active_lock(session, [s.key for s in subjects(conv)], now)
    if lock is not None:
        return _locked(lock.locked_until, now)
    candidates = shared_phone.candidates_for(session, conv)
    first = candidates[0] if candidates else None
    reading = _read(conv, factor, text, now, first) if factor in factors else NOTHING
    if reading.kind != "one":
        left = _attempts_left(session, conv, now, cfg)
        return VerifyResult(False, False, left, understood=False, several=reading.kind == "several")
    progress = _progress(session, conv)
    if candidates:
        # A shared phone: which of its borrowers this answer fits (ids, never the value typed).
        fits = [b.id for b in candidates if _matches(conv, factor, reading.value, b)]
        given = {**progress.factors, factor: fits}
    else:
        given = {**progress.factors, factor: _matches(conv, factor, reading.value)}
    if any(f not in given for f in factors):
        progress.factors = given  # booleans (or matching ids) only, never the value typed
        return VerifyResult(False, False, _attempts_left(session, conv, now, cfg), pending=True)
    progress.factors = {}
    if candidates:
        chosen = shared_phone.decide({f: given[f] for f in factors})
        ok = chosen is not None
        # The conversation is the verified borrower's, and nobody's after a failed check.
        conv.borrower_id = chosen
        session.flush()
        session.expire(conv, ["borrower"])
    else:
        ok = all(given[f] for f in factors)
    left, lock = record_check(
        session,
        conv,
        ok,
        now,
        max_attempts=cfg.max_attempts,
        window=cfg.attempt_window,
        lockout=cfg.lockout,
    )
    # A failed check in this conversation also ends an earlier verification in it.
    conv.identity_verified_at = now if ok else None
    audit.record(
        session,
        "bot",
        "identity.verified" if ok else "identity.failed",
        subject=f"conversation:{conv.id}",
        borrower_id=conv.borrower_id,
        details={"factors": factors, "attempts_left": left, "channel": conv.channel},
    )
    if lock is not None:
        audit.record(
            session,
            "bot",
            "identity.locked",
            subject=f"conversation:{conv.id}",
            borrower_id=conv.borrower_id,
            details={"until": lock.locked_until.isoformat(), "kind": lock.subject.split(":")[0]},
        )
        return _locked(lock.locked_until, now)
    return VerifyResult(verified=ok, locked=False, attempts_left=left)


def store_outcome(
    session: Session, conv: Conversation, message_id: int, factor: str, result: VerifyResult
) -> None:
    """Keep the outcome for the form validation to read (once) while Rasa handles this turn."""
    progress = _progress(session, conv)
    progress.outcome = {"factor": factor, "message_id": message_id, **asdict(result)}
    if result.locked:
        progress.told_locked = True


def take_outcome(session: Session, conv: Conversation, factor: str) -> VerifyResult | None:
    """The stored outcome for ``factor`` if it answers the conversation's latest inbound
    message; None otherwise (the form then asks again: nothing Rasa holds is ever checked)."""
    progress = session.scalar(
        select(VerificationProgress).where(VerificationProgress.conversation_id == conv.id)
    )
    outcome = progress.outcome if progress is not None else None
    latest = session.scalar(
        select(func.max(Message.id)).where(
            Message.conversation_id == conv.id, Message.direction == "in"
        )
    )
    if not outcome or outcome.get("factor") != factor or outcome.get("message_id") != latest:
        return None
    progress.outcome = None  # read once
    return VerifyResult(**{f.name: outcome[f.name] for f in fields(VerifyResult)})


def is_fresh(
    session: Session, conv: Conversation, now: datetime, cfg: VerificationConfig | None = None
) -> bool:
    """Verified in this conversation, the borrower never idle for longer than ``idle_minutes``
    since (finding 2: a verification never expired), and no lock-out in force."""
    if conv.identity_verified_at is None or conv.borrower_id is None:
        return False
    cfg = cfg or verification_config()
    written = session.scalars(
        select(Message.created_at)
        .where(
            Message.conversation_id == conv.id,
            Message.direction == "in",
            Message.created_at >= conv.identity_verified_at,
        )
        .order_by(Message.created_at)
    ).all()
    points = [conv.identity_verified_at, *written, now]
    if any(later - earlier > cfg.idle for earlier, later in pairwise(points)):
        return False
    keys = [s.key for s in subjects(conv)]
    return active_lock(session, keys, now, borrower_id=conv.borrower_id) is None


def verified_conversation(
    session: Session, conversation_id: str, now: datetime | None = None
) -> Conversation | None:
    """The conversation, only if the database says its borrower passed a fresh verification."""
    conv = session.scalar(select(Conversation).where(Conversation.public_id == conversation_id))
    if conv is None or not is_fresh(session, conv, now or clock.now()):
        return None
    return conv


def identify_by_loan_number(
    session: Session, conv: Conversation, number: str, *, secret: str
) -> None:
    """An anonymous web visitor names an account. Nothing is said about it (the caller answers
    the same either way); the conversation gets the loan number's subject whether or not the
    loan exists, and one account per chat: a second number is ignored."""
    if conv.borrower_id is not None or conv.identify_key is not None:
        return
    loan = None
    for spelling in dict.fromkeys((number.strip().upper(), normalise_loan_number(number))):
        loan = loan or session.scalar(select(Loan).where(Loan.loan_number == spelling))
    conv.identify_key = loan_key(secret, number)
    if loan is not None:
        conv.borrower_id = loan.borrower_id
    # The outcome goes to the audit log only: the visitor learns nothing about the account.
    audit.record(
        session,
        "borrower",
        "chat.identify",
        subject=f"conversation:{conv.id}",
        borrower_id=conv.borrower_id,
        details={"matched": loan is not None},
    )
