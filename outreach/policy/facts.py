"""The facts one decision is made from: frozen dataclasses (built by scenario.parse_scenario).

``Scenario.to_dict()`` gives canonical contract input, so the app can store the facts with the
decision and replay it later: ``parse_scenario(s.to_dict()) == s``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from outreach.policy.timeutil import format_hhmm, format_instant_exact
from outreach.policy.zones import candidate_zones

# ``letter``: a postal letter (issue 18). Flags, opt-outs and marketing apply to it like any
# message; the contact window and preferences do not (rule pack section ``letters``).
CHANNELS = ("sms", "whatsapp", "email", "letter")
FLAGS = (
    "cease_and_desist",
    "attorney_represented",
    "dispute_open",
    "bankruptcy",
    "deceased",
    "breathing_space",
)
INITIATORS = ("lender", "borrower")
KINDS = ("freeform", "template")
CATEGORIES = ("utility", "marketing")


@dataclass(frozen=True, slots=True)
class Preferences:
    quiet_days: tuple[str, ...] = ()
    earliest: int | None = None  # minutes after local midnight, inclusive
    latest: int | None = None  # exclusive


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    channel: str
    at: datetime
    initiated_by: str = "lender"


@dataclass(frozen=True, slots=True)
class Borrower:
    country: str
    region: str | None = None
    postal_code: str | None = None
    timezone: str | None = None
    phone: str | None = None
    email: str | None = None
    postal_address: str | None = None
    consent: tuple[str, ...] = ()
    opt_outs: tuple[str, ...] = ()
    # Channels whose address is known to reach someone else (the person who answered said
    # "wrong number", or a reassigned-number database says so): optional, default none.
    wrong_party: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    preferences: Preferences | None = None
    last_inbound: tuple[tuple[str, datetime], ...] = ()

    @property
    def zones(self) -> tuple[str, ...]:
        return candidate_zones(
            self.country, self.region, self.postal_code, self.timezone, self.phone
        )

    def last_inbound_on(self, channel: str) -> datetime | None:
        return next((at for ch, at in self.last_inbound if ch == channel), None)


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str | None
    now: datetime
    channel: str
    borrower: Borrower
    initiated_by: str = "lender"
    message_kind: str = "freeform"
    message_category: str = "utility"
    history: tuple[HistoryEntry, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Canonical contract input: store it with the decision, replay it later."""
        b = self.borrower
        borrower: dict[str, Any] = {"country": b.country}
        for key in ("region", "postal_code", "timezone", "phone", "email", "postal_address"):
            value = getattr(b, key)
            if value is not None:
                borrower[key] = value
        borrower.update(consent=list(b.consent), opt_outs=list(b.opt_outs), flags=list(b.flags))
        if b.wrong_party:  # optional: omitted when empty, so older stored facts replay the same
            borrower["wrong_party"] = list(b.wrong_party)
        if b.preferences is not None:
            prefs: dict[str, Any] = {"quiet_days": list(b.preferences.quiet_days)}
            if b.preferences.earliest is not None:
                prefs["earliest"] = format_hhmm(b.preferences.earliest)
            if b.preferences.latest is not None:
                prefs["latest"] = format_hhmm(b.preferences.latest)
            borrower["preferences"] = prefs
        if b.last_inbound:
            borrower["last_inbound"] = {ch: format_instant_exact(at) for ch, at in b.last_inbound}
        return {
            "id": self.id,
            "now": format_instant_exact(self.now),
            "channel": self.channel,
            "initiated_by": self.initiated_by,
            "message": {"kind": self.message_kind, "category": self.message_category},
            "borrower": borrower,
            "history": [
                {
                    "channel": h.channel,
                    "at": format_instant_exact(h.at),
                    "initiated_by": h.initiated_by,
                }
                for h in self.history
            ],
        }
