"""The sandbox phone list: each borrower's local time, when a reminder may reach them and why
(the contact policy's answer), and unread messages per phone, with a moved clock."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

from sqlalchemy import select

from outreach.models import ContactPoint, OutboxItem
from tests.support.factories import make_borrower
from tests.support.reminders import AFTER_9PM, INSIDE, remind


class _Rows(HTMLParser):
    """The #phones table as {borrower name: {cell class: text}}, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self._cell: str | None = None
        self._in_table = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("id") == "phones":
            self._in_table = True
        elif self._in_table and tag == "tr" and "data-reasons" in a:
            self.rows.append(
                {"reasons": a["data-reasons"] or "", "reachable": str("data-reachable" in a)}
            )
        elif self._in_table and tag == "td" and self.rows:
            self._cell = a.get("class") or f"col{sum(k.startswith('col') for k in self.rows[-1])}"
            self.rows[-1].setdefault(self._cell, "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_table = False
        if tag == "td":
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None and self.rows:
            self.rows[-1][self._cell] += data


def phone_list(client, query: str = "") -> list[dict[str, str]]:
    resp = client.get("/sandbox/" + query)
    assert resp.status_code == 200
    parser = _Rows()
    parser.feed(resp.get_data(as_text=True))
    for row in parser.rows:
        row["name"] = row.pop("col0").strip()
        for key in ("local-time", "next-reminder", "unread"):
            row[key] = " ".join(row[key].split())
    return parser.rows


def only(rows: list[dict[str, str]], name: str) -> dict[str, str]:
    (row,) = [r for r in rows if r["name"] == name]
    return row


def test_it_shows_each_borrowers_local_time_in_the_zone_the_policy_places_them(
    client, session, clock
):
    make_borrower(session)  # Chicago: ZIP 60601 and a 312 number
    make_borrower(
        session,
        phone="+254712310001",
        full_name="Wanjiru Mwangi",
        country="KE",
        region="30",
        postal_code="00100",
    )
    clock.move_to(datetime(2026, 11, 24, 16, 5, tzinfo=UTC))
    rows = phone_list(client)
    assert only(rows, "Ana Garcia")["local-time"] == "Tue 10:05 America/Chicago"
    assert only(rows, "Wanjiru Mwangi")["local-time"] == "Tue 19:05 Africa/Nairobi"

    clock.move_to(datetime(2031, 7, 1, 4, 30, tzinfo=UTC))  # summer time in Chicago
    assert only(phone_list(client), "Ana Garcia")["local-time"] == "Mon 23:30 America/Chicago"


def test_it_gives_the_policys_answer_in_and_out_of_quiet_hours(client, session, clock, settings):
    make_borrower(session)
    clock.move_to(INSIDE)  # 10:00 in Chicago
    row = only(phone_list(client), "Ana Garcia")
    assert row["reachable"] == "True" and row["reasons"] == ""
    assert row["next-reminder"] == "reachable now"

    clock.move_to(AFTER_9PM)  # 21:00 in Chicago: the window has closed
    row = only(phone_list(client), "Ana Garcia")
    assert row["reachable"] == "False" and row["reasons"] == "contact_window"
    assert row["next-reminder"] == "tomorrow 08:00 (quiet hours until 08:00 local)"

    # After midnight it is the same morning: "today", counted in Chicago, not in UTC.
    clock.move_to(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))  # 02:00 in Chicago
    row = only(phone_list(client), "Ana Garcia")
    assert row["next-reminder"] == "today 08:00 (quiet hours until 08:00 local)"

    # The dispatcher defers a reminder due now to the same instant, and the list says so.
    clock.move_to(AFTER_9PM)
    remind(session, settings, AFTER_9PM)
    item = session.scalar(select(OutboxItem))
    assert item.status == "pending" and item.not_before == datetime(2026, 11, 25, 14, tzinfo=UTC)
    row = only(phone_list(client), "Ana Garcia")
    assert row["next-reminder"] == (
        f"tomorrow 08:00 (quiet hours until 08:00 local) {item.template} queued for tomorrow 08:00"
    )


def test_it_says_a_borrower_who_opted_out_cannot_be_reached_by_waiting(client, session, clock):
    make_borrower(session)
    point = session.scalar(select(ContactPoint))
    client.post(f"/sandbox/phones/{point.id}", data={"body": "STOP"})
    row = only(phone_list(client), "Ana Garcia")
    assert row["reasons"] == "opted_out" and row["next-reminder"] == "blocked: opted out"


def test_it_lists_reachable_borrowers_first_and_filters_to_them(client, session, clock):
    make_borrower(session, full_name="Aaron Manila", phone="+639171210001", country="PH",
                  region="00", postal_code="1000")  # fmt: skip
    make_borrower(session, full_name="Zoe Chicago")
    clock.move_to(INSIDE)  # 10:00 in Chicago, 00:00 in Manila
    rows = phone_list(client)
    assert [r["name"] for r in rows] == ["Zoe Chicago", "Aaron Manila"]
    # The Philippine pack opens at 06:00 (SEC MC 18 s.2019: 6 a.m. to 10 p.m.).
    assert (
        only(rows, "Aaron Manila")["next-reminder"] == "today 06:00 (quiet hours until 06:00 local)"
    )
    assert [r["name"] for r in phone_list(client, "?show=reachable")] == ["Zoe Chicago"]
    assert "Only the 1 reachable now" in client.get("/sandbox/").get_data(as_text=True)


def test_it_counts_unread_messages_until_the_phone_is_opened(app, client, session, clock, settings):
    make_borrower(session)
    point = session.scalar(select(ContactPoint))
    clock.move_to(INSIDE)
    assert only(phone_list(client), "Ana Garcia")["unread"] == "0"

    remind(session, settings, INSIDE)  # the reminder reaches the sandbox phone
    assert only(phone_list(client), "Ana Garcia")["unread"] == "1"

    page = client.get(f"/sandbox/phones/{point.id}").get_data(as_text=True)
    assert "a payment on your account is due" in page
    assert only(phone_list(client), "Ana Garcia")["unread"] == "0"
    # Read marks are this browser's: another browser has not seen the reminder.
    assert only(phone_list(app.test_client()), "Ana Garcia")["unread"] == "1"

    # The borrower answers on the phone: the answer and the reply are seen there, nothing unread.
    client.post(f"/sandbox/phones/{point.id}", data={"body": "HELP"}, follow_redirects=True)
    assert only(phone_list(client), "Ana Garcia")["unread"] == "0"
    assert only(phone_list(app.test_client()), "Ana Garcia")["unread"] == "2"


def test_it_ignores_a_malformed_read_marks_cookie(client, session, clock, settings):
    make_borrower(session)
    clock.move_to(INSIDE)
    remind(session, settings, INSIDE)
    client.set_cookie("sandbox_seen", "x-1.2-;.99999999999999999999-1", path="/sandbox/")
    assert only(phone_list(client), "Ana Garcia")["unread"] == "1"


def test_it_shows_borrower_names_as_text(client, session, clock):
    make_borrower(session, full_name="Ana <b>Garcia</b>")
    page = client.get("/sandbox/").get_data(as_text=True)
    assert "Ana &lt;b&gt;Garcia&lt;/b&gt;" in page and "<b>Garcia" not in page


def test_it_shows_every_local_time_of_a_borrower_the_facts_place_only_by_country(
    client, session, clock
):
    # A toll-free number and no address: every US zone is a candidate (RULES.md RF-TIME-3), and
    # a reminder may go only once it is 08:00 in the westernmost of them.
    make_borrower(session, phone="+18005550100", region=None, postal_code=None)
    clock.move_to(INSIDE)  # 06:00 in Honolulu and Adak, 11:00 in New York
    row = only(phone_list(client), "Ana Garcia")
    assert row["reasons"] == "contact_window"
    assert row["local-time"].startswith("Tue 06:00 America/Adak and 1 more · Tue 07:00 ")
    assert row["local-time"].endswith(" more local times")
    assert row["next-reminder"].startswith("today 08:00 America/Adak and 1 more, today 09:00 ")
    assert row["next-reminder"].endswith("(quiet hours)")


def test_it_says_until_when_the_contact_limit_holds_after_a_reminder(
    client, session, clock, settings
):
    make_borrower(session)
    clock.move_to(INSIDE)
    remind(session, settings, INSIDE)  # one SMS: the shipped cap is one per channel a day
    row = only(phone_list(client), "Ana Garcia")
    assert row["reasons"] == "frequency_cap"
    assert row["next-reminder"] == "tomorrow 10:00 (contact limit reached until 10:00 local)"
