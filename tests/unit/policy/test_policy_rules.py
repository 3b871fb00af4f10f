"""One table of scenarios per rule: windows and DST, zones, preferences, caps, consent, opt-outs,
flags, addresses, WhatsApp sessions, marketing and borrower-initiated replies."""

from __future__ import annotations

import pytest

from outreach.policy import decide, parse_scenario
from outreach.policy.timeutil import format_instant
from tests.unit.policy.policy_support import build

NYC = {"region": "NY", "postal_code": "10001", "phone": "+12125550100"}
LA = {"region": "CA", "postal_code": "90012", "phone": "+12135550100"}
PHX = {"region": "AZ", "postal_code": "85004", "phone": "+16025550100"}
LONDON = {"country": "GB", "region": None, "postal_code": "SW1A 1AA", "phone": "+442079460000"}
TOLL_FREE = {"region": None, "postal_code": None, "phone": "+18005550100"}


def sms(now, **borrower):
    return build(now, borrower=borrower)


# (name, scenario, reasons, next_allowed_at)
WINDOW_CASES = [
    # Chicago, the contract's window 08:00-21:00, start inclusive, end exclusive
    ("chicago_before_8", sms("2026-05-04T12:59:00Z"), ["contact_window"], "2026-05-04T13:00:00Z"),
    ("chicago_at_8", sms("2026-05-04T13:00:00Z"), [], None),
    ("chicago_20_59", sms("2026-05-05T01:59:00Z"), [], None),
    ("chicago_at_21", sms("2026-05-05T02:00:00Z"), ["contact_window"], "2026-05-05T13:00:00Z"),
    ("seconds_round_up_to_the_minute", sms("2026-05-04T12:59:30Z"), ["contact_window"], "2026-05-04T13:00:00Z"),
    # New York, DST start 2026-03-08 (02:00 EST -> 03:00 EDT) and end 2026-11-01
    ("ny_day_before_dst_start", sms("2026-03-07T12:30:00Z", **NYC), ["contact_window"], "2026-03-07T13:00:00Z"),
    ("ny_dst_start_day", sms("2026-03-08T06:59:00Z", **NYC), ["contact_window"], "2026-03-08T12:00:00Z"),
    ("ny_dst_start_8am_edt", sms("2026-03-08T12:00:00Z", **NYC), [], None),
    ("ny_dst_end_overlap_hour", sms("2026-11-01T05:30:00Z", **NYC), ["contact_window"], "2026-11-01T13:00:00Z"),
    ("ny_dst_end_7am_est", sms("2026-11-01T12:00:00Z", **NYC), ["contact_window"], "2026-11-01T13:00:00Z"),
    ("ny_evening_before_dst_end", sms("2026-11-01T00:59:00Z", **NYC), [], None),
    ("ny_9pm_edt_before_dst_end", sms("2026-11-01T01:00:00Z", **NYC), ["contact_window"], "2026-11-01T13:00:00Z"),
    # Los Angeles DST start
    ("la_dst_start", sms("2026-03-08T14:00:00Z", **LA), ["contact_window"], "2026-03-08T15:00:00Z"),
    ("la_dst_start_8am_pdt", sms("2026-03-08T15:00:00Z", **LA), [], None),
    # London: BST from 2026-03-29 01:00Z, GMT from 2026-10-25 01:00Z
    ("london_gmt_before_bst", sms("2026-03-28T07:30:00Z", **LONDON), ["contact_window"], "2026-03-28T08:00:00Z"),
    ("london_first_bst_morning", sms("2026-03-29T06:30:00Z", **LONDON), ["contact_window"], "2026-03-29T07:00:00Z"),
    ("london_bst_8am", sms("2026-03-29T07:00:00Z", **LONDON), [], None),
    ("london_last_bst_evening", sms("2026-10-24T19:59:00Z", **LONDON), [], None),
    ("london_9pm_bst", sms("2026-10-24T20:00:00Z", **LONDON), ["contact_window"], "2026-10-25T08:00:00Z"),
    # Arizona: America/Phoenix keeps MST all year
    ("phoenix_summer_8am_mst", sms("2026-07-15T15:00:00Z", **PHX), [], None),
    ("phoenix_summer_7_59", sms("2026-07-15T14:59:00Z", **PHX), ["contact_window"], "2026-07-15T15:00:00Z"),
    ("phoenix_summer_8_30pm", sms("2026-07-16T03:30:00Z", **PHX), [], None),
    ("phoenix_winter_8am_mst", sms("2026-01-15T15:00:00Z", **PHX), [], None),
    # Split area code 850 with a Florida region: Eastern and Central together
    ("fl_850_eastern_8am_is_central_7am", sms("2026-05-04T12:30:00Z", region="FL", postal_code=None, phone="+18505550100"), ["contact_window"], "2026-05-04T13:00:00Z"),
    ("fl_850_central_8pm_is_eastern_9pm", sms("2026-05-05T01:00:00Z", region="FL", postal_code=None, phone="+18505550100"), ["contact_window"], "2026-05-05T13:00:00Z"),
    ("fl_850_inside_both", sms("2026-05-05T00:59:00Z", region="FL", postal_code=None, phone="+18505550100"), [], None),
    # Address in Chicago, mobile from New York: both zones (RF-TIME-3)
    ("chicago_address_ny_phone_8pm_cdt", sms("2026-05-05T00:30:00Z", phone="+12125550100"), [], None),
    ("chicago_address_ny_phone_9pm_edt", sms("2026-05-05T01:00:00Z", phone="+12125550100"), ["contact_window"], "2026-05-05T13:00:00Z"),
    # Toll-free number, no address: every zone of the 50 states and DC (Hawaii to Eastern)
    ("us_unknown_before_hawaii_8am", sms("2026-07-15T17:59:00Z", **TOLL_FREE), ["contact_window"], "2026-07-15T18:00:00Z"),
    ("us_unknown_hawaii_8am", sms("2026-07-15T18:00:00Z", **TOLL_FREE), [], None),
    ("us_unknown_eastern_9pm", sms("2026-07-16T01:00:00Z", **TOLL_FREE), ["contact_window"], "2026-07-16T18:00:00Z"),
    # Other countries' windows
    ("india_7pm", sms("2026-05-04T13:30:00Z", country="IN", region=None, postal_code=None, phone="+919876543210"), ["contact_window"], "2026-05-05T02:30:00Z"),
    ("india_6_59pm", sms("2026-05-04T13:29:00Z", country="IN", region=None, postal_code=None, phone="+919876543210"), [], None),
    ("philippines_6am", sms("2026-05-04T22:00:00Z", country="PH", region=None, postal_code=None, phone="+639171234567"), [], None),
    ("philippines_10pm", sms("2026-05-04T14:00:00Z", country="PH", region=None, postal_code=None, phone="+639171234567"), ["contact_window"], "2026-05-04T22:00:00Z"),
    ("kenya_default_window", sms("2026-05-04T04:59:00Z", country="KE", region=None, postal_code=None, phone="+254712345678"), ["contact_window"], "2026-05-04T05:00:00Z"),
    # Windows that never meet: New York, Kolkata and Tokyo
    ("no_common_window", sms("2026-05-04T15:00:00Z", **NYC, timezone="Asia/Tokyo") | {"borrower": {**sms("x", **NYC)["borrower"], "timezone": "Asia/Tokyo", "phone": "+919876543210"}}, ["no_common_window"], None),
    # IN hours in Kolkata and Chicago meet 13:00-13:30Z in summer (CDT) but not in winter (CST)
    ("kolkata_chicago_summer", sms("2026-07-15T13:00:00Z", country="IN", region=None, postal_code=None, phone="+919876543210", timezone="America/Chicago"), [], None),
    ("kolkata_chicago_summer_next", sms("2026-07-15T13:30:00Z", country="IN", region=None, postal_code=None, phone="+919876543210", timezone="America/Chicago"), ["contact_window"], "2026-07-16T13:00:00Z"),
    ("kolkata_chicago_winter", sms("2026-01-15T13:00:00Z", country="IN", region=None, postal_code=None, phone="+919876543210", timezone="America/Chicago"), ["no_common_window"], None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("scenario", "reasons", "next_at"),
    [case[1:] for case in WINDOW_CASES],
    ids=[case[0] for case in WINDOW_CASES],
)
def test_it_applies_the_contact_window_in_every_candidate_zone(scenario, reasons, next_at):
    decision = decide(parse_scenario(scenario))
    assert decision.reasons == reasons
    assert decision.allowed is (not reasons)
    assert (
        format_instant(decision.next_allowed_at) if decision.next_allowed_at else None
    ) == next_at
    if next_at:
        again = decide(parse_scenario({**scenario, "now": next_at}))
        assert again.allowed, again


def test_it_reports_the_zones_it_used():
    fl = decide(
        parse_scenario(
            sms("2026-05-04T15:00:00Z", region="FL", postal_code=None, phone="+18505550100")
        )
    )
    assert fl.zones == ["America/Chicago", "America/New_York"]
    unknown = decide(parse_scenario(sms("2026-05-04T15:00:00Z", **TOLL_FREE)))
    assert "Pacific/Honolulu" in unknown.zones and "America/Adak" in unknown.zones
    assert "America/Puerto_Rico" not in unknown.zones
    assert set(unknown.local_times) == set(unknown.zones)


def _prefs(now, **prefs):
    return sms(now, preferences=prefs)


# 2026-05-04 is a Monday.
PREFERENCE_CASES = [
    ("earliest_10", _prefs("2026-05-04T14:00:00Z", earliest="10:00"), ["borrower_preference"], "2026-05-04T15:00:00Z"),
    ("earliest_10_and_window", _prefs("2026-05-04T12:00:00Z", earliest="10:00"), ["contact_window", "borrower_preference"], "2026-05-04T15:00:00Z"),
    ("latest_is_exclusive", _prefs("2026-05-04T23:00:00Z", latest="18:00"), ["borrower_preference"], "2026-05-05T13:00:00Z"),
    ("before_latest", _prefs("2026-05-04T22:59:00Z", latest="18:00"), [], None),
    ("quiet_monday", _prefs("2026-05-04T15:00:00Z", quiet_days=["mon"]), ["borrower_preference"], "2026-05-05T13:00:00Z"),
    ("quiet_weekend_friday_evening", _prefs("2026-05-09T02:30:00Z", quiet_days=["sat", "sun"]), ["contact_window"], "2026-05-11T13:00:00Z"),
    ("quiet_weekend_saturday", _prefs("2026-05-09T15:00:00Z", quiet_days=["sat", "sun"]), ["borrower_preference"], "2026-05-11T13:00:00Z"),
    ("quiet_tuesday_on_monday", _prefs("2026-05-04T15:00:00Z", quiet_days=["tue"]), [], None),
    ("quiet_every_day", _prefs("2026-05-04T15:00:00Z", quiet_days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), ["borrower_preference"], None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("scenario", "reasons", "next_at"),
    [case[1:] for case in PREFERENCE_CASES],
    ids=[case[0] for case in PREFERENCE_CASES],
)
def test_it_honours_borrower_preferences_in_local_time(scenario, reasons, next_at):
    decision = decide(parse_scenario(scenario))
    assert decision.reasons == reasons
    assert (
        format_instant(decision.next_allowed_at) if decision.next_allowed_at else None
    ) == next_at


def _hist(*entries):
    return [{"channel": ch, "at": at} if isinstance(ch, str) else ch for ch, at in entries]


CAP_CASES = [
    ("sent_exactly_24h_ago_no_longer_counts", sms("2026-05-04T15:00:00Z") | {"history": _hist(("sms", "2026-05-03T15:00:00Z"))}, [], None),
    ("sent_24h_minus_1s_ago_counts", sms("2026-05-04T15:00:00Z") | {"history": _hist(("sms", "2026-05-03T15:00:01Z"))}, ["frequency_cap"], "2026-05-04T15:01:00Z"),
    ("other_channel_does_not_count", sms("2026-05-04T15:00:00Z") | {"history": _hist(("email", "2026-05-04T14:00:00Z"))}, [], None),
    ("three_in_7_days", sms("2026-05-04T15:00:00Z") | {"history": _hist(("sms", "2026-04-28T16:00:00Z"), ("sms", "2026-04-30T15:00:00Z"), ("sms", "2026-05-02T15:00:00Z"))}, ["frequency_cap"], "2026-05-05T16:00:00Z"),
    ("three_exactly_7_days_edge", sms("2026-05-04T15:00:00Z") | {"history": _hist(("sms", "2026-04-27T15:00:00Z"), ("sms", "2026-04-30T15:00:00Z"), ("sms", "2026-05-02T15:00:00Z"))}, [], None),
    ("borrower_initiated_replies_do_not_count", sms("2026-05-04T15:00:00Z") | {"history": [{"channel": "sms", "at": "2026-05-04T14:00:00Z", "initiated_by": "borrower"}]}, [], None),
    ("cap_release_at_night_waits_for_window", sms("2026-05-04T15:00:00Z") | {"history": _hist(("sms", "2026-05-04T03:00:00Z"))}, ["frequency_cap"], "2026-05-05T13:00:00Z"),
    # Massachusetts: SMS and WhatsApp together at most 2 per 7 days
    ("ma_sms_after_sms_and_whatsapp", build("2026-05-04T15:00:00Z", borrower={"region": "MA", "postal_code": "02108", "phone": "+16175550100"}, history=_hist(("sms", "2026-05-01T15:00:00Z"), ("whatsapp", "2026-05-02T15:00:00Z"))), ["frequency_cap"], "2026-05-08T15:00:00Z"),
    ("ma_email_is_not_limited_by_ma_cap", build("2026-05-04T15:00:00Z", "email", borrower={"region": "MA", "postal_code": "02108", "phone": "+16175550100"}, history=_hist(("sms", "2026-05-01T15:00:00Z"), ("whatsapp", "2026-05-02T15:00:00Z"))), [], None),
    ("il_sms_after_sms_and_whatsapp", sms("2026-05-04T15:00:00Z") | {"history": _hist(("sms", "2026-05-01T15:00:00Z"), ("whatsapp", "2026-05-02T15:00:00Z"))}, [], None),
    # Washington: all channels together at most 3 per 7 days
    ("wa_email_after_three_others", build("2026-05-04T18:00:00Z", "email", borrower={"region": "WA", "postal_code": "98101", "phone": "+12065550100"}, history=_hist(("sms", "2026-04-30T18:00:00Z"), ("whatsapp", "2026-05-01T18:00:00Z"), ("sms", "2026-05-02T18:00:00Z"))), ["frequency_cap"], "2026-05-07T18:00:00Z"),
    ("wa_two_others", build("2026-05-04T18:00:00Z", "email", borrower={"region": "WA", "postal_code": "98101", "phone": "+12065550100"}, history=_hist(("sms", "2026-04-30T18:00:00Z"), ("whatsapp", "2026-05-01T18:00:00Z"))), [], None),
    # The ZIP code's state counts for the jurisdiction even without a region
    ("ma_by_zip_only", build("2026-05-04T15:00:00Z", borrower={"region": None, "postal_code": "02108", "phone": "+16175550100"}, history=_hist(("sms", "2026-05-01T15:00:00Z"), ("whatsapp", "2026-05-02T15:00:00Z"))), ["frequency_cap"], "2026-05-08T15:00:00Z"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("scenario", "reasons", "next_at"),
    [case[1:] for case in CAP_CASES],
    ids=[case[0] for case in CAP_CASES],
)
def test_it_applies_rolling_frequency_caps(scenario, reasons, next_at):
    decision = decide(parse_scenario(scenario))
    assert decision.reasons == reasons
    assert (
        format_instant(decision.next_allowed_at) if decision.next_allowed_at else None
    ) == next_at
    if next_at:
        assert decide(parse_scenario({**scenario, "now": next_at})).allowed


NOW = "2026-05-04T15:00:00Z"  # 10:00 in Chicago
NIGHT = "2026-05-05T04:30:00Z"  # 23:30 in Chicago
RULE_CASES = [
    ("consent_missing", build(NOW, borrower={"consent": ["email"]}), ["no_consent"]),
    ("opted_out_and_no_consent", build(NOW, borrower={"consent": [], "opt_outs": ["sms"]}), ["opted_out", "no_consent"]),
    ("opted_out_other_channel", build(NOW, borrower={"opt_outs": ["email"]}), []),
    *[(f"flag_{flag}", build(NOW, borrower={"flags": [flag]}), [flag]) for flag in ("cease_and_desist", "attorney_represented", "dispute_open", "bankruptcy", "deceased")],
    ("every_flag", build(NOW, borrower={"flags": ["deceased", "bankruptcy", "cease_and_desist", "dispute_open", "attorney_represented"]}), ["cease_and_desist", "attorney_represented", "dispute_open", "bankruptcy", "deceased"]),
    ("no_phone_for_sms", build(NOW, borrower={"phone": None}), ["no_address"]),
    ("no_phone_for_whatsapp", build(NOW, "whatsapp", message={"kind": "template"}, borrower={"phone": None}), ["no_address"]),
    ("no_email_for_email", build(NOW, "email", borrower={"email": None}), ["no_address"]),
    ("email_needs_no_phone", build(NOW, "email", borrower={"phone": None}), []),
    ("marketing_sms", build(NOW, message={"category": "marketing"}), ["marketing_not_allowed"]),
    ("marketing_whatsapp_template", build(NOW, "whatsapp", message={"kind": "template", "category": "marketing"}), ["marketing_not_allowed"]),
    ("marketing_email", build(NOW, "email", message={"category": "marketing"}), ["marketing_not_allowed"]),
    ("marketing_reply", build(NOW, initiated_by="borrower", message={"category": "marketing"}), ["marketing_not_allowed"]),
    # WhatsApp 24-hour session: open while last_inbound > now - 24h
    ("wa_freeform_no_inbound", build(NOW, "whatsapp"), ["whatsapp_session_closed"]),
    ("wa_freeform_23h59", build(NOW, "whatsapp", borrower={"last_inbound": {"whatsapp": "2026-05-03T15:01:00Z"}}), []),
    ("wa_freeform_exactly_24h", build(NOW, "whatsapp", borrower={"last_inbound": {"whatsapp": "2026-05-03T15:00:00Z"}}), ["whatsapp_session_closed"]),
    ("wa_template_outside_session", build(NOW, "whatsapp", message={"kind": "template"}), []),
    ("wa_inbound_on_sms_does_not_open_whatsapp", build(NOW, "whatsapp", borrower={"last_inbound": {"sms": "2026-05-04T14:00:00Z"}}), ["whatsapp_session_closed"]),
    # Borrower-initiated replies: no window, caps, preferences or consent; session still applies
    ("reply_at_night", build(NIGHT, initiated_by="borrower"), []),
    ("reply_without_consent", build(NIGHT, initiated_by="borrower", borrower={"consent": []}), []),
    ("reply_over_cap", build(NOW, initiated_by="borrower", history=[{"channel": "sms", "at": "2026-05-04T14:00:00Z"}]), []),
    ("reply_on_quiet_day", build(NOW, initiated_by="borrower", borrower={"preferences": {"quiet_days": ["mon"]}}), []),
    ("reply_with_flag", build(NOW, initiated_by="borrower", borrower={"flags": ["dispute_open"]}), []),
    ("reply_opted_out", build(NOW, initiated_by="borrower", borrower={"opt_outs": ["sms"]}), ["opted_out"]),
    ("reply_whatsapp_in_session_at_night", build(NIGHT, "whatsapp", initiated_by="borrower", borrower={"last_inbound": {"whatsapp": "2026-05-05T04:29:00Z"}}), []),
    ("reply_whatsapp_session_closed", build(NIGHT, "whatsapp", initiated_by="borrower", borrower={"last_inbound": {"whatsapp": "2026-05-03T04:29:00Z"}}), ["whatsapp_session_closed"]),
    ("reply_whatsapp_template_session_closed", build(NIGHT, "whatsapp", initiated_by="borrower", message={"kind": "template"}), []),
    # Every rule at once, in the contract's vocabulary order
    ("everything", build(NIGHT, "whatsapp", message={"category": "marketing"}, history=[{"channel": "whatsapp", "at": "2026-05-04T20:00:00Z"}], borrower={"phone": None, "consent": [], "opt_outs": ["whatsapp"], "flags": ["deceased"], "preferences": {"quiet_days": ["mon", "tue"]}}),
     ["contact_window", "borrower_preference", "frequency_cap", "opted_out", "no_consent", "no_address", "deceased", "whatsapp_session_closed", "marketing_not_allowed"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("scenario", "reasons"), [case[1:] for case in RULE_CASES], ids=[case[0] for case in RULE_CASES]
)
def test_it_applies_the_rules_that_time_does_not_lift(scenario, reasons):
    decision = decide(parse_scenario(scenario))
    assert decision.reasons == reasons
    assert decision.allowed is (not reasons)
    assert decision.next_allowed_at is None


def test_it_gives_no_next_time_when_the_whatsapp_session_closes_before_the_window_opens():
    # 23:30 in Chicago, session opened 23:00 the evening before, closes at 04:00Z before 8 a.m.
    scenario = build(
        NIGHT, "whatsapp", borrower={"last_inbound": {"whatsapp": "2026-05-04T04:40:00Z"}}
    )
    decision = decide(parse_scenario(scenario))
    assert decision.reasons == ["contact_window"]
    assert decision.next_allowed_at is None


def test_it_gives_the_window_opening_while_the_whatsapp_session_is_still_open():
    scenario = build(
        NIGHT, "whatsapp", borrower={"last_inbound": {"whatsapp": "2026-05-05T04:00:00Z"}}
    )
    decision = decide(parse_scenario(scenario))
    assert decision.reasons == ["contact_window"]
    assert format_instant(decision.next_allowed_at) == "2026-05-05T13:00:00Z"
