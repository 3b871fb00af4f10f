"""Borrower care against the test database: the breathing-space pause and the payment-claim
pause in the planner and at send time, hardship no longer stopping the cadence, consent before
a note, unverified web chats, wrong-party numbers in the contact policy, claim decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from outreach import selfservice
from outreach.campaigns.planner import plan
from outreach.campaigns.stops import batch_stop_reasons
from outreach.conversations.inbound import open_conversation
from outreach.messaging.contact_policy import decide_with_pack, scenario_for, usable_point
from outreach.models import (
    AuditEvent,
    BorrowerFlag,
    CollectionPause,
    ContactPoint,
    HandoffCase,
    OutboxItem,
    PaymentClaim,
    VulnerabilityNote,
)
from outreach.selfservice import claims
from outreach.selfservice.wrong_party import mark_wrong_party, record_reassigned
from tests.support.factories import make_borrower
from tests.support.officers import make_officer
from tests.support.reminders import remind

pytestmark = pytest.mark.usefixtures("clock")
NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # the clock fixture's instant
NUMBER = "+13125550100"


def conversation(session, channel="sms", address=NUMBER):
    conv = open_conversation(session, channel, address)
    session.commit()
    return conv


def close_cases(session):
    """The officer closed the case: only the pause is left holding the cadence back."""
    for case in session.scalars(select(HandoffCase)):
        case.status = "closed"
    session.commit()


def test_it_lets_the_cadence_go_on_under_a_hardship_note(session):
    borrower = make_borrower(session)
    session.add(BorrowerFlag(borrower_id=borrower.id, flag="hardship"))
    session.commit()
    assert plan(session, NOW).queued == 1  # a note for officers, not a stop (README)


def test_it_pauses_collection_for_the_breathing_space_then_resumes(session, settings):
    make_borrower(session)
    conv = conversation(session)
    advice = selfservice.record_vulnerability(conv.public_id, "illness", True, settings=settings)
    assert advice.debt.startswith("NFCC")
    close_cases(session)
    report = plan(session, NOW, dry_run=True)
    assert report.stopped == {"care_pause": 1} and plan(session, NOW).queued == 0
    assert plan(session, NOW + timedelta(days=29)).queued == 0
    assert plan(session, NOW + timedelta(days=30)).queued == 1  # the pause ended by itself


def test_it_notes_nothing_without_consent_but_still_pauses_and_queues_with_priority(
    session, settings
):
    make_borrower(session)
    conv = conversation(session)
    selfservice.record_vulnerability(conv.public_id, "job_loss", False, settings=settings)
    assert session.scalar(select(VulnerabilityNote)) is None
    case = session.scalar(select(HandoffCase))
    assert (case.reason, case.priority, case.summary["consent"]) == ("care", 1, False)
    assert session.scalar(select(CollectionPause)).reason == "care"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "care.breathing_space"))
    assert event.details == {"days": 30, "note_recorded": False}


def test_it_changes_no_account_from_an_unverified_web_chat(session, settings):
    make_borrower(session)
    conv = conversation(session, "web", "web-session-1")
    selfservice.record_vulnerability(conv.public_id, "illness", True, settings=settings)
    assert session.scalar(select(VulnerabilityNote)) is None
    assert session.scalar(select(CollectionPause)) is None


def test_it_cancels_a_reminder_planned_before_the_pause_at_send_time(session, settings):
    make_borrower(session)
    plan(session, NOW)
    conv = conversation(session)
    selfservice.record_vulnerability(conv.public_id, "other", False, settings=settings)
    close_cases(session)
    rows = session.scalars(select(OutboxItem)).all()
    assert set(batch_stop_reasons(session, rows, NOW).values()) == {"care_pause"}
    assert batch_stop_reasons(session, rows, NOW + timedelta(days=31)) == {}


def test_it_records_a_payment_claim_only_for_a_verified_borrower(session, settings):
    borrower = make_borrower(session)
    conv = conversation(session)
    assert selfservice.record_payment_claim(conv.public_id, "monday", "bank", settings) is None
    assert session.scalar(select(PaymentClaim)) is None
    selfservice.submit_factor(conv.public_id, "date_of_birth", "14/03/1985", settings)
    selfservice.submit_factor(conv.public_id, "loan_last4", "1234", settings)
    claim_id = selfservice.record_payment_claim(conv.public_id, " monday ", "bank", settings)
    claim = session.get(PaymentClaim, claim_id)
    assert (claim.borrower_id, claim.loan_id, claim.paid_when) == (
        borrower.id,
        borrower.loans[0].id,
        "monday",
    )
    assert plan(session, NOW, dry_run=True).stopped == {"care_pause": 1}
    assert plan(session, NOW + timedelta(days=7)).queued == 1


def test_it_resumes_reminders_when_an_officer_rejects_the_claim_and_decides_once(session, settings):
    borrower = make_borrower(session)
    claim = PaymentClaim(
        borrower_id=borrower.id, loan_id=borrower.loans[0].id, paid_when="x", paid_how="y"
    )
    session.add(claim)
    session.add(
        CollectionPause(
            borrower_id=borrower.id,
            loan_id=borrower.loans[0].id,
            reason="payment_claim",
            starts_at=NOW,
            ends_at=NOW + timedelta(days=7),
        )
    )
    session.commit()
    officer = make_officer(session)
    assert [c.id for c in claims.claims_to_verify(session)] == [claim.id]
    claims.decide_claim(session, claim.id, "reject", officer.id, NOW)
    assert plan(session, NOW).queued == 1
    with pytest.raises(claims.ClaimRefused, match="already rejected"):
        claims.decide_claim(session, claim.id, "verify", officer.id, NOW)
    with pytest.raises(claims.ClaimRefused, match="verdict"):
        claims.decide_claim(session, claim.id, "maybe", officer.id, NOW)
    assert claims.claims_to_verify(session) == []


def test_it_answers_wrong_party_for_a_marked_number_and_uses_the_borrowers_other_one(session):
    borrower = make_borrower(session, whatsapp=True)
    mark_wrong_party(session, NUMBER, source="borrower", now=NOW, actor="bot")
    session.commit()
    decision, _ = decide_with_pack(scenario_for(session, borrower, "sms", NOW))
    assert decision["reasons"] == ["wrong_party"]
    decision, _ = decide_with_pack(
        scenario_for(session, borrower, "whatsapp", NOW, message={"kind": "template"})
    )
    assert decision["reasons"] == ["wrong_party"]
    session.add(
        ContactPoint(borrower_id=borrower.id, channel="sms", address="+13125550199", consent_at=NOW)
    )
    session.commit()
    session.expire_all()
    decision, _ = decide_with_pack(scenario_for(session, borrower, "sms", NOW))
    assert decision["allowed"] is True
    assert usable_point(list(borrower.contact_points), "sms").address == "+13125550199"


def test_it_marks_a_wrong_number_reported_in_the_bot_and_opens_a_task(session, settings):
    make_borrower(session, whatsapp=True)
    conv = conversation(session)
    assert selfservice.report_wrong_party(conv.public_id, settings) is True
    assert all(p.wrong_party_at for p in session.scalars(select(ContactPoint)))
    case = session.scalar(select(HandoffCase))
    assert case.reason == "wrong_party" and "task" in case.summary
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "contact.wrong_party"))
    assert NUMBER not in str(event.details)  # no address in the audit details
    close_cases(session)
    assert remind(session, settings, NOW).sent == 0  # planned, then refused by the policy


def test_it_records_a_reassigned_number_once(session):
    make_borrower(session)
    since = NOW.date() - timedelta(days=20)
    assert record_reassigned(session, NUMBER, since, "fcc-rnd", NOW, "cli") == 1
    assert record_reassigned(session, NUMBER, since, "fcc-rnd", NOW, "cli") == 0
    point = session.scalar(select(ContactPoint))
    assert (point.wrong_party_source, point.reassigned_since) == ("reassigned:fcc-rnd", since)
