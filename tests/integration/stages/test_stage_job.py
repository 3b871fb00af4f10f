"""scheduler.py's ``stages`` job: a stage pass, then the notices of arrears it queues."""

from __future__ import annotations

from sqlalchemy import select

import scheduler as scheduler_module
from outreach.models.stages import AccountStage, Letter
from tests.support.factories import make_borrower
from tests.support.letters import add_postal


def test_it_moves_accounts_and_queues_their_notices_in_the_nightly_job(session, settings, clock):
    late = make_borrower(session, phone="+13125550101", loan={"days_past_due": 31})
    add_postal(session, late)
    legal = make_borrower(session, phone="+13125550102", loan={"days_past_due": 91})
    scheduler_module.JOBS["stages"](settings, clock.now())
    session.expire_all()
    stages = dict(session.execute(select(AccountStage.loan_id, AccountStage.stage)).all())
    assert stages == {late.loans[0].id: "late", legal.loans[0].id: "pre_legal"}
    (letter,) = session.scalars(select(Letter)).all()
    assert (letter.borrower_id, letter.kind, letter.status) == (
        late.id,
        "notice_of_arrears",
        "ready",
    )
