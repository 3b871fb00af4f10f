"""Borrowers, their contact points (with consent and opt-out) and account flags."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.models.base import Base, utcnow
from outreach.policy.zones import calendar_date, calendar_zones

CHANNELS = ("sms", "whatsapp", "email")
# Blocking flags: every lender-initiated contact stops while one is active (policy engine).
FLAGS = (
    "cease_and_desist",
    "attorney_represented",
    "dispute_open",
    "bankruptcy",
    "deceased",
    # A formal moratorium the lender records (England and Wales Debt Respite Scheme, 60 days).
    "breathing_space",
)
# Noted for officers (priority, care), never blocking: contact goes on within the policy.
NON_BLOCKING_FLAGS = ("hardship", "complaint")


class Borrower(Base):
    __tablename__ = "borrowers"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(16))
    postal_code: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))  # stated by the borrower, IANA
    date_of_birth: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    contact_points: Mapped[list[ContactPoint]] = relationship(back_populates="borrower")
    loans: Mapped[list["Loan"]] = relationship(back_populates="borrower")  # noqa: F821, UP037
    flags: Mapped[list[BorrowerFlag]] = relationship(back_populates="borrower")

    def today(self, now: datetime) -> date:
        """The borrower's calendar date at ``now``, in the borrower's zone (policy.zones)."""
        zones = calendar_zones(self.country, self.region, self.postal_code, self.timezone)
        return calendar_date(zones, now)

    def active_flags(self) -> list[str]:
        """Active blocking flags (the ones the contact policy and START refusal act on)."""
        return sorted({f.flag for f in self.flags if f.cleared_at is None and f.flag in FLAGS})

    def active_notes(self) -> list[str]:
        """Active non-blocking flags (hardship, complaint): shown to officers only."""
        return sorted(
            {f.flag for f in self.flags if f.cleared_at is None and f.flag in NON_BLOCKING_FLAGS}
        )


class ContactPoint(Base):
    """One address on one channel: E.164 for sms/whatsapp, an email address for email."""

    __tablename__ = "contact_points"
    __table_args__ = (UniqueConstraint("borrower_id", "channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrowers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(254), index=True)
    consent_source: Mapped[str | None] = mapped_column(String(100))
    consent_at: Mapped[datetime | None]
    opted_out_at: Mapped[datetime | None]
    invalid_at: Mapped[datetime | None]
    # The address reaches someone else: the person answering said so ("wrong number") or a
    # reassigned-number database did (``wrong_party_source``: "borrower" | "reassigned:<db>").
    # The contact policy answers ``wrong_party`` for it (config/policy/default.yaml).
    wrong_party_at: Mapped[datetime | None]
    wrong_party_source: Mapped[str | None] = mapped_column(String(100))
    reassigned_since: Mapped[date | None]

    borrower: Mapped[Borrower] = relationship(back_populates="contact_points")

    @property
    def usable(self) -> bool:
        return self.consent_at is not None and self.opted_out_at is None and self.invalid_at is None


class BorrowerFlag(Base):
    """A blocking flag on the account; clearing it adds ``cleared_at``, nothing is deleted."""

    __tablename__ = "borrower_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrowers.id"), index=True)
    flag: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(500))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    cleared_at: Mapped[datetime | None]
    # Who reported it and who lifted it, as the lender's system names them (REST API); NULL for
    # flags set in the console or by the bot (their audit events name the officer or the bot).
    source: Mapped[str | None] = mapped_column(String(100))
    cleared_source: Mapped[str | None] = mapped_column(String(100))

    borrower: Mapped[Borrower] = relationship(back_populates="flags")
