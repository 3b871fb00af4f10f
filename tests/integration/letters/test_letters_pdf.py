"""Letter PDFs read back as text: names, amounts, wording per jurisdiction and language; the
contact policy first; the SHA-256 in the audit log; the timeline; the console download."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from outreach.letters.content import Arrangement, ScheduleLine, from_plan
from outreach.letters.service import LetterRefused, create_letter
from outreach.models import AuditEvent, BorrowerFlag, Message, PaymentPlan, PlanInstalment
from outreach.models.stages import Letter
from outreach.stages.evaluate import move
from tests.support.factories import make_borrower
from tests.support.letters import add_postal, pdf_text
from tests.support.officers import login, make_officer

MINI_MIRANDA = "This communication is from a debt collector"


def _letter(session, settings, clock, kind="final_demand", **borrower):
    address = borrower.pop("_address", "1 Main St, Chicago IL 60601")
    b = make_borrower(session, **borrower)
    add_postal(session, b, address)
    letter = create_letter(session, settings, b.loans[0], kind, clock.now(), actor="scheduler")
    session.commit()
    return b, letter


def test_it_writes_a_us_final_demand_with_the_amounts_and_the_deadline(session, settings, clock):
    _, letter = _letter(session, settings, clock)
    text = pdf_text(letter.pdf)
    assert "Final demand: account LN" in text and "Dear Ana Garcia," in text
    assert "1 Main St" in text and "Chicago IL 60601" in text
    assert "$420.00" in text and "$3,210.55" in text and "15 days in arrears" in text
    deadline = clock.now().date() + timedelta(days=30)  # config/letters.yaml: US 30 days
    assert f"by {deadline:%B} {deadline.day}, {deadline.year} (30 days" in text
    assert "You may dispute this debt" in text  # US wording
    assert "IMPORTANT - YOU SHOULD READ THIS CAREFULLY" not in text
    assert MINI_MIRANDA not in text  # a first-party lender (campaigns.yaml collector_disclosure)


def test_it_writes_the_uk_default_notice_wording_and_14_days(session, settings, clock):
    _, letter = _letter(
        session,
        settings,
        clock,
        phone="+447911100001",
        country="GB",
        region=None,
        postal_code="SW1A 1AA",
        locale="en_GB",
        _address="10 Downing St, London SW1A 2AA",
        loan={"currency": "GBP"},
    )
    text = pdf_text(letter.pdf)
    assert text.count("IMPORTANT - YOU SHOULD READ THIS CAREFULLY") == 1
    assert "section 87(1) of the Consumer Credit Act 1974" in text
    assert "£420.00" in text and "(14 days from the date of this letter)" in text
    assert "moneyhelper.org.uk" in text and "You may dispute this debt" not in text


def test_it_writes_the_notice_of_arrears_in_spanish(session, settings, clock):
    _, letter = _letter(
        session, settings, clock, kind="notice_of_arrears", locale="es_US", full_name="Luis Peña"
    )
    text = pdf_text(letter.pdf)
    assert "Aviso de atraso: cuenta LN" in text and "Estimado/a Luis Peña:" in text
    # es_US formats dollars as the US does (Babel/CLDR): "$420.00".
    assert "tiene 15 días de atraso" in text and "El importe atrasado es $420.00" in text
    assert "el saldo total es $3,210.55" in text and "24 de noviembre de 2026" in text
    assert letter.locale == "es_US"


def test_it_confirms_a_plan_from_the_generic_arrangement(session, settings, clock):
    b = make_borrower(session)
    add_postal(session, b)
    loan = b.loans[0]
    plan = PaymentPlan(
        loan_id=loan.id,
        borrower_id=b.id,
        status="accepted",
        instalment_amount=Decimal("140.00"),
        instalment_count=3,
        frequency="monthly",
        start_date=date(2026, 12, 1),
        first_amount=Decimal("140.00"),
        total=Decimal("420.00"),
        created_by="bot",
        created_at=clock.now(),
        accepted_at=clock.now(),
    )
    session.add(plan)
    session.flush()
    for seq in range(3):
        session.add(
            PlanInstalment(
                plan_id=plan.id,
                seq=seq + 1,
                due_date=date(2026, 12 + seq, 1) if seq == 0 else date(2027, seq, 1),
                amount=Decimal("140.00"),
            )
        )
    session.commit()
    letter = create_letter(
        session,
        settings,
        loan,
        "arrangement_confirmation",
        clock.now(),
        actor="scheduler",
        arrangement=from_plan(plan, "USD"),
    )
    text = pdf_text(letter.pdf)
    assert "Confirmation of your payment plan" in text and "$420.00 in total" in text
    assert "- $140.00 by December 1, 2026" in text and "- $140.00 by February 1, 2027" in text
    # Any arrangement renders the same way (a settlement, issue 17, builds one of these).
    settlement = Arrangement(
        "settlement",
        "settlement #7",
        date(2026, 11, 24),
        "USD",
        (ScheduleLine(Decimal("2000.00"), date(2026, 12, 15)),),
    )
    text = pdf_text(
        create_letter(
            session,
            settings,
            loan,
            "arrangement_confirmation",
            clock.now(),
            actor="scheduler",
            arrangement=settlement,
        ).pdf
    )
    assert "Confirmation of your settlement" in text and "$2,000.00 in total" in text


def test_it_stores_the_sha256_in_the_audit_log_and_shows_the_letter_on_the_timeline(
    session, settings, clock, app
):
    b, letter = _letter(session, settings, clock)
    assert letter.sha256 == hashlib.sha256(letter.pdf).hexdigest()
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "letter.created")).one()
    assert event.details["sha256"] == letter.sha256 and event.details["kind"] == "final_demand"
    assert event.details["rules_version"].startswith("US")
    message = session.get(Message, letter.message_id)
    assert (message.channel, message.direction, message.status) == ("letter", "out", "queued")
    assert message.decision["allowed"] is True
    auditor = make_officer(session, "auditor")
    client = app.test_client()
    login(client, auditor)
    page = client.get(f"/audit/borrowers/{b.id}").get_data(as_text=True)
    assert "out letter" in page and "letter.created" in page and letter.sha256 in page
    assert f'href="/console/letters/{letter.id}.pdf"' in page  # auditors may download it
    pdf = client.get(f"/console/letters/{letter.id}.pdf")
    assert pdf.status_code == 200 and pdf.data == letter.pdf


def test_it_refuses_a_letter_the_policy_blocks_and_audits_the_refusal(session, settings, clock):
    b = make_borrower(session)
    add_postal(session, b)
    session.add(BorrowerFlag(borrower_id=b.id, flag="attorney_represented", set_at=clock.now()))
    session.commit()
    with pytest.raises(LetterRefused) as refused:
        create_letter(session, settings, b.loans[0], "final_demand", clock.now(), actor="scheduler")
    assert refused.value.reasons == ["attorney_represented"]
    assert session.scalar(select(Letter.id)) is None
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "letter.blocked")).one()
    assert event.details["reasons"] == ["attorney_represented"]
    nowhere = make_borrower(session, phone="+13125550177")  # no postal address on file
    with pytest.raises(LetterRefused, match="no_address"):
        create_letter(
            session, settings, nowhere.loans[0], "final_demand", clock.now(), actor="scheduler"
        )


def test_it_goes_at_night_because_the_window_does_not_apply_to_letters(session, settings, clock):
    clock.move_to(clock.now().replace(hour=7))  # 01:00 in Chicago
    _, letter = _letter(session, settings, clock)
    assert letter.status == "ready"


def test_it_sends_only_required_notices_automatically_once_an_account_is_in_legal(
    session, settings, clock
):
    b = make_borrower(session)
    add_postal(session, b)
    loan = b.loans[0]
    move(session, None, loan, "legal", "review:approve", clock.now())
    session.commit()
    with pytest.raises(LetterRefused, match="account_stage"):
        create_letter(
            session,
            settings,
            loan,
            "notice_of_arrears",
            clock.now(),
            actor="scheduler",
            automated=True,
        )
    # US requires (permits) the remedy notice: config/stages.yaml required_notices.
    letter = create_letter(
        session, settings, loan, "final_demand", clock.now(), actor="scheduler", automated=True
    )
    assert letter.kind == "final_demand"


def test_it_lets_a_supervisor_generate_and_download_a_letter_in_the_console(
    session, settings, clock, app
):
    b = make_borrower(session)
    add_postal(session, b)
    loan = b.loans[0]
    officer, supervisor = make_officer(session, "officer"), make_officer(session, "supervisor")
    as_officer, as_supervisor = app.test_client(), app.test_client()
    login(as_officer, officer)
    login(as_supervisor, supervisor)
    assert (
        as_officer.post(
            f"/console/loans/{loan.id}/letters", data={"kind": "final_demand"}
        ).status_code
        == 403
    )
    created = as_supervisor.post(
        f"/console/loans/{loan.id}/letters", data={"kind": "final_demand"}, follow_redirects=True
    )
    assert "Final demand / notice of default #1 created" in created.get_data(as_text=True)
    letter = session.scalars(select(Letter)).one()
    assert as_officer.get(f"/console/letters/{letter.id}.pdf").status_code == 403
    pdf = as_supervisor.get(f"/console/letters/{letter.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == letter.sha256 == pdf.headers["X-Content-SHA256"]
    assert "Dear Ana Garcia," in pdf_text(pdf.data)
    bad = as_supervisor.post(
        f"/console/loans/{loan.id}/letters", data={"kind": "threat"}, follow_redirects=True
    )
    assert "kind: choose a letter" in bad.get_data(as_text=True)
