"""Joint-liability groups (issue 20): a group, its meeting, and which borrowers belong to it.

A member's loan stays the member's own: nothing in a group row carries another member's amount,
and the disclosure guard (outreach.selfservice.identity, shared phone numbers) decides whose
account a conversation is about by the identity check, never by the group.
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.models.base import Base, utcnow
from outreach.models.borrowers import Borrower

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ROLES = ("member", "leader")


class LoanGroup(Base):
    """One group as the lender's loan book names it, with its regular meeting."""

    __tablename__ = "loan_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    branch: Mapped[str | None] = mapped_column(String(64), index=True)
    meeting_weekday: Mapped[str | None] = mapped_column(String(9))  # WEEKDAYS
    meeting_time: Mapped[time | None]  # local time in the members' zone
    meeting_place: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[GroupMember]] = relationship(back_populates="group")


class GroupMember(Base):
    """A borrower in a group; ``summary_consent``: the member agreed to be counted (never named,
    never with an amount) in the leader's summary."""

    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("group_id", "borrower_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("loan_groups.id"), index=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrowers.id"), index=True)
    role: Mapped[str] = mapped_column(String(8), default="member")  # ROLES
    summary_consent: Mapped[bool] = mapped_column(default=False)

    group: Mapped[LoanGroup] = relationship(back_populates="members")
    borrower: Mapped[Borrower] = relationship()
