"""Letters as a channel (issue 18): golden scenarios, the CLI, and no change for other channels."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from outreach.policy import decide, parse_scenario
from outreach.policy.errors import PackError
from outreach.policy.packs import shipped_pack
from outreach.policy.rulepack import compile_rules
from tests.unit.policy.policy_support import EXAMPLES, run_cli

GOLDEN = Path(__file__).with_name("letter_golden.jsonl")
CASES = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line]


def _answer(decision) -> dict:
    d = decision.to_dict()
    return {k: d[k] for k in ("allowed", "reasons", "next_allowed_at")}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_it_decides_the_letter_golden_scenarios(case):
    assert _answer(decide(parse_scenario(case))) == case["expect"], case["note"]


def test_it_answers_the_golden_scenarios_the_same_through_the_cli():
    result = run_cli("".join(json.dumps(c) + "\n" for c in CASES))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == [c["id"] for c in CASES]
    for line, case in zip(lines, CASES, strict=True):
        assert {k: line[k] for k in case["expect"]} == case["expect"], case["id"]


def test_it_keeps_every_public_example_unchanged_when_a_postal_address_is_known():
    examples = [json.loads(x) for x in EXAMPLES.read_text(encoding="utf-8").splitlines() if x]
    for example in examples:
        with_address = copy.deepcopy(example)
        with_address["borrower"]["postal_address"] = "1 Main St, Chicago IL 60601"
        with_address["borrower"]["consent"] = [*example["borrower"].get("consent", []), "letter"]
        expect = {k: example["expect"].get(k) for k in ("allowed", "reasons", "next_allowed_at")}
        assert _answer(decide(parse_scenario(example))) == expect, example["id"]
        assert _answer(decide(parse_scenario(with_address))) == expect, example["id"]


def test_it_cites_the_letter_rule_in_the_shipped_pack():
    pack = shipped_pack("US", "IL", "60601")
    assert "RF-TIME-1" in pack.content["letters"]["citation"]
    assert pack.letter_window_exempt and not pack.letter_consent_required
    assert "letter" in pack.marketing_blocked


def test_it_asks_consent_for_letters_under_a_pack_archived_before_letters_existed():
    content = copy.deepcopy(shipped_pack("US", "IL", "60601").content)
    del content["letters"]
    old = compile_rules(content, "US", ("default", "US"), "US@old", "archived")
    scenario = parse_scenario(CASES[0])  # 03:00 in Chicago
    from outreach.policy.engine import evaluate

    # No rule of an old pack names letters, so only its consent rule can (conservatively) hold.
    assert evaluate(old, scenario).reasons == ["no_consent"]


def test_it_refuses_a_letters_section_without_a_citation():
    content = copy.deepcopy(shipped_pack("US", "IL", "60601").content)
    content["letters"] = {"contact_window": False}
    with pytest.raises(PackError, match=r"letters\.citation: required"):
        compile_rules(content, "US", ("default", "US"), "US@x", "test")


def test_it_names_the_field_of_a_bad_postal_address():
    bad = copy.deepcopy(CASES[0])
    bad["borrower"]["postal_address"] = 12
    with pytest.raises(ValueError, match=r"borrower\.postal_address"):
        parse_scenario(bad)
