"""``flask groups summary`` on the demo book's Kenyan group (issue 20)."""

from sqlalchemy import select

from outreach.campaigns.config import DEFAULT_PATH
from outreach.campaigns.group_summary import TEMPLATE
from outreach.models import AuditEvent, GroupMember, Loan, OutboxItem

AT = "2026-11-25T13:30:00Z"  # a Wednesday afternoon in Nairobi, before Thursday's meeting


def test_the_demo_group_previews_then_queues_one_summary_per_meeting(runner, session):
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0
    members = session.scalars(select(GroupMember)).all()
    counted = sum(m.summary_consent for m in members)
    assert counted >= 3 and counted < len(members)  # the demo has one member without consent

    dry = runner.invoke(
        args=["groups", "summary", "--group", "DEMO-G-KE-1", "--dry-run", "--at", AT]
    )
    assert dry.exit_code == 0, dry.output
    assert "Upendo Women Group" in dry.output and "meeting 2026-11-26" in dry.output
    # The Kenyan demo leader reads Swahili (locale sw_KE).
    assert "waliokubali kuhesabiwa" in dry.output and f"kati ya {counted} " in dry.output
    for m in members:  # no member's name or loan number, consenting or not
        assert m.borrower.full_name not in dry.output
        for loan in session.scalars(select(Loan).where(Loan.borrower_id == m.borrower_id)):
            assert loan.loan_number not in dry.output
    assert session.scalar(select(OutboxItem).where(OutboxItem.template == TEMPLATE)) is None

    sent = runner.invoke(args=["groups", "summary", "--group", "DEMO-G-KE-1", "--at", AT])
    assert sent.exit_code == 0, sent.output
    assert "queued" in sent.output and "1 queued" in sent.output
    again = runner.invoke(args=["groups", "summary", "--at", "2026-11-25T14:00:00Z"])
    assert "1 already_queued" in again.output
    [row] = session.scalars(select(OutboxItem).where(OutboxItem.template == TEMPLATE)).all()
    leader = next(m for m in members if m.role == "leader")
    assert row.borrower_id == leader.borrower_id and row.payload["counted"] == counted
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "group_summary.queued"))


def test_an_unknown_group_is_an_error_naming_the_option(runner):
    result = runner.invoke(args=["groups", "summary", "--group", "NOPE", "--dry-run"])
    assert result.exit_code != 0 and "--group: no group 'NOPE'" in result.output


def test_a_group_the_lender_did_not_turn_on_is_withheld(runner, session, tmp_path, monkeypatch):
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0
    text = DEFAULT_PATH.read_text(encoding="utf-8").replace("groups: [DEMO-G-KE-1]", "groups: []")
    crafted = tmp_path / "campaigns.yaml"
    crafted.write_text(text, encoding="utf-8")
    monkeypatch.setenv("CAMPAIGNS_CONFIG", str(crafted))
    result = runner.invoke(args=["groups", "summary", "--group", "DEMO-G-KE-1", "--at", AT])
    assert result.exit_code == 0 and "withheld: off" in result.output
    assert session.scalar(select(OutboxItem).where(OutboxItem.template == TEMPLATE)) is None
