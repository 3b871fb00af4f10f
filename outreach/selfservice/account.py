"""Account effects a borrower asks the bot for: flags (dispute, hardship, complaint) and
opting out in words, with the lender's name that opens an opt-out confirmation.

Finding 9: from a web chat that has not passed a fresh identity check these are recorded as
requests for an officer (the handoff case carries them), never applied: a visitor who knows a
loan number must not opt the borrower's phone out or pause their outreach. On SMS and WhatsApp
the phone's own rules stand (STOP is a carrier keyword; a claimed dispute pauses outreach).
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from outreach import clock, events
from outreach.audit import log as audit
from outreach.db import session_scope
from outreach.models import BorrowerFlag, CollectionPause, ContactPoint, Conversation
from outreach.models.borrowers import FLAGS, NON_BLOCKING_FLAGS
from outreach.selfservice import identity
from outreach.selfservice.access import find_conversation
from outreach.selfservice.care_config import care_config
from outreach.settings import Settings

PHONE_CHANNELS = ("sms", "whatsapp")
# The collection pause held while an opt-out asked for in words waits for its YES or NO.
OPT_OUT_HOLD = "opt_out_asked"


class AccountEffect(StrEnum):
    """What an opt-out or a flag asked for in a bot conversation did to the account."""

    APPLIED = "applied"
    UNCHANGED = "unchanged"  # already so, or no account to change
    # An unverified web chat: recorded as a request for an officer, not applied (finding 9).
    REFERRED = "referred"


def _referred(session: Session, conv: Conversation, action: str, details: dict) -> bool:
    """An unverified web chat asks for an account effect: record the request (the handoff
    case carries it to an officer) instead of applying it. Finding 9: a visitor who only knows a
    loan number must not be able to opt the borrower's phone out or pause their outreach. SMS and
    WhatsApp keep their own rules (the phone's STOP, carrier rules)."""
    if conv.channel != "web" or identity.is_fresh(session, conv, clock.now()):
        return False
    audit.record(
        session,
        "bot",
        action,
        subject=f"conversation:{conv.id}",
        borrower_id=conv.borrower_id,
        details={**details, "channel": conv.channel, "verified": False, "applied": False},
    )
    return True


def flag_account(
    conversation_id: str, flag: str, settings: Settings | None = None
) -> AccountEffect:
    """Flag the borrower this conversation belongs to (``dispute_open`` pauses outreach;
    ``hardship`` and ``complaint`` do not). UNCHANGED when there is no borrower or it is
    flagged already; REFERRED from an unverified web chat (nothing set; an officer decides).

    On a phone the number is not proof of identity, but pausing outreach on a claimed dispute
    is the safe side (FDCPA 809(b)); the officer who takes the case confirms or clears it."""
    if flag not in FLAGS + NON_BLOCKING_FLAGS:
        raise ValueError(f"flag: unknown flag {flag!r}")
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        conv = find_conversation(session, conversation_id)
        if conv is None:
            return AccountEffect.UNCHANGED
        if _referred(session, conv, "flag.requested", {"flag": flag}):
            return AccountEffect.REFERRED
        if conv.borrower_id is None:
            return AccountEffect.UNCHANGED
        active = session.scalar(
            select(BorrowerFlag.id).where(
                BorrowerFlag.borrower_id == conv.borrower_id,
                BorrowerFlag.flag == flag,
                BorrowerFlag.cleared_at.is_(None),
            )
        )
        if active is not None:
            return AccountEffect.UNCHANGED
        verified = identity.is_fresh(session, conv, clock.now())
        session.add(
            BorrowerFlag(
                borrower_id=conv.borrower_id,
                flag=flag,
                reason=f"bot conversation {conv.id} ({'verified' if verified else 'not verified'})",
            )
        )
        audit.record(
            session,
            "bot",
            "flag.set",
            subject=f"conversation:{conv.id}",
            borrower_id=conv.borrower_id,
            details={"flag": flag, "verified": verified},
        )
        events.emit_flag_set(session, conv.borrower_id, flag, "bot", clock.now())
        return AccountEffect.APPLIED


def opt_out(conversation_id: str, settings: Settings | None = None) -> AccountEffect:
    """Opt out the channel this conversation is on (SMS and WhatsApp together for the same
    number, like the STOP keyword). APPLIED when a confirmation is due (one at most); REFERRED
    from an unverified web chat (nothing opted out; the request goes to an officer)."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        conv = find_conversation(session, conversation_id)
        if conv is None:
            return AccountEffect.UNCHANGED
        if _referred(session, conv, "consent.opt_out_requested", {"via": "bot"}):
            return AccountEffect.REFERRED
        if conv.channel in PHONE_CHANNELS:
            where = [ContactPoint.address == conv.address, ContactPoint.channel.in_(PHONE_CHANNELS)]
        elif conv.channel == "email":
            where = [ContactPoint.address == conv.address, ContactPoint.channel == "email"]
        elif conv.borrower_id is not None:  # verified web chat: "stop texting me" = their phone
            where = [
                ContactPoint.borrower_id == conv.borrower_id,
                ContactPoint.channel.in_(PHONE_CHANNELS),
            ]
        else:
            return AccountEffect.UNCHANGED
        points = session.scalars(select(ContactPoint).where(*where)).all()
        already = bool(points) and all(p.opted_out_at is not None for p in points)
        newly = [p for p in points if p.opted_out_at is None]
        now = clock.now()
        session.execute(
            update(ContactPoint)
            .where(*where, ContactPoint.opted_out_at.is_(None))
            .values(opted_out_at=now)
        )
        audit.record(
            session,
            "borrower",
            "consent.opt_out",
            borrower_id=conv.borrower_id,
            details={
                "channel": conv.channel,
                "via": "bot",
                "already": already,
                "verified": identity.is_fresh(session, conv, now),
            },
        )
        events.emit_opted_out(session, newly, "bot", now)
        return AccountEffect.APPLIED if points and not already else AccountEffect.UNCHANGED


def hold_for_opt_out(conversation_id: str, settings: Settings | None = None) -> bool:
    """The bot asks "do you want us to stop?": automated collection for the borrower holds back
    from now until the answer, or ``opt_out_question.hold_days`` (config/care.yaml) without one.
    A revocation by any reasonable method must be honoured within ten business days (47 CFR
    64.1200(a)(10)), and an uncertain reading fails safe by suppressing (RULES.md). True when a
    hold was set; never from an unverified web chat (finding 9: a visitor who knows a loan
    number must not pause the borrower's outreach)."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        conv = find_conversation(session, conversation_id)
        now = clock.now()
        if conv is None or conv.borrower_id is None:
            return False
        if conv.channel == "web" and not identity.is_fresh(session, conv, now):
            return False
        days = care_config().opt_out_hold_days
        session.add(
            CollectionPause(
                borrower_id=conv.borrower_id,
                reason=OPT_OUT_HOLD,
                starts_at=now,
                ends_at=now + timedelta(days=days),
            )
        )
        audit.record(
            session,
            "bot",
            "consent.opt_out_asked",
            subject=f"conversation:{conv.id}",
            borrower_id=conv.borrower_id,
            details={"channel": conv.channel, "hold_days": days},
            at=now,
        )
        return True


def release_opt_out_hold(
    conversation_id: str, answer: str, settings: Settings | None = None
) -> bool:
    """The borrower answered the opt-out question (``answer``: "no", the cadence resumes;
    "yes", the opt-out now covers the address itself): the hold ends now. True when one was
    open."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        conv = find_conversation(session, conversation_id)
        if conv is None or conv.borrower_id is None:
            return False
        now = clock.now()
        ended = session.execute(
            update(CollectionPause)
            .where(
                CollectionPause.borrower_id == conv.borrower_id,
                CollectionPause.reason == OPT_OUT_HOLD,
                CollectionPause.ends_at > now,
                CollectionPause.ended_early_at.is_(None),
            )
            .values(ended_early_at=now)
        ).rowcount
        if ended:
            audit.record(
                session,
                "borrower",
                "consent.opt_out_hold_ended",
                subject=f"conversation:{conv.id}",
                borrower_id=conv.borrower_id,
                details={"channel": conv.channel, "answer": answer},
                at=now,
            )
        return bool(ended)


def lender_name(settings: Settings | None = None) -> str:
    """The lender's name, which opens every opt-out confirmation (carrier rules)."""
    return (settings or Settings.from_env()).lender_name
