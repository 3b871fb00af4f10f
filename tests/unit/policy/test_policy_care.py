"""Golden cases for the care rules: a number that reaches someone else (``wrong_party``) and a
formal moratorium the lender records (``breathing_space``), in the shape of RULE_CASES."""

from __future__ import annotations

import pytest

from outreach.policy import decide, parse_scenario
from outreach.policy.errors import ScenarioError
from outreach.policy.packs import shipped_pack
from tests.unit.policy.policy_support import build

NOW = "2026-05-04T15:00:00Z"  # 10:00 in Chicago, a Monday
GB = {"country": "GB", "region": None, "postal_code": "SW1A 1AA", "phone": "+447700900123"}
CARE_CASES = [
    ("wrong_party_sms", build(NOW, borrower={"wrong_party": ["sms"]}), ["wrong_party"]),
    ("wrong_party_other_channel", build(NOW, "email", borrower={"wrong_party": ["sms"]}), []),
    ("wrong_party_whatsapp_template", build(NOW, "whatsapp", message={"kind": "template"}, borrower={"wrong_party": ["whatsapp"]}), ["wrong_party"]),
    ("wrong_party_reply_allowed", build(NOW, initiated_by="borrower", borrower={"wrong_party": ["sms"]}), []),
    ("wrong_party_with_opt_out", build(NOW, borrower={"wrong_party": ["sms"], "opt_outs": ["sms"]}), ["opted_out", "wrong_party"]),
    ("breathing_space_us", build(NOW, borrower={"flags": ["breathing_space"]}), ["breathing_space"]),
    ("breathing_space_gb", build(NOW, borrower={**GB, "flags": ["breathing_space"]}), ["breathing_space"]),
    ("breathing_space_reply_allowed", build(NOW, initiated_by="borrower", borrower={"flags": ["breathing_space"]}), []),
    ("breathing_space_and_dispute", build(NOW, borrower={"flags": ["breathing_space", "dispute_open"]}), ["dispute_open", "breathing_space"]),
    ("everything_new_after_old", build(NOW, borrower={"wrong_party": ["sms"], "flags": ["breathing_space", "deceased"], "consent": []}), ["no_consent", "deceased", "wrong_party", "breathing_space"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("scenario", "reasons"), [c[1:] for c in CARE_CASES], ids=[c[0] for c in CARE_CASES]
)
def test_it_blocks_wrong_party_numbers_and_breathing_spaces(scenario, reasons):
    decision = decide(parse_scenario(scenario))
    assert decision.reasons == reasons
    assert decision.allowed is (not reasons)
    assert decision.next_allowed_at is None  # time lifts neither


def test_it_leaves_a_scenario_without_the_new_facts_as_it_was():
    scenario = parse_scenario(build(NOW))
    assert "wrong_party" not in scenario.to_dict()["borrower"]
    assert decide(scenario).allowed is True
    again = parse_scenario(build(NOW, borrower={"wrong_party": ["sms"]}))
    assert parse_scenario(again.to_dict()) == again


def test_it_names_the_field_of_an_unknown_wrong_party_channel():
    with pytest.raises(ScenarioError) as err:
        parse_scenario(build(NOW, borrower={"wrong_party": ["fax"]}))
    assert "borrower.wrong_party" in str(err.value)


def test_it_cites_the_rules_it_applies():
    gb = shipped_pack("GB", None, None).content
    assert "Debt Respite Scheme" in gb["flags"]["breathing_space"]["citation"]
    us = shipped_pack("US", "IL", "60601").content
    assert "Reassigned Numbers Database" in us["wrong_party"]["citation"]
