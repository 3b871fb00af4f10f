"""``flask --app wsgi letters batch --date D --out DIR``: the day's letters, re-checked against
the contact policy, written with a manifest; a progress bar and a summary; the stage job queues
notices of arrears for it."""

from __future__ import annotations

import csv
import hashlib
from datetime import timedelta

from sqlalchemy import select

from outreach.letters.auto import queue_stage_letters
from outreach.letters.service import create_letter
from outreach.models import AuditEvent, BorrowerFlag, Message
from outreach.models.stages import Letter
from outreach.stages.evaluate import evaluate_stages
from tests.support.factories import make_borrower
from tests.support.letters import add_postal, pdf_text


def _queued(session, settings, clock, phone, kind="final_demand"):
    b = make_borrower(session, phone=phone, external_id=f"B-{phone[-3:]}")
    add_postal(session, b)
    letter = create_letter(session, settings, b.loans[0], kind, clock.now(), actor="scheduler")
    session.commit()
    return b, letter


def test_it_prints_the_days_letters_and_skips_one_a_flag_now_blocks(
    runner, session, settings, clock, tmp_path
):
    _, first = _queued(session, settings, clock, "+13125550101")
    _, second = _queued(session, settings, clock, "+13125550102", "notice_of_arrears")
    flagged, third = _queued(session, settings, clock, "+13125550103")
    session.add(BorrowerFlag(borrower_id=flagged.id, flag="cease_and_desist", set_at=clock.now()))
    session.commit()
    day = clock.now().date().isoformat()
    out = tmp_path / "print"
    result = runner.invoke(args=["letters", "batch", "--date", day, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (
        "2 letters printed (1 final_demand, 1 notice_of_arrears), 1 blocked by the contact policy"
        in result.stdout
    )
    assert f"letter #{third.id} blocked: cease_and_desist" in result.stderr
    assert f"letters {day}" in result.stderr  # the progress bar's label
    files = sorted(p.name for p in out.glob("*.pdf"))
    assert files == [
        f"{day}-{first.id:06d}-final_demand.pdf",
        f"{day}-{second.id:06d}-notice_of_arrears.pdf",
    ]
    with (out / "manifest.csv").open(encoding="utf-8") as fh:
        manifest = list(csv.DictReader(fh))
    assert [(m["file"], m["borrower_ref"]) for m in manifest] == [
        (files[0], "B-101"),
        (files[1], "B-102"),
    ]
    for m in manifest:
        data = (out / m["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == m["sha256"]
        assert "Ana Garcia" in pdf_text(data)
    session.expire_all()
    assert [(x.id, x.status) for x in session.scalars(select(Letter).order_by(Letter.id))] == [
        (first.id, "printed"),
        (second.id, "printed"),
        (third.id, "blocked"),
    ]
    assert session.get(Message, third.message_id).status == "blocked"
    printed = session.scalars(select(AuditEvent).where(AuditEvent.action == "letter.printed")).all()
    assert {e.details["sha256"] for e in printed} == {first.sha256, second.sha256}
    again = runner.invoke(args=["letters", "batch", "--date", day, "--out", str(out)])
    assert "0 letters printed, 0 blocked" in again.stdout  # printed once


def test_it_prints_only_letters_dated_that_day(runner, session, settings, clock, tmp_path):
    _queued(session, settings, clock, "+13125550101")
    other = (clock.now() + timedelta(days=1)).date().isoformat()
    result = runner.invoke(args=["letters", "batch", "--date", other, "--out", str(tmp_path)])
    assert result.exit_code == 0 and "0 letters printed" in result.stdout


def test_it_names_a_bad_date(runner, tmp_path):
    result = runner.invoke(
        args=["letters", "batch", "--date", "02/12/2026", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2 and "--date" in result.output and "2026-12-02" in result.output


def test_it_queues_a_notice_of_arrears_when_an_account_becomes_late(session, settings, clock):
    b = make_borrower(session, loan={"days_past_due": 31})
    add_postal(session, b)
    make_borrower(session, phone="+13125550188", loan={"days_past_due": 31})  # no address
    report = evaluate_stages(session, clock.now())
    assert queue_stage_letters(session, settings, report, clock.now()) == 1
    letter = session.scalars(select(Letter)).one()
    assert (letter.kind, letter.delivery, letter.borrower_id) == (
        "notice_of_arrears",
        "print",
        b.id,
    )
