"""Retention purge: past the schedule goes, legal holds and open loans stay, the chain holds."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from outreach.audit import log as audit
from outreach.audit import retention
from outreach.models import (
    AuditEvent,
    Borrower,
    Conversation,
    LegalHold,
    Loan,
    Message,
    MessageEvent,
    Payment,
    PromiseToPay,
)
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer

NOW = datetime(2030, 6, 1, tzinfo=UTC)
OLD = datetime(2026, 3, 1, tzinfo=UTC)  # > 4 years before NOW (US schedule)
RECENT = datetime(2027, 9, 1, tzinfo=UTC)


def closed_borrower(session, phone: str, last_contact: datetime, **fields):
    borrower = make_borrower(session, phone=phone, loan={"status": "paid"}, **fields)
    borrower.created_at = OLD
    loan = session.scalar(select(Loan).where(Loan.borrower_id == borrower.id))
    conv = Conversation(
        channel="sms",
        address=phone,
        borrower_id=borrower.id,
        created_at=OLD,
        last_message_at=last_contact,
    )
    session.add(conv)
    session.flush()
    message = Message(
        borrower_id=borrower.id,
        conversation_id=conv.id,
        direction="in",
        channel="sms",
        address=phone,
        sender="borrower",
        body="STOP please",
        status="received",
        created_at=last_contact,
    )
    session.add(message)
    session.flush()
    session.add_all(
        [
            MessageEvent(message_id=message.id, status="received", at=last_contact),
            Payment(loan_id=loan.id, amount=Decimal("10.00"), paid_at=last_contact),
            PromiseToPay(
                loan_id=loan.id,
                borrower_id=borrower.id,
                promised_date=OLD.date(),
                status="kept",
                created_by="bot",
                created_at=last_contact,
            ),
        ]
    )
    audit.record(
        session,
        "borrower",
        "consent.opt_out",
        borrower_id=borrower.id,
        details={"channel": "sms", "text": "STOP please"},
    )
    session.commit()
    return borrower


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_it_purges_past_retention_and_keeps_the_chain_verifiable(session):
    old = closed_borrower(session, "+13125550101", OLD)
    recent = closed_borrower(session, "+13125550102", RECENT)
    old_id, recent_id = old.id, recent.id
    report = retention.purge(session, NOW)
    assert report.borrowers == [old_id]
    assert report.removed["messages"] == 1 and report.removed["message_events"] == 1
    assert report.removed["payments"] == 1 and report.removed["promises_to_pay"] == 1
    assert report.removed["borrowers"] == 1 and report.redacted_audit_events == 1
    session.expire_all()
    assert session.get(Borrower, old_id) is None and session.get(Borrower, recent_id)
    assert count(session, Message) == 1
    opt_out = session.scalar(
        select(AuditEvent).where(
            AuditEvent.borrower_id == old_id, AuditEvent.action == "consent.opt_out"
        )
    )
    assert "STOP" not in str(opt_out.details) and audit.REDACTED in opt_out.details
    purged = session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.purged"))
    assert purged.details["redacted_audit_ids"] == [opt_out.id]
    assert purged.details["removed"]["messages"] == 1
    assert audit.verify_chain(session) is None


def test_it_skips_legal_holds_and_open_loans(session):
    held = closed_borrower(session, "+13125550101", OLD)
    held_id = held.id
    session.add(LegalHold(borrower_id=held_id, reason="litigation 2026-17", placed_by="cli"))
    make_borrower(session, phone="+13125550103").created_at = OLD  # delinquent loan: open
    session.commit()
    report = retention.purge(session, NOW)
    assert report.borrowers == [] and report.skipped_legal_hold == [held_id]
    assert report.skipped_open_loan == 1
    assert count(session, Borrower) == 2


def test_it_reports_without_removing_on_a_dry_run(runner, session):
    closed_borrower(session, "+13125550101", OLD)
    result = runner.invoke(args=["audit", "purge", "--dry-run", "--as-of", "2030-06-01"])
    assert result.exit_code == 0 and '"borrowers": 1' in result.output
    assert '"dry_run": true' in result.output
    assert count(session, Borrower) == 1
    refused = runner.invoke(args=["audit", "purge", "--as-of", "2030-06-01"])
    assert refused.exit_code != 0 and "as-of: only with --dry-run" in refused.output


def test_it_detects_a_redaction_no_purge_accounts_for(session):
    evt = audit.record(
        session, "borrower", "consent.opt_out", borrower_id=1, details={"text": "STOP"}
    )
    session.commit()
    # Erase the content the way a purge would, but without the chained purge record.
    marker = {audit.REDACTED: {"sha256": audit.details_digest({"text": "STOP"})}}
    session.execute(
        text("UPDATE audit_events SET details = :d WHERE id = :id"),
        {"d": __import__("json").dumps(marker), "id": evt.id},
    )
    session.commit()
    session.expire_all()
    assert audit.verify_chain(session) == evt.id


def test_it_uses_the_most_specific_pack(tmp_path: Path):
    schedule = retention.load_schedule()
    assert retention.years_for(schedule, "GB", None) == 3  # default: Reg F 1006.100
    assert retention.years_for(schedule, "US", "NY") == 4  # US entry
    config = tmp_path / "retention.yaml"
    config.write_text(
        "packs:\n  default: {years_after_last_activity: 3}\n"
        "  US-NY: {years_after_last_activity: 6}\n"
    )
    assert retention.years_for(retention.load_schedule(config), "US", "NY") == 6


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("packs:\n  GB: {years_after_last_activity: 3}\n", "'default' entry is required"),
        (
            "packs:\n  default: {years_after_last_activity: three}\n",
            "packs.default.years_after_last_activity",
        ),
        ("packs: [1, 2\n", "retention.yaml"),
    ],
)
def test_it_names_a_bad_retention_setting(tmp_path: Path, content: str, message: str):
    config = tmp_path / "retention.yaml"
    config.write_text(content)
    with pytest.raises(retention.RetentionConfigError, match=message):
        retention.load_schedule(config)


def test_it_places_and_releases_holds_from_the_timeline(client, session):
    borrower = make_borrower(session)
    login(client, make_officer(session, "supervisor"))
    client.post(f"/audit/borrowers/{borrower.id}/holds", data={"reason": "subpoena 44"})
    hold = session.scalar(select(LegalHold))
    assert hold.reason == "subpoena 44" and hold.placed_by.startswith("officer:")
    page = client.get(f"/audit/borrowers/{borrower.id}").get_data(as_text=True)
    assert "Legal hold since" in page and "subpoena 44" in page
    client.post(f"/audit/holds/{hold.id}/release")
    session.expire_all()
    assert session.get(LegalHold, hold.id).released_at is not None
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "legal_hold.placed" in actions and "legal_hold.released" in actions


def test_it_refuses_holds_to_an_auditor(client, session):
    borrower = make_borrower(session)
    login(client, make_officer(session, "auditor"))
    assert (
        client.post(f"/audit/borrowers/{borrower.id}/holds", data={"reason": "x"}).status_code
        == 403
    )


def test_it_places_holds_from_the_command_line(runner, session):
    borrower = make_borrower(session)
    placed = runner.invoke(args=["audit", "hold", str(borrower.id), "--reason", "audit 9"])
    assert placed.exit_code == 0, placed.output
    missing = runner.invoke(args=["audit", "hold", "999999", "--reason", "x"])
    assert missing.exit_code != 0 and "borrower_id: no borrower #999999" in missing.output
    hold = session.scalar(select(LegalHold))
    assert runner.invoke(args=["audit", "release", str(hold.id)]).exit_code == 0
