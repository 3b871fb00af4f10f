"""Properties over random scenarios (hypothesis): allowed means inside every zone's window,
next_allowed_at is allowed and is the earliest such minute, caps are never exceeded."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outreach.policy import decide, parse_scenario
from outreach.policy.engine import pack_for
from outreach.policy.timeutil import format_instant, get_zone, to_us
from outreach.policy.windows import WEEKDAYS, local_iso
from tests.unit.policy.policy_support import BORROWER, outputs, run_cli

SETTINGS = settings(
    max_examples=250,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

LOCATIONS = [
    {"country": "US", "region": "IL", "postal_code": "60601", "phone": "+13125550100"},
    {"country": "US", "region": "NY", "postal_code": "10001", "phone": "+12125550100"},
    {"country": "US", "region": "FL", "phone": "+18505550100"},
    {"country": "US", "region": "AZ", "postal_code": "85004", "phone": "+16025550100"},
    {"country": "US", "region": "MA", "postal_code": "02108", "phone": "+16175550100"},
    {"country": "US", "region": "WA", "postal_code": "98101", "phone": "+12065550100"},
    {"country": "US", "region": "ND", "phone": "+17015550100"},
    {"country": "US", "region": "HI", "phone": "+18085550100"},
    {"country": "US", "region": "AK", "phone": "+19075550100"},
    {"country": "US", "phone": "+18005550100"},
    {"country": "US", "region": "IN", "phone": "+18125550100", "timezone": "America/Denver"},
    {"country": "US", "region": "NY", "timezone": "Asia/Tokyo", "phone": "+919876543210"},
    {"country": "GB", "phone": "+442079460000"},
    {"country": "IN", "phone": "+919876543210"},
    {"country": "IN", "phone": "+919876543210", "timezone": "America/Chicago"},
    {"country": "PH", "phone": "+639171234567"},
    {"country": "KE", "phone": "+254712345678"},
    {"country": "AU", "phone": "+61412345678"},
]
# Around DST changes in 2026 (US 03-08/11-01, EU 03-29/10-25, AU 04-05/10-04) and plain days.
ANCHORS = [
    datetime(2026, 3, 8, 7, tzinfo=UTC),
    datetime(2026, 11, 1, 6, tzinfo=UTC),
    datetime(2026, 3, 29, 1, tzinfo=UTC),
    datetime(2026, 10, 25, 1, tzinfo=UTC),
    datetime(2026, 4, 4, 16, tzinfo=UTC),
    datetime(2026, 5, 4, 12, tzinfo=UTC),
    datetime(2027, 1, 15, 0, tzinfo=UTC),
]
CHANNELS = ["sms", "whatsapp", "email"]


@st.composite
def instants(draw, base=None):
    anchor = base or draw(st.sampled_from(ANCHORS))
    return anchor + timedelta(seconds=draw(st.integers(-3 * 86400, 3 * 86400)))


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


@st.composite
def scenarios(draw, lender_only=False):
    now = draw(instants())
    borrower = dict(draw(st.sampled_from(LOCATIONS)))
    borrower["email"] = "b@example.com"
    # Mostly consented, unflagged borrowers, so that time-based rules decide most examples.
    borrower["consent"] = draw(st.sampled_from([CHANNELS] * 6 + [["sms"], ["email"], []]))
    borrower["opt_outs"] = draw(st.sampled_from([[]] * 8 + [["sms"], ["whatsapp"]]))
    borrower["flags"] = draw(st.sampled_from([[]] * 8 + [["dispute_open"], ["deceased"]]))
    if draw(st.booleans()):
        start = draw(st.integers(0, 22 * 60))
        borrower["preferences"] = {
            "quiet_days": draw(st.lists(st.sampled_from(WEEKDAYS), unique=True, max_size=3)),
            "earliest": f"{start // 60:02d}:{start % 60:02d}",
            "latest": draw(st.sampled_from(["18:00", "20:30", "24:00", "23:59"]))
            if start < 18 * 60
            else "24:00",
        }
    if draw(st.booleans()):
        borrower["last_inbound"] = {
            "whatsapp": iso(now - timedelta(minutes=draw(st.integers(0, 48 * 60))))
        }
    history = [
        {
            "channel": draw(st.sampled_from(CHANNELS)),
            "at": iso(now - timedelta(minutes=draw(st.integers(0, 8 * 24 * 60)))),
            "initiated_by": draw(st.sampled_from(["lender", "lender", "borrower"])),
        }
        for _ in range(draw(st.integers(0, 5)))
    ]
    return {
        "id": "P",
        "now": iso(now),
        "channel": draw(st.sampled_from(CHANNELS)),
        "initiated_by": "lender"
        if lender_only
        else draw(st.sampled_from(["lender"] * 4 + ["borrower"])),
        "message": {
            "kind": draw(st.sampled_from(["freeform", "template"])),
            "category": draw(st.sampled_from(["utility"] * 9 + ["marketing"])),
        },
        "borrower": borrower,
        "history": history,
    }


def _local_minutes(at: datetime, zone: str) -> tuple[int, str]:
    local = at.astimezone(get_zone(zone))
    return local.hour * 60 + local.minute, WEEKDAYS[local.weekday()]


@SETTINGS
@given(scenarios(lender_only=True))
def test_it_allows_a_lender_message_only_inside_the_window_in_every_zone(raw):
    # Checked on every example, allowed or blocked: the window reasons appear exactly when some
    # candidate zone is outside the window (or the borrower's hours), and never otherwise.
    scenario = parse_scenario(raw)
    decision = decide(scenario)
    start, end = pack_for(scenario).window_for(scenario.channel, scenario.borrower.postal_code)
    prefs = scenario.borrower.preferences
    in_window = in_preferences = True
    for zone in decision.zones:
        minutes, weekday = _local_minutes(scenario.now, zone)
        in_window &= start <= minutes < end
        if prefs:
            in_preferences &= (
                weekday not in prefs.quiet_days
                and (prefs.earliest is None or minutes >= prefs.earliest)
                and (prefs.latest is None or minutes < prefs.latest)
            )
    window_reasons = {"contact_window", "no_common_window"} & set(decision.reasons)
    assert bool(window_reasons) == (not in_window), (decision.reasons, decision.zones)
    assert ("borrower_preference" in decision.reasons) == (not in_preferences)
    if decision.allowed:
        assert in_window and in_preferences


@SETTINGS
@given(scenarios())
def test_it_gives_a_next_allowed_time_that_is_allowed_and_the_earliest(raw):
    scenario = parse_scenario(raw)
    decision = decide(scenario)
    time_only = set(decision.reasons) <= {"contact_window", "borrower_preference", "frequency_cap"}
    if decision.allowed:
        assert decision.next_allowed_at is None
        return
    if decision.next_allowed_at is None:
        # No time to try again: either a rule that time does not lift blocks it, or no moment in
        # the coming week is allowed (a borrower's hours outside the window, a WhatsApp session
        # that closes first).
        if time_only:
            for half_hours in range(1, 8 * 48):
                later = scenario.now + timedelta(minutes=30 * half_hours)
                assert not decide(parse_scenario({**raw, "now": format_instant(later)})).allowed
        return
    assert time_only
    nxt = decision.next_allowed_at
    now = scenario.now
    assert nxt >= now and nxt.second == 0 and nxt.microsecond == 0
    assert decide(parse_scenario({**raw, "now": format_instant(nxt)})).allowed
    before = nxt - timedelta(minutes=1)
    if before >= now:
        assert not decide(parse_scenario({**raw, "now": format_instant(before)})).allowed


PACK_LOCATIONS = [LOCATIONS[0], LOCATIONS[4], LOCATIONS[5]]  # IL, MA, WA
CAPS = {  # (channels counted together, max, window)
    "per_channel": [(frozenset([c]), n, w) for c in CHANNELS for n, w in ((1, 1), (3, 7))],
    "MA": [(frozenset(["sms", "whatsapp"]), 2, 7)],
    "WA": [(frozenset(CHANNELS), 3, 7)],
}


@settings(max_examples=60, deadline=None, database=None)
@given(
    st.sampled_from(PACK_LOCATIONS),
    st.lists(
        st.tuples(st.sampled_from(CHANNELS), st.integers(1, 36 * 60), st.booleans()),
        min_size=5,
        max_size=40,
    ),
)
def test_it_never_exceeds_a_cap_when_sending_whenever_allowed(location, attempts):
    borrower = {**BORROWER, **location, "consent": CHANNELS}
    now = datetime(2026, 5, 4, 13, tzinfo=UTC)
    sent: list[tuple[str, datetime]] = []
    for channel, gap_minutes, follow_next in attempts:
        now += timedelta(minutes=gap_minutes)
        raw = {
            "now": iso(now),
            "channel": channel,
            "message": {"kind": "template"},
            "borrower": borrower,
            "history": [{"channel": ch, "at": iso(at)} for ch, at in sent],
        }
        decision = decide(parse_scenario(raw))
        if not decision.allowed and follow_next and decision.next_allowed_at:
            now = decision.next_allowed_at  # the scheduler defers to next_allowed_at
            decision = decide(parse_scenario({**raw, "now": iso(now)}))
            assert decision.allowed
        if decision.allowed:
            sent.append((channel, now))
    region = location.get("region")
    caps = CAPS["per_channel"] + CAPS.get(region, [])
    for _, at in sent:
        for channels, limit, days in caps:
            window = timedelta(days=days)
            count = sum(1 for ch, t in sent if ch in channels and at - window < t <= at)
            assert count <= limit, (channels, limit, days, at, sent)


def test_it_decides_random_scenarios_alike_under_any_machine_time_zone():
    lines = []

    @settings(max_examples=150, deadline=None, database=None)
    @given(scenarios())
    def collect(raw):
        lines.append(json.dumps(raw))

    collect()
    stdin = "\n".join(lines) + "\n"
    utc = run_cli(stdin, env={"TZ": "UTC"})
    kiritimati = run_cli(stdin, env={"TZ": "Pacific/Kiritimati"})
    assert utc.returncode == 0, utc.stdout[-500:]
    assert utc.stdout == kiritimati.stdout
    assert len(outputs(utc)) == len(lines)


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.sampled_from(
        ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu",
         "America/St_Johns", "Pacific/Chatham", "America/Santiago", "Asia/Kolkata"]
    ),
    instants(),
)  # fmt: skip
def test_it_formats_local_times_like_the_standard_library(zone, at):
    assert local_iso(zone, to_us(at)) == at.astimezone(get_zone(zone)).isoformat(timespec="seconds")
