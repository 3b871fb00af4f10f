"""config/payments.yaml ``reduce_balance``: read strictly, false unless the lender says true."""

from __future__ import annotations

import pytest

from outreach.config_files import ConfigError
from outreach.payments.balance import reduces_balance


def test_it_waits_for_the_lenders_import_in_the_shipped_configuration():
    assert reduces_balance() is False


def test_it_waits_when_the_file_or_the_key_is_absent(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTREACH_CONFIG_DIR", str(tmp_path))
    assert reduces_balance() is False
    (tmp_path / "payments.yaml").write_text("min_payment:\n  default: 5\n")
    assert reduces_balance() is False


def test_it_reduces_when_the_lender_says_true(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTREACH_CONFIG_DIR", str(tmp_path))
    (tmp_path / "payments.yaml").write_text("reduce_balance: true\n")
    assert reduces_balance() is True


def test_it_names_the_key_when_the_value_is_not_true_or_false(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTREACH_CONFIG_DIR", str(tmp_path))
    (tmp_path / "payments.yaml").write_text("reduce_balance: sometimes\n")
    with pytest.raises(ConfigError, match="reduce_balance: true or false, got 'sometimes'"):
        reduces_balance()
