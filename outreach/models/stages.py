"""Account stages (issue 18): where each loan stands in recovery, every move, and the letters.

A loan has at most one ``AccountStage`` row (its current stage); every change appends a
``StageMove`` naming the rule or the supervisor decision that caused it (nothing is rewritten).
A move into ``pre_legal`` opens a review (``review_status = "pending"``) that a supervisor
approves (to ``legal``), places with an agency (``agency``), holds with a reason, or returns to
collections.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.models.base import Base, utcnow
from outreach.models.loans import Loan

STAGES = ("current", "early", "late", "pre_legal", "legal", "agency", "written_off", "closed")
# Stages in which the scheduler sends no automated collection message (reminders, cadence,
# instalment and promise reminders): the account is with lawyers or an agency, or is finished.
# Letters the rule pack requires still go out (config/stages.yaml ``required_notices``).
AUTOMATION_STOPPED = ("legal", "agency", "written_off", "closed")
# Stages only a supervisor's decision leaves (the scheduler moves them to ``closed`` only).
MANUAL_STAGES = ("pre_legal", "legal", "agency", "written_off")
REVIEW_STATUSES = ("pending", "held", "approved", "placed", "returned")
LETTER_KINDS = ("notice_of_arrears", "final_demand", "arrangement_confirmation")


class AccountStage(Base):
    __tablename__ = "account_stages"

    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(16), index=True)
    rule: Mapped[str] = mapped_column(String(64))  # the rule id or decision that set the stage
    since: Mapped[datetime] = mapped_column(default=utcnow)
    review_status: Mapped[str | None] = mapped_column(String(16), index=True)
    review_reason: Mapped[str | None] = mapped_column(String(500))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    reviewed_at: Mapped[datetime | None]
    # A return to collections keeps the account out of pre_legal until then (config cooldown).
    returned_until: Mapped[datetime | None]
    agency: Mapped[str | None] = mapped_column(String(100))

    loan: Mapped[Loan] = relationship()


class StageMove(Base):
    __tablename__ = "stage_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))  # scheduler | officer:<id>
    reason: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Letter(Base):
    """One rendered letter: the PDF exactly as printed or emailed, and its SHA-256 (audited)."""

    __tablename__ = "letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrowers.id"), index=True)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    text: Mapped[str] = mapped_column(Text)  # the rendered wording (search, review)
    # print (batch) | email | download; status: ready -> printed | emailed | blocked
    delivery: Mapped[str] = mapped_column(String(16), default="print")
    status: Mapped[str] = mapped_column(String(16), default="ready")
    letter_date: Mapped[date] = mapped_column(index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    printed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
