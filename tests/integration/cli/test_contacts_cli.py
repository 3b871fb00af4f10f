"""``flask contacts reassigned``: reassigned-number results block a number like a wrong party;
a bad row is named and skipped, the good ones are kept."""

from __future__ import annotations

from sqlalchemy import select

from outreach.messaging.contact_policy import check_contact
from outreach.models import ContactPoint
from tests.support.factories import make_borrower


def test_it_blocks_one_reassigned_number(runner, session, clock):
    borrower = make_borrower(session)
    result = runner.invoke(
        args=["contacts", "reassigned", "--number", "+13125550100", "--since", "2026-10-01"]
    )
    assert result.exit_code == 0, result.output
    assert "1 contact point(s) blocked" in result.output
    session.expire_all()
    point = session.scalar(select(ContactPoint))
    assert (point.wrong_party_source, str(point.reassigned_since)) == (
        "reassigned:fcc-rnd",
        "2026-10-01",
    )
    assert check_contact(session, borrower, "sms", clock.now())["reasons"] == ["wrong_party"]


def test_it_names_a_bad_row_and_keeps_the_good_ones(runner, session, tmp_path):
    make_borrower(session)
    make_borrower(session, phone="+13125550101")
    csv = tmp_path / "results.csv"
    csv.write_text(
        "number,since\n+13125550100,2026-10-01\nnot a phone,2026-10-01\n+13125550101,yesterday\n"
    )
    result = runner.invoke(args=["contacts", "reassigned", "--file", str(csv)])
    assert result.exit_code == 2
    assert f"{csv}:3: number: not an E.164 phone number" in result.output
    assert f"{csv}:4: since: not a date" in result.output
    session.expire_all()
    marked = session.scalars(
        select(ContactPoint.address).where(ContactPoint.wrong_party_at.is_not(None))
    )
    assert list(marked) == ["+13125550100"]


def test_it_asks_for_a_number_or_a_file(runner):
    result = runner.invoke(args=["contacts", "reassigned"])
    assert result.exit_code != 0 and "give --number and --since, or --file" in result.output
