"""The loan book's group columns (issue 20): groups, meetings, roles and summary consent."""

import csv
from datetime import time

import pytest
from sqlalchemy import select

from outreach.loan_import.rows import RowError, parse_row
from outreach.models import GroupMember, LoanGroup
from tests.integration.cli.test_import_cli import example_rows

GROUP = {
    "group_id": "G-NAKURU-7",
    "group_name": "Upendo Women Group",
    "group_branch": "Nakuru",
    "group_meeting_day": "Thursday",
    "group_meeting_time": "10:30",
    "group_meeting_place": "St. Mary's church hall",
}


def write(tmp_path, rows):
    path = tmp_path / "book.csv"
    names = list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=names)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_it_imports_groups_members_and_the_meeting(runner, session, tmp_path):
    rows = example_rows()[:3]
    rows[0].update(GROUP, group_role="leader", group_summary_consent="yes")
    rows[1].update(GROUP, group_summary_consent="no")
    result = runner.invoke(args=["import-loans", str(write(tmp_path, rows))])
    assert result.exit_code == 0, result.output
    group = session.scalar(select(LoanGroup))
    assert (group.name, group.branch, group.meeting_weekday) == (
        "Upendo Women Group",
        "Nakuru",
        "thursday",
    )
    assert group.meeting_time == time(10, 30) and group.meeting_place == "St. Mary's church hall"
    members = session.scalars(select(GroupMember).order_by(GroupMember.id)).all()
    assert [(m.role, m.summary_consent) for m in members] == [("leader", True), ("member", False)]

    # A rerun changes nothing; a withdrawn consent is an update of that row only.
    again = runner.invoke(args=["import-loans", str(write(tmp_path, rows))])
    assert "3 unchanged" in again.output, again.output
    rows[0]["group_summary_consent"] = "no"
    third = runner.invoke(args=["import-loans", str(write(tmp_path, rows))])
    assert "1 updated" in third.output and "2 unchanged" in third.output, third.output
    session.expire_all()
    assert not any(m.summary_consent for m in session.scalars(select(GroupMember)))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"group_meeting_day": "Thurs"}, "group_meeting_day: expected a weekday name"),
        ({"group_meeting_time": "25:00"}, "group_meeting_time: expected HH:MM"),
        ({"group_role": "treasurer"}, "group_role: expected one of member, leader"),
        ({"group_summary_consent": "maybe"}, "group_summary_consent: expected yes or no"),
        ({"group_id": "", "group_name": "Upendo"}, "group_id: required when group_name"),
        ({"group_name": "x" * 201}, "group_name: at most 200 characters"),
    ],
)
def test_a_bad_group_value_names_its_field(changes, message):
    row = {**example_rows()[0], **GROUP, **changes}
    with pytest.raises(RowError) as caught:
        parse_row(row)
    assert str(caught.value).startswith(message)


def test_a_bad_group_row_is_refused_and_the_others_kept(runner, session, tmp_path):
    rows = example_rows()[:2]
    rows[0].update(GROUP)
    rows[1].update(GROUP, group_meeting_day="someday")
    result = runner.invoke(args=["import-loans", str(write(tmp_path, rows))])
    assert result.exit_code != 0
    assert "group_meeting_day" in result.output
    assert len(session.scalars(select(GroupMember)).all()) == 1


def test_the_demo_book_has_a_kenyan_group_with_two_members_on_one_phone(runner, session):
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0
    group = session.scalar(select(LoanGroup))
    assert group.meeting_weekday == "thursday" and group.branch == "Nairobi"
    members = session.scalars(select(GroupMember).where(GroupMember.group_id == group.id)).all()
    assert len(members) >= 3 and {m.borrower.country for m in members} == {"KE"}
    assert [m.role for m in members].count("leader") == 1
    phones = [p.address for m in members for p in m.borrower.contact_points if p.channel == "sms"]
    assert len(phones) - len(set(phones)) == 1  # two members share one phone
