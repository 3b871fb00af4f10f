"""Vulnerability (FCA FG21/1, the TEXAS steps) and "I already paid", as the bot's actions call
them. The bot does Thank, Explain and Ask; this module records only what the borrower agreed
to, pauses automated collection for a bounded breathing space, and routes the conversation to
the officers' priority queue with the Signpost (free debt advice, crisis lines) for the
borrower's country (config/care.yaml).

Privacy: a vulnerability note is stored only after an explicit yes and holds a category and a
fixed sentence, never the borrower's words; nothing here is logged, emitted as an event or put
into a case summary beyond "consent: yes/no". The pause row says only ``care``.
"""

from __future__ import annotations

import re
from datetime import timedelta

from outreach import clock
from outreach.audit import log as audit
from outreach.db import session_scope
from outreach.models import CollectionPause, PaymentClaim, VulnerabilityNote
from outreach.models.care import VULNERABILITY_KINDS
from outreach.selfservice import identity
from outreach.selfservice.access import find_conversation, main_loan, verified_conversation
from outreach.selfservice.care_config import Advice, care_config
from outreach.selfservice.handoff import open_case
from outreach.settings import Settings

# A stated risk to life: crisis line first, a person at once (no consent question first).
_RISK = re.compile(
    r"\b(kill myself|end it all|end my life|want to end it|suicid\w*|don'?t want to live|"
    r"self[- ]harm|hurt myself|quitarme la vida|matarme|no quiero vivir|"
    r"acabar con todo|hacerme da[ñn]o)\b",
    re.IGNORECASE,
)
_KINDS = (
    ("mental_health", r"depress|anxi|mental|panic|ansiedad|depresi|estr[eé]s|stress"),
    ("bereavement", r"died|passed away|death|funeral|muri[oó]|falleci|luto"),
    ("illness", r"sick|\bill\b|illness|hospital|cancer|surgery|enferm|operaci"),
    ("job_loss", r"job|laid off|fired|unemploy|work|trabajo|chamba|despid|desemple"),
    ("disaster", r"flood|fire|hurricane|earthquake|storm|inundaci|incendio|hurac|terremoto"),
)


def states_risk(text: str | None) -> bool:
    """The message states a risk to life (a keyword check: it must not depend on a guess)."""
    return bool(text and _RISK.search(text))


def disclosure_kind(text: str | None) -> str:
    """A plain category for the note (never the words themselves)."""
    for kind, pattern in _KINDS:
        if text and re.search(pattern, text, re.IGNORECASE):
            return kind
    return "other"


def _advice(conv) -> Advice:
    return care_config().advice_for(conv.borrower.country if conv and conv.borrower else None)


def advice_for_conversation(conversation_id: str, settings: Settings | None = None) -> Advice:
    """The signposts for the borrower's country (the default ones for an unknown number)."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        return _advice(find_conversation(session, conversation_id))


def _applies(session, conv, now) -> bool:
    """An unverified web chat only refers (finding 9: a visitor who knows a loan number must not
    change the borrower's account); a phone's own borrower gets the protection at once."""
    if conv.borrower_id is None:
        return False
    return conv.channel != "web" or identity.is_fresh(session, conv, now)


def record_vulnerability(
    conversation_id: str,
    kind: str,
    consent: bool,
    *,
    crisis: bool = False,
    settings: Settings | None = None,
) -> Advice:
    """After the consent question (or at once on a stated risk): a minimal note only with
    ``consent``, in every case a breathing-space pause of automated collection and a priority
    case for a person. Returns the signposts for the borrower's country."""
    if kind not in VULNERABILITY_KINDS:
        kind = "other"
    settings = settings or Settings.from_env()
    cfg = care_config()
    now = clock.now()
    with session_scope(settings.database_url) as session:
        conv = find_conversation(session, conversation_id)
        if conv is None:
            return cfg.advice["default"]
        applied = _applies(session, conv, now)
        if applied:
            if consent:
                session.add(
                    VulnerabilityNote(
                        borrower_id=conv.borrower_id,
                        kind=kind,
                        note="Disclosed by the borrower in a bot conversation; "
                        "the borrower agreed to this note.",
                        consent_at=now,
                        source="bot",
                        created_at=now,
                    )
                )
            session.add(
                CollectionPause(
                    borrower_id=conv.borrower_id,
                    reason="care",
                    starts_at=now,
                    ends_at=now + timedelta(days=cfg.breathing_space_days),
                )
            )
            audit.record(
                session,
                "bot",
                "care.breathing_space",
                subject=f"conversation:{conv.id}",
                borrower_id=conv.borrower_id,
                details={"days": cfg.breathing_space_days, "note_recorded": consent},
                at=now,
            )
        open_case(
            session,
            conv,
            "crisis" if crisis else "care",
            {"reason": "crisis" if crisis else "care", "consent": consent, "applied": applied},
        )
        return _advice(conv)


def record_payment_claim(
    conversation_id: str, paid_when: str, paid_how: str, settings: Settings | None = None
) -> int | None:
    """A verified borrower says they paid already: store the claim (pending, for an officer to
    check) and pause reminders for the loan for ``payment_claim.pause_days``. None when the
    database does not confirm a fresh identity check (nothing stored)."""
    settings = settings or Settings.from_env()
    cfg = care_config()
    now = clock.now()
    with session_scope(settings.database_url) as session:
        conv = verified_conversation(session, conversation_id)
        if conv is None or conv.borrower_id is None:
            return None
        loan = main_loan(session, conv)
        claim = PaymentClaim(
            borrower_id=conv.borrower_id,
            loan_id=loan.id if loan else None,
            paid_when=paid_when.strip()[:200] or "-",
            paid_how=paid_how.strip()[:200] or "-",
            status="pending",
            created_at=now,
        )
        session.add(claim)
        session.add(
            CollectionPause(
                borrower_id=conv.borrower_id,
                loan_id=loan.id if loan else None,
                reason="payment_claim",
                starts_at=now,
                ends_at=now + timedelta(days=cfg.claim_pause_days),
            )
        )
        session.flush()
        audit.record(
            session,
            "bot",
            "payment_claim.recorded",
            subject=f"payment_claim:{claim.id}",
            borrower_id=conv.borrower_id,
            details={"loan_id": claim.loan_id, "pause_days": cfg.claim_pause_days},
            at=now,
        )
        return claim.id
