"""``verification:`` in config/bot.yaml is checked when read; an error names the key."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outreach.config_files import ConfigError
from outreach.selfservice.verification_config import verification_config


@pytest.fixture
def bot_yaml(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTREACH_CONFIG_DIR", str(tmp_path))

    def write(text: str) -> None:
        (tmp_path / "bot.yaml").write_text(text)

    return write


def test_it_reads_the_shipped_verification_settings():
    cfg = verification_config()
    assert cfg.factors == ("date_of_birth", "loan_last4")
    assert cfg.typed_loan_factors == ("date_of_birth", "postal_code")
    assert (cfg.max_attempts, cfg.lockout, cfg.idle, cfg.conversation_idle) == (
        3,
        timedelta(minutes=30),
        timedelta(minutes=15),
        timedelta(hours=24),
    )


def test_it_refuses_the_last_four_digits_for_a_visitor_who_typed_the_loan_number(bot_yaml):
    bot_yaml("verification:\n  typed_loan_factors: [date_of_birth, loan_last4]\n")
    with pytest.raises(ConfigError, match=r"verification\.typed_loan_factors"):
        verification_config()


@pytest.mark.parametrize(
    ("yaml", "key"),
    [
        ("verification:\n  factors: [shoe_size]\n", "verification.factors"),
        ("verification:\n  lockout_minutes: 0\n", "verification.lockout_minutes"),
        ("verification:\n  idle_minutes: soon\n", "verification.idle_minutes"),
    ],
)
def test_it_names_a_malformed_setting(bot_yaml, yaml, key):
    bot_yaml(yaml)
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        verification_config()
