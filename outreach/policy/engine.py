"""The decision: one pure function of (rule pack, scenario). No clock, no database, no machine TZ.

Rules and who they apply to (contract "shipped defaults"; citations live in the rule packs):

=========================  ================  ==================================================
reason                     applies to        lifted by time?
=========================  ================  ==================================================
contact_window             lender            yes: next window opening in every candidate zone
no_common_window           lender            no: the windows of the candidate zones never meet
borrower_preference        lender            yes: quiet days, earliest/latest in every zone
frequency_cap              lender            yes: when the rolling window frees a slot
opted_out                  everyone          no (replies too: the carrier blocks them anyway)
no_consent                 lender            no
no_address                 everyone          no
cease_and_desist ...       lender            no (contract: "flags block every lender-initiated")
whatsapp_session_closed    everyone (free-   no (a session is opened by the borrower, not time)
                           form WhatsApp)
marketing_not_allowed      everyone          no
wrong_party                lender            no (the address reaches someone else)
breathing_space            lender            no (a flag: lifted when the lender clears it)
=========================  ================  ==================================================

Letters (channel ``letter``, issue 18; rule pack section ``letters`` with its citation): the
contact window and time-of-day preferences do not apply, consent is not required, a postal
address is (``no_address``), flags, opt-outs and the marketing ban apply as to every message.

Borrower-initiated replies are not subject to windows, caps, preferences or consent
(RULES.md RF-TIME-5, (c) 5; contract).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from outreach.policy.caps import cap_release
from outreach.policy.packs import RulePack, load_pack, shipped_pack
from outreach.policy.scenario import Scenario, parse_scenario
from outreach.policy.timeutil import TZDATA_VERSION, format_instant, from_us, to_us
from outreach.policy.windows import contains as window_contains
from outreach.policy.windows import earliest, local_iso, offset_at, quiet_mask
from outreach.policy.zones import address_regions

REASONS = (
    "contact_window",
    "no_common_window",
    "borrower_preference",
    "frequency_cap",
    "opted_out",
    "no_consent",
    "no_address",
    "cease_and_desist",
    "attorney_represented",
    "dispute_open",
    "bankruptcy",
    "deceased",
    "whatsapp_session_closed",
    "marketing_not_allowed",
    # Added after the contract's first vocabulary, at the end so every existing decision keeps
    # its reasons in the same order.
    "wrong_party",
    "breathing_space",
)
TIME_REASONS = frozenset({"contact_window", "borrower_preference", "frequency_cap"})
_ORDER = {reason: i for i, reason in enumerate(REASONS)}
_ALL_DAY = 24 * 60
COMMON_WINDOW_HORIZON_DAYS = 2


@dataclass(frozen=True)
class Decision:
    """The answer for one scenario (contract output; ``to_dict()`` is the JSON line)."""

    id: str | None
    allowed: bool
    reasons: list[str]
    next_allowed_at: datetime | None
    zones: list[str]
    rules_version: str
    evaluated_at: datetime

    @cached_property
    def local_times(self) -> dict[str, str]:
        """Local wall time at ``now`` in each candidate zone (audit evidence, RULES.md A7.5)."""
        t = to_us(self.evaluated_at)
        by_offset: dict[int, str] = {}  # zones with the same offset share one formatted string
        out = {}
        for zone in self.zones:
            offset = offset_at(zone, t)
            text = by_offset.get(offset)
            if text is None:
                text = by_offset[offset] = local_iso(zone, t)
            out[zone] = text
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "allowed": self.allowed,
            "reasons": list(self.reasons),
            "next_allowed_at": format_instant(self.next_allowed_at)
            if self.next_allowed_at is not None
            else None,
            "zones": list(self.zones),
            "rules_version": self.rules_version,
            "local_times": self.local_times,
            "tzdata": TZDATA_VERSION,  # audit evidence: the tz database used (RULES.md A7.5)
        }


def pack_for(scenario: Scenario, override_path: str | None = None) -> RulePack:
    """The pack of the borrower's jurisdiction: the region and the ZIP code's state both count."""
    b = scenario.borrower
    if override_path is None:
        return shipped_pack(b.country, b.region, b.postal_code)
    return load_pack(b.country, address_regions(b.country, b.region, b.postal_code), override_path)


def decide(scenario: Scenario | dict[str, Any], pack: RulePack | None = None) -> Decision:
    """Decide one scenario. ``pack`` defaults to the borrower's jurisdiction (cached)."""
    if not isinstance(scenario, Scenario):
        scenario = parse_scenario(scenario)
    return evaluate(pack if pack is not None else pack_for(scenario), scenario)


def evaluate(pack: RulePack, scenario: Scenario) -> Decision:
    b = scenario.borrower
    channel = scenario.channel
    lender = scenario.initiated_by == "lender"
    zones = b.zones
    now = to_us(scenario.now)
    reasons: set[str] = set()

    # Rules that time does not lift.
    if channel in b.opt_outs:
        reasons.add("opted_out")
    if not _address(b, channel):
        reasons.add("no_address")
    if scenario.message_category == "marketing" and channel in pack.marketing_blocked:
        reasons.add("marketing_not_allowed")
    session_end = None
    if channel == "whatsapp" and scenario.message_kind == "freeform":
        last = b.last_inbound_on("whatsapp")
        session_end = to_us(last) + pack.whatsapp_session_us if last is not None else None
        if session_end is None or session_end <= now:  # open while last > now - 24h
            reasons.add("whatsapp_session_closed")
    if lender:
        needs_consent = (
            pack.letter_consent_required if channel == "letter" else pack.consent_required
        )
        if needs_consent and channel not in b.consent:
            reasons.add("no_consent")
        if channel in b.wrong_party:
            # The number reaches someone else: messaging it tells a third party about the debt
            # (RULES.md RF-3P, UK-3P) to a number without the borrower's consent (TCPA-CONSENT).
            reasons.add("wrong_party")
        reasons.update(flag for flag in b.flags if flag in pack.blocking_flags)

    next_allowed = None
    if lender:
        next_allowed = _time_rules(pack, scenario, zones, now, session_end, reasons)
    ordered = sorted(reasons, key=_ORDER.__getitem__)
    return Decision(
        id=scenario.id,
        allowed=not ordered,
        reasons=ordered,
        next_allowed_at=from_us(next_allowed) if next_allowed is not None else None,
        zones=list(zones),
        rules_version=pack.rules_version,
        evaluated_at=scenario.now,
    )


def _address(b: Any, channel: str) -> bool:
    """Something to send to: the email address, the postal address, or the phone number."""
    if channel == "email":
        return bool(b.email)
    if channel == "letter":
        return bool(b.postal_address)
    return bool(b.phone)


def _time_rules(
    pack: RulePack,
    scenario: Scenario,
    zones: tuple[str, ...],
    now: int,
    session_end: int | None,
    reasons: set[str],
) -> int | None:
    """Add the time-based reasons; return next_allowed_at (µs) when only they block."""
    b = scenario.borrower
    if scenario.channel == "letter" and pack.letter_window_exempt:
        # A letter is not delivered at a time of day: no window, no time-of-day preferences
        # (rule pack ``letters``); caps that name letters still apply.
        start, end, prefs = 0, _ALL_DAY, None
    else:
        start, end = pack.window_for(scenario.channel, b.postal_code)
        prefs = b.preferences
    window = (start, end, 0)
    if not window_contains(zones, window, now):
        # Outside the window somewhere. "No overlap" is judged on the coming days (the window
        # recurs daily, so two days see every overlap there is around now): zones whose windows
        # meet only in another DST season (e.g. Asia/Kolkata and America/Chicago under IN's
        # 08:00-19:00 meet in summer only) give no_common_window, not a date months away.
        if earliest(zones, window, now, horizon_days=COMMON_WINDOW_HORIZON_DAYS) is None:
            reasons.add("no_common_window")
        else:
            reasons.add("contact_window")
    combined = window
    if prefs is not None:
        low = prefs.earliest if prefs.earliest is not None else 0
        high = prefs.latest if prefs.latest is not None else _ALL_DAY
        preference = (low, high, quiet_mask(prefs.quiet_days))
        if not window_contains(zones, preference, now):
            reasons.add("borrower_preference")
        combined = (max(start, low), min(end, high), preference[2])
    history = [(h.channel, to_us(h.at)) for h in scenario.history if h.initiated_by == "lender"]
    blocking, release = cap_release(
        pack.caps_for(scenario.channel, b.postal_code), scenario.channel, history, now
    )
    if blocking:
        reasons.add("frequency_cap")
    if not reasons or not reasons <= TIME_REASONS:
        return None
    return earliest(zones, combined, max(now, release), before=session_end)
