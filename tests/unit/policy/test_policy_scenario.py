"""Parsing and validating scenarios; canonical facts that replay to the same decision."""

from __future__ import annotations

import json

import pytest

from outreach.policy import ScenarioError, decide, load_pack, parse_scenario
from tests.unit.policy.policy_support import EXAMPLES, build

NOW = "2026-05-04T15:00:00Z"

# (name, scenario, the field the error must name)
BAD = [
    ("not_an_object", [], "scenario"),
    ("id_not_string", build(NOW) | {"id": 5}, "id"),
    ("now_missing", {k: v for k, v in build(NOW).items() if k != "now"}, "now"),
    ("now_not_iso", build("May 4th"), "now"),
    ("now_without_offset", build("2026-05-04T15:00:00"), "now"),
    ("now_date_only", build("2026-05-04"), "now"),
    ("now_number", build(NOW) | {"now": 1777777777}, "now"),
    ("now_far_future", build("9999-12-31T23:59:00Z"), "now"),
    ("now_far_past", build("0001-01-01T00:00:00Z"), "now"),
    ("channel_missing", {k: v for k, v in build(NOW).items() if k != "channel"}, "channel"),
    ("channel_unknown", build(NOW, "fax"), "channel"),
    ("channel_upper", build(NOW, "SMS"), "channel"),
    ("initiated_by_unknown", build(NOW, initiated_by="officer"), "initiated_by"),
    ("message_not_object", build(NOW, message="template"), "message"),
    ("message_kind", build(NOW, message={"kind": "rich"}), "message.kind"),
    ("message_category", build(NOW, message={"category": "promo"}), "message.category"),
    ("borrower_missing", {k: v for k, v in build(NOW).items() if k != "borrower"}, "borrower"),
    ("borrower_not_object", build(NOW) | {"borrower": "US"}, "borrower"),
    ("country_missing", build(NOW, borrower={"country": None}), "borrower.country"),
    ("country_empty", build(NOW, borrower={"country": ""}), "borrower.country"),
    ("country_unknown", build(NOW, borrower={"country": "XX"}), "borrower.country"),
    ("country_uk", build(NOW, borrower={"country": "UK"}), "borrower.country"),
    ("country_not_string", build(NOW, borrower={"country": ["US"]}), "borrower.country"),
    ("region_unknown_state", build(NOW, borrower={"region": "ZZ"}), "borrower.region"),
    ("region_not_string", build(NOW, borrower={"region": 12}), "borrower.region"),
    ("zip_malformed", build(NOW, borrower={"postal_code": "6060"}), "borrower.postal_code"),
    ("zip_unallocated", build(NOW, borrower={"postal_code": "00011"}), "borrower.postal_code"),
    ("timezone_unknown", build(NOW, borrower={"timezone": "America/Gotham"}), "borrower.timezone"),
    ("timezone_offset", build(NOW, borrower={"timezone": "-05:00"}), "borrower.timezone"),
    ("phone_not_e164", build(NOW, borrower={"phone": "(312) 555-0100"}), "borrower.phone"),
    ("phone_no_plus", build(NOW, borrower={"phone": "13125550100"}), "borrower.phone"),
    ("phone_too_short", build(NOW, borrower={"phone": "+1312"}), "borrower.phone"),
    ("phone_number", build(NOW, borrower={"phone": 13125550100}), "borrower.phone"),
    ("email_invalid", build(NOW, borrower={"email": "not-an-email"}), "borrower.email"),
    ("consent_not_list", build(NOW, borrower={"consent": "sms"}), "borrower.consent"),
    ("consent_unknown", build(NOW, borrower={"consent": ["sms", "fax"]}), "borrower.consent[1]"),
    ("opt_outs_unknown", build(NOW, borrower={"opt_outs": ["voice"]}), "borrower.opt_outs[0]"),
    ("flags_unknown", build(NOW, borrower={"flags": ["vip"]}), "borrower.flags[0]"),
    ("prefs_not_object", build(NOW, borrower={"preferences": []}), "borrower.preferences"),
    ("prefs_quiet_day", build(NOW, borrower={"preferences": {"quiet_days": ["monday"]}}), "borrower.preferences.quiet_days[0]"),
    ("prefs_earliest", build(NOW, borrower={"preferences": {"earliest": "9am"}}), "borrower.preferences.earliest"),
    ("prefs_latest", build(NOW, borrower={"preferences": {"latest": "25:00"}}), "borrower.preferences.latest"),
    ("prefs_inverted", build(NOW, borrower={"preferences": {"earliest": "18:00", "latest": "09:00"}}), "borrower.preferences.latest"),
    ("last_inbound_channel", build(NOW, borrower={"last_inbound": {"telegram": NOW}}), "borrower.last_inbound.telegram"),
    ("last_inbound_instant", build(NOW, borrower={"last_inbound": {"whatsapp": "now"}}), "borrower.last_inbound.whatsapp"),
    ("history_not_list", build(NOW, history={"channel": "sms"}), "history"),
    ("history_item", build(NOW, history=["sms"]), "history[0]"),
    ("history_channel", build(NOW, history=[{"channel": "sms", "at": NOW}, {"channel": "fax", "at": NOW}]), "history[1].channel"),
    ("history_at_missing", build(NOW, history=[{"channel": "sms"}]), "history[0].at"),
    ("history_at_naive", build(NOW, history=[{"channel": "sms", "at": "2026-05-04T10:00:00"}]), "history[0].at"),
    ("history_initiator", build(NOW, history=[{"channel": "sms", "at": NOW, "initiated_by": "bot"}]), "history[0].initiated_by"),
]  # fmt: skip


@pytest.mark.parametrize(("scenario", "field"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_it_rejects_a_malformed_scenario_naming_the_field(scenario, field):
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(scenario)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_it_applies_the_contract_defaults():
    s = parse_scenario(build(NOW))
    assert (s.initiated_by, s.message_kind, s.message_category, s.history) == (
        "lender",
        "freeform",
        "utility",
        (),
    )
    h = parse_scenario(build(NOW, history=[{"channel": "sms", "at": NOW}])).history[0]
    assert h.initiated_by == "lender"


def test_it_normalises_codes_offsets_and_empty_strings():
    s = parse_scenario(
        build(
            "2026-05-04T10:00:00-05:00",
            borrower={"country": "us", "region": "US-il", "email": "", "timezone": None},
        )
    )
    assert s.now.isoformat() == "2026-05-04T15:00:00+00:00"
    assert (s.borrower.country, s.borrower.region, s.borrower.email) == ("US", "IL", None)


def test_it_ignores_unknown_keys_such_as_expect():
    line = json.loads(EXAMPLES.read_text().splitlines()[0])
    assert parse_scenario(line).id == "E1"


REPLAY = [
    *[json.loads(line) for line in EXAMPLES.read_text().splitlines()],
    build(
        "2026-05-04T12:30:00.123456Z",
        "whatsapp",
        message={"kind": "template"},
        history=[
            {"channel": "sms", "at": "2026-05-03T14:00:00.5+02:00"},
            {"channel": "email", "at": "2026-05-04T01:00:00Z", "initiated_by": "borrower"},
        ],
        borrower={
            "timezone": "Asia/Calcutta",
            "opt_outs": ["email"],
            "flags": ["bankruptcy"],
            "preferences": {"quiet_days": ["sun", "Sat"], "earliest": "09:30", "latest": "24:00"},
            "last_inbound": {"whatsapp": "2026-05-04T10:00:00Z"},
        },
    ),
]


@pytest.mark.parametrize("raw", REPLAY, ids=[str(i) for i in range(len(REPLAY))])
def test_it_replays_the_same_decision_from_canonical_facts(raw):
    scenario = parse_scenario(raw)
    facts = json.loads(json.dumps(scenario.to_dict()))  # as stored by the app
    replayed = parse_scenario(facts)
    assert replayed == scenario
    pack = load_pack("US", "IL")
    assert decide(replayed, pack) == decide(scenario, pack)
    assert decide(replayed, pack).to_dict() == decide(scenario, pack).to_dict()


def test_it_accepts_a_dict_in_decide():
    assert decide(build(NOW)).allowed
