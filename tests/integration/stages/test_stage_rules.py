"""Stage rules (config/stages.yaml) on a frozen clock: which stage, which rule, every move audited."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from outreach.config_files import ConfigError
from outreach.models import AuditEvent, Message, PromiseToPay
from outreach.models.stages import AccountStage, StageMove
from outreach.stages.evaluate import evaluate_stages
from outreach.stages.rules import parse
from tests.support.factories import make_borrower


def _inbound(session, borrower, at):
    session.add(
        Message(
            borrower_id=borrower.id,
            direction="in",
            channel="sms",
            address="+13125550100",
            sender="borrower",
            body="hi",
            status="received",
            created_at=at,
        )
    )
    session.commit()


def _stage(session, borrower):
    return session.get(AccountStage, borrower.loans[0].id)


def test_it_puts_each_loan_in_the_stage_its_first_matching_rule_gives(session, clock):
    now = clock.now()
    cases = {
        "current": make_borrower(
            session,
            phone="+13125550101",
            loan={"days_past_due": 0, "past_due_amount": Decimal("0")},
        ),
        "early": make_borrower(session, phone="+13125550102", loan={"days_past_due": 15}),
        "late": make_borrower(session, phone="+13125550103", loan={"days_past_due": 45}),
        "pre_legal": make_borrower(session, phone="+13125550104", loan={"days_past_due": 95}),
        "closed": make_borrower(
            session, phone="+13125550105", loan={"outstanding": Decimal("0"), "status": "paid"}
        ),
    }
    report = evaluate_stages(session, now)
    session.commit()
    assert report.examined == 5 and len(report.moves) == 5
    got = {name: (_stage(session, b).stage, _stage(session, b).rule) for name, b in cases.items()}
    assert got == {
        "current": ("current", "up_to_date"),
        "early": ("early", "dpd_1"),
        "late": ("late", "dpd_30"),
        "pre_legal": ("pre_legal", "dpd_90"),
        "closed": ("closed", "nothing_owed"),
    }
    assert _stage(session, cases["pre_legal"]).review_status == "pending"
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "stage.moved")).all()
    by_loan = {e.details["loan_id"]: e.details for e in events}
    late_loan = cases["late"].loans[0].id
    assert by_loan[late_loan] == {
        "loan_id": late_loan,
        "from": None,
        "to": "late",
        "rule": "dpd_30",
    }
    assert all(e.actor == "scheduler" and e.at == now for e in events)
    # Nothing changed: a second run moves nothing and writes nothing.
    again = evaluate_stages(session, now)
    assert (
        again.moves == []
        and session.scalar(select(StageMove.id).order_by(StageMove.id.desc())) == 5
    )


def test_it_escalates_when_right_party_contact_has_been_missing_for_30_days(session, clock):
    borrower = make_borrower(session, loan={"days_past_due": 60})
    _inbound(session, borrower, clock.now() - timedelta(days=29, hours=23))
    evaluate_stages(session, clock.now())
    assert (_stage(session, borrower).stage, _stage(session, borrower).rule) == ("late", "dpd_30")
    clock.advance(hours=2)  # the borrower's last message is now 30 days old
    report = evaluate_stages(session, clock.now())
    session.commit()
    assert report.moves == [(borrower.loans[0].id, "late", "pre_legal", "dpd_60_no_contact_30")]


def test_it_counts_broken_arrangements_and_the_balance_floor(session, clock):
    borrower = make_borrower(session, loan={"days_past_due": 35, "outstanding": Decimal("99.99")})
    _inbound(session, borrower, clock.now())
    loan = borrower.loans[0]
    for days in (40, 20):
        session.add(
            PromiseToPay(
                loan_id=loan.id,
                borrower_id=borrower.id,
                amount=Decimal("50"),
                status="broken",
                promised_date=clock.now().date() - timedelta(days=days),
                created_by="bot",
            )
        )
    session.commit()
    evaluate_stages(session, clock.now())
    assert _stage(session, borrower).stage == "late"  # below the USD 100.00 floor
    loan.outstanding = Decimal("100.00")
    session.commit()
    evaluate_stages(session, clock.now())
    assert (_stage(session, borrower).stage, _stage(session, borrower).rule) == (
        "pre_legal",
        "broken_twice_dpd_30",
    )


def test_it_never_moves_an_account_out_of_pre_legal_by_itself(session, clock):
    borrower = make_borrower(session, loan={"days_past_due": 95})
    evaluate_stages(session, clock.now())
    borrower.loans[0].days_past_due = 10  # the borrower paid part: a supervisor decides
    session.commit()
    assert evaluate_stages(session, clock.now()).moves == []
    assert _stage(session, borrower).stage == "pre_legal"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"stages": {"late": [{"id": "x", "when": {"days_past_due_at_least": -1}}]}},
            r"stages\.late\[0\]\.when\.days_past_due_at_least",
        ),
        (
            {"stages": {"late": [{"id": "x", "when": {"dpd": 3}}]}},
            r"stages\.late\[0\]\.when\.dpd: unknown condition",
        ),
        ({"stages": {"legal": [{"id": "x", "when": {}}]}}, r"stages\.legal: manual stage"),
        ({"stages": {"late": [{"when": {}}]}}, r"stages\.late\[0\]\.id: required"),
        (
            {"stages": {"late": [{"id": "x", "when": {"balance_at_least": "lots"}}]}},
            r"balance_at_least: not an amount",
        ),
        (
            {
                "stages": {"late": [{"id": "x"}]},
                "required_notices": {"GB": {"kinds": ["fax"], "citation": "c"}},
            },
            r"required_notices\.GB\.kinds: unknown letter kind",
        ),
    ],
)
def test_it_names_the_key_of_a_bad_rule(data, message):
    with pytest.raises(ConfigError, match=message):
        parse(data)
