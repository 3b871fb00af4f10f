"""The keyword checks of the care flow: a stated risk to life (which must not depend on the
classifier's guess) and the plain category a note records instead of the borrower's words; and
config/care.yaml read strictly."""

from __future__ import annotations

import pytest

from outreach.config_files import ConfigError
from outreach.selfservice.care import disclosure_kind, states_risk
from outreach.selfservice.care_config import care_config


@pytest.mark.parametrize("text", ["i want to end it", "I want to END IT ALL", "thinking about suicide", "ya no quiero vivir", "quiero quitarme la vida"])  # fmt: skip
def test_it_hears_a_stated_risk_to_life(text):
    assert states_risk(text)


@pytest.mark.parametrize("text", ["i want to end this plan", "i will pay friday", "no quiero pagar", "", None])  # fmt: skip
def test_it_does_not_hear_one_where_there_is_none(text):
    assert not states_risk(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("i've been sick for weeks and can't work", "illness"),
        ("my mother died", "bereavement"),
        ("i got laid off", "job_loss"),
        ("our house flooded", "disaster"),
        ("my anxiety is bad", "mental_health"),
        ("me quede sin chamba", "job_loss"),
        ("i will pay when i can", "other"),
    ],
)
def test_it_records_a_category_never_the_words(text, kind):
    assert disclosure_kind(text) == kind


def test_it_reads_the_shipped_care_config():
    cfg = care_config()
    assert (cfg.breathing_space_days, cfg.claim_pause_days) == (30, 7)
    assert cfg.advice_for("gb").debt.startswith("MoneyHelper")
    assert cfg.advice_for("ZZ") == cfg.advice["default"]


def test_it_names_the_bad_key_in_the_care_config(tmp_path, monkeypatch):
    (tmp_path / "care.yaml").write_text(
        "vulnerability: {breathing_space_days: 0}\npayment_claim: {pause_days: 7}\n"
        "advice: {default: {debt: a, crisis: b}}\n"
    )
    monkeypatch.setenv("OUTREACH_CONFIG_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match=r"vulnerability\.breathing_space_days"):
        care_config()
